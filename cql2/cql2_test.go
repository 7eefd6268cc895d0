package cql2_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/cql2"
	"github.com/paulmach/orb"
)

var qs = incidentmap.IncidentQueryables

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func prop(name string) incidentmap.Property { return incidentmap.Property{Name: name} }

type parseCase struct {
	name string
	text string
	json string // "" when the case has no cql2-json form
	want incidentmap.Expr
}

// check parses c in both encodings and compares with c.want.
func check(t *testing.T, c parseCase) {
	t.Helper()
	got, err := cql2.ParseText(c.text, qs)
	if err != nil {
		t.Fatalf("ParseText(%q): %v", c.text, err)
	}
	if !reflect.DeepEqual(got, c.want) {
		t.Errorf("ParseText(%q)\n got %#v\nwant %#v", c.text, got, c.want)
	}
	if c.json == "" {
		return
	}
	got, err = cql2.ParseJSON([]byte(c.json), qs)
	if err != nil {
		t.Fatalf("ParseJSON(%s): %v", c.json, err)
	}
	if !reflect.DeepEqual(got, c.want) {
		t.Errorf("ParseJSON(%s)\n got %#v\nwant %#v", c.json, got, c.want)
	}
}

func runCases(t *testing.T, cases []parseCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { check(t, c) })
	}
}

func TestBasicCQL2(t *testing.T) {
	runCases(t, []parseCase{
		{"equal string", `country = 'IRQ'`,
			`{"op":"=","args":[{"property":"country"},"IRQ"]}`,
			incidentmap.Compare{Op: "=", Left: prop("country"), Right: incidentmap.String("IRQ")}},
		{"not equal", `status <> 'retracted'`,
			`{"op":"<>","args":[{"property":"status"},"retracted"]}`,
			incidentmap.Compare{Op: "<>", Left: prop("status"), Right: incidentmap.String("retracted")}},
		{"number", `fatalities > 3`,
			`{"op":">","args":[{"property":"fatalities"},3]}`,
			incidentmap.Compare{Op: ">", Left: prop("fatalities"), Right: incidentmap.Number(3)}},
		{"literal first flips", `3 < fatalities`,
			`{"op":"<","args":[3,{"property":"fatalities"}]}`,
			incidentmap.Compare{Op: ">", Left: prop("fatalities"), Right: incidentmap.Number(3)}},
		{"le ge", `injuries <= 2.5e1 and fatalities >= -0`,
			`{"op":"and","args":[{"op":"<=","args":[{"property":"injuries"},25]},{"op":">=","args":[{"property":"fatalities"},0]}]}`,
			incidentmap.And{Args: []incidentmap.Expr{
				incidentmap.Compare{Op: "<=", Left: prop("injuries"), Right: incidentmap.Number(25)},
				incidentmap.Compare{Op: ">=", Left: prop("fatalities"), Right: incidentmap.Number(0)},
			}}},
		{"date", `occurred_start >= DATE('2021-05-07')`,
			`{"op":">=","args":[{"property":"occurred_start"},{"date":"2021-05-07"}]}`,
			incidentmap.Compare{Op: ">=", Left: prop("occurred_start"), Right: incidentmap.Date{Day: day("2021-05-07")}}},
		{"timestamp", `occurred_end < TIMESTAMP('2021-05-07T10:00:00+02:00')`,
			`{"op":"<","args":[{"property":"occurred_end"},{"timestamp":"2021-05-07T08:00:00Z"}]}`,
			incidentmap.Compare{Op: "<", Left: prop("occurred_end"), Right: incidentmap.Timestamp{Time: ts("2021-05-07T08:00:00Z")}}},
		{"property to property", `occurred_start = occurred_end`,
			`{"op":"=","args":[{"property":"occurred_start"},{"property":"occurred_end"}]}`,
			incidentmap.Compare{Op: "=", Left: prop("occurred_start"), Right: prop("occurred_end")}},
		{"quoted identifier and escaped quote", `"title" = 'Iran''s consulate'`,
			`{"op":"=","args":[{"property":"title"},"Iran's consulate"]}`,
			incidentmap.Compare{Op: "=", Left: prop("title"), Right: incidentmap.String("Iran's consulate")}},
		{"precedence: AND binds tighter than OR", `country='IRQ' OR country='AFG' AND fatalities>0`,
			`{"op":"or","args":[{"op":"=","args":[{"property":"country"},"IRQ"]},{"op":"and","args":[{"op":"=","args":[{"property":"country"},"AFG"]},{"op":">","args":[{"property":"fatalities"},0]}]}]}`,
			incidentmap.Or{Args: []incidentmap.Expr{
				incidentmap.Compare{Op: "=", Left: prop("country"), Right: incidentmap.String("IRQ")},
				incidentmap.And{Args: []incidentmap.Expr{
					incidentmap.Compare{Op: "=", Left: prop("country"), Right: incidentmap.String("AFG")},
					incidentmap.Compare{Op: ">", Left: prop("fatalities"), Right: incidentmap.Number(0)},
				}},
			}}},
		{"parentheses and NOT", `NOT (country='IRQ' OR country='AFG')`,
			`{"op":"not","args":[{"op":"or","args":[{"op":"=","args":[{"property":"country"},"IRQ"]},{"op":"=","args":[{"property":"country"},"AFG"]}]}]}`,
			incidentmap.Not{Arg: incidentmap.Or{Args: []incidentmap.Expr{
				incidentmap.Compare{Op: "=", Left: prop("country"), Right: incidentmap.String("IRQ")},
				incidentmap.Compare{Op: "=", Left: prop("country"), Right: incidentmap.String("AFG")},
			}}}},
		{"keywords any case", `not country='IRQ' and TRUE oR False`,
			`{"op":"or","args":[{"op":"and","args":[{"op":"not","args":[{"op":"=","args":[{"property":"country"},"IRQ"]}]},true]},false]}`,
			incidentmap.Or{Args: []incidentmap.Expr{
				incidentmap.And{Args: []incidentmap.Expr{
					incidentmap.Not{Arg: incidentmap.Compare{Op: "=", Left: prop("country"), Right: incidentmap.String("IRQ")}},
					incidentmap.Bool(true),
				}},
				incidentmap.Bool(false),
			}}},
		{"is null", `fatalities IS NULL`,
			`{"op":"isNull","args":[{"property":"fatalities"}]}`,
			incidentmap.IsNull{Prop: "fatalities"}},
		{"is not null", `perpetrator IS NOT NULL`,
			`{"op":"not","args":[{"op":"isNull","args":[{"property":"perpetrator"}]}]}`,
			incidentmap.Not{Arg: incidentmap.IsNull{Prop: "perpetrator"}}},
		{"unicode string", `place_name = 'هرات'`,
			`{"op":"=","args":[{"property":"place_name"},"هرات"]}`,
			incidentmap.Compare{Op: "=", Left: prop("place_name"), Right: incidentmap.String("هرات")}},
	})
}

func TestAdvancedComparison(t *testing.T) {
	runCases(t, []parseCase{
		{"like", `facility LIKE 'Consulate%'`,
			`{"op":"like","args":[{"property":"facility"},"Consulate%"]}`,
			incidentmap.Like{Prop: "facility", Pattern: "Consulate%"}},
		{"like keeps the pattern as data", `title LIKE '%''; DROP TABLE incidents; --\_%'`,
			`{"op":"like","args":[{"property":"title"},"%'; DROP TABLE incidents; --\\_%"]}`,
			incidentmap.Like{Prop: "title", Pattern: `%'; DROP TABLE incidents; --\_%`}},
		{"not like", `place_name NOT LIKE 'Ka_ul'`,
			`{"op":"not","args":[{"op":"like","args":[{"property":"place_name"},"Ka_ul"]}]}`,
			incidentmap.Not{Arg: incidentmap.Like{Prop: "place_name", Pattern: "Ka_ul"}}},
		{"between", `fatalities BETWEEN 1 AND 10`,
			`{"op":"between","args":[{"property":"fatalities"},1,10]}`,
			incidentmap.Between{Prop: "fatalities", Low: incidentmap.Number(1), High: incidentmap.Number(10)}},
		{"between dates", `occurred_start BETWEEN DATE('2020-01-01') AND DATE('2020-12-31')`,
			`{"op":"between","args":[{"property":"occurred_start"},{"date":"2020-01-01"},{"date":"2020-12-31"}]}`,
			incidentmap.Between{Prop: "occurred_start", Low: incidentmap.Date{Day: day("2020-01-01")}, High: incidentmap.Date{Day: day("2020-12-31")}}},
		{"not between", `injuries NOT BETWEEN 1 AND 10`,
			`{"op":"not","args":[{"op":"between","args":[{"property":"injuries"},1,10]}]}`,
			incidentmap.Not{Arg: incidentmap.Between{Prop: "injuries", Low: incidentmap.Number(1), High: incidentmap.Number(10)}}},
		{"in", `event_type IN ('Protests', 'Riots')`,
			`{"op":"in","args":[{"property":"event_type"},["Protests","Riots"]]}`,
			incidentmap.In{Prop: "event_type", Values: []incidentmap.Literal{incidentmap.String("Protests"), incidentmap.String("Riots")}}},
		{"in numbers", `fatalities IN (1, 2, 3)`,
			`{"op":"in","args":[{"property":"fatalities"},[1,2,3]]}`,
			incidentmap.In{Prop: "fatalities", Values: []incidentmap.Literal{incidentmap.Number(1), incidentmap.Number(2), incidentmap.Number(3)}}},
		{"not in", `country NOT IN ('IRQ')`,
			`{"op":"not","args":[{"op":"in","args":[{"property":"country"},["IRQ"]]}]}`,
			incidentmap.Not{Arg: incidentmap.In{Prop: "country", Values: []incidentmap.Literal{incidentmap.String("IRQ")}}}},
	})
}

func TestCaseInsensitive(t *testing.T) {
	runCases(t, []parseCase{
		{"casei both sides", `CASEI(place_name) = CASEI('KABUL')`,
			`{"op":"=","args":[{"op":"casei","args":[{"property":"place_name"}]},{"op":"casei","args":["KABUL"]}]}`,
			incidentmap.Compare{Op: "=", Left: incidentmap.Casei{Arg: prop("place_name")}, Right: incidentmap.Casei{Arg: incidentmap.String("KABUL")}}},
		{"casei enum matches ignoring case", `casei(event_type) = casei('protests')`,
			`{"op":"=","args":[{"op":"casei","args":[{"property":"event_type"}]},{"op":"casei","args":["protests"]}]}`,
			incidentmap.Compare{Op: "=", Left: incidentmap.Casei{Arg: prop("event_type")}, Right: incidentmap.Casei{Arg: incidentmap.String("protests")}}},
		{"casei literal first", `CASEI('kabul') <> CASEI(place_name)`,
			`{"op":"<>","args":[{"op":"casei","args":["kabul"]},{"op":"casei","args":[{"property":"place_name"}]}]}`,
			incidentmap.Compare{Op: "<>", Left: incidentmap.Casei{Arg: prop("place_name")}, Right: incidentmap.Casei{Arg: incidentmap.String("kabul")}}},
		{"casei like", `CASEI(facility) LIKE CASEI('%embassy%')`,
			`{"op":"like","args":[{"op":"casei","args":[{"property":"facility"}]},{"op":"casei","args":["%embassy%"]}]}`,
			incidentmap.Like{Prop: "facility", Pattern: "%embassy%", CaseInsensitive: true}},
	})
}

func TestSpatial(t *testing.T) {
	herat := orb.Polygon{{{61.9, 34.2}, {62.4, 34.2}, {62.4, 34.5}, {61.9, 34.5}, {61.9, 34.2}}}
	const heratWKT = `POLYGON((61.9 34.2, 62.4 34.2, 62.4 34.5, 61.9 34.5, 61.9 34.2))`
	const heratJSON = `{"type":"Polygon","coordinates":[[[61.9,34.2],[62.4,34.2],[62.4,34.5],[61.9,34.5],[61.9,34.2]]]}`
	cases := []parseCase{
		{"point", `S_INTERSECTS(location, POINT(44.0092 32.6160))`,
			`{"op":"s_intersects","args":[{"property":"location"},{"type":"Point","coordinates":[44.0092,32.6160]}]}`,
			incidentmap.Spatial{Op: "s_intersects", Prop: "location", Geometry: orb.Point{44.0092, 32.6160}}},
		{"point z", `S_INTERSECTS(location, POINT Z(44 32 100))`,
			`{"op":"s_intersects","args":[{"property":"location"},{"type":"Point","coordinates":[44,32,100]}]}`,
			incidentmap.Spatial{Op: "s_intersects", Prop: "location", Geometry: orb.Point{44, 32}}},
		{"bbox", `S_INTERSECTS(location, BBOX(60.5, 29.3, 75, 38.5))`,
			`{"op":"s_intersects","args":[{"property":"location"},{"bbox":[60.5,29.3,75,38.5]}]}`,
			incidentmap.Spatial{Op: "s_intersects", Prop: "location", Geometry: orb.Bound{Min: orb.Point{60.5, 29.3}, Max: orb.Point{75, 38.5}}}},
		{"bbox across the antimeridian", `S_INTERSECTS(location, BBOX(170, -10, -170, 10))`,
			`{"op":"s_intersects","args":[{"property":"location"},{"bbox":[170,-10,-170,10]}]}`,
			incidentmap.Spatial{Op: "s_intersects", Prop: "location", Geometry: orb.MultiPolygon{
				orb.Bound{Min: orb.Point{170, -10}, Max: orb.Point{180, 10}}.ToPolygon(),
				orb.Bound{Min: orb.Point{-180, -10}, Max: orb.Point{-170, 10}}.ToPolygon(),
			}}},
		{"polygon", `S_INTERSECTS(location, ` + heratWKT + `)`,
			`{"op":"s_intersects","args":[{"property":"location"},` + heratJSON + `]}`,
			incidentmap.Spatial{Op: "s_intersects", Prop: "location", Geometry: herat}},
		{"multipolygon", `S_INTERSECTS(location, MULTIPOLYGON(((61.9 34.2, 62.4 34.2, 62.4 34.5, 61.9 34.5, 61.9 34.2))))`,
			`{"op":"s_intersects","args":[{"property":"location"},{"type":"MultiPolygon","coordinates":[[[[61.9,34.2],[62.4,34.2],[62.4,34.5],[61.9,34.5],[61.9,34.2]]]]}]}`,
			incidentmap.Spatial{Op: "s_intersects", Prop: "location", Geometry: orb.MultiPolygon{herat}}},
		{"linestring", `S_INTERSECTS(location, LINESTRING(44 33, 45 34))`,
			`{"op":"s_intersects","args":[{"property":"location"},{"type":"LineString","coordinates":[[44,33],[45,34]]}]}`,
			incidentmap.Spatial{Op: "s_intersects", Prop: "location", Geometry: orb.LineString{{44, 33}, {45, 34}}}},
		{"multipoint both forms", `S_INTERSECTS(location, MULTIPOINT((44 33), 45 34))`,
			`{"op":"s_intersects","args":[{"property":"location"},{"type":"MultiPoint","coordinates":[[44,33],[45,34]]}]}`,
			incidentmap.Spatial{Op: "s_intersects", Prop: "location", Geometry: orb.MultiPoint{{44, 33}, {45, 34}}}},
		{"multilinestring", `S_INTERSECTS(location, MULTILINESTRING((44 33, 45 34), (1 2, 3 4)))`,
			`{"op":"s_intersects","args":[{"property":"location"},{"type":"MultiLineString","coordinates":[[[44,33],[45,34]],[[1,2],[3,4]]]}]}`,
			incidentmap.Spatial{Op: "s_intersects", Prop: "location", Geometry: orb.MultiLineString{{{44, 33}, {45, 34}}, {{1, 2}, {3, 4}}}}},
		{"geometrycollection", `S_INTERSECTS(location, GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(1 2, 3 4)))`,
			`{"op":"s_intersects","args":[{"property":"location"},{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},{"type":"LineString","coordinates":[[1,2],[3,4]]}]}]}`,
			incidentmap.Spatial{Op: "s_intersects", Prop: "location", Geometry: orb.Collection{orb.Point{1, 2}, orb.LineString{{1, 2}, {3, 4}}}}},
		{"geometry first flips within", `S_WITHIN(` + heratWKT + `, location)`,
			`{"op":"s_within","args":[` + heratJSON + `,{"property":"location"}]}`,
			incidentmap.Spatial{Op: "s_contains", Prop: "location", Geometry: herat}},
		{"dwithin extension", `S_DWITHIN(location, POINT(62.2 34.35), 10, kilometers)`,
			`{"op":"s_dwithin","args":[{"property":"location"},{"type":"Point","coordinates":[62.2,34.35]},10,"kilometers"]}`,
			incidentmap.DWithin{Prop: "location", Point: orb.Point{62.2, 34.35}, DistanceMeters: 10000}},
		{"dwithin meters quoted", `S_DWITHIN(location, POINT(62.2 34.35), 500, 'meters')`,
			`{"op":"s_dwithin","args":[{"property":"location"},{"type":"Point","coordinates":[62.2,34.35]},500,"meters"]}`,
			incidentmap.DWithin{Prop: "location", Point: orb.Point{62.2, 34.35}, DistanceMeters: 500}},
	}
	for _, op := range incidentmap.SpatialOps {
		cases = append(cases, parseCase{op, strings.ToUpper(op) + `(location, ` + heratWKT + `)`,
			`{"op":"` + op + `","args":[{"property":"location"},` + heratJSON + `]}`,
			incidentmap.Spatial{Op: op, Prop: "location", Geometry: herat}})
	}
	runCases(t, cases)
}

func TestTemporal(t *testing.T) {
	y2020 := incidentmap.Interval{Start: day("2020-01-01"), End: day("2020-12-31")}
	cases := []parseCase{
		{"interval property", `T_INTERSECTS(INTERVAL(occurred_start, occurred_end), INTERVAL('2020-01-01','2020-12-31'))`,
			`{"op":"t_intersects","args":[{"interval":[{"property":"occurred_start"},{"property":"occurred_end"}]},{"interval":["2020-01-01","2020-12-31"]}]}`,
			incidentmap.Temporal{Op: "t_intersects", Prop: "occurred", Interval: y2020}},
		{"occurred shorthand", `T_INTERSECTS(occurred, INTERVAL('2020-01-01','2020-12-31'))`,
			`{"op":"t_intersects","args":[{"property":"occurred"},{"interval":["2020-01-01","2020-12-31"]}]}`,
			incidentmap.Temporal{Op: "t_intersects", Prop: "occurred", Interval: y2020}},
		{"interval of DATE calls", `T_INTERSECTS(occurred, INTERVAL(DATE('2020-01-01'), DATE('2020-12-31')))`, "",
			incidentmap.Temporal{Op: "t_intersects", Prop: "occurred", Interval: y2020}},
		{"open start", `T_BEFORE(occurred, INTERVAL('..', '2021-08-15'))`,
			`{"op":"t_before","args":[{"property":"occurred"},{"interval":["..","2021-08-15"]}]}`,
			incidentmap.Temporal{Op: "t_before", Prop: "occurred", Interval: incidentmap.Interval{End: day("2021-08-15")}}},
		{"open end timestamp", `T_AFTER(occurred, INTERVAL('2021-08-15T10:00:00Z', '..'))`,
			`{"op":"t_after","args":[{"property":"occurred"},{"interval":["2021-08-15T10:00:00Z",".."]}]}`,
			incidentmap.Temporal{Op: "t_after", Prop: "occurred", Interval: incidentmap.Interval{Start: ts("2021-08-15T10:00:00Z")}}},
		{"date instant", `T_EQUALS(occurred_start, DATE('2019-11-27'))`,
			`{"op":"t_equals","args":[{"property":"occurred_start"},{"date":"2019-11-27"}]}`,
			incidentmap.Temporal{Op: "t_equals", Prop: "occurred_start", Interval: incidentmap.Interval{Start: day("2019-11-27"), End: day("2019-11-27")}}},
		{"timestamp instant", `T_DURING(TIMESTAMP('2022-09-05T10:50:00Z'), occurred)`,
			`{"op":"t_during","args":[{"timestamp":"2022-09-05T10:50:00Z"},{"property":"occurred"}]}`,
			incidentmap.Temporal{Op: "t_contains", Prop: "occurred", Interval: incidentmap.Interval{Start: ts("2022-09-05T10:50:00Z"), End: ts("2022-09-05T10:50:00Z")}}},
	}
	for _, op := range incidentmap.TemporalOps {
		cases = append(cases, parseCase{op, strings.ToUpper(op) + `(occurred, INTERVAL('2020-01-01','2020-12-31'))`,
			`{"op":"` + op + `","args":[{"property":"occurred"},{"interval":["2020-01-01","2020-12-31"]}]}`,
			incidentmap.Temporal{Op: op, Prop: "occurred", Interval: y2020}})
	}
	// A literal first flips the relation: T_BEFORE(x, occurred) is T_AFTER(occurred, x).
	flips := map[string]string{"t_before": "t_after", "t_during": "t_contains", "t_meets": "t_metby",
		"t_overlaps": "t_overlappedby", "t_starts": "t_startedby", "t_finishes": "t_finishedby",
		"t_intersects": "t_intersects", "t_equals": "t_equals", "t_disjoint": "t_disjoint"}
	for op, want := range flips {
		for _, pair := range [][2]string{{op, want}, {want, op}} {
			cases = append(cases, parseCase{"flip " + pair[0], strings.ToUpper(pair[0]) + `(INTERVAL('2020-01-01','2020-12-31'), occurred)`,
				`{"op":"` + pair[0] + `","args":[{"interval":["2020-01-01","2020-12-31"]},{"property":"occurred"}]}`,
				incidentmap.Temporal{Op: pair[1], Prop: "occurred", Interval: y2020}})
		}
	}
	runCases(t, cases)
}

// TestExamples parses the adapted examples of the standard in
// testdata/examples, each in cql2-text and cql2-json, and checks that both
// encodings give the same tree.
func TestExamples(t *testing.T) {
	texts, err := filepath.Glob("testdata/examples/*.txt")
	if err != nil || len(texts) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, path := range texts {
		name := strings.TrimSuffix(filepath.Base(path), ".txt")
		t.Run(name, func(t *testing.T) {
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			js, err := os.ReadFile(strings.TrimSuffix(path, ".txt") + ".json")
			if err != nil {
				t.Fatal(err)
			}
			fromText, err := cql2.ParseText(string(text), qs)
			if err != nil {
				t.Fatalf("text: %v", err)
			}
			fromJSON, err := cql2.ParseJSON(js, qs)
			if err != nil {
				t.Fatalf("json: %v", err)
			}
			if !reflect.DeepEqual(fromText, fromJSON) {
				t.Errorf("text and json differ\ntext %#v\njson %#v", fromText, fromJSON)
			}
		})
	}
}

func TestExampleTrees(t *testing.T) {
	// Spot checks that the examples mean what they say, beyond agreeing.
	for _, c := range []struct {
		file string
		want incidentmap.Expr
	}{
		{"example62.txt", incidentmap.Temporal{Op: "t_metby", Prop: "occurred",
			Interval: incidentmap.Interval{Start: day("2005-01-10"), End: day("2010-02-10")}}},
		{"example45.txt", incidentmap.Spatial{Op: "s_intersects", Prop: "location",
			Geometry: orb.Bound{Min: orb.Point{60.5, 29.3}, Max: orb.Point{75, 38.5}}}},
		{"inc-dwithin.txt", incidentmap.DWithin{Prop: "location", Point: orb.Point{62.2, 34.35}, DistanceMeters: 10000}},
	} {
		b, err := os.ReadFile("testdata/examples/" + c.file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := cql2.ParseText(string(b), qs)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s\n got %#v\nwant %#v", c.file, got, c.want)
		}
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct {
		name, text, json string
		want             string // the message after "filter: "
	}{
		{"unknown property", `country = 'IRQ' AND colour = 'red'`, ``, `at position 21: unknown property "colour"`},
		{"unknown property json", ``, `{"op":"=","args":[{"property":"colour"},"red"]}`, `at position 31: unknown property "colour"`},
		{"property names are case-sensitive", `Country = 'IRQ'`, ``, `at position 1: unknown property "Country"`},
		{"string compared with number", `country = 5`, ``, `at position 11: property "country" is of type string: compare it with a string, not a number`},
		{"string compared with number json", ``, `{"op":"=","args":[{"property":"country"},5]}`, `at position 42: property "country" is of type string`},
		{"number compared with string", `fatalities > '3'`, ``, `at position 14: property "fatalities" is of type integer`},
		{"date compared with string", `occurred_start > '2020-01-01'`, ``, `at position 18: property "occurred_start" is of type date: compare it with DATE('…') or TIMESTAMP('…')`},
		{"geometry compared", `location = 'x'`, ``, `at position 12: property "location" is of type geometry: compare it with a spatial function`},
		{"interval compared", `occurred = DATE('2020-01-01')`, ``, `at position 12: property "occurred" is of type interval`},
		{"property types differ", `fatalities = country`, ``, `at position 14: cannot compare property "fatalities" (integer) with property "country" (string)`},
		{"no property", `1 = 1`, ``, `at position 3: a comparison needs a property on one side`},
		{"enum", `event_type = 'Protest'`, ``, `at position 14: "Protest" is not a value of "event_type"`},
		{"enum in IN", `status IN ('published', 'deleted')`, ``, `at position 25: "deleted" is not a value of "status"`},
		{"enum json", ``, `{"op":"in","args":[{"property":"target_type"},["embassy","school"]]}`, `at position 58: "school" is not a value of "target_type"`},
		{"spatial on non-geometry", `S_INTERSECTS(country, POINT(1 2))`, ``, `at position 14: S_INTERSECTS needs a geometry property, but "country" is of type string`},
		{"spatial on non-geometry json", ``, `{"op":"s_within","args":[{"property":"title"},{"type":"Point","coordinates":[1,2]}]}`, `at position 38: S_WITHIN needs a geometry property`},
		{"spatial without geometry", `S_INTERSECTS(location, 'x')`, ``, `at position 24: S_INTERSECTS needs a geometry literal`},
		{"temporal on non-temporal", `T_AFTER(country, DATE('2020-01-01'))`, ``, `at position 9: T_AFTER needs a date or interval property, but "country" is of type string`},
		{"interval over other properties", `T_AFTER(INTERVAL(occurred_end, occurred_start), DATE('2020-01-01'))`, ``, `at position 18: INTERVAL over properties must be INTERVAL(occurred_start, occurred_end)`},
		{"interval backwards", `T_AFTER(occurred, INTERVAL('2020-12-31', '2020-01-01'))`, ``, `at position 19: interval ends before it starts`},
		{"bad date", `occurred_start = DATE('2020-02-30')`, ``, `at position 23: invalid date "2020-02-30"`},
		{"bad timestamp json", ``, `{"op":"=","args":[{"property":"occurred_start"},{"timestamp":"yesterday"}]}`, `at position 62: invalid timestamp "yesterday"`},
		{"like on number", `fatalities LIKE '1%'`, ``, `at position 1: LIKE needs a string property, but "fatalities" is of type integer`},
		{"like with number pattern", `title LIKE 5`, ``, `at position 12: LIKE needs a string pattern`},
		{"between on string", `title BETWEEN 'a' AND 'b'`, ``, `at position 1: BETWEEN needs a number or date property`},
		{"casei on number", `CASEI(fatalities) = CASEI('1')`, ``, `at position 7: CASEI needs a string, but property "fatalities" is of type integer`},
		{"empty IN", `country IN ()`, ``, `at position 13: expected a property or a value, got ')'`},
		{"empty IN json", ``, `{"op":"in","args":[{"property":"country"},[]]}`, `at position 43: IN needs at least one value`},
		{"unbalanced open", `(country = 'IRQ' AND (fatalities > 1)`, ``, `at position 1: unbalanced parentheses: this '(' is never closed`},
		{"unbalanced close", `country = 'IRQ')`, ``, `at position 16: unbalanced parentheses: unexpected ')'`},
		{"unbalanced function", `S_INTERSECTS(location, POINT(1 2)`, ``, `at position 13: unbalanced parentheses: this '(' is never closed`},
		{"unclosed string", `title = 'Iran''s`, ``, `at position 9: unclosed string`},
		{"unclosed quoted identifier", `"title = 'x'`, ``, `at position 1: unclosed quoted identifier`},
		{"ring too short", `S_INTERSECTS(location, POLYGON((1 1, 2 2, 1 1)))`, ``, `at position 32: polygon ring has 3 positions; it needs at least 4`},
		{"ring not closed", `S_INTERSECTS(location, POLYGON((1 1, 2 1, 2 2, 1 2)))`, ``, `at position 32: polygon ring is not closed`},
		{"ring too short json", ``, `{"op":"s_intersects","args":[{"property":"location"},{"type":"Polygon","coordinates":[[[1,1],[2,2],[1,1]]]}]}`, `at position 87: polygon ring has 3 positions`},
		{"ring not closed json", ``, `{"op":"s_intersects","args":[{"property":"location"},{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,2]]]}]}`, `at position 87: polygon ring is not closed`},
		{"hole not closed", `S_INTERSECTS(location, POLYGON((0 0, 9 0, 9 9, 0 9, 0 0), (1 1, 2 1, 2 2, 1 2)))`, ``, `at position 59: polygon ring is not closed`},
		{"longitude out of range", `S_INTERSECTS(location, POINT(181 0))`, ``, `at position 30: longitude 181 is outside [-180,180]`},
		{"latitude out of range", `S_INTERSECTS(location, LINESTRING(0 0, 10 -91))`, ``, `at position 40: latitude -91 is outside [-90,90]`},
		{"latitude out of range json", ``, `{"op":"s_intersects","args":[{"property":"location"},{"type":"Point","coordinates":[1,95]}]}`, `at position 84: latitude 95 is outside [-90,90]`},
		{"bbox out of range", `S_INTERSECTS(location, BBOX(0, 0, 200, 10))`, ``, `at position 24: longitude 200 is outside [-180,180]`},
		{"bbox south north", ``, `{"op":"s_intersects","args":[{"property":"location"},{"bbox":[0,10,5,0]}]}`, `at position 54: BBOX south 10 is north of north 0`},
		{"bbox arity", `S_INTERSECTS(location, BBOX(0, 0, 10))`, ``, `at position 28: BBOX takes 4 to 6 arguments, got 3`},
		{"linestring of one", `S_INTERSECTS(location, LINESTRING(1 1))`, ``, `at position 34: LINESTRING needs at least 2 positions, got 1`},
		{"dwithin units", `S_DWITHIN(location, POINT(1 1), 5, miles)`, ``, `at position 36: unknown distance units "miles"`},
		{"dwithin negative", `S_DWITHIN(location, POINT(1 1), -5, meters)`, ``, `at position 33: S_DWITHIN needs a distance of 0 or more`},
		{"dwithin too far", `S_DWITHIN(location, POINT(1 1), 30000, kilometers)`, ``, `at position 33: S_DWITHIN distance is more than 20037509 meters`},
		{"dwithin not a point", `S_DWITHIN(location, LINESTRING(1 1, 2 2), 5, meters)`, ``, `at position 21: S_DWITHIN needs a POINT`},
		{"unknown function", `FOO(location)`, ``, `at position 1: unknown function "FOO"`},
		{"unknown op json", ``, `{"op":"foo","args":[]}`, `at position 7: unknown operator "foo"`},
		{"missing operator", `country 'IRQ'`, ``, `at position 9: expected a comparison operator, LIKE, BETWEEN, IN or IS NULL, got string 'IRQ'`},
		{"trailing garbage", `country = 'IRQ' 'x'`, ``, `at position 17: unexpected string 'x' after the end of the filter`},
		{"dangling AND", `country = 'IRQ' AND`, ``, `at position 20: unexpected end of filter: expected a predicate`},
		{"empty", `   `, ``, `at position 1: empty filter`},
		{"bad character", `country = 'IRQ' ; DROP TABLE x`, ``, `at position 17: unexpected character ';'`},
		{"huge number", `fatalities > 1e999`, ``, `at position 14: number 1e999 is out of range`},
		{"position counts characters", `place_name = 'هرات' AND colour = 1`, ``, `at position 25: unknown property "colour"`},
		{"invalid json", ``, `{"op":"=","args":[{"property":"country"},"IRQ"]`, `at position 48: invalid JSON: unexpected end of input`},
		{"invalid json syntax", ``, `{"op":"=" "args":[]}`, `at position 11: invalid JSON`},
		{"json trailing data", ``, `true false`, `at position 6: unexpected data after the filter`},
		{"json trailing comma", ``, `true,`, `at position 5: unexpected data after the filter`},
		{"json trailing brace", ``, `{"op":"isNull","args":[{"property":"injuries"}]} }`, `at position 50: unexpected data after the filter`},
		{"json duplicate member", ``, `{"op":"=","op":"<>","args":[]}`, `at position 11: duplicate member "op"`},
		{"json null", ``, `{"op":"=","args":[{"property":"country"},null]}`, `at position 42: null is not a value`},
		{"json wrong arity", ``, `{"op":"=","args":[{"property":"country"}]}`, `at position 18: "=" takes 2 arguments, got 1`},
		{"json not a predicate", ``, `"country"`, `at position 1: expected a predicate`},
		{"accenti", `ACCENTI(title) = ACCENTI('x')`, ``, `at position 1: ACCENTI is not supported`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.text != "" {
				_, err = cql2.ParseText(c.text, qs)
			} else {
				_, err = cql2.ParseJSON([]byte(c.json), qs)
			}
			checkErr(t, err, "filter: "+c.want)
		})
	}
}

func checkErr(t *testing.T, err error, wantPrefix string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", wantPrefix)
	}
	if code := incidentmap.ErrorCode(err); code != incidentmap.EINVALID {
		t.Errorf("code %q, want %q", code, incidentmap.EINVALID)
	}
	if p := incidentmap.ErrorParam(err); p != "filter" {
		t.Errorf("param %q, want filter", p)
	}
	if msg := incidentmap.ErrorMessage(err); !strings.HasPrefix(msg, wantPrefix) {
		t.Errorf("message\n got %q\nwant %q…", msg, wantPrefix)
	}
}

func TestLimits(t *testing.T) {
	t.Run("too long", func(t *testing.T) {
		s := `title = '` + strings.Repeat("x", cql2.MaxLength) + `'`
		_, err := cql2.ParseText(s, qs)
		checkErr(t, err, "filter: at position 65537: longer than 65536 bytes")
		_, err = cql2.ParseJSON([]byte(`"`+strings.Repeat("x", cql2.MaxLength)+`"`), qs)
		checkErr(t, err, "filter: at position 65537: longer than 65536 bytes")
	})
	t.Run("deep NOT", func(t *testing.T) {
		s := strings.Repeat("NOT ", 15000) + "TRUE" // 60 KB
		_, err := cql2.ParseText(s, qs)
		checkErr(t, err, "filter: at position 253: filter is nested deeper than 64")
	})
	t.Run("deep parentheses", func(t *testing.T) {
		s := strings.Repeat("(", 30000) + "TRUE" + strings.Repeat(")", 30000)
		_, err := cql2.ParseText(s, qs)
		checkErr(t, err, "filter: at position 65: filter is nested deeper than 64")
	})
	t.Run("deep CASEI", func(t *testing.T) {
		s := "title = " + strings.Repeat("CASEI(", 1000) + "'x'" + strings.Repeat(")", 1000)
		_, err := cql2.ParseText(s, qs)
		checkErr(t, err, "filter: at position")
	})
	t.Run("deep INTERVAL and BBOX", func(t *testing.T) {
		for _, fn := range []string{"INTERVAL(", "BBOX(", "CASEI("} {
			s := "T_AFTER(occurred, " + strings.Repeat(fn, 5000) + strings.Repeat(")", 5001)
			_, err := cql2.ParseText(s, qs)
			checkErr(t, err, "filter: at position")
			if !strings.Contains(incidentmap.ErrorMessage(err), "nested deeper") {
				t.Errorf("%s: %v", fn, err)
			}
		}
	})
	t.Run("deep geometry collection", func(t *testing.T) {
		s := "S_INTERSECTS(location, " + strings.Repeat("GEOMETRYCOLLECTION(", 1000) + "POINT(1 1)" + strings.Repeat(")", 1001)
		_, err := cql2.ParseText(s, qs)
		checkErr(t, err, "filter: at position")
	})
	t.Run("deep json not", func(t *testing.T) {
		s := strings.Repeat(`{"op":"not","args":[`, 2000) + "true" + strings.Repeat("]}", 2000)
		_, err := cql2.ParseJSON([]byte(s), qs)
		checkErr(t, err, "filter: at position")
	})
	t.Run("deep json arrays", func(t *testing.T) {
		s := strings.Repeat("[", 30000) + strings.Repeat("]", 30000)
		_, err := cql2.ParseJSON([]byte(s), qs)
		checkErr(t, err, "filter: at position")
	})
	t.Run("nesting within the limit", func(t *testing.T) {
		s := strings.Repeat("NOT ", 60) + "TRUE"
		if _, err := cql2.ParseText(s, qs); err != nil {
			t.Fatal(err)
		}
		s = strings.Repeat(`{"op":"not","args":[`, 60) + "true" + strings.Repeat("]}", 60)
		if _, err := cql2.ParseJSON([]byte(s), qs); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("long AND chain is flat", func(t *testing.T) {
		s := "fatalities > 0" + strings.Repeat(" AND fatalities > 0", cql2.MaxTerms-1)
		e, err := cql2.ParseText(s, qs)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(e.(incidentmap.And).Args); n != cql2.MaxTerms {
			t.Errorf("And has %d args, want %d", n, cql2.MaxTerms)
		}
	})
	t.Run("too many conditions", func(t *testing.T) {
		s := "place_name = 'a'" + strings.Repeat(" OR NOT place_name = 'a'", cql2.MaxTerms)
		_, err := cql2.ParseText(s, qs)
		checkErr(t, err, "filter: at position 1: the filter has 257 conditions; at most 256 are accepted")
		args := strings.Repeat(`{"op":"=","args":[{"property":"place_name"},"a"]},`, 1300)
		_, err = cql2.ParseJSON([]byte(`{"op":"and","args":[`+args[:len(args)-1]+`]}`), qs)
		checkErr(t, err, "filter: at position 1: the filter has 1300 conditions")
	})
}

// TestQueryablesOnly checks that names are resolved only through the list
// passed in.
func TestQueryablesOnly(t *testing.T) {
	only := []incidentmap.Queryable{{Name: "country", Type: incidentmap.QueryString}}
	if _, err := cql2.ParseText(`country = 'IRQ'`, only); err != nil {
		t.Fatal(err)
	}
	_, err := cql2.ParseText(`country = 'IRQ' AND title = 'x'`, only)
	checkErr(t, err, `filter: at position 21: unknown property "title"`)
	_, err = cql2.ParseText(`country = 'IRQ'`, nil)
	checkErr(t, err, `filter: at position 1: unknown property "country"`)
}

const typicalText = `country = 'AFG' AND event_type IN ('Explosions/Remote violence', 'Battles') ` +
	`AND T_INTERSECTS(occurred, INTERVAL('2021-01-01', '2022-12-31')) ` +
	`AND S_INTERSECTS(location, POLYGON((61.9 34.2, 62.4 34.2, 62.4 34.5, 61.9 34.5, 61.9 34.2)))`

const typicalJSON = `{"op":"and","args":[` +
	`{"op":"=","args":[{"property":"country"},"AFG"]},` +
	`{"op":"in","args":[{"property":"event_type"},["Explosions/Remote violence","Battles"]]},` +
	`{"op":"t_intersects","args":[{"property":"occurred"},{"interval":["2021-01-01","2022-12-31"]}]},` +
	`{"op":"s_intersects","args":[{"property":"location"},{"type":"Polygon","coordinates":[[[61.9,34.2],[62.4,34.2],[62.4,34.5],[61.9,34.5],[61.9,34.2]]]}]}]}`

func TestTypicalTextEqualsJSON(t *testing.T) {
	a, err := cql2.ParseText(typicalText, qs)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cql2.ParseJSON([]byte(typicalJSON), qs)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("text %#v\njson %#v", a, b)
	}
}

func BenchmarkParseText(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cql2.ParseText(typicalText, qs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseJSON(b *testing.B) {
	js := []byte(typicalJSON)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cql2.ParseJSON(js, qs); err != nil {
			b.Fatal(err)
		}
	}
}

// TestHostileText checks that NUL, control characters, line separators and
// invalid UTF-8 are refused wherever they appear in a filter (PostgreSQL
// refuses them with SQLSTATE 22021, SQLite would store them: both stores
// must answer the same), and that LIKE patterns are capped.
func TestHostileText(t *testing.T) {
	tests := []struct {
		name, text, json, want string
	}{
		{"nul in a literal", "place_name = 'a\x00b'", "", "filter: at position 16: the filter must not contain NUL"},
		{"invalid utf-8 in a literal", "place_name = 'a\xffb'", "", "filter: at position 16: the filter is not valid UTF-8"},
		{"escape in a literal", "place_name = 'a\x1bb'", "", "filter: at position 16: the filter must not contain the control character U+001B"},
		{"del", "title LIKE '%\x7f%'", "", "filter: at position 14: the filter must not contain the control character U+007F"},
		{"nul in an identifier", "\"place\x00name\" = 'a'", "", "filter: at position 7: the filter must not contain NUL"},
		{"json escape nul", "", `{"op":"=","args":[{"property":"place_name"},"a\u0000b"]}`, "filter: at position 45: a string must not contain NUL"},
		{"json escape c1", "", `{"op":"=","args":[{"property":"place_name"},"\u0085"]}`, "filter: at position 45: a string must not contain the control character U+0085"},
		{"json raw invalid utf-8", "", "{\"op\":\"=\",\"args\":[{\"property\":\"place_name\"},\"\xff\"]}", "filter: at position 46: the filter is not valid UTF-8"},
		{"long like pattern", "title LIKE '" + strings.Repeat("%a", 600) + "'", "", "filter: at position 12: a LIKE pattern may be at most 1000 bytes long, got 1200"},
		{"long json like pattern", "", `{"op":"like","args":[{"property":"title"},"` + strings.Repeat("%", 1001) + `"]}`, "filter: at position 43: a LIKE pattern may be at most 1000 bytes long, got 1001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.text != "" {
				_, err = cql2.ParseText(tt.text, qs)
			} else {
				_, err = cql2.ParseJSON([]byte(tt.json), qs)
			}
			checkErr(t, err, tt.want)
		})
	}
	t.Run("a pattern at the cap parses", func(t *testing.T) {
		if _, err := cql2.ParseText("title LIKE '"+strings.Repeat("%", cql2.MaxLikePattern)+"'", qs); err != nil {
			t.Fatal(err)
		}
	})
}
