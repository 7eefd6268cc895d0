package ingest

import (
	"strings"

	"github.com/incidentmap/incidentmap"
)

// sentenceScope is what the trigger rules of one sentence look at.
type sentenceScope struct {
	text     string
	si       int
	sentTops [][]int
	topsp    *[]Toponym
	// here are the sentence's toponyms that resolved.
	here []int
}

func (sc *sentenceScope) tops() []Toponym { return *sc.topsp }

func (sc *sentenceScope) placed(t int) bool {
	_, ok := sc.tops()[t].place()
	return ok
}

// sentenceMentions applies the trigger rules to one sentence: the
// strongest trigger with its date and counts, then the first rule that
// places it: missions with a place after them, places listed after a
// takeover, the nearest place, a military base's country, the place of
// the sentence before; or a mission without a place.
func (x *Extractor) sentenceMentions(text string, si int, s sentence, ws []word, hits []triggerHit,
	topsp *[]Toponym, sentTops [][]int, dates []dateHit) []mention {
	base := baseMention(text, si, s, hits, dates)
	sc := &sentenceScope{text: text, si: si, sentTops: sentTops, topsp: topsp}
	for _, t := range sentTops[si] {
		if sc.placed(t) {
			sc.here = append(sc.here, t)
		}
	}
	targets := findTargets(text, s, ws)
	if base.fam != famTakeover {
		if out := sc.missionMentions(base, targets); len(out) > 0 {
			return dedupePlaces(out, sc.tops())
		}
	}
	base.tgt = nearestTarget(base, targets)
	cands := sc.usablePlaces(base)
	if base.fam == famTakeover {
		if out := sc.listedPlaces(base, cands); len(out) > 1 {
			return out
		}
	}
	if base.fam == famProtest || base.fam == famAttack {
		cands = sc.placesJustAfter(base, cands)
	}
	if len(cands) > 0 {
		base.place, base.placeEv = sc.nearestPlace(base, cands), "the place nearest the trigger in its sentence"
		return []mention{base}
	}
	if m, ok := x.militaryBaseMention(base, topsp, text); ok {
		return []mention{m}
	}
	if m, ok := sc.previousSentencePlace(base); ok {
		return []mention{m}
	}
	if base.tgt != nil && base.tgt.country != "" && base.tgt.typ != incidentmap.TargetGovernment && base.tgt.typ != incidentmap.TargetOther {
		return []mention{base} // no place: may join a draft with the same mission
	}
	return nil
}

// baseMention is the sentence's strongest trigger with the date nearest
// it (skipping dates of reports), the death and injury counts, and whether
// the wording is violent or calm.
func baseMention(text string, si int, s sentence, hits []triggerHit, dates []dateHit) mention {
	best := hits[0]
	violent := false
	for _, h := range hits {
		if h.rule.fam > best.rule.fam || h.rule.fam == best.rule.fam && h.rule.weight > best.rule.weight {
			best = h
		}
		if h.rule.fam == famRiot || h.rule.fam == famAttack {
			violent = true
		}
	}
	sent := text[s.start:s.end]
	base := mention{sent: si, trig: best, fam: best.rule.fam, sub: best.rule.sub, violent: violent,
		calm: nonViolent.MatchString(sent), place: -1}
	bestDist := -1
	for k := range dates {
		h := &dates[k]
		if h.reporting || h.when.from.IsZero() {
			continue
		}
		d := absInt(h.start - best.start)
		if bestDist < 0 || d < bestDist {
			base.date, bestDist = h, d
		}
	}
	if c, ok := findCount(sent, s.start, deadRes); ok {
		base.dead = &c
	}
	if c, ok := findCount(sent, s.start, hurtRes); ok {
		base.hurt = &c
	} else if unknownHurt.MatchString(sent) {
		base.hurtUnk = true
	}
	return base
}

// missionMentions gives one mention per mission with a place right after
// it: "the Iranian consulate in Karbala".
func (sc *sentenceScope) missionMentions(base mention, targets []target) []mention {
	tops, text := sc.tops(), sc.text
	var out []mention
	for ti := range targets {
		tg := &targets[ti]
		if tg.typ == incidentmap.TargetGovernment || tg.typ == incidentmap.TargetOther {
			continue // "the foreign ministry in Baku said": a speaker, not a target
		}
		for _, t := range sc.here {
			if tops[t].Start >= tg.end && tops[t].Start-tg.end <= 50 && tops[t].Locative && !tops[t].IsCountry &&
				!strings.ContainsAny(text[tg.end:tops[t].Start], ",;") {
				tg.placeAt = t
				break
			}
		}
		if t := tg.placeAt; t >= 0 && strings.Contains(text[max(tg.end, tops[t].Start-40):tops[t].Start], "outside") {
			// "just outside the Green Zone in Baghdad": not at the site, but in the town.
			if c, _ := tops[t].place(); c.Precision == "site" {
				for _, u := range sc.here {
					if tops[u].Start > tops[t].End && tops[u].Start-tops[t].End <= 5 && !tops[u].IsCountry {
						tg.placeAt = u
						break
					}
				}
			}
		}
		if tg.placeAt >= 0 {
			m := base
			m.tgt, m.place, m.placeEv = tg, tg.placeAt, "the place named after the mission"
			out = append(out, m)
		}
	}
	return out
}

// nearestTarget is the target nearest the trigger; a takeover's target is
// the place, so only a mission there is noted.
func nearestTarget(base mention, targets []target) *target {
	var nearest *target
	for ti := range targets {
		tg := &targets[ti]
		mission := tg.typ == incidentmap.TargetEmbassy || tg.typ == incidentmap.TargetConsulate
		if base.fam == famTakeover && !mission {
			continue
		}
		if nearest == nil || absInt(tg.start-base.trig.start) < absInt(nearest.start-base.trig.start) {
			nearest = tg
		}
	}
	return nearest
}

// usable reports whether toponym t may place an incident of base's family:
// a country only an explosion ("rockets hit Iraq").
func (sc *sentenceScope) usable(base mention, t int) bool {
	if sc.tops()[t].IsCountry {
		return base.fam == famExplosion
	}
	return true
}

func (sc *sentenceScope) usablePlaces(base mention) []int {
	var cands []int
	for _, t := range sc.here {
		if sc.usable(base, t) {
			cands = append(cands, t)
		}
	}
	return cands
}

// listedPlaces gives one mention per place listed after a takeover's
// trigger: "captured Herat and Kandahar".
func (sc *sentenceScope) listedPlaces(base mention, cands []int) []mention {
	tops, text, best := sc.tops(), sc.text, base.trig
	var listed []int
	prev := best.end
	for _, t := range cands {
		tp := tops[t]
		if tp.Start < best.end || tp.IsCountry {
			continue
		}
		gap := strings.TrimSpace(text[prev:tp.Start])
		if prev != best.end && gap != "and" && gap != "," && gap != ", and" {
			break
		}
		if prev == best.end && tp.Start-best.end > 30 {
			break
		}
		listed = append(listed, t)
		prev = tp.End
	}
	var out []mention
	for _, t := range listed {
		m := base
		m.place, m.placeEv = t, "one of the places listed after the trigger"
		out = append(out, m)
	}
	return out
}

// placesJustAfter keeps the places right after weak wording: a protest or
// an attack counts only with a place just after it ("protesters in Herat").
func (sc *sentenceScope) placesJustAfter(base mention, cands []int) []int {
	tops := sc.tops()
	var near []int
	for _, t := range cands {
		if tops[t].Start >= base.trig.end && tops[t].Start-base.trig.end <= 40 && tops[t].Locative {
			near = append(near, t)
		}
	}
	return near
}

// nearestPlace is the place nearest the trigger, preferring towns to
// provinces and provinces to countries.
func (sc *sentenceScope) nearestPlace(base mention, cands []int) int {
	tops := sc.tops()
	bestT, bestScore := -1, 0
	for _, t := range cands {
		d := absInt(tops[t].Start - base.trig.start)
		if tops[t].Province {
			d += 10000
		}
		if tops[t].IsCountry {
			d += 20000
		}
		if bestT < 0 || d < bestScore {
			bestT, bestScore = t, d
		}
	}
	return bestT
}

// militaryBaseMention places an explosion aimed at a country's bases in
// that country ("missiles at Iraqi bases"), adding the country as a
// toponym.
func (x *Extractor) militaryBaseMention(base mention, topsp *[]Toponym, text string) (mention, bool) {
	tg := base.tgt
	if tg == nil || tg.typ != incidentmap.TargetMilitary || tg.country == "" || base.fam != famExplosion ||
		!strings.Contains(strings.ToLower(text[tg.start:tg.end]), "base") {
		return mention{}, false
	}
	t, ok := x.countryToponym(tg.country, tg.start, tg.end, text[tg.start:tg.end])
	if !ok {
		return mention{}, false
	}
	t.Reason = "no place named: the country of the military target; " + t.Reason
	*topsp = append(*topsp, t)
	base.place, base.placeEv = len(*topsp)-1, "the country of the military target"
	base.tgt = &target{typ: tg.typ, start: tg.start, end: tg.end, placeAt: -1}
	return base, true
}

// previousSentencePlace places an explosion, riot or armed attack with no
// place of its own at the last place of the sentence before.
func (sc *sentenceScope) previousSentencePlace(base mention) (mention, bool) {
	if base.fam != famExplosion && base.fam != famRiot && base.fam != famArmed || sc.si == 0 {
		return mention{}, false
	}
	prev := sc.sentTops[sc.si-1]
	for k := len(prev) - 1; k >= 0; k-- {
		if sc.placed(prev[k]) && sc.usable(base, prev[k]) {
			base.place, base.placeEv = prev[k], "no place in the trigger's sentence: the last place of the sentence before"
			return base, true
		}
	}
	return mention{}, false
}
