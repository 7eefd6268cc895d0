package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Without regions, REGION() in a filter is a 400 that says so; without the
// resolver (parseItemsQuery alone), it is an unknown function.
func TestFilterRegionDisabled(t *testing.T) {
	ts := newTestServer(t, newFake())
	for _, q := range []string{
		"filter=" + url.QueryEscape("S_INTERSECTS(location, REGION('AF-HER'))"),
		"filter-lang=cql2-json&filter=" + url.QueryEscape(`{"op":"s_intersects","args":[{"property":"location"},{"op":"region","args":["AF-HER"]}]}`),
	} {
		w := ts.get(t, "/collections/incidents/items?"+q)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "regions are not enabled") ||
			!strings.Contains(w.Body.String(), `"parameter":"filter"`) {
			t.Errorf("?%s: %d %s", q, w.Code, w.Body)
		}
	}
	_, err := parseItemsQuery(url.Values{"filter": {"S_INTERSECTS(location, REGION('AF-HER'))"}})
	if err == nil || !strings.Contains(err.Error(), `unknown function "REGION"`) {
		t.Errorf("parseItemsQuery: %v", err)
	}
}
