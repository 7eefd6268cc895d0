package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap/geo"
)

// FuzzGeocodeRequests sends arbitrary names, texts, countries and limits
// to GET /geocode, POST /geocode and POST /extract, answered from the
// real embedded gazetteer and boundaries: whatever the input, the answer
// is a 2xx, or a 4xx with the one JSON error body — never a 5xx. The seeds
// are the bad input: empty, 10 KB, control-character and
// mixed-script names, invalid UTF-8, a text over the cap.
func FuzzGeocodeRequests(f *testing.F) {
	seeds := []struct {
		name, text, country string
		limit               int
	}{
		{"Herat", "Protesters stormed the Iranian consulate in Herat on Monday.", "AFG", 3},
		{"", "", "", 0},
		{strings.Repeat("x", 10<<10), strings.Repeat("Kabul ", 20000), "USA", 100},
		{"Kab\x00ul", "Kabul\x1b[31m", "afg", -1},
		{"Herهرات", "في هرات Herat", "IRQ", 1000},
		{"Her\xffat", "\xff\xfe", "\x00", 1},
		{"Kabul\u0085", "Dublin, Ohio,, , Ohio", "XKX", 10},
		{"   ", "Georgia", "GEO", 2},
	}
	for _, s := range seeds {
		f.Add(s.name, s.text, s.country, s.limit)
	}
	// Load the data before fuzzing: a first call that takes seconds would
	// look like a hung input to the fuzzer.
	data := &geo.Data{}
	if _, err := data.Gazetteer(); err != nil {
		f.Fatal(err)
	}
	if _, err := data.Regions(); err != nil {
		f.Fatal(err)
	}
	ts := newTestServer(f, &fakeStore{}, func(c *Config) { c.Geo = data })
	serve := func(t *testing.T, method, target string, body []byte) {
		t.Helper()
		r := httptest.NewRequest(method, target, bytes.NewReader(body))
		if body != nil {
			r.Header.Set("Content-Type", "application/json")
		}
		w := httptest.NewRecorder()
		ts.h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %.200s: %d %.300s", method, target, w.Code, w.Body)
		}
		if w.Code >= 400 {
			var e errorBody
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Code == "" || e.Description == "" {
				t.Fatalf("%s %.200s: %d with a body that is not the JSON error: %.300s", method, target, w.Code, w.Body)
			}
		}
	}
	f.Fuzz(func(t *testing.T, name, text, country string, limit int) {
		q := url.Values{"q": {name}, "limit": {strconv.Itoa(limit)}}
		if country != "" {
			q.Set("country", country)
		}
		serve(t, http.MethodGet, geocodePath+"?"+q.Encode(), nil)
		batch, _ := json.Marshal(map[string]any{"names": []string{name, text}, "text": text, "country": country, "limit": limit})
		serve(t, http.MethodPost, geocodePath, batch)
		alone, _ := json.Marshal(map[string]any{"text": text, "country": country})
		serve(t, http.MethodPost, geocodePath, alone)
		article, _ := json.Marshal(map[string]any{"text": text, "published": "2021-05-10", "country": country})
		serve(t, http.MethodPost, extractPath, article)
	})
}
