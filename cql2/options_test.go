package cql2_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/cql2"
	"github.com/paulmach/orb"
)

var herat = orb.Polygon{{{61, 34}, {63, 34}, {63, 35}, {61, 35}, {61, 34}}}

func regions(name string, args []string) (orb.Geometry, error) {
	switch {
	case name != "region":
		return nil, cql2.UnknownFunction(name)
	case len(args) != 1:
		return nil, incidentmap.Invalidf("filter", "REGION takes 1 argument")
	case args[0] == "broken":
		return nil, errors.New("boundaries unavailable")
	case args[0] != "AF-HER":
		return nil, incidentmap.Invalidf("filter", "REGION: no region %q", args[0])
	}
	return herat, nil
}

func TestGeometryOption(t *testing.T) {
	opts := cql2.Options{Geometry: regions}
	want := incidentmap.Spatial{Op: incidentmap.SIntersects, Prop: "location", Geometry: herat}
	for _, text := range []string{"S_INTERSECTS(location, REGION('AF-HER'))", "s_intersects(region('AF-HER'), location)"} {
		got, err := cql2.ParseTextWith(text, qs, opts)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %#v, %v", text, got, err)
		}
	}
	got, err := cql2.ParseJSONWith([]byte(`{"op":"s_intersects","args":[{"property":"location"},{"op":"region","args":["AF-HER"]}]}`), qs, opts)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("json: %#v, %v", got, err)
	}
	for text, msg := range map[string]string{
		"S_INTERSECTS(location, REGION('AF-XXX'))": `at position 24: REGION: no region "AF-XXX"`,
		"S_INTERSECTS(location, REGION(3))":        `at position 31: REGION takes strings as arguments, got a number`,
		"S_INTERSECTS(location, Foo('a'))":         `at position 24: unknown function "foo"`,
		"S_INTERSECTS(location, REGION('a', 'b'))": `at position 24: REGION takes 1 argument`,
		"country = REGION('AF-HER')":               `compare it with a string, not a geometry`,
	} {
		_, err := cql2.ParseTextWith(text, qs, opts)
		if err == nil || !strings.Contains(err.Error(), msg) || incidentmap.ErrorCode(err) != incidentmap.EINVALID {
			t.Errorf("%s: %v, want %q", text, err, msg)
		}
	}
	_, err = cql2.ParseJSONWith([]byte(`{"op":"s_intersects","args":[{"property":"location"},{"op":"region","args":["AF-XXX"]}]}`), qs, opts)
	if err == nil || !strings.Contains(err.Error(), `at position 54: REGION: no region "AF-XXX"`) {
		t.Errorf("json unknown region: %v", err)
	}
	// An error that is not EINVALID is returned as is.
	_, err = cql2.ParseTextWith("S_INTERSECTS(location, REGION('broken'))", qs, opts)
	if err == nil || err.Error() != "boundaries unavailable" {
		t.Errorf("broken: %v", err)
	}
	// Without the option, REGION is an unknown function.
	if _, err := cql2.ParseText("S_INTERSECTS(location, REGION('AF-HER'))", qs); err == nil || !strings.Contains(err.Error(), `unknown function "REGION"`) {
		t.Errorf("no option: %v", err)
	}
}

func TestCaseiIn(t *testing.T) {
	ci := func(e incidentmap.Operand) incidentmap.Casei { return incidentmap.Casei{Arg: e} }
	want := incidentmap.Or{Args: []incidentmap.Expr{
		incidentmap.Compare{Op: "=", Left: ci(prop("place_name")), Right: ci(incidentmap.String("herat"))},
		incidentmap.Compare{Op: "=", Left: ci(prop("place_name")), Right: ci(incidentmap.String("KABUL"))},
	}}
	check(t, parseCase{"casei in", `CASEI(place_name) IN (CASEI('herat'), CASEI('KABUL'))`,
		`{"op":"in","args":[{"op":"casei","args":[{"property":"place_name"}]},[{"op":"casei","args":["herat"]},{"op":"casei","args":["KABUL"]}]]}`,
		want})
	check(t, parseCase{"casei not in", `CASEI(place_name) NOT IN (CASEI('herat'), CASEI('KABUL'))`,
		`{"op":"not","args":[{"op":"in","args":[{"op":"casei","args":[{"property":"place_name"}]},[{"op":"casei","args":["herat"]},{"op":"casei","args":["KABUL"]}]]}]}`,
		incidentmap.Not{Arg: want}})
	if _, err := cql2.ParseText(`CASEI(fatalities) IN (CASEI('a'))`, qs); err == nil {
		t.Error("CASEI of a number in IN parsed")
	}
}

func TestLiteralOnTheLeft(t *testing.T) {
	check(t, parseCase{"literal left", `3 < fatalities`, `{"op":"<","args":[3,{"property":"fatalities"}]}`,
		incidentmap.Compare{Op: ">", Left: prop("fatalities"), Right: incidentmap.Number(3)}})
}

func TestBooleanOnTheLeft(t *testing.T) {
	bq := []incidentmap.Queryable{{Name: "pool", Type: cql2.QueryBoolean}}
	want := incidentmap.Compare{Op: "<>", Left: prop("pool"), Right: incidentmap.Bool(false)}
	for _, text := range []string{"FALSE <> pool", "pool <> false"} {
		got, err := cql2.ParseText(text, bq)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %#v, %v", text, got, err)
		}
	}
	if got, err := cql2.ParseText("TRUE AND pool = TRUE", bq); err != nil {
		t.Errorf("TRUE AND …: %#v, %v", got, err)
	}
	if _, err := cql2.ParseText("pool = 1", bq); err == nil || !strings.Contains(err.Error(), "TRUE or FALSE") {
		t.Errorf("pool = 1: %v", err)
	}
}
