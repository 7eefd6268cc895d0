package basemap

import (
	"reflect"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/incidentmap/incidentmap/geo/region"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// testCities are a few real places (GeoNames points and populations).
var testCities = []City{
	{Name: "Kabul", Lon: 69.17233, Lat: 34.52813, Population: 4434550, Capital: true},
	{Name: "Herāt", Lon: 62.19967, Lat: 34.34817, Population: 556205},
	{Name: "Baghdad", Lon: 44.40088, Lat: 33.34058, Population: 7216000, Capital: true},
	{Name: "Karbala", Lon: 44.02488, Lat: 32.61603, Population: 434450},
	{Name: "Paghmān", Lon: 68.95, Lat: 34.5875, Population: 1000},
}

var testMap = sync.OnceValues(func() (*Map, error) {
	ix, err := region.Load()
	if err != nil {
		return nil, err
	}
	regions := append(ix.All(region.LevelCountry, ""), ix.All(region.LevelProvince, "")...)
	return New(regions, testCities), nil
})

func mustMap(tb testing.TB) *Map {
	tb.Helper()
	m, err := testMap()
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// decode returns the layers of a tile by name.
func decode(t *testing.T, body []byte) map[string]*mvt.Layer {
	t.Helper()
	ls, err := mvt.Unmarshal(body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*mvt.Layer{}
	for _, l := range ls {
		out[l.Name] = l
	}
	return out
}

// values returns the string values of a property over a layer's features.
func values(l *mvt.Layer, key string) map[string]bool {
	out := map[string]bool{}
	for _, f := range l.Features {
		if v, ok := f.Properties[key].(string); ok {
			out[v] = true
		}
	}
	return out
}

func TestTile(t *testing.T) {
	m := mustMap(t)
	kabul := orb.Point{69.17233, 34.52813}
	at := func(z int) maptile.Tile { return maptile.At(kabul, maptile.Zoom(z)) }
	tests := []struct {
		name         string
		tile         maptile.Tile
		land         []string // country codes that must be in the land layer
		minLand      int
		provinces    bool
		labels, none []string
		maxBytes     int
	}{
		{"world", maptile.New(0, 0, 0), []string{"AFG", "IRQ", "BRA", "AUS"}, 150, false, nil, []string{"Kabul", "Afghanistan"}, 150_000},
		{"region", at(4), []string{"AFG", "PAK", "IND"}, 5, true, []string{"Kabul", "Afghanistan"}, []string{"Herāt", "Paghmān"}, 150_000},
		{"provinces", at(7), []string{"AFG"}, 1, true, []string{"Kabul"}, []string{"Paghmān"}, 150_000},
		{"city zoom is not blank", maptile.At(orb.Point{68.95, 34.5875}, 12), []string{"AFG"}, 1, true, []string{"Paghmān"}, []string{"Herāt"}, 50_000},
		{"street zoom is not blank", at(19), []string{"AFG"}, 1, true, []string{"Kabul"}, nil, 50_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := m.Tile(int(tt.tile.Z), int(tt.tile.X), int(tt.tile.Y))
			if err != nil {
				t.Fatal(err)
			}
			if len(body) > tt.maxBytes {
				t.Errorf("tile takes %d bytes, want at most %d", len(body), tt.maxBytes)
			}
			ls := decode(t, body)
			for _, name := range []string{"land", "province", "label"} {
				if ls[name] == nil {
					t.Fatalf("no %s layer", name)
				}
				if ls[name].Extent != Extent {
					t.Errorf("%s: extent %d", name, ls[name].Extent)
				}
			}
			land := values(ls["land"], "code")
			if len(land) < tt.minLand {
				t.Errorf("%d countries on the tile, want at least %d", len(land), tt.minLand)
			}
			for _, c := range tt.land {
				if !land[c] {
					t.Errorf("%s is not on the land layer", c)
				}
			}
			if got := len(ls["province"].Features) > 0; got != tt.provinces {
				t.Errorf("provinces shown: %v, want %v", got, tt.provinces)
			}
			labels := values(ls["label"], "name")
			for _, n := range tt.labels {
				if !labels[n] {
					t.Errorf("no label %q (labels: %v)", n, labels)
				}
			}
			for _, n := range tt.none {
				if labels[n] {
					t.Errorf("label %q shown at zoom %d", n, tt.tile.Z)
				}
			}
		})
	}
}

// TestTileCovered checks that a tile inside a country is all land: the
// land polygon covers the whole tile, so the map at city zoom shows land,
// not an empty background.
func TestTileCovered(t *testing.T) {
	m := mustMap(t)
	tile := maptile.At(orb.Point{69.17233, 34.52813}, 14)
	ls := decode(t, must(m.Tile(int(tile.Z), int(tile.X), int(tile.Y))))
	if len(ls["land"].Features) != 1 {
		t.Fatalf("%d land features, want Afghanistan only", len(ls["land"].Features))
	}
	b := ls["land"].Features[0].Geometry.Bound()
	if b.Min[0] > 0 || b.Min[1] > 0 || b.Max[0] < Extent || b.Max[1] < Extent {
		t.Errorf("land covers %v of the tile, want all of 0..%d", b, Extent)
	}
}

// TestLabelsAgree checks that the label of a place near a tile edge is in
// both tiles, so that both draw their half of it.
func TestLabelsAgree(t *testing.T) {
	m := mustMap(t)
	for z := 3; z <= 14; z++ {
		tile := maptile.At(orb.Point{69.17233, 34.52813}, maptile.Zoom(z))
		for _, n := range []maptile.Tile{{X: tile.X - 1, Y: tile.Y, Z: tile.Z}, {X: tile.X + 1, Y: tile.Y, Z: tile.Z}} {
			here := values(decode(t, must(m.Tile(int(tile.Z), int(tile.X), int(tile.Y))))["label"], "name")
			there := values(decode(t, must(m.Tile(int(n.Z), int(n.X), int(n.Y))))["label"], "name")
			// Kabul is within the label buffer of a neighbour only when
			// near its edge; what matters is that no label is in a
			// neighbour's buffer yet missing from its own tile.
			if there["Kabul"] && !here["Kabul"] {
				t.Errorf("zoom %d: Kabul labelled by a neighbour, not by its own tile", z)
			}
		}
	}
}

// TestTileRepeatable cuts the same tiles twice, with other tiles between:
// cutting must not change the shared geometry.
func TestTileRepeatable(t *testing.T) {
	m := mustMap(t)
	tiles := []maptile.Tile{maptile.New(0, 0, 0), maptile.New(21, 12, 5), maptile.New(10, 6, 4), maptile.New(1, 1, 1)}
	first := map[maptile.Tile]mvt.Layers{}
	for round := 0; round < 2; round++ {
		for _, tile := range tiles {
			// The encoding orders properties as a map does: compare the
			// decoded layers.
			ls, err := mvt.Unmarshal(must(m.Tile(int(tile.Z), int(tile.X), int(tile.Y))))
			if err != nil {
				t.Fatal(err)
			}
			if round == 0 {
				first[tile] = ls
			} else if !reflect.DeepEqual(ls, first[tile]) {
				t.Errorf("tile %v changed between two cuts", tile)
			}
		}
	}
}

func TestTileErrors(t *testing.T) {
	m := mustMap(t)
	tests := []struct{ z, x, y int }{{-1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {2, -1, 0}, {MaxZoom + 1, 0, 0}}
	for _, tt := range tests {
		if _, err := m.Tile(tt.z, tt.x, tt.y); err == nil {
			t.Errorf("Tile(%d, %d, %d): no error", tt.z, tt.x, tt.y)
		}
	}
}

func TestBandOf(t *testing.T) {
	tests := []struct{ z, want int }{{0, 0}, {1, 0}, {2, 1}, {5, 2}, {7, 3}, {8, 4}, {22, 4}}
	for _, tt := range tests {
		if got := bandOf(tt.z); got != tt.want {
			t.Errorf("bandOf(%d) = %d, want %d", tt.z, got, tt.want)
		}
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// BenchmarkTile cuts tiles of the first view around Kabul at zoom 6 and the
// world tile, after the bands are built.
func BenchmarkTile(b *testing.B) {
	m := mustMap(b)
	tiles := []maptile.Tile{maptile.New(0, 0, 0), maptile.At(orb.Point{69.17, 34.53}, 6), maptile.At(orb.Point{69.17, 34.53}, 10)}
	for _, t := range tiles {
		must(m.Tile(int(t.Z), int(t.X), int(t.Y)))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := tiles[i%len(tiles)]
		must(m.Tile(int(t.Z), int(t.X), int(t.Y)))
	}
}

// TestLabelProperties checks what a label says of itself: its kind, and a
// rank that orders the labels of a zoom (countries, then capitals by
// population, then provinces, then cities).
func TestLabelProperties(t *testing.T) {
	m := mustMap(t)
	type named struct{ name, kind string }
	tests := []struct {
		name  string
		z     int
		order []named // labels that must be shown, in ascending rank
	}{
		{"zoom 4", 4, []named{{"Afghanistan", "country"}, {"Iraq", "country"}, {"Baghdad", "capital"}, {"Kabul", "capital"}}},
		{"zoom 9", 9, []named{{"Baghdad", "capital"}, {"Kabul", "capital"}, {"Baghdad", "province"}, {"Karbala", "city"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The labels of the zoom over Iraq and Afghanistan, from every
			// tile that covers them.
			ranks := map[named]int64{}
			lo := maptile.At(orb.Point{38, 38}, maptile.Zoom(tt.z))
			hi := maptile.At(orb.Point{75, 29}, maptile.Zoom(tt.z))
			for x := lo.X; x <= hi.X; x++ {
				for y := lo.Y; y <= hi.Y; y++ {
					ls := decode(t, must(m.Tile(tt.z, int(x), int(y))))
					inTile := map[int64]bool{}
					for _, f := range ls["label"].Features {
						name, _ := f.Properties["name"].(string)
						kind, _ := f.Properties["kind"].(string)
						// The decoder gives numbers as float64.
						fr, ok := f.Properties["rank"].(float64)
						rank := int64(fr)
						if !ok || float64(rank) != fr || rank < 0 {
							t.Fatalf("label %q: rank %v (%T), want an integer ≥ 0", name, f.Properties["rank"], f.Properties["rank"])
						}
						if inTile[rank] {
							t.Fatalf("tile %d/%d/%d: two labels of rank %d", tt.z, x, y, rank)
						}
						inTile[rank] = true
						ranks[named{name, kind}] = rank // two places of one name and kind: either
					}
				}
			}
			for i, k := range tt.order {
				if _, ok := ranks[k]; !ok {
					t.Fatalf("no label %v at zoom %d", k, tt.z)
				}
				if i > 0 && ranks[tt.order[i-1]] >= ranks[k] {
					t.Errorf("rank of %v %d, of %v %d: want %v first", tt.order[i-1], ranks[tt.order[i-1]], k, ranks[k], tt.order[i-1])
				}
			}
		})
	}
}

// TestLabelNamesCopied: a label holds its own copy of a place's name, not
// the caller's string, which may be a slice of a much longer one (a line
// of the gazetteer's file) that the map would otherwise keep alive.
func TestLabelNamesCopied(t *testing.T) {
	line := "Xanadu\tXanadu\t" + strings.Repeat("alternate,", 1000)
	m := New(nil, []City{{Name: line[:6], Lon: 10, Lat: 10, Population: 50_000}})
	if len(m.places) != 1 || m.places[0].name != "Xanadu" {
		t.Fatalf("places %+v, want Xanadu", m.places)
	}
	start := uintptr(unsafe.Pointer(unsafe.StringData(line)))
	at := uintptr(unsafe.Pointer(unsafe.StringData(m.places[0].name)))
	if at >= start && at < start+uintptr(len(line)) {
		t.Error("the label's name points into the caller's string")
	}
}
