package shape

import (
	"github.com/incidentmap/incidentmap/internal/shareddata"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func TestRepresentativePoint(t *testing.T) {
	square := orb.Polygon{{{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 0}}}
	// A C shape whose centroid falls in the empty middle.
	cShape := orb.Polygon{{{0, 0}, {10, 0}, {10, 2}, {2, 2}, {2, 8}, {10, 8}, {10, 10}, {0, 10}, {0, 0}}}
	tests := []struct {
		name string
		mp   orb.MultiPolygon
		want orb.Point
	}{
		{"square centroid", orb.MultiPolygon{square}, orb.Point{2, 2}},
		{"largest polygon wins", orb.MultiPolygon{{{{100, 0}, {101, 0}, {101, 1}, {100, 1}, {100, 0}}}, square}, orb.Point{2, 2}},
		{"crescent falls back inside", orb.MultiPolygon{cShape}, orb.Point{1, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := RepresentativePoint(tt.mp)
			if !ok {
				t.Fatal("no point")
			}
			if math.Abs(got[0]-tt.want[0]) > 1e-9 || math.Abs(got[1]-tt.want[1]) > 1e-9 {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if !planar.MultiPolygonContains(tt.mp, got) {
				t.Errorf("%v is not inside", got)
			}
		})
	}
	if _, ok := RepresentativePoint(nil); ok {
		t.Error("an empty multipolygon has a point")
	}
}

// topoFixture is a square split into two polygons sharing arc 1, quantized
// with a transform: arcs are delta-encoded.
const topoFixture = `{"type":"Topology",
 "transform":{"scale":[0.5,0.25],"translate":[10,20]},
 "objects":{"counties":{"type":"GeometryCollection","geometries":[
   {"type":"Polygon","id":"01001","arcs":[[0,1]],"properties":{"name":"West"}},
   {"type":"MultiPolygon","id":1003,"arcs":[[[2,-2]]],"properties":{"name":"East"}},
   {"type":null,"id":"x"}]}},
 "arcs":[
   [[2,0],[-2,0],[0,4],[2,0]],
   [[2,4],[0,-4]],
   [[2,4],[2,0],[0,-4],[-2,0]]]}`

func TestDecodeTopoJSON(t *testing.T) {
	fs, err := DecodeTopoJSON(strings.NewReader(topoFixture), "counties")
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 {
		t.Fatalf("%d features, want 2", len(fs))
	}
	tests := []struct {
		i    int
		id   string
		name string
		ring orb.Ring
	}{
		// arc 0 decodes to (11,20) (10,20) (10,21) (11,21); arc 1 to (11,21) (11,20).
		{0, "01001", "West", orb.Ring{{11, 20}, {10, 20}, {10, 21}, {11, 21}, {11, 20}}},
		// arc 2 is (11,21) (12,21) (12,20) (11,20); arc ~1 reversed is (11,20) (11,21).
		{1, "1003", "East", orb.Ring{{11, 21}, {12, 21}, {12, 20}, {11, 20}, {11, 21}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fs[tt.i]
			if f.ID != tt.id || f.Name != tt.name {
				t.Errorf("id %q name %q, want %q %q", f.ID, f.Name, tt.id, tt.name)
			}
			if len(f.Geometry) != 1 || !f.Geometry[0][0].Equal(tt.ring) {
				t.Errorf("ring %v, want %v", f.Geometry, tt.ring)
			}
		})
	}
	for _, bad := range []string{`{"type":"FeatureCollection"}`, `{"type":"Topology","objects":{}}`, `not json`,
		`{"type":"Topology","objects":{"counties":{"geometries":[{"type":"Polygon","arcs":[[5]]}]}},"arcs":[]}`} {
		if _, err := DecodeTopoJSON(strings.NewReader(bad), "counties"); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// TestUSCounties decodes the real Census TopoJSON when ../shared is there.
func TestUSCounties(t *testing.T) {
	f, err := os.Open(shareddata.Path(t, "data", "boundaries", "us_counties_10m.topojson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fs, err := DecodeTopoJSON(f, "counties")
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 3231 {
		t.Errorf("%d counties, want 3231", len(fs))
	}
	for _, c := range fs {
		if c.ID != "17031" {
			continue
		}
		p, _ := RepresentativePoint(c.Geometry)
		// Cook County, Illinois, lies around 87.6–88.3 °W, 41.5–42.2 °N.
		if c.Name != "Cook" || p[0] < -88.3 || p[0] > -87.5 || p[1] < 41.4 || p[1] > 42.2 {
			t.Errorf("Cook County: %q at %v", c.Name, p)
		}
		if a := AreaKm2(c.Geometry); a < 2000 || a > 2700 {
			t.Errorf("Cook County area %.0f km², want about 2,450", a)
		}
		return
	}
	t.Error("no county 17031")
}
