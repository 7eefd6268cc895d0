package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/geo/gazetteer"
	"github.com/incidentmap/incidentmap/geo/region"
	"github.com/paulmach/orb/encoding/mvt"
)

// TestBasemapTile serves tiles of the built-in basemap from the embedded
// geography (loading it takes a second or two).
func TestBasemapTile(t *testing.T) {
	ts := newTestServer(t, newFake(), func(c *Config) { c.Geo = &geo.Data{} })
	tests := []struct {
		name, path, accept string
		status             int
		gzipped            bool
		param              string // named by a 400
	}{
		{"world, gzipped", "/tiles/basemap/0/0/0.mvt", "gzip, br", 200, true, ""},
		{"city zoom, plain", "/tiles/basemap/12/2834/1635.mvt", "", 200, false, ""},
		{"gzip refused", "/tiles/basemap/3/5/3.mvt", "gzip;q=0, br", 200, false, ""},
		{"zoom too deep", "/tiles/basemap/23/0/0.mvt", "gzip", 400, false, "z"},
		{"zoom not a number", "/tiles/basemap/a/0/0.mvt", "gzip", 400, false, "z"},
		{"column not a number", "/tiles/basemap/2/x/0.mvt", "gzip", 400, false, "x"},
		{"unknown parameter", "/tiles/basemap/2/1/1.mvt?style=dark", "gzip", 400, false, "style"},
		{"outside the matrix", "/tiles/basemap/2/4/0.mvt", "gzip", 404, false, ""},
		{"not .mvt", "/tiles/basemap/2/1/1.png", "gzip", 404, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ts.get(t, tt.path, "Accept-Encoding", tt.accept)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if tt.status != 200 {
				var e struct{ Code, Description string }
				if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || !strings.Contains(e.Description, tt.param) {
					t.Errorf("error body %s does not name %q", w.Body, tt.param)
				}
				return
			}
			h := w.Header()
			if h.Get("Content-Type") != mediaMVT || h.Get("Cache-Control") != basemapCacheControl || !strings.Contains(h.Get("Vary"), "Accept-Encoding") {
				t.Errorf("headers %v", h)
			}
			body := w.Body.Bytes()
			if got := h.Get("Content-Encoding") == "gzip"; got != tt.gzipped {
				t.Fatalf("gzipped %v, want %v", got, tt.gzipped)
			}
			if tt.gzipped {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			ls, err := mvt.Unmarshal(body)
			if err != nil {
				t.Fatal(err)
			}
			if len(ls) != 3 || ls[0].Name != "land" || len(ls[0].Features) == 0 {
				t.Errorf("layers %v: want land with features, province, label", ls)
			}
		})
	}
	t.Run("config names it", func(t *testing.T) {
		w := ts.get(t, "/config.json")
		if !strings.Contains(w.Body.String(), `"builtin_basemap":{"url":"/tiles/basemap/{z}/{x}/{y}.mvt","attribution":"Boundaries: Natural Earth`) {
			t.Errorf("config.json: %s", w.Body)
		}
	})
}

func TestBasemapTileWithoutGeo(t *testing.T) {
	ts := newTestServer(t, newFake())
	if w := ts.get(t, "/tiles/basemap/0/0/0.mvt"); w.Code != http.StatusNotFound {
		t.Errorf("status %d, want 404: %s", w.Code, w.Body)
	}
}

// signalGeo reports its first Regions call on called and has no data.
type signalGeo struct{ called chan struct{} }

func (g signalGeo) Regions() (*region.Index, error) {
	close(g.called)
	return nil, errors.New("signalGeo: no regions")
}

func (signalGeo) Gazetteer() (*gazetteer.Gazetteer, error) {
	return nil, errors.New("signalGeo: no gazetteer")
}

func TestWarmBasemap(t *testing.T) {
	g := signalGeo{called: make(chan struct{})}
	ts := newTestServer(t, newFake(), func(c *Config) { c.Geo = g; c.WarmBasemap = true })
	select {
	case <-g.called:
	case <-time.After(10 * time.Second):
		t.Fatal("WarmBasemap did not start building the basemap")
	}
	// A basemap that cannot be built is a 500, never a tile.
	if w := ts.get(t, "/tiles/basemap/0/0/0.mvt"); w.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", w.Code)
	}
}

func TestAcceptsEncoding(t *testing.T) {
	tests := []struct {
		header, enc string
		want        bool
	}{
		{"gzip, deflate, br", "br", true},
		{"gzip, deflate", "br", false},
		{"GZIP", "gzip", true},
		{"br;q=0, gzip", "br", false},
		{"br; q=0.5", "br", true},
		{"*", "br", true},
		{"", "gzip", false},
		{"gzipx", "gzip", false},
	}
	for _, tt := range tests {
		t.Run(tt.header+"/"+tt.enc, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Accept-Encoding", tt.header)
			if got := acceptsEncoding(r, tt.enc); got != tt.want {
				t.Errorf("acceptsEncoding(%q, %q) = %v", tt.header, tt.enc, got)
			}
		})
	}
}
