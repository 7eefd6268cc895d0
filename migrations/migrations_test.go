package migrations

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Both dialects must carry the same migration numbers and names, so that a
// schema change is never made to one store only.
func TestDialectsMatch(t *testing.T) {
	lite, err := Names(SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := Names(PostGIS)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 {
		t.Fatal("no migrations")
	}
	if !slices.Equal(lite, pg) {
		t.Errorf("sqlite migrations %v differ from postgis migrations %v", lite, pg)
	}
}

func TestUnknownDialect(t *testing.T) {
	if _, err := Names("oracle"); err == nil {
		t.Error("want an error for an unknown dialect")
	}
}

// scripts/bench_import.sh empties a PostGIS database between runs by
// dropping what the migrations create; a table or function it leaves makes
// the next run's migrations fail ("already exists"). Every one the PostGIS
// migrations create must be in its DROP statements.
func TestBenchImportDropsEveryObject(t *testing.T) {
	script, err := os.ReadFile("../scripts/bench_import.sh")
	if err != nil {
		t.Fatal(err)
	}
	drops := map[string]string{}
	for _, m := range regexp.MustCompile(`DROP (TABLE|FUNCTION) IF EXISTS ([a-z_, ]+) CASCADE`).FindAllStringSubmatch(string(script), -1) {
		for _, name := range strings.Split(m[2], ",") {
			drops[m[1]+" "+strings.TrimSpace(name)] = ""
		}
	}
	names, err := Names(PostGIS)
	if err != nil {
		t.Fatal(err)
	}
	created := regexp.MustCompile(`(?i)CREATE (?:OR REPLACE )?(TABLE|FUNCTION) (?:IF NOT EXISTS )?([a-z_]+)`)
	n := 0
	for _, name := range names {
		body, err := files.ReadFile(PostGIS + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range created.FindAllStringSubmatch(string(body), -1) {
			n++
			if _, ok := drops[strings.ToUpper(m[1])+" "+strings.ToLower(m[2])]; !ok {
				t.Errorf("%s creates %s %s, which bench_import.sh does not drop", name, m[1], m[2])
			}
		}
	}
	if n == 0 {
		t.Error("no CREATE TABLE or CREATE FUNCTION found in the PostGIS migrations")
	}
}
