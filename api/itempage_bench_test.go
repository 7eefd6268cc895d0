package api

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
)

// BenchmarkFormatsFromIndex measures whole responses of the formats that
// read an index page's incidents by id (CSV, jsonseq, HTML, a GeoJSON
// properties selection) through the handler, answered from a built index
// of 100,000 incidents: what a page costs the server beside the store's
// reads by id, which here come from memory.
func BenchmarkFormatsFromIndex(b *testing.B) {
	s := newBenchIndexStore(100_000)
	h, srv, err := newEngine(s, Config{ItemIndex: true})
	if err != nil {
		b.Fatal(err)
	}
	for srv.itemIx.get(incidentmap.DataVersion{Incidents: len(s.rows)}.ETag()) == nil {
		time.Sleep(10 * time.Millisecond)
	}
	for _, c := range []struct{ name, query string }{
		{"csv/l100", "f=csv&sortby=-fatalities&limit=100"},
		{"csv/l1000", "f=csv&sortby=-fatalities&limit=1000"},
		{"jsonseq/l1000", "f=jsonseq&sortby=-fatalities&limit=1000"},
		{"html/l100", "f=html&sortby=-fatalities&limit=100"},
		{"properties/l1000", "properties=title,fatalities&sortby=-fatalities&limit=1000"},
	} {
		b.Run(c.name, func(b *testing.B) {
			target := itemsPath + "?" + c.query
			served := srv.itemIx.served.Load()
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
			if w.Code != 200 || srv.itemIx.served.Load() == served {
				b.Fatalf("%s: %d, or not from the index", target, w.Code)
			}
			b.SetBytes(int64(w.Body.Len()))
			req := httptest.NewRequest(http.MethodGet, target, nil)
			for b.Loop() {
				h.ServeHTTP(&discardWriter{header: http.Header{}}, req)
			}
		})
	}
}
