package sqlite

import (
	"testing"

	"github.com/incidentmap/incidentmap/store/storetest"
)

// BenchmarkWrites measures single creates and updates on a file database.
func BenchmarkWrites(b *testing.B) {
	s := openFile(b)
	defer s.Close()
	storetest.BenchmarkWrites(b, s)
}
