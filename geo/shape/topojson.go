package shape

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/paulmach/orb"
)

// TopoFeature is one geometry of a TopoJSON object, decoded to polygons.
type TopoFeature struct {
	ID       string
	Name     string // properties.name
	Geometry orb.MultiPolygon
}

// topology is the part of a TopoJSON document DecodeTopoJSON reads.
type topology struct {
	Type      string `json:"type"`
	Transform *struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Objects map[string]struct {
		Type       string `json:"type"`
		Geometries []struct {
			Type       string          `json:"type"`
			ID         json.RawMessage `json:"id"`
			Arcs       json.RawMessage `json:"arcs"`
			Properties struct {
				Name string `json:"name"`
			} `json:"properties"`
		} `json:"geometries"`
	} `json:"objects"`
	Arcs [][][2]float64 `json:"arcs"`
}

// DecodeTopoJSON reads a TopoJSON Topology and returns the Polygon and
// MultiPolygon geometries of the named object. With a transform, each
// arc's positions are quantized and delta-encoded: the first is absolute,
// each next one is the difference from the previous, and a position is
// translate + q·scale. An arc index i < 0 means arc ^i (that is −i−1)
// reversed. Rings are stitched from their arcs, dropping the first
// position of every arc after the first (it repeats the last one).
func DecodeTopoJSON(r io.Reader, object string) ([]TopoFeature, error) {
	var t topology
	if err := json.NewDecoder(r).Decode(&t); err != nil {
		return nil, fmt.Errorf("shape: topojson: %w", err)
	}
	if t.Type != "Topology" {
		return nil, fmt.Errorf("shape: topojson: type %q, want Topology", t.Type)
	}
	obj, ok := t.Objects[object]
	if !ok {
		return nil, fmt.Errorf("shape: topojson: no object %q", object)
	}
	arcs := make([][]orb.Point, len(t.Arcs))
	for i, arc := range t.Arcs {
		pts := make([]orb.Point, len(arc))
		var x, y float64
		for j, q := range arc {
			if t.Transform == nil {
				pts[j] = orb.Point{q[0], q[1]}
				continue
			}
			x, y = x+q[0], y+q[1]
			pts[j] = orb.Point{x*t.Transform.Scale[0] + t.Transform.Translate[0], y*t.Transform.Scale[1] + t.Transform.Translate[1]}
		}
		arcs[i] = pts
	}
	ring := func(idx []int) (orb.Ring, error) {
		var out orb.Ring
		for k, i := range idx {
			rev := i < 0
			if rev {
				i = ^i
			}
			if i >= len(arcs) {
				return nil, fmt.Errorf("arc %d out of range", i)
			}
			a := arcs[i]
			for j := range a {
				p := a[j]
				if rev {
					p = a[len(a)-1-j]
				}
				if k > 0 && j == 0 {
					continue
				}
				out = append(out, p)
			}
		}
		return out, nil
	}
	polygon := func(rings [][]int) (orb.Polygon, error) {
		var p orb.Polygon
		for _, idx := range rings {
			r, err := ring(idx)
			if err != nil {
				return nil, err
			}
			p = append(p, r)
		}
		return p, nil
	}
	var out []TopoFeature
	for gi, g := range obj.Geometries {
		f := TopoFeature{Name: g.Properties.Name}
		var id any
		if len(g.ID) > 0 {
			if err := json.Unmarshal(g.ID, &id); err != nil {
				return nil, fmt.Errorf("shape: topojson: geometry %d: id: %w", gi, err)
			}
			f.ID = fmt.Sprint(id)
		}
		switch g.Type {
		case "Polygon":
			var rings [][]int
			if err := json.Unmarshal(g.Arcs, &rings); err != nil {
				return nil, fmt.Errorf("shape: topojson: geometry %d: %w", gi, err)
			}
			p, err := polygon(rings)
			if err != nil {
				return nil, fmt.Errorf("shape: topojson: geometry %d: %w", gi, err)
			}
			f.Geometry = orb.MultiPolygon{p}
		case "MultiPolygon":
			var polys [][][]int
			if err := json.Unmarshal(g.Arcs, &polys); err != nil {
				return nil, fmt.Errorf("shape: topojson: geometry %d: %w", gi, err)
			}
			for _, rings := range polys {
				p, err := polygon(rings)
				if err != nil {
					return nil, fmt.Errorf("shape: topojson: geometry %d: %w", gi, err)
				}
				f.Geometry = append(f.Geometry, p)
			}
		default:
			continue // a null or point geometry has no area
		}
		out = append(out, f)
	}
	return out, nil
}
