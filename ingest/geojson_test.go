package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/feature"
	"github.com/incidentmap/incidentmap/store/storetest"
)

// itemStore keeps the items of an import; with failAfter > 0 it fails
// once it has taken that many.
type itemStore struct {
	incidentmap.Store
	items     []incidentmap.ImportItem
	failAfter int
}

func (s *itemStore) UpsertIncidents(_ context.Context, next func() (incidentmap.ImportItem, error), _ incidentmap.ImportOptions) (incidentmap.ImportResult, error) {
	for {
		item, err := next()
		if errors.Is(err, io.EOF) {
			return incidentmap.ImportResult{Created: len(s.items)}, nil
		} else if err != nil {
			return incidentmap.ImportResult{}, err
		}
		if s.items = append(s.items, item); len(s.items) == s.failAfter {
			return incidentmap.ImportResult{}, errors.New("the store failed")
		}
	}
}

// titled is a feature with id and title, as raw JSON text.
func titled(id, title string) string {
	return strings.Replace(feat(id, "AFG"), `"title":"A test"`, `"title":`+title, 1)
}

// cutAt returns s up to the first sep, which is in the middle of a feature.
func cutAt(s, sep string) string { return s[:strings.Index(s, sep)+len(sep)/2] }

// The scanner that splits a collection into features follows strings and
// brackets, keeps each feature's line, and stops with a clear error at
// whatever is not a collection of features, having handed over the
// features before it, in order.
func TestGeoJSONSplit(t *testing.T) {
	many := make([]string, 300) // more than one job of features
	for i := range many {
		many[i] = feat(fmt.Sprint("m", i+1), "AFG")
	}
	tests := []struct {
		name   string
		input  string
		items  int    // handed to the store
		line   int    // of the last item
		title  string // of the last item, when set
		errMsg string // contained in the error, when set
	}{
		{"braces, brackets and escaped quotes in strings", fc(feat("a", "AFG"), titled("b", `"a \"}]{[\" \\\" b"`)), 2, 6, `a "}]{[" \" b`, ""},
		{"foreign members around the features", `{"name":"x}]\"","bbox":[1,2,3,4],"features":[` + feat("a", "AFG") + `],"crs":{"a":["]"]},"type":"FeatureCollection"}`, 1, 1, "", ""},
		{"300 features, in order", fc(many...), 300, 3 + 299*3, "", ""},
		{"no features", `{"type":"FeatureCollection","features":[]}`, 0, 0, "", ""},
		{"truncated inside a feature", cutAt(fc(feat("a", "AFG"), feat("b", "AFG")), `"id":"b"`), 1, 3, "", "line 6: feature 2: malformed JSON: the input ends inside it"},
		{"truncated between features", strings.TrimSuffix(fc(feat("a", "AFG")), "\n]}") + ",", 1, 3, "", "malformed JSON: the input ends inside the features array"},
		{"a missing comma", strings.Replace(fc(feat("a", "AFG"), feat("b", "AFG")), "}},\n", "}}\n", 1), 1, 3, "", "line 6: malformed JSON after feature 1"},
		{"a trailing comma", strings.Replace(fc(feat("a", "AFG")), "\n]}", ",]}", 1), 1, 3, "", "line 5: feature 2: malformed JSON"},
		{"a malformed feature", fc(feat("a", "AFG"), strings.Replace(feat("b", "AFG"), `"title":`, `"title"`, 1), feat("c", "AFG")), 1, 3, "", "line 6: feature 2: malformed JSON"},
		{"trailing garbage", fc(feat("a", "AFG")) + "\n{}", 1, 3, "", "line 7: unexpected data after the FeatureCollection"},
		{"trailing white space", fc(feat("a", "AFG")) + "\n \t\r\n", 1, 3, "", ""},
		{"features twice", `{"type":"FeatureCollection","features":[],"features":[]}`, 0, 0, "", `"features" appears twice`},
		{"no type", `{"features":[` + feat("a", "AFG") + `]}`, 1, 1, "", `a FeatureCollection needs "type" and "features"`},
		{"a malformed foreign member", `{"type":"FeatureCollection","name":[1,,2],"features":[]}`, 0, 0, "", "line 1: malformed JSON"},
		{"a scalar feature", fc("12"), 0, 0, "", "line 3: feature 1: feature: must be an object"},
	}
	for _, tt := range tests {
		for _, chunks := range []string{"whole", "one byte at a time"} {
			t.Run(tt.name+"/"+chunks, func(t *testing.T) {
				var r io.Reader = strings.NewReader(tt.input)
				if chunks != "whole" {
					r = iotest.OneByteReader(r)
				}
				s := &itemStore{}
				rep, err := Import(context.Background(), s, r, Options{})
				if got := incidentmap.ErrorMessage(err) + "\n" + rep.String(); tt.errMsg == "" && err != nil || !strings.Contains(got, tt.errMsg) {
					t.Fatalf("got %v\n%s\nwant %q", err, rep, tt.errMsg)
				}
				if len(s.items) != tt.items {
					t.Fatalf("%d items reached the store, want %d", len(s.items), tt.items)
				}
				for i, item := range s.items {
					if !item.Validated {
						t.Fatalf("item %d is not marked validated, so the store validates it again", i)
					}
					if want := fmt.Sprint("m", i+1); tt.items == 300 && item.Incident.ID != want {
						t.Fatalf("item %d is %s, want %s", i, item.Incident.ID, want)
					}
				}
				if tt.items > 0 {
					last := s.items[len(s.items)-1]
					if last.Line != tt.line || tt.title != "" && last.Incident.Title != tt.title {
						t.Errorf("the last item is at line %d titled %q, want line %d, %q", last.Line, last.Incident.Title, tt.line, tt.title)
					}
				}
			})
		}
	}
}

// A feature larger than MaxFeatureBytes stops the import there, without
// reading the rest of the input, whether its string never closes or it
// ends after the cap.
func TestGeoJSONHugeFeature(t *testing.T) {
	head := strings.TrimSuffix(fc(feat("a", "AFG")), "\n]}") + `,{"type":"Feature","id":"b","properties":{"title":"`
	tests := []struct {
		name string
		rest io.Reader
	}{
		{"an unterminated string of 200 MB", &repeatReader{pattern: []byte(`x}]\"`), n: 200 << 20}},
		{"1.5 MB, then more features", io.MultiReader(strings.NewReader(strings.Repeat("x", 3<<19)+`"}},`),
			&repeatReader{pattern: []byte(feat("c", "AFG") + ",\n"), n: 200 << 20})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			counted := &countingReader{r: io.MultiReader(strings.NewReader(head), tt.rest)}
			s := &itemStore{}
			rep, err := Import(context.Background(), s, counted, Options{})
			want := "line 5: feature 2: a feature is larger than 1048576 bytes; nothing after it was read"
			if incidentmap.ErrorCode(err) != incidentmap.EINVALID || incidentmap.ErrorMessage(err) != want {
				t.Errorf("got %v\n%s\nwant %q", err, rep, want)
			}
			if read := counted.n.Load(); read > 4<<20 {
				t.Errorf("read %d MB before refusing", read>>20)
			}
			if len(s.items) != 1 {
				t.Errorf("%d items reached the store, want the one before", len(s.items))
			}
		})
	}
}

// An import that ends early, here because the store failed, stops the
// splitting and decoding goroutines.
func TestGeoJSONStopsItsGoroutines(t *testing.T) {
	many := make([]string, 2000)
	for i := range many {
		many[i] = feat(fmt.Sprint("m", i+1), "AFG")
	}
	input := fc(many...)
	before := runtime.NumGoroutine()
	for range 5 {
		s := &itemStore{failAfter: 10}
		if _, err := Import(context.Background(), s, strings.NewReader(input), Options{}); err == nil {
			t.Fatal("the store's failure was not returned")
		}
	}
	for range 100 {
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("%d goroutines before the imports, %d after", before, runtime.NumGoroutine())
}

// Many jobs' worth of features, their buffers reused from job to job,
// decode each to what the feature decoder makes of its bytes alone, in
// order: no job's bytes are overwritten while a worker still reads them.
func TestGeoJSONReusedBuffers(t *testing.T) {
	const n = 20_000 // ≈160 jobs, far more than are ever in flight
	var file bytes.Buffer
	if err := storetest.WriteClusteredGeoJSON(&file, n, 9); err != nil {
		t.Fatal(err)
	}
	incs, err := ReadGeoJSON(bytes.NewReader(file.Bytes()))
	if err != nil || len(incs) != n {
		t.Fatalf("%d incidents, %v", len(incs), err)
	}
	for i, got := range incs {
		want, _, _, err := feature.ParseRaw(feature.Append(nil, storetest.Clustered(i, 9)))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("feature %d:\ngot  %+v\nwant %+v", i+1, got, want)
		}
	}
}
