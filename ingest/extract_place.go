package ingest

import (
	"fmt"
	"math"
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
	// Candidates are the places considered, best first after the
	// document-level resolution (gazetteer.ResolveDocument).
	Candidates []PlaceCandidate
	// Chosen is the index in Candidates of the place used, or -1.
	Chosen int
	// Reason says why Chosen was chosen, or why nothing was.
	Reason string
}

// PlaceCandidate is one possible place of a toponym.
type PlaceCandidate struct {
	Name        string
	GeoNamesID  int64 // the gazetteer's id: negative for curated sites and areas
	Country     string
	Lon, Lat    float64
	Kind        string // gazetteer.Kind*: city, site, country, admin1, admin2
	Admin1Code  string // GeoNames first-level key ("AF.11"), of a town and of a division alike
	FeatureCode string // GeoNames feature code (PCLI, ADM1, ADM2 for areas)
	Precision   string // site, city, district, province or country
	Match       string // how the name matched (gazetteer.Match*)
	Population  int
	// Score is the gazetteer's score with the context of the other places
	// of the article added.
	Score float64
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

// draftToponyms turns the places the recogniser found and resolved
// together (Extraction.Places) into the toponyms drafting uses, with what
// the words around each say, and lists them per sentence. Drafting keeps
// its own rules on top of the document-level resolution:
//   - a demonym ("Iranian") is an adjective, never an incident's place,
//     and neither is a region or continent;
//   - a country is a place only after "in", "near", … ("in northwestern
//     Afghanistan"); otherwise it is a state acting ("Iran said");
//   - a capital used for its government ("Tehran's response") is no place
//     unless a place word stands before it;
//   - the host country the words give ("the Iraqi city of Karbala",
//     "Afghanistan's Kabul") picks that country's candidate;
//   - a name with no place word before it must be an exact name of an
//     important place (see important).
func (x *Extractor) draftToponyms(sents []sentence, sentWords [][]word, places []gazetteer.Resolved) ([]Toponym, [][]int) {
	tops := make([]Toponym, 0, len(places))
	sentTops := make([][]int, len(sents))
	si := 0
	for _, r := range places {
		if len(tops) >= maxToponyms {
			break
		}
		for si < len(sents) && sents[si].end <= r.Start {
			si++
		}
		if si == len(sents) {
			break
		}
		wi := wordIndexAt(sentWords[si], r.Start)
		if wi >= len(sentWords[si]) {
			continue
		}
		t, ok := x.draftToponym(r, sentWords[si], wi)
		if !ok {
			continue
		}
		sentTops[si] = append(sentTops[si], len(tops))
		tops = append(tops, t)
	}
	return tops, sentTops
}

// draftToponym applies drafting's rules to one resolved place whose first
// word is ws[wi]; ok is false when drafting does not consider it a place.
func (x *Extractor) draftToponym(r gazetteer.Resolved, ws []word, wi int) (Toponym, bool) {
	c, ok := r.Place()
	if !ok || c.Match == gazetteer.MatchDemonym || c.Kind == gazetteer.KindRegion || c.Kind == gazetteer.KindContinent {
		return Toponym{}, false
	}
	t := Toponym{Text: r.Text, Start: r.Start, End: r.End, Chosen: -1, Reason: r.Reason}
	placeContext(&t, ws, wi)
	key := strings.ToLower(t.Text)
	switch {
	case c.Kind == gazetteer.KindCountry && !t.Locative:
		return Toponym{}, false // "Iran launched …": a state as an actor, not a place
	case c.Kind == gazetteer.KindCountry:
		t.IsCountry, t.HostCountry = true, c.Code
	case capitals[key] && !t.Locative:
		return Toponym{}, false // a capital as a metonym: "Tehran's response"
	}
	chosen := r.Chosen
	if t.HostCountry != "" && c.Country != t.HostCountry {
		for k, o := range r.Candidates {
			if o.Country == t.HostCountry && o.Match != gazetteer.MatchDemonym {
				chosen = k
				t.Reason = "the host country the words give (" + t.HostCountry + "); " + t.Reason
				break
			}
		}
	}
	for _, o := range r.Candidates {
		t.Candidates = append(t.Candidates, placeCandidate(o))
	}
	if !t.Locative && !important(t.Candidates[chosen]) {
		b := t.Candidates[chosen]
		t.Reason = fmt.Sprintf("not after a place word, and the best match %s (%s, %s match) is not an important place", b.Name, b.FeatureCode, b.Match)
		return t, true
	}
	t.Chosen = chosen
	return t, true
}

func placeCandidate(c gazetteer.Candidate) PlaceCandidate {
	return PlaceCandidate{Name: c.Name, GeoNamesID: c.ID, Country: c.Country, Lon: c.Lon, Lat: c.Lat,
		Kind: c.Kind, Admin1Code: c.Admin1Code, FeatureCode: c.FeatureCode, Precision: c.Precision, Match: c.Match,
		Population: c.Population, Score: c.Score}
}

// placeContext sets what the words around the toponym starting at ws[wi]
// say: a locative word before it (over skippable words and demonyms), a
// host country, and whether it is called a province.
func placeContext(t *Toponym, ws []word, wi int) {
	last := wi
	for last+1 < len(ws) && ws[last+1].start < t.End {
		last++
	}
	if next := last + 1; next < len(ws) && strings.EqualFold(ws[next].text, "province") ||
		strings.HasSuffix(strings.ToLower(t.Text), " province") {
		t.Province = true
	}
	sawPlaceNoun := false
	for k := wi - 1; k >= 0 && k >= wi-7; k-- {
		w := strings.ToLower(ws[k].text)
		base, _ := stripPossessive(w)
		if c, ok := countryWords[base]; ok && isCapitalised(ws[k].text) {
			if t.HostCountry == "" {
				t.HostCountry = c
			}
			continue // "the Iraqi city of", "Afghanistan's Kabul"
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
}

// countryToponym is a toponym for a country the text implies but does
// not name as a place (the country of "Iraqi bases"): the gazetteer's
// country.
func (x *Extractor) countryToponym(code string, start, end int, text string) (Toponym, bool) {
	t := Toponym{Text: text, Start: start, End: end, HostCountry: code, IsCountry: true, Locative: true, Chosen: -1}
	name, ok := x.g.CountryName(code)
	if !ok {
		return t, false
	}
	for _, c := range x.g.Search(gazetteer.Query{Text: name, Country: code, Limit: 5}) {
		if c.Kind == gazetteer.KindCountry && c.Code == code {
			t.Candidates = []PlaceCandidate{placeCandidate(c)}
			t.Chosen = 0
			t.Reason = "the gazetteer's country " + code
			return t, true
		}
	}
	return t, false
}

// important reports whether a candidate is a place a bare capitalised
// word may be taken for: an exact name of a country, a first- or
// second-level division, a capital, a provincial seat, a curated site, or
// a city of 100,000 or more.
func important(c PlaceCandidate) bool {
	if c.Match != gazetteer.MatchName && c.Match != gazetteer.MatchASCII && c.Match != gazetteer.MatchSite {
		return false
	}
	switch c.Kind {
	case gazetteer.KindCountry, gazetteer.KindAdmin1, gazetteer.KindAdmin2, gazetteer.KindSite:
		return true
	}
	switch c.FeatureCode {
	case "PPLC", "PPLA", "PPLG":
		return true
	}
	return c.Population >= 100000
}

func distanceKm(a, b orb.Point) float64 { return geo.Distance(a, b) / 1000 }

// round5 rounds to 5 decimals (about 1 m).
func round5(v float64) float64 { return math.Round(v*1e5) / 1e5 }
