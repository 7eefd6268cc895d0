package gazetteer

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

// Limits on a query. Search truncates longer text to MaxQueryBytes (at a
// character boundary) and clamps Limit; Validate rejects both.
const (
	MaxQueryBytes = 200
	DefaultLimit  = 10
	MaxLimit      = 100
	// maxHints is how many comma-separated hints after the name are used.
	maxHints = 3
	// maxPostings bounds the places looked at per key, so that a very
	// common name costs bounded work.
	maxPostings = 5000
)

// Match kinds reported in Candidate.Match.
const (
	MatchName      = "name"      // the GeoNames primary name
	MatchASCII     = "ascii"     // the GeoNames ASCII name
	MatchAlternate = "alternate" // a GeoNames alternate name
	MatchSite      = "site"      // a name or alternate of a curated site
	MatchFuzzy     = "fuzzy"     // a Latin name one or two letters off
	MatchDemonym   = "demonym"   // a country's demonym: "Iraqi" for Iraq
)

// Precisions reported in Candidate.Precision; they are values of the
// incidentmap LocationPrecision scale. A region or continent reports
// PrecisionCountry: it is at best as precise as a country.
const (
	PrecisionSite     = "site"
	PrecisionCity     = "city"
	PrecisionDistrict = "district"
	PrecisionProvince = "province"
	PrecisionCountry  = "country"
)

// Query is a forward geocoding request.
type Query struct {
	// Text is a place name, optionally followed by comma-separated hints
	// that each must match the candidate's country (English name, alias or
	// alpha-3) or its first-order division (name or GeoNames code):
	// "Green Zone, Baghdad", "Herat, Afghanistan", "Springfield, IL".
	Text string
	// Country is an ISO 3166-1 alpha-3 code whose places are preferred; it
	// boosts them but does not exclude others.
	Country string
	// Near, when not nil, prefers places close to this point.
	Near *orb.Point
	// Limit is the most candidates returned; 0 means DefaultLimit.
	Limit int
}

// QueryError is a query Validate rejects; Field names the part at fault.
type QueryError struct {
	Field   string
	Problem string
}

// Error returns "gazetteer: query FIELD: PROBLEM".
func (e *QueryError) Error() string {
	return "gazetteer: query " + e.Field + ": " + e.Problem
}

// Validate reports the first problem of q as a *QueryError, for callers
// that reject bad input rather than let Search truncate and clamp it.
func (q Query) Validate() error {
	switch {
	case len(q.Text) > MaxQueryBytes:
		return &QueryError{"text", fmt.Sprintf("is %d bytes, more than %d", len(q.Text), MaxQueryBytes)}
	case !utf8.ValidString(q.Text):
		return &QueryError{"text", "is not valid UTF-8"}
	case hasControl(q.Text):
		return &QueryError{"text", "contains control characters"}
	case normalize(nameOf(q.Text)) == "":
		return &QueryError{"text", "has no letters or digits"}
	case mixedScripts(nameOf(q.Text)) != "":
		return &QueryError{"text", "mixes scripts (" + mixedScripts(nameOf(q.Text)) + ") in one name; send one spelling"}
	case q.Limit < 0 || q.Limit > MaxLimit:
		return &QueryError{"limit", fmt.Sprintf("must be 0 to %d, got %d", MaxLimit, q.Limit)}
	case q.Country != "" && !isAlpha3(q.Country):
		return &QueryError{"country", fmt.Sprintf("must be an ISO 3166-1 alpha-3 code, got %q", q.Country)}
	case q.Near != nil && !validPoint(*q.Near):
		return &QueryError{"near", "must be a longitude in [-180,180] and a latitude in [-90,90]"}
	}
	return nil
}

// Candidate is one possible place for a query.
type Candidate struct {
	Place
	// Score ranks candidates; see the package comment for the formula.
	Score float64
	// Match says which name matched: MatchName, MatchASCII,
	// MatchAlternate, MatchSite or MatchFuzzy.
	Match string
	// Precision is PrecisionSite for curated sites and PrecisionCity for
	// populated places.
	Precision string
}

// found is a place matched by a query, before scoring.
type found struct {
	place int32
	kind  uint8
	fuzzy uint8 // edit distance of a fuzzy match, 0 otherwise
}

// Search returns the candidates for q, best first. An empty query, or one
// with no letters or digits, has no candidates. Text beyond MaxQueryBytes
// is cut off, invalid UTF-8 bytes and control characters are dropped, and
// Limit is clamped to [1, MaxLimit], so the work per call is bounded
// whatever the input. A Latin name with no exact match is looked up
// fuzzily (MatchFuzzy).
func (g *Gazetteer) Search(q Query) []Candidate {
	text := truncate(strings.ToValidUTF8(truncate(q.Text, MaxQueryBytes), ""), MaxQueryBytes)
	name, rest, _ := cutHint(text)
	key := g.dropThe(normalize(name))
	if key == "" {
		return nil
	}
	var hints []string
	for rest != "" && len(hints) < maxHints {
		var h string
		h, rest, _ = cutHint(rest)
		if k := normalize(h); k != "" {
			hints = append(hints, k)
		}
	}

	hits := make([]found, 0, 64)
	hits = g.lookup(hits, key, 0)
	if stripped, ok := stripArticle(key); ok {
		hits = g.lookup(hits, stripped, kindArticle)
	}
	// "Helmand province", "Kano State": the bare name, divisions only.
	division := false
	if bare := dropDivisionWord(key); bare != key {
		division = true
		n := len(hits)
		hits = g.lookup(hits, bare, 0)
		kept := hits[:n]
		for _, h := range hits[n:] {
			if k := g.records[h.place].kind; k == kAdmin1 || k == kAdmin2 || k == kRegion {
				kept = append(kept, h)
			}
		}
		hits = kept
	}
	if !division {
		hits = g.addCapitals(hits, key)
	}
	if len(hits) == 0 {
		hits = g.lookupPlural(hits, key)
	}
	if len(hits) == 0 {
		hits = g.lookupFuzzy(hits, key)
	}

	country := g.countryIndex(strings.ToUpper(q.Country))
	var near *orb.Point
	if q.Near != nil && validPoint(*q.Near) {
		near = q.Near
	}
	// Score the compact records; only the candidates returned are built.
	ss := make([]scored, 0, len(hits))
	for _, h := range hits {
		if !g.matchesHints(h.place, hints) {
			continue
		}
		ss = append(ss, scored{h: h, score: g.scoreRecord(h, country, near), id: g.records[h.place].id})
	}
	if !division {
		g.namedForCapital(ss)
	}
	slices.SortFunc(ss, byRank)
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	ss = ss[:min(len(ss), limit, MaxLimit)]
	out := make([]Candidate, len(ss))
	for i, sc := range ss {
		c := &out[i]
		g.placeInto(&c.Place, sc.h.place)
		c.Score, c.Match, c.Precision = sc.score, matchName(sc.h), c.Place.Precision()
	}
	return out
}

// byRank orders scored hits best first, ties to the lower id. Scores are
// never NaN (importance and bonuses are finite), so plain comparisons do.
func byRank(a, b scored) int {
	switch {
	case a.score > b.score:
		return -1
	case a.score < b.score:
		return 1
	case a.id < b.id:
		return -1
	case a.id > b.id:
		return 1
	}
	return 0
}

// scored is a hit with its score, before it is built into a Candidate.
type scored struct {
	h     found
	score float64
	id    int64
}

// lookup appends the places under key, keeping one entry per place with
// the better match; flag is or-ed onto each kind. A key lists each place
// once, so only places already in hits can repeat.
func (g *Gazetteer) lookup(hits []found, key string, flag uint8) []found {
	head, ok := g.exact[key]
	if !ok {
		return hits
	}
	var seen map[int32]int
	if len(hits) > 0 {
		seen = make(map[int32]int, len(hits))
		for j, h := range hits {
			seen[h.place] = j
		}
	}
	for i, n := head, 0; i >= 0 && n < maxPostings; i, n = g.postings[i].next, n+1 {
		ps := g.postings[i]
		kind := ps.kind | flag
		if j, ok := seen[ps.place]; ok {
			if matchWeight(kind) > matchWeight(hits[j].kind) {
				hits[j].kind = kind
			}
			continue
		}
		hits = append(hits, found{place: ps.place, kind: kind})
	}
	return hits
}

// dropThe removes a leading "the" from key unless the name with it is
// known ("The Hague"): news writes "the Gambia", "the Philippines", "the
// United States", and the gazetteer lists them without it.
func (g *Gazetteer) dropThe(key string) string {
	rest, ok := strings.CutPrefix(key, "the ")
	if !ok || rest == "" {
		return key
	}
	if _, known := g.exact[key]; known {
		return key
	}
	return rest
}

// lookupPlural appends, for a key ending in "s" that matched nothing, the
// countries whose name or demonym is key without the "s": "Afghans",
// "Americans", "Saudis" name their country as "Afghan" does. Only
// countries are taken, so a plural never reaches a town.
func (g *Gazetteer) lookupPlural(hits []found, key string) []found {
	stem, ok := strings.CutSuffix(key, "s")
	if !ok || len(stem) < 4 {
		return hits
	}
	n := len(hits)
	hits = g.lookup(hits, stem, 0)
	kept := hits[:n]
	for _, h := range hits[n:] {
		if g.records[h.place].kind == kCountry {
			kept = append(kept, h)
		}
	}
	return kept
}

// lookupFuzzy appends the places whose name or ASCII name has key's
// skeleton and is at most two edits from key.
func (g *Gazetteer) lookupFuzzy(hits []found, key string) []found {
	s := skeleton(key)
	if s == "" {
		return hits
	}
	head, ok := g.fuzzy[s]
	if !ok {
		return hits
	}
	for i, n := head, 0; i >= 0 && n < maxPostings; i, n = g.postings[i].next, n+1 {
		ps := g.postings[i]
		if g.records[ps.place].imp < minFuzzyImportance {
			continue
		}
		p := g.place(ps.place)
		d := min(editDistance(key, normalize(p.Name), 2), editDistance(key, normalize(p.ASCIIName), 2))
		if d == 0 || d > maxEdits(key) {
			continue
		}
		hits = append(hits, found{place: ps.place, kind: kindName, fuzzy: uint8(d)})
	}
	return hits
}

// addCapitals adds, for each first-level division among hits, the towns
// of that division bearing its primary name, so that namedForCapital can
// weigh them: "Hirat" is an alternate of Herat province only, yet means
// the city of Herat.
func (g *Gazetteer) addCapitals(hits []found, key string) []found {
	n := len(hits)
	var have map[int32]bool
	for _, h := range hits[:min(n, 8)] {
		r := &g.records[h.place]
		if r.kind != kAdmin1 {
			continue
		}
		name := normalize(g.place(h.place).Name)
		if name == key {
			continue // its towns of that name are among the hits already
		}
		if have == nil {
			have = make(map[int32]bool, n)
			for _, f := range hits {
				have[f.place] = true
			}
		}
		head, ok := g.exact[name]
		for i, k := head, 0; ok && i >= 0 && k < maxPostings; i, k = g.postings[i].next, k+1 {
			ps := g.postings[i]
			if c := &g.records[ps.place]; c.kind == kCity && c.admin1 == r.admin1 && !have[ps.place] {
				have[ps.place] = true
				hits = append(hits, found{place: ps.place, kind: kindAlternate})
			}
		}
	}
	return hits
}

// minFuzzyImportance is the least Importance a fuzzy match must have: a
// misspelt name is taken for a well-known place ("Hirat" for Herat), never
// for a village that happens to be a letter off ("Ituri" is not Itri).
const minFuzzyImportance = 3.0

// maxEdits is the most letters a fuzzy match may differ by: one for a
// name shorter than 8 letters ("Hirat" for "Herat"), two for longer ones.
// Two edits in a short name reach unrelated places ("Lanexa" → "Lanxi").
func maxEdits(key string) int {
	if len(key) < 8 {
		return 1
	}
	return 2
}

// matchesHints reports whether every hint names the country or the
// first-order division of record i.
func (g *Gazetteer) matchesHints(i int32, hints []string) bool {
	if len(hints) == 0 {
		return true
	}
	r := &g.records[i]
	country, a := g.strs[r.country], &g.admin1s[r.admin1]
	for _, h := range hints {
		if !g.matchesHint(country, a, h) {
			return false
		}
	}
	return true
}

func (g *Gazetteer) matchesHint(country string, a *admin1, hint string) bool {
	if g.countryByKey[hint] == country {
		return true
	}
	if a.code == "" {
		return false
	}
	_, code, _ := strings.Cut(a.code, ".")
	if strings.EqualFold(code, hint) {
		return true
	}
	if a.key == "" {
		return false
	}
	k, hint := dropDivisionWord(a.key), dropDivisionWord(hint)
	if k == hint {
		return true
	}
	sk, _ := stripArticle(k)
	sh, _ := stripArticle(hint)
	return sk == sh
}

// dropDivisionWord removes a trailing word such as "province" from a
// normalised division name, so that "Baghdad Governorate" matches "Baghdad".
func dropDivisionWord(key string) string {
	for _, w := range [...]string{" province", " governorate", " state", " region", " oblast", " county", " district", " wilayah", " velayat", " prefecture", " department", " parish"} {
		if s, ok := strings.CutSuffix(key, w); ok && s != "" {
			return s
		}
	}
	return key
}

func matchWeight(kind uint8) float64 {
	var w float64
	switch kind &^ kindArticle {
	case kindName, kindSite:
		w = 1.0
	case kindASCII:
		w = 0.9
	case kindDemonym:
		w = 0.8
	default:
		w = 0.6
	}
	if kind&kindArticle != 0 {
		w -= 0.3
	}
	return w
}

// kindWeight is the importance a reader gives a place for its kind: a
// country or continent is meant by its name over any town of that name,
// a state or province over all but a large city, a county over a village.
// Towns get the GeoNames feature weight.
func kindWeight(p *Place) float64 {
	switch p.Kind {
	case KindCountry, KindContinent:
		return 6.0
	case KindRegion:
		return 4.5
	case KindAdmin1:
		return 2.5
	case KindAdmin2:
		return 1.0
	case KindSite:
		return 2.0
	}
	switch p.FeatureCode {
	case "PPLC":
		return 1.5
	case "PPLG":
		return 1.2
	case "PPLA":
		return 1.0
	case "PPLA2":
		return 0.6
	case "PPLA3":
		return 0.4
	case "PPLA4", "PPLA5":
		return 0.3
	case "PPLX":
		return -0.2
	case "PPLH", "PPLQ", "PPLW", "PPLCH":
		return -1.0
	}
	return 0
}

// Importance is the part of the score that does not depend on the query:
// kindWeight + 0.5·log10(1 + population).
func Importance(p *Place) float64 {
	return kindWeight(p) + 0.5*math.Log10(1+float64(p.Population))
}

// fuzzyPenalty is taken off a fuzzy match so that it never outranks an
// exact match of another place: it exceeds the largest importance any
// place has (a country of 1.4 billion, about 10.6) plus the match weight,
// so the best fuzzy score stays below the worst exact one.
const fuzzyPenalty = 12.0

// countryHintBonus is added for a place in Query.Country. It exceeds the
// gap between a country's kind weight and a first-level division's (6.0 −
// 2.5), so that the hinted country's own division wins over a foreign
// country of the same name: "Georgia" with country USA is the state.
const countryHintBonus = 4.0

func score(p *Place, h found, country string, near *orb.Point) float64 {
	s := hitWeight(h) + Importance(p)
	if country != "" && p.Country == country {
		s += countryHintBonus
	}
	if near != nil {
		s += nearBonus(kmTo(p, *near))
	}
	return s
}

// nearBonus is the proximity part of the score for a place km from
// Query.Near.
func nearBonus(km float64) float64 { return 2 / (1 + km/100) }

// hitWeight is the match part of the score.
func hitWeight(h found) float64 {
	if h.fuzzy > 0 {
		return 0.6 - 0.2*float64(h.fuzzy) - fuzzyPenalty
	}
	return matchWeight(h.kind)
}

// noCountry is the countryIndex of no country hint, or of one no place has.
const noCountry = -1

// countryIndex returns the index in g.strs of an alpha-3 code, or
// noCountry.
func (g *Gazetteer) countryIndex(code string) int {
	if !isAlpha3(code) {
		return noCountry
	}
	if i, ok := g.strIdx[code]; ok {
		return int(i)
	}
	return noCountry
}

// scoreRecord is score computed from the compact record of h, with the
// precomputed importance: it equals score(&p, h, …) for the expanded place
// p, without building p.
func (g *Gazetteer) scoreRecord(h found, country int, near *orb.Point) float64 {
	r := &g.records[h.place]
	s := hitWeight(h) + r.imp
	if country != noCountry && int(r.country) == country {
		s += countryHintBonus
	}
	if near != nil {
		var km float64
		if a := g.area(h.place); a != nil && a.hasBound && a.bound.Contains(*near) {
			km = 0
		} else {
			km = geo.Distance(*near, orb.Point{r.lon, r.lat}) / 1000
		}
		s += nearBonus(km)
	}
	return s
}

// kmTo is the distance from pt to p: to its point, or for an area with a
// box, to the box (0 inside it).
func kmTo(p *Place, pt orb.Point) float64 {
	if p.Bound != nil && p.Bound.Contains(pt) {
		return 0
	}
	return geo.Distance(pt, p.Point()) / 1000
}

// capitalShare is the share of a division's population its same-named
// town must have for the name alone to mean the town.
const capitalShare = 0.2

// namedForCapital lifts a town above the first-level division named after
// it ("Herat", "Basra", "Kano", "New York") when the town lies in that
// division and holds at least capitalShare of its population: a reader
// takes the bare name for the town, and says "Herat province" for the
// province. A division far larger than its namesake town ("Quebec") keeps
// its rank.
func (g *Gazetteer) namedForCapital(ss []scored) {
	for i := range ss {
		a := &g.records[ss[i].h.place]
		if a.kind != kAdmin1 || a.admin1 == 0 {
			continue
		}
		for j := range ss {
			c := &g.records[ss[j].h.place]
			// Towns and divisions share the admin1 table by GeoNames key.
			if c.kind != kCity || c.admin1 != a.admin1 || ss[j].h.fuzzy > 0 && ss[i].h.fuzzy == 0 {
				continue
			}
			if float64(c.pop) >= capitalShare*float64(a.pop) && ss[j].score <= ss[i].score {
				ss[j].score = ss[i].score + 0.1
			}
		}
	}
}

func matchName(h found) string {
	switch {
	case h.fuzzy > 0:
		return MatchFuzzy
	}
	switch h.kind &^ kindArticle {
	case kindName:
		return MatchName
	case kindSite:
		return MatchSite
	case kindASCII:
		return MatchASCII
	case kindDemonym:
		return MatchDemonym
	}
	return MatchAlternate
}

// Precision is the incidentmap location precision of p: site, city,
// district (a county), province (a first-level division) or country (a
// country, region or continent).
func (p Place) Precision() string {
	switch p.Kind {
	case KindSite:
		return PrecisionSite
	case KindAdmin2:
		return PrecisionDistrict
	case KindAdmin1:
		return PrecisionProvince
	case KindCountry, KindRegion, KindContinent:
		return PrecisionCountry
	}
	return PrecisionCity
}

// hasControl reports a control character (C0, DEL or C1) in s.
func hasControl(s string) bool {
	for _, r := range s {
		if r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return true
		}
	}
	return false
}

// scripts are the writing systems mixedScripts tells apart; Han, kana and
// Hangul count as one, as Japanese and Korean names mix them.
var scripts = []struct {
	name   string
	tables []*unicode.RangeTable
}{
	{"Latin", []*unicode.RangeTable{unicode.Latin}},
	{"Arabic", []*unicode.RangeTable{unicode.Arabic}},
	{"Cyrillic", []*unicode.RangeTable{unicode.Cyrillic}},
	{"Greek", []*unicode.RangeTable{unicode.Greek}},
	{"Hebrew", []*unicode.RangeTable{unicode.Hebrew}},
	{"CJK", []*unicode.RangeTable{unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul}},
	{"Devanagari", []*unicode.RangeTable{unicode.Devanagari}},
}

// mixedScripts returns "A and B" when the letters of s come from two
// writing systems (a name is written in one: "Herat" or "هرات", never
// "Herهرات"), and "" otherwise.
func mixedScripts(s string) string {
	first := ""
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		for _, sc := range scripts {
			if unicode.In(r, sc.tables...) {
				if first == "" {
					first = sc.name
				} else if sc.name != first {
					return first + " and " + sc.name
				}
				break
			}
		}
	}
	return ""
}

// cutHint splits s at its first comma (Latin or Arabic).
func cutHint(s string) (before, after string, found bool) {
	i := strings.IndexAny(s, ",،")
	if i < 0 {
		return s, "", false
	}
	_, size := utf8.DecodeRuneInString(s[i:])
	return s[:i], s[i+size:], true
}

func nameOf(text string) string {
	name, _, _ := cutHint(text)
	return name
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isAlpha3(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func validPoint(p orb.Point) bool {
	return p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90
}

// maxKnownPostings bounds the places Known looks at per name.
const maxKnownPostings = 300

// Known reports whether name (no hints) is exactly the name, alternate or
// demonym (or a plural demonym) of some place, and the highest Importance
// among those places
// and whether that best one is an area. It is the cheap test a toponym
// recogniser asks before it resolves anything.
func (g *Gazetteer) Known(name string) (importance float64, area, ok bool) {
	key := normalize(truncate(name, MaxQueryBytes))
	if key == "" {
		return 0, false, false
	}
	importance = math.Inf(-1)
	head, found := g.exact[key]
	for i, n := head, 0; found && i >= 0 && n < maxKnownPostings; i, n = g.postings[i].next, n+1 {
		r := &g.records[g.postings[i].place]
		if r.imp > importance {
			importance, area = r.imp, r.kind != kCity && r.kind != kSite
		}
		ok = true
	}
	if !ok { // "Americans": a plural demonym, as Search reads it
		for _, h := range g.lookupPlural(nil, key) {
			if r := &g.records[h.place]; r.imp > importance {
				importance, area, ok = r.imp, true, true
			}
		}
	}
	return importance, area, ok
}
