package feature_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/feature"
	"github.com/incidentmap/incidentmap/store/storetest"
)

// slowParse is ParseRaw through encoding/json alone.
func slowParse(data []byte) (*incidentmap.Incident, bool, string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return feature.ParseNext(dec)
}

// sameParse fails t unless ParseRaw and encoding/json agree on data:
// the same incident, point, id and error; and unless ParseRaw finds data
// malformed when it is not one JSON value.
func sameParse(t *testing.T, data []byte) {
	t.Helper()
	inc1, has1, id1, err1 := feature.ParseRaw(data)
	if !json.Valid(data) { // not one JSON value: malformed, never a record's error
		var domainErr *incidentmap.Error
		if err1 == nil || errors.As(err1, &domainErr) {
			t.Fatalf("%s is not one JSON value, but ParseRaw returned %v", data, err1)
		}
		return
	}
	inc2, has2, id2, err2 := slowParse(data)
	if (err1 == nil) != (err2 == nil) || err1 != nil && incidentmap.ErrorMessage(err1) != incidentmap.ErrorMessage(err2) {
		t.Fatalf("%s:\nerror %v\nwant  %v", data, err1, err2)
	}
	if err1 == nil && (!reflect.DeepEqual(inc1, inc2) || has1 != has2 || id1 != id2) {
		t.Fatalf("%s:\ngot  %+v %v %q\nwant %+v %v %q", data, inc1, has1, id1, inc2, has2, id2)
	}
}

// The fast decoder takes what the exporter writes and leaves the unusual
// to encoding/json, and the two agree on the incident and the error.
func TestParseRawFastPath(t *testing.T) {
	tests := []struct {
		name, old, new string
		fast           bool
	}{
		{"a plain feature", "", "", true},
		{"escaped quotes, braces and brackets in a string", `"T"`, `"a \"}]{[\" \\ \u00e9\ud83d\ude00 \/ z"`, true},
		{"non-ASCII text", `"T"`, `"Kābul – كابل"`, true},
		{"white space everywhere", `{"type":"Feature",`, "{ \"type\" :\n\t\"Feature\" ,\r\n", true},
		{"null geometry", `{"type":"Point","coordinates":[62.2,34.35]}`, `null`, true},
		{"an unknown property", `"title":"T"`, `"title":"T","colour":"red"`, false},
		{"a key in other case", `"title":"T"`, `"Title":"T"`, false},
		{"a repeated key", `"title":"T"`, `"title":"T","title":"U"`, false},
		{"a bbox", `"type":"Feature",`, `"type":"Feature","bbox":[1,2,3,4],`, false},
		{"a string count", `"title":"T"`, `"title":"T","fatalities":"3"`, false},
		{"a fractional count", `"title":"T"`, `"title":"T","fatalities":1.5`, false},
		{"an exponent coordinate", `[62.2,34.35]`, `[6.22e1,34.35]`, true},
		{"a huge exponent", `[62.2,34.35]`, `[6.22e999,34.35]`, false},
		{"invalid UTF-8", `"T"`, "\"a\xffb\"", false},
		{"a control character", `"T"`, "\"a\tb\"", false},
		{"trailing comma", `"embassy"}`, `"embassy",}`, false},
		{"a number id", `"id":"a-1"`, `"id":1`, false},
		{"a Collection", `"type":"Feature"`, `"type":"FeatureCollection"`, false},
		{"a bad date", `"2022-04-11"`, `"2022-13-01"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(validFeature, tt.old) {
				t.Fatalf("%q is not in the feature", tt.old)
			}
			in := strings.Replace(validFeature, tt.old, tt.new, 1)
			if got := feature.FastPathTaken([]byte(in)); got != tt.fast {
				t.Errorf("fast path taken: %v, want %v", got, tt.fast)
			}
			sameParse(t, []byte(in))
		})
	}
	for _, title := range []string{"plain", `a "quoted" {brace} [bracket] \ <tag> & more`, "Kābul – كابل\u2028"} {
		inc := storetest.Full("full-1")
		inc.Title = title
		in := feature.Append(nil, inc)
		if !feature.FastPathTaken(in) {
			t.Errorf("the exporter's full feature with title %q is not read by the fast path", title)
		}
		sameParse(t, in)
	}
}

// One Decoder, reused from feature to feature as an import does, decodes
// a varied corpus exactly as encoding/json does: members in any order,
// strings with escapes, numbers with exponents, nulls, absent and unknown
// members, white space, and invalid features among them, which must not
// leave anything behind for the next.
func TestDecoderCorpus(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var corpus [][]byte
	for i := range 600 {
		inc := storetest.Clustered(i, 7)
		if i%3 == 0 {
			inc = storetest.Full(fmt.Sprintf("full-%d", i))
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(feature.Append(nil, inc)))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		vary(rng, v)
		corpus = append(corpus, writeVaried(rng, nil, v))
	}
	fast, d := 0, feature.NewDecoder()
	for range 2 { // the second time, with the values shared the first time
		for _, data := range corpus {
			inc1, has1, id1, err1 := d.Parse(data)
			inc2, has2, id2, err2 := slowParse(data)
			if incidentmap.ErrorMessage(err1) != incidentmap.ErrorMessage(err2) || (err1 == nil) != (err2 == nil) {
				t.Fatalf("%s:\nerror %v\nwant  %v", data, err1, err2)
			}
			if !reflect.DeepEqual(inc1, inc2) || has1 != has2 || id1 != id2 {
				t.Fatalf("%s:\ngot  %+v %v %q\nwant %+v %v %q", data, inc1, has1, id1, inc2, has2, id2)
			}
			if feature.FastPathTaken(data) {
				fast++
			}
		}
	}
	if fast < len(corpus)/2 || fast == 2*len(corpus) {
		t.Errorf("%d of %d features took the fast path: the corpus does not test both paths", fast, 2*len(corpus))
	}
}

// vary changes a decoded feature in place: nulls for optional values,
// members dropped, and now and then something the decoders must refuse
// or tolerate alike.
func vary(rng *rand.Rand, v any) {
	f := v.(map[string]any)
	props := f["properties"].(map[string]any)
	for k := range props {
		switch r := rng.IntN(20); {
		case r == 0 && k != "title" && k != "occurred_start":
			delete(props, k)
		case r == 1:
			props[k] = nil
		}
	}
	switch rng.IntN(40) {
	case 0:
		props["colour"] = "red" // unknown: refused
	case 1:
		f["bbox"] = []any{json.Number("1"), json.Number("2"), json.Number("3"), json.Number("4")}
	case 2:
		props["fatalities"] = json.Number("1e2") // not a whole number to encoding/json
	case 3:
		props["fatalities"] = json.Number("-3") // valid JSON, an invalid incident
	case 4:
		props["occurred_start"] = "2023-02-29"
	case 5:
		f["geometry"] = nil
	case 6:
		props["tags"] = []any{"a", json.Number("1")} // a number among strings
	case 7:
		props["Title"] = props["title"] // another case: encoding/json's call
		delete(props, "title")
	case 8:
		props["version"] = "3"
	}
}

// writeVaried appends v as JSON with its members in a random order,
// strings escaped at random (\u, \/), numbers with exponents at random
// and white space here and there.
func writeVaried(rng *rand.Rand, dst []byte, v any) []byte {
	space := func() {
		if rng.IntN(8) == 0 {
			dst = append(dst, " \n\t\r"[rng.IntN(4)])
		}
	}
	space()
	switch v := v.(type) {
	case nil:
		dst = append(dst, "null"...)
	case string:
		dst = appendVariedString(rng, dst, v, 6)
	case json.Number:
		f, err := v.Float64()
		switch {
		case err == nil && rng.IntN(4) == 0 && strings.Contains(string(v), "."):
			dst = strconv.AppendFloat(dst, f, 'e', -1, 64)
		case rng.IntN(8) == 0 && strings.Contains(string(v), "."):
			dst = append(append(dst, v...), '0') // 34.35 → 34.350
		default:
			dst = append(dst, v...)
		}
	case []any:
		dst = append(dst, '[')
		for i, item := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = writeVaried(rng, dst, item)
		}
		space()
		dst = append(dst, ']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			space()
			dst = appendVariedString(rng, dst, k, 100) // an escaped key: encoding/json's call
			space()
			dst = append(dst, ':')
			dst = writeVaried(rng, dst, v[k])
		}
		space()
		dst = append(dst, '}')
	}
	space()
	return dst
}

// appendVariedString appends s as a JSON string, escaping what need not
// be escaped one time in oneIn.
func appendVariedString(rng *rand.Rand, dst []byte, s string, oneIn int) []byte {
	escape := rng.IntN(oneIn) == 0
	dst = append(dst, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r == '\n':
			dst = append(dst, `\n`...)
		case r < 0x20:
			dst = fmt.Appendf(dst, `\u%04x`, r)
		case escape && r == '/':
			dst = append(dst, `\/`...)
		case escape && rng.IntN(4) == 0 && r < 0x10000:
			dst = fmt.Appendf(dst, `\u%04X`, r)
		default:
			dst = utf8.AppendRune(dst, r)
		}
	}
	return append(dst, '"')
}

func FuzzParseRaw(f *testing.F) {
	f.Add([]byte(validFeature))
	f.Add(feature.Append(nil, storetest.Full("full-1")))
	f.Add(feature.Append(nil, storetest.Clustered(7, 42)))
	f.Add([]byte(`{"type":"Feature","id":"x","geometry":null,"properties":{"fatalities":-0,"tags":[]}}`))
	f.Fuzz(func(t *testing.T, data []byte) { sameParse(t, data) })
}

// BenchmarkDecoder decodes the features of a clustered import (what
// scripts/genincidents writes) one after another: ns/op and allocs/op are
// per feature.
func BenchmarkDecoder(b *testing.B) {
	const n = 1000
	raws := make([][]byte, n)
	size := 0
	for i := range raws {
		raws[i] = feature.Append(nil, storetest.Clustered(i, 42))
		size += len(raws[i])
	}
	b.SetBytes(int64(size / n))
	b.ReportAllocs()
	d := feature.NewDecoder()
	b.ResetTimer()
	for i := range b.N {
		if _, _, _, err := d.Parse(raws[i%n]); err != nil {
			b.Fatal(err)
		}
	}
}
