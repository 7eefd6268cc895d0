package main

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/ingest"
)

// aggregateResponse is the JSON of /collections/incidents/aggregate.
type aggregateResponse struct {
	GroupBy       string `json:"groupby"`
	NumberMatched int    `json:"numberMatched"`
	Buckets       []struct {
		Key   string `json:"key"`
		Count int    `json:"count"`
	} `json:"buckets"`
}

// getAggregate fetches the aggregate for query and returns its body and
// the decoded response.
func getAggregate(t *testing.T, base, query string) ([]byte, aggregateResponse) {
	t.Helper()
	resp, body := get(t, base+"/collections/incidents/aggregate?"+query)
	if resp.StatusCode != 200 {
		t.Fatalf("?%s: %s %s", query, resp.Status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("?%s: Content-Type %q", query, ct)
	}
	var a aggregateResponse
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("?%s: %v: %s", query, err, body)
	}
	return body, a
}

// seedBuckets groups the seeds that keep selects by the group key by, as
// "key=count" strings in key order.
func seedBuckets(t *testing.T, by string, keep func(*incidentmap.Incident) bool) []string {
	t.Helper()
	seeds, err := ingest.Seeds()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, s := range seeds {
		if keep(s) {
			k, _ := incidentmap.GroupValue(s, by)
			counts[k]++
		}
	}
	var out []string
	for k, n := range counts {
		out = append(out, k+"="+itoa(n))
	}
	slices.Sort(out)
	return out
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// pairs returns the buckets of a as "key=count" strings, in their order.
func (a aggregateResponse) pairs() []string {
	var out []string
	for _, b := range a.Buckets {
		out = append(out, b.Key+"="+itoa(b.Count))
	}
	return out
}

// TestAggregateBothStores drives the aggregate of the real server over
// SQLite and PostGIS with the seeds: months add up to numberMatched and to
// the items' count, countries are AFG 7 / IRQ 7, a filter changes the
// buckets, and both stores answer with the same bytes for every group key.
func TestAggregateBothStores(t *testing.T) {
	stores := []struct{ name, dsn string }{{"sqlite", sqliteDSN(t)}, {"postgis", postgisDSN(t)}}
	all := func(*incidentmap.Incident) bool { return true }
	iraq := func(i *incidentmap.Incident) bool { return i.Country == "IRQ" }
	queries := []string{"country=IRQ", "datetime=2020-01-01/2021-12-31", "region=AF-HER",
		"filter=" + url.QueryEscape("target_country = 'IRN' AND event_type <> 'Protests'"), "bbox=40,29,50,38"}
	bodies := map[string]map[string]string{} // store → query → body
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			m := boot(t, st.dsn)
			base := m.URL()
			bodies[st.name] = map[string]string{}

			_, month := getAggregate(t, base, "groupby=month")
			sum := 0
			for _, b := range month.Buckets {
				sum += b.Count
			}
			if month.GroupBy != "month" || month.NumberMatched != 14 || sum != 14 {
				t.Errorf("month: groupby %q, numberMatched %d, sum %d; want 14", month.GroupBy, month.NumberMatched, sum)
			}
			if want := seedBuckets(t, "month", all); !slices.Equal(month.pairs(), want) {
				t.Errorf("month: %v, want %v", month.pairs(), want)
			}

			_, country := getAggregate(t, base, "groupby=country")
			if got := country.pairs(); !slices.Equal(got, []string{"AFG=7", "IRQ=7"}) {
				t.Errorf("country: %v, want AFG=7 IRQ=7", got)
			}

			_, irqMonths := getAggregate(t, base, "groupby=month&country=IRQ")
			if want := seedBuckets(t, "month", iraq); !slices.Equal(irqMonths.pairs(), want) || irqMonths.NumberMatched != 7 {
				t.Errorf("month of IRQ: %v (%d), want %v (7)", irqMonths.pairs(), irqMonths.NumberMatched, want)
			}
			if slices.Equal(irqMonths.pairs(), month.pairs()) {
				t.Error("country=IRQ did not change the buckets")
			}

			// Every group key, with and without filters: numberMatched is
			// the items' numberMatched for the same filter.
			for _, by := range incidentmap.GroupKeys {
				for _, q := range append([]string{""}, queries...) {
					query := "groupby=" + by
					if q != "" {
						query += "&" + q
					}
					body, a := getAggregate(t, base, query)
					bodies[st.name][query] = string(body)
					if a.GroupBy != by {
						t.Errorf("?%s: groupby %q", query, a.GroupBy)
					}
					// A page that holds every match carries numberMatched
					// (a smaller one does only with --matched-cap).
					items := getCollection(t, base+"/collections/incidents/items?limit=10000&"+q)
					total := 0
					for i, b := range a.Buckets {
						total += b.Count
						if b.Count < 1 || (i > 0 && a.Buckets[i-1].Key >= b.Key) {
							t.Errorf("?%s: bucket %d %+v out of order or empty", query, i, b)
						}
					}
					if a.NumberMatched != items.NumberMatched || total != a.NumberMatched {
						t.Errorf("?%s: numberMatched %d, buckets add up to %d, items match %d", query, a.NumberMatched, total, items.NumberMatched)
					}
				}
			}

			// Items-only parameters and bad input are 400s naming them.
			for query, param := range map[string]string{
				"":                            "groupby",
				"groupby=week":                "groupby",
				"groupby=month&limit=10":      "limit",
				"groupby=month&sortby=id":     "sortby",
				"groupby=month&f=csv":         "f",
				"groupby=month&bbox=1,2,3":    "bbox",
				"groupby=month&region=AF-XXX": "region",
			} {
				resp, body := get(t, base+"/collections/incidents/aggregate?"+query)
				if resp.StatusCode != 400 || !strings.Contains(string(body), `"parameter":"`+param+`"`) {
					t.Errorf("?%s: %s %s, want 400 naming %s", query, resp.Status, body, param)
				}
			}
		})
	}
	sq, pg := bodies["sqlite"], bodies["postgis"]
	if len(sq) == 0 || len(pg) == 0 {
		return // PostGIS skipped, or a store failed above
	}
	if len(sq) != len(incidentmap.GroupKeys)*(len(queries)+1) || len(pg) != len(sq) {
		t.Errorf("compared %d sqlite and %d postgis responses", len(sq), len(pg))
	}
	for query, body := range sq {
		if pg[query] != body {
			t.Errorf("?%s:\nsqlite  %s\npostgis %s", query, body, pg[query])
		}
	}
}
