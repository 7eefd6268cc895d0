package region

import (
	"bufio"
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap/internal/shareddata"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

var (
	sharedData  = flag.String("shareddata", "", "directory of the shared real data (default ../shared/data beside the repository)")
	regionsFile = flag.String("regions", "", "region file to measure instead of the embedded one (e.g. one written by gen -tolerance 0.02)")
	sampleSize  = flag.Int("sample", 2000, "number of GeoNames cities the accuracy test samples")
)

// a3Fix mirrors gen's mapping of Natural Earth's non-ISO country_a3 codes.
var a3Fix = map[string]string{"KOS": "XKX", "SDS": "SSD", "PSX": "PSE", "SAH": "ESH", "ALD": "ALA", "USG": "CUB", "ESB": "CYP"}

// city is one sampled GeoNames populated place.
type city struct {
	name    string
	country string // alpha-2
	p       orb.Point
}

// sampleCities returns every k-th city of the GeoNames dump so that about n
// remain: a deterministic sample spread over the whole file.
func sampleCities(t testing.TB, path string, n int) []city {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Count(data, []byte{'\n'})
	step := max(lines/n, 1)
	var out []city
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for i := 0; sc.Scan(); i++ {
		if i%step != 0 || len(out) == n {
			continue
		}
		f := strings.Split(sc.Text(), "\t")
		if len(f) < 9 {
			t.Fatalf("line %d: %d fields", i+1, len(f))
		}
		lat, err1 := strconv.ParseFloat(f[4], 64)
		lon, err2 := strconv.ParseFloat(f[5], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("line %d: bad coordinates", i+1)
		}
		out = append(out, city{name: f[1], country: f[8], p: orb.Point{lon, lat}})
	}
	return out
}

// fullResolution indexes the unsimplified Natural Earth boundaries the
// embedded ones derive from, and returns the alpha-2 → alpha-3 table.
func fullResolution(t testing.TB, dir string) (*Index, map[string]string) {
	a2to3 := make(map[string]string)
	var regions []*Region
	for level, name := range []string{"ne_admin0_countries.geojson", "ne_10m_admin1.geojson"} {
		data, err := os.ReadFile(filepath.Join(dir, "boundaries", name))
		if err != nil {
			t.Fatal(err)
		}
		fc, err := geojson.UnmarshalFeatureCollection(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fc.Features {
			var mp orb.MultiPolygon
			switch g := f.Geometry.(type) {
			case orb.Polygon:
				mp = orb.MultiPolygon{g}
			case orb.MultiPolygon:
				mp = g
			}
			r := &Region{Level: level, Geometry: mp, Bound: mp.Bound()}
			if level == LevelCountry {
				a3 := f.Properties.MustString("country_a3", "")
				if fixed, ok := a3Fix[a3]; ok {
					a3 = fixed
				}
				a2to3[f.Properties.MustString("country_a2", "")] = a3
				r.Code, r.Country = a3, a3
			} else {
				r.Code = f.Properties.MustString("iso_3166_2", "")
				r.Country = a2to3[f.Properties.MustString("iso_a2", "")]
				switch f.Properties.MustFloat64("gn_id", 0) { // as gen's fixProvince
				case 6957555:
					r.Code = "AF-PAN"
				case 6957553:
					r.Code = "AF-DAY"
				}
				if strings.HasPrefix(r.Code, "-99") || strings.HasSuffix(r.Code, "~") || r.Code == "AI-X00" {
					continue
				}
			}
			regions = append(regions, r)
		}
	}
	return NewIndex(regions), a2to3
}

func code(r *Region) string {
	if r == nil {
		return "-"
	}
	return r.Code
}

// TestAccuracy compares the embedded (simplified) boundaries with GeoNames
// countries and with the full-resolution Natural Earth provinces on a
// deterministic sample of GeoNames cities.
func TestAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 80 MB of shared data")
	}
	if *sharedData == "" {
		*sharedData = shareddata.Path(t, "data")
	}
	var ix *Index
	if *regionsFile != "" {
		f, err := os.Open(*regionsFile)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		regions, err := Decode(f)
		if err != nil {
			t.Fatal(err)
		}
		ix = NewIndex(regions)
	} else {
		var err error
		if ix, err = Load(); err != nil {
			t.Fatal(err)
		}
	}
	full, a2to3 := fullResolution(t, *sharedData)
	cities := sampleCities(t, filepath.Join(*sharedData, "gazetteer", "geonames_cities500.txt"), *sampleSize)

	var compared, agree, fullAgree, noCountry int
	var adm, admAgree, admLost, admGained, mismatch int
	for _, c := range cities {
		country, admin1 := ix.Locate(c.p)
		fullCountry, fullAdmin1 := full.Locate(c.p)
		if want, ok := a2to3[c.country]; ok {
			compared++
			switch {
			case code(country) == want:
				agree++
			case country == nil:
				noCountry++
				if testing.Verbose() && noCountry <= 10 {
					t.Logf("%s (%s) %v: GeoNames %s, at sea; full resolution %s", c.name, c.country, c.p, want, code(fullCountry))
				}
			default:
				t.Logf("%s (%s) %v: GeoNames %s, located %s", c.name, c.country, c.p, want, code(country))
			}
			if code(fullCountry) == want {
				fullAgree++
			}
		}
		if country != nil && admin1 != nil && admin1.Country != country.Code {
			mismatch++
		}
		if fullAdmin1 != nil || admin1 != nil {
			adm++
			switch {
			case code(admin1) == code(fullAdmin1):
				admAgree++
			case admin1 == nil:
				admLost++
			case fullAdmin1 == nil:
				admGained++
			}
		}
	}
	rate := float64(agree) / float64(compared)
	admRate := float64(admAgree) / float64(adm)
	t.Logf("country vs GeoNames: %d/%d = %.2f%% agree (%d at sea); full resolution %.2f%%; %d cities of countries Natural Earth lacks",
		agree, compared, 100*rate, noCountry, 100*float64(fullAgree)/float64(compared), len(cities)-compared)
	t.Logf("province vs full resolution: %d/%d = %.2f%% agree; %d lost (outside every simplified province), %d gained, %d moved",
		admAgree, adm, 100*admRate, admLost, admGained, adm-admAgree-admLost-admGained)
	t.Logf("province in another country than the located one: %d", mismatch)
	if rate < 0.97 {
		t.Errorf("country agreement %.2f%% < 97%%", 100*rate)
	}
	if admRate < 0.95 {
		t.Errorf("province agreement %.2f%% < 95%%", 100*admRate)
	}
}
