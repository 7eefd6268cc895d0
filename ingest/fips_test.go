package ingest

import (
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap"
)

func TestFIPSTable(t *testing.T) {
	f := strings.Fields(fipsPairs)
	if len(f)%2 != 0 {
		t.Fatal("fipsPairs has an odd number of fields")
	}
	if len(fipsCountries) != len(f)/2 || len(fipsCountries) < 250 {
		t.Errorf("%d FIPS codes from %d pairs: a code repeats, or the table is short", len(fipsCountries), len(f)/2)
	}
	for fips, iso := range fipsCountries {
		if len(fips) != 2 || !incidentmap.ValidCountry(iso) {
			t.Errorf("%s → %s", fips, iso)
		}
	}
	for fips, want := range map[string]string{"AF": "AFG", "IZ": "IRQ", "IR": "IRN", "GM": "DEU", "UK": "GBR", "RS": "RUS", "SY": "SYR", "KV": "XKX", "OS": ""} {
		if got := fipsToISO(fips); got != want {
			t.Errorf("fipsToISO(%s) = %q, want %q", fips, got, want)
		}
	}
}
