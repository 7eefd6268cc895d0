package cluster

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// synthetic returns n points around a few centres, with some spread
// everywhere, and kinds cycling through kinds: deterministic for a seed.
func synthetic(n, kinds int, seed uint64) []Point {
	r := rand.New(rand.NewPCG(seed, 7))
	centres := []orb.Point{{44.366, 33.315}, {69.17, 34.53}, {62.2, 34.35}, {44.02, 32.6}, {-0.1, 51.5}, {179.99, -16.5}}
	pts := make([]Point, n)
	for i := range pts {
		var lon, lat float64
		if i%10 == 0 {
			lon, lat = r.Float64()*360-180, r.Float64()*170-85
		} else {
			c := centres[r.IntN(len(centres))]
			lon = math.Max(-180, math.Min(180, c.Lon()+r.NormFloat64()*0.2))
			lat = c.Lat() + r.NormFloat64()*0.2
		}
		pts[i] = Point{Lon: lon, Lat: lat, Kind: uint8(i % kinds)}
	}
	return pts
}

// squareOf returns the code of the square at level that holds p.
func squareOf(p Point, level int) uint64 {
	return Code(p.Lon, p.Lat) >> (2 * (MaxLevel - level))
}

func TestWithinCountsEveryPointOnce(t *testing.T) {
	pts := synthetic(20000, 6, 1)
	for _, stored := range []int{12, 1} {
		ix, err := Build(pts, Options{Kinds: 6, StoredLevels: stored})
		if err != nil {
			t.Fatal(err)
		}
		for _, level := range []int{0, 3, 8, 12, 13, 17, 26} {
			t.Run(fmt.Sprintf("stored%d/level%d", stored, level), func(t *testing.T) {
				// Brute force: the points of each square.
				want := map[uint64][]Point{}
				for _, p := range pts {
					want[squareOf(p, level)] = append(want[squareOf(p, level)], p)
				}
				total := 0
				seen := 0
				ix.Within(level, orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}, func(c Cluster) bool {
					seen++
					lv, code, ok := ParseID(c.ID)
					if !ok || lv != level {
						t.Fatalf("id %x: level %d ok %v, want level %d", c.ID, lv, ok, level)
					}
					members := want[code]
					if c.Count != len(members) {
						t.Fatalf("square %x: count %d, want %d", code, c.Count, len(members))
					}
					kinds := make([]int, 6)
					var lon, lat float64
					b := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
					for _, p := range members {
						kinds[p.Kind]++
						lon += p.Lon
						lat += p.Lat
						b = b.Extend(orb.Point{p.Lon, p.Lat})
					}
					for k := range kinds {
						if kinds[k] != c.Kinds[k] {
							t.Fatalf("square %x: kinds %v, want %v", code, c.Kinds, kinds)
						}
					}
					n := float64(len(members))
					if math.Abs(c.Lon-lon/n) > 1e-9 || math.Abs(c.Lat-lat/n) > 1e-9 {
						t.Fatalf("square %x: centre %v %v, want %v %v", code, c.Lon, c.Lat, lon/n, lat/n)
					}
					if c.Bound != b {
						t.Fatalf("square %x: bound %v, want %v", code, c.Bound, b)
					}
					total += c.Count
					return true
				})
				if total != len(pts) || seen != len(want) {
					t.Errorf("clusters hold %d points in %d squares, want %d in %d", total, seen, len(pts), len(want))
				}
			})
		}
	}
}

func TestWithinBox(t *testing.T) {
	pts := synthetic(5000, 3, 2)
	ix, err := Build(pts, Options{Kinds: 3})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		level int
		box   orb.Bound
	}{
		{"baghdad z8", 11, orb.Bound{Min: orb.Point{43.866, 32.815}, Max: orb.Point{44.866, 33.815}}},
		{"kabul z12", 15, orb.Bound{Min: orb.Point{69.1, 34.5}, Max: orb.Point{69.2, 34.6}}},
		{"east edge", 5, orb.Bound{Min: orb.Point{170, -30}, Max: orb.Point{180, 0}}},
		{"beyond the edges", 2, orb.Bound{Min: orb.Point{-182, -86}, Max: orb.Point{182, 86}}},
		{"empty ocean", 9, orb.Bound{Min: orb.Point{-140, -50}, Max: orb.Point{-139.9, -49.9}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x0, y1 := cellXY(max(tt.box.Min.Lon(), -180), tt.box.Min.Lat(), tt.level)
			x1, y0 := cellXY(tt.box.Max.Lon(), tt.box.Max.Lat(), tt.level)
			if tt.box.Max.Lon() >= 180 {
				x1 = uint32(1)<<tt.level - 1 // the east edge, not the wrapped west one
			}
			want := map[uint64]int{}
			for _, p := range pts {
				x, y := cellXY(p.Lon, p.Lat, tt.level)
				if x >= x0 && x <= x1 && y >= y0 && y <= y1 {
					want[squareOf(p, tt.level)]++
				}
			}
			got := map[uint64]int{}
			ix.Within(tt.level, tt.box, func(c Cluster) bool {
				_, code, _ := ParseID(c.ID)
				got[code] = c.Count
				return true
			})
			if len(got) != len(want) {
				t.Fatalf("%d squares, want %d", len(got), len(want))
			}
			for code, n := range want {
				if got[code] != n {
					t.Errorf("square %x: %d, want %d", code, got[code], n)
				}
			}
		})
	}
}

func TestGetMembersSplit(t *testing.T) {
	pts := []Point{
		{Lon: 44.36, Lat: 33.31, Kind: 0},
		{Lon: 44.37, Lat: 33.32, Kind: 1},
		{Lon: 44.36, Lat: 33.31, Kind: 1}, // same place as the first
		{Lon: 69.17, Lat: 34.53, Kind: 0},
	}
	ix, err := Build(pts, Options{Kinds: 2})
	if err != nil {
		t.Fatal(err)
	}
	var world Cluster
	ix.Within(0, orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}, func(c Cluster) bool { world = c; return true })
	if world.Count != 4 || world.Kinds[0] != 2 || world.Kinds[1] != 2 {
		t.Fatalf("world cluster %+v", world)
	}
	split, err := ix.SplitLevel(world.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Baghdad and Kabul share squares down to the level before split.
	if squareOf(pts[0], split-1) != squareOf(pts[3], split-1) || squareOf(pts[0], split) == squareOf(pts[3], split) {
		t.Errorf("split level %d is not where Baghdad and Kabul part", split)
	}
	// The two points at the same place never split.
	same, err := ix.Get(MakeID(MaxLevel, squareOf(pts[0], MaxLevel)))
	if err != nil || same.Count != 2 {
		t.Fatalf("same place: %+v, %v", same, err)
	}
	if l, err := ix.SplitLevel(same.ID); err != nil || l != -1 {
		t.Errorf("same place splits at %d (%v), want -1", l, err)
	}
	pos, total, err := ix.Members(world.ID, 1, 2)
	if err != nil || total != 4 || len(pos) != 2 {
		t.Fatalf("members: %v %d %v", pos, total, err)
	}
	seen := map[int]bool{}
	all, _, _ := ix.Members(world.ID, 0, 10)
	for _, p := range all {
		_, orig := ix.Point(p)
		seen[orig] = true
	}
	if len(seen) != 4 {
		t.Errorf("members map to %v, want all 4 points", seen)
	}
	for _, id := range []uint64{
		MakeID(3, 0),            // an empty square
		MakeID(MaxLevel+1, 0),   // no such level
		MakeID(2, 1<<5),         // code too long for its level
		MakeID(20, 0x123456789), // empty, deep
	} {
		if _, err := ix.Get(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%x): %v, want ErrNotFound", id, err)
		}
		if _, _, err := ix.Members(id, 0, 1); !errors.Is(err, ErrNotFound) {
			t.Errorf("Members(%x): %v, want ErrNotFound", id, err)
		}
		if _, err := ix.SplitLevel(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("SplitLevel(%x): %v, want ErrNotFound", id, err)
		}
	}
}

func TestBuildRejects(t *testing.T) {
	tests := []struct {
		name string
		pts  []Point
		opt  Options
	}{
		{"kind out of range", []Point{{Lon: 1, Lat: 1, Kind: 2}}, Options{Kinds: 2}},
		{"NaN", []Point{{Lon: math.NaN(), Lat: 1}}, Options{}},
		{"too many kinds", nil, Options{Kinds: MaxKinds + 1}},
		{"stored too deep", nil, Options{StoredLevels: MaxLevel + 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Build(tt.pts, tt.opt); err == nil {
				t.Error("Build succeeded")
			}
		})
	}
}

func TestIDBound(t *testing.T) {
	p := Point{Lon: 44.366, Lat: 33.315}
	for _, level := range []int{0, 5, 11, 20} {
		b, err := IDBound(MakeID(level, squareOf(p, level)))
		if err != nil {
			t.Fatal(err)
		}
		if !b.Contains(orb.Point{p.Lon, p.Lat}) {
			t.Errorf("level %d: %v does not hold the point", level, b)
		}
	}
	if _, err := IDBound(MakeID(2, 1<<5)); !errors.Is(err, ErrNotFound) {
		t.Errorf("bad id: %v", err)
	}
}

func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		pts := synthetic(n, 6, 3)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Build(pts, Options{Kinds: 6}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTile measures the clusters of one tile (8 × 8 squares) over
// Baghdad at zooms 5, 8 and 12, as a tile request asks for them.
func BenchmarkTile(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		ix, err := Build(synthetic(n, 6, 3), Options{Kinds: 6})
		if err != nil {
			b.Fatal(err)
		}
		for _, z := range []int{5, 8, 12} {
			x, y := cellXY(44.366, 33.315, z)
			box := SquareBound(z, x, y)
			b.Run(fmt.Sprintf("%d/z%d", n, z), func(b *testing.B) {
				for b.Loop() {
					ix.Within(z+3, box, func(Cluster) bool { return true })
				}
			})
		}
	}
}
