package incidentmap

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// goName is the name of the Incident field that holds the property name.
func goName(name string) string {
	switch name {
	case "id":
		return "ID"
	case "external_ids":
		return "ExternalIDs"
	}
	var b strings.Builder
	for _, part := range strings.Split(name, "_") {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// distinct returns an incident whose every field holds a value of its own,
// so that an accessor that reads the wrong field gives itself away.
func distinct() *Incident {
	inc := &Incident{}
	v := reflect.ValueOf(inc).Elem()
	for i := 0; i < v.NumField(); i++ {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch f.Kind() {
		case reflect.String:
			f.SetString("v-" + name)
		case reflect.Int:
			f.SetInt(int64(100 + i))
		case reflect.Pointer:
			n := 200 + i
			f.Set(reflect.ValueOf(&n))
		case reflect.Slice:
			if f.Type().Elem().Kind() == reflect.String {
				f.Set(reflect.ValueOf([]string{"v-" + name}))
			}
		case reflect.Struct:
			if f.Type() == reflect.TypeOf(time.Time{}) {
				f.Set(reflect.ValueOf(time.Date(2000+i, 1, 2, 0, 0, 0, 0, time.UTC)))
			}
		}
	}
	return inc
}

func TestFieldsReadTheirOwnField(t *testing.T) {
	inc := distinct()
	v := reflect.ValueOf(inc).Elem()
	for i := range Fields {
		f := &Fields[i]
		t.Run(f.Name, func(t *testing.T) {
			var got, want any
			switch f.Kind {
			case ValueText:
				got, want = f.Text(inc), v.FieldByName(goName(f.Name)).String()
			case ValueDay, ValueInstant:
				got, want = f.Time(inc), v.FieldByName(goName(f.Name)).Interface()
			case ValueCount:
				got, want = *f.Count(inc), v.FieldByName(goName(f.Name)).Elem().Interface()
			case ValueInt:
				got, want = f.Int(inc), v.FieldByName(goName(f.Name)).Interface()
			case ValueList:
				got, want = f.List(inc), v.FieldByName(goName(f.Name)).Interface()
			case ValueSources, ValueResponses:
				if !v.FieldByName(goName(f.Name)).IsValid() {
					t.Errorf("Incident has no field %s", goName(f.Name))
				}
				return
			case ValuePoint, ValueInterval:
				if f.Wire {
					t.Error("a location or interval field is not a wire property")
				}
				return
			default:
				t.Fatalf("kind %d", f.Kind)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("reads %v, want %v", got, want)
			}
		})
	}
}

func TestFieldsTable(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range Fields {
		if seen[f.Name] {
			t.Errorf("%s listed twice", f.Name)
		}
		seen[f.Name] = true
		if (f.Sortable || f.Group || f.Query != "") && f.Description == "" && f.Name != "updated_at" {
			t.Errorf("%s: a queryable, sortable or group field needs a description", f.Name)
		}
		if f.Group && f.Kind != ValueText {
			t.Errorf("%s: groups need a text value", f.Name)
		}
		if f.Sortable && !f.Scalar() {
			t.Errorf("%s: only scalars sort", f.Name)
		}
		if f.NotNull && f.Kind != ValueText {
			t.Errorf("%s: NotNull on a %d", f.Name, f.Kind)
		}
	}
	for _, c := range []struct {
		name string
		got  []string
		want []string
	}{
		{"sortable", SortableProperties, []string{"id", "occurred_start", "occurred_end", "country",
			"event_type", "target_country", "fatalities", "injuries", "updated_at"}},
		{"group keys", GroupKeys, []string{"day", "month", "year", "country", "admin1_code", "event_type",
			"sub_event_type", "target_type", "target_country"}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestFieldValue(t *testing.T) {
	inc := distinct()
	inc.Injuries = nil
	for _, c := range []struct {
		name string
		want any
	}{
		{"title", "v-Title"},
		{"fatalities", int64(*inc.Fatalities)},
		{"injuries", nil},
		{"version", int64(inc.Version)},
		{"occurred_end", inc.OccurredEnd},
		{"tags", []string{"v-Tags"}},
		{"location", nil},
	} {
		f, ok := FindField(c.name)
		if !ok {
			t.Fatalf("no field %s", c.name)
		}
		if got := f.Value(inc); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %#v, want %#v", c.name, got, c.want)
		}
	}
	if _, ok := FindField("colour"); ok {
		t.Error("found colour")
	}
}
