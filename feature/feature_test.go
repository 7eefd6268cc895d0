package feature_test

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/feature"
	"github.com/incidentmap/incidentmap/store/storetest"
	"github.com/paulmach/orb"
)

// wireOrder is the order of properties that docs/wire-format.md promises.
var wireOrder = []string{"title", "summary", "occurred_start", "occurred_end", "date_precision", "location_precision",
	"place_name", "country", "admin1_code", "admin1_name", "event_type", "sub_event_type", "target_type",
	"target_country", "facility", "perpetrator", "actors", "fatalities", "injuries", "tags", "external_ids",
	"sources", "responses", "status", "version", "created_at", "updated_at"}

// propertyKeys returns the keys of the properties object of a Feature, in
// the order written.
func propertyKeys(t *testing.T, b []byte) []string {
	t.Helper()
	var f struct{ Properties json.RawMessage }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(f.Properties))
	if _, err := dec.Token(); err != nil { // {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func stamped(inc *incidentmap.Incident) *incidentmap.Incident {
	inc.Version = 3
	inc.CreatedAt = time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	inc.UpdatedAt = time.Date(2026, 11, 24, 9, 30, 0, 0, time.FixedZone("x", 3600))
	return inc
}

func TestAppendShape(t *testing.T) {
	tests := []struct {
		name string
		inc  *incidentmap.Incident
	}{
		{"full", stamped(storetest.Full("full-1"))},
		{"minimal", storetest.NewIncident("min-1", 62.2, 34.35, "2022-04-11")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := feature.Append(nil, tt.inc)
			if !json.Valid(b) {
				t.Fatalf("not valid JSON: %s", b)
			}
			if keys := propertyKeys(t, b); !slices.Equal(keys, wireOrder) {
				t.Errorf("properties %v, want %v", keys, wireOrder)
			}
			var f struct {
				Type     string
				ID       string
				Geometry struct {
					Type        string
					Coordinates []float64
				}
			}
			if err := json.Unmarshal(b, &f); err != nil {
				t.Fatal(err)
			}
			if f.Type != "Feature" || f.ID != tt.inc.ID || f.Geometry.Type != "Point" || len(f.Geometry.Coordinates) != 2 {
				t.Errorf("feature %+v", f)
			}
			// Append appends.
			prefix := []byte("prefix,")
			if got := feature.Append(slices.Clone(prefix), tt.inc); !bytes.Equal(got, append(prefix, b...)) {
				t.Error("Append did not append to dst")
			}
		})
	}
	t.Run("nulls", func(t *testing.T) {
		b := feature.Append(nil, storetest.NewIncident("min-1", 62.2, 34.35, "2022-04-11"))
		for _, want := range []string{`"summary":null`, `"fatalities":null`, `"actors":[]`, `"sources":[]`, `"created_at":null`, `"version":0`} {
			if !bytes.Contains(b, []byte(want)) {
				t.Errorf("%s lacks %s", b, want)
			}
		}
	})
	t.Run("server fields", func(t *testing.T) {
		b := feature.Append(nil, stamped(storetest.Full("full-1")))
		for _, want := range []string{`"version":3`, `"created_at":"2026-11-23T14:00:00Z"`, `"updated_at":"2026-11-24T08:30:00Z"`} {
			if !bytes.Contains(b, []byte(want)) {
				t.Errorf("%s lacks %s", b, want)
			}
		}
	})
}

// rounded returns inc with its location as the wire carries it.
func rounded(inc *incidentmap.Incident) *incidentmap.Incident {
	out := *inc
	r := func(v float64) float64 { return math.Round(v*1e6) / 1e6 }
	out.Location = orb.Point{r(inc.Location[0]), r(inc.Location[1])}
	return &out
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		inc  *incidentmap.Incident
	}{
		{"full", storetest.Full("full-1")},
		{"minimal", storetest.NewIncident("min-1", 62.2, 34.35, "2022-04-11")},
		{"month interval, no target", func() *incidentmap.Incident {
			inc := storetest.NewIncident("nov2019", 44.3, 32.0, "2019-11-01")
			inc.OccurredEnd, inc.DatePrecision = storetest.Day("2019-11-30"), incidentmap.DateMonth
			inc.Country, inc.Status = "IRQ", incidentmap.StatusRetracted
			return inc
		}()},
		{"antimeridian and poles", storetest.NewIncident("edge", -180, -90, "2022-01-01")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := feature.Append(nil, stamped(tt.inc))
			got, err := feature.Decode(b)
			if err != nil {
				t.Fatalf("decode: %v\n%s", err, b)
			}
			// Version and timestamps are the server's: Decode drops them.
			want := rounded(tt.inc)
			want.Version, want.CreatedAt, want.UpdatedAt = 0, time.Time{}, time.Time{}
			if diff := storetest.Diff(want, got); diff != "" {
				t.Errorf("round trip differs: %s", diff)
			}
			// And encoding again gives the same bytes but for those fields.
			if again := feature.Append(nil, stamped(got)); !bytes.Equal(again, b) {
				t.Errorf("re-encoding differs:\n%s\n%s", b, again)
			}
		})
	}
}

func TestEscaping(t *testing.T) {
	tests := []struct {
		name, in string
	}{
		{"html and js", `"quoted" <b>bold</b> & ` + "\u2028line\u2029para"},
		{"controls", "tab\tnew\nline\r\x00\x01\x1f\x7f end"},
		{"backslash", `C:\path\n`},
		{"invalid utf-8", "a\xffb\xc3(c\xe2\x82"},
		{"non-ASCII", "هرات — ünïcødé 😀"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := storetest.NewIncident("esc-1", 62, 34, "2022-04-11")
			inc.Title, inc.Tags = tt.in, []string{tt.in}
			b := feature.Append(nil, inc)
			if !json.Valid(b) || !utf8.Valid(b) {
				t.Fatalf("invalid JSON or UTF-8: %q", b)
			}
			for _, bad := range []string{"<", ">", "&", "\u2028", "\u2029"} {
				if bytes.Contains(b, []byte(bad)) {
					t.Errorf("%q appears unescaped in %s", bad, b)
				}
			}
			var f struct {
				Properties struct {
					Title string
					Tags  []string
				}
			}
			if err := json.Unmarshal(b, &f); err != nil {
				t.Fatal(err)
			}
			want := string([]rune(tt.in)) // each invalid byte becomes U+FFFD
			if f.Properties.Title != want || len(f.Properties.Tags) != 1 || f.Properties.Tags[0] != want {
				t.Errorf("decoded %q, %q; want %q", f.Properties.Title, f.Properties.Tags, want)
			}
		})
	}
	t.Run("escapes", func(t *testing.T) {
		inc := storetest.NewIncident("esc-1", 62, 34, "2022-04-11")
		inc.Title = "<>&\u2028\u2029\x00\xff"
		b := feature.Append(nil, inc)
		if want := `"title":"\u003c\u003e\u0026\u2028\u2029\u0000\ufffd"`; !bytes.Contains(b, []byte(want)) {
			t.Errorf("%s lacks %s", b, want)
		}
	})
}

func TestAppendCoord(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "0"},
		{-0.0000001, "0"},
		{-0.00000049, "0"},
		{0.0000001, "0"},
		{1.23456789, "1.234568"},
		{-1.23456749, "-1.234567"},
		{69.1234567, "69.123457"},
		{62.199, "62.199"},
		{180, "180"},
		{-180, "-180"},
		{-90, "-90"},
		{179.9999996, "180"},
		{0.1, "0.1"},
		{12.000001, "12.000001"},
		{1e-6, "0.000001"},
	}
	for _, tt := range tests {
		if got := string(feature.AppendCoord(nil, tt.in)); got != tt.want {
			t.Errorf("AppendCoord(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// validFeature is a minimal valid Feature in the wire shape; the decode
// error tests replace parts of it.
const validFeature = `{"type":"Feature","id":"a-1","geometry":{"type":"Point","coordinates":[62.2,34.35]},
 "properties":{"title":"T","occurred_start":"2022-04-11","location_precision":"city","country":"AFG",
 "event_type":"Protests","target_type":"embassy"}}`

func TestDecodeDefaults(t *testing.T) {
	inc, err := feature.Decode([]byte(validFeature))
	if err != nil {
		t.Fatal(err)
	}
	want := storetest.NewIncident("a-1", 62.2, 34.35, "2022-04-11")
	want.Title = "T"
	if diff := storetest.Diff(want, inc); diff != "" {
		t.Error(diff)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, old, new, param string
	}{
		{"unknown property", `"title":"T"`, `"title":"T","colour":"red"`, "colour"},
		{"unknown property with a quote", `"title":"T"`, `"title":"T","a\"b":1`, `a"b`},
		{"empty property name", `"title":"T"`, `"title":"T","":1`, "feature"},
		{"unknown member", `"type":"Feature"`, `"type":"Feature","crs":{}`, "crs"},
		{"wrong type", `"title":"T"`, `"title":"T","fatalities":"ten"`, "fatalities"},
		{"negative count", `"title":"T"`, `"title":"T","injuries":-1`, "injuries"},
		{"fractional count", `"title":"T"`, `"title":"T","fatalities":1.5`, "fatalities"},
		{"title not a string", `"title":"T"`, `"title":7`, "title"},
		{"bad date", `"occurred_start":"2022-04-11"`, `"occurred_start":"2022-13-01"`, "occurred_start"},
		{"date-time for a date", `"occurred_start":"2022-04-11"`, `"occurred_start":"2022-04-11T00:00:00Z"`, "occurred_start"},
		{"missing date", `"occurred_start":"2022-04-11",`, ``, "occurred_start"},
		{"end before start", `"title":"T"`, `"title":"T","occurred_end":"2022-04-10"`, "occurred_end"},
		{"missing geometry", `"geometry":{"type":"Point","coordinates":[62.2,34.35]},`, ``, "geometry"},
		{"null geometry", `{"type":"Point","coordinates":[62.2,34.35]}`, `null`, "geometry"},
		{"line geometry", `{"type":"Point","coordinates":[62.2,34.35]}`, `{"type":"LineString","coordinates":[62.2,34.35]}`, "geometry"},
		{"1-number coordinates", `[62.2,34.35]`, `[62.2]`, "geometry"},
		{"4-number coordinates", `[62.2,34.35]`, `[62.2,34.35,1,2]`, "geometry"},
		{"string coordinates", `[62.2,34.35]`, `["62.2","34.35"]`, "coordinates"},
		{"latitude out of range", `[62.2,34.35]`, `[62.2,91]`, "geometry"},
		{"numeric id", `"id":"a-1"`, `"id":1`, "id"},
		{"bad id", `"id":"a-1"`, `"id":"a b"`, "id"},
		{"not a Feature", `"type":"Feature"`, `"type":"FeatureCollection"`, "type"},
		{"missing properties", `,
 "properties":{"title":"T","occurred_start":"2022-04-11","location_precision":"city","country":"AFG",
 "event_type":"Protests","target_type":"embassy"}`, ``, "properties"},
		{"bad country", `"country":"AFG"`, `"country":"afg"`, "country"},
		{"bad source date", `"title":"T"`, `"title":"T","sources":[{"publisher":"P","published_on":"April"}]`, "sources"},
		{"response without date", `"title":"T"`, `"title":"T","responses":[{"actor":"A","kind":"call","source":{"publisher":"P"}}]`, "responses"},
		{"malformed JSON", `"title":"T"`, `"title":"T",`, "feature"},
		{"not an object", validFeature, `[1,2]`, "feature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(validFeature, tt.old) {
				t.Fatalf("%q is not in the valid feature", tt.old)
			}
			in := strings.Replace(validFeature, tt.old, tt.new, 1)
			inc, err := feature.Decode([]byte(in))
			if err == nil {
				t.Fatalf("accepted %s as %+v", in, inc)
			}
			if incidentmap.ErrorCode(err) != incidentmap.EINVALID || incidentmap.ErrorParam(err) != tt.param {
				t.Errorf("error %v (param %q), want EINVALID naming %q", err, incidentmap.ErrorParam(err), tt.param)
			}
		})
	}
}

func TestDecodeTrailingData(t *testing.T) {
	for _, tail := range []string{`{}`, `x`, `,`, `]`} {
		if _, err := feature.Decode([]byte(validFeature + tail)); err == nil {
			t.Errorf("accepted a feature followed by %q", tail)
		}
	}
	if _, err := feature.Decode([]byte(validFeature + " \n\t")); err != nil {
		t.Errorf("rejected trailing white space: %v", err)
	}
}

func BenchmarkAppend1000(b *testing.B) {
	incs := storetest.Synthetic(1000, 1)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		for _, inc := range incs {
			buf = feature.Append(buf, inc)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(validFeature))
	f.Add(feature.Append(nil, storetest.Full("full-1")))
	f.Add(feature.Append(nil, storetest.Synthetic(1, 1)[0]))
	f.Add([]byte(`{"type":"Feature","id":"x","geometry":{"type":"Point","coordinates":[1]},"properties":{}}`))
	f.Add([]byte(`{"type":"Feature","id":"x","geometry":null,"properties":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		inc, err := feature.Decode(data)
		if err != nil {
			if incidentmap.ErrorCode(err) != incidentmap.EINVALID || incidentmap.ErrorParam(err) == "" {
				t.Fatalf("error %v is not EINVALID naming a property", err)
			}
			return
		}
		if err := inc.Validate(); err != nil {
			t.Fatalf("Decode returned an invalid incident: %v", err)
		}
		// What the encoder writes for a decoded incident decodes again,
		// and from then on encoding is a fixed point.
		b1 := feature.Append(nil, inc)
		if !json.Valid(b1) {
			t.Fatalf("encoded invalid JSON: %s", b1)
		}
		inc2, err := feature.Decode(b1)
		if err != nil {
			t.Fatalf("re-decode of %s: %v", b1, err)
		}
		if b2 := feature.Append(nil, inc2); !bytes.Equal(b1, b2) {
			t.Fatalf("encoding is not stable:\n%s\n%s", b1, b2)
		}
	})
}

// A type error names the JSON path and what is expected there, in JSON
// terms, never a Go type.
func TestDecodeTypeErrorMessages(t *testing.T) {
	tests := []struct{ old, new, want string }{
		{`"title":"T"`, `"title":"T","sources":["Reuters"]`, "properties.sources[]: must be an object {publisher, title, url, published_on}, got a JSON string"},
		{`"title":"T"`, `"title":"T","responses":[{"actor":"A","source":"P"}]`, "properties.responses.source: must be an object {publisher, title, url, published_on}, got a JSON string"},
		{`"title":"T"`, `"title":"T","fatalities":"ten"`, "properties.fatalities: must be a whole number, got a JSON string"},
		{`"title":"T"`, `"title":["T"]`, "properties.title: must be a string, got a JSON array"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := feature.Decode([]byte(strings.Replace(validFeature, tt.old, tt.new, 1)))
			msg := incidentmap.ErrorMessage(err)
			if msg != tt.want {
				t.Errorf("message %q, want %q", msg, tt.want)
			}
			if strings.Contains(msg, "wire") || strings.Contains(msg, "feature.") {
				t.Errorf("message %q names a Go type", msg)
			}
		})
	}
}
