package record

import (
	"reflect"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
)

func TestJSONListScan(t *testing.T) {
	tests := []struct {
		name    string
		src     any
		want    JSONList
		wantErr bool
	}{
		{"NULL", nil, nil, false},
		{"empty text", "[]", nil, false},
		{"empty bytes", []byte("[]"), nil, false},
		{"text", `["a","b"]`, JSONList{"a", "b"}, false},
		{"bytes", []byte(`["x"]`), JSONList{"x"}, false},
		{"not a list", `{"a":1}`, nil, true},
		{"a number", 7, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := JSONList{"stale"}
			err := got.Scan(tt.src)
			if (err != nil) != tt.wantErr || !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Scan(%v) = %v, %v; want %v (error %v)", tt.src, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestDocumentsRoundTrip(t *testing.T) {
	day := time.Date(2022, 9, 5, 0, 0, 0, 0, time.UTC)
	src := incidentmap.Source{Publisher: "P", Title: "T", URL: "https://example.org/a", PublishedOn: day}
	tests := []struct {
		name      string
		sources   []incidentmap.Source
		responses []incidentmap.Response
		wantJSON  string // of the sources
	}{
		{"none", nil, nil, "[]"},
		{"no date", []incidentmap.Source{{Publisher: "P"}}, nil, `[{"publisher":"P"}]`},
		{"full", []incidentmap.Source{src}, []incidentmap.Response{{Date: day, DatePrecision: incidentmap.DateDay,
			Actor: "UNAMA", Kind: "condemnation", Summary: "S", Source: src}},
			`[{"publisher":"P","title":"T","url":"https://example.org/a","published_on":"2022-09-05"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb, err := MarshalSources(tt.sources)
			if err != nil || string(sb) != tt.wantJSON {
				t.Fatalf("MarshalSources = %s, %v; want %s", sb, err, tt.wantJSON)
			}
			rb, err := MarshalResponses(tt.responses)
			if err != nil {
				t.Fatal(err)
			}
			gotS, err := Sources(sb)
			if err != nil || !reflect.DeepEqual(gotS, tt.sources) {
				t.Errorf("Sources = %+v, %v; want %+v", gotS, err, tt.sources)
			}
			gotR, err := Responses(rb)
			if err != nil || !reflect.DeepEqual(gotR, tt.responses) {
				t.Errorf("Responses = %+v, %v; want %+v", gotR, err, tt.responses)
			}
		})
	}
	if _, err := Sources([]byte(`[{"published_on":"5 Sept"}]`)); err == nil {
		t.Error("a source with a bad date decoded")
	}
}

func TestRowIncident(t *testing.T) {
	n := 3
	r := Row{ID: "a", ExternalIDs: JSONList{"x:1"}, Title: "T", Lon: 44.4, Lat: 33.3, Fatalities: &n,
		Sources: []byte(`[{"publisher":"P"}]`), Responses: []byte("[]"), Status: "published", Version: 2}
	inc, err := r.Incident()
	if err != nil {
		t.Fatal(err)
	}
	if inc.ID != "a" || inc.ExternalIDs[0] != "x:1" || inc.Location.Lon() != 44.4 || inc.Location.Lat() != 33.3 ||
		*inc.Fatalities != 3 || inc.Injuries != nil || len(inc.Sources) != 1 || inc.Responses != nil || inc.Version != 2 {
		t.Errorf("Incident() = %+v", inc)
	}
	r.Responses = []byte(`[{"date":"never"}]`)
	if _, err := r.Incident(); err == nil {
		t.Error("a response with a bad date decoded")
	}
}
