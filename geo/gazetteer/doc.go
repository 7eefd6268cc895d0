package gazetteer

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

// Limits on a document resolution.
const (
	// MaxMentions is the most names ResolveDocument takes.
	MaxMentions = 500
	// MaxDocumentBytes is the longest text ResolveDocument reads.
	MaxDocumentBytes = 100_000
	// docCandidates is how many candidates each name keeps.
	docCandidates = 8
)

// Context bonuses of ResolveDocument, added to a candidate's Search score.
const (
	// bonusContains rewards an area that contains a place another name of
	// the document resolved to (Georgia when Atlanta is named).
	bonusContains = 3.0
	// bonusInside rewards a place that lies in an area the document names
	// (Dublin when Ohio is named). A country named only by its demonym
	// ("Mexican authorities") says who acts, not where, and gives none.
	bonusInside = 3.0
	// bonusNear is the most a place gets for being close to the other
	// places: bonusNear/(1 + d/300 km) for the nearest of them.
	bonusNear = 1.5
	// bonusCountry rewards a place in the country most of the other names
	// resolved to.
	bonusCountry = 1.0
)

// Mention is one place name in a document, with its byte offsets in the
// document's text (both 0 when there is no text).
type Mention struct {
	Text       string
	Start, End int
}

// Document is a set of names to resolve together.
type Document struct {
	Mentions []Mention
	// Text is the document the names come from; when given, "X, Y"
	// patterns in it narrow X by Y ("Springfield, Illinois").
	Text string
	// Country is the publication's country (ISO 3166-1 alpha-3), preferred
	// as Query.Country is.
	Country string
	// Near is the publication's location, preferred as Query.Near is.
	Near *orb.Point
}

// Resolved is a mention and what it resolved to.
type Resolved struct {
	Mention
	// Candidates are the places considered, best first after context;
	// their Score includes the context bonus.
	Candidates []Candidate
	// Chosen is the index of the chosen candidate, or -1.
	Chosen int
	// Confidence is in (0, 1): how far the chosen candidate's score is
	// ahead of the next, squashed by a logistic curve (1 with no rival).
	Confidence float64
	// Reason says why Chosen was chosen, or why nothing was.
	Reason string
}

// Place returns the chosen candidate.
func (r Resolved) Place() (Candidate, bool) {
	if r.Chosen < 0 || r.Chosen >= len(r.Candidates) {
		return Candidate{}, false
	}
	return r.Candidates[r.Chosen], true
}

// ResolveDocument resolves every mention of d together: each name is
// searched on its own (with "X, Y" hints and d's Country and Near), then
// two rounds re-rank each name's candidates with what the other names
// resolved to: an area containing another place, a place inside a named
// area, closeness to the other places and their majority country. The
// bonuses are the bonus* constants; they add to the Search score, so a
// country still beats a same-named village unless the document says
// otherwise. Mentions beyond MaxMentions and text beyond MaxDocumentBytes
// are ignored.
func (g *Gazetteer) ResolveDocument(d Document) []Resolved {
	ms := d.Mentions
	if len(ms) > MaxMentions {
		ms = ms[:MaxMentions]
	}
	text := truncate(d.Text, MaxDocumentBytes)
	out := make([]Resolved, len(ms))
	for i, m := range ms {
		out[i] = Resolved{Mention: m, Chosen: -1}
		q := Query{Text: m.Text, Country: d.Country, Near: d.Near, Limit: docCandidates}
		if hint, ok := commaHint(text, m, ms); ok {
			hq := q
			hq.Text = m.Text + ", " + hint
			if c := g.Search(hq); len(c) > 0 {
				out[i].Candidates = c
				out[i].Reason = "narrowed by the name after the comma (" + hint + ")"
			}
		}
		if out[i].Candidates == nil && divisionCue(text, m) {
			dq := q
			dq.Text = m.Text + " province"
			if c := g.Search(dq); len(c) > 0 {
				out[i].Candidates = c
				out[i].Reason = "the text calls it a division"
			}
		}
		if out[i].Candidates == nil {
			out[i].Candidates = g.Search(q)
		}
		if len(out[i].Candidates) > 0 {
			out[i].Chosen = 0
		}
	}
	base := make([][]float64, len(out))
	for i := range out {
		for _, c := range out[i].Candidates {
			base[i] = append(base[i], c.Score)
		}
	}
	for round := 0; round < 2; round++ {
		chosen := make([]*Candidate, len(out))
		for i := range out {
			if c, ok := out[i].Place(); ok {
				chosen[i] = &c
			}
		}
		for i := range out {
			best, bestScore := -1, math.Inf(-1)
			for j := range out[i].Candidates {
				c := &out[i].Candidates[j]
				c.Score = base[i][j] + contextBonus(c, i, chosen)
				if c.Score > bestScore {
					best, bestScore = j, c.Score
				}
			}
			out[i].Chosen = best
		}
	}
	for i := range out {
		finish(&out[i], base[i])
	}
	return out
}

// commaHint returns the name right after m in the text when it follows a
// comma ("Dublin, Ohio"), and is another mention.
func commaHint(text string, m Mention, ms []Mention) (string, bool) {
	if text == "" || m.End <= 0 || m.End >= len(text) {
		return "", false
	}
	rest := text[m.End:]
	trimmed := strings.TrimLeft(rest, " ")
	if !strings.HasPrefix(trimmed, ",") {
		return "", false
	}
	at := m.End + len(rest) - len(trimmed) + 1
	for at < len(text) && text[at] == ' ' {
		at++
	}
	for _, o := range ms {
		if o.Start == at && o.End > o.Start {
			return o.Text, true
		}
	}
	return "", false
}

// divisionCue reports whether the words around m call it a division:
// "the province of Kerman", "Helmand province", "Kano state".
func divisionCue(text string, m Mention) bool {
	if text == "" || m.Start < 0 || m.End > len(text) || m.Start >= m.End {
		return false
	}
	before := strings.ToLower(text[max(0, m.Start-16):m.Start])
	after := strings.ToLower(text[m.End:min(len(text), m.End+14)])
	for _, w := range divisionWords {
		if strings.HasSuffix(before, w+" of ") || strings.HasPrefix(after, " "+w) {
			return true
		}
	}
	return false
}

// divisionWords name first- and second-level divisions in English news.
var divisionWords = []string{"province", "governorate", "state", "region", "county", "prefecture", "oblast", "district", "department"}

// contextBonus is what the other chosen places say for c (mention i).
func contextBonus(c *Candidate, i int, chosen []*Candidate) float64 {
	var bonus, near float64
	votes := map[string]int{}
	for j, o := range chosen {
		if j == i || o == nil || o.ID == c.ID {
			continue
		}
		if contains(c, o) {
			bonus = max(bonus, bonusContains)
		}
		if contains(o, c) && o.Match != MatchDemonym {
			bonus = max(bonus, bonusInside)
		}
		if !o.isArea() || o.Kind == KindAdmin2 {
			near = max(near, bonusNear/(1+distanceKm(c.Point(), o.Point())/300))
		}
		if o.Country != "" {
			votes[o.Country]++
		}
	}
	top, n := "", 0
	for k, v := range votes {
		if v > n || v == n && k < top {
			top, n = k, v
		}
	}
	if top != "" && c.Country == top {
		bonus += bonusCountry
	}
	return bonus + near
}

// Contains reports whether a is an area that contains p by the
// gazetteer's hierarchy: a country its places and divisions, a first-level
// division its towns and counties (same GeoNames admin1 key), a region or
// continent with a box the points in it.
func (a Candidate) Contains(p Candidate) bool { return contains(&a, &p) }

func contains(a, p *Candidate) bool {
	switch a.Kind {
	case KindCountry:
		return p.Kind != KindCountry && p.Country == a.Code
	case KindAdmin1:
		return (p.Kind == KindCity || p.Kind == KindSite || p.Kind == KindAdmin2) && a.Admin1Code != "" && p.Admin1Code == a.Admin1Code
	case KindRegion, KindContinent:
		return !p.isArea() && a.Bound != nil && a.Bound.Contains(p.Point())
	}
	return false
}

func distanceKm(a, b orb.Point) float64 { return geo.Distance(a, b) / 1000 }

// finish sorts r's candidates by their final score and sets Confidence
// and Reason.
func finish(r *Resolved, base []float64) {
	if len(r.Candidates) == 0 {
		r.Chosen = -1
		r.Reason = "no place of that name"
		return
	}
	type pair struct {
		c    Candidate
		base float64
	}
	ps := make([]pair, len(r.Candidates))
	for i, c := range r.Candidates {
		ps[i] = pair{c, base[i]}
	}
	slices.SortStableFunc(ps, func(a, b pair) int { return cmp.Compare(b.c.Score, a.c.Score) })
	for i := range ps {
		r.Candidates[i] = ps[i].c
	}
	r.Chosen = 0
	margin := 4.0
	if len(ps) > 1 {
		margin = ps[0].c.Score - ps[1].c.Score
	}
	r.Confidence = math.Round(1/(1+math.Exp(-1.5*margin))*1000) / 1000
	why := fmt.Sprintf("%s (%s) scored %.2f", ps[0].c.Name, ps[0].c.Kind, ps[0].c.Score)
	if ctx := ps[0].c.Score - ps[0].base; ctx > 0.005 {
		why += fmt.Sprintf(", %.2f of it from the other places named", ctx)
	}
	if len(ps) > 1 {
		why += fmt.Sprintf("; next %s (%s, %s) %.2f", ps[1].c.Name, ps[1].c.Kind, ps[1].c.Country, ps[1].c.Score)
	}
	if r.Reason != "" {
		why = r.Reason + "; " + why
	}
	r.Reason = why
}
