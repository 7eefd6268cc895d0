package api

import (
	"encoding/json"
	"math"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
)

func TestParseBBox(t *testing.T) {
	tests := []struct {
		in   string
		want *incidentmap.BBox // nil: rejected
	}{
		{"40,20,70,40", &incidentmap.BBox{West: 40, South: 20, East: 70, North: 40}},
		{"-180,-90,180,90", &incidentmap.BBox{West: -180, South: -90, East: 180, North: 90}},
		{"170,-10,-160,10", &incidentmap.BBox{West: 170, South: -10, East: -160, North: 10}},
		{"179.5,0,-180,1", &incidentmap.BBox{West: 179.5, South: 0, East: -180, North: 1}}, // touches ±180: harmless
		{"180,0,-179.5,1", &incidentmap.BBox{West: 180, South: 0, East: -179.5, North: 1}},
		{"180,0,180,1", &incidentmap.BBox{West: 180, South: 0, East: 180, North: 1}},
		{"100,0,-100,1", &incidentmap.BBox{West: 100, South: 0, East: -100, North: 1}}, // 160° wide
		// "Crossing" boxes 180° wide or more are swapped coordinates.
		{"10,0,5,1", nil},
		{"-5,0,-10,1", nil},
		{"70,30,60,35", nil},
		{"90,0,-90,1", nil},
		{"1,2,3", nil},
		{"1,2,3,4,5,6", nil},
		{"1,2,3,4,", nil},
		{"NaN,0,1,1", nil},
		{"nan,0,1,1", nil},
		{"-Inf,0,1,1", nil},
		{"1e309,0,1,1", nil},
		{"0,-90.000001,1,1", nil},
		{"-180.0000001,0,1,1", nil},
		{"0,1,1,0", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseBBox(tt.in)
			switch {
			case tt.want == nil && err == nil:
				t.Errorf("accepted as %+v", got)
			case tt.want == nil:
				if incidentmap.ErrorParam(err) != "bbox" || incidentmap.ErrorCode(err) != incidentmap.EINVALID {
					t.Errorf("error %v does not name bbox", err)
				}
			case err != nil:
				t.Errorf("rejected: %v", err)
			case got != *tt.want:
				t.Errorf("got %+v, want %+v", got, *tt.want)
			}
		})
	}
}

func TestParseDatetime(t *testing.T) {
	at := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t.UTC()
	}
	tests := []struct {
		in   string
		want *incidentmap.Interval // nil: rejected
	}{
		{"2022-04-11", &incidentmap.Interval{Start: day("2022-04-11"), End: day("2022-04-11")}},
		{"2022-04-11T10:00:00+04:30", &incidentmap.Interval{Start: at("2022-04-11T05:30:00Z"), End: at("2022-04-11T05:30:00Z")}},
		{"2022-04-11/2022-04-11", &incidentmap.Interval{Start: day("2022-04-11"), End: day("2022-04-11")}},
		{"2022-04-11T23:59:59Z/2022-04-11", &incidentmap.Interval{Start: at("2022-04-11T23:59:59Z"), End: day("2022-04-11")}},
		{"2022-04-12T00:00:00Z/2022-04-11", nil},
		{"../2022-04-11", &incidentmap.Interval{End: day("2022-04-11")}},
		{"2022-04-11/..", &incidentmap.Interval{Start: day("2022-04-11")}},
		{"../..", nil},
		{"..", nil},
		{"/", nil},
		{"", nil},
		{"yesterday", nil},
		{"2022-4-11", nil},
		{"2022-04-11 10:00:00Z", nil},
		{"2022-04-11t10:00:00z", nil},
		{"2022-02-30", nil},
		{"0999-12-31", nil},
		{"9999-12-31T23:00:00-02:00", nil},
		{"2022-04-11//", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseDatetime(tt.in)
			switch {
			case tt.want == nil && err == nil:
				t.Errorf("accepted as %v/%v", got.Start, got.End)
			case tt.want == nil:
				if incidentmap.ErrorParam(err) != "datetime" {
					t.Errorf("error %v does not name datetime", err)
				}
			case err != nil:
				t.Errorf("rejected: %v", err)
			case !got.Start.Equal(tt.want.Start) || !got.End.Equal(tt.want.End):
				t.Errorf("got %v/%v, want %v/%v", got.Start, got.End, tt.want.Start, tt.want.End)
			}
		})
	}
}

func TestParseLimit(t *testing.T) {
	tests := []struct {
		in   string
		want int // 0: rejected
	}{
		{"1", 1}, {"100", 100}, {"10000", 10000}, {"007", 7},
		{"0", 0}, {"-1", 0}, {"+5", 0}, {"10001", 0}, {"1000000000", 0},
		{"99999999999999999999", 0}, {"abc", 0}, {"1.0", 0}, {" 5", 0},
	}
	for _, tt := range tests {
		got, err := parseLimit(tt.in)
		if tt.want == 0 && (err == nil || incidentmap.ErrorParam(err) != "limit") {
			t.Errorf("parseLimit(%q) = %d, %v; want a limit error", tt.in, got, err)
		} else if tt.want != 0 && (err != nil || got != tt.want) {
			t.Errorf("parseLimit(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func FuzzParseBBox(f *testing.F) {
	for _, s := range []string{"40,20,70,40", "170,-10,-160,10", "-180,-90,180,90", "10,0,5,1", "180,0,10,1",
		"1,2,3", "1,2,3,4,5,6", "NaN,0,1,1", "1e308,0,1,1", "0x1p3,0,1,1", " 1 , 2 , 3 , 4 ", "-0,-0,0,0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := parseBBox(s)
		if err != nil {
			if incidentmap.ErrorParam(err) != "bbox" || incidentmap.ErrorCode(err) != incidentmap.EINVALID {
				t.Fatalf("error %v does not name bbox", err)
			}
			return
		}
		for _, v := range []float64{b.West, b.South, b.East, b.North} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("accepted a non-finite value: %+v", b)
			}
		}
		if b.West < -180 || b.West > 180 || b.East < -180 || b.East > 180 {
			t.Fatalf("accepted a longitude out of range: %+v", b)
		}
		if b.South < -90 || b.North > 90 || b.South > b.North {
			t.Fatalf("accepted bad latitudes: %+v", b)
		}
		if b.CrossesAntimeridian() && 360-(b.West-b.East) >= 180 {
			t.Fatalf("accepted a crossing box 180° wide or more: %+v", b)
		}
	})
}

func FuzzParseDatetime(f *testing.F) {
	for _, s := range []string{"2022-04-11", "2022-04-11T10:00:00Z", "2022-04-11T10:00:00.123+04:30", "2019-11-01/2022-04-11",
		"../2022-04-11", "2022-04-11/..", "/2022-04-11", "2022-04-11/", "../..", "/", "yesterday", "2022-04-12/2022-04-11",
		"2022-04-11T15:00:00Z/2022-04-11", "0001-01-01", "9999-12-31T23:59:59-23:59"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		iv, err := parseDatetime(s)
		if err != nil {
			if incidentmap.ErrorParam(err) != "datetime" || incidentmap.ErrorCode(err) != incidentmap.EINVALID {
				t.Fatalf("error %v does not name datetime", err)
			}
			return
		}
		if iv.Start.IsZero() && iv.End.IsZero() {
			t.Fatalf("accepted %q as an interval open at both ends", s)
		}
		for _, tm := range []time.Time{iv.Start, iv.End} {
			if !tm.IsZero() && (tm.Location() != time.UTC || tm.Year() < 1000 || tm.Year() > 9999) {
				t.Fatalf("accepted %q as %v", s, tm)
			}
		}
		if !iv.Start.IsZero() && !iv.End.IsZero() {
			if first, last := iv.Days(); first.After(last) {
				t.Fatalf("accepted %q, a backwards interval %v/%v", s, iv.Start, iv.End)
			}
		}
	})
}

// TestItemParams checks that the documented allow-list is the one the
// handler applies, and that every entry is documented.
func TestItemParams(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range itemParams() {
		if seen[p.Name] {
			t.Errorf("%s listed twice", p.Name)
		}
		seen[p.Name] = true
		if !isItemsParam(p.Name) {
			t.Errorf("%s is documented but rejected", p.Name)
		}
		if p.Description == "" || p.Schema["type"] == nil {
			t.Errorf("%s: description %q, schema %v", p.Name, p.Description, p.Schema)
		}
		if _, err := json.Marshal(p.Schema); err != nil {
			t.Errorf("%s: schema %v", p.Name, err)
		}
	}
	for _, q := range incidentmap.IncidentQueryables {
		// status is a parameter for callers with a key (statusParam).
		want := !slices.Contains([]string{"title", "summary", "occurred", "location"}, q.Name)
		if isItemsParam(q.Name) != want {
			t.Errorf("queryable %s: a parameter %v, want %v", q.Name, isItemsParam(q.Name), want)
		}
	}
	for _, name := range []string{"colour", "filter_lang", "offset", ""} {
		if isItemsParam(name) {
			t.Errorf("%q accepted", name)
		}
	}
	// Every documented parameter parses one valid value.
	for name, v := range map[string]string{"bbox": "1,2,3,4", "datetime": "2022-04-11", "limit": "5", "sortby": "-id",
		"filter": "TRUE", "filter-lang": "cql2-json", "filter-crs": crs84, "properties": "title", "f": "csv",
		"cursor": encodeCursor(incidentmap.CursorOf(&incidentmap.Incident{ID: "a"}, nil))} {
		if _, err := parseItemsQuery(url.Values{name: {v}}); err != nil {
			t.Errorf("%s=%s: %v", name, v, err)
		}
	}
}

func TestParsePropertyValues(t *testing.T) {
	tests := []struct {
		name, value string
		want        []incidentmap.Literal
		ok          bool
	}{
		{"country", "AFG, IRQ,AFG", []incidentmap.Literal{incidentmap.String("AFG"), incidentmap.String("IRQ")}, true},
		{"country", "AF", nil, false},
		{"fatalities", "0,007", []incidentmap.Literal{incidentmap.Number(0), incidentmap.Number(7)}, true},
		{"fatalities", "1234567890", nil, false},
		{"fatalities", "+1", nil, false},
		{"occurred_end", "2021-08-12", []incidentmap.Literal{incidentmap.Date{Day: day("2021-08-12")}}, true},
		{"occurred_end", "0999-01-01", nil, false},
		{"target_type", "diplomatic_vehicle", []incidentmap.Literal{incidentmap.String("diplomatic_vehicle")}, true},
		{"target_type", "Embassy", nil, false},
		{"admin1_code", "IQ-BG,AF-KAB", []incidentmap.Literal{incidentmap.String("IQ-BG"), incidentmap.String("AF-KAB")}, true},
		{"admin1_code", "IQ-", nil, false},
		{"admin1_code", "I1-BG", nil, false},
		{"place_name", "Kabul City ", []incidentmap.Literal{incidentmap.String("Kabul City")}, true},
		{"perpetrator", "Islamic State", []incidentmap.Literal{incidentmap.String("Islamic State")}, true},
		{"id", "2022-04-11-herat-iran-consulate", []incidentmap.Literal{incidentmap.String("2022-04-11-herat-iran-consulate")}, true},
		{"id", "-starts-with-hyphen", nil, false},
		{"sub_event_type", "Air/drone strike", []incidentmap.Literal{incidentmap.String("Air/drone strike")}, true},
	}
	for _, tt := range tests {
		got, err := parsePropertyValues(tt.name, tt.value)
		if (err == nil) != tt.ok {
			t.Errorf("%s=%q: error %v", tt.name, tt.value, err)
			continue
		}
		if err != nil {
			if incidentmap.ErrorParam(err) != tt.name {
				t.Errorf("%s=%q: error names %q", tt.name, tt.value, incidentmap.ErrorParam(err))
			}
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s=%q: %v, want %v", tt.name, tt.value, got, tt.want)
		}
	}
}

func TestParseProperties(t *testing.T) {
	sel, err := parseProperties("updated_at, title,id,title")
	if err != nil || !slices.Equal(sel.Names(), []string{"title", "updated_at"}) {
		t.Errorf("%v %v", sel.Names(), err)
	}
	for _, bad := range []string{"geometry", "Title", "title,", "location"} {
		if _, err := parseProperties(bad); incidentmap.ErrorParam(err) != "properties" {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
