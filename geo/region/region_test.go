package region

import (
	"bytes"
	"compress/gzip"
	"math"
	"testing"

	"github.com/incidentmap/incidentmap"
	"github.com/paulmach/orb"
)

func load(t testing.TB) *Index {
	t.Helper()
	ix, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestLocate(t *testing.T) {
	ix := load(t)
	tests := []struct {
		name            string
		p               orb.Point
		country, admin1 string // "" for none
		admin1Name      string
	}{
		{"Kabul", orb.Point{69.17, 34.53}, "AFG", "AF-KAB", "Kabul"},
		{"Herat", orb.Point{62.20, 34.35}, "AFG", "AF-HER", "Herat"},
		{"Bazarak, Panjshir", orb.Point{69.52, 35.31}, "AFG", "AF-PAN", "Panjshir"},
		{"Nili, Daykundi", orb.Point{66.14, 33.72}, "AFG", "AF-DAY", "Daykundi"},
		{"Karbala", orb.Point{44.02, 32.61}, "IRQ", "IQ-KA", "Karbala"},
		{"Najaf", orb.Point{44.33, 32.00}, "IRQ", "IQ-NA", "Najaf"},
		{"Baghdad", orb.Point{44.40, 33.34}, "IRQ", "IQ-BG", "Baghdad"},
		{"Arabian Sea", orb.Point{65.0, 20.0}, "", "", ""},
		{"mid Pacific", orb.Point{-160, 0}, "", "", ""},
		{"Vanua Levu, east of 180", orb.Point{179.9, -16.5}, "FJI", "FJ-N", ""},
		{"Taveuni, west of 180", orb.Point{-179.95, -16.8}, "FJI", "FJ-N", ""},
		{"Taveuni, wrapped longitude", orb.Point{180.05, -16.8}, "FJI", "FJ-N", ""},
		{"Chukotka, east of 180", orb.Point{179.9, 68.9}, "RUS", "RU-CHU", ""},
		{"Chukotka, west of 180", orb.Point{-179.9, 68.9}, "RUS", "RU-CHU", ""},
		{"Darwin, offshore in Natural Earth", orb.Point{130.84185, -12.46113}, "AUS", "AU-NT", ""},
		{"Kosovo", orb.Point{21.17, 42.67}, "XKX", "", ""},
		{"Northern Cyprus has no province", orb.Point{33.4, 35.2}, "CYP", "", ""},
		{"Cuba", orb.Point{-82.38, 23.13}, "CUB", "CU-03", ""},
		{"NaN", orb.Point{math.NaN(), 0}, "", "", ""},
		{"beyond the pole", orb.Point{0, 91}, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			country, admin1 := ix.Locate(tt.p)
			if got := codeOf(country); got != tt.country {
				t.Errorf("country = %q, want %q", got, tt.country)
			}
			if tt.admin1 != "" || admin1 != nil && tt.country == "" {
				if got := codeOf(admin1); got != tt.admin1 {
					t.Errorf("admin1 = %q, want %q", got, tt.admin1)
				}
			}
			if tt.admin1Name != "" && admin1 != nil && admin1.Name != tt.admin1Name {
				t.Errorf("admin1 name = %q, want %q", admin1.Name, tt.admin1Name)
			}
			if admin1 != nil && country != nil && admin1.Country != country.Code {
				t.Errorf("admin1 %s in %s, country %s", admin1.Code, admin1.Country, country.Code)
			}
		})
	}
}

func codeOf(r *Region) string {
	if r == nil {
		return ""
	}
	return r.Code
}

func TestGet(t *testing.T) {
	ix := load(t)
	tests := []struct {
		code, name, country string
		level, geonamesID   int
	}{
		{"AFG", "Afghanistan", "AFG", LevelCountry, 0},
		{"AF-HER", "Herat", "AFG", LevelProvince, 1140025},
		{"IQ-KA", "Karbala", "IRQ", LevelProvince, 94823},
		{"IQ-NA", "Najaf", "IRQ", LevelProvince, 98862},
		{"PSE", "Palestine", "PSE", LevelCountry, 0},
		{"SSD", "South Sudan", "SSD", LevelCountry, 0},
		{"AF-PAN", "Panjshir", "AFG", LevelProvince, 6957555},
		{"AF-DAY", "Daykundi", "AFG", LevelProvince, 6957553},
		{"AF-PAR", "Parwan", "AFG", LevelProvince, 1131054},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			r, ok := ix.Get(tt.code)
			if !ok {
				t.Fatalf("Get(%q) not found", tt.code)
			}
			if r.Code != tt.code || r.Name != tt.name || r.Country != tt.country || r.Level != tt.level || r.GeoNamesID != tt.geonamesID {
				t.Errorf("Get(%q) = %+v", tt.code, *r)
			}
			if len(r.Geometry) == 0 || r.Bound.IsEmpty() {
				t.Errorf("Get(%q): no geometry", tt.code)
			}
		})
	}
	for _, code := range []string{"", "afg", "KOS", "AF", "-99-X16~"} {
		if r, ok := ix.Get(code); ok {
			t.Errorf("Get(%q) = %s, want not found", code, r.Code)
		}
	}
}

func TestAll(t *testing.T) {
	ix := load(t)
	countries := ix.All(LevelCountry, "")
	if len(countries) < 230 {
		t.Fatalf("%d countries", len(countries))
	}
	for i, r := range countries {
		if !incidentmap.ValidCountry(r.Code) || r.Country != r.Code || r.Name == "" {
			t.Errorf("country %+v", *r)
		}
		if i > 0 && countries[i-1].Code >= r.Code {
			t.Errorf("countries out of order: %s, %s", countries[i-1].Code, r.Code)
		}
	}
	provinces := ix.All(LevelProvince, "")
	if len(provinces) < 4000 {
		t.Fatalf("%d provinces", len(provinces))
	}
	for i, r := range provinces {
		if _, ok := ix.Get(r.Country); !ok || r.Name == "" || len(r.Code) < 4 || r.Code[2] != '-' {
			t.Errorf("province %s %q in %s", r.Code, r.Name, r.Country)
		}
		if i > 0 && provinces[i-1].Code >= r.Code {
			t.Errorf("provinces out of order: %s, %s", provinces[i-1].Code, r.Code)
		}
	}
	for _, tt := range []struct {
		country string
		n       int
	}{{"AFG", 34}, {"IRQ", 18}, {"XXX", 0}} {
		if got := ix.All(LevelProvince, tt.country); len(got) != tt.n {
			t.Errorf("All(province, %s): %d regions, want %d", tt.country, len(got), tt.n)
		}
	}
	if got := ix.All(LevelCountry, "AFG"); len(got) != 1 || got[0].Code != "AFG" {
		t.Errorf("All(country, AFG) = %v", got)
	}
}

// square returns a closed ring around (lon, lat) with half-side d.
func square(lon, lat, d float64) orb.Ring {
	return orb.Ring{{lon - d, lat - d}, {lon + d, lat - d}, {lon + d, lat + d}, {lon - d, lat + d}, {lon - d, lat - d}}
}

func TestLocateFixture(t *testing.T) {
	west := &Region{Level: LevelCountry, Code: "AAA", Country: "AAA", Geometry: orb.MultiPolygon{{square(1, 1, 1)}}}
	east := &Region{Level: LevelCountry, Code: "BBB", Country: "BBB", Geometry: orb.MultiPolygon{{square(3, 1, 1)}}}
	donut := &Region{Level: LevelProvince, Code: "AA-D", Country: "AAA", Geometry: orb.MultiPolygon{{square(1, 1, 0.9), square(1, 1, 0.3)}}}
	ix := NewIndex([]*Region{east, donut, west})
	tests := []struct {
		p               orb.Point
		country, admin1 string
	}{
		{orb.Point{0.2, 0.2}, "AAA", "AA-D"},
		{orb.Point{1, 1}, "AAA", ""}, // in the hole
		{orb.Point{2, 1}, "BBB", ""}, // on the shared border: the eastern side, by the half-open rule
		{orb.Point{2.5, 1}, "BBB", ""},
		{orb.Point{5, 1}, "", ""},
	}
	for _, tt := range tests {
		c, a := ix.Locate(tt.p)
		if codeOf(c) != tt.country || codeOf(a) != tt.admin1 {
			t.Errorf("Locate(%v) = %s, %s; want %s, %s", tt.p, codeOf(c), codeOf(a), tt.country, tt.admin1)
		}
	}
	// Along the shared border every point goes to exactly one side.
	for lat := 0.01; lat < 2; lat += 0.01 {
		n := 0
		for _, r := range []*Region{west, east} {
			if e := newEntry(r, r.Geometry[0]); e.contains(orb.Point{2, lat}) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("border point (2, %g) in %d regions", lat, n)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	tests := map[string][]byte{
		"not gzip":     []byte("IMRG"),
		"bad magic":    gz([]byte("XXXX\x01\x00")),
		"version":      gz([]byte("IMRG\x02\x00")),
		"truncated":    gz([]byte("IMRG\x01\x05\x00")),
		"huge count":   gz([]byte("IMRG\x01\xff\xff\xff\xff\x0f")),
		"trailing":     gz([]byte("IMRG\x01\x00\x00")),
		"embedded cut": embedded[:len(embedded)/2],
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Decode(bytes.NewReader(data)); err == nil {
				t.Error("no error")
			}
		})
	}
	if _, err := Decode(bytes.NewReader(gz([]byte("IMRG\x01\x00")))); err != nil {
		t.Errorf("empty file: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("IMRG\x01\x01\x01\x03AFG\x00\x03AFG\x00\x01\x01\x03\x00\x00\x02\x00\x00\x02"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(raw)
		zw.Close()
		regions, err := Decode(&buf)
		if err != nil {
			return
		}
		ix := NewIndex(regions)
		ix.Locate(orb.Point{0, 0})
	})
}
