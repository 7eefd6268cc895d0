package cql2_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/cql2"
	"github.com/paulmach/orb"
)

// checkFuzz checks what must hold for any input: no panic (the fuzzer
// catches those), and either a tree or an EINVALID error for "filter" that
// names a position.
func checkFuzz(t *testing.T, e incidentmap.Expr, err error) {
	if err != nil {
		if e != nil {
			t.Fatalf("both a tree and an error: %v", err)
		}
		if incidentmap.ErrorCode(err) != incidentmap.EINVALID || incidentmap.ErrorParam(err) != "filter" ||
			!strings.HasPrefix(incidentmap.ErrorMessage(err), "filter: at position ") {
			t.Fatalf("bad error: %#v", err)
		}
		return
	}
	if e == nil {
		t.Fatal("no tree and no error")
	}
	if d := depth(e); d > 2*cql2.MaxDepth {
		t.Fatalf("tree %d deep", d)
	}
}

func depth(e incidentmap.Expr) int {
	switch e := e.(type) {
	case incidentmap.And:
		return 1 + maxDepth(e.Args)
	case incidentmap.Or:
		return 1 + maxDepth(e.Args)
	case incidentmap.Not:
		return 1 + depth(e.Arg)
	}
	return 1
}

func maxDepth(es []incidentmap.Expr) int {
	d := 0
	for _, e := range es {
		d = max(d, depth(e))
	}
	return d
}

func seeds(f *testing.F, ext string) {
	paths, _ := filepath.Glob("testdata/examples/*." + ext)
	more, _ := filepath.Glob("testdata/standard/*." + ext)
	paths = append(paths, more...)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if ext == "txt" {
			f.Add(string(b))
		} else {
			f.Add(b)
		}
	}
}

// fuzzOptions resolve REGION(…) with any arguments to a polygon.
var fuzzOptions = cql2.Options{Geometry: func(name string, args []string) (orb.Geometry, error) {
	if name != "region" {
		return nil, cql2.UnknownFunction(name)
	}
	return herat, nil
}}

func FuzzParseText(f *testing.F) {
	seeds(f, "txt")
	f.Add(typicalText)
	f.Add(`title = 'it''s' AND NOT (fatalities IS NULL) OR injuries NOT BETWEEN 1 AND 2`)
	f.Add(`S_INTERSECTS(location, GEOMETRYCOLLECTION(POINT Z(1 2 3), MULTIPOINT((1 2), 3 4)))`)
	f.Add(`CASEI(place_name) NOT LIKE CASEI('ka%') AND status IN ('draft')`)
	f.Add(`((country = 'IRQ'`)
	f.Add(`S_DWITHIN(location, POINT(1 1), 5e3, 'meters')`)
	f.Add(`S_INTERSECTS(location, REGION('AF-HER')) OR S_WITHIN(REGION('x', 'y'), location)`)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := cql2.ParseText(s, incidentmap.IncidentQueryables)
		checkFuzz(t, e, err)
		e, err = cql2.ParseTextWith(s, incidentmap.IncidentQueryables, fuzzOptions)
		checkFuzz(t, e, err)
	})
}

func FuzzParseJSON(f *testing.F) {
	seeds(f, "json")
	f.Add([]byte(typicalJSON))
	f.Add([]byte(`{"op":"or","args":[true,{"op":"not","args":[{"op":"isNull","args":[{"property":"injuries"}]}]}]}`))
	f.Add([]byte(`{"op":"s_intersects","args":[{"property":"location"},{"type":"GeometryCollection","geometries":[{"type":"MultiPoint","coordinates":[[1,2]]}]}]}`))
	f.Add([]byte(`{"op":"like","args":[{"op":"casei","args":[{"property":"title"}]},{"op":"casei","args":["%x%"]}]}`))
	f.Add([]byte(`[[[[`))
	f.Add([]byte(`{"op":"s_intersects","args":[{"property":"location"},{"op":"region","args":["AF-HER"]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := cql2.ParseJSON(b, incidentmap.IncidentQueryables)
		checkFuzz(t, e, err)
		e, err = cql2.ParseJSONWith(b, incidentmap.IncidentQueryables, fuzzOptions)
		checkFuzz(t, e, err)
	})
}
