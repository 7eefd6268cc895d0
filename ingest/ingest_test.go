package ingest

import (
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap"
)

const goodFeature = `{"type":"Feature","id":"%s","geometry":{"type":"Point","coordinates":[62.2,34.35]},
  "properties":{"title":"A test","occurred_start":"2022-04-11","location_precision":"city","country":"%s",
  "event_type":"Protests","target_type":"consulate"}}`

func fc(features ...string) string {
	return "{\"type\": \"FeatureCollection\",\n\"features\": [\n" + strings.Join(features, ",\n") + "\n]}"
}

func feat(id, country string) string {
	return strings.Replace(strings.Replace(goodFeature, "%s", id, 1), "%s", country, 1)
}

func TestReadGeoJSON(t *testing.T) {
	incs, err := ReadGeoJSON(strings.NewReader(fc(feat("a", "AFG"), feat("b", "IRQ"))))
	if err != nil {
		t.Fatal(err)
	}
	if len(incs) != 2 || incs[0].ID != "a" || incs[1].Country != "IRQ" {
		t.Fatalf("got %+v", incs)
	}
	if incs[0].Status != incidentmap.StatusPublished || !incs[0].OccurredEnd.Equal(incs[0].OccurredStart) {
		t.Errorf("defaults not applied: %+v", incs[0])
	}
}

func TestReadGeoJSONReports(t *testing.T) {
	cases := []struct {
		name  string
		input string
		want  []string // substrings of the report
	}{
		{"bad country", fc(feat("a", "AFG"), feat("b", "XYZ"), feat("c", "IRQ")), []string{"line 6: feature 2 (id b): country:"}},
		{"two bad", fc(feat("a", "XYZ"), feat("b", "AFG"), feat("c", "QQQ")), []string{"feature 1 (id a)", "feature 3 (id c)"}},
		{"repeated id", fc(feat("a", "AFG"), feat("a", "IRQ")), []string{"feature 2 (id a): id: repeats feature 1"}},
		{"unknown property", fc(strings.Replace(feat("a", "AFG"), `"title"`, `"titel"`, 1)), []string{"titel: is not a known property"}},
		{"not a collection", `{"type":"Feature"}`, []string{"FeatureCollection"}},
		{"array", `[1,2]`, []string{"line 1:", "FeatureCollection"}},
		{"truncated", fc(feat("a", "AFG"))[:80], []string{"malformed JSON"}},
		{"empty", ``, []string{"FeatureCollection"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			incs, err := ReadGeoJSON(strings.NewReader(c.input))
			if incs != nil {
				t.Errorf("a bad file must yield no incidents, got %d", len(incs))
			}
			if incidentmap.ErrorCode(err) != incidentmap.EINVALID {
				t.Fatalf("got %v, want EINVALID", err)
			}
			for _, w := range c.want {
				if msg := incidentmap.ErrorMessage(err); !strings.Contains(msg, w) {
					t.Errorf("report %q lacks %q", msg, w)
				}
			}
		})
	}
}

func TestReportIsBounded(t *testing.T) {
	var fs []string
	for range 1000 {
		fs = append(fs, feat("x", "XYZ"))
	}
	_, err := ReadGeoJSON(strings.NewReader(fc(fs...)))
	if n := strings.Count(incidentmap.ErrorMessage(err), "\n"); n > MaxProblems {
		t.Errorf("report has %d lines, want at most %d", n+1, MaxProblems+1)
	}
}

// The shipped seed incidents all decode and validate.
func TestSeeds(t *testing.T) {
	incs, err := Seeds()
	if err != nil {
		t.Fatal(err)
	}
	if len(incs) < 8 {
		t.Fatalf("only %d seed incidents", len(incs))
	}
	places := map[string]bool{}
	for _, inc := range incs {
		places[inc.Admin1Code] = true
		if len(inc.Sources) == 0 {
			t.Errorf("%s has no source", inc.ID)
		}
	}
	for _, want := range []string{"AF-KAB", "AF-HER", "IQ-KA", "IQ-NA", "IQ-BG"} {
		if !places[want] {
			t.Errorf("no seed incident in %s", want)
		}
	}
}

func FuzzReadGeoJSON(f *testing.F) {
	f.Add(fc(feat("a", "AFG")))
	f.Add(`{"type":"FeatureCollection","features":[{}]}`)
	f.Add(`{"features":[`)
	f.Fuzz(func(t *testing.T, s string) {
		incs, err := ReadGeoJSON(strings.NewReader(s))
		if err == nil {
			for _, inc := range incs {
				if inc.Validate() != nil {
					t.Fatalf("accepted an invalid incident %+v", inc)
				}
			}
		} else if incs != nil {
			t.Fatal("incidents returned with an error")
		}
	})
}
