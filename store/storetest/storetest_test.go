package storetest

import (
	"testing"

	"github.com/incidentmap/incidentmap"
)

// The fixtures themselves must be valid, or the suite tests nothing.
func TestFixturesValid(t *testing.T) {
	for _, inc := range append(Synthetic(500, 7), Full("f"), NewIncident("n", 1, 2, "2020-01-01")) {
		if err := inc.Validate(); err != nil {
			t.Fatalf("%s: %v", inc.ID, err)
		}
	}
}

func TestClusteredValid(t *testing.T) {
	inBaghdad := 0
	for i := range 20000 {
		inc := Clustered(i, 42)
		if err := inc.Validate(); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if (incidentmap.BBox{West: 43.866, South: 32.815, East: 44.866, North: 33.815}).Contains(inc.Location) {
			inBaghdad++
		}
	}
	if inBaghdad < 1000 || inBaghdad > 6000 {
		t.Errorf("%d of 20,000 in the box around Baghdad; the busiest centre should hold a few percent", inBaghdad)
	}
	if a, b := Clustered(7, 42), Clustered(7, 42); Diff(a, b) != "" {
		t.Error("Clustered is not deterministic")
	}
}

func TestThousandBox(t *testing.T) {
	n := 0
	for _, inc := range Synthetic(100_000, 1) {
		if ThousandBox.Contains(inc.Location) {
			n++
		}
	}
	if n != 1000 {
		t.Errorf("ThousandBox holds %d synthetic points, want 1000", n)
	}
}

func TestDiff(t *testing.T) {
	a, b := Full("x"), Full("x")
	if d := Diff(a, b); d != "" {
		t.Errorf("equal incidents differ: %s", d)
	}
	b.Country = "IRQ"
	if d := Diff(a, b); d == "" {
		t.Error("different incidents compare equal")
	}
	var _ incidentmap.Store // the suite is for this interface
}
