package ingest

import (
	"fmt"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap"
)

// acledColumns are the columns of an ACLED CSV export that the mapping
// reads.
var acledColumns = []string{"event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type",
	"actor1", "actor2", "inter2", "civilian_targeting", "country", "admin1", "location",
	"latitude", "longitude", "geo_precision", "source", "fatalities"}

// acledGeoPrecision maps ACLED geo_precision onto our scale: 1 the town
// itself, 2 near a town or in a part of a district, 3 only a larger region
// (the provincial capital's coordinates stand for it).
var acledGeoPrecision = map[string]incidentmap.LocationPrecision{
	"1": incidentmap.LocationCity, "2": incidentmap.LocationDistrict, "3": incidentmap.LocationProvince,
}

// acledDateLayouts are the ways ACLED exports write event_date.
var acledDateLayouts = []string{time.DateOnly, "02 January 2006", "2 January 2006", "02-January-2006", "1/2/2006"}

// acledRow maps an ACLED row (see README "Import and export").
func acledRow(t *table, o Options) (*incidentmap.Incident, bool, []string, error) {
	id := t.get("event_id_cnty")
	if id == "" {
		return nil, false, nil, incidentmap.Invalidf("event_id_cnty", "is empty; every ACLED event has one")
	}
	inc := &incidentmap.Incident{
		ID:           "acled:" + id,
		ExternalIDs:  []string{"acled:" + id},
		EventType:    t.get("event_type"),
		SubEventType: t.get("sub_event_type"),
		PlaceName:    t.get("location"),
		Admin1Name:   t.get("admin1"),
		Perpetrator:  t.get("actor1"),
		Status:       incidentmap.StatusPublished,
		Tags:         []string{"acled"},
		TargetType:   incidentmap.TargetOther,
	}
	for _, a := range []string{t.get("actor1"), t.get("actor2")} {
		if a != "" {
			inc.Actors = append(inc.Actors, a)
		}
	}
	for _, tag := range strings.Split(t.get("tags"), ";") {
		if tag = strings.TrimSpace(tag); tag != "" {
			inc.Tags = append(inc.Tags, tag)
		}
	}
	switch {
	case t.get("civilian_targeting") != "" || t.get("inter2") == "7":
		inc.TargetType = incidentmap.TargetCivilian
	case t.get("inter2") == "1" || t.get("inter2") == "2" || t.get("inter2") == "3":
		inc.TargetType = incidentmap.TargetMilitary
	}
	var ok bool
	if inc.LocationPrecision, ok = acledGeoPrecision[t.get("geo_precision")]; !ok {
		return nil, false, nil, incidentmap.Invalidf("geo_precision", "must be 1, 2 or 3, got %q", clip(t.get("geo_precision")))
	}
	day, err := parseDateAny("event_date", acledDateLayouts, t.get("event_date"))
	if err != nil {
		return nil, false, nil, err
	}
	switch t.get("time_precision") {
	case "1":
		inc.OccurredStart, inc.OccurredEnd, inc.DatePrecision = day, day, incidentmap.DateDay
	case "2": // the date stands for a week around it
		inc.OccurredStart, inc.OccurredEnd, inc.DatePrecision = day.AddDate(0, 0, -3), day.AddDate(0, 0, 3), incidentmap.DateWeek
	case "3":
		inc.OccurredStart, inc.OccurredEnd, inc.DatePrecision = monthOf(day)
	default:
		return nil, false, nil, incidentmap.Invalidf("time_precision", "must be 1, 2 or 3, got %q", clip(t.get("time_precision")))
	}
	if inc.Fatalities, err = parseCount("fatalities", t.get("fatalities")); err != nil {
		return nil, false, nil, err
	}
	for _, pub := range strings.Split(t.get("source"), ";") {
		if pub = strings.TrimSpace(pub); pub != "" {
			inc.Sources = append(inc.Sources, incidentmap.Source{Publisher: pub})
		}
	}
	against := ""
	if a2 := t.get("actor2"); a2 != "" {
		against = " against " + a2
	}
	inc.Title = title(fmt.Sprintf("%s in %s: %s%s", orDefault(inc.SubEventType, inc.EventType), orDefault(inc.PlaceName, t.get("country")), orDefault(t.get("actor1"), "unidentified actors"), against))
	inc.Summary = fmt.Sprintf("ACLED event %s (%s, %s), %s fatalities reported.", id, inc.EventType, orDefault(inc.SubEventType, "no sub-event type"), orDefault(t.get("fatalities"), "unknown"))
	inc.Country = t.countryCode(o, t.get("country"))
	var hasPoint bool
	if inc.Location, hasPoint, err = parsePoint("longitude", t.get("longitude"), "latitude", t.get("latitude")); err != nil {
		return nil, false, nil, err
	}
	return inc, hasPoint, nil, nil
}

// parseDateAny parses a date in the first layout that fits.
func parseDateAny(col string, layouts []string, s string) (time.Time, error) {
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return incidentmap.Day(t), nil
		}
	}
	return time.Time{}, incidentmap.Invalidf(col, "must be a date like %s, got %q", layoutExample(layouts[0]), clip(s))
}

// monthOf returns the calendar month of day as an interval.
func monthOf(day time.Time) (time.Time, time.Time, incidentmap.DatePrecision) {
	first := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
	return first, first.AddDate(0, 1, -1), incidentmap.DateMonth
}
