package row

import (
	"reflect"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
)

func TestSourcesAndResponsesRoundTrip(t *testing.T) {
	day := time.Date(2021, 5, 7, 0, 0, 0, 0, time.UTC)
	srcs := []incidentmap.Source{{Publisher: "P", Title: "T", URL: "https://example.org/a", PublishedOn: day}, {Title: "only a title"}}
	rs := []incidentmap.Response{{Date: day, DatePrecision: incidentmap.DateDay, Actor: "A", ActorCountry: "IRN",
		Kind: incidentmap.ResponseSummons, Summary: "S", Source: srcs[0]}, {Date: day, Actor: "UNAMA", Kind: incidentmap.ResponseCondemnation}}
	for _, c := range []struct {
		name string
		srcs []incidentmap.Source
		rs   []incidentmap.Response
	}{{"some", srcs, rs}, {"none", nil, nil}} {
		t.Run(c.name, func(t *testing.T) {
			b, err := MarshalSources(c.srcs)
			if err != nil {
				t.Fatal(err)
			}
			got, err := UnmarshalSources(b)
			if err != nil || !reflect.DeepEqual(got, c.srcs) {
				t.Errorf("sources %s: %+v, %v", b, got, err)
			}
			b, err = MarshalResponses(c.rs)
			if err != nil {
				t.Fatal(err)
			}
			gotR, err := UnmarshalResponses(string(b))
			if err != nil || !reflect.DeepEqual(gotR, c.rs) {
				t.Errorf("responses %s: %+v, %v", b, gotR, err)
			}
		})
	}
	// What the stores hold today: the keys of both documents.
	b, _ := MarshalSources(srcs[1:])
	if string(b) != `[{"title":"only a title"}]` {
		t.Errorf("sources column %s", b)
	}
	if _, err := UnmarshalResponses(`[{"date":"May 7","actor":"A","kind":"call","source":{}}]`); err == nil {
		t.Error("a response without a date was read")
	}
}

func TestScalarsIncident(t *testing.T) {
	three := int64(3)
	s := Scalars{ID: "a", Title: "t", Summary: "s", DatePrecision: "day", Lon: 1, Lat: 2, LocationPrecision: "city",
		PlaceName: "p", Country: "AFG", Admin1Code: "AF-HER", Admin1Name: "Herat", EventType: "Riots",
		SubEventType: "Mob violence", TargetType: "embassy", TargetCountry: "IRN", Facility: "f", Perpetrator: "x",
		Fatalities: &three, Status: "published", Version: 4}
	n := 3
	want := &incidentmap.Incident{ID: "a", Title: "t", Summary: "s", DatePrecision: incidentmap.DateDay, Location: [2]float64{1, 2},
		LocationPrecision: incidentmap.LocationCity, PlaceName: "p", Country: "AFG", Admin1Code: "AF-HER", Admin1Name: "Herat",
		EventType: "Riots", SubEventType: "Mob violence", TargetType: incidentmap.TargetEmbassy, TargetCountry: "IRN",
		Facility: "f", Perpetrator: "x", Fatalities: &n, Status: incidentmap.StatusPublished, Version: 4}
	if got := s.Incident(); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}
