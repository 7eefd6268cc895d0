package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
)

func load(t *testing.T, s incidentmap.Store, incs ...*incidentmap.Incident) {
	t.Helper()
	if err := s.ImportIncidents(context.Background(), incs); err != nil {
		t.Fatalf("load: %v", err)
	}
}

// wantIDs checks that f selects exactly these ids, in this order, on one page.
func wantIDs(t *testing.T, s incidentmap.Store, f incidentmap.Filter, want ...string) {
	t.Helper()
	var got []string
	if _, err := s.FindIncidents(context.Background(), f, func(inc *incidentmap.Incident) error {
		got = append(got, inc.ID)
		return nil
	}); err != nil {
		t.Fatalf("find: %v", err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("find gave %v, want %v", got, want)
	}
}

func wantCount(t *testing.T, s incidentmap.Store, f incidentmap.Filter, want int) {
	t.Helper()
	n, err := s.CountIncidents(context.Background(), f)
	if err != nil {
		t.Fatalf("count: %v", err)
	}
	if n != want {
		t.Errorf("count gave %d, want %d", n, want)
	}
}

// sortIncidents returns incs in the store order: OccurredStart, then ID.
func sortIncidents(incs []*incidentmap.Incident) []*incidentmap.Incident {
	out := slices.Clone(incs)
	slices.SortFunc(out, func(a, b *incidentmap.Incident) int {
		if c := a.OccurredStart.Compare(b.OccurredStart); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// Diff describes how two incidents differ, or returns "" when they are the
// same. Times compare as instants; nil and empty slices are the same.
func Diff(want, got *incidentmap.Incident) string {
	a, b := normalize(*want), normalize(*got)
	if reflect.DeepEqual(a, b) {
		return ""
	}
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	var out []string
	for i := range va.NumField() {
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			out = append(out, fmt.Sprintf("%s: want %s, got %s", va.Type().Field(i).Name, show(va.Field(i)), show(vb.Field(i))))
		}
	}
	return strings.Join(out, "; ")
}

func show(v reflect.Value) string {
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		return fmt.Sprintf("&%+v", v.Elem().Interface())
	}
	return fmt.Sprintf("%+v", v.Interface())
}

func normalize(inc incidentmap.Incident) incidentmap.Incident {
	norm := func(t time.Time) time.Time {
		if t.IsZero() {
			return time.Time{}
		}
		return t.UTC().Round(0)
	}
	inc.OccurredStart, inc.OccurredEnd = norm(inc.OccurredStart), norm(inc.OccurredEnd)
	inc.CreatedAt, inc.UpdatedAt = norm(inc.CreatedAt), norm(inc.UpdatedAt)
	for _, p := range []*[]string{&inc.ExternalIDs, &inc.Actors, &inc.Tags} {
		if len(*p) == 0 {
			*p = nil
		}
	}
	inc.Sources = slices.Clone(inc.Sources)
	for i := range inc.Sources {
		inc.Sources[i].PublishedOn = norm(inc.Sources[i].PublishedOn)
	}
	if len(inc.Sources) == 0 {
		inc.Sources = nil
	}
	inc.Responses = slices.Clone(inc.Responses)
	for i := range inc.Responses {
		inc.Responses[i].Date = norm(inc.Responses[i].Date)
		inc.Responses[i].Source.PublishedOn = norm(inc.Responses[i].Source.PublishedOn)
	}
	if len(inc.Responses) == 0 {
		inc.Responses = nil
	}
	return inc
}
