package api

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
)

// clusterFake returns a store of n published incidents around Kabul,
// Baghdad and Herat, of the six ACLED event types in turn, plus one draft
// that no response may count.
func clusterFake(n int) *fakeStore {
	r := rand.New(rand.NewPCG(uint64(n), 1))
	centres := [][2]float64{{69.17, 34.53}, {44.37, 33.31}, {62.2, 34.35}}
	types := eventKinds[:len(eventKinds)-1]
	var incs []*incidentmap.Incident
	for i := range n {
		c := centres[i%len(centres)]
		inc := newIncident(fmt.Sprintf("i%05d", i), c[0]+r.NormFloat64()*0.3, c[1]+r.NormFloat64()*0.3, "2021-01-01")
		inc.EventType = types[i%len(types)]
		if i%7 == 0 {
			k := i
			inc.Fatalities = &k
		}
		incs = append(incs, inc)
	}
	draft := newIncident("draft", 69.17, 34.53, "2021-01-01")
	draft.Status = incidentmap.StatusDraft
	return newFake(append(incs, draft)...)
}

// decodeTile decodes an MVT response and returns the features of its
// incidents layer.
func decodeTile(t *testing.T, w *httptest.ResponseRecorder) []*geojson.Feature {
	t.Helper()
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != mediaMVT {
		t.Fatalf("%d %q: %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	layers, err := mvt.Unmarshal(w.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) == 0 {
		return nil
	}
	if len(layers) != 1 || layers[0].Name != tileLayer || layers[0].Version != 2 || layers[0].Extent != tileExtent {
		t.Fatalf("layers %+v", layers)
	}
	return layers[0].Features
}

// countOf returns the count property of a feature.
func countOf(f *geojson.Feature) int {
	switch v := f.Properties["count"].(type) {
	case float64:
		return int(v)
	case int:
		return v
	case int64:
		return int(v)
	case uint64:
		return int(v)
	}
	return -1
}

func TestTileContents(t *testing.T) {
	store := clusterFake(3000)
	// Alone in its cell at every zoom: shown as itself, and counted.
	lonely := newIncident("lonely", -70.6, -33.4, "2021-01-01")
	lonely.EventType, lonely.Country = "Riots", "CHL"
	store.incidents = append(store.incidents, lonely)
	ts := newTestServer(t, store)
	t.Run("world in clusters with true counts", func(t *testing.T) {
		fs := decodeTile(t, ts.get(t, tilesetPath+"/0/0/0"))
		total := 0
		for _, f := range fs {
			n := countOf(f)
			total += n
			if f.Properties["cluster"] != true {
				continue
			}
			types := 0
			for k, v := range f.Properties {
				if strings.HasPrefix(k, "event_type:") {
					types += int(v.(float64))
				}
			}
			if types != n || f.Properties["bbox"] == nil || f.Properties["id"] == nil {
				t.Errorf("cluster %v: event types add up to %d of %d", f.Properties, types, n)
			}
		}
		if total != 3001 {
			t.Errorf("the world tile counts %d incidents, want 3001 (the draft left out)", total)
		}
	})
	t.Run("few incidents one by one", func(t *testing.T) {
		// z12 around Kabul's centre holds far fewer than pointsMax.
		fs := decodeTile(t, ts.get(t, "/tiles/incidents/12/2835/1623.mvt"))
		if len(fs) == 0 {
			t.Fatal("no incidents")
		}
		for _, f := range fs {
			p := f.Properties
			if p["cluster"] != false || p["title"] == nil || p["occurred_start"] != "2021-01-01" || p["country"] != "AFG" ||
				!slices.Contains(eventKinds, p["event_type"].(string)) {
				t.Errorf("incident %v", p)
			}
		}
	})
	t.Run("OGC and XYZ orders agree", func(t *testing.T) {
		a := ts.get(t, tilesetPath+"/5/12/19")
		b := ts.get(t, "/tiles/incidents/5/19/12.mvt")
		if a.Code != 200 || a.Body.String() != b.Body.String() || len(decodeTile(t, a)) == 0 {
			t.Errorf("%d %d: row/column and x/y tiles differ", a.Code, b.Code)
		}
	})
	t.Run("filter", func(t *testing.T) {
		fs := decodeTile(t, ts.get(t, tilesetPath+"/0/0/0?event_type=Battles"))
		total := 0
		for _, f := range fs {
			total += countOf(f)
			for k := range f.Properties {
				if strings.HasPrefix(k, "event_type:") && k != "event_type:Battles" {
					t.Errorf("a Battles tile counts %s", k)
				}
			}
		}
		if total != 500 {
			t.Errorf("Battles: %d, want 500", total)
		}
	})
	t.Run("ETag and 304", func(t *testing.T) {
		w := ts.get(t, tilesetPath+"/3/3/5")
		etag := w.Header().Get("ETag")
		if etag == "" || w.Header().Get("Cache-Control") != DefaultCacheControl {
			t.Fatalf("headers %v", w.Header())
		}
		if w2 := ts.get(t, tilesetPath+"/3/3/5", "If-None-Match", etag); w2.Code != http.StatusNotModified {
			t.Errorf("revalidation: %d", w2.Code)
		}
	})
}

func TestTileBadInput(t *testing.T) {
	ts := newTestServer(t, clusterFake(10))
	tests := []struct {
		target string
		status int
		param  string
	}{
		{tilesetPath + "/23/0/0", 400, "tileMatrix"},
		{tilesetPath + "/99999999999/0/0", 400, "tileMatrix"},
		{tilesetPath + "/a/0/0", 400, "tileMatrix"},
		{tilesetPath + "/3/x/0", 400, "tileRow"},
		{tilesetPath + "/3/0/1.5", 400, "tileCol"},
		{tilesetPath + "/3/8/0", 404, ""},
		{tilesetPath + "/3/0/8", 404, ""},
		{tilesetPath + "/3/-1/0", 404, ""},
		{tilesetPath + "/-1/0/0", 404, ""},
		{"/tiles/incidents/3/8/0.mvt", 404, ""},
		{"/tiles/incidents/3/0/0.png", 404, ""},
		{"/tiles/incidents/23/0/0.mvt", 400, "tileMatrix"},
		{tilesetPath + "/3/0/0?limit=5", 400, "limit"},
		{tilesetPath + "/3/0/0?f=json", 400, "f"},
		{tilesetPath + "/3/0/0?colour=red", 400, "colour"},
		{tilesetPath + "/3/0/0?status=draft", 400, "status"},
		{tilesetPath + "/3/0/0?event_type=Parties", 400, "event_type"},
		{tilesetPath + "/3/0/0?filter=colour%3D1", 400, "filter"},
		{clustersPath, 400, "zoom"},
		{clustersPath + "?zoom=23", 400, "zoom"},
		{clustersPath + "?zoom=-1", 400, "zoom"},
		{clustersPath + "?zoom=3&bbox=1,2,3", 400, "bbox"},
		{clustersPath + "?zoom=10&bbox=-180,-80,180,80", 400, "bbox"},
		{clustersPath + "?zoom=3&zoom=4", 400, "zoom"},
		{binsPath + "?zoom=30", 400, "zoom"},
		{clustersPath + "/zz", 404, ""},
		{clustersPath + "/1000000000000000", 404, ""},        // level 1, a square with no incidents
		{clustersPath + "/ffffffffffffffff", 404, ""},        // no such level
		{clustersPath + "/10000000000000000", 404, ""},       // too long
		{clustersPath + "/0?limit=0", 400, "limit"},          // the world has incidents; limit is bad
		{clustersPath + "/0?offset=-2", 400, "offset"},       //
		{clustersPath + "/0?event_type=Riots&x=1", 400, "x"}, //
		{tilesPath + "?f=html", 400, "f"},
		{tmsPath + "?zoom=1", 400, "zoom"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			w := ts.get(t, tt.target)
			code := map[int]string{400: "invalid", 404: "not_found"}[tt.status]
			wantError(t, w, tt.status, code, tt.param)
		})
	}
}

// getJSON gets target and decodes its JSON body into v.
func getJSON(t *testing.T, ts *testServer, target string, v any) {
	t.Helper()
	w := ts.get(t, target)
	if w.Code != http.StatusOK {
		t.Fatalf("%s: %d %s", target, w.Code, w.Body)
	}
	mustDecode(t, w.Body.Bytes(), v)
}

// wireFeature is a cluster or an incident of the clusters endpoints.
type wireFeature struct {
	ID         string `json:"id"`
	Geometry   geojson.Geometry
	Properties struct {
		Cluster       bool           `json:"cluster"`
		Count         int            `json:"count"`
		EventTypes    map[string]int `json:"event_types"`
		BBox          []float64      `json:"bbox"`
		ExpansionZoom int            `json:"expansion_zoom"`
		Title         string         `json:"title"`
	} `json:"properties"`
}

// wireFC is a FeatureCollection of the clusters endpoints, decoded.
type wireFC struct {
	NumberMatched  int           `json:"numberMatched"`
	NumberReturned int           `json:"numberReturned"`
	Clustered      bool          `json:"clustered"`
	Features       []wireFeature `json:"features"`
	Cluster        *struct {
		Properties struct {
			Count int `json:"count"`
		} `json:"properties"`
	} `json:"cluster"`
	Links []link `json:"links"`
}

func TestClusters(t *testing.T) {
	ts := newTestServer(t, clusterFake(3000))
	var world wireFC
	getJSON(t, ts, clustersPath+"?zoom=2", &world)
	if world.NumberMatched != 3000 || !world.Clustered || world.NumberReturned != len(world.Features) {
		t.Fatalf("world: matched %d, clustered %v", world.NumberMatched, world.Clustered)
	}
	total := 0
	for _, f := range world.Features {
		total += f.Properties.Count
		sum := 0
		for _, n := range f.Properties.EventTypes {
			sum += n
		}
		if f.Properties.Cluster && (sum != f.Properties.Count || len(f.Properties.BBox) != 4) {
			t.Errorf("cluster %s: event types %v for %d", f.ID, f.Properties.EventTypes, f.Properties.Count)
		}
	}
	if total != 3000 {
		t.Errorf("the clusters hold %d, want 3000", total)
	}

	t.Run("expansion", func(t *testing.T) {
		c := world.Features[0] // the biggest cluster
		for _, f := range world.Features {
			if f.Properties.Count > c.Properties.Count {
				c = f
			}
		}
		var members wireFC
		getJSON(t, ts, clustersPath+"/"+c.ID+"?limit=7", &members)
		if members.NumberMatched != c.Properties.Count || members.NumberReturned != 7 || members.Cluster.Properties.Count != c.Properties.Count {
			t.Fatalf("members of %s: %d of %d", c.ID, members.NumberReturned, members.NumberMatched)
		}
		next := ""
		for _, l := range members.Links {
			if l.Rel == "next" {
				next = strings.TrimPrefix(l.Href, "http://example.com")
			}
		}
		if !strings.Contains(next, "offset=7") {
			t.Fatalf("next link %q", next)
		}
		var page2 wireFC
		getJSON(t, ts, next, &page2)
		if page2.NumberReturned != 7 || page2.Features[0].ID == members.Features[0].ID {
			t.Errorf("second page %+v", page2.Features)
		}
		// At the expansion zoom, the cluster's incidents are in several
		// features.
		b := c.Properties.BBox
		var split wireFC
		getJSON(t, ts, fmt.Sprintf("%s?zoom=%d&bbox=%g,%g,%g,%g", clustersPath, c.Properties.ExpansionZoom, b[0], b[1], b[2], b[3]), &split)
		if len(split.Features) < 2 {
			t.Errorf("at expansion zoom %d the cluster is %d features", c.Properties.ExpansionZoom, len(split.Features))
		}
		var before wireFC
		getJSON(t, ts, fmt.Sprintf("%s?zoom=%d&bbox=%g,%g,%g,%g", clustersPath, c.Properties.ExpansionZoom-1, b[0], b[1], b[2], b[3]), &before)
		if before.NumberMatched < c.Properties.Count || slices.IndexFunc(before.Features, func(f wireFeature) bool {
			return f.Properties.Count == c.Properties.Count
		}) < 0 && c.Properties.ExpansionZoom > 2 {
			t.Errorf("one zoom before expansion the cluster of %d is not whole", c.Properties.Count)
		}
		// Under another filter the same cell has other incidents.
		for _, typ := range eventKinds[:len(eventKinds)-1] {
			target := clustersPath + "/" + c.ID + "?event_type=" + url.QueryEscape(typ)
			if c.Properties.EventTypes[typ] == 0 {
				wantError(t, ts.get(t, target), http.StatusNotFound, "not_found", "")
				continue
			}
			var of wireFC
			getJSON(t, ts, target, &of)
			if of.NumberMatched != c.Properties.EventTypes[typ] {
				t.Errorf("%s of %s: %d, want %d", typ, c.ID, of.NumberMatched, c.Properties.EventTypes[typ])
			}
		}
	})
	t.Run("points when few", func(t *testing.T) {
		var near wireFC
		getJSON(t, ts, clustersPath+"?zoom=12&bbox=69.16,34.52,69.18,34.54", &near)
		if near.Clustered || near.NumberMatched == 0 || near.NumberMatched != len(near.Features) {
			t.Errorf("near Kabul: %d incidents in %d features, clustered %v", near.NumberMatched, len(near.Features), near.Clustered)
		}
		for _, f := range near.Features {
			if f.Properties.Cluster || f.Properties.Title == "" || !strings.HasPrefix(f.ID, "i") {
				t.Errorf("feature %+v", f)
			}
		}
	})
	t.Run("bins", func(t *testing.T) {
		var bins wireFC
		getJSON(t, ts, binsPath+"?zoom=4&bbox=40,30,75,40", &bins)
		sum := 0
		for _, f := range bins.Features {
			sum += f.Properties.Count
			if f.Geometry.Coordinates == nil || f.Geometry.Type != "Polygon" {
				t.Errorf("bin %s: %v", f.ID, f.Geometry.Type)
			}
		}
		if sum != 3000 || bins.NumberMatched != 3000 {
			t.Errorf("bins count %d (%d), want 3000", sum, bins.NumberMatched)
		}
	})
	t.Run("antimeridian", func(t *testing.T) {
		var east wireFC
		getJSON(t, ts, clustersPath+"?zoom=3&bbox=170,-20,-170,-10", &east)
		if east.NumberMatched != 0 {
			t.Errorf("the Pacific holds %d", east.NumberMatched)
		}
	})
}

func TestTileIndexFollowsDataVersion(t *testing.T) {
	store := clusterFake(300)
	ts := newTestServer(t, store)
	var first wireFC
	getJSON(t, ts, clustersPath+"?zoom=0", &first)
	if first.NumberMatched != 300 {
		t.Fatalf("%d", first.NumberMatched)
	}
	getJSON(t, ts, clustersPath+"?zoom=1", &first)
	if store.scans != 1 {
		t.Errorf("%d scans for one data version, want 1", store.scans)
	}
	store.mu.Lock()
	store.incidents = append(store.incidents, newIncident("new", 10, 10, "2022-01-01"))
	store.lastModified = fixedNow.Add(time.Hour)
	store.mu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for {
		w := ts.get(t, clustersPath+"?zoom=0")
		var fc wireFC
		mustDecode(t, w.Body.Bytes(), &fc)
		if fc.NumberMatched == 301 {
			if w.Header().Get("ETag") == "" {
				t.Error("the current set has no ETag")
			}
			break
		}
		// The old set serves while the new one builds, uncached.
		if fc.NumberMatched != 300 || w.Header().Get("ETag") != "" || w.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("while rebuilding: %d, headers %v", fc.NumberMatched, w.Header())
		}
		if time.Now().After(deadline) {
			t.Fatal("the new data never showed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestFilteredIndexes(t *testing.T) {
	store := clusterFake(300)
	ts := newTestServer(t, store, func(c *Config) { c.RequestTimeout = 200 * time.Millisecond })
	for range 3 {
		var fc wireFC
		getJSON(t, ts, clustersPath+"?zoom=0&country=AFG&event_type=Battles", &fc)
		if fc.NumberMatched != 50 {
			t.Fatalf("Battles: %d", fc.NumberMatched)
		}
	}
	if store.scans != 1 {
		t.Errorf("%d scans of one filter, want 1", store.scans)
	}
	t.Run("a cancelled request ends its build", func(t *testing.T) {
		store.mu.Lock()
		store.blockScan = true
		store.mu.Unlock()
		defer func() { store.mu.Lock(); store.blockScan = false; store.mu.Unlock() }()
		e, s, err := newEngine(store, Config{RequestTimeout: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ts := &testServer{h: e, store: store}
		w := ts.get(t, clustersPath+"?zoom=0&event_type=Riots")
		if w.Code != http.StatusServiceUnavailable {
			t.Errorf("a timed-out build: %d %s", w.Code, w.Body)
		}
		s.tiles.mu.Lock()
		n := s.tiles.filtered.Len()
		s.tiles.mu.Unlock()
		if n != 0 {
			t.Errorf("%d filtered indexes kept after their requests left", n)
		}
		// The build's query was cancelled, not left running.
		deadline := time.Now().Add(5 * time.Second)
		for {
			store.mu.Lock()
			running := store.scanning
			store.mu.Unlock()
			if running == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d scans still running after their requests left", running)
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
	t.Run("a filter that selects too many", func(t *testing.T) {
		e, s, err := newEngine(store, Config{})
		if err != nil {
			t.Fatal(err)
		}
		s.tiles.maxFiltered = 49
		ts := &testServer{h: e, store: store}
		w := ts.get(t, clustersPath+"?zoom=0&country=AFG&event_type=Battles") // 50
		wantError(t, w, http.StatusBadRequest, "invalid", "filter")
		var fc wireFC
		getJSON(t, ts, clustersPath+"?zoom=0&country=AFG&event_type=Riots&fatalities=0,7,14", &fc) // fewer
	})
	t.Run("a request that goes away", func(t *testing.T) {
		store.mu.Lock()
		store.blockScan = true
		store.mu.Unlock()
		defer func() { store.mu.Lock(); store.blockScan = false; store.mu.Unlock() }()
		ctx, cancel := context.WithCancel(context.Background())
		r := httptest.NewRequest(http.MethodGet, clustersPath+"?zoom=0&event_type=Protests", nil).WithContext(ctx)
		w := httptest.NewRecorder()
		done := make(chan struct{})
		go func() { ts.h.ServeHTTP(w, r); close(done) }()
		time.Sleep(20 * time.Millisecond)
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("the handler did not return when its client left")
		}
	})
}

func TestTileCacheResistsScans(t *testing.T) {
	c := newTileCache(10_000, 100)
	hot := []byte("hot tile")
	c.Add("hot", hot)
	if _, ok := c.Get("hot"); ok {
		t.Fatal("a tile asked for once was cached")
	}
	c.Add("hot", hot)
	// One client asks for thousands of tiles once each.
	for i := range 5000 {
		c.Add(fmt.Sprint("odd", i), make([]byte, 500))
	}
	if _, ok := c.Get("hot"); !ok {
		t.Error("one-off tiles evicted the hot tile")
	}
	// Tiles asked for twice do enter, bounded by bytes.
	for i := range 100 {
		k := fmt.Sprint("twice", i)
		c.Add(k, make([]byte, 500))
		c.Add(k, make([]byte, 500))
	}
	if c.hot.total > 10_000 {
		t.Errorf("the cache holds %d bytes, over its 10,000", c.hot.total)
	}
}

func TestLRU(t *testing.T) {
	c := newLRU[string](3, 10, func(n int) int { return n })
	c.Add("a", 2)
	c.Add("b", 2)
	c.Add("c", 2)
	c.Get("a")
	c.Add("d", 2) // four entries: the least recently used, b, goes
	if _, ok := c.Peek("b"); ok || c.Len() != 3 {
		t.Errorf("b kept; %d entries", c.Len())
	}
	c.Add("e", 7) // cost 13 > 10: c and a go (d stays until needed)
	if _, ok := c.Peek("a"); ok || c.total > 10 {
		t.Errorf("total %d", c.total)
	}
	c.Add("huge", 11)
	if _, ok := c.Peek("huge"); ok {
		t.Error("a value over the whole budget was stored")
	}
}

func TestTileMetadata(t *testing.T) {
	ts := newTestServer(t, clusterFake(10))
	var list struct {
		Tilesets []tilesetSummary `json:"tilesets"`
	}
	getJSON(t, ts, tilesPath, &list)
	if len(list.Tilesets) != 1 || list.Tilesets[0].TileMatrixSetURI != tmsURI || list.Tilesets[0].DataType != "vector" {
		t.Fatalf("%+v", list)
	}
	hrefs := map[string]string{}
	for _, l := range list.Tilesets[0].Links {
		hrefs[l.Rel] = l.Href
	}
	if hrefs[relItemTemplate] != "http://example.com"+tilesetPath+"/{tileMatrix}/{tileRow}/{tileCol}" || hrefs[relTilingScheme] == "" {
		t.Errorf("links %v", hrefs)
	}
	var coll collectionBody
	getJSON(t, ts, collectionURL+"?f=json", &coll)
	if !slices.ContainsFunc(coll.Links, func(l link) bool { return l.Rel == relTilesVector && strings.HasSuffix(l.Href, tilesPath) }) {
		t.Errorf("the collection does not link its tile sets: %v", coll.Links)
	}
	var ts2 map[string]any
	getJSON(t, ts, tilesetPath, &ts2)
	if ts2["crs"] != crsWebMercator || len(ts2["tileMatrixSetLimits"].([]any)) != MaxTileZoom+1 {
		t.Errorf("tileset %v", ts2)
	}
	var tj struct {
		TileJSON string   `json:"tilejson"`
		Tiles    []string `json:"tiles"`
		MaxZoom  int      `json:"maxzoom"`
	}
	getJSON(t, ts, tileJSONPath+"?event_type=Riots", &tj)
	if tj.TileJSON != "3.0.0" || tj.MaxZoom != MaxTileZoom || len(tj.Tiles) != 1 ||
		tj.Tiles[0] != "http://example.com"+tilesetPath+"/{z}/{y}/{x}?event_type=Riots" {
		t.Errorf("tilejson %+v", tj)
	}
	var tms struct {
		ID           string `json:"id"`
		TileMatrices []struct {
			ID               string  `json:"id"`
			CellSize         float64 `json:"cellSize"`
			ScaleDenominator float64 `json:"scaleDenominator"`
			MatrixWidth      int     `json:"matrixWidth"`
		} `json:"tileMatrices"`
	}
	getJSON(t, ts, tmsPath, &tms)
	m0, m5 := tms.TileMatrices[0], tms.TileMatrices[5]
	// OGC 17-083r4 Annex D: zoom 0 of WebMercatorQuad.
	if tms.ID != tmsID || len(tms.TileMatrices) != MaxTileZoom+1 || m5.MatrixWidth != 32 ||
		m0.CellSize < 156543.0339 || m0.CellSize > 156543.0340 || m0.ScaleDenominator < 559082264.02 || m0.ScaleDenominator > 559082264.03 {
		t.Errorf("tms %+v", tms.TileMatrices[:1])
	}
	var sets map[string][]map[string]any
	getJSON(t, ts, tmsListPath, &sets)
	if len(sets["tileMatrixSets"]) != 1 {
		t.Errorf("%v", sets)
	}
}
