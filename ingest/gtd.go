package ingest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap"
)

// gtdColumns are the columns of a GTD CSV export that the mapping reads.
var gtdColumns = []string{"eventid", "iyear", "imonth", "iday", "country_txt", "provstate", "city",
	"latitude", "longitude", "specificity", "attacktype1", "attacktype1_txt", "suicide",
	"targtype1", "targtype1_txt", "targsubtype1", "natlty1_txt", "target1", "gname", "nkill", "nwound"}

// gtdSpecificity maps GTD specificity onto our scale: 1 the city or village
// itself, 2 the city is known but the point is the centroid of the smallest
// known division, 3 not in a city, the centroid of the smallest known
// division, 4 only the first-order division is known, 5 only the country.
var gtdSpecificity = map[string]incidentmap.LocationPrecision{
	"1": incidentmap.LocationCity, "2": incidentmap.LocationDistrict, "3": incidentmap.LocationDistrict,
	"4": incidentmap.LocationProvince, "5": incidentmap.LocationCountry,
}

// gtdAttackTypes crosswalks GTD attacktype1 to ACLED event and sub-event
// types. Bombings by a suicide attacker (suicide = 1) become "Suicide
// bomb"; an armed assault on military or police targets a "Battles"
// armed clash (see gtdRow).
var gtdAttackTypes = map[string][2]string{
	"1": {"Violence against civilians", "Attack"},                         // Assassination
	"2": {"Violence against civilians", "Attack"},                         // Armed Assault
	"3": {"Explosions/Remote violence", "Remote explosive/landmine/IED"},  // Bombing/Explosion
	"4": {"Violence against civilians", "Abduction/forced disappearance"}, // Hijacking
	"5": {"Violence against civilians", "Abduction/forced disappearance"}, // Hostage Taking (Barricade Incident)
	"6": {"Violence against civilians", "Abduction/forced disappearance"}, // Hostage Taking (Kidnapping)
	"7": {"Strategic developments", "Looting/property destruction"},       // Facility/Infrastructure Attack
	"8": {"Violence against civilians", "Attack"},                         // Unarmed Assault
	"9": {"Violence against civilians", ""},                               // Unknown
}

// gtdTargetTypes maps GTD targtype1 onto our target types; 7, Government
// (Diplomatic), is split by targsubtype1 in gtdRow.
var gtdTargetTypes = map[string]incidentmap.TargetType{
	"2": incidentmap.TargetGovernment, "3": incidentmap.TargetGovernment, "4": incidentmap.TargetMilitary,
	"7": incidentmap.TargetDiplomaticStaff, "14": incidentmap.TargetCivilian, "15": incidentmap.TargetReligiousSite,
}

// gtdRow maps a GTD row (see README "Import and export").
func gtdRow(t *table, o Options) (*incidentmap.Incident, bool, []string, error) {
	id := t.get("eventid")
	if id == "" {
		return nil, false, nil, incidentmap.Invalidf("eventid", "is empty; every GTD event has one")
	}
	inc := &incidentmap.Incident{
		ID:          "gtd:" + id,
		ExternalIDs: []string{"gtd:" + id},
		PlaceName:   t.get("city"),
		Admin1Name:  t.get("provstate"),
		Perpetrator: t.get("gname"),
		Status:      incidentmap.StatusPublished,
		Tags:        []string{"gtd"},
		TargetType:  incidentmap.TargetOther,
	}
	if g := t.get("gname"); g != "" {
		inc.Actors = []string{g}
	}
	var err error
	if inc.OccurredStart, inc.OccurredEnd, inc.DatePrecision, err = gtdDates(t.get("iyear"), t.get("imonth"), t.get("iday")); err != nil {
		return nil, false, nil, err
	}
	var ok bool
	if inc.LocationPrecision, ok = gtdSpecificity[t.get("specificity")]; !ok {
		return nil, false, nil, incidentmap.Invalidf("specificity", "must be 1–5, got %q", clip(t.get("specificity")))
	}
	types, ok := gtdAttackTypes[t.get("attacktype1")]
	if !ok {
		return nil, false, nil, incidentmap.Invalidf("attacktype1", "must be 1–9, got %q", clip(t.get("attacktype1")))
	}
	inc.EventType, inc.SubEventType = types[0], types[1]
	if tt, ok := gtdTargetTypes[t.get("targtype1")]; ok {
		inc.TargetType = tt
	}
	switch {
	case t.get("attacktype1") == "3" && t.get("suicide") == "1":
		inc.SubEventType = "Suicide bomb"
	case t.get("attacktype1") == "2" && inc.TargetType == incidentmap.TargetMilitary:
		inc.EventType, inc.SubEventType = "Battles", "Armed clash"
	}
	if t.get("targtype1") == "7" {
		target := strings.ToLower(t.get("target1"))
		switch t.get("targsubtype1") {
		case "46": // Embassy/Consulate
			inc.TargetType = incidentmap.TargetEmbassy
			if strings.Contains(target, "consul") {
				inc.TargetType = incidentmap.TargetConsulate
			}
		case "47": // International Organization
			inc.TargetType = incidentmap.TargetIntlOrganisation
		}
		inc.Facility = t.get("target1")
		inc.TargetCountry = t.countryCode(o, t.get("natlty1_txt"))
	}
	if inc.Fatalities, err = gtdCount("nkill", t.get("nkill")); err != nil {
		return nil, false, nil, err
	}
	if inc.Injuries, err = gtdCount("nwound", t.get("nwound")); err != nil {
		return nil, false, nil, err
	}
	for _, col := range []string{"scite1", "scite2", "scite3"} {
		if c := t.get(col); c != "" {
			inc.Sources = append(inc.Sources, incidentmap.Source{Title: title(c)})
		}
	}
	inc.Title = title(fmt.Sprintf("%s on %s in %s, %s", orDefault(t.get("attacktype1_txt"), "Attack"),
		orDefault(t.get("targtype1_txt"), "an unknown target"), orDefault(inc.PlaceName, "an unknown place"), t.get("country_txt")))
	inc.Summary = fmt.Sprintf("GTD event %s: %s by %s.", id, strings.ToLower(orDefault(t.get("attacktype1_txt"), "attack")), orDefault(t.get("gname"), "an unknown group"))
	inc.Country = t.countryCode(o, t.get("country_txt"))
	var hasPoint bool
	if inc.Location, hasPoint, err = parsePoint("longitude", t.get("longitude"), "latitude", t.get("latitude")); err != nil {
		return nil, false, nil, err
	}
	return inc, hasPoint, nil, nil
}

// gtdDates reads GTD's year, month and day, where a month or day of 0
// means unknown: the interval is then the month or the year.
func gtdDates(year, month, day string) (start, end time.Time, p incidentmap.DatePrecision, err error) {
	y, err1 := strconv.Atoi(year)
	m, err2 := strconv.Atoi(month)
	d, err3 := strconv.Atoi(day)
	switch {
	case err1 != nil || y < 1900 || y > 2100:
		return start, end, p, incidentmap.Invalidf("iyear", "must be a year, got %q", clip(year))
	case err2 != nil || m < 0 || m > 12:
		return start, end, p, incidentmap.Invalidf("imonth", "must be 0 (unknown) to 12, got %q", clip(month))
	case err3 != nil || d < 0 || d > 31:
		return start, end, p, incidentmap.Invalidf("iday", "must be 0 (unknown) to 31, got %q", clip(day))
	case m == 0:
		start = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(1, 0, -1), incidentmap.DateYear, nil
	case d == 0:
		start, end, p = monthOf(time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC))
		return start, end, p, nil
	}
	start = time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if start.Day() != d {
		return start, end, p, incidentmap.Invalidf("iday", "%d-%02d has no day %d", y, m, d)
	}
	return start, start, incidentmap.DateDay, nil
}

// gtdCount reads a GTD casualty count, which exports write as "3" or
// "3.0"; empty or -99 is unknown.
func gtdCount(col, s string) (*int, error) {
	if s == "" || s == "-99" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f != math.Trunc(f) || f > 1e9 {
		return nil, incidentmap.Invalidf(col, "must be a whole number ≥ 0, empty or -99 (unknown), got %q", clip(s))
	}
	n := int(f)
	return &n, nil
}
