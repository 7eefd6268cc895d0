package incidentmap

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// Limits on the text and lists of an incident, so that one write cannot
// store an unbounded document.
const (
	MaxSummaryRunes = 5000 // summary
	MaxTextRunes    = 300  // place name, admin1 name, facility, perpetrator, source publisher and title
	MaxListItems    = 100  // external ids, actors, tags, sources, responses
	MaxURLBytes     = 2000 // a source's url
)

// EarliestYear and LatestYear bound the years of the dates of an incident:
// a year outside them is a typing error, not history.
const (
	EarliestYear = 1800
	LatestYear   = 2100
)

// validAdmin1 reports whether code has the shape of an ISO 3166-2 code:
// ^[A-Z]{2}-[A-Z0-9]{1,3}$.
func validAdmin1(code string) bool {
	if len(code) < 4 || len(code) > 6 || code[2] != '-' {
		return false
	}
	for i := range len(code) {
		if c := code[i]; i < 2 && (c < 'A' || c > 'Z') || i > 2 && !isUpperOrDigit(c) {
			return false
		}
	}
	return true
}

// validateBounds checks what Validate's first pass does not: lengths, list
// sizes, the ISO 3166-2 shape of admin1_code and the range of years. Each
// error names the field.
func (inc *Incident) validateBounds() error {
	texts := []struct{ field, v string }{
		{"place_name", inc.PlaceName}, {"admin1_name", inc.Admin1Name},
		{"facility", inc.Facility}, {"perpetrator", inc.Perpetrator},
	}
	for _, t := range texts {
		if utf8.RuneCountInString(t.v) > MaxTextRunes {
			return Invalidf(t.field, "must be at most %d characters", MaxTextRunes)
		}
	}
	if utf8.RuneCountInString(inc.Summary) > MaxSummaryRunes {
		return Invalidf("summary", "must be at most %d characters", MaxSummaryRunes)
	}
	if inc.Admin1Code != "" && !validAdmin1(inc.Admin1Code) {
		return Invalidf("admin1_code", "must be an ISO 3166-2 code such as AF-HER, got %q", clipName(inc.Admin1Code))
	}
	for _, y := range []struct {
		field string
		year  int
	}{{"occurred_start", inc.OccurredStart.Year()}, {"occurred_end", inc.OccurredEnd.Year()}} {
		if y.year < EarliestYear || y.year > LatestYear {
			return Invalidf(y.field, "must be a year from %d to %d", EarliestYear, LatestYear)
		}
	}
	lists := []struct {
		field string
		items []string
	}{{"external_ids", inc.ExternalIDs}, {"actors", inc.Actors}, {"tags", inc.Tags}}
	for _, l := range lists {
		if len(l.items) > MaxListItems {
			return Invalidf(l.field, "must have at most %d items", MaxListItems)
		}
		for _, s := range l.items {
			if strings.TrimSpace(s) == "" || utf8.RuneCountInString(s) > MaxTextRunes {
				return Invalidf(l.field, "items must be 1-%d characters", MaxTextRunes)
			}
		}
	}
	if len(inc.Sources) > MaxListItems {
		return Invalidf("sources", "must have at most %d items", MaxListItems)
	}
	if len(inc.Responses) > MaxListItems {
		return Invalidf("responses", "must have at most %d items", MaxListItems)
	}
	for _, r := range inc.Responses {
		if utf8.RuneCountInString(r.Actor) > MaxTextRunes || utf8.RuneCountInString(r.Summary) > MaxSummaryRunes/10 {
			return Invalidf("responses", "actor must be at most %d characters and summary one line of at most %d", MaxTextRunes, MaxSummaryRunes/10)
		}
	}
	return nil
}

// validateBounds checks the lengths of a source and that its url has a
// host.
func (s Source) validateBounds(field string) error {
	if utf8.RuneCountInString(s.Publisher) > MaxTextRunes || utf8.RuneCountInString(s.Title) > MaxTextRunes {
		return Invalidf(field, "publisher and title must be at most %d characters", MaxTextRunes)
	}
	if len(s.URL) > MaxURLBytes {
		return Invalidf(field, "url must be at most %d bytes", MaxURLBytes)
	}
	if u, err := url.Parse(s.URL); s.URL != "" && (err != nil || u.Host == "" || strings.ContainsAny(s.URL, " \t\r\n")) {
		return Invalidf(field, "url must be an http or https URL with a host, got %q", clipName(s.URL))
	}
	return nil
}

// clipName shortens a caller's value that an error message repeats.
func clipName(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
