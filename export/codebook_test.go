package export

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/incidentmap/incidentmap/feature"
)

// docs/codebook.md names every field that an export writes in any format,
// each once, and no other.
func TestCodebookCoversEveryField(t *testing.T) {
	b, err := os.ReadFile("../docs/codebook.md")
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9_]+)` \\|").FindAllStringSubmatch(string(b), -1) {
		documented = append(documented, m[1])
	}
	want := []string{"id", "geometry"} // GeoJSON members
	want = append(want, feature.PropertyNames()...)
	want = append(want, feature.CSVColumns(feature.AllProperties)...)
	names, _ := gpkgColumns()
	want = append(want, "fid", "geom")
	want = append(want, names...)
	slices.Sort(want)
	want = slices.Compact(want)
	got := slices.Clone(documented)
	slices.Sort(got)
	if len(slices.Compact(got)) != len(documented) {
		t.Errorf("the codebook names a field twice: %v", documented)
	}
	for _, w := range want {
		if !slices.Contains(documented, w) {
			t.Errorf("the codebook does not describe %q", w)
		}
	}
	for _, d := range documented {
		if !slices.Contains(want, d) {
			t.Errorf("the codebook describes %q, which no export writes", d)
		}
	}
}
