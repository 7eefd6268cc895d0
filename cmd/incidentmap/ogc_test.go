package main

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
)

// TestOGCDocuments reads the OGC API documents from the real server over
// SQLite: the landing page, conformance, the OpenAPI document, the
// collection with the extent of the seeds, the queryables, and the HTML
// form of each.
func TestOGCDocuments(t *testing.T) {
	m := boot(t, sqliteDSN(t))
	base := m.URL()
	getJSON := func(path, wantType string, v any) {
		t.Helper()
		resp, body := get(t, base+path)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), wantType) {
			t.Fatalf("GET %s: %s %q %s", path, resp.Status, resp.Header.Get("Content-Type"), body)
		}
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	var landing struct {
		Links []struct{ Href, Rel, Type string }
	}
	getJSON("/", "application/json", &landing)
	rels := map[string]string{}
	for _, l := range landing.Links {
		rels[l.Rel] = l.Href
	}
	if rels["service-desc"] != base+"/api" || rels["conformance"] != base+"/conformance" || rels["data"] != base+"/collections" {
		t.Errorf("landing links %v", rels)
	}
	var conf struct{ ConformsTo []string }
	getJSON("/conformance", "application/json", &conf)
	if !slices.Contains(conf.ConformsTo, "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30") {
		t.Errorf("conformance %v", conf.ConformsTo)
	}
	var api struct {
		OpenAPI string
		Paths   map[string]any
	}
	getJSON("/api", "application/vnd.oai.openapi+json;version=3.0", &api)
	if api.OpenAPI != "3.0.3" || api.Paths["/collections/incidents/items"] == nil {
		t.Errorf("openapi %s, %d paths", api.OpenAPI, len(api.Paths))
	}
	var coll struct {
		ID     string
		Extent struct {
			Spatial  struct{ BBox [][4]float64 }
			Temporal struct{ Interval [][2]string }
		}
	}
	getJSON("/collections/incidents", "application/json", &coll)
	iv := coll.Extent.Temporal.Interval
	if coll.ID != "incidents" || len(coll.Extent.Spatial.BBox) != 1 || len(iv) != 1 ||
		iv[0][0] != "2019-11-01T00:00:00Z" || iv[0][1] != "2022-09-05T23:59:59Z" {
		t.Errorf("collection %+v", coll)
	}
	var qs struct {
		Properties map[string]any
	}
	getJSON("/collections/incidents/queryables", "application/schema+json", &qs)
	if qs.Properties["country"] == nil || qs.Properties["location"] == nil {
		t.Errorf("queryables %v", qs.Properties)
	}
	// Every CQL2 class declared has its cases in TestFilterEndToEnd.
	for _, uri := range conf.ConformsTo {
		class, ok := strings.CutPrefix(uri, "http://www.opengis.net/spec/cql2/1.0/conf/")
		if !ok || class == "cql2-text" || class == "cql2-json" {
			continue
		}
		if !slices.ContainsFunc(filterCases, func(c filterCase) bool { return c.class == class }) {
			t.Errorf("%s is declared but TestFilterEndToEnd has no case of it", uri)
		}
	}
	for _, path := range []string{"/?f=html", "/conformance?f=html", "/collections?f=html", "/collections/incidents?f=html",
		"/collections/incidents/queryables?f=html", "/api.html", "/collections/incidents/items?f=html&limit=5",
		"/collections/incidents/items/2022-04-11-herat-iran-consulate?f=html"} {
		resp, body := get(t, base+path)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" ||
			strings.Contains(string(body), "<script") || resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: %s %v", path, resp.Status, resp.Header)
		}
	}
	if resp, body := get(t, base+"/collections?f=xml"); resp.StatusCode != 400 || !strings.Contains(string(body), `"parameter":"f"`) {
		t.Errorf("f=xml: %s %s", resp.Status, body)
	}
}

// filterCase is one CQL2 filter, in text and optionally in JSON, and the
// seeds it must select.
type filterCase struct {
	class string // the CQL2 conformance class the case belongs to
	text  string
	json  string
	want  func(*incidentmap.Incident) bool
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func inIraqBox(inc *incidentmap.Incident) bool {
	lon, lat := inc.Location[0], inc.Location[1]
	return lon > 38 && lon < 49 && lat > 29 && lat < 38
}

func najaf(i *incidentmap.Incident) bool { return i.PlaceName == "Najaf" }

func none(*incidentmap.Incident) bool { return false }

const iraqPolygon = `POLYGON((38 29, 49 29, 49 38, 38 38, 38 29))`
const iraqPolygonJSON = `{"type":"Polygon","coordinates":[[[38,29],[49,29],[49,38],[38,38],[38,29]]]}`

// filterCases are checked against the seeds, which the predicates read
// directly: the server's answer must equal the oracle's.
var filterCases = []filterCase{
	{"basic-cql2", `country = 'IRQ'`, `{"op":"=","args":[{"property":"country"},"IRQ"]}`,
		func(i *incidentmap.Incident) bool { return i.Country == "IRQ" }},
	{"basic-cql2", `country <> 'IRQ' AND fatalities > 5`,
		`{"op":"and","args":[{"op":"<>","args":[{"property":"country"},"IRQ"]},{"op":">","args":[{"property":"fatalities"},5]}]}`,
		func(i *incidentmap.Incident) bool {
			return i.Country != "IRQ" && i.Fatalities != nil && *i.Fatalities > 5
		}},
	{"basic-cql2", `target_country IS NULL`, `{"op":"isNull","args":[{"property":"target_country"}]}`,
		func(i *incidentmap.Incident) bool { return i.TargetCountry == "" }},
	{"basic-cql2", `NOT (target_country IS NULL) OR fatalities <= 10`, ``,
		func(i *incidentmap.Incident) bool {
			return i.TargetCountry != "" || i.Fatalities != nil && *i.Fatalities <= 10
		}},
	{"basic-cql2", `occurred_start >= DATE('2022-01-01')`, `{"op":">=","args":[{"property":"occurred_start"},{"date":"2022-01-01"}]}`,
		func(i *incidentmap.Incident) bool { return !i.OccurredStart.Before(day("2022-01-01")) }},
	{"advanced-comparison-operators", `place_name LIKE 'Bagh%'`, `{"op":"like","args":[{"property":"place_name"},"Bagh%"]}`,
		func(i *incidentmap.Incident) bool { return strings.HasPrefix(i.PlaceName, "Bagh") }},
	{"advanced-comparison-operators", `fatalities BETWEEN 5 AND 15`, `{"op":"between","args":[{"property":"fatalities"},5,15]}`,
		func(i *incidentmap.Incident) bool {
			return i.Fatalities != nil && *i.Fatalities >= 5 && *i.Fatalities <= 15
		}},
	{"advanced-comparison-operators", `target_country IN ('GBR', 'USA', 'RUS')`,
		`{"op":"in","args":[{"property":"target_country"},["GBR","USA","RUS"]]}`,
		func(i *incidentmap.Incident) bool {
			return slices.Contains([]string{"GBR", "USA", "RUS"}, i.TargetCountry)
		}},
	{"case-insensitive-comparison", `CASEI(place_name) = casei('KABUL')`,
		`{"op":"=","args":[{"op":"casei","args":[{"property":"place_name"}]},{"op":"casei","args":["KABUL"]}]}`,
		func(i *incidentmap.Incident) bool { return strings.EqualFold(i.PlaceName, "kabul") }},
	{"case-insensitive-comparison", `CASEI(place_name) LIKE CASEI('herat%')`, ``,
		func(i *incidentmap.Incident) bool { return strings.HasPrefix(strings.ToLower(i.PlaceName), "herat") }},
	{"basic-spatial-functions", `S_INTERSECTS(location, BBOX(61.9, 34.2, 62.4, 34.5))`,
		`{"op":"s_intersects","args":[{"property":"location"},{"bbox":[61.9,34.2,62.4,34.5]}]}`,
		func(i *incidentmap.Incident) bool {
			return incidentmap.BBox{West: 61.9, South: 34.2, East: 62.4, North: 34.5}.Contains(i.Location)
		}},
	{"basic-spatial-functions", `S_INTERSECTS(location, POINT(69.17233 34.52813))`,
		`{"op":"s_intersects","args":[{"property":"location"},{"type":"Point","coordinates":[69.17233,34.52813]}]}`,
		func(i *incidentmap.Incident) bool { return i.PlaceName == "Kabul" }},
	{"basic-spatial-functions-plus", `S_INTERSECTS(location, ` + iraqPolygon + `)`,
		`{"op":"s_intersects","args":[{"property":"location"},` + iraqPolygonJSON + `]}`, inIraqBox},
	{"basic-spatial-functions-plus", `S_INTERSECTS(location, MULTIPOINT((62.19967 34.34817), (69.17233 34.52813)))`, ``,
		func(i *incidentmap.Incident) bool { return i.PlaceName == "Herat" || i.PlaceName == "Kabul" }},
	{"basic-spatial-functions-plus", `S_INTERSECTS(location, LINESTRING(62.19967 34.34817, 69.17233 34.52813))`, ``,
		func(i *incidentmap.Incident) bool { return i.PlaceName == "Herat" || i.PlaceName == "Kabul" }},
	{"spatial-functions", `S_WITHIN(location, ` + iraqPolygon + `)`,
		`{"op":"s_within","args":[{"property":"location"},` + iraqPolygonJSON + `]}`, inIraqBox},
	{"spatial-functions", `S_DISJOINT(location, ` + iraqPolygon + `)`, ``,
		func(i *incidentmap.Incident) bool { return !inIraqBox(i) }},
	{"spatial-functions", `S_EQUALS(location, POINT(44.34625 32.02594))`, ``,
		func(i *incidentmap.Incident) bool { return i.PlaceName == "Najaf" }},
	{"spatial-functions", `S_TOUCHES(location, ` + iraqPolygon + `)`, ``,
		func(*incidentmap.Incident) bool { return false }},
	{"temporal-functions", `T_INTERSECTS(occurred, INTERVAL('2022-01-01', '2022-12-31'))`,
		`{"op":"t_intersects","args":[{"property":"occurred"},{"interval":["2022-01-01","2022-12-31"]}]}`,
		func(i *incidentmap.Incident) bool { return i.OccurredStart.Year() == 2022 }},
	{"temporal-functions", `T_BEFORE(occurred, INTERVAL('2020-01-01', '2020-01-31'))`, ``,
		func(i *incidentmap.Incident) bool { return i.OccurredEnd.Before(day("2020-01-01")) }},
	{"temporal-functions", `T_AFTER(occurred, TIMESTAMP('2022-09-03T00:00:00Z'))`, ``,
		func(i *incidentmap.Incident) bool { return i.OccurredStart.After(day("2022-09-03")) }},
	{"temporal-functions", `T_DURING(occurred, INTERVAL('2019-12-15', '2020-12-31'))`, ``,
		func(i *incidentmap.Incident) bool {
			return i.OccurredStart.After(day("2019-12-15")) && i.OccurredEnd.Before(day("2020-12-31"))
		}},
	{"temporal-functions", `T_EQUALS(occurred, INTERVAL('2019-11-01', '2019-11-30'))`, ``,
		func(i *incidentmap.Incident) bool { return i.PlaceName == "Najaf" }},
	{"temporal-functions", `T_DISJOINT(occurred, INTERVAL('2019-01-01', '2021-12-31'))`, ``,
		func(i *incidentmap.Incident) bool { return i.OccurredStart.Year() == 2022 }},
	// Relations that only the Najaf incident, the one month-long interval
	// (2019-11-01..2019-11-30), can have. Dates are days: an interval
	// meets another that starts on its last day.
	{"temporal-functions", `T_CONTAINS(occurred, INTERVAL('2019-11-10', '2019-11-20'))`,
		`{"op":"t_contains","args":[{"property":"occurred"},{"interval":["2019-11-10","2019-11-20"]}]}`, najaf},
	{"temporal-functions", `T_OVERLAPS(occurred, INTERVAL('2019-11-15', '2019-12-15'))`, ``, najaf},
	{"temporal-functions", `T_OVERLAPPEDBY(occurred, INTERVAL('2019-10-15', '2019-11-15'))`, ``, najaf},
	{"temporal-functions", `T_STARTS(occurred, INTERVAL('2019-11-01', '2019-12-31'))`, ``, najaf},
	{"temporal-functions", `T_STARTEDBY(occurred, INTERVAL('2019-11-01', '2019-11-15'))`, ``, najaf},
	{"temporal-functions", `T_FINISHES(occurred, INTERVAL('2019-10-01', '2019-11-30'))`, ``, najaf},
	{"temporal-functions", `T_FINISHEDBY(occurred, INTERVAL('2019-11-15', '2019-11-30'))`, ``, najaf},
	{"temporal-functions", `T_MEETS(occurred, INTERVAL('2019-11-30', '2019-12-31'))`, ``, najaf},
	{"temporal-functions", `T_MEETS(occurred, INTERVAL('2019-12-01', '2019-12-31'))`, ``, none},
	{"temporal-functions", `T_METBY(occurred, INTERVAL('2019-10-01', '2019-11-01'))`, ``, najaf},
	{"temporal-functions", `T_METBY(occurred, INTERVAL('2019-10-01', '2019-10-31'))`, ``, none},
	{"spatial-functions", `S_CONTAINS(location, POINT(44.34625 32.02594))`, ``, najaf},
	{"spatial-functions", `S_CROSSES(location, LINESTRING(62.19967 34.34817, 69.17233 34.52813))`, ``, none},
	{"spatial-functions", `S_OVERLAPS(location, ` + iraqPolygon + `)`, ``, none},
}

// TestFilterEndToEnd proves the Part 3 and CQL2 conformance classes over
// HTTP against SQLite: each filter, in cql2-text and in cql2-json, selects
// exactly the seeds the oracle selects; filter ANDs with the other
// parameters; and bad filters are 400s naming the parameter.
func TestFilterEndToEnd(t *testing.T) {
	m := boot(t, sqliteDSN(t))
	items := m.URL() + "/collections/incidents/items?limit=1000&"
	check := func(t *testing.T, query url.Values, want []string) {
		t.Helper()
		c := getCollection(t, items+query.Encode())
		var got []string
		for _, f := range c.Features {
			got = append(got, f.ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) || c.NumberMatched != len(want) {
			t.Errorf("%s: got %v (numberMatched %d), want %v", query.Encode(), got, c.NumberMatched, want)
		}
	}
	for _, tc := range filterCases {
		t.Run(tc.class+"/"+tc.text, func(t *testing.T) {
			want := seedIDs(t, tc.want)
			check(t, url.Values{"filter": {tc.text}}, want)
			check(t, url.Values{"filter": {tc.text}, "filter-lang": {"cql2-text"}}, want)
			if tc.json != "" {
				check(t, url.Values{"filter": {tc.json}, "filter-lang": {"cql2-json"}}, want)
			}
		})
	}
	t.Run("features-filter/ANDed with bbox and property parameters", func(t *testing.T) {
		box := incidentmap.BBox{West: 60, South: 30, East: 70, North: 35}
		want := seedIDs(t, func(i *incidentmap.Incident) bool {
			return box.Contains(i.Location) && i.EventType == "Riots" && i.TargetType == incidentmap.TargetEmbassy
		})
		check(t, url.Values{"filter": {"target_type = 'embassy'"}, "bbox": {"60,30,70,35"}, "event_type": {"Riots"}}, want)
	})
	t.Run("filter/filter-crs CRS84", func(t *testing.T) {
		want := seedIDs(t, func(i *incidentmap.Incident) bool { return i.Country == "IRQ" })
		check(t, url.Values{"filter": {"country = 'IRQ'"}, "filter-crs": {"http://www.opengis.net/def/crs/OGC/1.3/CRS84"}}, want)
	})
	t.Run("filter/errors", func(t *testing.T) {
		for q, param := range map[string]string{
			"filter=colour%3D'red'":                                   "filter",
			"filter=country%3D":                                       "filter",
			"filter=country%3D'IRQ'&filter-lang=cql-text":             "filter-lang",
			"filter=country%3D'IRQ'&filter-crs=EPSG:4326":             "filter-crs",
			"filter=%7B%22op%22%3A%22%3D%22%7D&filter-lang=cql2-json": "filter",
		} {
			resp, body := get(t, items+q)
			var e struct{ Parameter string }
			if resp.StatusCode != 400 || json.Unmarshal(body, &e) != nil || e.Parameter != param {
				t.Errorf("?%s: %s %s, want 400 naming %s", q, resp.Status, body, param)
			}
		}
	})
	t.Run("queryables-query-parameters", func(t *testing.T) {
		want := seedIDs(t, func(i *incidentmap.Incident) bool {
			return i.Country == "AFG" && i.TargetType == incidentmap.TargetEmbassy
		})
		check(t, url.Values{"country": {"AFG"}, "target_type": {"embassy"}}, want)
	})
}
