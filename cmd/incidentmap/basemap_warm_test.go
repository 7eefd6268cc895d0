package main

import "testing"

// TestWarmsBasemap: serve builds the built-in basemap at start only when
// it is the map's basemap (the default), not when a tile URL is the map's.
func TestWarmsBasemap(t *testing.T) {
	for _, c := range []struct {
		name string
		url  string
		want bool
	}{
		{"default: the built-in basemap", DefaultConfig().BasemapURL, true},
		{"a tile server", "https://tiles.example.org/{z}/{x}/{y}.png", false},
		{"a path on this server", "/tiles/{z}/{x}/{y}.png", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := warmsBasemap(Config{BasemapURL: c.url}); got != c.want {
				t.Errorf("warmsBasemap(%q) = %v, want %v", c.url, got, c.want)
			}
		})
	}
}
