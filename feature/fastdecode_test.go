package feature_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

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

func FuzzParseRaw(f *testing.F) {
	f.Add([]byte(validFeature))
	f.Add(feature.Append(nil, storetest.Full("full-1")))
	f.Add(feature.Append(nil, storetest.Clustered(7, 42)))
	f.Add([]byte(`{"type":"Feature","id":"x","geometry":null,"properties":{"fatalities":-0,"tags":[]}}`))
	f.Fuzz(func(t *testing.T, data []byte) { sameParse(t, data) })
}
