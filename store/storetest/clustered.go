package storetest

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/feature"
	"github.com/paulmach/orb"
)

// clusterCities are the real city centres of the clustered data set, the
// first the most frequent, with their countries.
var clusterCities = []struct {
	lon, lat float64
	country  string
}{
	{44.366, 33.315, "IRQ"}, {69.172, 34.528, "AFG"}, {51.389, 35.689, "IRN"}, {36.292, 33.513, "SYR"},
	{37.161, 36.202, "SYR"}, {43.130, 36.340, "IRQ"}, {47.783, 30.508, "IRQ"}, {62.200, 34.348, "AFG"},
	{65.710, 31.613, "AFG"}, {73.048, 33.684, "PAK"}, {74.344, 31.549, "PAK"}, {35.930, 31.951, "JOR"},
	{35.495, 33.889, "LBN"}, {44.009, 36.191, "IRQ"}, {44.392, 35.468, "IRQ"}, {44.336, 32.000, "IRQ"},
	{44.024, 32.616, "IRQ"}, {59.606, 36.297, "IRN"}, {51.668, 32.652, "IRN"}, {46.292, 38.080, "IRN"},
	{49.867, 40.409, "AZE"}, {69.240, 41.299, "UZB"}, {68.780, 38.560, "TJK"}, {58.383, 37.950, "TKM"},
	{67.110, 36.709, "AFG"}, {70.451, 34.430, "AFG"}, {71.578, 34.008, "PAK"}, {67.001, 30.184, "PAK"},
	{47.978, 29.369, "KWT"}, {51.531, 25.286, "QAT"}, {37.383, 37.066, "TUR"}, {40.230, 37.914, "TUR"},
	{36.723, 34.731, "SYR"}, {36.634, 35.931, "SYR"}, {39.012, 35.950, "SYR"}, {40.141, 35.336, "SYR"},
	{35.214, 31.769, "ISR"}, {46.716, 24.688, "SAU"}, {50.586, 26.228, "BHR"}, {54.367, 24.453, "ARE"},
}

// clusterEventTypes are the six ACLED event types of the clustered data
// set, each with one sub-event type.
var clusterEventTypes = [][2]string{
	{"Battles", "Armed clash"}, {"Explosions/Remote violence", "Shelling/artillery/missile attack"},
	{"Violence against civilians", "Attack"}, {"Protests", "Peaceful protest"},
	{"Riots", "Violent demonstration"}, {"Strategic developments", "Other"},
}

// ClusterCentres is the number of centres of the clustered data set: the
// real cities above, then pseudo-random ones in lon 35..75, lat 25..42.
const ClusterCentres = 200

// Clustered returns incident i (from 0) of a deterministic data set shaped
// like ../shared/bench/gen_points.sql: 200 centres with Zipf weights
// (1/rank^0.9) and a gaussian spread, 10% uniform noise in lon 35..75,
// lat 25..42, days from 2018 to 2024 with density rising in time, and six
// ACLED event types. Each incident is a pure function of (i, seed), so
// that a million can be streamed without being held.
func Clustered(i int, seed uint64) *incidentmap.Incident {
	u := func(k uint64) float64 { return unit(splitmix(uint64(i)*64 + k + seed*0x9e3779b97f4a7c15)) }
	var lon, lat float64
	centre := zipfRank(u(1))
	cLon, cLat, country := centreOf(centre, seed)
	if u(2) < 0.1 {
		lon, lat = 35+40*u(3), 25+17*u(4)
	} else {
		sigma := 0.08 + 0.25*u(5)
		r := math.Sqrt(-2*math.Log(u(6))) * sigma
		lon, lat = cLon+r*math.Cos(2*math.Pi*u(7)), cLat+r*math.Sin(2*math.Pi*u(7))
	}
	day := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(math.Sqrt(u(8))*7*365))
	et := clusterEventTypes[int(u(9)*float64(len(clusterEventTypes)))]
	inc := &incidentmap.Incident{
		ID:                "gen-" + strconv.Itoa(i+1),
		ExternalIDs:       []string{"gen:" + strconv.Itoa(i+1)},
		Title:             fmt.Sprintf("Synthetic %s near centre %d, number %d", et[1], centre+1, i+1),
		OccurredStart:     day,
		OccurredEnd:       day,
		DatePrecision:     incidentmap.DateDay,
		Location:          orb.Point{math.Round(lon*1e6) / 1e6, math.Round(lat*1e6) / 1e6},
		LocationPrecision: incidentmap.LocationCity,
		Country:           country,
		EventType:         et[0],
		SubEventType:      et[1],
		TargetType:        incidentmap.TargetTypes[int(u(10)*float64(len(incidentmap.TargetTypes)))],
		Status:            incidentmap.StatusPublished,
	}
	if f := int(-math.Log(u(11)) * 2); f < 10 && u(12) < 0.6 {
		inc.Fatalities = &f
	}
	return inc
}

// WriteClusteredGeoJSON writes incidents 0..n-1 of Clustered as a GeoJSON
// FeatureCollection, one feature per line, streaming.
func WriteClusteredGeoJSON(w io.Writer, n int, seed uint64) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(`{"type":"FeatureCollection","features":[`)
	var buf []byte
	for i := range n {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
		buf = feature.Append(buf[:0], Clustered(i, seed))
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}

// zipfCDF holds the cumulative Zipf weights 1/rank^0.9 of the centres.
var zipfCDF = func() []float64 {
	cdf := make([]float64, ClusterCentres)
	total := 0.0
	for r := range cdf {
		total += math.Pow(float64(r+1), -0.9)
		cdf[r] = total
	}
	for r := range cdf {
		cdf[r] /= total
	}
	return cdf
}()

// zipfRank draws a centre rank from 0 to ClusterCentres-1 by its Zipf
// weight.
func zipfRank(x float64) int {
	r, _ := slices.BinarySearch(zipfCDF, x)
	return min(r, ClusterCentres-1)
}

// centreOf returns the point and country of a centre: a real city, or a
// pseudo-random point that takes the country of the nearest real city.
func centreOf(rank int, seed uint64) (lon, lat float64, country string) {
	if rank < len(clusterCities) {
		c := clusterCities[rank]
		return c.lon, c.lat, c.country
	}
	lon = 35 + 40*unit(splitmix(uint64(rank)*2+seed))
	lat = 25 + 17*unit(splitmix(uint64(rank)*2+1+seed))
	best := math.Inf(1)
	for _, c := range clusterCities {
		if d := (c.lon-lon)*(c.lon-lon) + (c.lat-lat)*(c.lat-lat); d < best {
			best, country = d, c.country
		}
	}
	return lon, lat, country
}

// splitmix is the SplitMix64 mixing function.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// unit maps 64 random bits to the open interval (0, 1).
func unit(x uint64) float64 { return (float64(x>>11) + 0.5) / (1 << 53) }
