package ingest

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/incidentmap/incidentmap"
)

// countryWords maps country names, short forms, demonyms and capitals used
// as metonyms ("Tehran's") to ISO 3166-1 alpha-3. Keys are lower case;
// possessives are stripped before lookup. The list is short on purpose: it
// covers the region the service is about and the states whose missions
// are most often in the news there.
var countryWords = map[string]string{
	"afghanistan": "AFG", "afghan": "AFG", "afghans": "AFG",
	"iran": "IRN", "iranian": "IRN", "iranians": "IRN", "tehran": "IRN", "islamic republic of iran": "IRN",
	"iraq": "IRQ", "iraqi": "IRQ", "iraqis": "IRQ",
	"russia": "RUS", "russian": "RUS", "russian federation": "RUS", "moscow": "RUS",
	"britain": "GBR", "british": "GBR", "uk": "GBR", "united kingdom": "GBR", "london": "GBR",
	"us": "USA", "u.s": "USA", "u.s.": "USA", "usa": "USA", "american": "USA", "americans": "USA",
	"america": "USA", "united states": "USA", "washington": "USA",
	"turkey": "TUR", "turkish": "TUR", "türkiye": "TUR", "ankara": "TUR",
	"pakistan": "PAK", "pakistani": "PAK", "islamabad": "PAK",
	"saudi": "SAU", "saudi arabia": "SAU", "riyadh": "SAU",
	"syria": "SYR", "syrian": "SYR", "lebanon": "LBN", "lebanese": "LBN",
	"israel": "ISR", "israeli": "ISR", "jordan": "JOR", "jordanian": "JOR",
	"egypt": "EGY", "egyptian": "EGY", "yemen": "YEM", "yemeni": "YEM",
	"kuwait": "KWT", "kuwaiti": "KWT", "qatar": "QAT", "qatari": "QAT",
	"uae": "ARE", "emirati": "ARE", "united arab emirates": "ARE",
	"china": "CHN", "chinese": "CHN", "india": "IND", "indian": "IND",
	"france": "FRA", "french": "FRA", "germany": "DEU", "german": "DEU",
	"canada": "CAN", "canadian": "CAN", "tajikistan": "TJK", "tajik": "TJK",
	"uzbekistan": "UZB", "uzbek": "UZB", "turkmenistan": "TKM", "turkmen": "TKM",
	"azerbaijan": "AZE", "azerbaijani": "AZE", "armenia": "ARM", "armenian": "ARM",
	"ukraine": "UKR", "ukrainian": "UKR", "italy": "ITA", "italian": "ITA",
	"spain": "ESP", "spanish": "ESP", "japan": "JPN", "japanese": "JPN",
}

// countryPlaces are the keys of countryWords that name a country as a
// place ("in Iraq"); demonyms and capitals only hint at one.
var countryPlaces = map[string]bool{
	"afghanistan": true, "iran": true, "iraq": true, "russia": true, "britain": true, "uk": true,
	"united kingdom": true, "united states": true, "us": true, "usa": true, "america": true,
	"turkey": true, "türkiye": true, "pakistan": true, "saudi arabia": true, "syria": true,
	"lebanon": true, "israel": true, "jordan": true, "egypt": true, "yemen": true, "kuwait": true,
	"qatar": true, "uae": true, "united arab emirates": true, "china": true, "india": true,
	"france": true, "germany": true, "canada": true, "tajikistan": true, "uzbekistan": true,
	"turkmenistan": true, "azerbaijan": true, "armenia": true, "ukraine": true, "italy": true,
	"spain": true, "japan": true,
}

// family groups triggers whose incidents may be merged.
type family int

const (
	famNone     family = iota
	famAttack          // "attack", "assault": says something happened, not what
	famProtest         // protesters, rallies
	famRiot            // stormed, torched, burning tyres, stones
	famTakeover        // took over, captured, fell to
	famArmed           // gunmen, opened fire, shooting
	famExplosion
)

// trigger is a rule: wording that reports an incident.
type trigger struct {
	re     *regexp.Regexp
	fam    family
	sub    string // ACLED sub-event type implied, or ""
	weight int    // within a family, the higher wins
}

var triggers = []trigger{
	{regexp.MustCompile(`(?i)\bsuicide[ -](?:bomb(?:er|ing)?s?|attack(?:er)?s?|blasts?|vest)\b`), famExplosion, incidentmap.SubEventSuicideBomb, 6},
	{regexp.MustCompile(`(?i)\b(?:drone strikes?|air ?strikes?|airstrikes?|drone attacks?|air raids?)\b`), famExplosion, incidentmap.SubEventAirDroneStrike, 5},
	{regexp.MustCompile(`(?i)\b(?:katyushas?|rockets?|missiles?|mortars?|mortar rounds?|shelling|artillery)\b`), famExplosion, incidentmap.SubEventShelling, 4},
	{regexp.MustCompile(`(?i)\b(?:improvised explosive devices?|roadside bombs?|explosive devices?|landmines?|car bombs?|sticky bombs?|magnetic bombs?|booby[- ]traps?)\b|\bIEDs?\b`), famExplosion, incidentmap.SubEventRemoteExplosive, 3},
	{regexp.MustCompile(`(?i)\bgrenades?\b`), famExplosion, incidentmap.SubEventGrenade, 2},
	{regexp.MustCompile(`(?i)\b(?:explosions?|blasts?|bomb(?:s|ing|ings)?|exploded|detonated|detonation)\b`), famExplosion, "", 1},
	{regexp.MustCompile(`(?i)\b(?:gunm[ae]n|opened fire|open fire|shooting|shot dead|gunfire|gunshots?|armed attack(?:er)?s?)\b`), famArmed, incidentmap.SubEventAttack, 1},
	{regexp.MustCompile(`(?i)\b(?:took over|take over|taken over|takes over|takeover|captur(?:ed|ing|es?)|fell to|fall of|seized|overran|overrun|handed over)\b`), famTakeover, "", 1},
	{regexp.MustCompile(`(?i)\b(?:storm(?:ed|ing)|torch(?:ed|ing)|set\b[^.,;]{0,40}\b(?:ablaze|on fire)|setting\b[^.,;]{0,40}\bablaze|burn(?:ing|ed|t)\s+(?:tyres|tires)|(?:hurl|throw|pelt)(?:ing|ed|s)?\s+(?:\w+\s+)?stones|stone[- ]throwing|ransack(?:ed|ing)|vandali[sz](?:ed|ing)|rioters?|riots?|mob)\b`), famRiot, incidentmap.SubEventViolentDemo, 1},
	{regexp.MustCompile(`(?i)\b(?:protest(?:er|or)s|protests|demonstrators?|demonstrations?|rall(?:y|ies)|sit-ins?)\b`), famProtest, incidentmap.SubEventPeacefulProtest, 1},
	{regexp.MustCompile(`(?i)\b(?:attack(?:s|ed)?|assault(?:s|ed)?)\b`), famAttack, "", 1},
}

// genericBefore marks a trigger that speaks of incidents in general
// ("a series of blasts", "similar attacks"), not of one incident.
var genericBefore = regexp.MustCompile(`(?i)\b(?:a number of|series of|a spate of|string of|wave of|similar|such|any|recent months?)\s+(?:\w+\s+){0,2}$`)

// nonViolent is wording that makes a takeover a non-violent transfer.
var nonViolent = regexp.MustCompile(`(?i)\b(?:without (?:any )?(?:fighting|a fight|a shot|resistance)|handed over|peaceful(?:ly)?|surrender(?:ed)?)\b`)

// triggerHit is one trigger found in a sentence.
type triggerHit struct {
	rule       *trigger
	start, end int // article offsets
}

// findTriggers returns the triggers in text[s.start:s.end], skipping
// generic mentions.
func findTriggers(text string, s sentence) []triggerHit {
	sent := text[s.start:s.end]
	var out []triggerHit
	covered := make([]bool, len(sent))
	for i := range triggers {
		t := &triggers[i]
		for _, m := range t.re.FindAllStringIndex(sent, 8) {
			if covered[m[0]] || covered[m[1]-1] {
				continue // a more specific rule took these words
			}
			if genericBefore.MatchString(sent[max(0, m[0]-40):m[0]]) {
				continue
			}
			for k := m[0]; k < m[1]; k++ {
				covered[k] = true
			}
			out = append(out, triggerHit{rule: t, start: s.start + m[0], end: s.start + m[1]})
		}
	}
	return out
}

// target is a mission or other target named in a sentence: "the Iranian
// consulate in Karbala", "a British embassy vehicle", "Iran's embassy".
type target struct {
	typ        incidentmap.TargetType
	country    string // alpha-3 of the state whose mission it is
	general    bool   // a consulate-general
	start, end int    // article offsets of the phrase
	placeAt    int    // article offset of the toponym after "in", or -1
}

var dottedBefore = regexp.MustCompile(`(U\.S\.|U\.K\.)\s+(?:\w+\s+)?$`)

var targetRe = regexp.MustCompile(`(?i)\b(?:embassy vehicles?|diplomatic (?:vehicles?|cars?|convoys?)|consulate[- ]general|consul[- ]general|consulates?|consular (?:department|section|building)|embass(?:y|ies)|diplomatic (?:missions?|premises|facilities|posts?|installations?|offices?)|diplomats|(?:embassy|consulate) staff|convoys?|(?:military |army |air )?bases?|troops|mosques?|shrines?|churches?|(?:foreign |interior |defen[cs]e )?ministry|parliament|presidential palace|government (?:buildings?|compound|offices?))\b`)

// targetOf maps the matched words to a target type.
func targetOf(phrase string) (incidentmap.TargetType, bool) {
	p := strings.ToLower(phrase)
	switch {
	case strings.Contains(p, "vehicle") || strings.Contains(p, "car") || strings.HasPrefix(p, "diplomatic convoy"):
		return incidentmap.TargetDiplomaticVehicle, false
	case strings.Contains(p, "consul"):
		return incidentmap.TargetConsulate, strings.Contains(p, "general")
	case strings.HasPrefix(p, "embass") || strings.HasPrefix(p, "diplomatic"):
		if strings.Contains(p, "staff") {
			return incidentmap.TargetDiplomaticStaff, false
		}
		return incidentmap.TargetEmbassy, false
	case p == "diplomats" || strings.Contains(p, "staff"):
		return incidentmap.TargetDiplomaticStaff, false
	case strings.Contains(p, "convoy") || strings.Contains(p, "base") || p == "troops":
		return incidentmap.TargetMilitary, false
	case strings.Contains(p, "mosque") || strings.Contains(p, "shrine") || strings.Contains(p, "church"):
		return incidentmap.TargetReligiousSite, false
	case strings.Contains(p, "ministry") || strings.Contains(p, "parliament") || strings.Contains(p, "palace") || strings.HasPrefix(p, "government"):
		return incidentmap.TargetGovernment, false
	}
	return incidentmap.TargetOther, false
}

// findTargets returns the targets named in sentence s. The owner country
// comes from the words just before ("the Iranian consulate", "Iran's
// embassy", "the US embassy"), "of <country>" after, or, for "its"/"our",
// the country last named before the phrase in the sentence.
func findTargets(text string, s sentence, ws []word) []target {
	sent := text[s.start:s.end]
	var out []target
	for _, m := range targetRe.FindAllStringIndex(sent, 16) {
		typ, general := targetOf(sent[m[0]:m[1]])
		t := target{typ: typ, general: general, start: s.start + m[0], end: s.start + m[1], placeAt: -1}
		// The words before the phrase, nearest first.
		i := wordIndexAt(ws, t.start)
		for k, n := i-1, 0; k >= 0 && n < 4; k, n = k-1, n+1 {
			w := ws[k].text
			base, _ := stripPossessive(w)
			lw := strings.ToLower(base)
			if c, ok := countryWords[lw]; ok {
				t.country = c
				t.start = ws[k].start
				if k > 0 && strings.EqualFold(ws[k-1].text, "the") && (lw == "us" || lw == "united") {
					t.start = ws[k-1].start
				}
				break
			}
			if lw == "its" || lw == "our" || lw == "their" {
				t.country = lastCountryBefore(ws, k)
				break
			}
			if len(w) == 1 && !isWordRune(rune(w[0])) {
				break
			}
		}
		// "U.S.", "U.K." just before: the tokeniser splits them.
		if t.country == "" {
			if m := dottedBefore.FindStringSubmatch(text[max(s.start, t.start-12):t.start]); m != nil {
				t.country = map[string]string{"U.S.": "USA", "U.K.": "GBR"}[m[1]]
			}
		}
		// "… of Iran" just after.
		j := wordIndexAt(ws, t.end)
		if t.country == "" && j+1 < len(ws) && strings.EqualFold(ws[j].text, "of") {
			if c, ok := countryWords[strings.ToLower(ws[j+1].text)]; ok {
				t.country = c
			}
		}
		out = append(out, t)
	}
	return out
}

// wordIndexAt returns the index of the first word starting at or after
// offset.
func wordIndexAt(ws []word, offset int) int {
	for i, w := range ws {
		if w.start >= offset {
			return i
		}
	}
	return len(ws)
}

// lastCountryBefore returns the alpha-3 of the country last named before
// word k, or "".
func lastCountryBefore(ws []word, k int) string {
	for i := k - 1; i >= 0; i-- {
		base, _ := stripPossessive(ws[i].text)
		if c, ok := countryWords[strings.ToLower(base)]; ok && isCapitalised(base) {
			return c
		}
	}
	return ""
}

// Casualty wording. numberRe matches the numbers the rules read.
const numberRe = `(\d{1,4}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)`

var (
	deadRes = []*regexp.Regexp{
		regexp.MustCompile(`(?i)\b(?:left|leaving)\s+(?:at least\s+)?` + numberRe + `\s+(?:people\s+|persons\s+|civilians\s+)?dead\b`),
		regexp.MustCompile(`(?i)\b(?:killed|killing)\s+(?:at least\s+)?` + numberRe + `\b`),
		regexp.MustCompile(`(?i)\b` + numberRe + `\s+(?:[a-z]+\s+){0,3}?(?:were|was|have been|had been|are)?\s*(?:killed|dead|died)\b`),
		regexp.MustCompile(`(?i)\bdeaths?\s+of\s+(?:at least\s+)?` + numberRe + `\b`),
		regexp.MustCompile(`(?i)\bdeath toll\s+(?:\w+\s+){0,3}?` + numberRe + `\b`),
	}
	hurtRes = []*regexp.Regexp{
		regexp.MustCompile(`(?i)\b` + numberRe + `\s+(?:[a-z]+\s+){0,3}?(?:were|was|have been|had been|are)?\s*(?:wounded|injured|hurt)\b`),
		regexp.MustCompile(`(?i)\b(?:wounding|injuring|wounded|injured)\s+(?:at least\s+)?` + numberRe + `\b`),
	}
	unknownHurt = regexp.MustCompile(`(?i)\b(?:several|many|dozens of|scores of|some)\s+(?:\w+\s+){0,2}?(?:wounded|injured|hurt)\b|\b(?:wounded|injured)\s+(?:several|many|dozens|scores)\b`)
)

var numberWords = map[string]int{"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
	"sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20}

func parseNumber(s string) (int, bool) {
	if n, ok := numberWords[strings.ToLower(s)]; ok {
		return n, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// count is a casualty figure found in a sentence.
type count struct {
	n          int
	start, end int // article offsets of the phrase
}

// findCount returns the largest figure any of res finds in sent (at
// article offset base).
func findCount(sent string, base int, res []*regexp.Regexp) (count, bool) {
	best, found := count{}, false
	for _, re := range res {
		for _, m := range re.FindAllStringSubmatchIndex(sent, 4) {
			n, ok := parseNumber(sent[m[2]:m[3]])
			if !ok || n > 100000 {
				continue
			}
			if !found || n > best.n {
				best, found = count{n: n, start: base + m[0], end: base + m[1]}, true
			}
		}
	}
	return best, found
}
