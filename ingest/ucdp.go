package ingest

import (
	"fmt"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap"
)

// ucdpColumns are the columns of a UCDP GED CSV that the mapping reads.
var ucdpColumns = []string{"id", "type_of_violence", "conflict_name", "side_a", "side_b",
	"source_office", "source_date", "source_headline", "where_prec", "where_coordinates", "adm_1",
	"latitude", "longitude", "country", "date_prec", "date_start", "date_end", "best", "low", "high"}

// ucdpWherePrec maps UCDP where_prec onto our location precision:
// 1 the exact place (in GED a town or village), 2 within about 25 km of a
// known place, 3 a second-order division, 4 a first-order division, 5 a
// larger area ("northern Syria", a road or river), 6 the country, 7 waters
// or airspace.
var ucdpWherePrec = map[string]incidentmap.LocationPrecision{
	"1": incidentmap.LocationCity, "2": incidentmap.LocationCity, "3": incidentmap.LocationDistrict,
	"4": incidentmap.LocationProvince, "5": incidentmap.LocationProvince,
	"6": incidentmap.LocationCountry, "7": incidentmap.LocationCountry,
}

// ucdpDatePrec maps UCDP date_prec onto our date precision: 1 the day,
// 2 within 2–6 days, 3 the week, 4 within 8–30 days or the month, 5 more
// than a month. The dates themselves are date_start and date_end.
var ucdpDatePrec = map[string]incidentmap.DatePrecision{
	"1": incidentmap.DateDay, "2": incidentmap.DateWeek, "3": incidentmap.DateWeek,
	"4": incidentmap.DateMonth, "5": incidentmap.DateYear,
}

// ucdpRow maps a UCDP GED row (see README "Import and export").
func ucdpRow(t *table, o Options) (*incidentmap.Incident, bool, []string, error) {
	id := t.get("id")
	if id == "" {
		return nil, false, nil, incidentmap.Invalidf("id", "column id is empty; every GED event has one")
	}
	inc := &incidentmap.Incident{
		ID:          "ucdp:" + id,
		ExternalIDs: []string{"ucdp:" + id},
		PlaceName:   t.get("where_coordinates"),
		Admin1Name:  t.get("adm_1"),
		Perpetrator: t.get("side_a"),
		Status:      incidentmap.StatusPublished,
		Tags:        []string{"ucdp"},
	}
	for _, a := range []string{t.get("side_a"), t.get("side_b")} {
		if a != "" {
			inc.Actors = append(inc.Actors, a)
		}
	}
	var ok bool
	if inc.LocationPrecision, ok = ucdpWherePrec[t.get("where_prec")]; !ok {
		return nil, false, nil, incidentmap.Invalidf("where_prec", "must be 1–7, got %q", clip(t.get("where_prec")))
	}
	if inc.DatePrecision, ok = ucdpDatePrec[t.get("date_prec")]; !ok {
		return nil, false, nil, incidentmap.Invalidf("date_prec", "must be 1–5, got %q", clip(t.get("date_prec")))
	}
	var err error
	if inc.OccurredStart, err = parseDate("date_start", time.DateOnly, firstDay(t.get("date_start"))); err != nil {
		return nil, false, nil, err
	}
	if inc.OccurredEnd, err = parseDate("date_end", time.DateOnly, firstDay(t.get("date_end"))); err != nil {
		return nil, false, nil, err
	}
	var verb string
	switch t.get("type_of_violence") {
	case "1", "2": // state-based and non-state conflict
		inc.EventType, inc.SubEventType, inc.TargetType = "Battles", "Armed clash", incidentmap.TargetMilitary
		verb = "Armed clash between " + t.get("side_a") + " and " + t.get("side_b")
	case "3": // one-sided violence
		inc.EventType, inc.SubEventType, inc.TargetType = "Violence against civilians", "Attack", incidentmap.TargetCivilian
		verb = "Attack on civilians by " + t.get("side_a")
	default:
		return nil, false, nil, incidentmap.Invalidf("type_of_violence", "must be 1, 2 or 3, got %q", clip(t.get("type_of_violence")))
	}
	inc.Title = title(verb + " near " + orDefault(inc.PlaceName, t.get("country")))
	if inc.Fatalities, err = parseCount("best", t.get("best")); err != nil {
		return nil, false, nil, err
	}
	inc.Summary = fmt.Sprintf("UCDP GED event %s in the conflict %q: %s deaths by the best estimate (low %s, high %s).",
		id, t.get("conflict_name"), orDefault(t.get("best"), "unknown"), orDefault(t.get("low"), "?"), orDefault(t.get("high"), "?"))
	inc.Sources = ucdpSources(t.get("source_office"), t.get("source_date"), t.get("source_headline"))
	inc.Country = t.countryCode(o, t.get("country"))
	var hasPoint bool
	if inc.Location, hasPoint, err = parsePoint("longitude", t.get("longitude"), "latitude", t.get("latitude")); err != nil {
		return nil, false, nil, err
	}
	return inc, hasPoint, nil, nil
}

// firstDay takes the date of a cell, which GED writes as YYYY-MM-DD,
// sometimes with a time after it.
func firstDay(s string) string {
	if len(s) > 10 {
		return s[:10]
	}
	return s
}

// ucdpSources pairs the ;-separated offices, dates and headlines of a
// GED row into sources.
func ucdpSources(offices, dates, headlines string) []incidentmap.Source {
	o, d, h := strings.Split(offices, ";"), strings.Split(dates, ";"), strings.Split(headlines, ";")
	var out []incidentmap.Source
	for i := range max(len(o), len(h)) {
		src := incidentmap.Source{Publisher: title(at(o, i)), Title: title(at(h, i))}
		if day, err := time.Parse(time.DateOnly, firstDay(at(d, i))); err == nil {
			src.PublishedOn = day
		}
		if src.Publisher != "" || src.Title != "" {
			out = append(out, src)
		}
	}
	return out
}

func at(ss []string, i int) string {
	if i < len(ss) {
		return strings.TrimSpace(ss[i])
	}
	return ""
}

// countryCode returns the ISO 3166-1 alpha-3 code of a country's English
// name as the boundaries spell it (or of an alpha-3 code), or "" when it
// is unknown or there are no boundaries; the point fills it in then.
func (t *table) countryCode(o Options, name string) string {
	name = strings.TrimSpace(name)
	if up := strings.ToUpper(name); incidentmap.ValidCountry(up) {
		return up
	}
	if o.Regions == nil || name == "" {
		return ""
	}
	if t.countries == nil {
		t.countries = map[string]string{}
		for _, c := range o.Regions.All(0, "") {
			t.countries[strings.ToLower(c.Name)] = c.Code
		}
	}
	return t.countries[strings.ToLower(name)]
}
