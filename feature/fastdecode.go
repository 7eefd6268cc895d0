package feature

import (
	"encoding/json"
	"hash/maphash"
	"strconv"
	"unicode/utf8"

	"github.com/incidentmap/incidentmap"
)

// Decoder is ParseRaw for many features in a row, as an importer reads
// them: it reuses its scratch space from one feature to the next and
// shares one string among features for the short values that repeat
// (types, countries, dates, precisions, status, actors, tags), so that a
// feature costs a few allocations instead of twenty. It decodes exactly
// what ParseRaw decodes, with the same errors. A Decoder is not safe for
// concurrent use: give each goroutine its own. The zero Decoder works and
// shares no strings.
type Decoder struct {
	p      fastParser
	geom   wireGeometry
	props  wireProperties
	coords [3]float64
	shared *sharedStrings
}

// Limits of a Decoder's shared strings: values up to maxSharedBytes long,
// and at most maxShared of them, so that a file of ever-new values costs a
// bounded table, not a growing one.
const (
	maxSharedBytes = 64
	maxShared      = 8192
)

// sharedStrings is a set of strings looked up by their bytes: an open-
// addressed table of at most maxShared strings in twice as many slots,
// which costs a third of a map[string]string lookup.
type sharedStrings struct {
	seed  maphash.Seed
	slots []string // "" is an empty slot
	n     int
}

// get returns the string of b in the set, adding it when there is room.
func (t *sharedStrings) get(b []byte) string {
	if t.slots == nil {
		t.slots = make([]string, 2*maxShared)
	}
	mask := uint64(len(t.slots) - 1)
	for i := maphash.Bytes(t.seed, b) & mask; ; i = (i + 1) & mask {
		switch s := t.slots[i]; {
		case s == "":
			s = string(b)
			if t.n < maxShared {
				t.slots[i] = s
				t.n++
			}
			return s
		case s == string(b):
			return s
		}
	}
}

// NewDecoder returns a Decoder that shares repeated values.
func NewDecoder() *Decoder {
	return &Decoder{shared: &sharedStrings{seed: maphash.MakeSeed()}}
}

// Parse is ParseRaw of data.
func (d *Decoder) Parse(data []byte) (inc *incidentmap.Incident, hasPoint bool, id string, err error) {
	if w, id, ok := d.parseFast(data); ok {
		inc, hasPoint, err = w.incidentWithID(id)
		return inc, hasPoint, id, err
	}
	return parseSlow(data)
}

// parseFast decodes a feature in our wire shape into w as encoding/json
// would, several times faster. It accepts only strict, unsurprising input:
// keys spelled exactly as ours, each once, values of the expected JSON
// types (strings, numbers, null, the objects and arrays of the shape),
// and nothing after the feature. On anything else it returns false and
// the caller decodes with encoding/json, whose errors and tolerances
// (case-insensitive keys, repeated keys) stay the rule: this is only a
// quicker road to the same struct. w's geometry and properties point into
// d, valid until the next call; the slices and strings in them are the
// caller's.
func (d *Decoder) parseFast(data []byte) (w wireFeature, id string, ok bool) {
	p := &d.p
	p.data, p.i, p.shared = data, 0, d.shared
	defer func() { p.data = nil }()
	idOK := false
	ok = p.object(func(key []byte) (bit uint32, ok bool) {
		switch string(key) {
		case "type":
			w.Type, ok = p.str(true)
			return 1, ok
		case "id":
			id, idOK = p.str(false)
			return 2, idOK
		case "geometry":
			if p.null() {
				return 4, true
			}
			d.geom = wireGeometry{}
			w.Geometry = &d.geom
			return 4, d.geometry(&d.geom)
		case "properties":
			d.props = wireProperties{}
			w.Properties = &d.props
			return 8, p.properties(&d.props)
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
	data   []byte
	i      int
	shared *sharedStrings // of the Decoder; nil shares nothing
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
	if p.i < len(p.data) && p.data[p.i] == c {
		p.i++
		return true
	}
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
	if d := p.data[p.i:]; len(d) >= 4 && d[0] == 'n' && d[1] == 'u' && d[2] == 'l' && d[3] == 'l' {
		p.i += 4
		return true
	}
	return false
}

// The kinds of byte inside a JSON string: plainByte needs no care.
const (
	plainByte = iota
	endByte   // the closing quote, or a backslash that starts an escape
	ctrlByte  // a control character, not allowed in a string
	highByte  // a byte of a multi-byte UTF-8 character
)

var stringByte = func() (kind [256]uint8) {
	for c := range 256 {
		switch {
		case c == '"' || c == '\\':
			kind[c] = endByte
		case c < 0x20:
			kind[c] = ctrlByte
		case c >= utf8.RuneSelf:
			kind[c] = highByte
		}
	}
	return kind
}()

// object reads an object, each key at most once: field reads the value
// of a key and returns the key's bit, 0 for a key not ours.
func (p *fastParser) object(field func(key []byte) (bit uint32, ok bool)) bool {
	if !p.lit('{') {
		return false
	}
	var seen uint32
	for {
		if p.lit('}') {
			return true
		}
		if seen != 0 && !p.lit(',') {
			return false
		}
		key, ok := p.key()
		if !ok || !p.lit(':') {
			return false
		}
		bit, ok := field(key)
		if bit == 0 || !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
}

// key reads a key of plain ASCII without escapes.
func (p *fastParser) key() ([]byte, bool) {
	if !p.lit('"') {
		return nil, false
	}
	start, d := p.i, p.data
	for j := start; j < len(d); j++ {
		if k := stringByte[d[j]]; k != plainByte {
			if d[j] != '"' {
				return nil, false
			}
			p.i = j + 1
			return d[start:j], true
		}
	}
	return nil, false
}

// str reads a string; with share, a short one is shared with the
// features before and after. One with escapes is unquoted by
// encoding/json; one with invalid UTF-8 (which encoding/json would
// replace) is refused.
func (p *fastParser) str(share bool) (string, bool) {
	b, escaped, ok := p.rawStr()
	switch {
	case !ok:
		return "", false
	case escaped:
		var s string
		if json.Unmarshal(b, &s) != nil {
			return "", false
		}
		return s, true
	case share && p.shared != nil && len(b) <= maxSharedBytes:
		return p.share(b), true
	}
	return string(b), true
}

// rawStr reads a string and returns its bytes between the quotes or,
// when it holds escapes, with its quotes, for encoding/json to unquote.
// A string with a control character or invalid UTF-8 (which encoding/json
// would replace) is refused.
func (p *fastParser) rawStr() (b []byte, escaped, ok bool) {
	if !p.lit('"') {
		return nil, false, false
	}
	start, d, ascii := p.i, p.data, true
	for j := start; j < len(d); j++ {
		switch stringByte[d[j]] {
		case plainByte:
		case highByte:
			ascii = false
		case ctrlByte:
			return nil, false, false
		default:
			if d[j] == '\\' {
				return p.escaped(start - 1)
			}
			if !ascii && !utf8.Valid(d[start:j]) {
				return nil, false, false
			}
			p.i = j + 1
			return d[start:j], false, true
		}
	}
	return nil, false, false
}

// share returns b as the string handed out before, when there was one.
func (p *fastParser) share(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return p.shared.get(b)
}

// escaped reads the string that opens at data[open] and holds escapes,
// and returns it with its quotes.
func (p *fastParser) escaped(open int) (b []byte, escaped, ok bool) {
	j := open + 1
	for j < len(p.data) && p.data[j] != '"' {
		if p.data[j] == '\\' {
			j++
		}
		j++
	}
	if j >= len(p.data) {
		return nil, false, false
	}
	p.i = j + 1
	return p.data[open : j+1], true, true
}

// optStr reads a string or null (which leaves *dst empty, as in
// encoding/json).
func (p *fastParser) optStr(dst *string, share bool) bool {
	if p.null() {
		return true
	}
	s, ok := p.str(share)
	*dst = s
	return ok
}

// strings reads an array of strings or null into *dst.
func (p *fastParser) strings(dst *[]string, share bool) bool {
	return list(p, dst, func(s *string) bool {
		v, ok := p.str(share)
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
		b, escaped, ok := p.rawStr()
		return ok && (!escaped || json.Valid(b))
	}
	_, ok := p.number()
	return ok
}

// geometry reads a geometry object; its coordinates go to d's scratch
// array.
func (d *Decoder) geometry(g *wireGeometry) bool {
	p := &d.p
	return p.object(func(key []byte) (bit uint32, ok bool) {
		switch string(key) {
		case "type":
			g.Type, ok = p.str(true)
			return 1, ok
		case "coordinates":
			return 2, p.coordinates(g, d.coords[:0])
		}
		return 0, false
	})
}

// coordinates reads an array of numbers or null into g, appending to
// coords; [] is an empty, non-nil slice, as in encoding/json.
func (p *fastParser) coordinates(g *wireGeometry, coords []float64) bool {
	if p.null() {
		return true
	}
	if !p.lit('[') {
		return false
	}
	for !p.lit(']') {
		if len(coords) > 0 && !p.lit(',') {
			return false
		}
		num, ok := p.number()
		if !ok {
			return false
		}
		v, err := strconv.ParseFloat(string(num), 64)
		if err != nil {
			return false
		}
		coords = append(coords, v)
	}
	g.Coordinates = coords
	return true
}

// properties reads the properties object, each known property at most
// once.
func (p *fastParser) properties(w *wireProperties) bool {
	return p.object(func(key []byte) (uint32, bool) { return p.property(w, key) })
}

// property reads the value of the property key and returns its bit, 0
// for a key not ours.
func (p *fastParser) property(w *wireProperties, key []byte) (bit uint32, ok bool) {
	switch string(key) {
	case "title":
		return 1 << 0, p.optStr(&w.Title, false)
	case "summary":
		return 1 << 1, p.optStr(&w.Summary, false)
	case "occurred_start":
		return 1 << 2, p.optStr(&w.OccurredStart, true)
	case "occurred_end":
		return 1 << 3, p.optStr(&w.OccurredEnd, true)
	case "date_precision":
		return 1 << 4, p.optStr(&w.DatePrecision, true)
	case "location_precision":
		return 1 << 5, p.optStr(&w.LocationPrecision, true)
	case "place_name":
		return 1 << 6, p.optStr(&w.PlaceName, true)
	case "country":
		return 1 << 7, p.optStr(&w.Country, true)
	case "admin1_code":
		return 1 << 8, p.optStr(&w.Admin1Code, true)
	case "admin1_name":
		return 1 << 9, p.optStr(&w.Admin1Name, true)
	case "event_type":
		return 1 << 10, p.optStr(&w.EventType, true)
	case "sub_event_type":
		return 1 << 11, p.optStr(&w.SubEventType, true)
	case "target_type":
		return 1 << 12, p.optStr(&w.TargetType, true)
	case "target_country":
		return 1 << 13, p.optStr(&w.TargetCountry, true)
	case "facility":
		return 1 << 14, p.optStr(&w.Facility, true)
	case "perpetrator":
		return 1 << 15, p.optStr(&w.Perpetrator, true)
	case "actors":
		return 1 << 16, p.strings(&w.Actors, true)
	case "fatalities":
		return 1 << 17, p.optInt(&w.Fatalities)
	case "injuries":
		return 1 << 18, p.optInt(&w.Injuries)
	case "tags":
		return 1 << 19, p.strings(&w.Tags, true)
	case "external_ids":
		return 1 << 20, p.strings(&w.ExternalIDs, false)
	case "sources":
		return 1 << 21, list(p, &w.Sources, p.source)
	case "responses":
		return 1 << 22, list(p, &w.Responses, p.response)
	case "status":
		return 1 << 23, p.optStr(&w.Status, true)
	case "version": // version, created_at, updated_at: ignored
		return 1 << 24, p.skipScalar()
	case "created_at":
		return 1 << 25, p.skipScalar()
	case "updated_at":
		return 1 << 26, p.skipScalar()
	}
	return 0, false
}

// textObject reads an object whose members keys[i] are each a string or
// null, into *dsts[i]; a key beyond dsts is read by rest.
func (p *fastParser) textObject(keys []string, dsts []*string, rest func() bool) bool {
	return p.object(func(key []byte) (uint32, bool) {
		for i, k := range keys {
			switch {
			case k != string(key):
			case i < len(dsts):
				return 1 << i, p.optStr(dsts[i], false)
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
	if p.null() {
		return true
	}
	if !p.lit('[') {
		return false
	}
	l := []T{}
	for !p.lit(']') {
		if len(l) > 0 && !p.lit(',') {
			return false
		}
		l = append(l, *new(T))
		if !item(&l[len(l)-1]) {
			return false
		}
	}
	*dst = l
	return true
}
