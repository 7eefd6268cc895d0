package api

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
)

// aggregatePath counts the incidents of the collection by a group key.
const aggregatePath = collectionURL + "/aggregate"

// aggregateItemsOnly are the parameters of the items that page or shape
// features, which an aggregate has none of: they are refused by name
// rather than ignored, so that a client never believes they applied.
var aggregateItemsOnly = []string{"limit", "cursor", "sortby", "properties", "as_of", "status"}

// aggregateBody is the JSON of an aggregate response. numberMatched is
// the sum of the counts: the numberMatched of the items with the same
// filter.
type aggregateBody struct {
	GroupBy       string            `json:"groupby"`
	NumberMatched int               `json:"numberMatched"`
	Buckets       []aggregateBucket `json:"buckets"`
}

// aggregateBucket is one group: the value of the group key ("" for
// incidents without one) and how many incidents have it.
type aggregateBucket struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// aggregateParams returns the query parameters of the aggregate endpoint,
// in the order the OpenAPI document lists them: groupby, then every
// filter parameter of the items (itemParams without aggregateItemsOnly
// and f), then f, which takes json only.
func aggregateParams() []paramDoc {
	ps := []paramDoc{{"groupby", "Required. What to count incidents by: day, month and year of occurred_start (YYYY-MM-DD, YYYY-MM, YYYY), " +
		"or the value of country, admin1_code, event_type, sub_event_type, target_type or target_country (\"\" for incidents without one).",
		map[string]any{"type": "string", "enum": incidentmap.GroupKeys}}}
	for _, p := range itemParams() {
		if p.Name != "f" && !slices.Contains(aggregateItemsOnly, p.Name) {
			ps = append(ps, p)
		}
	}
	return append(ps, paramDoc{"f", "Output format: only json (application/json).", map[string]any{"type": "string", "enum": []string{"json"}}})
}

// aggregateParamObjects returns the OpenAPI parameters of the aggregate
// endpoint, from its handler's list (aggregateParams); groupby is required.
func aggregateParamObjects() []any {
	var out []any
	for _, p := range aggregateParams() {
		var explode any
		if p.Schema["type"] == "array" {
			explode = false
		}
		o := param(p.Name, p.Description, p.Schema, explode)
		if p.Name == "groupby" {
			o["required"] = true
		}
		out = append(out, o)
	}
	return out
}

// invalidGroupKey returns the error of a groupby value that is not one of
// incidentmap.GroupKeys: EINVALID naming "groupby".
func invalidGroupKey(by string) error {
	return incidentmap.Invalidf("groupby", "cannot group by %q: use one of %s", clip(by), strings.Join(incidentmap.GroupKeys, ", "))
}

// isAggregateParam reports whether the aggregate endpoint takes name.
func isAggregateParam(name string) bool {
	return name == "groupby" || name == "f" || (isItemsParam(name) && !slices.Contains(aggregateItemsOnly, name))
}

// aggregateParamList is the list of parameter names for error messages.
func aggregateParamList() string {
	names := make([]string, 0, 32)
	for _, p := range aggregateParams() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// aggregate serves GET /collections/incidents/aggregate: how many
// published incidents the filter selects, in groups of the groupby key,
// for histograms and tables.
//
// groupby is required and one of incidentmap.GroupKeys. The filter
// parameters are exactly those of the items (bbox, datetime, region,
// filter, filter-lang, filter-crs and the property parameters), parsed by
// the same parseItemsRequest, so a filter selects the same incidents here
// as there and a bad one is the same 400. The parameters that page or
// shape the items (limit, cursor, sortby, properties) are 400s naming
// them, as is f other than json. The response is application/json:
//
//	{"groupby":"month","numberMatched":14,"buckets":[{"key":"2019-11","count":1},…]}
//
// with buckets sorted by key ascending (byte order), only non-empty groups,
// and numberMatched the sum of their counts. The item index counts them
// when it is current and answers the filter (countFromIndex); otherwise
// Store.CountBy does, with the same answer. Either answer is kept for the
// data version (aggregateCache).
func (s *server) aggregate(c *gin.Context) error {
	q, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		return incidentmap.Errorf(incidentmap.EINVALID, "the query string is malformed")
	}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names) // report the same error for the same query
	var by string
	for _, name := range names {
		vals := q[name]
		switch {
		case name == "status":
			return incidentmap.Invalidf(name, "only published incidents are public; this endpoint has no status parameter")
		case slices.Contains(aggregateItemsOnly, name):
			return incidentmap.Invalidf(name, "pages or shapes the items and is not a parameter of the aggregate; it takes %s", aggregateParamList())
		case !isAggregateParam(name):
			return incidentmap.Invalidf(clip(name), "is not a query parameter of this endpoint; it takes %s", aggregateParamList())
		case name != "groupby" && name != "f":
			continue // a filter parameter: parseItemsRequest checks it
		case len(vals) != 1:
			return incidentmap.Invalidf(name, "must be given at most once")
		case name == "f":
			if vals[0] != "json" {
				return incidentmap.Invalidf(name, "must be json here (the aggregate is application/json), got %q", clip(vals[0]))
			}
		case vals[0] == "":
			return incidentmap.Invalidf(name, "must not be empty; use one of %s", strings.Join(incidentmap.GroupKeys, ", "))
		case !slices.Contains(incidentmap.GroupKeys, vals[0]):
			return invalidGroupKey(vals[0])
		default:
			by = vals[0]
		}
	}
	if by == "" {
		return incidentmap.Invalidf("groupby", "is required; use one of %s", strings.Join(incidentmap.GroupKeys, ", "))
	}
	rest := make(url.Values, len(q))
	for name, vals := range q {
		if name != "groupby" && name != "f" {
			rest[name] = vals
		}
	}
	iq, err := s.parseItemsRequest(rest, nil)
	if err != nil {
		return err
	}
	v, err := s.dataVersion(c)
	if err != nil {
		return err
	}
	key := by + "\x00" + encodeQuery(rest)
	if body, ok := s.aggregates.get(v.ETag(), key); ok {
		writeJSON(c, http.StatusOK, body)
		return nil
	}
	buckets, ok := s.countFromIndex(v.ETag(), iq.filter, by)
	if ok {
		s.aggregates.fromIndex.Add(1)
	} else {
		s.aggregates.fromStore.Add(1)
		if buckets, err = s.store.CountBy(c.Request.Context(), iq.filter, by); err != nil {
			return fmt.Errorf("api: count incidents by %s: %w", by, err)
		}
	}
	body := aggregateBody{GroupBy: by, Buckets: make([]aggregateBucket, len(buckets))}
	for i, b := range buckets {
		body.Buckets[i] = aggregateBucket{Key: b.Key, Count: b.Count}
		body.NumberMatched += b.Count
	}
	s.aggregates.put(v.ETag(), key, body)
	writeJSON(c, http.StatusOK, body)
	return nil
}

// aggregateCacheMax bounds the answers kept for one data version.
const aggregateCacheMax = 512

// aggregateCache keeps the answers of /aggregate for one data version, so
// that a histogram over a million incidents is counted once per change of
// the data, not once per client (the map asks for the same few). It is
// emptied when the version changes, and when full it forgets the oldest
// answer first.
type aggregateCache struct {
	// Answers counted from the item index and by the store (cached
	// answers are neither).
	fromIndex, fromStore atomic.Int64

	mu      sync.Mutex
	version string
	answers map[string]aggregateBody
	order   []string // keys, oldest first
}

func (a *aggregateCache) get(version, key string) (aggregateBody, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.version != version {
		return aggregateBody{}, false
	}
	body, ok := a.answers[key]
	return body, ok
}

func (a *aggregateCache) put(version, key string, body aggregateBody) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.version != version || a.answers == nil {
		a.version, a.answers, a.order = version, map[string]aggregateBody{}, nil
	}
	if _, ok := a.answers[key]; ok {
		return
	}
	if len(a.order) >= aggregateCacheMax {
		delete(a.answers, a.order[0])
		a.order = a.order[1:]
	}
	a.answers[key] = body
	a.order = append(a.order, key)
}
