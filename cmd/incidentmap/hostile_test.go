package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/storetest"
)

// bootWith starts the real server on 127.0.0.1:0 like boot, with edit
// applied to its configuration first.
func bootWith(t *testing.T, dsn string, edit func(*Config)) *Main {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Addr, cfg.DB, cfg.BasemapURL = "127.0.0.1:0", dsn, ""
	edit(&cfg)
	m := &Main{Config: cfg, Logger: newLogger("text", io.Discard)}
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Serve() }()
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return m
}

// hostileIncident carries stored-XSS and spreadsheet-formula payloads in
// every free-text field that the map, the HTML pages and CSV show.
func hostileIncident() *incidentmap.Incident {
	inc := storetest.Synthetic(1, 99)[0]
	inc.ID = "hostile-1"
	inc.ExternalIDs = []string{"x:hostile"}
	inc.Title = `<script>alert("title")</script>`
	inc.Summary = `"><img src=x onerror=alert(1)> </textarea><svg onload=alert(2)>`
	inc.PlaceName = `=HYPERLINK("http://127.0.0.1/steal","click")`
	inc.Facility = `+cmd|' /C calc'!A0`
	inc.Perpetrator = `@SUM(1+1)*cmd|' /C calc'!A0`
	inc.Sources = []incidentmap.Source{{Publisher: `<b onmouseover=alert(3)>AFP</b>`, Title: `'; DROP TABLE incidents; --`,
		URL: `https://example.org/?q=%22%3E%3Cscript%3Ealert(4)%3C/script%3E`}}
	return inc
}

type hostileCase struct {
	class, name string
	method      string // GET when empty
	target      string // path and query
	contentType string
	body        string
	status      int
	check       func(t *testing.T, resp *http.Response, body []byte)
}

func q(s string) string { return url.QueryEscape(s) }

// manyOr is a CQL2 filter of n ORed conditions.
func manyOr(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("place_name = 'p%d'", i)
	}
	return strings.Join(parts, " OR ")
}

// polygonWKT is a closed ring of n vertices around (62, 34).
func polygonWKT(n int) string {
	var b strings.Builder
	b.WriteString("S_INTERSECTS(location, POLYGON((")
	for i := range n {
		fmt.Fprintf(&b, "%.4f %.4f, ", 62+float64(i%100)/1000, 34+float64(i/100)/1000)
	}
	b.WriteString("62 34)))")
	return b.String()
}

func matched(want int) func(*testing.T, *http.Response, []byte) {
	return func(t *testing.T, _ *http.Response, body []byte) {
		var c struct{ NumberMatched int }
		if err := json.Unmarshal(body, &c); err != nil || c.NumberMatched != want {
			t.Errorf("numberMatched %d (%v), want %d", c.NumberMatched, err, want)
		}
	}
}

func contains(subs ...string) func(*testing.T, *http.Response, []byte) {
	return func(t *testing.T, _ *http.Response, body []byte) {
		for _, s := range subs {
			if !bytes.Contains(body, []byte(s)) {
				t.Errorf("body lacks %q", s)
			}
		}
	}
}

func lacks(subs ...string) func(*testing.T, *http.Response, []byte) {
	return func(t *testing.T, _ *http.Response, body []byte) {
		for _, s := range subs {
			if bytes.Contains(body, []byte(s)) {
				t.Errorf("body holds %q", s)
			}
		}
	}
}

func all(fs ...func(*testing.T, *http.Response, []byte)) func(*testing.T, *http.Response, []byte) {
	return func(t *testing.T, r *http.Response, b []byte) {
		for _, f := range fs {
			f(t, r, b)
		}
	}
}

const items = "/collections/incidents/items"

var hostileCases = []hostileCase{
	// Expression injection through property names and identifiers.
	{class: "property names", name: "quoted identifier", target: items + "?filter=" + q(`"title"" = 'x' OR 1=1 --" = 'a'`), status: 400},
	{class: "property names", name: "unknown identifier", target: items + "?filter=" + q(`title = 'a' OR "1"="1"`), status: 400},
	{class: "property names", name: "json property", target: items + "?filter-lang=cql2-json&filter=" + q(`{"op":"=","args":[{"property":"title) OR (1=1"},"x"]}`), status: 400},
	{class: "property names", name: "parameter name", target: items + "?" + q("place_name'--") + "=x", status: 400},
	{class: "property names", name: "properties list", target: items + "?properties=" + q("id,(SELECT 1)"), status: 400},
	{class: "property names", name: "groupby", target: "/collections/incidents/aggregate?groupby=" + q("country;DROP TABLE incidents"), status: 400},
	// SQL through CQL2, LIKE and sortby: values stay values.
	{class: "sql", name: "quote in a literal", target: items + "?filter=" + q(`place_name = 'x'' OR 1=1 --'`), status: 200, check: matched(0)},
	{class: "sql", name: "quote in like", target: items + "?filter=" + q(`title LIKE '%'' OR ''1''=''1'`), status: 200, check: matched(0)},
	{class: "sql", name: "quote in a parameter", target: items + "?place_name=" + q(`x' OR '1'='1`), status: 200, check: matched(0)},
	{class: "sql", name: "stored payload matched as text", target: items + "?filter=" + q(`title = '<script>alert("title")</script>'`), status: 200, check: matched(1)},
	{class: "sql", name: "sortby statement", target: items + "?sortby=" + q("title;DROP TABLE incidents"), status: 400},
	{class: "sql", name: "sortby expression", target: items + "?sortby=" + q("occurred_start DESC, (SELECT 1)"), status: 400},
	{class: "sql", name: "long like pattern", target: items + "?filter=" + q("title LIKE '"+strings.Repeat("%a", 600)+"'"), status: 400},
	{class: "sql", name: "600 ORed terms", target: items + "?filter=" + q(manyOr(600)), status: 400},
	{class: "sql", name: "nul in a literal", target: items + "?filter=" + q("place_name = 'a\x00b'"), status: 400},
	{class: "sql", name: "invalid utf-8 in a literal", target: items + "?filter=" + q("place_name = 'a\xffb'"), status: 400},
	{class: "sql", name: "nul in a parameter", target: items + "?place_name=a%00b", status: 400},
	{class: "sql", name: "json nul escape", target: items + "?filter-lang=cql2-json&filter=" + q(`{"op":"=","args":[{"property":"place_name"},"a\u0000"]}`), status: 400},
	// WKT bombs.
	{class: "wkt", name: "deep collection", target: items + "?filter=" + q("S_INTERSECTS(location, "+strings.Repeat("GEOMETRYCOLLECTION(", 200)+"POINT(1 1)"+strings.Repeat(")", 201)), status: 400},
	{class: "wkt", name: "2,000-vertex polygon", target: items + "?filter=" + q(polygonWKT(2000)), status: 400}, // over the 400-vertex cap
	{class: "wkt", name: "400-vertex polygon", target: items + "?filter=" + q(polygonWKT(399)), status: 200},
	{class: "wkt", name: "huge coordinate", target: items + "?filter=" + q("S_INTERSECTS(location, POINT(1e400 0))"), status: 400},
	{class: "wkt", name: "NaN coordinate", target: items + "?filter=" + q("S_INTERSECTS(location, POINT(NaN 0))"), status: 400},
	{class: "wkt", name: "unclosed ring", target: items + "?filter=" + q("S_INTERSECTS(location, POLYGON((0 0, 1 0, 1 1)))"), status: 400},
	{class: "wkt", name: "bbox far outside", target: items + "?bbox=-1e308,-90,1e308,90", status: 400},
	// Stored XSS: the payloads come back inert in every format.
	{class: "xss", name: "html item", target: items + "/hostile-1?f=html", status: 200, check: all(
		contains("&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;"), lacks("<script>alert", "<img src=x", "<svg onload", "<b onmouseover"))},
	{class: "xss", name: "html items", target: items + "?f=html&id=hostile-1", status: 200, check: lacks("<script>alert", "<img src=x")},
	{class: "xss", name: "geojson", target: items + "/hostile-1", status: 200, check: func(t *testing.T, r *http.Response, b []byte) {
		if ct := r.Header.Get("Content-Type"); ct != "application/geo+json" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("Content-Type %q, nosniff %q", ct, r.Header.Get("X-Content-Type-Options"))
		}
		lacks("<script>")(t, r, b) // escaped as \u003c in JSON strings
	}},
	{class: "xss", name: "csv formulas", target: items + "?f=csv&id=hostile-1", status: 200, check: all(
		contains(`'=HYPERLINK(`, `'+cmd|`, `'@SUM(`), lacks(`,=HYPERLINK`, `,+cmd`, `,@SUM`))},
	// Huge bodies and requests.
	{class: "size", name: "3 MB extract body", method: http.MethodPost, target: "/extract", contentType: "application/json",
		body: `{"text":"` + strings.Repeat("a", 3<<20) + `","published":"2021-05-10"}`, status: 413},
	{class: "size", name: "extract form body", method: http.MethodPost, target: "/extract", contentType: "application/x-www-form-urlencoded",
		body: "text=a", status: 415},
	{class: "size", name: "extract trailing data", method: http.MethodPost, target: "/extract", contentType: "application/json",
		body: `{"text":"a","published":"2021-05-10"} {"x":1}`, status: 400},
	{class: "size", name: "300 KB query string", target: items + "?filter=" + strings.Repeat("a", 300<<10), status: 431},
	{class: "size", name: "repeated geocode q", target: "/geocode?q=Herat&q=Kabul", status: 400},
	{class: "size", name: "limit over the maximum", target: items + "?limit=10001", status: 400},
}

// TestHostileInputs runs the battery against both stores through the real
// server and checks that the same input gets the same status from each,
// never a 500, and an error body in the one JSON shape.
func TestHostileInputs(t *testing.T) {
	stores := []struct{ name, dsn string }{{"sqlite", sqliteDSN(t)}}
	if dsn := hostilePostgis(t); dsn != "" {
		stores = append(stores, struct{ name, dsn string }{"postgis", dsn})
	}
	statuses := map[string]map[string]int{}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			m := bootWith(t, st.dsn, func(*Config) {})
			if err := m.Store.ImportIncidents(context.Background(), []*incidentmap.Incident{hostileIncident()}); err != nil {
				t.Fatal(err)
			}
			statuses[st.name] = map[string]int{}
			client := &http.Client{Timeout: 30 * time.Second}
			for _, tc := range hostileCases {
				t.Run(tc.class+"/"+tc.name, func(t *testing.T) {
					method := tc.method
					if method == "" {
						method = http.MethodGet
					}
					req, err := http.NewRequest(method, m.URL()+tc.target, strings.NewReader(tc.body))
					if err != nil {
						t.Fatal(err)
					}
					if tc.contentType != "" {
						req.Header.Set("Content-Type", tc.contentType)
					}
					resp, err := client.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					statuses[st.name][tc.class+"/"+tc.name] = resp.StatusCode
					if resp.StatusCode != tc.status {
						t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, tc.status, body)
					}
					if resp.StatusCode >= 400 && resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
						var e struct{ Code, Description, RequestID string }
						if err := json.Unmarshal(body, &e); err != nil || e.Code == "" || e.Description == "" || e.RequestID == "" {
							t.Errorf("error body is not the JSON error: %.300s", body)
						}
					}
					if tc.check != nil {
						tc.check(t, resp, body)
					}
				})
			}
			for _, bad := range []string{"javascript:alert(1)", `https://example.org\\@127.0.0.1/`, "https://exa mple.org/",
				"https://example.org/\x00", "https://example.org/\u2028", "data:text/html,<script>alert(1)</script>"} {
				t.Run("source url refused on import: "+bad, func(t *testing.T) {
					inc := hostileIncident()
					inc.ID, inc.ExternalIDs = "hostile-2", nil
					inc.Sources[0].URL = bad
					err := m.Store.ImportIncidents(context.Background(), []*incidentmap.Incident{inc})
					if incidentmap.ErrorCode(err) != incidentmap.EINVALID {
						t.Errorf("import: %v", err)
					}
				})
			}
		})
	}
	if len(statuses) == 2 {
		for k, s := range statuses["sqlite"] {
			if p := statuses["postgis"][k]; p != s {
				t.Errorf("%s: SQLite %d, PostGIS %d", k, s, p)
			}
		}
	}
}

// hostilePostgis returns a PostGIS DSN for the battery, or "" after saying
// loudly that only SQLite runs — a failure under CI.
func hostilePostgis(t *testing.T) string {
	if rawPG := strings.TrimSpace(os.Getenv("INCIDENTMAP_TEST_POSTGRES")); rawPG == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI requires the PostGIS half of the hostile-input battery: INCIDENTMAP_TEST_POSTGRES is not set")
		}
		t.Log("HOSTILE-INPUT BATTERY ON SQLITE ONLY: INCIDENTMAP_TEST_POSTGRES is not set (scripts/pgtest.sh start DIR)")
		return ""
	}
	return postgisDSN(t)
}

// slowClient dials the server with a small receive buffer, so that a
// response it does not read fills the socket quickly.
func slowClient(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		if err != nil {
			return err
		}
		return serr
	}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// TestSlowClients runs bounded slow clients on loopback against both
// stores: slowloris bodies and headers are cut off by the read timeout, a
// client that never reads its response is cut off by the write timeout,
// connections beyond the cap wait, and a normal client is served
// throughout.
func TestSlowClients(t *testing.T) {
	stores := []struct{ name, dsn string }{{"sqlite", sqliteDSN(t)}}
	if dsn := hostilePostgis(t); dsn != "" {
		stores = append(stores, struct{ name, dsn string }{"postgis", dsn})
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			m := bootWith(t, st.dsn, func(c *Config) {
				c.ReadTimeout, c.RequestTimeout, c.WriteTimeout, c.MaxConns = time.Second, 30*time.Second, time.Minute, 20
				c.MaxHeavy, c.HeavyWait, c.WriteStall = 2, time.Second, time.Second
			})
			if err := m.Store.ImportIncidents(context.Background(), storetest.Synthetic(10000, 5)); err != nil {
				t.Fatal(err)
			}
			addr := strings.TrimPrefix(m.URL(), "http://")
			http.DefaultClient.CloseIdleConnections()
			t.Run("slowloris body", func(t *testing.T) {
				const clients = 10
				done := make(chan time.Duration, clients)
				for range clients {
					go func() {
						start := time.Now()
						conn := slowClient(t, addr)
						defer conn.Close()
						fmt.Fprintf(conn, "POST /extract HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
						for i := 0; i < 60; i++ { // a byte every 100 ms for at most 6 s
							if _, err := conn.Write([]byte("{")); err != nil {
								break
							}
							time.Sleep(100 * time.Millisecond)
						}
						done <- time.Since(start)
					}()
				}
				// A normal request is served while they drip.
				resp, body := get(t, m.URL()+"/healthz")
				if resp.StatusCode != http.StatusOK {
					t.Errorf("healthz during the attack: %d %s", resp.StatusCode, body)
				}
				for range clients {
					if d := <-done; d > 4*time.Second {
						t.Errorf("a slow body was held for %v; the read timeout is 1 s", d)
					}
				}
			})
			t.Run("slowloris headers", func(t *testing.T) {
				start := time.Now()
				conn := slowClient(t, addr)
				defer conn.Close()
				fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n")
				for i := 0; i < 60; i++ {
					if _, err := fmt.Fprintf(conn, "X-%d: y\r\n", i); err != nil {
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
				if d := time.Since(start); d > 4*time.Second {
					t.Errorf("slow headers held for %v", d)
				}
			})
			t.Run("a client that never reads", func(t *testing.T) {
				conn := slowClient(t, addr)
				defer conn.Close()
				fmt.Fprintf(conn, "GET %s?limit=10000 HTTP/1.1\r\nHost: x\r\n\r\n", items)
				// Bounded wait for the server to give up on it: only the
				// metrics request itself may be in flight.
				for i := 0; ; i++ {
					_, body := get(t, m.URL()+"/metrics")
					if bytes.Contains(body, []byte("\nincidentmap_http_requests_in_flight 1\n")) {
						break
					}
					if i == 100 {
						t.Fatalf("the unread response is still in flight after 10 s:\n%s", grepMetric(body, "in_flight"))
					}
					time.Sleep(100 * time.Millisecond)
				}
			})
			t.Run("a client that stops reading loses its heavy slot", func(t *testing.T) {
				// The write timeout is a minute: the per-write stall deadline
				// alone must free the slots of clients that never read, so
				// that a normal data request is served.
				for range 2 { // every heavy slot
					conn := slowClient(t, addr)
					defer conn.Close()
					fmt.Fprintf(conn, "GET %s?limit=10000 HTTP/1.1\r\nHost: x\r\n\r\n", items)
				}
				time.Sleep(200 * time.Millisecond)
				for i := 0; ; i++ {
					resp, body := get(t, m.URL()+items+"?limit=1")
					if resp.StatusCode == http.StatusOK {
						break
					}
					if i == 20 {
						t.Fatalf("data requests still refused while two clients do not read: %d %s", resp.StatusCode, body)
					}
				}
			})
			t.Run("connections beyond the cap wait", func(t *testing.T) {
				var idle []net.Conn
				for range 20 {
					idle = append(idle, slowClient(t, addr))
				}
				defer func() {
					for _, c := range idle {
						c.Close()
					}
				}()
				start := time.Now()
				fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
				resp, err := fresh.Get(m.URL() + "/healthz") // waits until the idle ones time out
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d", resp.StatusCode)
				}
				if d := time.Since(start); d < 500*time.Millisecond {
					t.Errorf("served after %v while 20 connections (the cap) were open", d)
				}
			})
		})
	}
}

func grepMetric(body []byte, sub string) string {
	var out []string
	for _, l := range strings.Split(string(body), "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
