package feature_test

import (
	"bytes"
	"encoding/json"
	"math/bits"
	"slices"
	"testing"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/feature"
	"github.com/incidentmap/incidentmap/store/storetest"
)

func TestPropertyNamesAreTheWireOrder(t *testing.T) {
	if !slices.Equal(feature.PropertyNames(), wireOrder) {
		t.Errorf("PropertyNames %v\nwire order %v", feature.PropertyNames(), wireOrder)
	}
}

func TestAppendSelectedAllIsAppend(t *testing.T) {
	incs := []*incidentmap.Incident{
		storetest.NewIncident("min-1", 62.2, 34.35, "2022-04-11"),
		stamped(storetest.Full("full-1")),
	}
	incs = append(incs, storetest.Synthetic(50, 7)...)
	for _, inc := range incs {
		want := feature.Append(nil, inc)
		if got := feature.AppendSelected(nil, inc, feature.AllProperties); !bytes.Equal(got, want) {
			t.Errorf("%s: AppendSelected(all)\n%s\nAppend\n%s", inc.ID, got, want)
		}
	}
}

func TestAppendSelected(t *testing.T) {
	inc := stamped(storetest.Full("full-1"))
	var f struct{ Properties map[string]json.RawMessage }
	if err := json.Unmarshal(feature.Append(nil, inc), &f); err != nil {
		t.Fatal(err)
	}
	all := f.Properties
	tests := []struct {
		name  string
		names []string
	}{
		{"none", nil},
		{"first", []string{"title"}},
		{"not first", []string{"occurred_start"}},
		{"last", []string{"updated_at"}},
		{"out of order", []string{"sources", "title", "fatalities", "country"}},
		{"lists", []string{"actors", "tags", "external_ids", "responses"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sel feature.Selection
			for _, n := range tt.names {
				b, ok := feature.SelectProperty(n)
				if !ok {
					t.Fatalf("SelectProperty(%q) = false", n)
				}
				sel |= b
			}
			b := feature.AppendSelected(nil, inc, sel)
			if !json.Valid(b) {
				t.Fatalf("not JSON: %s", b)
			}
			want := sel.Names()
			if keys := propertyKeys(t, b); !slices.Equal(keys, want) && !(len(keys) == 0 && len(want) == 0) {
				t.Errorf("keys %v, want %v", keys, want)
			}
			var g struct {
				ID         string
				Geometry   json.RawMessage
				Properties map[string]json.RawMessage
			}
			if err := json.Unmarshal(b, &g); err != nil {
				t.Fatal(err)
			}
			if g.ID != inc.ID || len(g.Geometry) == 0 {
				t.Errorf("id %q, geometry %s", g.ID, g.Geometry)
			}
			for k, v := range g.Properties {
				if !bytes.Equal(v, all[k]) {
					t.Errorf("%s: %s, Append writes %s", k, v, all[k])
				}
			}
		})
	}
	if _, ok := feature.SelectProperty("colour"); ok {
		t.Error("SelectProperty accepted colour")
	}
	if _, ok := feature.SelectProperty("id"); ok {
		t.Error("SelectProperty accepted id, which is not a property")
	}
}

func BenchmarkAppendSelectedAll1000(b *testing.B) {
	benchmarkAppendSelected(b, feature.AllProperties)
}

func BenchmarkAppendSelectedFew1000(b *testing.B) {
	var sel feature.Selection
	for _, n := range []string{"title", "occurred_start", "country", "event_type"} {
		s, _ := feature.SelectProperty(n)
		sel |= s
	}
	benchmarkAppendSelected(b, sel)
}

func benchmarkAppendSelected(b *testing.B, sel feature.Selection) {
	incs := storetest.Synthetic(1000, 1)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		for _, inc := range incs {
			buf = feature.AppendSelected(buf, inc, sel)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func TestAllPropertiesHasABitForEachName(t *testing.T) {
	if got, want := bits.OnesCount32(uint32(feature.AllProperties)), len(feature.PropertyNames()); got != want {
		t.Errorf("AllProperties has %d bits for %d properties", got, want)
	}
	if got := feature.AllProperties.Names(); !slices.Equal(got, wireOrder) {
		t.Errorf("AllProperties.Names() = %v", got)
	}
}
