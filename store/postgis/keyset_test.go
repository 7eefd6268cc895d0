package postgis

import (
	"fmt"
	"testing"
)

// TestKeySet adds enough keys to grow the table several times: a key is
// new the first time and seen every time after, ids and external ids
// apart.
func TestKeySet(t *testing.T) {
	const n = 20_000
	s := newKeySet()
	for i := range n {
		if s.addID(fmt.Sprint("id-", i)) {
			t.Fatalf("id-%d seen before it was added", i)
		}
		if s.addExternalID(fmt.Sprint("id-", i)) {
			t.Fatalf("external id id-%d seen before it was added (ids and external ids are apart)", i)
		}
	}
	for i := range n {
		if !s.addID(fmt.Sprint("id-", i)) || !s.addExternalID(fmt.Sprint("id-", i)) {
			t.Fatalf("id-%d not seen the second time", i)
		}
	}
	if s.n != 2*n || s.n*4 > len(s.slots)*3 {
		t.Errorf("%d keys in %d slots, want %d at most 3/4 full", s.n, len(s.slots), 2*n)
	}
}
