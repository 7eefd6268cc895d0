package ingest

import (
	"fmt"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/paulmach/orb"
)

// drafter builds one draft from a cluster of mentions, step by step:
// event type, place, date, target, casualties, words. Each step records
// the evidence of the fields it sets.
type drafter struct {
	x     *Extractor
	text  string
	sents []sentence
	tops  []Toponym
	d     Draft
}

// ev records that field came from text[start:end] of sentence si.
func (b *drafter) ev(field string, si int, start, end int, note string) {
	s := b.sents[si]
	b.d.Evidence = append(b.d.Evidence, Evidence{Field: field, Start: s.start, End: s.end, Text: b.text[start:end], Note: note})
}

// draft builds the incident of cluster c.
func (x *Extractor) draft(text string, sents []sentence, tops []Toponym, c *cluster, all []*cluster, pub time.Time, ci int) (Draft, bool) {
	p, ti, ok := c.place(tops)
	if !ok {
		return Draft{}, false
	}
	b := &drafter{x: x, text: text, sents: sents, tops: tops,
		d: Draft{Toponym: ti, Incident: &incidentmap.Incident{Status: incidentmap.StatusDraft}}}
	top := b.eventType(c)
	b.place(c, p, ti)
	b.date(c, all, ci, pub)
	b.target(c, top, tops[ti])
	b.casualties(c)
	inc := b.d.Incident
	inc.Title, inc.Summary = describe(inc, p, tops[ti], x.g)
	inc.Sources = []incidentmap.Source{{Title: "Submitted article", PublishedOn: pub}}
	inc.Tags = []string{"extracted"}
	return b.d, true
}

// eventType sets the ACLED event and sub-event type from the strongest
// family of trigger (within explosions the most specific wording), and
// returns the mention that decided it.
func (b *drafter) eventType(c *cluster) mention {
	inc := b.d.Incident
	var top mention
	violent, calm := false, false
	for i, m := range c.ms {
		if i == 0 || m.fam > top.fam || m.fam == top.fam && m.trig.rule.weight > top.trig.rule.weight {
			top = m
		}
		violent = violent || m.violent
		calm = calm || m.calm && m.fam == famTakeover
	}
	switch top.fam {
	case famExplosion:
		inc.EventType, inc.SubEventType = incidentmap.EventTypeExplosions, top.sub
	case famArmed:
		inc.EventType, inc.SubEventType = incidentmap.EventTypeViolence, incidentmap.SubEventAttack
	case famTakeover:
		if calm {
			inc.EventType, inc.SubEventType = incidentmap.EventTypeDevelopment, incidentmap.SubEventNonViolentTransfer
		} else {
			inc.EventType, inc.SubEventType = incidentmap.EventTypeBattles, incidentmap.SubEventNonStateOvertakes
		}
	case famRiot, famAttack:
		inc.EventType, inc.SubEventType = incidentmap.EventTypeRiots, incidentmap.SubEventViolentDemo
	case famProtest:
		if violent {
			inc.EventType, inc.SubEventType = incidentmap.EventTypeRiots, incidentmap.SubEventViolentDemo
		} else {
			inc.EventType, inc.SubEventType = incidentmap.EventTypeProtests, incidentmap.SubEventPeacefulProtest
		}
	}
	for _, m := range c.ms {
		b.ev("event_type", m.sent, m.trig.start, m.trig.end, fmt.Sprintf("trigger for %s", familyName(m.fam)))
	}
	if top.fam == famTakeover && calm {
		for _, m := range c.ms {
			s := b.sents[m.sent]
			if loc := nonViolent.FindStringIndex(b.text[s.start:s.end]); loc != nil {
				b.ev("sub_event_type", m.sent, s.start+loc[0], s.start+loc[1], "non-violent wording")
				break
			}
		}
	}
	return top
}

// place sets the location, its precision, country and province from the
// chosen place p of toponym ti.
func (b *drafter) place(c *cluster, p PlaceCandidate, ti int) {
	inc := b.d.Incident
	t := b.tops[ti]
	inc.Location = orb.Point{p.Lon, p.Lat}
	inc.PlaceName = t.Text
	if p.Precision == "country" {
		inc.PlaceName = p.Name
	}
	inc.LocationPrecision = incidentmap.LocationPrecision(p.Precision)
	inc.Country = p.Country
	if p.Precision != "country" {
		country, admin1 := b.x.r.Locate(inc.Location)
		if country != nil {
			inc.Country = country.Code
		}
		if admin1 != nil {
			inc.Admin1Code, inc.Admin1Name = admin1.Code, admin1.Name
		}
	}
	for _, m := range c.ms {
		if m.place == ti {
			b.ev("location", m.sent, t.Start, t.End, m.placeEv+"; "+t.Reason)
			break
		}
	}
}

// date sets the dates: the finest explicit date, else that of an incident
// named in the same sentence, else the week up to publication.
func (b *drafter) date(c *cluster, all []*cluster, ci int, pub time.Time) {
	inc := b.d.Incident
	var date *dateHit
	var dateSent int
	for _, m := range c.ms {
		if m.date != nil && (date == nil || precRank(m.date.when.prec) < precRank(date.when.prec)) {
			date, dateSent = m.date, m.sent
		}
	}
	if date != nil {
		inc.OccurredStart, inc.OccurredEnd, inc.DatePrecision = date.when.from, date.when.to, date.when.prec
		b.ev("occurred", dateSent, date.start, date.end, date.note)
		return
	}
	if od, osent, ok := siblingDate(c, all, ci); ok {
		inc.OccurredStart, inc.OccurredEnd, inc.DatePrecision = od.when.from, od.when.to, od.when.prec
		b.ev("occurred", osent, od.start, od.end, "no date of its own: the date of an incident named in the same sentence")
		return
	}
	w := weekBefore(pub)
	inc.OccurredStart, inc.OccurredEnd, inc.DatePrecision = w.from, w.to, w.prec
	s := b.sents[c.ms[0].sent]
	b.d.Evidence = append(b.d.Evidence, Evidence{Field: "occurred", Start: s.start, End: s.start,
		Note: "no date found: the week up to the publication date"})
}

// target sets the target type and country and, for a mission, the
// facility; a takeover's target is the government's control of the place.
func (b *drafter) target(c *cluster, top mention, t Toponym) {
	inc := b.d.Incident
	var facility *target
	for _, m := range c.ms {
		if m.tgt == nil {
			continue
		}
		mission := m.tgt.typ == incidentmap.TargetConsulate || m.tgt.typ == incidentmap.TargetEmbassy
		if top.fam == famTakeover {
			if mission && facility == nil {
				facility = m.tgt
			}
			continue
		}
		if inc.TargetType == "" {
			inc.TargetType = m.tgt.typ
			b.ev("target_type", m.sent, m.tgt.start, m.tgt.end, "mission or target wording")
		}
		if inc.TargetCountry == "" && m.tgt.country != "" && inc.TargetType != incidentmap.TargetGovernment {
			inc.TargetCountry = m.tgt.country
			b.ev("target_country", m.sent, m.tgt.start, m.tgt.end, "the country named with the target")
		}
		if facility == nil && mission {
			facility = m.tgt
		}
	}
	switch {
	case top.fam == famTakeover:
		inc.TargetType = incidentmap.TargetGovernment
		b.ev("target_type", c.ms[0].sent, c.ms[0].trig.start, c.ms[0].trig.end, "a takeover: control of the place")
	case inc.TargetType == "":
		inc.TargetType = incidentmap.TargetOther
	}
	if facility != nil && facility.country != "" {
		inc.Facility = b.facility(facility, t)
	}
}

// facility names a mission: "Consulate-General of Iran in Herat".
func (b *drafter) facility(f *target, t Toponym) string {
	kind := "Embassy"
	if f.typ == incidentmap.TargetConsulate {
		kind = "Consulate"
		if f.general {
			kind = "Consulate-General"
		}
	}
	name, _ := b.x.g.CountryName(f.country)
	if name == "" {
		name = f.country
	}
	return fmt.Sprintf("%s of %s in %s", kind, countryLabel(name), facilityCity(b.d.Incident, t))
}

// casualties sets the largest death toll and number of injured given.
func (b *drafter) casualties(c *cluster) {
	inc := b.d.Incident
	for _, m := range c.ms {
		if m.dead != nil && (inc.Fatalities == nil || m.dead.n > *inc.Fatalities) {
			n := m.dead.n
			inc.Fatalities = &n
			b.ev("fatalities", m.sent, m.dead.start, m.dead.end, "the largest death toll given")
		}
		if m.hurt != nil && (inc.Injuries == nil || m.hurt.n > *inc.Injuries) {
			n := m.hurt.n
			inc.Injuries = &n
			b.ev("injuries", m.sent, m.hurt.start, m.hurt.end, "the largest number of injured given")
		}
	}
}
