package incidentmap

import (
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

func sameContentFixture() *Incident {
	n := 3
	day := time.Date(2022, 9, 5, 0, 0, 0, 0, time.UTC)
	src := Source{Publisher: "P", Title: "T", URL: "https://example.org", PublishedOn: day}
	return &Incident{ID: "a", ExternalIDs: []string{"x:1"}, Title: "T", Summary: "S", OccurredStart: day, OccurredEnd: day,
		DatePrecision: DateDay, Location: orb.Point{1, 2}, LocationPrecision: LocationCity, PlaceName: "P", Country: "AFG",
		Admin1Code: "AF-KAB", Admin1Name: "Kabul", EventType: "Protests", SubEventType: "Peaceful protest", TargetType: TargetEmbassy,
		TargetCountry: "IRN", Facility: "F", Perpetrator: "X", Actors: []string{"A"}, Fatalities: &n, Tags: []string{"t"},
		Sources:   []Source{src},
		Responses: []Response{{Date: day, DatePrecision: DateDay, Actor: "A", Kind: ResponseCall, Source: src}},
		Status:    StatusPublished, Version: 1, CreatedAt: day, UpdatedAt: day}
}

func TestSameContent(t *testing.T) {
	other := 4
	changes := map[string]func(*Incident){
		"ID": func(i *Incident) { i.ID = "b" }, "ExternalIDs": func(i *Incident) { i.ExternalIDs = nil },
		"Title": func(i *Incident) { i.Title = "U" }, "Summary": func(i *Incident) { i.Summary = "" },
		"OccurredStart": func(i *Incident) { i.OccurredStart = i.OccurredStart.AddDate(0, 0, -1) },
		"OccurredEnd":   func(i *Incident) { i.OccurredEnd = i.OccurredEnd.AddDate(0, 0, 1) },
		"DatePrecision": func(i *Incident) { i.DatePrecision = DateMonth }, "Location": func(i *Incident) { i.Location[0] = 1.000001 },
		"LocationPrecision": func(i *Incident) { i.LocationPrecision = LocationSite }, "PlaceName": func(i *Incident) { i.PlaceName = "Q" },
		"Country": func(i *Incident) { i.Country = "IRQ" }, "Admin1Code": func(i *Incident) { i.Admin1Code = "" },
		"Admin1Name": func(i *Incident) { i.Admin1Name = "" }, "EventType": func(i *Incident) { i.EventType = "Riots" },
		"SubEventType": func(i *Incident) { i.SubEventType = "" }, "TargetType": func(i *Incident) { i.TargetType = TargetOther },
		"TargetCountry": func(i *Incident) { i.TargetCountry = "" }, "Facility": func(i *Incident) { i.Facility = "" },
		"Perpetrator": func(i *Incident) { i.Perpetrator = "" }, "Actors": func(i *Incident) { i.Actors = []string{"B"} },
		"Fatalities": func(i *Incident) { i.Fatalities = &other }, "Injuries": func(i *Incident) { i.Injuries = &other },
		"Tags": func(i *Incident) { i.Tags = nil }, "Sources": func(i *Incident) { i.Sources[0].URL = "" },
		"Responses": func(i *Incident) { i.Responses[0].Source.Title = "" }, "Status": func(i *Incident) { i.Status = StatusDraft },
	}
	same := map[string]func(*Incident){
		"Version":   func(i *Incident) { i.Version = 7 },
		"CreatedAt": func(i *Incident) { i.CreatedAt = time.Now() },
		"UpdatedAt": func(i *Incident) { i.UpdatedAt = time.Now() },
	}
	// Every field of Incident is either compared or deliberately not.
	typ := reflect.TypeFor[Incident]()
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		if changes[name] == nil && same[name] == nil {
			t.Errorf("SameContent's test does not cover the field %s", name)
		}
	}
	for name, change := range changes {
		b := sameContentFixture()
		change(b)
		if SameContent(sameContentFixture(), b) {
			t.Errorf("a change of %s is not a change of content", name)
		}
	}
	for name, change := range same {
		b := sameContentFixture()
		change(b)
		if !SameContent(sameContentFixture(), b) {
			t.Errorf("a change of %s, which the store owns, counts as a change of content", name)
		}
	}
	a, b := sameContentFixture(), sameContentFixture()
	a.Tags, b.Tags = nil, []string{}
	b.OccurredStart = b.OccurredStart.In(time.FixedZone("X", 3600))
	if !SameContent(a, b) {
		t.Error("an empty list differs from nil, or an instant from itself in another zone")
	}
}
