package ingest

import (
	"strings"

	"github.com/incidentmap/incidentmap/geo/gazetteer"
	"github.com/paulmach/orb"
)

// Toponym recognition for every place mention of an article (not only the
// incident places drafting needs): gazetteer-backed phrase matching over
// capitalised words, with stop lists and context rules, then document-
// level resolution of all the names together (gazetteer.ResolveDocument).

// maxPhraseWords is the longest name tried, in words.
const maxPhraseWords = 6

// Importance thresholds of the recogniser (see gazetteer.Importance): a
// capitalised word at the start of a sentence, or with no place word
// before it, is taken for a place only when the best place of that name
// is at least this important.
const (
	// minImportanceBare is what a name with no locative word before it
	// needs: a county, a province or a town of some 10,000 people.
	minImportanceBare = 2.0
	// minImportanceInitial is what a sentence-initial single word needs:
	// a province or a city of 100,000.
	minImportanceInitial = 3.0
)

// connectors may stand inside a multi-word name ("Bosnia and
// Herzegovina", "Democratic Republic of the Congo", "Deir ez-Zor").
var connectors = map[string]bool{"of": true, "and": true, "the": true, "de": true, "del": true, "al": true,
	"el": true, "ez": true, "es": true, "da": true, "do": true, "dos": true, "la": true, "le": true, "upon": true}

// notPlaces are capitalised words that are names of some place but in
// news almost always mean something else: titles, days and months,
// compass words, organisations, common first names.
var notPlaces = map[string]bool{
	"president": true, "minister": true, "police": true, "government": true, "army": true, "state": true,
	"said": true, "says": true, "officials": true, "official": true, "mr": true, "mrs": true, "ms": true,
	"north": true, "south": true, "east": true, "west": true, "central": true, "new": true, "saint": true,
	"university": true, "city": true, "county": true, "province": true, "region": true, "capital": true,
	"union": true, "republic": true, "kingdom": true, "island": true, "islands": true, "lake": true,
	"march": true, "may": true, "june": true, "july": true, "august": true, "april": true, "january": true,
	"february": true, "september": true, "october": true, "november": true, "december": true,
	"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true, "saturday": true,
	"sunday": true, "today": true, "god": true, "man": true, "victoria": false, "hope": true, "independence": true,
	"liberty": true, "justice": true, "unity": true, "progress": true, "victory": true, "reform": true,
	"aid": true, "health": true, "energy": true, "storm": true, "mission": true, "nation": true, "nations": true,
	"john": true, "david": true, "paul": true, "mary": true, "george": true, "james": true, "michael": true,
	"taliban": true, "houthi": true, "isis": true, "nato": true, "un": true, "eu": true, "mayor": true,
	"governor": true, "senator": true, "general": true, "border": true, "crossing": true, "airport": true,
}

// personTitles before a name make it a person's.
var personTitles = map[string]bool{"mr": true, "mrs": true, "ms": true, "dr": true, "president": true, "minister": true,
	"senator": true, "sen": true, "rep": true, "gov": true, "governor": true, "mayor": true, "general": true, "gen": true,
	"judge": true, "pope": true, "king": true, "queen": true, "prince": true, "sheikh": true, "ayatollah": true}

// orgFollowers after a name make it part of an organisation's name.
var orgFollowers = map[string]bool{"university": true, "times": true, "post": true, "airlines": true, "airways": true,
	"club": true, "fc": true, "united": true, "tribune": true, "herald": true, "journal": true, "bank": true, "group": true,
	"company": true, "corporation": true, "inc": true, "institute": true, "college": true, "street": true, "avenue": true, "road": true}

// recognise finds the place mentions of text: for each run of capitalised
// words, the longest known name is taken, then the rest of the run is
// searched again. It returns the mentions in text order.
func recognise(g *gazetteer.Gazetteer, text string, sents []sentence) []gazetteer.Mention {
	var out []gazetteer.Mention
	for _, s := range sents {
		ws := words(text, s.start, s.end)
		for i := 0; i < len(ws) && len(out) < maxToponyms; {
			m, next, ok := phraseAt(g, text, ws, i)
			if ok {
				out = append(out, m)
				i = next
				continue
			}
			i++
		}
	}
	return out
}

// phraseAt tries the longest known name starting at word i; next is the
// word after it.
func phraseAt(g *gazetteer.Gazetteer, text string, ws []word, i int) (gazetteer.Mention, int, bool) {
	w := ws[i].text
	if !isCapitalised(w) {
		return gazetteer.Mention{}, 0, false
	}
	if i > 0 && personTitles[strings.ToLower(strings.TrimSuffix(ws[i-1].text, "."))] {
		return gazetteer.Mention{}, 0, false
	}
	for j := min(len(ws), i+maxPhraseWords); j > i; j-- {
		last := ws[j-1].text
		base, _ := stripPossessive(last)
		if !isCapitalised(base) && !(j-1 > i && (isDivisionWord(base) || capitalAfterHyphen(base))) {
			continue // a name ends in a capitalised word or a division word
		}
		if !allNameWords(ws[i:j]) {
			continue
		}
		end := ws[j-1].start + len(base)
		name := text[ws[i].start:end]
		imp, area, ok := g.Known(name)
		if !ok {
			continue
		}
		if j < len(ws) && orgFollowers[strings.ToLower(ws[j].text)] && !area {
			return gazetteer.Mention{}, 0, false
		}
		multi := j-i > 1
		if lw := strings.ToLower(base); !multi && (notPlaces[lw] || leadStop[lw] || orgFollowers[lw]) {
			continue
		}
		initial := i == 0 || ws[i-1].text == "\"" || ws[i-1].text == "“"
		switch {
		case initial && !multi && imp < minImportanceInitial:
			continue
		case !multi && !area && imp < minImportanceBare && !locativeBefore(ws, i):
			continue
		}
		return gazetteer.Mention{Text: name, Start: ws[i].start, End: end}, j, true
	}
	return gazetteer.Mention{}, 0, false
}

// allNameWords reports whether ws can form one name: capitalised words,
// connectors inside, and a division word at the end.
func allNameWords(ws []word) bool {
	for k, w := range ws {
		base, poss := stripPossessive(w.text)
		if poss && k < len(ws)-1 {
			return false
		}
		switch {
		case isCapitalised(base), k > 0 && capitalAfterHyphen(base):
		case k > 0 && k < len(ws)-1 && connectors[strings.ToLower(base)]:
		case k == len(ws)-1 && k > 0 && isDivisionWord(base):
		default:
			return false
		}
	}
	return true
}

// capitalAfterHyphen reports a word such as "ez-Zor" or "al-Sham": a
// lower-case article joined to a capitalised name.
func capitalAfterHyphen(w string) bool {
	_, after, ok := strings.Cut(w, "-")
	return ok && isCapitalised(after)
}

func isDivisionWord(w string) bool {
	switch strings.ToLower(w) {
	case "province", "county", "state", "governorate", "region", "prefecture", "district", "oblast", "parish":
		return true
	}
	return false
}

// locativeBefore reports whether a locative word ("in", "near", "city of")
// stands before word i, allowing the skippable words between.
func locativeBefore(ws []word, i int) bool {
	for k := i - 1; k >= 0 && k >= i-5; k-- {
		w := strings.ToLower(ws[k].text)
		if locativeWords[w] || w == "of" {
			return true
		}
		if !skippable[w] && countryWords[w] == "" {
			return false
		}
	}
	return false
}

// Places recognises every place mention of text and resolves them
// together; unresolved names are left out. Text beyond MaxArticleBytes is
// not read.
func (x *Extractor) Places(text string) []gazetteer.Resolved { return x.PlacesIn(text, "") }

// PlacesIn is Places for a text published in country (ISO 3166-1
// alpha-3, or ""), whose places are preferred as Query.Country prefers.
func (x *Extractor) PlacesIn(text, country string) []gazetteer.Resolved {
	return x.PlacesNear(text, country, nil)
}

// PlacesNear is PlacesIn for a text published at near (or nil), whose
// nearby places are preferred as Query.Near prefers.
func (x *Extractor) PlacesNear(text, country string, near *orb.Point) []gazetteer.Resolved {
	if len(text) > MaxArticleBytes {
		text = text[:MaxArticleBytes]
	}
	return x.placesIn(text, splitSentences(text, maxSentences), country, near)
}

// places recognises and resolves every place mention of text.
func (x *Extractor) places(text string, sents []sentence) []gazetteer.Resolved {
	return x.placesIn(text, sents, "", nil)
}

func (x *Extractor) placesIn(text string, sents []sentence, country string, near *orb.Point) []gazetteer.Resolved {
	ms := recognise(x.g, text, sents)
	if len(ms) == 0 {
		return nil
	}
	rs := x.g.ResolveDocument(gazetteer.Document{Mentions: ms, Text: text, Country: country, Near: near})
	out := rs[:0]
	for _, r := range rs {
		if r.Chosen >= 0 {
			out = append(out, r)
		}
	}
	return out
}

// Gazetteer returns the gazetteer x resolves places with.
func (x *Extractor) Gazetteer() *gazetteer.Gazetteer { return x.g }
