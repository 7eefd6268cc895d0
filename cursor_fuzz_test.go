package incidentmap

import (
	"testing"
	"time"
)

// FuzzDecodeCursor checks that any token either is refused with EINVALID
// naming cursor, or decodes to a cursor whose values are clean text and
// which encodes back to a token that decodes to the same cursor.
func FuzzDecodeCursor(f *testing.F) {
	day := time.Date(2022, 4, 11, 0, 0, 0, 0, time.UTC)
	inc := &Incident{ID: "2022-04-11-herat", OccurredStart: day, OccurredEnd: day, Country: "AFG", EventType: "Protests"}
	for _, order := range []string{"", "-occurred_start", "country,-fatalities", "event_type,updated_at"} {
		keys, err := ParseSortBy(order)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(CursorOf(inc, keys).Encode())
	}
	f.Add("MXwyMDIyLTA0LTExfGE") // version 1: 1|2022-04-11|a
	f.Add(`eyJ2IjoyLCJvIjoiY291bnRyeSxpZCIsInMiOiIyMDIyLTA0LTExIiwiayI6WyJcdTAwMDAiXSwiaSI6ImEifQ`)
	f.Add("")
	f.Add("!!!")
	f.Fuzz(func(t *testing.T, token string) {
		c, err := DecodeCursor(token)
		if err != nil {
			if ErrorCode(err) != EINVALID || ErrorParam(err) != "cursor" {
				t.Fatalf("error %#v", err)
			}
			return
		}
		for _, v := range c.values {
			if s, ok := v.(string); ok && CheckLine(s) != "" {
				t.Fatalf("cursor value %q is not clean text", s)
			}
		}
		again, err := DecodeCursor(c.Encode())
		if err != nil {
			t.Fatalf("re-encoded cursor does not decode: %v", err)
		}
		if again.Encode() != c.Encode() {
			t.Fatalf("round trip changed the cursor: %q → %q", c.Encode(), again.Encode())
		}
	})
}
