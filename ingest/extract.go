package ingest

// Article extraction: draft incidents from news text by fixed rules (no
// learning, no network), each field with the evidence it came from.
//
// The rules, in order:
//   - Sentences: split at line breaks and at . ! ? before a capital, digit
//     or opening quote, but not after abbreviations ("U.S.", "Gen.").
//   - Triggers (extract_rules.go) give the event type. Explosions: "suicide
//     …" → Suicide bomb; drone or air strike → Air/drone strike; rockets,
//     Katyusha, missiles, mortars → Shelling/artillery/missile attack; IED,
//     explosive device, roadside bomb → Remote explosive/landmine/IED;
//     grenade → Grenade; explosion, blast, bomb → Explosions/Remote violence
//     with no sub-event type. Gunmen, opened fire, shooting → Violence
//     against civilians / Attack. Takeovers (took over, captured, fell to,
//     handed over) → Strategic developments / Non-violent transfer of
//     territory when any mention of the same place says "without
//     fighting", "handed over", "surrendered"; else Battles / Non-state
//     actor overtakes territory. Violent crowd wording (stormed, torched,
//     set ablaze, burning tyres, stones, rioters) → Riots / Violent
//     demonstration: "torched" is coded as a violent demonstration, not mob
//     violence, because the articles use it of demonstrators, and ACLED
//     keeps Mob violence for crowds with no demonstration. Protesters,
//     demonstrators, rallies → Protests / Peaceful protest unless a mention
//     of the same incident is violent. A bare "attack" says only that
//     something happened: it makes a Riots / Violent demonstration draft
//     when it names a mission at a city ("the attack on the Iranian
//     consulate in Karbala") and otherwise only adds evidence to another
//     draft. General wording ("a series of blasts", "similar attacks") is
//     skipped.
//   - Places (recognise.go, extract_place.go): the toponym recogniser's
//     mentions, resolved all together with the whole article as context
//     (gazetteer.ResolveDocument: "X, Y", areas containing the other
//     places, nearness, the majority country). Drafting keeps a place only
//     when the words allow: demonyms, regions and continents never;
//     countries only after "in", "near", … ("in northwestern
//     Afghanistan"), at country precision; a capital standing for its
//     government ("Tehran's") not; the host country of "the Iraqi city of
//     …" picks that country's candidate; a name not after a place word
//     only when it is an exact name of a country, division, capital,
//     provincial seat, site or city of 100,000.
//   - Each trigger takes the places of the missions named in its sentence
//     ("the Iranian embassy in Kabul and its consulate in … Herat" gives
//     two drafts), else the listed places after a takeover ("captured
//     Herat and Kandahar"), else the place nearest the trigger; an
//     explosion or riot with no place in its sentence takes the last place
//     of the sentence before. Protest, riot and bare attack drafts need a
//     city or site; a country is not enough.
//   - Dates (extract_date.go) against the publication day; dates next to a
//     verb of saying ("said on Tuesday") are the report's and are skipped;
//     the date nearest the trigger wins. A draft with no date takes the
//     date of a draft named in the same sentence, else the week up to
//     publication (precision week), and its evidence says so.
//   - Mentions of one place with compatible type, target country and date
//     are merged into one draft ("the province of Herat" and the town of
//     Herat are one place); the most specific wording and the most
//     precise place win.
//
// Titles and summaries are written from the fields by a template, never
// copied from the text.

import (
	"fmt"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/feature"
	"github.com/incidentmap/incidentmap/geo/gazetteer"
	"github.com/incidentmap/incidentmap/geo/region"
)

// Limits on the work one article may cost.
const (
	// MaxArticleBytes is the largest text Extract accepts.
	MaxArticleBytes = 1 << 20
	// maxSentences and maxToponyms cap what is looked at; text beyond them
	// is ignored.
	maxSentences = 5000
	maxToponyms  = 2000
	// maxSearches caps distinct gazetteer queries per article.
	maxSearches = 400
	// maxDrafts caps the drafts returned.
	maxDrafts = 200
)

// Evidence is where a field of a draft came from: the sentence's byte
// offsets [Start,End) in the article, the short phrase matched, and a note.
type Evidence struct {
	Field      string // "event_type", "location", "occurred", "target", "fatalities", …
	Start, End int    // the sentence, as byte offsets into the article text
	Text       string // the matched phrase, not the whole sentence
	Note       string // the rule applied
}

// Draft is one draft incident with its evidence.
type Draft struct {
	Incident *incidentmap.Incident
	Evidence []Evidence
	// Toponym is the index in Extraction.Toponyms of the place used.
	Toponym int
}

// Extraction is what Extract found in one article.
type Extraction struct {
	Drafts []Draft
	// Toponyms are the place names drafting considered, in text order,
	// each with the candidates considered and the one chosen.
	Toponyms []Toponym
	// Places are every place mention the recogniser found, in text order,
	// resolved together with the whole text as context (offsets, kind,
	// candidates, confidence). Unresolved names are left out.
	Places []gazetteer.Resolved
	// Sentences is the number of sentences read.
	Sentences int
}

// Incidents returns the draft incidents.
func (e Extraction) Incidents() []*incidentmap.Incident {
	out := make([]*incidentmap.Incident, len(e.Drafts))
	for i, d := range e.Drafts {
		out[i] = d.Incident
	}
	return out
}

// FeatureCollection encodes the drafts as a GeoJSON FeatureCollection in
// the wire shape of package feature. Evidence is not included.
func (e Extraction) FeatureCollection() []byte {
	b := []byte(`{"type":"FeatureCollection","features":[`)
	for i, d := range e.Drafts {
		if i > 0 {
			b = append(b, ',')
		}
		b = feature.Append(b, d.Incident)
	}
	return append(b, "]}"...)
}

// Extractor turns article text into draft incidents. Build one with
// NewExtractor; it is safe for concurrent use.
type Extractor struct {
	g *gazetteer.Gazetteer
	r *region.Index
}

// NewExtractor returns an Extractor that resolves places with g and finds
// their country and province with r.
func NewExtractor(g *gazetteer.Gazetteer, r *region.Index) *Extractor {
	return &Extractor{g: g, r: r}
}

// mention is one trigger at one place in one sentence.
type mention struct {
	sent    int // index of the sentence
	trig    triggerHit
	fam     family
	sub     string
	violent bool // riot wording in the sentence
	calm    bool // non-violent takeover wording in the sentence
	place   int  // index into toponyms, or -1
	placeEv string
	tgt     *target
	date    *dateHit
	dead    *count
	hurt    *count
	hurtUnk bool
}

// Extract reads an article published on the day published and returns
// its draft incidents with their evidence. Text longer than
// MaxArticleBytes is an EINVALID error, and so is a zero published; an
// article with no incident wording or no places yields no drafts and no
// error.
func (x *Extractor) Extract(text string, published time.Time) (Extraction, error) {
	if len(text) > MaxArticleBytes {
		return Extraction{}, &incidentmap.Error{Code: incidentmap.EINVALID, Param: "text",
			Message: fmt.Sprintf("ingest: extract: article is %d bytes, more than %d", len(text), MaxArticleBytes)}
	}
	if published.IsZero() {
		return Extraction{}, &incidentmap.Error{Code: incidentmap.EINVALID, Param: "published",
			Message: "ingest: extract: the publication date is required"}
	}
	pub := incidentmap.Day(published)
	sents := splitSentences(text, maxSentences)
	ex := Extraction{Sentences: len(sents)}

	// Every place the recogniser finds, resolved together with the whole
	// text as context; drafting takes its toponyms from them.
	sentWords := make([][]word, len(sents))
	for i, s := range sents {
		sentWords[i] = words(text, s.start, s.end)
	}
	ex.Places = x.places(text, sents)
	var sentTops [][]int
	ex.Toponyms, sentTops = x.draftToponyms(sents, sentWords, ex.Places)

	// Mentions: triggers with their place, target, date and counts.
	var mentions []mention
	var lastDate *dateHit // the last incident date of an earlier sentence
	lastDateSent := -10
	for i, s := range sents {
		hits := findTriggers(text, s)
		dates := findDates(text, s, pub)
		for k := range dates {
			if dates[k].relative {
				if lastDate != nil && i-lastDateSent <= 3 {
					w := lastDate.when
					if dates[k].rel != 0 && w.prec == incidentmap.DateDay {
						w = dayInterval(w.from.AddDate(0, 0, dates[k].rel))
					}
					dates[k].when = w
					dates[k].note = "relative to " + lastDate.when.from.Format("2006-01-02") + " in an earlier sentence"
				} else {
					dates[k].relative = false
					dates[k].reporting = true // unresolved: unusable
					dates[k].when = interval{}
				}
			}
		}
		if len(hits) == 0 {
			continue
		}
		ms := x.sentenceMentions(text, i, s, sentWords[i], hits, &ex.Toponyms, sentTops, dates)
		for _, m := range ms {
			if m.date != nil && !m.date.reporting {
				lastDate, lastDateSent = m.date, i
			}
		}
		if len(ms) == 0 {
			// A dated sentence with a trigger but no place still dates what follows.
			for k := range dates {
				if !dates[k].reporting && !dates[k].when.from.IsZero() {
					lastDate, lastDateSent = &dates[k], i
				}
			}
		}
		mentions = append(mentions, ms...)
	}

	clusters := mergeMentions(mentions, ex.Toponyms)
	for ci, c := range clusters {
		if len(ex.Drafts) >= maxDrafts {
			break
		}
		d, ok := x.draft(text, sents, ex.Toponyms, c, clusters, pub, ci)
		if !ok {
			continue
		}
		d.Incident.ID = fmt.Sprintf("draft-%d", len(ex.Drafts)+1)
		ex.Drafts = append(ex.Drafts, d)
	}
	return ex, nil
}

// dedupePlaces keeps one mention per place.
func dedupePlaces(ms []mention, tops []Toponym) []mention {
	seen := map[int64]bool{}
	out := ms[:0]
	for _, m := range ms {
		c, _ := tops[m.place].place()
		if seen[c.GeoNamesID] {
			continue
		}
		seen[c.GeoNamesID] = true
		out = append(out, m)
	}
	return out
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// cluster is the mentions of one incident.
type cluster struct {
	ms []mention
}

// place returns the incident's place: the most precise place its
// mentions name (the town of Herat over "the province of Herat"), the
// first of equals.
func (c *cluster) place(tops []Toponym) (PlaceCandidate, int, bool) {
	best, bestTop, found := PlaceCandidate{}, -1, false
	for _, m := range c.ms {
		if m.place < 0 {
			continue
		}
		if p, ok := tops[m.place].place(); ok && (!found || precisionRank(p.Precision) < precisionRank(best.Precision)) {
			best, bestTop, found = p, m.place, true
		}
	}
	return best, bestTop, found
}

// precisionRank orders location precisions finest first.
func precisionRank(p string) int {
	for i, q := range incidentmap.LocationPrecisions {
		if string(q) == p {
			return i
		}
	}
	return len(incidentmap.LocationPrecisions)
}

// samePlace reports whether two mentions' places are one place for
// merging: the same place, or a first-level division and a town in it of
// the same name ("the province of Herat" and Herat).
func samePlace(p, q PlaceCandidate, pText, qText string) bool {
	if p.GeoNamesID == q.GeoNamesID && p.Country == q.Country {
		return true
	}
	if p.Kind != gazetteer.KindAdmin1 && q.Kind != gazetteer.KindAdmin1 || p.Kind == q.Kind {
		return false
	}
	return p.Admin1Code != "" && p.Admin1Code == q.Admin1Code && strings.EqualFold(pText, qText)
}

func compatibleFamily(a, b family) bool {
	switch {
	case a == b, a == famAttack || b == famAttack:
		return true
	case (a == famProtest || a == famRiot) && (b == famProtest || b == famRiot):
		return true
	}
	return false
}

// compatible reports whether mention m may join cluster c.
func compatible(c *cluster, m mention, tops []Toponym) bool {
	if m.place >= 0 {
		p, pt, ok := c.place(tops)
		q, _ := tops[m.place].place()
		if !ok || !samePlace(p, q, tops[pt].Text, tops[m.place].Text) {
			return false
		}
	}
	for _, o := range c.ms {
		if !compatibleFamily(o.fam, m.fam) {
			return false
		}
		if o.sub != "" && m.sub != "" && o.sub != m.sub && o.fam == famExplosion {
			return false
		}
		if o.tgt != nil && m.tgt != nil && o.tgt.country != "" && m.tgt.country != "" && o.tgt.country != m.tgt.country && m.fam != famTakeover {
			return false
		}
		if o.date != nil && m.date != nil && !o.date.when.intersects(m.date.when) {
			return false
		}
	}
	return true
}

// mergeMentions groups mentions into incidents: each placed mention joins
// the first compatible incident at the same place or starts one; a mention
// with no place joins the nearest earlier compatible incident with the
// same target country, or is dropped. Bare attacks and protests start no
// incident without a city.
func mergeMentions(ms []mention, tops []Toponym) []*cluster {
	var cs []*cluster
	for _, m := range ms {
		if m.place < 0 {
			for k := len(cs) - 1; k >= 0; k-- {
				c := cs[k]
				if compatible(c, m, tops) && hasTargetCountry(c, m.tgt.country) {
					c.ms = append(c.ms, m)
					break
				}
			}
			continue
		}
		joined := false
		for _, c := range cs {
			if compatible(c, m, tops) {
				c.ms = append(c.ms, m)
				joined = true
				break
			}
		}
		if !joined {
			cs = append(cs, &cluster{ms: []mention{m}})
		}
	}
	// Drop incidents that rest only on weak wording without a city.
	out := cs[:0]
	for _, c := range cs {
		p, _, _ := c.place(tops)
		strong := false
		for _, m := range c.ms {
			if m.fam == famExplosion || m.fam == famRiot || m.fam == famTakeover || m.fam == famArmed || m.tgt != nil && m.tgt.placeAt >= 0 {
				strong = true
			}
			if m.fam == famProtest && p.Precision != "country" {
				strong = true
			}
		}
		if strong && (p.Precision != "country" || c.ms[0].fam == famExplosion) {
			out = append(out, c)
		}
	}
	return out
}

func hasTargetCountry(c *cluster, country string) bool {
	for _, m := range c.ms {
		if m.tgt != nil && m.tgt.country == country {
			return true
		}
	}
	return false
}

// siblingDate returns the date of another incident named in one of c's
// sentences with the same family of trigger.
func siblingDate(c *cluster, all []*cluster, ci int) (*dateHit, int, bool) {
	for _, m := range c.ms {
		for k, o := range all {
			if k == ci {
				continue
			}
			shares := false
			for _, om := range o.ms {
				if om.sent == m.sent && compatibleFamily(om.fam, m.fam) {
					shares = true
				}
			}
			if !shares {
				continue
			}
			for _, om := range o.ms {
				if om.date != nil {
					return om.date, om.sent, true
				}
			}
		}
	}
	return nil, 0, false
}

func precRank(p incidentmap.DatePrecision) int {
	for i, q := range incidentmap.DatePrecisions {
		if p == q {
			return i
		}
	}
	return len(incidentmap.DatePrecisions)
}

func familyName(f family) string {
	switch f {
	case famAttack:
		return "an attack (type from other wording)"
	case famProtest:
		return "a protest"
	case famRiot:
		return "violent crowd action"
	case famTakeover:
		return "a takeover of territory"
	case famArmed:
		return "an armed attack"
	case famExplosion:
		return "an explosion"
	}
	return "none"
}

// placeLabel is the place as the title names it: the gazetteer's ASCII
// spelling for a city, the text's for a site or country.
func placeLabel(p PlaceCandidate, t Toponym) string {
	if p.Precision == "country" {
		return p.Name
	}
	return t.Text
}

// facilityCity is the town a mission is in: the admin1 name for a site
// (the Green Zone is in Baghdad), else the place as written.
func facilityCity(inc *incidentmap.Incident, t Toponym) string {
	if inc.LocationPrecision == incidentmap.LocationSite && inc.Admin1Name != "" {
		return inc.Admin1Name
	}
	return t.Text
}

// countryLabel puts "the" before names that take it.
func countryLabel(name string) string {
	if strings.HasPrefix(name, "United ") || strings.HasPrefix(name, "Russian ") {
		return "the " + name
	}
	return name
}

var subLabels = map[string]string{
	incidentmap.SubEventAttack:             "Armed attack",
	incidentmap.SubEventSuicideBomb:        "Suicide bombing",
	incidentmap.SubEventAirDroneStrike:     "Air or drone strike",
	incidentmap.SubEventShelling:           "Rocket or missile attack",
	incidentmap.SubEventRemoteExplosive:    "IED attack",
	incidentmap.SubEventGrenade:            "Grenade attack",
	incidentmap.SubEventNonViolentTransfer: "Non-violent takeover",
	incidentmap.SubEventNonStateOvertakes:  "Capture by a non-state group",
	incidentmap.SubEventPeacefulProtest:    "Protest",
}

// describe writes a title and summary from the fields, in our words.
func describe(inc *incidentmap.Incident, p PlaceCandidate, t Toponym, g *gazetteer.Gazetteer) (title, summary string) {
	label := subLabels[inc.SubEventType]
	switch {
	case inc.EventType == incidentmap.EventTypeRiots:
		label = "Riots"
	case label == "" && inc.EventType == incidentmap.EventTypeExplosions:
		label = "Explosion"
	case label == "":
		label = inc.EventType
	}
	where := placeLabel(p, t)
	country, _ := g.CountryName(inc.Country)
	if inc.Facility != "" && inc.EventType != incidentmap.EventTypeBattles && inc.EventType != incidentmap.EventTypeDevelopment {
		title = label + " at the " + inc.Facility
	} else if p.Precision == "country" {
		title = label + " in " + where
	} else {
		title = label + " in " + where
		if country != "" && country != where {
			title += ", " + country
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Draft from article text, to be reviewed. %s: %s", inc.EventType, strings.ToLower(label))
	if inc.Admin1Name != "" {
		fmt.Fprintf(&b, " in %s (%s, %s)", where, inc.Admin1Name, country)
	} else {
		fmt.Fprintf(&b, " in %s", where)
	}
	if inc.DatePrecision == incidentmap.DateDay {
		fmt.Fprintf(&b, " on %s.", inc.OccurredStart.Format("2 January 2006"))
	} else {
		fmt.Fprintf(&b, " between %s and %s (%s precision).", inc.OccurredStart.Format("2 January 2006"),
			inc.OccurredEnd.Format("2 January 2006"), inc.DatePrecision)
	}
	if inc.TargetType != "" && inc.TargetType != incidentmap.TargetOther {
		fmt.Fprintf(&b, " Target: %s", strings.ReplaceAll(string(inc.TargetType), "_", " "))
		if n, ok := g.CountryName(inc.TargetCountry); ok {
			fmt.Fprintf(&b, " of %s", n)
		}
		b.WriteString(".")
	}
	if inc.Fatalities != nil {
		fmt.Fprintf(&b, " Reported dead: %d.", *inc.Fatalities)
	}
	if inc.Injuries != nil {
		fmt.Fprintf(&b, " Reported injured: %d.", *inc.Injuries)
	}
	return title, b.String()
}
