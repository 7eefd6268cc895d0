package feature

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// parseFast decodes a feature in our wire shape into w as encoding/json
// would, several times faster, for the import of large files. It accepts
// only strict, unsurprising input: keys spelled exactly as ours, each
// once, values of the expected JSON types (strings, numbers, null, the
// objects and arrays of the shape), and nothing after the feature. On
// anything else it returns false and the caller decodes with encoding/json,
// whose errors and tolerances (case-insensitive keys, repeated keys) stay
// the rule: this is only a quicker road to the same struct.
func parseFast(data []byte) (w wireFeature, id string, ok bool) {
	p := fastParser{data: data}
	var idOK bool
	ok = p.once(func(key []byte) (uint32, bool) {
		switch string(key) {
		case "type":
			w.Type, ok = p.str()
			return 1, ok
		case "id":
			id, idOK = p.str()
			return 2, idOK
		case "geometry":
			if p.null() {
				return 4, true
			}
			w.Geometry = &wireGeometry{}
			return 4, p.geometry(w.Geometry)
		case "properties":
			w.Properties = &wireProperties{}
			return 8, p.properties(w.Properties)
		}
		return 0, false // bbox and anything else: encoding/json decides
	})
	p.ws()
	if !ok || !idOK || w.Type != "Feature" || w.Properties == nil || p.i != len(data) {
		return wireFeature{}, "", false
	}
	return w, id, true
}

// fastParser reads JSON at data[i:]; every method returns false on input
// it does not handle, and then the parse is abandoned.
type fastParser struct {
	data []byte
	i    int
}

func (p *fastParser) ws() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// lit consumes the byte c after white space.
func (p *fastParser) lit(c byte) bool {
	p.ws()
	if p.i < len(p.data) && p.data[p.i] == c {
		p.i++
		return true
	}
	return false
}

// null consumes a null.
func (p *fastParser) null() bool {
	p.ws()
	if bytes.HasPrefix(p.data[p.i:], []byte("null")) {
		p.i += 4
		return true
	}
	return false
}

// object reads an object, calling member after each key's colon to read
// the value.
func (p *fastParser) object(member func(key []byte) bool) bool {
	if !p.lit('{') {
		return false
	}
	if p.lit('}') {
		return true
	}
	for {
		key, ok := p.key()
		if !ok || !p.lit(':') || !member(key) {
			return false
		}
		if !p.lit(',') {
			return p.lit('}')
		}
	}
}

// once is object with each key at most once: field reads the value of a
// key and returns the key's bit, 0 for a key not ours.
func (p *fastParser) once(field func(key []byte) (bit uint32, ok bool)) bool {
	var seen uint32
	return p.object(func(key []byte) bool {
		bit, ok := field(key)
		if bit == 0 || seen&bit != 0 {
			return false
		}
		seen |= bit
		return ok
	})
}

// array reads an array or null, calling item for each item.
func (p *fastParser) array(item func() bool) (isNull, ok bool) {
	if p.null() {
		return true, true
	}
	if !p.lit('[') {
		return false, false
	}
	if p.lit(']') {
		return false, true
	}
	for {
		if !item() {
			return false, false
		}
		if !p.lit(',') {
			return false, p.lit(']')
		}
	}
}

// key reads a key of plain ASCII without escapes.
func (p *fastParser) key() ([]byte, bool) {
	if !p.lit('"') {
		return nil, false
	}
	start := p.i
	for ; p.i < len(p.data); p.i++ {
		switch c := p.data[p.i]; {
		case c == '"':
			p.i++
			return p.data[start : p.i-1], true
		case c == '\\' || c < 0x20 || c >= utf8.RuneSelf:
			return nil, false
		}
	}
	return nil, false
}

// str reads a string. One with escapes is unquoted by encoding/json; one
// with invalid UTF-8 (which encoding/json would replace) is refused.
func (p *fastParser) str() (string, bool) {
	if !p.lit('"') {
		return "", false
	}
	start, ascii := p.i, true
	for j := start; j < len(p.data); j++ {
		switch c := p.data[j]; {
		case c == '"':
			if !ascii && !utf8.Valid(p.data[start:j]) {
				return "", false
			}
			p.i = j + 1
			return string(p.data[start:j]), true
		case c == '\\':
			return p.escaped(start - 1)
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// escaped reads the string that opens at data[open] and holds escapes.
func (p *fastParser) escaped(open int) (string, bool) {
	j := open + 1
	for j < len(p.data) && p.data[j] != '"' {
		if p.data[j] == '\\' {
			j++
		}
		j++
	}
	if j >= len(p.data) {
		return "", false
	}
	var s string
	if json.Unmarshal(p.data[open:j+1], &s) != nil {
		return "", false
	}
	p.i = j + 1
	return s, true
}

// optStr reads a string or null (which leaves *dst empty, as in
// encoding/json).
func (p *fastParser) optStr(dst *string) bool {
	if p.null() {
		return true
	}
	s, ok := p.str()
	*dst = s
	return ok
}

// strings reads an array of strings or null.
func (p *fastParser) strings(dst *[]string) bool {
	return list(p, dst, func(s *string) bool {
		v, ok := p.str()
		*s = v
		return ok
	})
}

// number reads a JSON number.
func (p *fastParser) number() ([]byte, bool) {
	p.ws()
	d, i := p.data, p.i
	digits := func() bool {
		start := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(d) && d[i] == '-' {
		i++
	}
	if i < len(d) && d[i] == '0' {
		i++
	} else if !digits() {
		return nil, false
	}
	if i < len(d) && d[i] == '.' {
		i++
		if !digits() {
			return nil, false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !digits() {
			return nil, false
		}
	}
	num := d[p.i:i]
	p.i = i
	return num, true
}

// optInt reads a whole number or null.
func (p *fastParser) optInt(dst **int) bool {
	if p.null() {
		return true
	}
	num, ok := p.number()
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(string(num), 10, 0) // refuses 1.5 and 1e2, as encoding/json does
	if err != nil {
		return false
	}
	v := int(n)
	*dst = &v
	return true
}

// skipScalar reads a number, string or null whose value is not kept.
func (p *fastParser) skipScalar() bool {
	if p.null() {
		return true
	}
	if p.ws(); p.i < len(p.data) && p.data[p.i] == '"' {
		_, ok := p.str()
		return ok
	}
	_, ok := p.number()
	return ok
}

func (p *fastParser) geometry(g *wireGeometry) bool {
	return p.once(func(key []byte) (uint32, bool) {
		switch string(key) {
		case "type":
			var ok bool
			g.Type, ok = p.str()
			return 1, ok
		case "coordinates":
			coords := []float64{}
			isNull, ok := p.array(func() bool {
				num, ok := p.number()
				if !ok {
					return false
				}
				v, err := strconv.ParseFloat(string(num), 64)
				coords = append(coords, v)
				return err == nil
			})
			if !isNull {
				g.Coordinates = coords
			}
			return 2, ok
		}
		return 0, false
	})
}

// propertyIndex numbers the properties, to refuse a repeated one.
var propertyIndex = map[string]uint{}

func init() {
	for i, k := range []string{"title", "summary", "occurred_start", "occurred_end", "date_precision",
		"location_precision", "place_name", "country", "admin1_code", "admin1_name", "event_type",
		"sub_event_type", "target_type", "target_country", "facility", "perpetrator", "actors",
		"fatalities", "injuries", "tags", "external_ids", "sources", "responses", "status",
		"version", "created_at", "updated_at"} {
		propertyIndex[k] = uint(i)
	}
}

func (p *fastParser) properties(w *wireProperties) bool {
	return p.once(func(key []byte) (uint32, bool) {
		i, known := propertyIndex[string(key)]
		if !known {
			return 0, false
		}
		return 1 << i, p.property(w, string(key))
	})
}

// property reads the value of a known property.
func (p *fastParser) property(w *wireProperties, key string) bool {
	switch key {
	case "title":
		return p.optStr(&w.Title)
	case "summary":
		return p.optStr(&w.Summary)
	case "occurred_start":
		return p.optStr(&w.OccurredStart)
	case "occurred_end":
		return p.optStr(&w.OccurredEnd)
	case "date_precision":
		return p.optStr(&w.DatePrecision)
	case "location_precision":
		return p.optStr(&w.LocationPrecision)
	case "place_name":
		return p.optStr(&w.PlaceName)
	case "country":
		return p.optStr(&w.Country)
	case "admin1_code":
		return p.optStr(&w.Admin1Code)
	case "admin1_name":
		return p.optStr(&w.Admin1Name)
	case "event_type":
		return p.optStr(&w.EventType)
	case "sub_event_type":
		return p.optStr(&w.SubEventType)
	case "target_type":
		return p.optStr(&w.TargetType)
	case "target_country":
		return p.optStr(&w.TargetCountry)
	case "facility":
		return p.optStr(&w.Facility)
	case "perpetrator":
		return p.optStr(&w.Perpetrator)
	case "status":
		return p.optStr(&w.Status)
	case "actors":
		return p.strings(&w.Actors)
	case "tags":
		return p.strings(&w.Tags)
	case "external_ids":
		return p.strings(&w.ExternalIDs)
	case "fatalities":
		return p.optInt(&w.Fatalities)
	case "injuries":
		return p.optInt(&w.Injuries)
	case "sources":
		return list(p, &w.Sources, p.source)
	case "responses":
		return list(p, &w.Responses, p.response)
	}
	return p.skipScalar() // version, created_at, updated_at: ignored
}

// textObject reads an object whose members keys[i] are each a string or
// null, into *dsts[i]; a key beyond dsts is read by rest.
func (p *fastParser) textObject(keys []string, dsts []*string, rest func() bool) bool {
	return p.once(func(key []byte) (uint32, bool) {
		for i, k := range keys {
			switch {
			case k != string(key):
			case i < len(dsts):
				return 1 << i, p.optStr(dsts[i])
			default:
				return 1 << i, rest()
			}
		}
		return 0, false
	})
}

var (
	sourceKeys   = []string{"publisher", "title", "url", "published_on"}
	responseKeys = []string{"date", "date_precision", "actor", "actor_country", "kind", "summary", "source"}
)

func (p *fastParser) source(s *wireSource) bool {
	return p.textObject(sourceKeys, []*string{&s.Publisher, &s.Title, &s.URL, &s.PublishedOn}, nil)
}

func (p *fastParser) response(r *wireResponse) bool {
	return p.textObject(responseKeys, []*string{&r.Date, &r.DatePrecision, &r.Actor, &r.ActorCountry, &r.Kind, &r.Summary},
		func() bool { return p.null() || p.source(&r.Source) })
}

// list reads an array or null into *dst, each item with item; [] is an
// empty, non-nil slice, as in encoding/json.
func list[T any](p *fastParser, dst *[]T, item func(*T) bool) bool {
	l := []T{}
	isNull, ok := p.array(func() bool {
		l = append(l, *new(T))
		return item(&l[len(l)-1])
	})
	if !isNull {
		*dst = l
	}
	return ok
}
