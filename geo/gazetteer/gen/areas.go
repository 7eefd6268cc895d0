package main

// The areas file: countries, first-level divisions, US counties,
// continents and regions, derived from Natural Earth, world_countries.json,
// the US Census TopoJSON and GeoNames (for population sums).

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/geo/shape"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"golang.org/x/text/unicode/norm"
)

// Area kinds, in the order the file lists them.
var kindOrder = map[string]int{"continent": 0, "region": 1, "country": 2, "admin1": 3, "admin2": 4}

// area is one row of the areas file.
type area struct {
	kind, code, name string
	alternates       []string
	demonyms         []string
	point            orb.Point
	bound            orb.Bound
	hasBound         bool
	country, admin1  string // parent country (alpha-3) and parent admin1 (ISO 3166-2)
	gnAdmin1         string // GeoNames admin1 key of an admin1 ("IQ.07"), to relate its towns
	// unit is the Natural Earth grouping of an admin1 inside its country
	// (see unitOf); not written.
	unit       string
	population int64
	areaKm2    float64
	// continent and subregion are world_countries.json's labels of a
	// country, used to group continents; they are not written.
	continent, subregion string
	// centre is the population centre of the area's GeoNames places, used
	// to place regions; zero weight when unknown.
	centre [3]float64
}

// areaInputs are what generateAreas reads: the data files, and the
// regions to add (regionDefs, or a test's own).
type areaInputs struct {
	Cities, Admin0, Admin1, WorldCountries, USCounties, USStates io.Reader
	Regions                                                      []regionDef
}

// populations sums GeoNames populations per country (alpha-2), per admin1
// key ("IQ.07") and per US county ("US.IL.031").
type populations struct {
	country, admin1, county map[string]int64
	// centre sums population-weighted longitude and latitude per country
	// (alpha-2) and admin1 key: the population centre of regions.
	centre map[string]*[3]float64
}

func sumPopulations(r io.Reader) (populations, error) {
	p := populations{map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]*[3]float64{}}
	addCentre := func(key string, pop int64, lon, lat float64) {
		c := p.centre[key]
		if c == nil {
			c = new([3]float64)
			p.centre[key] = c
		}
		w := float64(pop)
		c[0] += w * lon
		c[1] += w * lat
		c[2] += w
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for line := 1; sc.Scan(); line++ {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 19 {
			return p, fmt.Errorf("cities line %d: %d columns, want 19", line, len(f))
		}
		pop, _ := strconv.ParseInt(f[14], 10, 64)
		if pop <= 0 || f[7] == "PPLX" || f[7] == "PPLH" || f[7] == "PPLQ" || f[7] == "PPLW" || f[7] == "PPLCH" {
			continue
		}
		lat, _ := strconv.ParseFloat(f[4], 64)
		lon, _ := strconv.ParseFloat(f[5], 64)
		p.country[f[8]] += pop
		addCentre(f[8], pop, lon, lat)
		if f[10] != "" {
			p.admin1[f[8]+"."+f[10]] += pop
			addCentre(f[8]+"."+f[10], pop, lon, lat)
			if f[8] == "US" && f[11] != "" {
				p.county["US."+f[10]+"."+f[11]] += pop
			}
		}
	}
	return p, sc.Err()
}

// generateAreas writes the gzip-compressed areas file to w and returns the
// number of rows. a2to3 is the alpha-2 → alpha-3 table of countryTable.
func generateAreas(in areaInputs, a2to3 map[string]string, w io.Writer) (int, error) {
	pops, err := sumPopulations(in.Cities)
	if err != nil {
		return 0, err
	}
	countries, err := readCountries(in.Admin0, in.WorldCountries, a2to3, pops)
	if err != nil {
		return 0, err
	}
	admin1s, err := readAdmin1(in.Admin1, a2to3, pops)
	if err != nil {
		return 0, err
	}
	counties, err := readCounties(in.USCounties, in.USStates, admin1s, pops)
	if err != nil {
		return 0, err
	}
	regions, err := buildRegions(in.Regions, countries, admin1s)
	if err != nil {
		return 0, err
	}
	units := buildUnits(admin1s, countries, regions)
	regions = append(regions, units...)
	dropUnitAliases(countries, units)
	var all []*area
	for _, list := range [][]*area{regions, countries, admin1s, counties} {
		all = append(all, list...)
	}
	slices.SortStableFunc(all, func(a, b *area) int {
		if c := cmp.Compare(kindOrder[a.kind], kindOrder[b.kind]); c != 0 {
			return c
		}
		if c := cmp.Compare(a.code, b.code); c != 0 {
			return c
		}
		return cmp.Compare(a.name, b.name)
	})
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriter(zw)
	for _, a := range all {
		bw.WriteString(a.line())
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	return len(all), zw.Close()
}

// line formats a row: kind code name alternates demonyms lon lat west
// south east north country admin1 geonames_admin1 population area_km2.
func (a *area) line() string {
	box := [4]string{}
	if a.hasBound {
		box = [4]string{formatCoord(a.bound.Min[0]), formatCoord(a.bound.Min[1]), formatCoord(a.bound.Max[0]), formatCoord(a.bound.Max[1])}
	}
	cols := []string{a.kind, a.code, clean(a.name), strings.Join(dedupe(a.alternates, a.name), ","), strings.Join(dedupe(a.demonyms, ""), ","),
		formatCoord(a.point[0]), formatCoord(a.point[1]), box[0], box[1], box[2], box[3],
		a.country, a.admin1, a.gnAdmin1, strconv.FormatInt(a.population, 10), strconv.FormatFloat(math.Round(a.areaKm2), 'f', 0, 64)}
	return strings.Join(cols, "\t")
}

// dedupe cleans names and drops empty ones, ones equal to skip and repeats,
// ignoring case.
func dedupe(names []string, skip string) []string {
	seen := map[string]bool{strings.ToLower(clean(skip)): true}
	var out []string
	for _, n := range names {
		n = clean(n)
		k := strings.ToLower(n)
		if n == "" || seen[k] || strings.ContainsAny(n, "?0123456789") || len(n) > 80 {
			continue
		}
		seen[k] = true
		out = append(out, n)
	}
	return out
}

// worldCountry is the part of a world_countries.json entry used here.
type worldCountry struct {
	Name struct {
		Common, Official string
	} `json:"name"`
	CCA2         string   `json:"cca2"`
	CCA3         string   `json:"cca3"`
	AltSpellings []string `json:"altSpellings"`
	Region       string   `json:"region"`
	Subregion    string   `json:"subregion"`
	Translations map[string]struct {
		Common, Official string
	} `json:"translations"`
	LatLng      []float64                        `json:"latlng"`
	Area        float64                          `json:"area"`
	Demonyms    map[string]struct{ F, M string } `json:"demonyms"`
	Independent bool                             `json:"independent"`
}

// translationLangs are the world_countries.json translations indexed:
// the languages of the news the service reads most besides English.
var translationLangs = []string{"ara", "per", "urd", "fra", "spa", "deu", "por", "ita", "rus", "tur"}

// wcCodeFix maps world_countries.json codes that are not ISO 3166-1 to
// the code this project uses.
var wcCodeFix = map[string]string{"UNK": "XKX"}

func readCountries(admin0, wcR io.Reader, a2to3 map[string]string, pops populations) ([]*area, error) {
	var fc geojson.FeatureCollection
	if err := json.NewDecoder(admin0).Decode(&fc); err != nil {
		return nil, fmt.Errorf("admin0: %w", err)
	}
	geom := map[string]orb.MultiPolygon{}
	for _, f := range fc.Features {
		a2, _ := f.Properties["country_a2"].(string)
		a3, ok := a2to3[a2]
		if !ok {
			continue
		}
		geom[a3] = append(geom[a3], multi(f.Geometry)...)
	}
	var wc []worldCountry
	if err := json.NewDecoder(wcR).Decode(&wc); err != nil {
		return nil, fmt.Errorf("world countries: %w", err)
	}
	aliases := handAliases()
	var out []*area
	for _, c := range wc {
		code := c.CCA3
		if fix, ok := wcCodeFix[code]; ok {
			code = fix
		}
		if !incidentmap.ValidCountry(code) {
			return nil, fmt.Errorf("world countries: %s is not ISO 3166-1 alpha-3", code)
		}
		a := &area{kind: "country", code: code, name: c.Name.Common, country: code, population: pops.country[c.CCA2],
			continent: c.Region, subregion: c.Subregion}
		if pc := pops.centre[c.CCA2]; pc != nil {
			a.centre = *pc
		}
		a.alternates = append(a.alternates, c.Name.Official)
		if short, ok := shortName(c.Name.Official); ok {
			a.alternates = append(a.alternates, short)
		}
		for _, s := range c.AltSpellings {
			// Two-letter spellings are ISO codes ("CD", "AL" would be
			// Alabama's); three-letter ones are names news writes ("USA",
			// "UAE", "DRC", "Lao"). "Korea, Republic of" is a list entry,
			// not a name.
			if len([]rune(s)) >= 3 && !strings.Contains(s, ",") {
				a.alternates = append(a.alternates, s)
			}
		}
		for _, lang := range translationLangs {
			if t, ok := c.Translations[lang]; ok {
				a.alternates = append(a.alternates, t.Common)
			}
		}
		a.alternates = append(a.alternates, aliases[code]...)
		for _, n := range append([]string{c.Name.Common}, a.alternates...) {
			// "Democratic Republic of the Congo" is also written without "the".
			if s := strings.Replace(n, " of the ", " of ", 1); s != n {
				a.alternates = append(a.alternates, s)
			}
		}
		if d, ok := c.Demonyms["eng"]; ok {
			// "Bosnian, Herzegovinian" is two demonyms.
			for _, s := range []string{d.M, d.F} {
				for _, dm := range strings.Split(s, ",") {
					a.demonyms = append(a.demonyms, strings.TrimSpace(dm))
				}
			}
		}
		a.demonyms = append(a.demonyms, extraDemonyms[code]...)
		if mp, ok := geom[code]; ok && len(mp) > 0 {
			a.point, _ = shape.RepresentativePoint(mp)
			a.bound, a.hasBound = shape.BoundOf(mp), true
			a.areaKm2 = shape.AreaKm2(mp)
		} else if len(c.LatLng) == 2 {
			a.point = orb.Point{c.LatLng[1], c.LatLng[0]}
			a.areaKm2 = c.Area
		} else {
			return nil, fmt.Errorf("world countries: %s has no geometry and no latlng", code)
		}
		out = append(out, a)
	}
	return out, nil
}

// extraDemonyms are adjectives news uses that world_countries.json lacks.
var extraDemonyms = map[string][]string{
	"USA": {"US", "U.S."}, "PSE": {"Palestinian"}, "COD": {"Congolese"}, "PHL": {"Philippine"},
	"KOR": {"South Korean", "Korean"}, "PRK": {"North Korean"}, "ARE": {"Emirati"}, "NLD": {"Dutch"}, "AFG": {"Afghan"},
	"GBR": {"UK", "English", "Scottish", "Welsh"}, "KAZ": {"Kazakh"}, "UZB": {"Uzbek"}, "TJK": {"Tajik"}, "KGZ": {"Kyrgyz"},
}

// handAliases returns the aliases of the gazetteer's own country table
// (package gazetteer's countryTable), which world_countries.json lacks
// ("Britain", "Holland", the Arabic and Persian names).
func handAliases() map[string][]string {
	return map[string][]string{
		"GBR": {"Britain", "England", "Scotland", "Wales", "Northern Ireland", "U.K."},
		"USA": {"America", "U.S.", "U.S.A."},
		"NLD": {"Holland"}, "CZE": {"Czech Republic"}, "TUR": {"Turkey"}, "MMR": {"Burma"},
		"SWZ": {"Swaziland"}, "CPV": {"Cape Verde"}, "CIV": {"Ivory Coast"}, "TLS": {"East Timor"},
		"MKD": {"Macedonia"}, "BIH": {"Bosnia"}, "KOR": {"Korea"}, "PSE": {"Palestinian Territories", "Palestinian territories"},
		"COD": {"Democratic Republic of Congo", "DR Congo", "Congo-Kinshasa", "DRC"},
		"IRQ": {"العراق", "عراق"}, "IRN": {"إيران", "ایران"}, "AFG": {"أفغانستان", "افغانستان"}, "SYR": {"سوريا", "سورية"},
	}
}

// multi returns g as a multipolygon (nil for other geometry types).
func multi(g orb.Geometry) orb.MultiPolygon {
	switch g := g.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{g}
	case orb.MultiPolygon:
		return g
	}
	return nil
}

// neA3Fix maps Natural Earth admin-1 adm0_a3 values that are not ISO
// 3166-1 to the ISO code of the country that administers the area; codes
// missing here and not ISO are skipped (disputed slivers such as Siachen).
var neA3Fix = map[string]string{
	"ALD": "ALA", "KOS": "XKX", "PSX": "PSE", "SAH": "ESH", "SDS": "SSD", "SOL": "SOM", "CYN": "CYP",
	"ESB": "CYP", "WSB": "CYP", "USG": "CUB", "KAB": "KAZ", "ATC": "AUS", "CSI": "AUS", "IOA": "AUS", "CLP": "FRA",
}

func readAdmin1(r io.Reader, a2to3 map[string]string, pops populations) ([]*area, error) {
	var fc geojson.FeatureCollection
	if err := json.NewDecoder(r).Decode(&fc); err != nil {
		return nil, fmt.Errorf("admin1: %w", err)
	}
	str := func(p geojson.Properties, k string) string {
		s, _ := p[k].(string)
		return strings.TrimSpace(s)
	}
	var out []*area
	for _, f := range fc.Features {
		p := f.Properties
		a3 := str(p, "adm0_a3")
		if fix, ok := neA3Fix[a3]; ok {
			a3 = fix
		}
		if !incidentmap.ValidCountry(a3) {
			continue
		}
		code := str(p, "iso_3166_2")
		if code == "" || strings.HasSuffix(code, "~") || strings.Contains(code, "-99") {
			code = str(p, "adm1_code")
		}
		name := str(p, "name_en")
		if name == "" {
			name = str(p, "name")
		}
		mp := multi(f.Geometry)
		if name == "" || len(mp) == 0 { // a few unnamed Antarctic slivers
			continue
		}
		a := &area{kind: "admin1", code: code, name: name, country: a3, gnAdmin1: str(p, "gn_a1_code"),
			unit: unitOf(a3, str(p, "admin"), str(p, "geonunit"), str(p, "region"))}
		a.alternates = append(a.alternates, str(p, "name"), str(p, "woe_name"), str(p, "name_ar"), str(p, "name_fa"), str(p, "name_local"))
		for _, alt := range strings.Split(str(p, "name_alt"), "|") {
			a.alternates = append(a.alternates, alt)
		}
		a.population = pops.admin1[a.gnAdmin1]
		if pc := pops.centre[a.gnAdmin1]; pc != nil {
			a.centre = *pc
		}
		lat, okLat := p["latitude"].(float64)
		lon, okLon := p["longitude"].(float64)
		if okLat && okLon && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 {
			a.point = orb.Point{lon, lat}
		} else {
			a.point, _ = shape.RepresentativePoint(mp)
		}
		a.bound, a.hasBound = shape.BoundOf(mp), true
		a.areaKm2 = shape.AreaKm2(mp)
		out = append(out, a)
	}
	return out, nil
}

// countySuffix is the word a state uses for its county-level areas.
func countySuffix(stateFIPS string) string {
	switch stateFIPS {
	case "22":
		return "Parish"
	case "02":
		return "Borough"
	case "72":
		return "Municipio"
	}
	return "County"
}

func readCounties(countiesR, statesR io.Reader, admin1s []*area, pops populations) ([]*area, error) {
	states, err := shape.DecodeTopoJSON(statesR, "states")
	if err != nil {
		return nil, err
	}
	byName := map[string]*area{}
	for _, a := range admin1s {
		if a.country == "USA" {
			byName[a.name] = a
		}
	}
	stateOf := map[string]*area{}
	for _, s := range states {
		if a, ok := byName[s.Name]; ok {
			stateOf[s.ID] = a
		}
	}
	counties, err := shape.DecodeTopoJSON(countiesR, "counties")
	if err != nil {
		return nil, err
	}
	var out []*area
	for _, c := range counties {
		if len(c.ID) != 5 {
			return nil, fmt.Errorf("county %q: id is not a 5-digit FIPS code", c.ID)
		}
		st, ok := stateOf[c.ID[:2]]
		if !ok {
			continue // territories without a state entry
		}
		n, _ := strconv.Atoi(c.ID[2:])
		if n >= 500 && (c.ID[:2] == "51" || c.ID[:2] == "24" || c.ID[:2] == "29" || c.ID[:2] == "32") || c.ID == "11001" {
			continue // independent cities and the District: GeoNames has them as cities
		}
		name := c.Name
		suffix := countySuffix(c.ID[:2])
		if c.ID[:2] == "02" && strings.HasSuffix(name, "Census Area") || strings.HasSuffix(name, suffix) {
			suffix = ""
		}
		if suffix != "" {
			name += " " + suffix
		}
		pt, ok := shape.RepresentativePoint(c.Geometry)
		if !ok {
			continue
		}
		postal := strings.TrimPrefix(st.code, "US-")
		out = append(out, &area{kind: "admin2", code: "US-" + c.ID, name: name, point: pt,
			bound: shape.BoundOf(c.Geometry), hasBound: true, country: "USA", admin1: st.code,
			population: pops.county["US."+postal+"."+c.ID[2:]], areaKm2: shape.AreaKm2(c.Geometry)})
	}
	return out, nil
}

// subregionAliases are the short forms news uses for world_countries.json
// subregion labels.
var subregionAliases = map[string][]string{
	"Eastern Asia": {"East Asia"}, "South-Eastern Asia": {"Southeast Asia", "South East Asia", "South-East Asia"},
	"Southern Asia": {"South Asia"}, "Eastern Africa": {"East Africa"}, "Western Africa": {"West Africa"},
	"Northern Africa": {"North Africa"}, "Middle Africa": {"Central Africa"}, "Northern Europe": {},
	"Eastern Europe": {}, "Western Europe": {}, "Central Asia": {}, "Western Asia": {}, "Southern Africa": {},
	"Central America": {}, "Caribbean": {"the Caribbean"}, "Southern Europe": {}, "Central Europe": {},
}

// buildRegions makes the continent and region rows from their members.
func buildRegions(defs []regionDef, countries, admin1s []*area) ([]*area, error) {
	byCode := map[string]*area{}
	for _, a := range countries {
		byCode[a.code] = a
	}
	byISO2 := map[string][]*area{}
	for _, a := range admin1s {
		byISO2[a.code] = append(byISO2[a.code], a)
	}
	var out []*area
	add := func(kind, code string, names []string, members []*area, byArea bool) error {
		if len(members) == 0 {
			return fmt.Errorf("region %s: no members", code)
		}
		out = append(out, aggregate(kind, code, names, members, byArea))
		return nil
	}
	for _, d := range defs {
		var ms []*area
		for _, m := range d.members {
			if a, ok := byCode[m]; ok {
				ms = append(ms, a)
			} else if as, ok := byISO2[m]; ok {
				ms = append(ms, as...)
			} else {
				return nil, fmt.Errorf("region %s: unknown member %s", d.code, m)
			}
		}
		if err := add("region", d.code, d.names, ms, true); err != nil {
			return nil, err
		}
	}
	for _, d := range continentDefs {
		var ms []*area
		for _, c := range countries {
			if c.continent == d.region && (d.subregions == nil || slices.Contains(d.subregions, c.subregion)) {
				ms = append(ms, c)
			}
		}
		if len(ms) == 0 {
			continue // a test's small world; the real data have every continent
		}
		if err := add("continent", d.code, d.names, ms, false); err != nil {
			return nil, err
		}
	}
	subs := map[string][]*area{}
	for _, c := range countries {
		if _, ok := subregionAliases[c.subregion]; ok {
			subs[c.subregion] = append(subs[c.subregion], c)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(subs)) {
		code := strings.ToLower(strings.ReplaceAll(name, " ", "-"))
		if err := add("region", code, append([]string{name}, subregionAliases[name]...), subs[name], false); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// aggregate makes an area from members: the box is their union,
// population and area their sums. The point of a hand-defined region
// (byArea) is the area-weighted mean of its members' points, the middle of
// the map a reader pictures; that of a continent or a world_countries.json
// subregion is the population centre of its GeoNames places, because one
// member's point can lie far from where the grouping is (Russia's lies in
// Siberia, Europe's should not). Without populations (Antarctica) the
// area-weighted mean is used. A region has no single parent country unless all members
// share one.
func aggregate(kind, code string, names []string, members []*area, byArea bool) *area {
	a := &area{kind: kind, code: code, name: names[0], alternates: names[1:]}
	var wsum, lon, lat, psum, plon, plat float64
	country := members[0].country
	for i, m := range members {
		w := math.Max(m.areaKm2, 1)
		wsum += w
		lon += w * m.point[0]
		lat += w * m.point[1]
		plon, plat, psum = plon+m.centre[0], plat+m.centre[1], psum+m.centre[2]
		a.population += m.population
		a.areaKm2 += m.areaKm2
		if m.hasBound {
			if !a.hasBound {
				a.bound, a.hasBound = m.bound, true
			} else {
				a.bound = a.bound.Union(m.bound)
			}
		}
		if i > 0 && m.country != country {
			country = ""
		}
	}
	a.point = orb.Point{lon / wsum, lat / wsum}
	if psum > 0 && !byArea {
		a.point = orb.Point{plon / psum, plat / psum}
	}
	if kind == "region" {
		a.country = country
	}
	return a
}

// shortName is what news calls a country whose official name is
// "(Democratic) Republic of (the) X": X ("Congo" for both Congos, whose
// populations then decide; "Korea"). Other official names give none.
func shortName(official string) (string, bool) {
	for _, prefix := range []string{"Democratic Republic of the ", "Democratic Republic of ", "Republic of the ", "Republic of "} {
		if rest, ok := strings.CutPrefix(official, prefix); ok && rest != "" {
			return rest, true
		}
	}
	return "", false
}

// unitNamesES are the English names of Spain's autonomous communities
// whose Natural Earth admin-1 region name is Spanish.
var unitNamesES = map[string]string{
	"Andalucía": "Andalusia", "Aragón": "Aragon", "Canarias": "Canary Islands", "Canary Is.": "Canary Islands",
	"Castilla y León": "Castile and León", "Cataluña": "Catalonia", "Foral de Navarra": "Navarre",
	"Islas Baleares": "Balearic Islands", "País Vasco": "Basque Country", "Valenciana": "Valencian Community",
}

// unitAliases are the names news gives units besides Natural Earth's.
var unitAliases = map[string][]string{"Flemish Region": {"Flanders"}, "Walloon Region": {"Wallonia"}}

// slug is a region code made of a name: lower-case ASCII letters and
// digits, accents dropped, words joined by "-".
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(unicode.ToLower(r))
			dash = false
		default:
			dash = true
		}
	}
	return b.String()
}

// unitOf is the named part of a country an admin-1 division belongs to,
// from Natural Earth admin-1: its geounit where the country is mapped as
// several (England, Scotland, Wales and Northern Ireland; Flanders and
// Wallonia), and Spain's autonomous communities, which Natural Earth
// keeps as the region of each province. "" for the rest.
func unitOf(a3, admin, geonunit, region string) string {
	switch {
	case a3 == "ESP":
		if en, ok := unitNamesES[region]; ok {
			return en
		}
		return region
	case geonunit != "" && geonunit != admin:
		return geonunit
	}
	return ""
}

// buildUnits makes a region of every unit (see unitOf) of a country
// divided into two or more units, named by the unit and placed like a
// hand-defined region. Skipped: a unit of one division (Madrid, Murcia:
// that division already), one named like its country (Natural Earth's
// "Serbia" beside Vojvodina) and one a region of regions has already
// (Iraqi Kurdistan).
func buildUnits(admin1s, countries, regions []*area) []*area {
	taken := map[string]bool{}
	for _, c := range countries {
		taken[c.code+"\t"+c.name] = true
	}
	for _, r := range regions {
		for _, n := range append([]string{r.name}, r.alternates...) {
			taken[r.country+"\t"+n] = true
		}
	}
	members := map[string][]*area{}
	units := map[string]map[string]bool{}
	for _, a := range admin1s {
		if a.unit != "" {
			k := a.country + "\t" + a.unit
			members[k] = append(members[k], a)
			if units[a.country] == nil {
				units[a.country] = map[string]bool{}
			}
			units[a.country][a.unit] = true
		}
	}
	var out []*area
	for _, k := range slices.Sorted(maps.Keys(members)) {
		ms := members[k]
		codes := map[string]bool{}
		for _, m := range ms {
			codes[m.code] = true
		}
		a3, name, _ := strings.Cut(k, "\t")
		if len(codes) < 2 || len(units[a3]) < 2 || taken[k] {
			continue
		}
		out = append(out, aggregate("region", slug(a3+" "+name), append([]string{name}, unitAliases[name]...), ms, true))
	}
	return out
}

// dropUnitAliases removes from a country's names those that name one of
// its units: "Scotland" is Scotland, not the United Kingdom.
func dropUnitAliases(countries, units []*area) {
	named := map[string]bool{}
	for _, u := range units {
		named[u.country+"\t"+u.name] = true
	}
	for _, c := range countries {
		c.alternates = slices.DeleteFunc(c.alternates, func(n string) bool { return named[c.code+"\t"+n] })
	}
}
