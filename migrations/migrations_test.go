package migrations

import (
	"slices"
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
