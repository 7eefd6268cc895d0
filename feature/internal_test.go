package feature

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
)

// The fast day and instant writers write what time's formatter writes.
func TestAppendDayAndTimeAreTimeFormat(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2022, 4, 11, 0, 0, 0, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC),
		time.Date(999, 12, 31, 23, 59, 59, 999, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 6, 1, 7, 8, 9, 0, time.UTC),
		time.Date(2026, 11, 24, 9, 30, 5, 0, time.FixedZone("x", 3600)),
		time.Date(2026, 1, 1, 0, 30, 0, 0, time.FixedZone("y", -7200)),
	} {
		if got, want := string(appendDay(nil, tm)), `"`+tm.UTC().Format(time.DateOnly)+`"`; got != want {
			t.Errorf("appendDay(%v) = %s, want %s", tm, got, want)
		}
		if got, want := string(appendTime(nil, tm)), `"`+tm.UTC().Format(time.RFC3339)+`"`; got != want {
			t.Errorf("appendTime(%v) = %s, want %s", tm, got, want)
		}
	}
}

// The columns written as numbers, never neutralised, are the coordinates
// and the numeric properties.
func TestCSVNumericColumns(t *testing.T) {
	var got []string
	for _, c := range csvColumns(AllProperties) {
		if c.numeric() {
			got = append(got, c.name)
		}
	}
	if want := []string{"lon", "lat", "fatalities", "injuries", "version"}; !slices.Equal(got, want) {
		t.Errorf("numeric columns %v, want %v", got, want)
	}
}

// An empty title is "" and every other empty text null.
func TestEmptyText(t *testing.T) {
	inc := &incidentmap.Incident{ID: "a"}
	got := string(Append(nil, inc))
	for _, want := range []string{`"title":""`, `"summary":null`, `"country":null`, `"status":null`} {
		if !strings.Contains(got, want) {
			t.Errorf("no %s in %s", want, got)
		}
	}
}

// plainDay reads what time.Parse reads, to the same instant, and leaves
// the rest to it.
func TestPlainDayIsTimeParse(t *testing.T) {
	days := []string{"2022-04-11", "0000-01-01", "9999-12-31", "2024-02-29", "2000-02-29", "1900-02-29",
		"2023-02-29", "2023-02-28", "2022-04-31", "2022-04-30", "2022-13-01", "2022-00-10", "2022-01-00",
		"2022-01-32", "2022-1-01", "2022-01-1", "2022/01/01", "20220101xx", "２022-01-01", "2022-01-01 ",
		"-002-01-01", "+202-01-01", "", "2022-12-31"}
	for y := 1899; y <= 2101; y++ {
		days = append(days, time.Date(y, 2, 28, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1).Format(time.DateOnly))
	}
	for _, s := range days {
		got, ok := plainDay(s)
		want, err := time.Parse(time.DateOnly, s)
		if ok && (err != nil || got != want) || !ok && err == nil && len(s) == 10 && s[0] != '+' && s[0] != '-' {
			t.Errorf("plainDay(%q) = %v, %v; time.Parse: %v, %v", s, got, ok, want, err)
		}
	}
}
