package ingest

import (
	"sync"
	"testing"

	"github.com/incidentmap/incidentmap/geo/gazetteer"
	"github.com/incidentmap/incidentmap/geo/region"
)

var (
	loadOnce  sync.Once
	testGaz   *gazetteer.Gazetteer
	testReg   *region.Index
	loadError error
)

// testExtractor loads the gazetteer and regions once per test binary.
func testExtractor(tb testing.TB) *Extractor {
	tb.Helper()
	loadOnce.Do(func() {
		testGaz, loadError = gazetteer.Load()
		if loadError == nil {
			testReg, loadError = region.Load()
		}
	})
	if loadError != nil {
		tb.Fatal(loadError)
	}
	return NewExtractor(testGaz, testReg)
}
