// Package gazetteer owns the embedded gazetteer and the geocoder built on
// it: place names in, ranked candidate places out, one name at a time
// (Search) or all the names of a document together (ResolveDocument).
//
// The data are GeoNames populated places with a population of 500 or more
// (data/places.tsv.gz), a short hand-curated list of named sites GeoNames
// lacks (data/sites.tsv, each row with its source), and the areas news
// names (data/areas.tsv.gz): countries, first-level divisions of every
// country, US counties, continents and regions, each with a kind, a
// population (summed from GeoNames) and area, its parent country and
// division, a representative point and a box. ./gen derives both files
// from ../shared/data. Any product that shows results must show
// Attribution.
//
// Load builds an in-memory index once at start-up; a Gazetteer is read-only
// afterwards and safe for concurrent use. Names are matched on a normalised
// key: accents and Arabic diacritics stripped, Arabic letter variants
// unified, case folded, punctuation and apostrophes removed, and a leading
// Arabic article ("al-", "an-", "el-", "ال") tolerated, so that "Herāt",
// "Herat" and "هرات" find the same city. A Latin name with no exact match
// falls back to a fuzzy match of an important place (one letter off under
// eight letters, two from eight: "Hirat"). Text after a comma narrows the
// candidates to a country or first-order division ("Green Zone, Baghdad");
// a trailing "province", "state", "county", … asks for a division. A
// leading "the" is dropped unless the name with it is known ("the
// Gambia", but "The Hague"), and a plural that matches nothing is read as
// a country's demonym ("Americans"), never as a town. Work
// per query is bounded: text is cut to MaxQueryBytes and at most 5,000
// places are read per key.
//
// Search ranks the candidates with the score
//
//	score = match + importance + country + proximity
//	importance = kind weight + 0.5·log10(1 + population)
//
// where
//   - match is 1.0 for the primary name or a curated site, 0.9 for the
//     GeoNames ASCII name, 0.8 for a demonym ("Iraqi"), 0.6 for an
//     alternate name, less 0.3 when the match needed a leading article
//     dropped, and 0.4 (one edit) or 0.2 (two edits) less fuzzyPenalty for a
//     fuzzy match, which therefore never outranks an exact match;
//   - the kind weight is 6.0 for a country or continent, 4.5 a region, 2.5
//     a first-level division, 1.0 a county, 2.0 a curated site, and for
//     towns the GeoNames class: 1.5 a capital (PPLC), 1.2 a seat of
//     government (PPLG), 1.0 a first-order seat (PPLA), 0.6 PPLA2, 0.4
//     PPLA3, 0.3 PPLA4/PPLA5, 0 other populated places, −0.2 a section of a
//     city (PPLX), −1.0 a historical, abandoned or destroyed place;
//   - country is 4.0 when the place is in Query.Country (more than a
//     country's kind weight exceeds a division's, so "Georgia" with
//     country USA is the state);
//   - proximity is 2/(1 + d/100 km), d the great-circle distance from
//     Query.Near (0 inside an area's box).
//
// A town that lies in the first-level division of its name and holds at
// least capitalShare of its population is ranked just above that division
// ("Herat" is the city, "Herat province" the province). Ties go to the
// lower id. ResolveDocument adds the context bonuses documented on it.
package gazetteer

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	_ "embed" // for the data files
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// Attribution is the credit the data's licences require wherever results
// of this package are shown or exported: GeoNames' CC BY 4.0, and the
// ODbL 1.0 of world-countries, whose names and demonyms the areas file
// derives from (that file is itself under ODbL 1.0).
const Attribution = "Place names from GeoNames (geonames.org), CC BY 4.0; country names and demonyms from world-countries (mledoze), ODbL 1.0; areas from Natural Earth and the US Census"

//go:embed data/places.tsv.gz
var placesGz []byte

//go:embed data/sites.tsv
var sitesTSV string

//go:embed data/areas.tsv.gz
var areasGz []byte

// Place is one named place in the gazetteer.
type Place struct {
	// ID is the GeoNames id; curated sites have negative ids.
	ID int64
	// Name is the primary name, as GeoNames or the site list spells it.
	Name string
	// ASCIIName is GeoNames' ASCII spelling of Name.
	ASCIIName string
	// Lon and Lat are WGS 84 degrees, rounded to 5 decimals for GeoNames.
	Lon, Lat float64
	// Country is the ISO 3166-1 alpha-3 code.
	Country string
	// Admin1Code is GeoNames' first-order division key, such as "IQ.07"
	// (alpha-2 country, dot, GeoNames code); it is not ISO 3166-2.
	Admin1Code string
	// Admin1Name is GeoNames' name of that division, such as "Baghdad".
	Admin1Name string
	// FeatureCode is the GeoNames feature code: PPLC, PPLA, PPL, … for
	// populated places; AIRP, DIP, PPLX, … for curated sites.
	FeatureCode string
	// Population is GeoNames' figure; 0 when unknown and for sites.
	Population int
	// Source says where a curated site's point comes from; it is empty for
	// GeoNames places, which Attribution covers.
	Source string
	// Kind is KindCity, KindSite, KindCountry, KindAdmin1, KindAdmin2,
	// KindRegion or KindContinent.
	Kind string
	// Code identifies an area: ISO 3166-1 alpha-3 for a country, ISO
	// 3166-2 for a first-level division, "US-" and the FIPS code for a
	// county, a slug such as "middle-east" for a region; empty otherwise.
	Code string
	// Bound is an area's bounding box; nil for towns and sites.
	Bound *orb.Bound
	// AreaKm2 is an area's surface in square kilometres; 0 for points.
	AreaKm2 float64
}

// Point returns the place's location as longitude, latitude.
func (p Place) Point() orb.Point { return orb.Point{p.Lon, p.Lat} }

// Site reports whether p comes from the curated site list.
func (p Place) Site() bool { return p.Kind == KindSite }

// match kinds, best first; kindArticle is a flag or-ed onto one of them.
const (
	kindName uint8 = iota
	kindSite
	kindASCII
	kindAlternate
	kindDemonym
	kindArticle uint8 = 8
)

// posting is one place under one key, in a linked list threaded through
// Gazetteer.postings; next is -1 at the end.
type posting struct {
	place int32
	next  int32
	kind  uint8
}

// record is the compact form of a Place: strings live in arenas and small
// tables, so that 200k places take about 10 MB rather than 30.
type record struct {
	id       int64
	lon, lat float64
	pop      int32
	nameOff  uint32 // name, then the ASCII name, at nameOff in g.names
	nameLen  uint16
	asciiLen uint16 // 0: the ASCII name is the name
	country  uint16 // index into g.strs
	feature  uint16 // index into g.strs
	admin1   uint16 // index into g.admin1s
	kind     uint8  // kCity, kSite, kCountry, …
	// imp is the place's Importance, computed once at load: Search
	// ranks hundreds of places per query without expanding them.
	imp float64
}

// admin1 is a first-order division as the places name it.
type admin1 struct {
	code, name, key string // key is the normalised name
}

// Gazetteer is an in-memory place index. Build one with Load; its methods
// are safe for concurrent use.
type Gazetteer struct {
	// records holds the GeoNames places sorted by id, then the sites.
	records  []record
	nGeo     int               // records[:nGeo] are GeoNames places
	names    string            // arena of names
	strs     []string          // interned country and feature codes
	strIdx   map[string]uint16 // code → index in strs
	admin1s  []admin1          // admin1s[0] is "none"
	sources  map[int64]string  // site id → source note
	exact    map[string]int32  // normalised name → first posting
	fuzzy    map[string]int32  // skeleton of a Latin name → first posting
	postings []posting
	// areas holds the extra data of records[areaStart:], the areas.
	areas     []areaInfo
	areaStart int

	countryName  map[string]string // alpha-3 → English name
	countryByKey map[string]string // normalised name or code → alpha-3
}

// Load decompresses the embedded data and builds the index. It takes
// about a second of CPU and keeps about 65 MB; call it once at start-up
// and share the result.
func Load() (*Gazetteer, error) {
	zr, err := gzip.NewReader(bytes.NewReader(placesGz))
	if err != nil {
		return nil, fmt.Errorf("gazetteer: places: %w", err)
	}
	// The gzip trailer holds the uncompressed size (mod 2³²): read into a
	// buffer of that size at once.
	var raw strings.Builder
	if n := len(placesGz); n >= 4 {
		raw.Grow(int(binary.LittleEndian.Uint32(placesGz[n-4:])) + 1)
	}
	if _, err := io.Copy(&raw, zr); err != nil {
		return nil, fmt.Errorf("gazetteer: places: %w", err)
	}
	areas, err := gunzip(areasGz)
	if err != nil {
		return nil, fmt.Errorf("gazetteer: areas: %w", err)
	}
	return loadAll(raw.String(), sitesTSV, areas)
}

func gunzip(b []byte) (string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	if _, err := io.Copy(&sb, zr); err != nil {
		return "", err
	}
	return sb.String(), nil
}

// builder holds the state used only while loading.
type builder struct {
	g       *Gazetteer
	names   strings.Builder
	strIdx  map[string]uint16
	admIdx  map[string]uint16
	sizeErr error
}

// load builds a Gazetteer from the text of a places file and a sites file.
func load(places, sites string) (*Gazetteer, error) { return loadAll(places, sites, "") }

// loadAll builds a Gazetteer from the text of a places file, a sites file
// and an areas file. Nothing in the result refers to places, so it can be
// freed.
func loadAll(places, sites, areas string) (*Gazetteer, error) {
	n := strings.Count(places, "\n") + strings.Count(sites, "\n") + strings.Count(areas, "\n")
	g := &Gazetteer{
		records:  make([]record, 0, n),
		admin1s:  make([]admin1, 1, 4096),
		sources:  make(map[int64]string),
		exact:    make(map[string]int32, 3*n),
		fuzzy:    make(map[string]int32, n/2),
		postings: make([]posting, 0, 9*n/2+64),
	}
	g.countryName, g.countryByKey = countryNames()
	b := &builder{g: g, strIdx: make(map[string]uint16), admIdx: make(map[string]uint16)}

	// The names arena is sized once, so that it never moves.
	size := len(sites) + len(areas)
	for line := range strings.Lines(places) {
		_, rest, _ := strings.Cut(line, "\t")
		name, rest, _ := strings.Cut(rest, "\t")
		ascii, _, _ := strings.Cut(rest, "\t")
		size += len(name) + len(ascii)
	}
	b.names.Grow(size)

	lineNo := 0
	for line := range strings.Lines(places) {
		lineNo++
		p, alternates, err := parsePlacesLine(strings.TrimSuffix(line, "\n"))
		if err != nil {
			return nil, fmt.Errorf("gazetteer: places line %d: %w", lineNo, err)
		}
		if p.ID < 0 {
			return nil, fmt.Errorf("gazetteer: places line %d: negative id %d", lineNo, p.ID)
		}
		if k := len(g.records); k > 0 && g.records[k-1].id >= p.ID {
			return nil, fmt.Errorf("gazetteer: places line %d: id %d is a duplicate or out of order", lineNo, p.ID)
		}
		if err := b.add(p, alternates, kindName); err != nil {
			return nil, fmt.Errorf("gazetteer: places line %d: %w", lineNo, err)
		}
	}
	g.nGeo = len(g.records)

	lineNo = 0
	for line := range strings.Lines(sites) {
		lineNo++
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var f [10]string
		if !splitTabs(line, f[:]) {
			return nil, fmt.Errorf("gazetteer: sites line %d: want 10 columns", lineNo)
		}
		p, err := parsePlace(f[0], f[1], "", f[3], f[4], f[5], f[6], f[7], f[8], "0")
		if err != nil {
			return nil, fmt.Errorf("gazetteer: sites line %d: %w", lineNo, err)
		}
		if p.ID >= 0 {
			return nil, fmt.Errorf("gazetteer: sites line %d: id %d must be negative", lineNo, p.ID)
		}
		if _, dup := g.sources[p.ID]; dup {
			return nil, fmt.Errorf("gazetteer: sites line %d: duplicate id %d", lineNo, p.ID)
		}
		g.sources[p.ID] = f[9]
		if err := b.add(p, f[2], kindSite); err != nil {
			return nil, fmt.Errorf("gazetteer: sites line %d: %w", lineNo, err)
		}
		g.records[len(g.records)-1].kind = kSite
	}
	if areas != "" {
		if err := b.loadAreas(areas); err != nil {
			return nil, err
		}
	}
	g.names = b.names.String()
	g.strIdx = b.strIdx
	for i := range g.records {
		p := g.place(int32(i))
		g.records[i].imp = Importance(&p)
	}
	return g, nil
}

// splitTabs splits line into exactly len(f) tab-separated fields.
func splitTabs(line string, f []string) bool {
	for i := range f {
		if i == len(f)-1 {
			if strings.IndexByte(line, '\t') >= 0 {
				return false
			}
			f[i] = line
			return true
		}
		var ok bool
		f[i], line, ok = strings.Cut(line, "\t")
		if !ok {
			return false
		}
	}
	return true
}

// parsePlacesLine reads one line of the places file: the place and its
// comma-separated alternate names.
func parsePlacesLine(line string) (p Place, alternates string, err error) {
	var f [11]string
	if !splitTabs(line, f[:]) {
		return p, "", errors.New("want 11 columns")
	}
	p, err = parsePlace(f[0], f[1], f[2], f[4], f[5], f[6], f[7], f[8], f[9], f[10])
	return p, f[3], err
}

func parsePlace(id, name, ascii, lat, lon, feature, country, admin1, admin1Name, pop string) (Place, error) {
	p := Place{Name: name, ASCIIName: ascii, FeatureCode: feature, Country: country,
		Admin1Code: admin1, Admin1Name: admin1Name}
	var err error
	if p.ID, err = strconv.ParseInt(id, 10, 64); err != nil || p.ID == 0 {
		return p, fmt.Errorf("bad id %q", id)
	}
	if name == "" {
		return p, fmt.Errorf("id %d: empty name", p.ID)
	}
	if p.ASCIIName == "" {
		p.ASCIIName = name
	}
	if p.Lat, err = strconv.ParseFloat(lat, 64); err != nil || p.Lat < -90 || p.Lat > 90 {
		return p, fmt.Errorf("id %d: bad latitude %q", p.ID, lat)
	}
	if p.Lon, err = strconv.ParseFloat(lon, 64); err != nil || p.Lon < -180 || p.Lon > 180 {
		return p, fmt.Errorf("id %d: bad longitude %q", p.ID, lon)
	}
	if len(country) != 3 {
		return p, fmt.Errorf("id %d: bad country %q", p.ID, country)
	}
	if p.Population, err = strconv.Atoi(pop); err != nil || p.Population < 0 || p.Population > math.MaxInt32 {
		return p, fmt.Errorf("id %d: bad population %q", p.ID, pop)
	}
	return p, nil
}

// add stores p and indexes its names: the primary name under kind
// primary, the ASCII name, and the comma-separated alternates.
func (b *builder) add(p Place, alternates string, primary uint8) error {
	g := b.g
	if len(p.Name) > math.MaxUint16 || len(p.ASCIIName) > math.MaxUint16 {
		return fmt.Errorf("id %d: name too long", p.ID)
	}
	r := record{
		id: p.ID, lon: p.Lon, lat: p.Lat, pop: int32(p.Population),
		nameOff: uint32(b.names.Len()), nameLen: uint16(len(p.Name)),
		country: b.intern(p.Country), feature: b.intern(p.FeatureCode),
		admin1: b.admin1(p.Admin1Code, p.Admin1Name),
	}
	b.names.WriteString(p.Name)
	if p.ASCIIName != p.Name {
		r.asciiLen = uint16(len(p.ASCIIName))
		b.names.WriteString(p.ASCIIName)
	}
	if b.names.Len() > math.MaxUint32 {
		return fmt.Errorf("id %d: names exceed 4 GB", p.ID)
	}
	idx := int32(len(g.records))
	g.records = append(g.records, r)

	nameKey := g.index(idx, p.Name, primary)
	g.indexFuzzy(idx, nameKey)
	if p.ASCIIName != p.Name {
		asciiKey := g.index(idx, p.ASCIIName, kindASCII)
		if asciiKey != nameKey {
			g.indexFuzzy(idx, asciiKey)
		}
	}
	alt := kindAlternate
	if primary == kindSite {
		alt = kindSite
	}
	for alternates != "" {
		var a string
		a, alternates, _ = strings.Cut(alternates, ",")
		g.index(idx, a, alt)
	}
	return nil
}

// intern returns the index of s in g.strs, adding it if new.
func (b *builder) intern(s string) uint16 {
	if i, ok := b.strIdx[s]; ok {
		return i
	}
	i := uint16(len(b.g.strs))
	b.g.strs = append(b.g.strs, strings.Clone(s))
	b.strIdx[s] = i
	return i
}

// admin1 returns the index of a division in g.admin1s, adding it if new;
// 0 is no division.
func (b *builder) admin1(code, name string) uint16 {
	if code == "" {
		return 0
	}
	if i, ok := b.admIdx[code]; ok {
		return i
	}
	i := uint16(len(b.g.admin1s))
	b.g.admin1s = append(b.g.admin1s, admin1{code: strings.Clone(code), name: strings.Clone(name), key: normalize(name)})
	b.admIdx[code] = i
	return i
}

// index puts place idx under the key of name, and under the key without
// its leading article if it has one. It returns the key.
func (g *Gazetteer) index(idx int32, name string, kind uint8) string {
	key := normalize(name)
	if key == "" {
		return ""
	}
	g.exact[key] = g.post(g.exact, key, idx, kind)
	if stripped, ok := stripArticle(key); ok {
		g.exact[stripped] = g.post(g.exact, stripped, idx, kind|kindArticle)
	}
	return key
}

func (g *Gazetteer) indexFuzzy(idx int32, key string) {
	if s := skeleton(key); s != "" {
		g.fuzzy[s] = g.post(g.fuzzy, s, idx, kindName)
	}
}

// post adds place idx to the list of key in m and returns the new head.
// Places are indexed one after another, so a place already in the list is
// at its head: keep the better of the two kinds there.
func (g *Gazetteer) post(m map[string]int32, key string, idx int32, kind uint8) int32 {
	head, ok := m[key]
	if !ok {
		head = -1
	} else if h := &g.postings[head]; h.place == idx {
		if matchWeight(kind) > matchWeight(h.kind) {
			h.kind = kind
		}
		return head
	}
	g.postings = append(g.postings, posting{place: idx, next: head, kind: kind})
	return int32(len(g.postings) - 1)
}

// place expands record i into a Place.
func (g *Gazetteer) place(i int32) Place {
	var p Place
	g.placeInto(&p, i)
	return p
}

// placeInto expands record i into *p, which must be the zero Place; it
// writes the fields in place, so that a slice of candidates is filled
// without copying each Place.
func (g *Gazetteer) placeInto(p *Place, i int32) {
	r := &g.records[i]
	off := int(r.nameOff)
	p.Name = g.names[off : off+int(r.nameLen)]
	p.ASCIIName = p.Name
	if r.asciiLen > 0 {
		off += int(r.nameLen)
		p.ASCIIName = g.names[off : off+int(r.asciiLen)]
	}
	a := &g.admin1s[r.admin1]
	p.ID, p.Lon, p.Lat = r.id, r.lon, r.lat
	p.Country, p.Admin1Code, p.Admin1Name = g.strs[r.country], a.code, a.name
	p.FeatureCode, p.Population = g.strs[r.feature], int(r.pop)
	p.Kind = kindNames[r.kind]
	if r.kind == kSite {
		p.Source = g.sources[r.id]
	}
	if a := g.area(i); a != nil {
		p.Code, p.AreaKm2 = a.code, a.areaKm2
		if a.hasBound {
			b := a.bound // a copy: callers may change it
			p.Bound = &b
		}
		if p.Country == "---" {
			p.Country = ""
		}
	}
}

// find returns the record index of id.
func (g *Gazetteer) find(id int64) (int32, bool) {
	if k := -id - areaIDBase; id < 0 && g.areaStart > 0 && k >= 0 && k < int64(len(g.areas)) {
		return int32(g.areaStart + int(k)), true
	}
	if id < 0 {
		for i := g.nGeo; i < len(g.records); i++ {
			if g.records[i].id == id {
				return int32(i), true
			}
		}
		return 0, false
	}
	i, ok := slices.BinarySearchFunc(g.records[:g.nGeo], id, func(r record, id int64) int { return cmp.Compare(r.id, id) })
	return int32(i), ok
}

// Get returns the place with the given id (a GeoNames id, or a negative
// curated site id).
func (g *Gazetteer) Get(id int64) (Place, bool) {
	i, ok := g.find(id)
	if !ok {
		return Place{}, false
	}
	return g.place(i), true
}

// Len returns the number of places in the gazetteer.
func (g *Gazetteer) Len() int { return len(g.records) }

// CountryName returns the English short name of an ISO 3166-1 alpha-3
// code, such as "Iraq" for "IRQ", and false for an unknown code.
func (g *Gazetteer) CountryName(alpha3 string) (string, bool) {
	n, ok := g.countryName[alpha3]
	return n, ok
}

// EmbeddedCities calls fn with every GeoNames populated place of the
// embedded data with at least minPopulation inhabitants, in id order,
// until fn returns false (curated sites and areas are not cities), read
// straight from the compressed file without building the index, so that
// a caller that needs only cities (the built-in basemap's labels) does not
// hold the whole gazetteer (about 40 MB of heap at the basemap's 500, against the
// index's 110). Kind is KindCity.
func EmbeddedCities(minPopulation int, fn func(Place) bool) error {
	zr, err := gzip.NewReader(bytes.NewReader(placesGz))
	if err != nil {
		return fmt.Errorf("gazetteer: places: %w", err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		p, _, err := parsePlacesLine(sc.Text())
		if err != nil {
			return fmt.Errorf("gazetteer: places line %d: %w", lineNo, err)
		}
		if p.Population < minPopulation {
			continue
		}
		p.Kind = KindCity
		if !fn(p) {
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("gazetteer: places: %w", err)
	}
	return nil
}
