package feature

import (
	"strconv"
	"time"

	"github.com/incidentmap/incidentmap"
)

// wireField is a property of the wire format: its field of
// incidentmap.Fields and its key as written after a comma, `,"title":`.
type wireField struct {
	f   *incidentmap.Field
	key string
}

// wireFields are the Wire fields of incidentmap.Fields, in the canonical
// order in which AppendSelected writes them (see docs/wire-format.md).
var wireFields = func() []wireField {
	var out []wireField
	for i := range incidentmap.Fields {
		if f := &incidentmap.Fields[i]; f.Wire {
			out = append(out, wireField{f: f, key: `,"` + f.Name + `":`})
		}
	}
	return out
}()

// PropertyNames returns the keys of a Feature's properties object, in the
// canonical order in which AppendSelected writes them (see
// docs/wire-format.md). The slice is the caller's own.
func PropertyNames() []string {
	return incidentmap.FieldNames(func(f *incidentmap.Field) bool { return f.Wire })
}

// Selection is a set of properties of the wire format: bit i stands for
// PropertyNames()[i]. The zero Selection holds no property.
type Selection uint32

// AllProperties selects every property: one bit for each of the 27 names
// of PropertyNames (a test checks the count).
const AllProperties Selection = 1<<27 - 1

// SelectProperty returns the Selection of the property named name, or false
// when the wire format has no such property.
func SelectProperty(name string) (Selection, bool) {
	i := wireIndex(name)
	if i < 0 {
		return 0, false
	}
	return 1 << i, true
}

// wireIndex returns the index in wireFields of the property named name,
// or -1.
func wireIndex(name string) int {
	for i, w := range wireFields {
		if w.f.Name == name {
			return i
		}
	}
	return -1
}

// Has reports whether s holds the property named name.
func (s Selection) Has(name string) bool {
	b, ok := SelectProperty(name)
	return ok && s&b != 0
}

// fields returns the fields of the properties in s, in canonical order.
func (s Selection) fields() []*incidentmap.Field {
	var out []*incidentmap.Field
	for i, w := range wireFields {
		if s&(1<<i) != 0 {
			out = append(out, w.f)
		}
	}
	return out
}

// Names returns the names of the properties in s, in canonical order.
func (s Selection) Names() []string {
	var out []string
	for _, f := range s.fields() {
		out = append(out, f.Name)
	}
	return out
}

// AppendSelected appends inc as a GeoJSON Feature to dst, with only the
// properties in sel, in canonical order, and returns the result; id and
// geometry are always written. An empty value is null, except an empty
// title, which is "".
func AppendSelected(dst []byte, inc *incidentmap.Incident, sel Selection) []byte {
	dst = append(dst, `{"type":"Feature","id":`...)
	dst = appendString(dst, inc.ID)
	dst = append(dst, `,"geometry":{"type":"Point","coordinates":[`...)
	dst = AppendCoord(dst, inc.Location[0])
	dst = append(dst, ',')
	dst = AppendCoord(dst, inc.Location[1])
	dst = append(dst, `]},"properties":{`...)
	first := true
	for i := range wireFields {
		if sel&(1<<i) == 0 {
			continue
		}
		w := &wireFields[i]
		if first {
			dst = append(dst, w.key[1:]...) // the first key has no comma
			first = false
		} else {
			dst = append(dst, w.key...)
		}
		f := w.f
		// The value, by kind; written out here rather than in a function
		// of its own, which costs a tenth of the time of a feature.
		switch f.Kind {
		case incidentmap.ValueText:
			if f.NotNull {
				dst = appendString(dst, f.Text(inc))
			} else {
				dst = appendOpt(dst, f.Text(inc))
			}
		case incidentmap.ValueDay:
			dst = appendDay(dst, f.Time(inc))
		case incidentmap.ValueInstant:
			dst = appendTime(dst, f.Time(inc))
		case incidentmap.ValueCount:
			dst = appendInt(dst, f.Count(inc))
		case incidentmap.ValueInt:
			dst = strconv.AppendInt(dst, int64(f.Int(inc)), 10)
		case incidentmap.ValueList:
			dst = appendStrings(dst, f.List(inc))
		case incidentmap.ValueSources:
			dst = appendSources(dst, inc.Sources)
		case incidentmap.ValueResponses:
			dst = appendResponses(dst, inc.Responses)
		default:
			panic("feature: no encoding of property " + f.Name)
		}
	}
	return append(dst, "}}"...)
}

// appendTime appends an instant in RFC 3339, UTC, or null for zero.
func appendTime(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, "null"...)
	}
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		dst = append(dst, '"')
		dst = t.AppendFormat(dst, time.RFC3339)
		return append(dst, '"')
	}
	// As AppendFormat(time.RFC3339) writes a time in UTC, faster.
	h, m, s := t.Clock()
	dst = append(dst, '"')
	dst = appendDate(dst, t)
	return append(dst, 'T', byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10),
		':', byte('0'+s/10), byte('0'+s%10), 'Z', '"')
}

// appendInt appends a number, or null for nil (unknown).
func appendInt(dst []byte, n *int) []byte {
	if n == nil {
		return append(dst, "null"...)
	}
	return strconv.AppendInt(dst, int64(*n), 10)
}

// appendStrings appends a JSON array of strings.
func appendStrings(dst []byte, ss []string) []byte {
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}
