package gazetteer

import (
	"strings"
	"testing"
)

func TestCountryNames(t *testing.T) {
	names, keys := countryNames()
	if len(names) != 250 {
		t.Errorf("%d countries, want 249 ISO codes and XKX", len(names))
	}
	for code, name := range names {
		if !isAlpha3(code) || name == "" {
			t.Errorf("bad entry %q → %q", code, name)
		}
		if keys[normalize(code)] != code || keys[normalize(name)] != code {
			t.Errorf("%s %q is not found by its code and name", code, name)
		}
	}
	for alias, want := range map[string]string{"usa": "USA", "united states": "USA", "uk": "GBR", "ivory coast": "CIV", "turkey": "TUR", "iran": "IRN"} {
		if got := keys[alias]; got != want {
			t.Errorf("keys[%q] = %q, want %q", alias, got, want)
		}
	}
	if n := strings.Count(countryTable, "\n") + 1; n != len(names) {
		t.Errorf("countryTable has %d lines but %d codes: a code repeats", n, len(names))
	}
}
