package postgis_test

import (
	"testing"

	"github.com/incidentmap/incidentmap/store/storetest"
)

// BenchmarkWrites measures single creates and updates.
func BenchmarkWrites(b *testing.B) {
	s := openStore(b)
	defer s.Close()
	storetest.BenchmarkWrites(b, s)
}
