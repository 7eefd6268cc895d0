package postgis

import "hash/maphash"

// keySet holds a 64-bit hash of each id and external id that a bulk load
// has taken, so that the load can run without the unique indexes of those
// keys and still find the item that repeats one (see bulkLoad). A hash
// that is already there means the key may repeat an earlier one; two keys
// may share a hash, so the caller confirms against the rows. It is an
// open-addressed table of hashes, 8 bytes a slot, at most 3/4 full: about
// 32 MB for the 2M keys of a million items with one external id each.
type keySet struct {
	idSeed, externalSeed maphash.Seed
	slots                []uint64 // 0 marks an empty slot
	n                    int
}

// newKeySet returns an empty set.
func newKeySet() *keySet {
	return &keySet{idSeed: maphash.MakeSeed(), externalSeed: maphash.MakeSeed(), slots: make([]uint64, 1<<12)}
}

// addID adds an incident id and reports whether its hash was there.
func (s *keySet) addID(id string) bool { return s.add(maphash.String(s.idSeed, id)) }

// addExternalID adds an external id and reports whether its hash was there.
func (s *keySet) addExternalID(x string) bool { return s.add(maphash.String(s.externalSeed, x)) }

func (s *keySet) add(h uint64) bool {
	if h == 0 {
		h = 1
	}
	if (s.n+1)*4 > len(s.slots)*3 {
		s.grow()
	}
	if !s.insert(h) {
		return true
	}
	s.n++
	return false
}

// insert puts h in its slot or the next free one; false when h is there.
func (s *keySet) insert(h uint64) bool {
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = h
			return true
		case h:
			return false
		}
	}
}

// grow doubles the table.
func (s *keySet) grow() {
	old := s.slots
	s.slots = make([]uint64, 2*len(old))
	for _, h := range old {
		if h != 0 {
			s.insert(h)
		}
	}
}
