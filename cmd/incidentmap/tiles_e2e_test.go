package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
)

// clustersResponse is the JSON of /collections/incidents/clusters.
type clustersResponse struct {
	NumberMatched int  `json:"numberMatched"`
	Clustered     bool `json:"clustered"`
	Features      []struct {
		ID         string `json:"id"`
		Properties struct {
			Cluster bool `json:"cluster"`
			Count   int  `json:"count"`
		} `json:"properties"`
	} `json:"features"`
}

// TestTilesEndToEnd serves the seeds from both stores and reads them
// back as vector tiles, clusters and a cluster's members: every published
// seed is counted once, and both stores answer alike.
func TestTilesEndToEnd(t *testing.T) {
	stores := []struct{ name, dsn string }{{"sqlite", sqliteDSN(t)}, {"postgis", postgisDSN(t)}}
	stamp := regexp.MustCompile(`"timeStamp":"[^"]*"`)
	bodies := map[string]string{}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			m := boot(t, st.dsn)
			base := m.URL()
			resp, body := get(t, base+"/collections/incidents?f=json")
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"rel":"http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"`) {
				t.Fatalf("the collection does not link its tiles: %s", body)
			}
			resp, body = get(t, base+"/collections/incidents/tiles/WebMercatorQuad/0/0/0")
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
				t.Fatalf("tile: %s %s", resp.Status, body)
			}
			layers, err := mvt.Unmarshal(body)
			if err != nil || len(layers) != 1 {
				t.Fatalf("tile: %v, %d layers", err, len(layers))
			}
			if n := len(layers[0].Features); n != 14 {
				t.Errorf("the world tile has %d features, want the 14 seeds one by one", n)
			}
			resp, body = get(t, base+"/collections/incidents/clusters?zoom=0")
			var cs clustersResponse
			if err := json.Unmarshal(body, &cs); err != nil || resp.StatusCode != 200 {
				t.Fatalf("clusters: %s %v %s", resp.Status, err, body)
			}
			if cs.NumberMatched != 14 || cs.Clustered {
				t.Errorf("clusters: %d matched, clustered %v; want 14 seeds one by one", cs.NumberMatched, cs.Clustered)
			}
			bodies[st.name] = stamp.ReplaceAllString(string(body), "")
			resp, body = get(t, base+"/collections/incidents/bins?zoom=0&country=IRQ")
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"numberMatched":7`) {
				t.Errorf("bins of Iraq: %s %s", resp.Status, body)
			}
			// Cluster 0 is the whole world (level 0).
			resp, body = get(t, base+"/collections/incidents/clusters/0?limit=3&target_country=IRN")
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"numberReturned":3`) {
				t.Errorf("members: %s %s", resp.Status, body)
			}
		})
	}
	if len(bodies) == 2 && bodies["sqlite"] != bodies["postgis"] {
		t.Errorf("the stores' clusters differ:\nsqlite  %s\npostgis %s", bodies["sqlite"], bodies["postgis"])
	}
}

// TestOGRInfoVectorTile reads a tile with GDAL's MVT driver over HTTP.
func TestOGRInfoVectorTile(t *testing.T) {
	needGDAL(t)
	m := boot(t, sqliteDSN(t))
	out := gdal(t, "ogrinfo", "-ro", "-al", "-so", "/vsicurl/"+m.URL()+"/tiles/incidents/0/0/0.mvt")
	if !strings.Contains(out, "using driver `MVT'") || !strings.Contains(out, "Layer name: incidents") || featureCount(t, out) != 14 {
		t.Errorf("ogrinfo:\n%s", out)
	}
}
