package api

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/geo/basemap"
	"github.com/incidentmap/incidentmap/geo/gazetteer"
	"github.com/incidentmap/incidentmap/geo/region"
)

// Paths and headers of the built-in basemap.
const (
	basemapPath = "/tiles/basemap/:z/:x/:y" // :y is "{y}.mvt"
	// BuiltinBasemapURL is the tile template of the built-in basemap.
	BuiltinBasemapURL = "/tiles/basemap/{z}/{x}/{y}.mvt"
	// BuiltinBasemapAttribution credits the data the built-in basemap is drawn from.
	BuiltinBasemapAttribution = "Boundaries: Natural Earth (public domain); place names: GeoNames (geonames.org), CC BY 4.0"
	// basemapCacheControl: the tiles change only with the binary.
	basemapCacheControl = "public, max-age=86400"
	basemapCacheTiles   = 4096
	basemapCacheBytes   = 64 << 20
	// basemapMinPopulation: the smallest town labelled at city zooms.
	basemapMinPopulation = 500
)

// basemapTiles builds the built-in basemap on first use and keeps the
// tiles it cut, gzipped.
type basemapTiles struct {
	once sync.Once
	m    *basemap.Map
	err  error

	mu    sync.Mutex
	cache *lru[[3]int, []byte]
}

// load builds the basemap from the boundaries and the embedded cities.
func (b *basemapTiles) load(geo GeoSource) (*basemap.Map, error) {
	b.once.Do(func() {
		var ix *region.Index
		if ix, b.err = geo.Regions(); b.err != nil {
			return
		}
		// The cities are read from the embedded file, not from the
		// gazetteer's index, which the basemap would otherwise load and
		// keep (≈110 MB) on a server that may never geocode.
		var cities []basemap.City
		b.err = gazetteer.EmbeddedCities(basemapMinPopulation, func(p gazetteer.Place) bool {
			cities = append(cities, basemap.City{Name: p.Name, Lon: p.Lon, Lat: p.Lat, Population: p.Population,
				Capital: p.FeatureCode == "PPLC"})
			return true
		})
		if b.err != nil {
			return
		}
		regions := append(ix.All(region.LevelCountry, ""), ix.All(region.LevelProvince, "")...)
		b.m = basemap.New(regions, cities)
		b.cache = newLRU[[3]int, []byte](basemapCacheTiles, basemapCacheBytes, func(v []byte) int { return len(v) })
	})
	return b.m, b.err
}

// tile returns the gzipped tile z/x/y.
func (b *basemapTiles) tile(m *basemap.Map, z, x, y int) ([]byte, error) {
	key := [3]int{z, x, y}
	b.mu.Lock()
	body, ok := b.cache.Get(key)
	b.mu.Unlock()
	if ok {
		return body, nil
	}
	raw, err := m.Tile(z, x, y)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(raw); err != nil {
		return nil, fmt.Errorf("api: gzip basemap tile: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("api: gzip basemap tile: %w", err)
	}
	body = buf.Bytes()
	b.mu.Lock()
	b.cache.Add(key, body)
	b.mu.Unlock()
	return body, nil
}

// basemapTile serves GET /tiles/basemap/{z}/{x}/{y}.mvt: a tile of the
// built-in basemap (see package basemap), gzipped when the client accepts
// it. Without the embedded geography it is a 404.
func (s *server) basemapTile(c *gin.Context) error {
	if err := checkParams(c); err != nil {
		return err
	}
	z, x, y, err := parseXYZ(c)
	if err != nil {
		return err
	}
	if z > basemap.MaxZoom {
		return incidentmap.Invalidf("z", "the basemap's deepest zoom is %d, got %d", basemap.MaxZoom, z)
	}
	if err := checkTile(z, x, y); err != nil {
		return err
	}
	if s.geo == nil {
		return incidentmap.Errorf(incidentmap.ENOTFOUND, "the built-in basemap is not enabled on this server")
	}
	m, err := s.builtin.load(s.geo)
	if err != nil {
		return fmt.Errorf("api: basemap: %w", err)
	}
	body, err := s.builtin.tile(m, z, x, y)
	if err != nil {
		return err
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", basemapCacheControl)
	addVary(h, "Accept-Encoding")
	if !acceptsEncoding(c.Request, "gzip") {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("api: gunzip basemap tile: %w", err)
		}
		var raw bytes.Buffer
		if _, err := raw.ReadFrom(zr); err != nil {
			return fmt.Errorf("api: gunzip basemap tile: %w", err)
		}
		body = raw.Bytes()
	} else {
		h.Set("Content-Encoding", "gzip")
	}
	c.Data(http.StatusOK, mediaMVT, body)
	return nil
}

// acceptsEncoding reports whether the request's Accept-Encoding allows
// the content coding enc (by name or "*", and not with q=0).
func acceptsEncoding(r *http.Request, enc string) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			name = strings.TrimSpace(name)
			if !strings.EqualFold(name, enc) && name != "*" {
				continue
			}
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				if k, val, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "q") {
					if f, err := strconv.ParseFloat(val, 64); err == nil {
						q = f
					}
				}
			}
			if q > 0 {
				return true
			}
		}
	}
	return false
}
