package cql2_test

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/cql2"
)

// The standard's examples name properties of their own (landsat, eo, …).
// standardTypes gives each a type, inferred by hand from how the examples
// use it; the incident queryables are not involved.
var standardTypes = map[string]string{
	"balance":             incidentmap.QueryNumber, // arithmetic, out of scope
	"beamMode":            incidentmap.QueryString,
	"bridge_clearance":    incidentmap.QueryNumber, // arithmetic, out of scope
	"built":               incidentmap.QueryDate,
	"category":            incidentmap.QueryInteger,
	"city":                incidentmap.QueryString,
	"cityName":            incidentmap.QueryString,
	"depth":               incidentmap.QueryNumber,
	"ends_at":             incidentmap.QueryDate,
	"eo:cloud_cover":      incidentmap.QueryNumber,
	"eo:instrument":       incidentmap.QueryString,
	"event":               incidentmap.QueryInterval, // INTERVAL(starts_at, ends_at)
	"event_time":          incidentmap.QueryDate,
	"floors":              incidentmap.QueryInteger,
	"footprint":           incidentmap.QueryGeometry,
	"geometry":            incidentmap.QueryGeometry,
	"geophys:SURVEY_NAME": incidentmap.QueryString,
	"id":                  incidentmap.QueryString,
	"landsat:scene_id":    incidentmap.QueryString,
	"landsat:wrs_path":    incidentmap.QueryString, // '153' in example03; see standardOverrides
	"landsat:wrs_row":     incidentmap.QueryInteger,
	"liftOff":             incidentmap.QueryDate,
	"location":            incidentmap.QueryGeometry,
	"material":            incidentmap.QueryString,
	"mission":             incidentmap.QueryInterval, // INTERVAL(touchdown, liftOff)
	"name":                incidentmap.QueryString,
	"owner":               incidentmap.QueryString,
	"polarization":        incidentmap.QueryString,
	"road":                incidentmap.QueryGeometry,
	"road_class":          incidentmap.QueryString,
	"starts_at":           incidentmap.QueryDate,
	"swathDirection":      incidentmap.QueryString,
	"swimming_pool":       cql2.QueryBoolean,
	"taxes":               incidentmap.QueryNumber,
	"touchdown":           incidentmap.QueryDate,
	"updated":             incidentmap.QueryDate,
	"updated_at":          incidentmap.QueryDate,
	"value":               incidentmap.QueryNumber, // a string in example40; see standardOverrides
	"vehicle_height":      incidentmap.QueryNumber, // arithmetic, out of scope
}

// standardOverrides are the types of the examples that use a property
// with another type than the others do.
var standardOverrides = map[string]map[string]string{
	"example04":       {"landsat:wrs_path": incidentmap.QueryInteger},
	"example06a":      {"landsat:wrs_path": incidentmap.QueryInteger},
	"example06b":      {"landsat:wrs_path": incidentmap.QueryInteger},
	"example40":       {"value": incidentmap.QueryString},
	"example40-alt01": {"value": incidentmap.QueryString},
}

// standardIntervals are the pairs of properties the examples join with
// INTERVAL(start, end).
var standardIntervals = map[[2]string]string{
	{"starts_at", "ends_at"}: "event",
	{"touchdown", "liftOff"}: "mission",
}

// standardOutOfScope are the examples of conformance classes the server
// does not declare, with the part of the error each must fail with.
var standardOutOfScope = map[string]string{
	"clause6_01":  "are not supported", // avg(windSpeed), and not a predicate
	"clause6_02b": "are not supported", // avg(windSpeed) < 4
	"clause6_02c": "not supported",
	"clause7_05":  "ACCENTI is not supported",
	"clause7_15":  "array functions are not supported",
	"clause7_18":  "are not supported", // Buffer(…)
	"clause7_19":  "not supported",
	"example27":   "ACCENTI is not supported",
	"example68":   "are not supported",
	"example69":   "are not supported",
	"example70":   "ACCENTI is not supported",
	"example72":   "not supported",
	"example73":   "not supported",
	"example74":   "not supported",
	"example75":   "not supported",
	"example76":   "not supported",
	"example77":   "not supported",
	"example78":   "not supported",
	"example79":   "array functions are not supported",
	"example80":   "array functions are not supported",
	"example81":   "array functions are not supported",
	"example82":   "array functions are not supported",
	"example85":   "not supported",
}

// standardUnsupported are examples of declared classes that the parser
// rejects, with the part of the error each must fail with: a spatial or
// temporal function of two literals would need the parser to evaluate it.
var standardUnsupported = map[string]string{
	"clause7_16": "two literals is not supported",
	"clause7_17": "two literals is not supported",
}

func standardQueryables(name string) []incidentmap.Queryable {
	var qs []incidentmap.Queryable
	for n, typ := range standardTypes {
		if o, ok := standardOverrides[name][n]; ok {
			typ = o
		}
		qs = append(qs, incidentmap.Queryable{Name: n, Type: typ})
	}
	slices.SortFunc(qs, func(a, b incidentmap.Queryable) int { return strings.Compare(a.Name, b.Name) })
	return qs
}

// TestStandardExamples parses every example of the standard (testdata/
// standard, see its README): those of the declared classes must parse, and
// the text and JSON forms of one example must give equal trees; those of
// other classes must fail, each with a clear error.
func TestStandardExamples(t *testing.T) {
	files, err := filepath.Glob("testdata/standard/*")
	if err != nil {
		t.Fatal(err)
	}
	opts := cql2.Options{Intervals: standardIntervals}
	trees := map[string]incidentmap.Expr{} // by file name
	var total, declared, parsed, outOfScope, unsupported int
	for _, file := range files {
		ext := filepath.Ext(file)
		if ext != ".txt" && ext != ".json" {
			continue
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		base := strings.TrimSuffix(filepath.Base(file), ext)
		example := strings.TrimSuffix(base, "-alt01")
		qs := standardQueryables(example)
		var e incidentmap.Expr
		if ext == ".json" {
			e, err = cql2.ParseJSONWith(b, qs, opts)
		} else {
			e, err = cql2.ParseTextWith(string(b), qs, opts)
		}
		total++
		if want, ok := standardOutOfScope[example]; ok {
			outOfScope++
			if err == nil || !strings.Contains(err.Error(), want) || incidentmap.ErrorCode(err) != incidentmap.EINVALID {
				t.Errorf("%s (out of scope): got %v, want an EINVALID error with %q", file, err, want)
			}
			continue
		}
		declared++
		if want, ok := standardUnsupported[example]; ok {
			unsupported++
			if err == nil || !strings.Contains(err.Error(), want) || incidentmap.ErrorCode(err) != incidentmap.EINVALID {
				t.Errorf("%s (unsupported): got %v, want an EINVALID error with %q", file, err, want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		parsed++
		trees[filepath.Base(file)] = e
	}
	pairs, equal := 0, 0
	for name, e := range trees {
		if !strings.HasSuffix(name, ".txt") {
			continue
		}
		example := strings.TrimSuffix(strings.TrimSuffix(name, ".txt"), "-alt01")
		j, ok := trees[example+".json"]
		if !ok {
			continue
		}
		pairs++
		if !reflect.DeepEqual(e, j) {
			t.Errorf("%s and %s.json differ:\n text %#v\n json %#v", name, example, e, j)
			continue
		}
		equal++
	}
	t.Logf("%d example files: %d out of scope (fail as expected), %d in declared classes: %d parse, %d rejected as not supported; %d text/JSON pairs, %d equal",
		total, outOfScope, declared, parsed, unsupported, pairs, equal)
	if total < 200 {
		t.Errorf("only %d example files", total)
	}
}
