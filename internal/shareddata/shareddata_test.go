package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records Skip and Fatal instead of acting.
type recorder struct {
	testing.TB
	skipped, failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Skipf(string, ...any)  { r.skipped = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }

func TestPathMissing(t *testing.T) {
	for _, ci := range []string{"", "true"} {
		t.Run("CI="+ci, func(t *testing.T) {
			t.Setenv("CI", ci)
			r := &recorder{TB: t}
			Path(r, "no-such-file-anywhere.txt")
			if ci == "true" && (!r.failed || r.skipped) || ci == "" && (!r.skipped || r.failed) {
				t.Errorf("CI=%q: skipped %v, failed %v", ci, r.skipped, r.failed)
			}
		})
	}
}

func TestPathPresent(t *testing.T) {
	root := Root()
	if root == "" || filepath.Base(root) != "shared" {
		t.Fatalf("Root() = %q, want a path ending in shared", root)
	}
	if _, err := os.Stat(root); err != nil {
		Path(t) // skips or, under CI, fails with the reason
	}
	r := &recorder{TB: t}
	if p := Path(r); p != root || r.skipped || r.failed {
		t.Errorf("Path() = %q (skipped %v, failed %v), want %q", p, r.skipped, r.failed, root)
	}
}
