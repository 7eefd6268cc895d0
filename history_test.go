package incidentmap

import (
	"testing"
	"time"
)

func TestStateAt(t *testing.T) {
	base := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return base.Add(time.Duration(min) * time.Minute) }
	v := func(title string) *Incident { return &Incident{ID: "x", Title: title} }
	revs := []Revision{
		{Seq: 1, Op: OpCreate, At: at(0), Incident: v("one")},
		{Seq: 2, Op: OpUpdate, At: at(10), Incident: v("two")},
		// Committed after seq 2 with an earlier instant: at 10 it is the state.
		{Seq: 3, Op: OpUpdate, At: at(5), Incident: v("three")},
		{Seq: 4, Op: OpDelete, At: at(20)},
		{Seq: 5, Op: OpCreate, At: at(30), Incident: v("again")},
	}
	tests := []struct {
		name string
		at   time.Time
		want string // "" for none
	}{
		{"before the create", at(-1), ""},
		{"at the create", at(0), "one"},
		{"the later seq with the earlier instant", at(5), "three"},
		{"seq, not instant, decides", at(10), "three"},
		{"deleted", at(25), ""},
		{"created again", at(30), "again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := StateAt(revs, tt.at)
			if (got == nil) != (tt.want == "") || (got != nil && got.Title != tt.want) {
				t.Errorf("StateAt(%v) = %+v, want %q", tt.at, got, tt.want)
			}
		})
	}
}
