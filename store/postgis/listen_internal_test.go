package postgis

import (
	"testing"

	"github.com/incidentmap/incidentmap"
)

// TestVersionCacheRaces: a read of the row that a notification, a write of
// the store or a change of the listener overtook is not cached as current.
func TestVersionCacheRaces(t *testing.T) {
	old := incidentmap.DataVersion{Seq: 1}
	tests := []struct {
		name   string
		up     bool
		during func(c *versionCache) // while the read is in flight
		cached bool
	}{
		{"nothing happens", true, func(*versionCache) {}, true},
		{"a notification", true, (*versionCache).forget, false},
		{"the listener goes down", true, func(c *versionCache) { c.setUp(false) }, false},
		{"the listener comes up", false, func(c *versionCache) { c.setUp(true) }, false},
		{"the listener is down", false, func(*versionCache) {}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &versionCache{}
			if tt.up {
				c.setUp(true)
			}
			_, gen, ok := c.get()
			if ok {
				t.Fatal("an empty cache answered")
			}
			tt.during(c)
			c.put(old, gen)
			if _, _, ok := c.get(); ok != tt.cached {
				t.Errorf("cached after the read = %v, want %v", ok, tt.cached)
			}
		})
	}
	t.Run("not answered once the listener is down", func(t *testing.T) {
		c := &versionCache{}
		c.setUp(true)
		_, gen, _ := c.get()
		c.put(old, gen)
		if _, _, ok := c.get(); !ok {
			t.Fatal("not cached while up; the test proves nothing")
		}
		c.setUp(false)
		if _, _, ok := c.get(); ok {
			t.Error("answered from memory with the listener down")
		}
	})
	t.Run("nil caches nothing", func(t *testing.T) {
		var c *versionCache
		c.put(old, 0)
		c.forget()
		if _, _, ok := c.get(); ok {
			t.Error("a nil cache answered")
		}
	})
}
