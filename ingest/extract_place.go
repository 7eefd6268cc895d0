package ingest

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/incidentmap/incidentmap/geo/gazetteer"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

// Toponym is a place name found in the article and how it was resolved.
type Toponym struct {
	// Text is the name as written; Start and End its byte offsets.
	Text       string
	Start, End int
	// Locative is set when the name follows "in", "near", "city of", …;
	// a name without one is accepted only when it matches an important
	// place exactly.
	Locative bool
	// Province is set for "province of X" and "X province".
	Province bool
	// HostCountry is the alpha-3 the words around the name give ("the
	// Iraqi city of Karbala", "Afghanistan's Kabul"), or "".
	HostCountry string
	// IsCountry marks a country named as a place ("in Iraq").
	IsCountry bool
	// Candidates are the places considered, best first after context.
	Candidates []PlaceCandidate
	// Chosen is the index in Candidates of the place used, or -1.
	Chosen int
	// Reason says why Chosen was chosen, or why nothing was.
	Reason string
}

// PlaceCandidate is one possible place of a toponym.
type PlaceCandidate struct {
	Name        string
	GeoNamesID  int64 // negative for curated sites, 0 for a country
	Country     string
	Lon, Lat    float64
	FeatureCode string // GeoNames feature code, or "COUNTRY"
	Precision   string // site, city or country
	Match       string // how the name matched (gazetteer.Match*), "country" for countries
	Population  int
	// Score is the gazetteer's score plus the context bonus in Bonus.
	Score, Bonus float64
}

// Point returns the candidate's location.
func (c PlaceCandidate) Point() orb.Point { return orb.Point{c.Lon, c.Lat} }

// place returns the chosen candidate.
func (t *Toponym) place() (PlaceCandidate, bool) {
	if t.Chosen < 0 || t.Chosen >= len(t.Candidates) {
		return PlaceCandidate{}, false
	}
	return t.Candidates[t.Chosen], true
}

// Words that make a capitalised sequence an organisation, a title or a
// person rather than a place: the whole sequence is dropped.
var orgWords = map[string]bool{
	"minister": true, "ministry": true, "president": true, "foreign": true, "affairs": true, "government": true,
	"council": true, "agency": true, "news": true, "times": true, "department": true, "embassy": true,
	"consulate": true, "consulate-general": true, "consul-general": true, "general": true, "commander": true,
	"director": true, "director-general": true, "spokesman": true, "spokesperson": true, "mission": true,
	"assistance": true, "nations": true, "republic": true, "emirate": true, "convention": true,
	"initiative": true, "taliban": true, "unama": true, "un": true, "nato": true, "isis": true, "isil": true,
	"army": true, "forces": true, "police": true, "party": true, "front": true, "movement": true,
	"twitter": true, "facebook": true, "telegram": true, "tolonews": true, "irna": true, "afp": true, "ani": true,
	"reuters": true, "mehr": true, "content": true, "license": true, "licence": true, "creative": true,
	"commons": true, "international": true, "attribution": true, "ambassador": true, "envoy": true,
	"charge": true, "chargé": true, "special": true, "sayyed": true, "seyyed": true, "imam": true,
	"mohammad": true, "mohammed": true, "ahmad": true, "abdul": true, "amir": true, "saeed": true, "hassan": true,
	"hossein": true, "abu": true, "qasem": true, "read": true, "min": true, "archives": true, "latest": true,
	"parliament": true, "court": true, "university": true, "islamic": true, "state": true, "peace": true,
	"corps": true, "guard": true, "guards": true, "coalition": true, "union": true, "european": true,
}

// leadStop are sentence-initial or function words dropped from the front
// of a capitalised sequence.
var leadStop = map[string]bool{
	"the": true, "a": true, "an": true, "in": true, "on": true, "at": true, "and": true, "but": true,
	"following": true, "after": true, "before": true, "during": true, "while": true, "since": true,
	"this": true, "that": true, "these": true, "those": true, "it": true, "he": true, "she": true,
	"they": true, "we": true, "our": true, "his": true, "her": true, "their": true, "its": true,
	"earlier": true, "later": true, "last": true, "days": true, "hours": true, "separate": true,
	"several": true, "also": true, "recalling": true, "speaking": true, "expressing": true,
	"management": true, "according": true, "if": true, "when": true, "where": true, "as": true,
	"some": true, "many": true, "now": true, "then": true, "there": true, "here": true, "by": true,
	"for": true, "from": true, "with": true, "to": true, "of": true, "recent": true, "rights": true,
	"top": true, "senior": true, "local": true, "both": true, "all": true, "no": true, "not": true,
	"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true,
	"saturday": true, "sunday": true, "january": true, "february": true, "march": true, "april": true,
	"may": true, "june": true, "july": true, "august": true, "september": true, "october": true,
	"november": true, "december": true, "sep": true, "sept": true, "jan": true, "feb": true, "aug": true,
	"oct": true, "nov": true, "dec": true, "tomorrow": true, "today": true, "yesterday": true,
	"god": true, "consul": true, "staff": true, "asian": true, "south": true, "north": true,
}

// locativeWords introduce a place; skippable may stand between them and
// the name ("in the southern Iraqi city of Karbala").
var (
	locativeWords = map[string]bool{"in": true, "near": true, "at": true, "outside": true, "to": true,
		"from": true, "into": true, "across": true, "around": true, "towards": true, "toward": true,
		"inside": true, "over": true, "throughout": true, "between": true, "within": true}
	skippable = map[string]bool{"the": true, "a": true, "holy": true, "city": true, "province": true,
		"capital": true, "town": true, "village": true, "district": true, "northern": true, "southern": true,
		"eastern": true, "western": true, "central": true, "north-western": true, "northwestern": true,
		"north-eastern": true, "northeastern": true, "south-western": true, "southwestern": true,
		"south-eastern": true, "southeastern": true, "border": true, "neighbouring": true,
		"neighboring": true, "high-security": true, "heavily": true, "fortified": true, "of": true,
		"and": true, "provincial": true, "restive": true, "war-torn": true, "capital's": true}
	capitals = map[string]bool{"tehran": true, "moscow": true, "london": true, "washington": true,
		"ankara": true, "islamabad": true, "riyadh": true}
	placeNouns = map[string]bool{"city": true, "province": true, "capital": true, "town": true,
		"village": true, "district": true}
)

// findToponymPhrases returns the candidate place names of a sentence:
// capitalised sequences, cleaned of titles and sentence-initial words, with
// what their surroundings say.
func findToponymPhrases(ws []word) []Toponym {
	var out []Toponym
	for i := 0; i < len(ws); {
		if !isCapitalised(ws[i].text) {
			i++
			continue
		}
		j := i
		for j < len(ws) && isCapitalised(ws[j].text) {
			_, poss := stripPossessive(ws[j].text)
			j++
			if poss {
				break
			}
		}
		seq := ws[i:j]
		next := j
		i = j
		// Drop sentence-initial and function words in front.
		for len(seq) > 0 && leadStop[strings.ToLower(seq[0].text)] {
			seq = seq[1:]
		}
		if len(seq) == 0 || len(seq) > 5 {
			continue
		}
		org := false
		for _, w := range seq {
			base, _ := stripPossessive(w.text)
			if orgWords[strings.ToLower(base)] {
				org = true
			}
		}
		if org {
			continue
		}
		first := seq[0]
		name := joinWords(seq)
		name, _ = stripPossessive(name)
		if isAcronym(name) && countryWords[strings.ToLower(name)] == "" {
			continue
		}
		t := Toponym{Text: name, Start: first.start, End: first.start + len(name), Chosen: -1}
		if next < len(ws) && strings.EqualFold(ws[next].text, "province") {
			t.Province = true
		}
		if next < len(ws) && (strings.EqualFold(ws[next].text, "airport") || strings.EqualFold(ws[next].text, "airbase")) {
			t.Text += " Airport"
			t.End = ws[next].end
		}
		// Look back over skippable words and demonyms for a locative word.
		sawPlaceNoun := false
		for k := wordIndexAt(ws, first.start) - 1; k >= 0 && k >= wordIndexAt(ws, first.start)-7; k-- {
			w := strings.ToLower(ws[k].text)
			base, poss := stripPossessive(w)
			if c, ok := countryWords[base]; ok && isCapitalised(ws[k].text) {
				if t.HostCountry == "" {
					t.HostCountry = c
				}
				if poss { // "Afghanistan's Kabul"
					continue
				}
				continue
			}
			if locativeWords[w] {
				t.Locative = true
				break
			}
			if w == "of" && sawPlaceNoun {
				// "city of", "province of": the noun makes it a place.
				t.Locative = true
				if k > 0 && strings.EqualFold(ws[k-1].text, "province") {
					t.Province = true
				}
				break
			}
			if placeNouns[w] {
				sawPlaceNoun = true
			}
			if !skippable[w] {
				break
			}
		}
		if t.HostCountry != "" && !t.Locative {
			t.HostCountry = "" // a demonym without a place phrase is only an adjective
		}
		key := strings.ToLower(t.Text)
		if c, ok := countryWords[key]; ok && countryPlaces[key] {
			if !t.Locative {
				continue // "Iran launched …": a state as an actor, not a place
			}
			t.IsCountry = true
			t.HostCountry = c
		} else if ok && !(capitals[key] && t.Locative) {
			continue // a demonym, or a capital used as a metonym: "Tehran's"
		}
		out = append(out, t)
	}
	return out
}

func joinWords(ws []word) string {
	var b strings.Builder
	for i, w := range ws {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w.text)
	}
	return b.String()
}

// isAcronym reports whether s is two to five capital letters ("UNAMA").
func isAcronym(s string) bool {
	if len(s) < 2 || len(s) > 6 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// resolver resolves toponyms with the gazetteer and the article's context.
type resolver struct {
	x *Extractor
	// mentioned counts how often each country is named or implied.
	mentioned map[string]int
	// cache holds gazetteer answers per query.
	cache map[string][]gazetteer.Candidate
}

func (r *resolver) search(q gazetteer.Query) []gazetteer.Candidate {
	key := fmt.Sprintf("%s|%s|%v", q.Text, q.Country, q.Near)
	if c, ok := r.cache[key]; ok {
		return c
	}
	if len(r.cache) >= maxSearches {
		return nil
	}
	c := r.x.g.Search(q)
	r.cache[key] = c
	return c
}

// resolve fills Candidates, Chosen and Reason of every toponym, in two
// passes: the first with the countries the article names as hints, the
// second adding the dominant country of the first pass and the centre of
// its places as Near.
func (r *resolver) resolve(tops []Toponym) {
	dominant := ""
	for pass := 1; pass <= 2; pass++ {
		var near *orb.Point
		if pass == 2 {
			dominant, near = r.context(tops)
		}
		for i := range tops {
			t := &tops[i]
			if t.IsCountry {
				if pass == 1 {
					r.resolveCountry(t)
				}
				continue
			}
			r.resolvePlace(t, dominant, near, pass)
		}
	}
}

// context returns the country most of the first-pass places are in, and
// the mean point of those places.
func (r *resolver) context(tops []Toponym) (string, *orb.Point) {
	votes := map[string]int{}
	for _, t := range tops {
		if c, ok := t.place(); ok && !t.IsCountry && t.Locative {
			votes[c.Country]++
		}
	}
	best, n := "", 0
	for c, v := range votes {
		if v > n || v == n && c < best {
			best, n = c, v
		}
	}
	if best == "" {
		return "", nil
	}
	var lon, lat float64
	for _, t := range tops {
		if c, ok := t.place(); ok && !t.IsCountry && t.Locative && c.Country == best {
			lon += c.Lon
			lat += c.Lat
		}
	}
	p := orb.Point{lon / float64(n), lat / float64(n)}
	return best, &p
}

func (r *resolver) resolveCountry(t *Toponym) {
	code := t.HostCountry
	reg, ok := r.x.r.Get(code)
	if !ok {
		t.Reason = "country " + code + " has no boundary"
		return
	}
	name, _ := r.x.g.CountryName(code)
	pt := r.x.centroid(code, reg.Geometry)
	t.Candidates = []PlaceCandidate{{Name: name, Country: code, Lon: pt[0], Lat: pt[1],
		FeatureCode: "COUNTRY", Precision: "country", Match: "country", Score: 1}}
	t.Chosen = 0
	t.Reason = "a country name: the centroid of its boundary stands for it"
}

// resolvePlace searches the gazetteer for t and picks the best candidate
// after the context bonus: +1 when the place is in a country the article
// names, +1.5 more when it is in the host country the words around the
// name give.
func (r *resolver) resolvePlace(t *Toponym, dominant string, near *orb.Point, pass int) {
	q := gazetteer.Query{Text: t.Text, Limit: 8}
	if t.HostCountry != "" {
		q.Country = t.HostCountry
	} else if pass == 2 {
		q.Country = dominant
	}
	if pass == 2 {
		q.Near = near
	}
	cands := r.search(q)
	if len(cands) == 0 && strings.HasSuffix(t.Text, " Airport") {
		q.Text = strings.TrimSuffix(t.Text, " Airport")
		cands = r.search(q)
	}
	t.Candidates = t.Candidates[:0]
	for _, c := range cands {
		bonus := 0.0
		if r.mentioned[c.Country] > 0 {
			bonus += 1
		}
		if t.HostCountry != "" && c.Country == t.HostCountry {
			bonus += 1.5
		}
		t.Candidates = append(t.Candidates, PlaceCandidate{Name: c.Name, GeoNamesID: c.ID, Country: c.Country,
			Lon: c.Lon, Lat: c.Lat, FeatureCode: c.FeatureCode, Precision: c.Precision, Match: c.Match,
			Population: c.Population, Score: c.Score + bonus, Bonus: bonus})
	}
	sort.SliceStable(t.Candidates, func(i, j int) bool { return t.Candidates[i].Score > t.Candidates[j].Score })
	t.Chosen = -1
	if len(t.Candidates) == 0 {
		t.Reason = "no gazetteer match"
		return
	}
	best := t.Candidates[0]
	if !t.Locative && !important(best) {
		t.Reason = fmt.Sprintf("not after a place word, and the best match %s (%s, %s match) is not an important place", best.Name, best.FeatureCode, best.Match)
		return
	}
	t.Chosen = 0
	var why []string
	why = append(why, fmt.Sprintf("highest score %.2f of %d candidates", best.Score, len(t.Candidates)))
	if q.Country != "" {
		why = append(why, "country hint "+q.Country)
	}
	if near != nil {
		why = append(why, fmt.Sprintf("near the article's other places (%.1f km away)", distanceKm(best.Point(), *near)))
	}
	if best.Bonus > 0 {
		why = append(why, fmt.Sprintf("+%.1f for a country the article names", best.Bonus))
	}
	t.Reason = strings.Join(why, "; ")
}

// important reports whether a candidate is a place a bare capitalised
// word may be taken for: an exact name of a capital, a provincial seat, a
// curated site, or a city of 100,000 or more.
func important(c PlaceCandidate) bool {
	if c.Match != gazetteer.MatchName && c.Match != gazetteer.MatchASCII && c.Match != gazetteer.MatchSite {
		return false
	}
	switch c.FeatureCode {
	case "PPLC", "PPLA", "PPLG":
		return true
	}
	return c.Precision == gazetteer.PrecisionSite || c.GeoNamesID < 0 || c.Population >= 100000
}

func distanceKm(a, b orb.Point) float64 { return geo.Distance(a, b) / 1000 }

// round5 rounds to 5 decimals (about 1 m).
func round5(v float64) float64 { return math.Round(v*1e5) / 1e5 }
