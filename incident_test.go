package incidentmap

import "testing"

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
