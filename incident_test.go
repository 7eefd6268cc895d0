package incidentmap

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestValidCountry(t *testing.T) {
	for code, want := range map[string]bool{
		"AFG": true, "IRQ": true, "XKX": true, "ZWE": true, "ABW": true,
		"afg": false, "AF": false, "AFGH": false, "W A": false, "G A": false, " AF": false,
		"XXX": false, "KOS": false, "": false,
	} {
		if got := ValidCountry(code); got != want {
			t.Errorf("ValidCountry(%q) = %v, want %v", code, got, want)
		}
	}
	listed := strings.Fields(countryCodes)
	for _, a := range "ABCDEFGHIJKLMNOPQRSTUVWXYZ" { // every code of three letters
		for _, b := range "ABCDEFGHIJKLMNOPQRSTUVWXYZ" {
			for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZ" {
				code := string([]rune{a, b, c})
				if got, want := ValidCountry(code), slices.Contains(listed, code); got != want {
					t.Errorf("ValidCountry(%q) = %v, want %v", code, got, want)
				}
			}
		}
	}
}

// The hand-written checks of ids and ISO 3166-2 codes accept exactly what
// their regular expressions do.
func TestShapesAsPatterns(t *testing.T) {
	long := strings.Repeat("a", 127)
	tests := []struct {
		name    string
		check   func(string) bool
		pattern *regexp.Regexp
		inputs  []string
	}{
		{"ValidID", ValidID, regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`),
			[]string{"a", "a-1", "ucdp:123", "Z.9_x:y-z", "", "-a", ".a", "_a", "a b", "a\n", "é", "aé", "a/b", "a+b",
				"A" + long, "A" + long + "b", "0", "a,"}},
		{"validAdmin1", validAdmin1, regexp.MustCompile(`^[A-Z]{2}-[A-Z0-9]{1,3}$`),
			[]string{"AF-HER", "IQ-BG", "US-1", "GB-AB9", "AF-HERA", "AF-", "A-HER", "af-HER", "AF-her", "AFXHER",
				"AF-HE\n", "AF-hER", "AF--1", "AF_HER", "", "AF-H", "AF-12", "1F-HER", "ÀF-HER"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, in := range tt.inputs {
				if got, want := tt.check(in), tt.pattern.MatchString(in); got != want {
					t.Errorf("%q: %v, want %v", in, got, want)
				}
			}
		})
	}
}

func TestSpanDays(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, tt := range []struct {
		start, end time.Time
		want       int
	}{
		{day("2024-03-01"), day("2024-03-01"), 0},
		{day("2024-02-28"), day("2024-03-01"), 2}, // leap day between
		{day("2023-12-31"), day("2024-01-01"), 1},
		{day("0001-01-01"), day("9999-12-31"), 3652058},                                         // beyond time.Duration's 292 years
		{time.Date(2024, 3, 1, 23, 0, 0, 0, time.FixedZone("", -5*3600)), day("2024-03-03"), 1}, // 04:00 UTC on the 2nd
	} {
		inc := &Incident{OccurredStart: tt.start, OccurredEnd: tt.end}
		if got := inc.SpanDays(); got != tt.want {
			t.Errorf("SpanDays(%v, %v) = %d, want %d", tt.start, tt.end, got, tt.want)
		}
	}
}

// isDay says what t.Equal(Day(t)) says, in any zone, before 1970 and
// after, at a nanosecond off midnight.
func TestIsDay(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("east", 4*3600+1800), time.FixedZone("west", -5*3600)}
	var times []time.Time
	for _, y := range []int{-3000, 1, 1800, 1969, 1970, 2022, 2100, 9999} {
		for _, z := range zones {
			for _, h := range []int{0, 4, 19, 23} {
				day := time.Date(y, 3, 1, h, 30*(h%2), 0, 0, z)
				times = append(times, day, day.Add(time.Nanosecond), day.Add(-time.Second), day.Truncate(time.Hour))
			}
			times = append(times, time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC).In(z))
		}
	}
	times = append(times, time.Time{}, time.Now(), time.Date(2022, 4, 11, 0, 0, 0, 0, time.UTC).Round(0))
	for _, tm := range times {
		if got, want := isDay(tm), !tm.IsZero() && tm.Equal(Day(tm)); got != want {
			t.Errorf("isDay(%v) = %v, want %v", tm, got, want)
		}
	}
}
