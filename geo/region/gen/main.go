// Command gen derives the embedded region boundaries of package region from
// Natural Earth (public domain):
//
//	go run ./geo/region/gen            # from the module root
//	go run ./geo/region/gen -tolerance 0.005 -out /tmp/regions.bin.gz
//
// It reads the Natural Earth countries (admin 0) and states and provinces
// (admin 1) as GeoJSON, maps their codes onto ISO 3166-1 alpha-3 and ISO
// 3166-2, simplifies every ring with Douglas–Peucker, rounds coordinates to
// 5 decimals and writes one gzip'd file in the format that region.Decode
// reads (see the package documentation of region). The output is
// deterministic: the same input gives the same bytes.
//
// Country codes. The countries file is keyed by ISO 3166-1 alpha-2
// (country_a2); its country_a3 is Natural Earth's adm0_a3 of one of the
// units that make up the country, which is not always ISO. The alpha-3 code
// is therefore taken from country_a3 and corrected by fixA3:
//
//   - KOS → XKX (Kosovo, the user-assigned code ValidCountry accepts),
//     SDS → SSD (South Sudan), PSX → PSE (Palestine), SAH → ESH (Western
//     Sahara), ALD → ALA (Åland).
//   - USG → CUB and ESB → CYP: the features with country_a2 CU and CY carry
//     the a3 of the US naval base at Guantánamo and of the Dhekelia
//     sovereign base area, but their geometry is the whole of Cuba and of
//     Cyprus (their bounds span the islands). They are kept as the
//     countries their alpha-2 names. The base areas themselves are not
//     countries and get no region of their own.
//
// Province codes. A province's code is Natural Earth's iso_3166_2.
// Features without an ISO code are dropped, and points there get a country
// but no province: those Natural Earth marks "-99-…" (Somaliland, Northern
// Cyprus, Kashmir, Baykonur, Dhekelia, Akrotiri, Guantánamo, Spratly,
// Clipperton, Coral Sea, Christmas and Cocos islands), its placeholders
// ending in "~" (the districts of Kosovo and Hong Kong, the municipalities
// of Åland, six Bosnian regions, many small islands, ...), and nameless
// features. Features that share a code (Natural Earth splits some
// provinces, e.g. PH-MNL in 17 parts, BA-BIH in 9) are merged into one
// region named after the first of them in source order. Natural Earth's
// codes for Panjshir and Daykundi are corrected (fixProvince). A province's
// country is the alpha-3 of its iso_a2, the same de-facto assignment the
// country polygons use (so UA-43 Crimea lies in RUS, US-PR in PRI, NL-SX in
// SXM, as in Natural Earth).
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/orb/simplify"
)

// defaultTolerance is the Douglas–Peucker tolerance in degrees; 0.005° is
// about 560 m of latitude. See the package region documentation for the
// measured trade-off.
const defaultTolerance = 0.005

// scale is the fixed-point factor of stored coordinates: 5 decimals.
const scale = 1e5

// magic opens every region file; the byte after it is the format version.
const magic = "IMRG"

// version is the format version written by encode.
const version = 1

// fixA3 maps a non-ISO country_a3 code of the Natural Earth countries
// file onto ISO 3166-1 alpha-3 (see the command documentation); it returns
// "" for any other code.
func fixA3(code string) string {
	switch code {
	case "KOS":
		return "XKX"
	case "SDS":
		return "SSD"
	case "PSX":
		return "PSE"
	case "SAH":
		return "ESH"
	case "ALD":
		return "ALA"
	case "USG":
		return "CUB"
	case "ESB":
		return "CYP"
	}
	return ""
}

// fixName returns the English name of the country with alpha-2 code, where
// the admin field of the provinces file has a dated or partial one, or "".
func fixName(code string) string {
	switch code {
	case "PS":
		return "Palestine"
	case "SS":
		return "South Sudan"
	case "RS":
		return "Serbia"
	case "MK":
		return "North Macedonia"
	case "SZ":
		return "Eswatini"
	case "CZ":
		return "Czechia"
	case "HK":
		return "Hong Kong"
	case "MO":
		return "Macao"
	case "AX":
		return "Åland Islands"
	case "BS":
		return "Bahamas"
	case "TL":
		return "Timor-Leste"
	case "CI":
		return "Côte d'Ivoire"
	case "CV":
		return "Cabo Verde"
	case "GW":
		return "Guinea-Bissau"
	case "TZ":
		return "Tanzania"
	case "US":
		return "United States"
	case "BL":
		return "Saint Barthélemy"
	case "FM":
		return "Micronesia"
	case "VA":
		return "Vatican City"
	case "PN":
		return "Pitcairn"
	}
	return ""
}

// record is one region as written to the file.
type record struct {
	Level      int
	Code       string
	Name       string
	Country    string
	GeoNamesID int
	Geometry   orb.MultiPolygon
}

// stats summarises one run of generate.
type stats struct {
	Countries, Provinces    int
	PointsIn, PointsOut     int
	DroppedRings, KeptWhole int
	DroppedFeatures         []string
	Bytes                   int
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run parses flags, generates and writes the file, and prints statistics.
func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	admin0 := fs.String("admin0", "../shared/data/boundaries/ne_admin0_countries.geojson", "Natural Earth countries GeoJSON")
	admin1 := fs.String("admin1", "../shared/data/boundaries/ne_10m_admin1.geojson", "Natural Earth admin 1 GeoJSON")
	out := fs.String("out", "geo/region/data/regions.bin.gz", "output file")
	tolerance := fs.Float64("tolerance", defaultTolerance, "Douglas–Peucker tolerance in degrees")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a0, err := os.ReadFile(*admin0)
	if err != nil {
		return err
	}
	a1, err := os.ReadFile(*admin1)
	if err != nil {
		return err
	}
	data, st, err := generate(a0, a1, *tolerance)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "gen: tolerance %g°: %d countries, %d provinces; points %d → %d; %d degenerate rings dropped, %d features kept unsimplified; %d bytes → %s\n",
		*tolerance, st.Countries, st.Provinces, st.PointsIn, st.PointsOut, st.DroppedRings, st.KeptWhole, st.Bytes, *out)
	fmt.Fprintf(stdout, "gen: dropped %d provinces without an ISO 3166-2 code or a name: %s\n", len(st.DroppedFeatures), strings.Join(st.DroppedFeatures, " "))
	return nil
}

// generate turns the two GeoJSON documents into the compressed region file.
func generate(admin0, admin1 []byte, tolerance float64) ([]byte, stats, error) {
	var st stats
	fc0, err := geojson.UnmarshalFeatureCollection(admin0)
	if err != nil {
		return nil, st, fmt.Errorf("gen: admin0: %w", err)
	}
	fc1, err := geojson.UnmarshalFeatureCollection(admin1)
	if err != nil {
		return nil, st, fmt.Errorf("gen: admin1: %w", err)
	}
	a2to3 := make(map[string]string)
	var countries []record
	for i, f := range fc0.Features {
		a2 := f.Properties.MustString("country_a2", "")
		a3 := f.Properties.MustString("country_a3", "")
		if fixed := fixA3(a3); fixed != "" {
			a3 = fixed
		}
		if !isAlpha(a2, 2) || !isAlpha(a3, 3) {
			return nil, st, fmt.Errorf("gen: admin0 feature %d: bad codes %q/%q", i, a2, a3)
		}
		if _, dup := a2to3[a2]; dup {
			return nil, st, fmt.Errorf("gen: admin0: duplicate country %s", a2)
		}
		a2to3[a2] = a3
		mp, err := multiPolygon(f.Geometry)
		if err != nil {
			return nil, st, fmt.Errorf("gen: admin0 %s: %w", a3, err)
		}
		countries = append(countries, record{Level: 0, Code: a3, Country: a3, Geometry: mp})
	}

	// Country names: the most frequent admin name among the country's
	// provinces (ties broken by the smaller name), unless fixName has one.
	names := make(map[string]map[string]int)
	for _, f := range fc1.Features {
		a2 := f.Properties.MustString("iso_a2", "")
		if names[a2] == nil {
			names[a2] = make(map[string]int)
		}
		names[a2][f.Properties.MustString("admin", "")]++
	}
	a3to2 := make(map[string]string, len(a2to3))
	for a2, a3 := range a2to3 {
		a3to2[a3] = a2
	}
	for i := range countries {
		a2 := a3to2[countries[i].Code]
		name := fixName(a2)
		if name == "" {
			best := 0
			for n, c := range names[a2] {
				if n != "" && (c > best || c == best && n < name) {
					name, best = n, c
				}
			}
		}
		if name == "" {
			return nil, st, fmt.Errorf("gen: no name for country %s", countries[i].Code)
		}
		countries[i].Name = name
	}

	byCode := make(map[string]int)
	var provinces []record
	for _, f := range fc1.Features {
		code := f.Properties.MustString("iso_3166_2", "")
		name := f.Properties.MustString("name_en", "")
		if name == "" {
			name = f.Properties.MustString("name", "")
		}
		gn := 0
		if v, ok := f.Properties["gn_id"].(float64); ok && v > 0 {
			gn = int(v)
		}
		if c, n := fixProvince(gn); c != "" {
			code, name = c, n
		}
		if !isISO31662(code) || name == "" {
			st.DroppedFeatures = append(st.DroppedFeatures, code)
			continue
		}
		a3, ok := a2to3[f.Properties.MustString("iso_a2", "")]
		if !ok {
			return nil, st, fmt.Errorf("gen: admin1 %s: unknown iso_a2", code)
		}
		mp, err := multiPolygon(f.Geometry)
		if err != nil {
			return nil, st, fmt.Errorf("gen: admin1 %s: %w", code, err)
		}
		if j, ok := byCode[code]; ok {
			provinces[j].Geometry = append(provinces[j].Geometry, mp...)
			continue
		}
		byCode[code] = len(provinces)
		provinces = append(provinces, record{Level: 1, Code: code, Name: name, Country: a3, GeoNamesID: gn, Geometry: mp})
	}

	sort.Slice(countries, func(i, j int) bool { return countries[i].Code < countries[j].Code })
	sort.Slice(provinces, func(i, j int) bool { return provinces[i].Code < provinces[j].Code })
	all := append(countries, provinces...)
	for i := range all {
		all[i].Geometry = reduce(all[i].Geometry, tolerance, &st)
	}
	st.Countries, st.Provinces = len(countries), len(provinces)

	var buf bytes.Buffer
	if err := encode(&buf, all); err != nil {
		return nil, st, err
	}
	st.Bytes = buf.Len()
	return buf.Bytes(), st, nil
}

// isAlpha reports whether s is n upper-case ASCII letters.
func isAlpha(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range []byte(s) {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// fixProvince returns the ISO 3166-2 code and English name of the province
// with GeoNames id gn where Natural Earth gets them wrong, or "", "". Natural
// Earth gives Panjshir and Daykundi, provinces since 2004, the code and
// name of the provinces they were split from (AF-PAR Parwan, AF-URU
// Uruzgan); its gn_id and gn_name are right.
func fixProvince(gn int) (code, name string) {
	switch gn {
	case 6957555:
		return "AF-PAN", "Panjshir"
	case 6957553:
		return "AF-DAY", "Daykundi"
	}
	return "", ""
}

// isISO31662 reports whether code has the form of an ISO 3166-2 code: an
// alpha-2 country code, "-", and 1–3 letters or digits. Natural Earth's
// placeholders ("-99-X16~", "XK-X02~") fail.
func isISO31662(code string) bool {
	a2, sub, ok := strings.Cut(code, "-")
	if !ok || !isAlpha(a2, 2) || len(sub) < 1 || len(sub) > 3 {
		return false
	}
	for _, c := range []byte(sub) {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// multiPolygon returns g as a multipolygon.
func multiPolygon(g orb.Geometry) (orb.MultiPolygon, error) {
	switch g := g.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{g}, nil
	case orb.MultiPolygon:
		return g, nil
	}
	return nil, fmt.Errorf("unsupported geometry %T", g)
}

// reduce simplifies every ring of mp with Douglas–Peucker at tolerance
// degrees, rounds coordinates to 5 decimals and removes repeated points. A
// ring left with fewer than 4 points (or no area) is dropped, and with it
// the polygon if it was the outer ring. If nothing is left, the largest
// polygon's outer ring is kept rounded but unsimplified.
func reduce(mp orb.MultiPolygon, tolerance float64, st *stats) orb.MultiPolygon {
	dp := simplify.DouglasPeucker(tolerance)
	var out orb.MultiPolygon
	largest, largestArea := -1, 0.0
	for pi, poly := range mp {
		for _, r := range poly {
			st.PointsIn += len(r)
		}
		var np orb.Polygon
		for ri, r := range poly {
			if ri == 0 {
				if a := math.Abs(planar.Area(r)); largest < 0 || a > largestArea {
					largest, largestArea = pi, a
				}
			}
			sr := clean(dp.Ring(r.Clone()))
			if len(sr) < 4 || planar.Area(sr) == 0 {
				st.DroppedRings++
				if ri == 0 {
					break
				}
				continue
			}
			np = append(np, sr)
		}
		if len(np) > 0 {
			out = append(out, np)
		}
	}
	if len(out) == 0 && largest >= 0 {
		st.KeptWhole++
		out = orb.MultiPolygon{{clean(mp[largest][0].Clone())}}
	}
	for _, poly := range out {
		for _, r := range poly {
			st.PointsOut += len(r)
		}
	}
	return out
}

// clean rounds r to 5 decimals, removes consecutive repeats and closes it.
func clean(r orb.Ring) orb.Ring {
	out := r[:0]
	for _, p := range r {
		p = orb.Point{math.Round(p[0]*scale) / scale, math.Round(p[1]*scale) / scale}
		if len(out) > 0 && out[len(out)-1] == p {
			continue
		}
		out = append(out, p)
	}
	if len(out) > 0 && out[0] != out[len(out)-1] {
		out = append(out, out[0])
	}
	return out
}

// encode writes recs in the region file format that the package
// documentation of region describes and region.Decode reads, gzip'd with no
// name and a zero ModTime so that the bytes depend on recs alone.
func encode(w io.Writer, recs []record) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(zw)
	var tmp [binary.MaxVarintLen64]byte
	uv := func(v uint64) { bw.Write(tmp[:binary.PutUvarint(tmp[:], v)]) }
	sv := func(v int64) { bw.Write(tmp[:binary.PutVarint(tmp[:], v)]) }
	str := func(s string) { uv(uint64(len(s))); bw.WriteString(s) }

	bw.WriteString(magic)
	bw.WriteByte(version)
	uv(uint64(len(recs)))
	for _, r := range recs {
		if r.Level < 0 || r.GeoNamesID < 0 {
			return errors.New("gen: negative level or GeoNames id")
		}
		uv(uint64(r.Level))
		str(r.Code)
		str(r.Name)
		str(r.Country)
		uv(uint64(r.GeoNamesID))
		uv(uint64(len(r.Geometry)))
		var lon, lat int64
		for _, poly := range r.Geometry {
			uv(uint64(len(poly)))
			for _, ring := range poly {
				n := len(ring)
				if n > 1 && ring[0] == ring[n-1] {
					n--
				}
				uv(uint64(n))
				for _, p := range ring[:n] {
					x, y := int64(math.Round(p[0]*scale)), int64(math.Round(p[1]*scale))
					sv(x - lon)
					sv(y - lat)
					lon, lat = x, y
				}
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}
