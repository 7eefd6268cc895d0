package incidentmap

import (
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

func TestCheckText(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		text, one bool // clean for CheckText, CheckLine
	}{
		{"plain", "Herat consulate", true, true},
		{"arabic", "هرات", true, true},
		{"tab and newline", "a\tb\nc\r\n", true, false},
		{"nul", "a\x00b", false, false},
		{"bell", "a\x07b", false, false},
		{"del", "a\x7fb", false, false},
		{"c1", "a\u0085b", false, false},
		{"line separator", "a\u2028b", true, false},
		{"paragraph separator", "a\u2029b", true, false},
		{"invalid utf-8", "a\xffb", false, false},
		{"truncated utf-8", "caf\xc3", false, false},
		{"empty", "", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckText(tt.in) == ""; got != tt.text {
				t.Errorf("CheckText(%q) clean = %v, want %v (%s)", tt.in, got, tt.text, CheckText(tt.in))
			}
			if got := CheckLine(tt.in) == ""; got != tt.one {
				t.Errorf("CheckLine(%q) clean = %v, want %v", tt.in, got, tt.one)
			}
		})
	}
}

// The messages name the first character at fault by its byte, after
// plain ASCII as after other text.
func TestCheckTextMessages(t *testing.T) {
	tests := []struct{ in, text, line string }{
		{"Herat\x00", "must not contain NUL (byte 6)", "must not contain NUL (byte 6)"},
		{"Herat \x7f", "must not contain the control character U+007F (byte 7)", "must not contain the control character U+007F (byte 7)"},
		{"ab\tc\x01", "must not contain the control character U+0001 (byte 5)", "must be one line, without tab or line break (byte 3)"},
		{"abc\x01\n", "must not contain the control character U+0001 (byte 4)", "must be one line, without tab or line break (byte 5)"},
		{"café\xff", "is not valid UTF-8 (byte 6)", "is not valid UTF-8 (byte 6)"},
		{"a\u2028b", "", "must be one line, without tab or line break (byte 2)"},
		{"هرات\u0085", "must not contain the control character U+0085 (byte 9)", "must not contain the control character U+0085 (byte 9)"},
		{"Herat consulate", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := CheckText(tt.in); got != tt.text {
				t.Errorf("CheckText(%q) = %q, want %q", tt.in, got, tt.text)
			}
			if got := CheckLine(tt.in); got != tt.line {
				t.Errorf("CheckLine(%q) = %q, want %q", tt.in, got, tt.line)
			}
		})
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"https://www.tehrantimes.com/news/1", true},
		{"http://example.org/a?b=c#d", true},
		{"javascript:alert(1)", false},
		{"https://", false},
		{"https://user:pw@example.org/", false},
		{"https://example.org/\x00", false},
		{"https://example.org/\u2028", false},
		{"https://example.org/a b", false},
		{"https://exa mple.org/", false},
		{"https:example.org", false},
		{"ftp://example.org/", false},
		{"https://example.org/\"><script>", true}, // escaped on output
		{"https://example.org\\@evil.example/", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := CheckURL(tt.in) == ""; got != tt.ok {
				t.Errorf("CheckURL(%q) ok = %v, want %v (%s)", tt.in, got, tt.ok, CheckURL(tt.in))
			}
		})
	}
}

// Every text field of an incident goes through the check, so that a NUL
// or control character anywhere (and a line break in a code) is refused
// before either store sees it.
func TestValidateRefusesHostileText(t *testing.T) {
	fields := map[string]func(*Incident){
		"title":        func(i *Incident) { i.Title = "a\x00b" },
		"summary":      func(i *Incident) { i.Summary = "a\xffb" },
		"place_name":   func(i *Incident) { i.PlaceName = "Herat\x00" },
		"facility":     func(i *Incident) { i.Facility = "x\x1b[31m" },
		"perpetrator":  func(i *Incident) { i.Perpetrator = "a\x85b" },
		"tags":         func(i *Incident) { i.Tags = []string{"a\nb"} },
		"external_ids": func(i *Incident) { i.ExternalIDs = []string{"gtd:1\u2028"} },
		"actors":       func(i *Incident) { i.Actors = []string{"ok", "bad\x00"} },
		"sources":      func(i *Incident) { i.Sources = []Source{{Publisher: "AFP", URL: "https://example.org/\x00"}} },
		"responses": func(i *Incident) {
			i.Responses = []Response{{Date: i.OccurredStart, DatePrecision: DateDay, Actor: "UN\x7f", Kind: ResponseKinds[0]}}
		},
	}
	for field, mutate := range fields {
		t.Run(field, func(t *testing.T) {
			inc := validIncident()
			if err := inc.Validate(); err != nil {
				t.Fatalf("the valid incident is invalid: %v", err)
			}
			mutate(inc)
			err := inc.Validate()
			if ErrorCode(err) != EINVALID || ErrorParam(err) != field {
				t.Fatalf("Validate = %v (param %q), want EINVALID naming %q", err, ErrorParam(err), field)
			}
			if !strings.HasPrefix(ErrorMessage(err), field+": ") {
				t.Errorf("message %q", ErrorMessage(err))
			}
		})
	}
}

// validIncident returns an incident that passes Validate.
func validIncident() *Incident {
	day := Day(time.Date(2022, 9, 5, 0, 0, 0, 0, time.UTC))
	return &Incident{
		ID: "2022-09-05-kabul", Title: "Blast at an embassy", Summary: "Two staff killed.\nMore later.",
		OccurredStart: day, OccurredEnd: day, DatePrecision: DateDay,
		Location: orb.Point{69.17, 34.53}, LocationPrecision: LocationPrecisions[0], PlaceName: "Kabul", Country: "AFG",
		EventType: "Explosions/Remote violence", SubEventType: "Suicide bomb", TargetType: TargetTypes[0],
		Status: StatusPublished,
	}
}
