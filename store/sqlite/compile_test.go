package sqlite

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/cql2"
	"github.com/incidentmap/incidentmap/store/storetest"
	"github.com/paulmach/orb"
)

// A CQL2 filter and the query parameters that mean the same compile to the
// same SQL with the same arguments: the one costs what the other does.
func TestCQL2CompilesLikeParams(t *testing.T) {
	box := storetest.ThousandBox
	iv := incidentmap.Interval{Start: time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2020, 12, 31, 0, 0, 0, 0, time.UTC)}
	params := incidentmap.Filter{BBox: &box, Interval: &iv, Where: incidentmap.InStrings("country", "AFG", "IRQ")}
	for _, text := range []string{
		"S_INTERSECTS(location, BBOX(49.95, 29.95, 53.95, 32.45)) AND T_INTERSECTS(occurred, INTERVAL('2018-01-01', '2020-12-31')) AND country IN ('AFG', 'IRQ')",
		"S_INTERSECTS(location, POLYGON((49.95 29.95, 53.95 29.95, 53.95 32.45, 49.95 32.45, 49.95 29.95))) AND T_INTERSECTS(occurred, INTERVAL('2018-01-01', '2020-12-31')) AND country IN ('AFG', 'IRQ')",
	} {
		e, err := cql2.ParseText(text, incidentmap.IncidentQueryables)
		if err != nil {
			t.Fatal(err)
		}
		q1, a1, err1 := compile(params.Expr())
		q2, a2, err2 := compile(incidentmap.Filter{Where: e}.Expr())
		if err1 != nil || err2 != nil || q1 != q2 || !reflect.DeepEqual(a1, a2) {
			t.Errorf("%s\nparams: %s %v %v\ncql2:   %s %v %v", text, q1, a1, err1, q2, a2, err2)
		}
	}
}

func TestCompileBindsValues(t *testing.T) {
	evil := `x'); DROP TABLE incidents; --`
	q, args, err := compile(incidentmap.Or{Args: []incidentmap.Expr{
		incidentmap.Compare{Op: "=", Left: incidentmap.Property{Name: "title"}, Right: incidentmap.String(evil)},
		incidentmap.Like{Prop: "summary", Pattern: evil + `\`},
	}})
	if err != nil || strings.Contains(q, "DROP") || len(args) != 2 || args[1] != evil+`\\` {
		t.Errorf("got %q %q %v", q, args, err)
	}
}

func TestGeodesicMeters(t *testing.T) {
	cases := []struct {
		p, q orb.Point
		want float64 // PostGIS ST_Distance(geography, geography, true)
	}{
		{orb.Point{69.17, 34.53}, orb.Point{69.4, 34.6}, 22489.90419243},
		{orb.Point{0, 0}, orb.Point{1, 0}, 111319.49079327357},
		{orb.Point{179.95, 0}, orb.Point{-179.99, 0}, 6679.169447596414},
		{orb.Point{3, 4}, orb.Point{3, 4}, 0},
	}
	for _, c := range cases {
		if got := geodesicMeters(c.p, c.q); math.Abs(got-c.want) > 0.001 {
			t.Errorf("%v-%v: %.6f, want %.6f", c.p, c.q, got, c.want)
		}
	}
	// Nearly antipodal points still give an answer.
	if d := geodesicMeters(orb.Point{0, 0}, orb.Point{179.9, 0.1}); !(d > 19_900_000 && d < 20_040_000) {
		t.Errorf("antipodal: %f", d)
	}
}
