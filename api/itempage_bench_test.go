package api

import "testing"

// BenchmarkFormatsFromIndex measures whole responses of the formats that
// read an index page's incidents by id (CSV, jsonseq, HTML, a GeoJSON
// properties selection) through the handler, answered from a built index
// of 100,000 incidents: what a page costs the server beside the store's
// reads by id, which here come from memory.
func BenchmarkFormatsFromIndex(b *testing.B) {
	benchIndexResponses(b, newBenchIndexStore(100_000), []benchQuery{
		{"csv/l100", "f=csv&sortby=-fatalities&limit=100"},
		{"csv/l1000", "f=csv&sortby=-fatalities&limit=1000"},
		{"jsonseq/l1000", "f=jsonseq&sortby=-fatalities&limit=1000"},
		{"html/l100", "f=html&sortby=-fatalities&limit=100"},
		{"properties/l1000", "properties=title,fatalities&sortby=-fatalities&limit=1000"},
	})
}
