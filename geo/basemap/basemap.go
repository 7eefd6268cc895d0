// Package basemap owns the light vector basemap the server draws itself,
// without any tile server: land (the embedded country boundaries, whose
// outlines are the coastlines and the borders), province boundaries, and
// labels of countries, provinces and cities (the embedded gazetteer),
// cut into Mapbox Vector Tiles.
//
// Everything is derived at run time from data the binary already embeds,
// so the basemap adds no bytes to the repository. Geometry is simplified
// per band of zooms to about half a pixel, and labels are chosen per zoom
// by size (area for countries and provinces, population for cities) and
// thinned to the biggest per grid cell, the same choice in every tile, so
// that a label cut by a tile edge is drawn whole by both tiles.
//
// A tile has three layers, each with extent Extent:
//
//	land      polygons, one feature per country; property "code" (ISO alpha-3)
//	province  polygons of first-level divisions, from zoom ProvinceZoom
//	label     points with "name", "kind" (country, province, capital, city)
//	          and "rank" (0 is the most important; draw in rank order)
package basemap

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/incidentmap/incidentmap/geo/region"
	"github.com/incidentmap/incidentmap/geo/shape"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/simplify"
)

const (
	// Extent is the size of a tile in its own coordinates.
	Extent = 4096
	// MaxZoom is the deepest zoom served; deeper zooms show the data of
	// MaxZoom's simplification band and labels of labelZooms.
	MaxZoom = 22
	// ProvinceZoom is the first zoom with province boundaries.
	ProvinceZoom = 4
	// bufferPx is how far, in tile pixels of 256, polygons reach beyond a
	// tile, so that the edges the cut makes are never inside the tile.
	bufferPx = 8
	// labelBufferPx is how far beyond a tile labels are kept: a label near
	// an edge is drawn by both tiles, each showing its half.
	labelBufferPx = 96
	// cellPx is the side of the grid cells, in pixels at the label's zoom,
	// of which only the biggest place keeps its label.
	cellPx = 72
	// labelZooms is the deepest zoom with a label set of its own.
	labelZooms = 14
)

// bands are the zooms at which the simplification changes: band i serves
// zooms from bands[i] to bands[i+1]-1 and is simplified to half a pixel
// (in degrees at the equator) at its deepest zoom.
// The last band is the embedded data as it is (0.005°).
var bands = [...]int{0, 2, 4, 6, 8}

// City is a populated place to label.
type City struct {
	Name       string
	Lon, Lat   float64
	Population int
	// Capital marks a national capital, labelled from zoom 3 whatever its
	// population.
	Capital bool
}

// Map cuts tiles; build one with New. It is safe for concurrent use.
type Map struct {
	countries, provinces []*region.Region
	bandOnce             [len(bands)]sync.Once
	band                 [len(bands)]*bandData
	// places are the places that may get a label, most important first,
	// held once for every zoom; labels[z] are the positions in places of
	// zoom z's labels, in the order of their rank. A zoom's list of its
	// own labels would hold the deep zooms' ≈200,000 cities three times
	// over (40 MB); its positions cost 4 bytes a label.
	places []label
	labels [labelZooms + 1][]int32
}

// bandData holds the regions simplified for one band of zooms.
type bandData struct {
	countries, provinces []shapeOf
}

type shapeOf struct {
	code  string
	geom  orb.MultiPolygon
	bound orb.Bound
}

type label struct {
	name string
	at   orb.Point
	kind labelKind
}

// labelKind is the "kind" of a label.
type labelKind uint8

const (
	kindCity labelKind = iota
	kindCapital
	kindCountry
	kindProvince
)

var kindNames = [...]string{kindCity: "city", kindCapital: "capital", kindCountry: "country", kindProvince: "province"}

// New prepares a basemap of countries and provinces (region levels 0 and
// 1; other levels are ignored) and cities. The regions are read, never
// modified.
func New(regions []*region.Region, cities []City) *Map {
	m := &Map{}
	for _, r := range regions {
		switch r.Level {
		case region.LevelCountry:
			m.countries = append(m.countries, r)
		case region.LevelProvince:
			m.provinces = append(m.provinces, r)
		}
	}
	m.buildLabels(cities)
	return m
}

// bandOf returns the index of the band that serves zoom z.
func bandOf(z int) int {
	i := len(bands) - 1
	for i > 0 && z < bands[i] {
		i--
	}
	return i
}

// degreesPerPixel is the width of a pixel at zoom z at the equator.
func degreesPerPixel(z int) float64 { return 360 / (256 * math.Exp2(float64(z))) }

// data returns the simplified regions of band i, building them once.
func (m *Map) data(i int) *bandData {
	m.bandOnce[i].Do(func() {
		tol := 0.0
		if i < len(bands)-1 {
			tol = degreesPerPixel(bands[i+1]-1) / 2
		}
		d := &bandData{countries: simplified(m.countries, tol)}
		if i == len(bands)-1 || bands[i+1]-1 >= ProvinceZoom {
			d.provinces = simplified(m.provinces, tol)
		}
		m.band[i] = d
	})
	return m.band[i]
}

// simplified copies the regions' boundaries simplified with tolerance tol
// (degrees; 0 copies nothing), dropping rings smaller than a tolerance.
func simplified(regions []*region.Region, tol float64) []shapeOf {
	out := make([]shapeOf, 0, len(regions))
	for _, r := range regions {
		g := r.Geometry
		if tol > 0 {
			g = nil
			dp := simplify.DouglasPeucker(tol)
			for _, poly := range r.Geometry {
				if b := poly.Bound(); b.Max[0]-b.Min[0] < tol && b.Max[1]-b.Min[1] < tol {
					continue // an island smaller than a pixel
				}
				var p orb.Polygon
				for k, ring := range poly {
					s := dp.Ring(ring.Clone())
					if len(s) < 4 {
						if k == 0 {
							break // no outer ring, no polygon
						}
						continue
					}
					p = append(p, s)
				}
				if len(p) > 0 {
					g = append(g, p)
				}
			}
		}
		if len(g) > 0 {
			out = append(out, shapeOf{code: r.Code, geom: g, bound: g.Bound()})
		}
	}
	return out
}

// Tile returns the tile z/x/y (x the column, y the row from the north) as
// an uncompressed Mapbox Vector Tile; an error for a tile that does not
// exist.
func (m *Map) Tile(z, x, y int) ([]byte, error) {
	if z < 0 || z > MaxZoom || x < 0 || y < 0 || x >= 1<<z || y >= 1<<z {
		return nil, fmt.Errorf("basemap: no tile %d/%d/%d", z, x, y)
	}
	t := maptile.New(uint32(x), uint32(y), maptile.Zoom(z))
	d := m.data(bandOf(z))
	b := t.Bound(bufferPx / 256.0)
	var provinces []shapeOf
	if z >= ProvinceZoom {
		provinces = d.provinces
	}
	layers := mvt.Layers{
		layerOf("land", d.countries, b),
		layerOf("province", provinces, b),
		m.labelLayer(z, t.Bound(labelBufferPx/256.0)),
	}
	layers.ProjectToTile(t)
	for _, l := range layers {
		l.Version = 2
		l.Extent = Extent
	}
	body, err := mvt.Marshal(layers)
	if err != nil {
		return nil, fmt.Errorf("basemap: encode tile %d/%d/%d: %w", z, x, y, err)
	}
	return body, nil
}

// layerOf is the layer of the shapes that reach into b, cut to b.
func layerOf(name string, shapes []shapeOf, b orb.Bound) *mvt.Layer {
	fc := geojson.NewFeatureCollection()
	for _, s := range shapes {
		if !s.bound.Intersects(b) {
			continue
		}
		// Cutting and projecting to the tile both rewrite points in
		// place: work on a copy of the shared geometry.
		var g orb.MultiPolygon
		for _, poly := range s.geom {
			if len(poly) > 0 && poly[0].Bound().Intersects(b) {
				g = append(g, poly.Clone())
			}
		}
		if !b.Contains(s.bound.Min) || !b.Contains(s.bound.Max) {
			g = clip.MultiPolygon(b, g)
		}
		if len(g) == 0 {
			continue
		}
		f := geojson.NewFeature(g)
		f.Properties = geojson.Properties{"code": s.code}
		fc.Append(f)
	}
	return mvt.NewLayer(name, fc)
}

// labelLayer is the layer of the labels of zoom z within b.
func (m *Map) labelLayer(z int, b orb.Bound) *mvt.Layer {
	fc := geojson.NewFeatureCollection()
	for rank, i := range m.labels[min(z, labelZooms)] {
		l := &m.places[i]
		// Longitudes wrap at the antimeridian; tiles do not.
		if !b.Contains(l.at) {
			continue
		}
		f := geojson.NewFeature(l.at)
		f.Properties = geojson.Properties{"name": l.name, "kind": kindNames[l.kind], "rank": rank}
		fc.Append(f)
	}
	return mvt.NewLayer("label", fc)
}

// Label thresholds per zoom (index): the smallest country and province
// areas in km² and city populations that get a label. -1 means none.
var (
	countryMinKm2  = [labelZooms + 1]float64{-1, -1, 1_500_000, 300_000, 60_000, 8_000, 0, 0, -1, -1, -1, -1, -1, -1, -1}
	provinceMinKm2 = [labelZooms + 1]float64{-1, -1, -1, -1, -1, 150_000, 40_000, 8_000, 0, 0, 0, -1, -1, -1, -1}
	cityMinPop     = [labelZooms + 1]int{-1, -1, -1, 8_000_000, 3_000_000, 1_000_000, 300_000, 100_000, 40_000, 15_000, 5_000, 2_000, 0, 0, 0}
)

// candidate is a label with the size that orders it.
type candidate struct {
	label
	area    float64 // km², for countries and provinces
	pop     int
	capital bool
}

// buildLabels chooses the labels of every zoom up to labelZooms.
func (m *Map) buildLabels(cities []City) {
	var cands []candidate
	for _, rs := range [][]*region.Region{m.countries, m.provinces} {
		for _, r := range rs {
			at, ok := shape.RepresentativePoint(r.Geometry)
			if !ok || r.Name == "" {
				continue
			}
			kind := kindProvince
			if r.Level == region.LevelCountry {
				kind = kindCountry
			}
			area := shape.AreaKm2(r.Geometry)
			cands = append(cands, candidate{label: label{name: r.Name, kind: kind, at: at}, area: area})
		}
	}
	for _, c := range cities {
		kind := kindCity
		if c.Capital {
			kind = kindCapital
		}
		cands = append(cands, candidate{label: label{name: c.Name, kind: kind, at: orb.Point{c.Lon, c.Lat}},
			pop: c.Population, capital: c.Capital})
	}
	// The order does not depend on the zoom: sort once.
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score() > cands[j].score() })
	// The names are copied into one string: a caller's may be a slice
	// of a longer one (a line of the gazetteer's file, alternate names
	// and all), which the label would otherwise keep alive.
	var names strings.Builder
	for i := range cands {
		names.WriteString(cands[i].name)
	}
	all := names.String()
	m.places = make([]label, len(cands))
	for i := range cands {
		m.places[i] = cands[i].label
		m.places[i].name, all = all[:len(cands[i].name)], all[len(cands[i].name):]
	}
	for z := 0; z <= labelZooms; z++ {
		m.labels[z] = chooseLabels(cands, z)
	}
}

// score orders candidates, highest first: countries by area, then
// capitals by population, then provinces by area, then cities.
func (c *candidate) score() float64 {
	switch {
	case c.kind == kindCountry:
		return 3e12 + c.area
	case c.capital:
		return 2e12 + float64(c.pop)
	case c.kind == kindProvince:
		return 1e12 + c.area
	}
	return float64(c.pop)
}

// shown reports whether the candidate passes zoom z's thresholds.
func (c *candidate) shown(z int) bool {
	switch c.kind {
	case kindCountry:
		return countryMinKm2[z] >= 0 && c.area >= countryMinKm2[z]
	case kindProvince:
		return provinceMinKm2[z] >= 0 && c.area >= provinceMinKm2[z]
	}
	return cityMinPop[z] >= 0 && (c.pop >= cityMinPop[z] || (c.capital && z >= 3))
}

// chooseLabels picks the labels of zoom z from candidates sorted by
// score, as positions in cands: those over the zoom's thresholds, then
// the first one per grid cell. Area labels are thinned among themselves,
// apart from cities.
func chooseLabels(cands []candidate, z int) []int32 {
	taken := map[[2]int64]bool{}
	var out []int32
	for i := range cands {
		c := &cands[i]
		if !c.shown(z) {
			continue
		}
		cx, cy := cellOf(c.at, z)
		key := [2]int64{cx, cy<<2 | kindLayer(c.kind)}
		if taken[key] {
			continue
		}
		taken[key] = true
		out = append(out, int32(i))
	}
	return slices.Clip(out)
}

// kindLayer separates the thinning of area labels from city labels.
func kindLayer(kind labelKind) int64 {
	switch kind {
	case kindCountry:
		return 1
	case kindProvince:
		return 2
	}
	return 0
}

// cellOf returns the grid cell of p at zoom z in Web Mercator pixels.
func cellOf(p orb.Point, z int) (int64, int64) {
	f := maptile.Fraction(p, maptile.Zoom(z))
	scale := 256 / float64(cellPx)
	return int64(math.Floor(f[0] * scale)), int64(math.Floor(f[1] * scale))
}
