// Command gen derives the compact gazetteer files that package gazetteer
// embeds from ../shared/data: data/places.tsv.gz from the GeoNames dump
// (this file), and data/areas.tsv.gz, the countries, first-level
// divisions, US counties, regions and continents (areas.go, regions.go).
//
// Run it from the module root:
//
//	go run ./geo/gazetteer/gen
//
// or with explicit paths:
//
//	go run ./geo/gazetteer/gen -cities /path/cities500.txt -admin1 /path/admin1.json \
//	    -countries /path/ne_admin0_countries.geojson -out geo/gazetteer/data/places.tsv.gz
//
// Inputs: GeoNames cities500 (19 tab-separated columns, no header), GeoNames
// admin1 code → name (JSON array of {code, name}), and Natural Earth admin-0
// countries, read only for their country_a2 → country_a3 properties.
//
// Output: gzip of UTF-8 lines sorted by GeoNames id, eleven tab-separated
// columns and no header:
//
//	id  name  asciiname  alternates  lat  lon  feature_code  country  admin1  admin1_name  population
//
// country is ISO 3166-1 alpha-3; admin1 is GeoNames' admin1 key ("IQ.07");
// alternates are comma-separated; lat and lon are rounded to 5 decimals
// (about 1 m). Every country in the dump is kept.
//
// What it drops, and why:
//   - the columns no geocoder needs: feature class (always P), cc2, admin2-4,
//     elevation, dem, timezone and modification date;
//   - alternate names that contain a digit (post codes, pure numbers,
//     "District 10"-style labels that would swamp exact matches), that look
//     like URLs, that are three upper-case ASCII letters (IATA airport codes
//     such as "HEA", which collide with real words and other codes), that
//     are longer than 60 characters (descriptions, not names), that are all
//     lower-case ASCII (GeoNames' machine romanisations of other scripts,
//     "he la te", "shhr hrat", "hai cheng": noise, not names people write),
//     and that repeat the name, the ASCII name or an earlier alternate
//     ignoring case;
//   - the ASCII name when it equals the name (the loader falls back to it).
//
// Country codes: GeoNames gives ISO alpha-2. The alpha-2 → alpha-3 table is
// derived from Natural Earth; where Natural Earth's code is not ISO 3166-1
// alpha-3 (KOS, PSX, SDS, SAH, ALD, and the USG/ESB base areas that stand in
// for Cuba and Cyprus there), a small hand-written table gives the ISO code,
// and another covers the alpha-2 codes Natural Earth lacks (BQ, CC, CX, GF,
// GP, MQ, RE, SJ, YT). Every result is checked with incidentmap.ValidCountry;
// an unknown or invalid code stops the run rather than writing bad data.
//
// The output is deterministic: the same input gives byte-identical output
// (rows sorted by id, fixed gzip level, zero header time and no file name).
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/incidentmap/incidentmap"
)

// maxAlternateRunes is the longest alternate name kept, in runes.
const maxAlternateRunes = 60

func main() {
	data := filepath.Join("..", "shared", "data")
	cities := flag.String("cities", filepath.Join(data, "gazetteer", "geonames_cities500.txt"), "GeoNames cities500 dump")
	admin1 := flag.String("admin1", filepath.Join(data, "gazetteer", "geonames_admin1_codes.json"), "GeoNames admin1 codes JSON")
	countries := flag.String("countries", filepath.Join(data, "boundaries", "ne_admin0_countries.geojson"), "Natural Earth admin-0 countries GeoJSON")
	out := flag.String("out", filepath.Join("geo", "gazetteer", "data", "places.tsv.gz"), "output file")
	admin1Bounds := flag.String("admin1-boundaries", filepath.Join(data, "boundaries", "ne_10m_admin1.geojson"), "Natural Earth admin-1 GeoJSON")
	world := flag.String("world", filepath.Join(data, "gazetteer", "world_countries.json"), "world_countries.json")
	counties := flag.String("counties", filepath.Join(data, "boundaries", "us_counties_10m.topojson"), "US counties TopoJSON")
	states := flag.String("states", filepath.Join(data, "boundaries", "us_states_10m.topojson"), "US states TopoJSON")
	areasOut := flag.String("areas-out", filepath.Join("geo", "gazetteer", "data", "areas.tsv.gz"), "areas output file")
	flag.Parse()
	if err := run(*cities, *admin1, *countries, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := runAreas(*cities, *countries, *admin1Bounds, *world, *counties, *states, *areasOut); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// runAreas writes the areas file from the named inputs.
func runAreas(citiesPath, admin0Path, admin1Path, worldPath, countiesPath, statesPath, outPath string) error {
	in := areaInputs{Regions: regionDefs}
	for _, f := range []struct {
		path string
		dst  *io.Reader
	}{{citiesPath, &in.Cities}, {admin0Path, &in.Admin0}, {admin1Path, &in.Admin1}, {worldPath, &in.WorldCountries},
		{countiesPath, &in.USCounties}, {statesPath, &in.USStates}} {
		b, err := os.ReadFile(f.path)
		if err != nil {
			return err
		}
		*f.dst = bytes.NewReader(b)
	}
	b, err := os.ReadFile(admin0Path)
	if err != nil {
		return err
	}
	a3, err := countryTable(bytes.NewReader(b))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	n, err := generateAreas(in, a3, &buf)
	if err != nil {
		return err
	}
	if err := os.WriteFile(outPath, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: wrote %d areas, %d bytes to %s\n", n, buf.Len(), outPath)
	return nil
}

func run(citiesPath, admin1Path, countriesPath, outPath string) error {
	cities, err := os.Open(citiesPath)
	if err != nil {
		return err
	}
	defer cities.Close()
	admin1, err := os.Open(admin1Path)
	if err != nil {
		return err
	}
	defer admin1.Close()
	countries, err := os.Open(countriesPath)
	if err != nil {
		return err
	}
	defer countries.Close()

	var buf bytes.Buffer
	n, err := generate(cities, admin1, countries, &buf)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(outPath), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(outPath, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: wrote %d places, %d bytes to %s\n", n, buf.Len(), outPath)
	return nil
}

// generate reads the three inputs and writes the gzip-compressed places
// file to w. It returns the number of places written.
func generate(cities, admin1, countries io.Reader, w io.Writer) (int, error) {
	a3, err := countryTable(countries)
	if err != nil {
		return 0, err
	}
	names, err := admin1Names(admin1)
	if err != nil {
		return 0, err
	}
	rows, err := readCities(cities, a3, names)
	if err != nil {
		return 0, err
	}
	slices.SortFunc(rows, func(a, b row) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})

	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return 0, err
	}
	// The zero Header (no name, zero ModTime) keeps the output byte-identical.
	bw := bufio.NewWriter(zw)
	for i, r := range rows {
		if i > 0 && rows[i-1].id == r.id {
			return 0, fmt.Errorf("duplicate geonameid %d", r.id)
		}
		bw.WriteString(r.line)
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return len(rows), nil
}

type row struct {
	id   int64
	line string
}

// countryTable derives alpha-2 → ISO alpha-3 from Natural Earth features.
func countryTable(r io.Reader) (map[string]string, error) {
	// isoFix maps an alpha-2 code to its ISO alpha-3 where Natural Earth's
	// country_a3 is not an ISO code.
	isoFix := map[string]string{
		"AX": "ALA", // NE: ALD
		"EH": "ESH", // NE: SAH
		"PS": "PSE", // NE: PSX
		"SS": "SSD", // NE: SDS
		"XK": "XKX", // NE: KOS; XKX is the user-assigned code in common use
		"CU": "CUB", // NE: USG (the Guantanamo base area carries CU there)
		"CY": "CYP", // NE: ESB (the Dhekelia base area carries CY there)
	}
	// missing maps the alpha-2 codes GeoNames uses that Natural Earth's
	// admin-0 file lacks to their ISO alpha-3 codes.
	missing := map[string]string{
		"BQ": "BES", "CC": "CCK", "CX": "CXR", "GF": "GUF", "GP": "GLP",
		"MQ": "MTQ", "RE": "REU", "SJ": "SJM", "YT": "MYT",
	}
	var fc struct {
		Features []struct {
			Properties struct {
				A2 string `json:"country_a2"`
				A3 string `json:"country_a3"`
			} `json:"properties"`
		} `json:"features"`
	}
	if err := json.NewDecoder(r).Decode(&fc); err != nil {
		return nil, fmt.Errorf("countries: %w", err)
	}
	m := make(map[string]string, len(fc.Features)+len(missing))
	for _, f := range fc.Features {
		a2, a3 := f.Properties.A2, f.Properties.A3
		if len(a2) != 2 {
			continue
		}
		if fix, ok := isoFix[a2]; ok {
			a3 = fix
		}
		if !incidentmap.ValidCountry(a3) {
			return nil, fmt.Errorf("countries: %s maps to %q, which is not ISO 3166-1 alpha-3; add it to isoFix", a2, a3)
		}
		if prev, ok := m[a2]; ok && prev != a3 {
			return nil, fmt.Errorf("countries: %s maps to both %s and %s", a2, prev, a3)
		}
		m[a2] = a3
	}
	for a2, a3 := range missing {
		if _, ok := m[a2]; !ok {
			m[a2] = a3
		}
	}
	return m, nil
}

// admin1Names reads GeoNames admin1 codes ("AF.13") and names.
func admin1Names(r io.Reader) (map[string]string, error) {
	var list []struct {
		Code string `json:"code"`
		Name string `json:"name"`
	}
	if err := json.NewDecoder(r).Decode(&list); err != nil {
		return nil, fmt.Errorf("admin1: %w", err)
	}
	m := make(map[string]string, len(list))
	for _, a := range list {
		m[a.Code] = clean(a.Name)
	}
	return m, nil
}

func readCities(r io.Reader, a3, admin1 map[string]string) ([]row, error) {
	var rows []row
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	var sb strings.Builder
	for line := 1; sc.Scan(); line++ {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 19 {
			return nil, fmt.Errorf("cities line %d: %d columns, want 19", line, len(f))
		}
		id, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("cities line %d: bad geonameid %q", line, f[0])
		}
		lat, err1 := strconv.ParseFloat(f[4], 64)
		lon, err2 := strconv.ParseFloat(f[5], 64)
		if err1 != nil || err2 != nil || math.Abs(lat) > 90 || math.Abs(lon) > 180 {
			return nil, fmt.Errorf("cities line %d: bad coordinates %q %q", line, f[4], f[5])
		}
		country, ok := a3[f[8]]
		if !ok {
			return nil, fmt.Errorf("cities line %d: unknown country code %q", line, f[8])
		}
		pop := int64(0)
		if f[14] != "" {
			if pop, err = strconv.ParseInt(f[14], 10, 64); err != nil || pop < 0 {
				return nil, fmt.Errorf("cities line %d: bad population %q", line, f[14])
			}
		}
		name, ascii := clean(f[1]), clean(f[2])
		if name == "" {
			return nil, fmt.Errorf("cities line %d: empty name", line)
		}
		if ascii == name {
			ascii = "" // the loader falls back to the name
		}
		admin1Code, admin1Name := "", ""
		if f[10] != "" && f[10] != "00" {
			admin1Code = f[8] + "." + f[10]
			admin1Name = admin1[admin1Code]
		}

		sb.Reset()
		sb.WriteString(f[0])
		for _, col := range []string{
			name, ascii, strings.Join(alternates(f[3], name, ascii), ","),
			formatCoord(lat), formatCoord(lon), clean(f[7]), country,
			admin1Code, admin1Name, strconv.FormatInt(pop, 10),
		} {
			sb.WriteByte('\t')
			sb.WriteString(col)
		}
		rows = append(rows, row{id: id, line: sb.String()})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cities: %w", err)
	}
	return rows, nil
}

// alternates filters and deduplicates GeoNames' comma-separated alternate
// names; see the file comment for what it drops.
func alternates(list, name, ascii string) []string {
	if list == "" {
		return nil
	}
	seen := map[string]bool{strings.ToLower(name): true, strings.ToLower(ascii): true}
	var out []string
	for _, a := range strings.Split(list, ",") {
		a = clean(a)
		if !keepAlternate(a) {
			continue
		}
		k := strings.ToLower(a)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, a)
	}
	return out
}

func keepAlternate(a string) bool {
	switch {
	case a == "", utf8.RuneCountInString(a) > maxAlternateRunes:
		return false
	case strings.ContainsAny(a, "0123456789"):
		return false
	case strings.Contains(a, "://"), strings.HasPrefix(strings.ToLower(a), "www."):
		return false
	case len(a) == 3 && isUpperASCII(a):
		return false
	case isLowerASCII(a):
		return false
	}
	return true
}

// isLowerASCII reports whether s is only lower-case ASCII letters, spaces
// and hyphens: GeoNames' machine romanisations ("he la te", "shhr hrat").
func isLowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && c != ' ' && c != '-' {
			return false
		}
	}
	return true
}

func isUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// clean trims a field and replaces the characters that would break the
// output format (tab, newline, comma) with spaces.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r', ',':
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// formatCoord rounds a degree value to 5 decimals (about 1 m) and prints it
// without trailing zeros.
func formatCoord(v float64) string {
	v = math.Round(v*1e5) / 1e5
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
