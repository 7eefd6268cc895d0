package sqlexpr

import (
	"reflect"
	"testing"

	"github.com/incidentmap/incidentmap"
)

func TestKeyset(t *testing.T) {
	o, err := testDialect.Order([]incidentmap.SortKey{{Property: "fatalities", Desc: true}, {Property: "id"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := o.By("x.", false), "x.t.fatalities DESC NULLS FIRST, x.t.id"; got != want {
		t.Errorf("By: %q, want %q", got, want)
	}
	cases := []struct {
		vals            []any
		back, inclusive bool
		sql             string
		args            []any
	}{
		{[]any{int64(3), "a"}, false, false, "((t.fatalities < ?k) OR (t.fatalities = ?k AND t.id > ?k))", []any{int64(3), int64(3), "a"}},
		{[]any{nil, "a"}, false, true, "((t.fatalities IS NOT NULL) OR (t.fatalities IS NULL AND (t.id > ?k OR t.id = ?k)))", []any{"a", "a"}},
		{[]any{nil, "a"}, true, false, "((t.fatalities IS NULL AND t.id < ?k))", []any{"a"}},
	}
	for _, c := range cases {
		sql, args, err := testDialect.Keyset(o, c.vals, c.back, c.inclusive)
		if err != nil || sql != c.sql || !reflect.DeepEqual(args, c.args) {
			t.Errorf("%v %v %v: got %q %#v %v, want %q %#v", c.vals, c.back, c.inclusive, sql, args, err, c.sql, c.args)
		}
	}
	if _, _, err := testDialect.Keyset(o, []any{"3", "a"}, false, false); incidentmap.ErrorParam(err) != "cursor" {
		t.Errorf("a value of another type: %v, want EINVALID cursor", err)
	}
	if _, err := testDialect.Order([]incidentmap.SortKey{{Property: "title"}}); incidentmap.ErrorParam(err) != "sortby" {
		t.Errorf("an unsortable property: %v, want EINVALID sortby", err)
	}
}
