package incidentmap

import (
	"regexp"
	"strings"
	"testing"
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
