package api

import (
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/incidentmap/incidentmap"
)

// itemsParams lists the query parameters of /collections/incidents/items;
// any other is rejected (OGC API Features /req/core/query-param-unknown).
const itemsParams = "bbox, datetime, limit, country, target_country, event_type, cursor, f"

// parseItemsQuery turns the query of an items request into a Filter. Every
// error is EINVALID and names the parameter at fault. A parameter may be
// given once; an empty value is an error, not a missing parameter.
func parseItemsQuery(q url.Values) (incidentmap.Filter, error) {
	var f incidentmap.Filter
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names) // report the same error for the same query
	for _, name := range names {
		vals := q[name]
		if !isItemsParam(name) {
			return f, incidentmap.Invalidf(clip(name), "is not a query parameter of this endpoint; it takes %s", itemsParams)
		}
		if len(vals) != 1 {
			return f, incidentmap.Invalidf(name, "must be given at most once")
		}
		v := vals[0]
		if v == "" {
			return f, incidentmap.Invalidf(name, "must not be empty")
		}
		var err error
		switch name {
		case "bbox":
			var b incidentmap.BBox
			b, err = parseBBox(v)
			f.BBox = &b
		case "datetime":
			var iv incidentmap.Interval
			iv, err = parseDatetime(v)
			f.Interval = &iv
		case "limit":
			f.Limit, err = parseLimit(v)
		case "country":
			f.Countries, err = parseCountries(name, v)
		case "target_country":
			f.TargetCountries, err = parseCountries(name, v)
		case "event_type":
			f.EventTypes, err = parseEventTypes(v)
		case "cursor":
			f.After, err = incidentmap.DecodeCursor(v)
		case "f":
			err = parseFormat(v)
		}
		if err != nil {
			return incidentmap.Filter{}, err
		}
	}
	return f, nil
}

func isItemsParam(name string) bool {
	switch name {
	case "bbox", "datetime", "limit", "country", "target_country", "event_type", "cursor", "f":
		return true
	}
	return false
}

// clip shortens a caller's string that an error message repeats.
func clip(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// parseBBox parses "west,south,east,north" in WGS 84 longitude/latitude.
//
// Each value is a finite decimal number; latitudes are in [-90, 90] with
// south <= north, longitudes in [-180, 180]. A box with west > east crosses
// the antimeridian (RFC 7946 §5.2, as OGC API Features reads bbox): it covers
// west..180 and -180..east. Such a box is accepted only when it spans less
// than 180° of longitude (170,…,-170,… spans 20°): a "crossing" box wider
// than half the world is nearly always west and east swapped (70,…,60,…), so
// it is rejected with a message that says so. A client that wants more than
// 180° asks for -180..180 (the map does).
func parseBBox(s string) (incidentmap.BBox, error) {
	parts := strings.Split(s, ",")
	switch len(parts) {
	case 4:
	case 6:
		return incidentmap.BBox{}, incidentmap.Invalidf("bbox", "3D bbox not supported; give west,south,east,north")
	default:
		return incidentmap.BBox{}, incidentmap.Invalidf("bbox", "must be 4 comma-separated numbers west,south,east,north, got %d", len(parts))
	}
	var v [4]float64
	for i, p := range parts {
		x, ok := parseDecimal(strings.TrimSpace(p))
		if !ok {
			return incidentmap.BBox{}, incidentmap.Invalidf("bbox", "%q is not a finite decimal number", clip(p))
		}
		v[i] = x
	}
	b := incidentmap.BBox{West: v[0], South: v[1], East: v[2], North: v[3]}
	switch {
	case b.West < -180 || b.West > 180 || b.East < -180 || b.East > 180:
		return b, incidentmap.Invalidf("bbox", "longitudes must be in [-180, 180]")
	case b.South < -90 || b.South > 90 || b.North < -90 || b.North > 90:
		return b, incidentmap.Invalidf("bbox", "latitudes must be in [-90, 90]")
	case b.South > b.North:
		return b, incidentmap.Invalidf("bbox", "south must not be greater than north")
	case b.West > b.East && 360-(b.West-b.East) >= 180:
		return b, incidentmap.Invalidf("bbox", "west %g > east %g would be a box across the antimeridian %g° wide; "+
			"such a box must be narrower than 180° (were west and east swapped? for the whole world use -180,…,180,…)",
			b.West, b.East, 360-(b.West-b.East))
	}
	return b, nil
}

// parseDecimal parses a plain decimal number such as -12.5 or 1e-3: no
// hexadecimal, underscores, NaN or infinities, and nothing out of range.
func parseDecimal(s string) (float64, bool) {
	if s == "" || len(s) > 64 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789+-.eE", rune(s[i])) {
			return 0, false
		}
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	return x, true
}

// parseDatetime parses an OGC API datetime: an RFC 3339 date-time
// (2022-04-11T10:00:00Z) or full-date (2022-04-11), or an interval
// start/end whose open end is ".." or empty. An instant t becomes the
// interval t/t. A full-date end covers its whole day, so
// 2022-04-11T15:00:00Z/2022-04-11 is not backwards. Times are kept exact and
// in UTC; years must be 1000-9999 in UTC.
func parseDatetime(s string) (incidentmap.Interval, error) {
	start, end, isInterval := strings.Cut(s, "/")
	if !isInterval {
		t, _, err := parseInstant(s)
		if err != nil {
			return incidentmap.Interval{}, err
		}
		return incidentmap.Interval{Start: t, End: t}, nil
	}
	if strings.Contains(end, "/") {
		return incidentmap.Interval{}, incidentmap.Invalidf("datetime", "an interval is start/end, with one slash")
	}
	open := func(s string) bool { return s == "" || s == ".." }
	if open(start) && open(end) {
		return incidentmap.Interval{}, incidentmap.Invalidf("datetime", "an interval needs at least one end; leave out datetime to select all times")
	}
	var iv incidentmap.Interval
	var endDay bool
	var err error
	if !open(start) {
		if iv.Start, _, err = parseInstant(start); err != nil {
			return incidentmap.Interval{}, err
		}
	}
	if !open(end) {
		if iv.End, endDay, err = parseInstant(end); err != nil {
			return incidentmap.Interval{}, err
		}
	}
	if !iv.Start.IsZero() && !iv.End.IsZero() {
		last := iv.End
		if endDay {
			last = last.AddDate(0, 0, 1).Add(-time.Nanosecond)
		}
		if iv.Start.After(last) {
			return incidentmap.Interval{}, incidentmap.Invalidf("datetime", "the start is after the end")
		}
	}
	return iv, nil
}

// parseInstant parses an RFC 3339 date-time or full-date and returns it in
// UTC; isDay reports a full-date.
func parseInstant(s string) (t time.Time, isDay bool, err error) {
	if len(s) == len(time.DateOnly) {
		t, err = time.Parse(time.DateOnly, s)
		isDay = true
	} else {
		t, err = time.Parse(time.RFC3339Nano, s)
	}
	if err != nil {
		return time.Time{}, false, incidentmap.Invalidf("datetime",
			"%q is not an RFC 3339 date-time (2022-04-11T10:00:00Z) or date (2022-04-11), nor an interval of them (start/end, with .. for an open end)", clip(s))
	}
	t = t.UTC()
	if y := t.Year(); y < 1000 || y > 9999 {
		return time.Time{}, false, incidentmap.Invalidf("datetime", "years must be from 1000 to 9999")
	}
	return t, isDay, nil
}

// parseLimit parses the page size: an integer from 1 to MaxLimit.
func parseLimit(s string) (int, error) {
	n := 0
	if len(s) > 6 {
		n = -1
	}
	for i := 0; i < len(s) && n >= 0; i++ {
		if s[i] < '0' || s[i] > '9' {
			n = -1
			break
		}
		n = n*10 + int(s[i]-'0')
	}
	if n < 1 || n > incidentmap.MaxLimit {
		return 0, incidentmap.Invalidf("limit", "must be an integer from 1 to %d", incidentmap.MaxLimit)
	}
	return n, nil
}

// parseCountries parses a comma-separated list of ISO 3166-1 alpha-3 codes
// in upper case, dropping repeats.
func parseCountries(param, s string) ([]string, error) {
	var out []string
	for _, code := range strings.Split(s, ",") {
		code = strings.TrimSpace(code)
		if !validCountry(code) {
			return nil, incidentmap.Invalidf(param, "%q is not an ISO 3166-1 alpha-3 country code in upper case, such as AFG", clip(code))
		}
		if !slices.Contains(out, code) {
			out = append(out, code)
		}
	}
	return out, nil
}

// validCountry is incidentmap.ValidCountry for three letters A-Z only: the
// domain's check finds the code in a space-separated list, so it also takes
// strings such as "W A" that span two codes.
func validCountry(code string) bool {
	if len(code) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if code[i] < 'A' || code[i] > 'Z' {
			return false
		}
	}
	return incidentmap.ValidCountry(code)
}

// parseEventTypes parses a comma-separated list of ACLED event types,
// dropping repeats.
func parseEventTypes(s string) ([]string, error) {
	var out []string
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		if _, ok := incidentmap.EventTypes[t]; !ok {
			names := make([]string, 0, len(incidentmap.EventTypes))
			for name := range incidentmap.EventTypes {
				names = append(names, name)
			}
			slices.Sort(names)
			return nil, incidentmap.Invalidf("event_type", "%q is not an ACLED event type; use one of %s", clip(t), strings.Join(names, ", "))
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// parseFormat accepts the output formats there are so far: GeoJSON only.
func parseFormat(s string) error {
	if s != "json" && s != "geojson" {
		return incidentmap.Invalidf("f", "must be json or geojson, got %q", clip(s))
	}
	return nil
}
