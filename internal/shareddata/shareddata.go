// Package shareddata locates, for tests, the real data sets that live
// beside the repository in ../shared (GeoNames, Natural Earth, U.S.
// Census boundaries, UCDP and GDELT extracts, the seed articles).
//
// Those files are not part of the repository, so a test that needs them
// must not pass by skipping quietly: Path skips with a message that names
// the missing path when they are absent, and fails the test instead when
// the CI environment variable is "true", so that CI never passes without
// having read them.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the absolute path of ../shared relative to the module root
// (the nearest directory above the working directory holding go.mod), or
// "" when there is no module root.
func Root() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for range 64 { // bounded: a path has fewer levels than this
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(dir), "shared")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	return ""
}

// Path returns the path of a file or directory under ../shared, such as
// Path(t, "data", "gazetteer", "geonames_cities500.txt"). When it does not
// exist the test is skipped with a message saying so, or, under CI=true,
// fails.
func Path(t testing.TB, elem ...string) string {
	t.Helper()
	root := Root()
	p := filepath.Join(append([]string{root}, elem...)...)
	if root == "" {
		p = filepath.Join(append([]string{"../shared"}, elem...)...)
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shareddata: %s is required under CI and is missing: %v", p, err)
			return p
		}
		t.Skipf("SKIPPED: this test reads ../shared, and %s is missing (%v); under CI=true it fails", p, err)
	}
	return p
}
