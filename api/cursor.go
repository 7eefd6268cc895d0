package api

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap"
)

// parseSortBy parses the sortby parameter of OGC API Features Part 8
// (draft): comma-separated sortable properties
// (incidentmap.SortableProperties), each with an optional "+" (ascending,
// the default) or "-" (descending) prefix, e.g. "-occurred_start,id".
// Errors are EINVALID naming "sortby". An empty string gives nil, the
// default order.
func parseSortBy(s string) ([]incidentmap.SortKey, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	if len(s) > 1000 {
		return nil, incidentmap.Invalidf("sortby", "is too long")
	}
	var keys []incidentmap.SortKey
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		name := strings.TrimSpace(part)
		var k incidentmap.SortKey
		switch {
		case strings.HasPrefix(name, "-"):
			k.Desc, name = true, name[1:]
		case strings.HasPrefix(name, "+"):
			name = name[1:]
		}
		if name == "" {
			return nil, incidentmap.Invalidf("sortby", "has an empty property name")
		}
		if !slices.Contains(incidentmap.SortableProperties, name) {
			return nil, incidentmap.Invalidf("sortby", "cannot sort by %q: use one of %s", clip(name), strings.Join(incidentmap.SortableProperties, ", "))
		}
		if seen[name] {
			return nil, incidentmap.Invalidf("sortby", "names %q twice", name)
		}
		seen[name] = true
		k.Property = name
		keys = append(keys, k)
	}
	return keys, nil
}

// formatSortBy writes keys in the syntax parseSortBy reads.
func formatSortBy(keys []incidentmap.SortKey) string {
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		if k.Desc {
			b.WriteByte('-')
		}
		b.WriteString(k.Property)
	}
	return b.String()
}

// cursorToken is the JSON inside a cursor token: the version, the order
// (formatSortBy of Cursor.Order, "" for the default order), the day of
// occurred_start, the values of the other keys, and the id.
type cursorToken struct {
	V      int               `json:"v"`
	Order  string            `json:"o,omitempty"`
	Start  string            `json:"s"`
	Values []json.RawMessage `json:"k,omitempty"`
	ID     string            `json:"i"`
}

// encodeCursor returns c as an opaque, URL-safe token: base64url of the
// JSON of a cursorToken.
func encodeCursor(c *incidentmap.Cursor) string {
	t := cursorToken{V: 2, Order: formatSortBy(c.Order), Start: c.OccurredStart.UTC().Format(time.DateOnly), ID: c.ID}
	for _, v := range c.Keys {
		var raw []byte
		switch v := v.(type) {
		case time.Time:
			raw, _ = json.Marshal(v.UTC().Format(time.RFC3339Nano))
		default:
			raw, _ = json.Marshal(v)
		}
		t.Values = append(t.Values, raw)
	}
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor parses a token made by encodeCursor, or one of version 1
// (base64url of "1|YYYY-MM-DD|id", from before sortby). Errors are
// EINVALID and name the "cursor" parameter.
func decodeCursor(token string) (*incidentmap.Cursor, error) {
	bad := incidentmap.Invalidf("cursor", "is not a cursor this server issued")
	if len(token) > 2000 {
		return nil, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, bad
	}
	if parts := strings.SplitN(string(b), "|", 3); len(parts) == 3 && parts[0] == "1" {
		// A token of version 1, from before sortby: the default order.
		day, err := time.Parse(time.DateOnly, parts[1])
		if err != nil || !incidentmap.ValidID(parts[2]) {
			return nil, bad
		}
		return &incidentmap.Cursor{OccurredStart: day, ID: parts[2]}, nil
	}
	var t cursorToken
	if err := json.Unmarshal(b, &t); err != nil || t.V != 2 || !incidentmap.ValidID(t.ID) {
		return nil, bad
	}
	day, err := time.Parse(time.DateOnly, t.Start)
	if err != nil {
		return nil, bad
	}
	c := &incidentmap.Cursor{OccurredStart: day, ID: t.ID}
	if t.Order == "" {
		if len(t.Values) != 0 {
			return nil, bad
		}
		return c, nil
	}
	keys, err := parseSortBy(t.Order)
	order := incidentmap.Filter{SortBy: keys}.Order()
	if err != nil || formatSortBy(order) != t.Order || len(t.Values) != len(order)-1 ||
		slices.Equal(order, incidentmap.Filter{}.Order()) {
		return nil, bad
	}
	c.Order = order
	c.Keys = make([]any, len(t.Values))
	for i, raw := range t.Values {
		v, ok := decodeSortValue(order[i].Property, raw)
		if !ok {
			return nil, bad
		}
		c.Keys[i] = v
	}
	return c, nil
}

// decodeSortValue reads the JSON of one key value that encodeCursor wrote,
// as incidentmap.SortValue returns it for the kind of the property.
func decodeSortValue(prop string, raw json.RawMessage) (any, bool) {
	f, ok := incidentmap.FindField(prop)
	if !ok || !f.Sortable {
		return nil, false
	}
	if f.Kind == incidentmap.ValueCount {
		if string(raw) == "null" {
			return nil, true
		}
		var n int64
		if err := json.Unmarshal(raw, &n); err != nil || n < 0 {
			return nil, false
		}
		return n, true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, false
	}
	switch {
	case f.Kind == incidentmap.ValueDay:
		t, err := time.Parse(time.RFC3339Nano, s)
		return incidentmap.Day(t), err == nil && t.Equal(incidentmap.Day(t))
	case f.Kind == incidentmap.ValueInstant:
		t, err := time.Parse(time.RFC3339Nano, s)
		return t.UTC(), err == nil
	case prop == "id":
		return s, incidentmap.ValidID(s)
	case f.Kind == incidentmap.ValueText:
		return s, len(s) <= 200 && incidentmap.CheckLine(s) == ""
	}
	return nil, false
}
