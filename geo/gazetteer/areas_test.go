package gazetteer

import (
	"strings"
	"testing"
)

// areaLines is a tiny areas file: a country, a state and a county of it.
const areaLines = "country\tIRQ\tIraq\tRepublic of Iraq\tIraqi\t43.7\t33\t38.8\t29\t48.6\t37.4\tIRQ\t\t\t30000000\t435000\n" +
	"admin1\tUS-OH\tOhio\t\t\t-82.7\t40.1\t-84.8\t38.4\t-80.5\t42.3\tUSA\t\tUS.OH\t8000000\t116000\n" +
	"admin2\tUS-39049\tFranklin County\t\t\t-83\t40\t-83.3\t39.8\t-82.8\t40.2\tUSA\tUS-OH\t\t1000000\t1400\n"

func TestLoadAreas(t *testing.T) {
	good := "1\tIrak\t\tIraq\t36\t50\tPPL\tIRN\tIR.01\tX\t500\n"
	g, err := loadAll(good, "", areaLines)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text, name, kind, code, admin1 string
	}{
		{"Iraq", "Iraq", KindCountry, "IRQ", ""},
		{"Iraqi", "Iraq", KindCountry, "IRQ", ""},
		{"Republic of Iraq", "Iraq", KindCountry, "IRQ", ""},
		{"Ohio", "Ohio", KindAdmin1, "US-OH", "Ohio"},
		{"Franklin County", "Franklin County", KindAdmin2, "US-39049", "Ohio"},
		{"Franklin County, Ohio", "Franklin County", KindAdmin2, "US-39049", "Ohio"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			cs := g.Search(Query{Text: tt.text})
			if len(cs) == 0 {
				t.Fatal("no candidates")
			}
			c := cs[0]
			if c.Name != tt.name || c.Kind != tt.kind || c.Code != tt.code || c.Admin1Name != tt.admin1 || c.Bound == nil {
				t.Errorf("got %+v", c)
			}
			if got, ok := g.Get(c.ID); !ok || got.Code != c.Code {
				t.Errorf("Get(%d) = %+v, %v", c.ID, got, ok)
			}
		})
	}
	bad := []struct{ name, line, want string }{
		{"columns", "country\tIRQ\n", "want 16 columns"},
		{"kind", strings.Replace(areaLines, "country\t", "planet\t", 1), "unknown kind"},
		{"point", strings.Replace(areaLines, "\t43.7\t33\t", "\t43.7\t95\t", 1), "bad point"},
		{"population", strings.Replace(areaLines, "\t30000000\t", "\t-1\t", 1), "bad population"},
		{"box", strings.Replace(areaLines, "\t38.8\t29\t", "\tx\t29\t", 1), "bad box"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := loadAll(good, "", tt.line); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("loadAll() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
