package gazetteer

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// Kinds of place, reported in Place.Kind. Areas (every kind but city and
// site) come from data/areas.tsv.gz; see the package comment.
const (
	KindCity      = "city"      // a GeoNames populated place
	KindSite      = "site"      // a curated named site
	KindCountry   = "country"   // a country or territory (ISO 3166-1)
	KindAdmin1    = "admin1"    // a first-level division: state, province, governorate
	KindAdmin2    = "admin2"    // a US county (parish, borough)
	KindRegion    = "region"    // a region named by news: the Middle East, Darfur, the Midwest
	KindContinent = "continent" // a continent
)

// areaIDBase is where area ids start: area row i has id −(areaIDBase+i).
// Curated sites keep the small negative ids.
const areaIDBase = 1_000_000

// kind codes kept in record.kind.
const (
	kCity uint8 = iota
	kSite
	kCountry
	kAdmin1
	kAdmin2
	kRegion
	kContinent
)

var kindNames = [...]string{KindCity, KindSite, KindCountry, KindAdmin1, KindAdmin2, KindRegion, KindContinent}

// featureOf is the GeoNames-style feature code an area reports.
var featureOf = map[uint8]string{kCountry: "PCLI", kAdmin1: "ADM1", kAdmin2: "ADM2", kRegion: "RGN", kContinent: "CONT"}

func kindCode(s string) (uint8, bool) {
	for i, k := range kindNames {
		if k == s && i >= int(kCountry) {
			return uint8(i), true
		}
	}
	return 0, false
}

// areaInfo is what an area has beyond a record.
type areaInfo struct {
	code     string // alpha-3, ISO 3166-2, "US-" + county FIPS, or a region slug
	bound    orb.Bound
	hasBound bool
	areaKm2  float64
	gnAdmin1 string // GeoNames admin1 key of an admin1 ("IQ.07")
}

// areaRow is one parsed row of the areas file.
type areaRow struct {
	p              Place
	info           areaInfo
	alts, demonyms string
	kind           uint8
	parentISO      string
}

// loadAreas reads the areas file (see gen/areas.go for its columns) into
// g: one record per area, indexed under its name, alternates (match
// alternate) and demonyms (match demonym).
func (b *builder) loadAreas(text string) error {
	var rows []areaRow
	lineNo := 0
	for line := range strings.Lines(text) {
		lineNo++
		r, err := parseAreaRow(strings.TrimSuffix(line, "\n"), len(rows))
		if err != nil {
			return fmt.Errorf("gazetteer: areas line %d: %w", lineNo, err)
		}
		rows = append(rows, r)
	}
	// An admin1's GeoNames key and name are its own; a county's are its
	// state's, found by the state's ISO 3166-2 code.
	byISO := map[string]*areaRow{}
	for i := range rows {
		if rows[i].kind == kAdmin1 {
			byISO[rows[i].info.code] = &rows[i]
		}
	}
	b.g.areaStart = len(b.g.records)
	for i := range rows {
		r := &rows[i]
		switch r.kind {
		case kAdmin1:
			r.p.Admin1Code, r.p.Admin1Name = r.info.gnAdmin1, r.p.Name
		case kAdmin2:
			if st, ok := byISO[r.parentISO]; ok {
				r.p.Admin1Code, r.p.Admin1Name = st.info.gnAdmin1, st.p.Name
			}
		}
		if err := b.addArea(r); err != nil {
			return fmt.Errorf("gazetteer: areas line %d: %w", i+1, err)
		}
	}
	return nil
}

// parseAreaRow parses one line of the areas file; n is its row number,
// from which its id is made.
func parseAreaRow(line string, n int) (areaRow, error) {
	var f [16]string
	if !splitTabs(line, f[:]) {
		return areaRow{}, fmt.Errorf("want 16 columns")
	}
	kind, ok := kindCode(f[0])
	if !ok {
		return areaRow{}, fmt.Errorf("unknown kind %q", f[0])
	}
	pt, err := parseLonLat(f[5], f[6])
	if err != nil || f[2] == "" {
		return areaRow{}, fmt.Errorf("bad point or name")
	}
	pop, err1 := strconv.ParseInt(f[14], 10, 64)
	km2, err2 := strconv.ParseFloat(f[15], 64)
	if err1 != nil || err2 != nil || pop < 0 || pop > math.MaxInt32 {
		return areaRow{}, fmt.Errorf("bad population or area")
	}
	info := areaInfo{code: f[1], areaKm2: km2, gnAdmin1: f[13]}
	if f[7] != "" {
		lo, err1 := parseLonLat(f[7], f[8])
		hi, err2 := parseLonLat(f[9], f[10])
		if err1 != nil || err2 != nil {
			return areaRow{}, fmt.Errorf("bad box")
		}
		info.bound, info.hasBound = orb.Bound{Min: lo, Max: hi}, true
	}
	country := f[11]
	if country == "" {
		country = "---" // a region across countries
	}
	return areaRow{
		p: Place{ID: -int64(areaIDBase + n), Name: f[2], ASCIIName: f[2], Lon: pt[0], Lat: pt[1],
			Country: country, FeatureCode: featureOf[kind], Population: int(pop)},
		info: info, alts: f[3], demonyms: f[4], kind: kind, parentISO: f[12],
	}, nil
}

// addArea stores an area and indexes its names and demonyms; a country's
// names also become country hints ("Springfield, Illinois" style).
func (b *builder) addArea(r *areaRow) error {
	g := b.g
	if err := b.add(r.p, r.alts, kindName); err != nil {
		return err
	}
	idx := int32(len(g.records) - 1)
	g.records[idx].kind = r.kind
	g.areas = append(g.areas, r.info)
	for d := range strings.SplitSeq(r.demonyms, ",") {
		g.index(idx, d, kindDemonym)
	}
	if r.kind == kCountry {
		for _, n := range append([]string{r.p.Name, r.info.code}, strings.Split(r.alts, ",")...) {
			if k := normalize(n); k != "" {
				if _, taken := g.countryByKey[k]; !taken {
					g.countryByKey[k] = r.info.code
				}
			}
		}
	}
	return nil
}

func parseLonLat(lon, lat string) (orb.Point, error) {
	x, err1 := strconv.ParseFloat(lon, 64)
	y, err2 := strconv.ParseFloat(lat, 64)
	if err1 != nil || err2 != nil || x < -180 || x > 180 || y < -90 || y > 90 {
		return orb.Point{}, fmt.Errorf("bad coordinates %q %q", lon, lat)
	}
	return orb.Point{x, y}, nil
}

// area returns the extra data of record i, or nil when it is not an area.
func (g *Gazetteer) area(i int32) *areaInfo {
	if int(i) < g.areaStart || g.areaStart == 0 {
		return nil
	}
	return &g.areas[int(i)-g.areaStart]
}

// isArea reports whether a Place is a country, division, region or
// continent rather than a point.
func (p Place) isArea() bool {
	switch p.Kind {
	case KindCity, KindSite, "":
		return false
	}
	return true
}

// IsArea reports whether p is a country, first-level division, county,
// region or continent rather than a town or site.
func (p Place) IsArea() bool { return p.isArea() }
