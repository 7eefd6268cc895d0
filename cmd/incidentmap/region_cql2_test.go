package main

import (
	"bytes"
	"net/url"
	"slices"
	"testing"
)

// filter=S_INTERSECTS(location, REGION('AF-HER')) (the incidentmap REGION
// extension of CQL2) returns the same incidents as region=AF-HER, in
// cql2-text and cql2-json, on SQLite and on PostGIS; an unknown code is a
// 400 naming filter and the position of the call.
func TestFilterRegionBothStores(t *testing.T) {
	filters := []string{
		"filter=" + url.QueryEscape("S_INTERSECTS(location, REGION('AF-HER'))"),
		"filter=" + url.QueryEscape("s_intersects(location, region('AF-HER')) AND NOT S_DISJOINT(REGION('AF-HER'), location)"),
		"filter-lang=cql2-json&filter=" + url.QueryEscape(`{"op":"s_intersects","args":[{"property":"location"},{"op":"region","args":["AF-HER"]}]}`),
	}
	for _, store := range []struct {
		name string
		dsn  func(*testing.T) string
	}{{"sqlite", sqliteDSN}, {"postgis", postgisDSN}} {
		t.Run(store.name, func(t *testing.T) {
			m := boot(t, store.dsn(t))
			want := featureIDs(getCollection(t, m.URL()+"/collections/incidents/items?region=AF-HER&limit=1000"))
			if len(want) == 0 {
				t.Fatal("no incident in AF-HER")
			}
			for _, f := range filters {
				got := featureIDs(getCollection(t, m.URL()+"/collections/incidents/items?limit=1000&"+f))
				if !slices.Equal(got, want) {
					t.Errorf("?%s: %v, want %v (region=AF-HER)", f, got, want)
				}
			}
			resp, body := get(t, m.URL()+"/collections/incidents/items?filter="+url.QueryEscape("S_INTERSECTS(location, REGION('AF-XXX'))"))
			if resp.StatusCode != 400 || !bytes.Contains(body, []byte(`"parameter":"filter"`)) ||
				!bytes.Contains(body, []byte("at position 24")) || !bytes.Contains(body, []byte("AF-XXX")) {
				t.Errorf("unknown region: %s %s", resp.Status, body)
			}
		})
	}
}
