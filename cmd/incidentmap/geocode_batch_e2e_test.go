package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

type batchAnswer struct {
	Toponyms []struct {
		Text       string  `json:"text"`
		Start      *int    `json:"start"`
		End        *int    `json:"end"`
		Confidence float64 `json:"confidence"`
		Place      *struct {
			ID         string `json:"id"`
			Kind       string `json:"kind"`
			Code       string `json:"code"`
			Country    string `json:"country"`
			Admin1Name string `json:"admin1_name"`
		} `json:"place"`
		Candidates []json.RawMessage `json:"candidates"`
	} `json:"toponyms"`
}

func postJSON(t *testing.T, u, body string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(u, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return resp, buf.Bytes()
}

func TestGeocodeBatchEndpoint(t *testing.T) {
	m := boot(t, sqliteDSN(t))
	tests := []struct {
		name, body string
		want       []string // place id of each toponym ("" for none)
	}{
		{"names with text", `{"names":["Dublin","Ohio"],"text":"Police in Dublin, Ohio, arrested a man."}`, []string{"", "admin1:US-OH"}},
		{"names alone", `{"names":["Iraq","Iraqi","Cook County","Middle East","Xyzzyville"]}`,
			[]string{"country:IRQ", "country:IRQ", "admin2:US-17031", "region:middle-east", ""}},
		{"text alone", `{"text":"Voters in Georgia queued for hours in Atlanta and Savannah."}`, []string{"admin1:US-GA", "", ""}},
		// The publication's country counts for a text alone too.
		{"text alone with country", `{"text":"Floods hit Georgia on Monday.","country":"USA"}`, []string{"admin1:US-GA"}},
		{"text alone, no country", `{"text":"Floods hit Georgia on Monday."}`, []string{"country:GEO"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := postJSON(t, m.URL()+"/geocode", tt.body)
			if resp.StatusCode != 200 {
				t.Fatalf("%s %s", resp.Status, body)
			}
			var a batchAnswer
			if err := json.Unmarshal(body, &a); err != nil || len(a.Toponyms) != len(tt.want) {
				t.Fatalf("%v: %s", err, body)
			}
			for i, top := range a.Toponyms {
				got := ""
				if top.Place != nil {
					got = top.Place.ID
				}
				if tt.want[i] != "" && got != tt.want[i] || tt.want[i] == "" && top.Text == "Xyzzyville" && got != "" {
					t.Errorf("%s → %s, want %s", top.Text, got, tt.want[i])
				}
				if top.Place != nil && (top.Confidence <= 0 || top.Confidence > 1 || len(top.Candidates) == 0) {
					t.Errorf("%s: confidence %v, %d candidates", top.Text, top.Confidence, len(top.Candidates))
				}
			}
		})
	}
	// Dublin after "Ohio" with a comma resolves to the Ohio town.
	_, body := postJSON(t, m.URL()+"/geocode", `{"names":["Dublin","Ohio"],"text":"Police in Dublin, Ohio, arrested a man."}`)
	var a batchAnswer
	json.Unmarshal(body, &a)
	if p := a.Toponyms[0].Place; p == nil || p.Country != "USA" || p.Admin1Name != "Ohio" || *a.Toponyms[0].Start != 10 || *a.Toponyms[0].End != 16 {
		t.Errorf("Dublin: %s", body)
	}

	many := `{"names":[` + strings.Repeat(`"Kabul",`, 500) + `"Kabul"]}`
	bad := []struct {
		name, body string
		status     int
		param      string
	}{
		{"empty body", `{}`, 400, "names"},
		{"not json", `names=Kabul`, 400, "body"},
		{"unknown member", `{"names":["Kabul"],"colour":1}`, 400, "body"},
		{"empty name", `{"names":[""]}`, 400, "names[0]"},
		{"10 KB name", `{"names":["` + strings.Repeat("x", 10<<10) + `"]}`, 400, "names[0]"},
		{"control character", `{"names":["Kab\u0000ul"]}`, 400, "names[0]"},
		{"mixed script", `{"names":["Kabul","Herهرات"]}`, 400, "names[1]"},
		{"control in text", `{"text":"Kabul\u001b[31m"}`, 400, "text"},
		{"bad country", `{"names":["Kabul"],"country":"af"}`, 400, "country"},
		{"bad near", `{"names":["Kabul"],"near":[200,0]}`, 400, "near"},
		{"bad limit", `{"names":["Kabul"],"limit":1000}`, 400, "limit"},
		{"too many names", many, 413, ""},
		{"too long a text", `{"text":"` + strings.Repeat("Kabul ", 20000) + `"}`, 413, ""},
		{"too large a body", `{"text":"` + strings.Repeat("a", 3<<20) + `"}`, 413, ""},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := postJSON(t, m.URL()+"/geocode", tt.body)
			var e struct {
				Code, Description, Parameter string
			}
			if resp.StatusCode != tt.status || json.Unmarshal(body, &e) != nil || e.Description == "" || e.Parameter != tt.param {
				t.Errorf("%s %s, want %d naming %q", resp.Status, body, tt.status, tt.param)
			}
		})
	}
}

// TestGeocodeEndpointAreas: GET /geocode answers areas with kind, code
// and a box, and refuses control characters and mixed scripts.
func TestGeocodeEndpointAreas(t *testing.T) {
	m := boot(t, sqliteDSN(t))
	resp, body := get(t, m.URL()+"/geocode?q=Ohio&limit=1")
	var fc struct {
		Features []struct {
			ID         string         `json:"id"`
			BBox       []float64      `json:"bbox"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &fc) != nil || len(fc.Features) != 1 {
		t.Fatalf("%s %s", resp.Status, body)
	}
	f := fc.Features[0]
	if f.ID != "admin1:US-OH" || f.Properties["kind"] != "admin1" || f.Properties["precision"] != "province" || len(f.BBox) != 4 {
		t.Errorf("Ohio: %s", body)
	}
	for _, bad := range []string{"Kab\x00ul", "Kabul\x1b[0m", "Herهرات", strings.Repeat("Kabul ", 2000)} {
		resp, body := get(t, m.URL()+"/geocode?q="+url.QueryEscape(bad))
		if resp.StatusCode != 400 || !bytes.Contains(body, []byte(`"parameter":"q"`)) {
			t.Errorf("%.20q: %s %s", bad, resp.Status, body)
		}
	}
}

// TestExtractPlaces: POST /extract returns every place mention with its
// offsets, and the publication's country steers ambiguous names.
func TestExtractPlaces(t *testing.T) {
	m := boot(t, sqliteDSN(t))
	text := "Storms hit Georgia and flooded roads near Atlanta. In Punjab, farmers protested."
	var got struct {
		Places []struct {
			Text  string `json:"text"`
			Start int    `json:"start"`
			Place struct {
				ID string `json:"id"`
			} `json:"place"`
		} `json:"places"`
	}
	resp, body := postJSON(t, m.URL()+"/extract", `{"text":`+string(mustJSONString(text))+`,"published":"2024-01-02","country":"IND"}`)
	if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil {
		t.Fatalf("%s %s", resp.Status, body)
	}
	want := map[string]string{"Georgia": "admin1:US-GA", "Atlanta": "geonames:4180439", "Punjab": "admin1:IN-PB"}
	if len(got.Places) != len(want) {
		t.Fatalf("places %s", body)
	}
	for _, p := range got.Places {
		if want[p.Text] != p.Place.ID || text[p.Start:p.Start+len(p.Text)] != p.Text {
			t.Errorf("%s at %d → %s, want %s", p.Text, p.Start, p.Place.ID, want[p.Text])
		}
	}
	if resp, _ := postJSON(t, m.URL()+"/extract", `{"text":"x","published":"2024-01-02","country":"India"}`); resp.StatusCode != 400 {
		t.Errorf("bad country: %s", resp.Status)
	}
}
