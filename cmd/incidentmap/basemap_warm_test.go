package main

import "testing"

// TestWarmsBasemap: serve builds the built-in basemap at start only when
// it is the map's basemap, not when a tile URL is the map's (the default).
func TestWarmsBasemap(t *testing.T) {
	for _, c := range []struct {
		name string
		url  string
		want bool
	}{
		{"built-in basemap", "", true},
		{"default tile URL", DefaultConfig().BasemapURL, false},
		{"a path on this server", "/tiles/{z}/{x}/{y}.png", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := warmsBasemap(Config{BasemapURL: c.url}); got != c.want {
				t.Errorf("warmsBasemap(%q) = %v, want %v", c.url, got, c.want)
			}
		})
	}
}
