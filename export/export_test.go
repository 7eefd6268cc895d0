package export

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/sqlite"
	"github.com/incidentmap/incidentmap/store/storetest"
)

func loaded(t *testing.T, n int) incidentmap.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), sqlite.Memory)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	incs := make([]*incidentmap.Incident, n)
	for i := range incs {
		incs[i] = storetest.Clustered(i, 1)
	}
	if err := s.ImportIncidents(context.Background(), incs); err != nil {
		t.Fatal(err)
	}
	return s
}

// Exports page through the store: more incidents than one page holds all
// come out, once each.
func TestWritePages(t *testing.T) {
	n := incidentmap.MaxLimit + 7
	s := loaded(t, n)
	for _, f := range []Format{FormatGeoJSON, FormatJSONSeq, FormatCSV} {
		var buf bytes.Buffer
		got, err := Write(context.Background(), s, incidentmap.Filter{}, f, &buf)
		if err != nil || got != n {
			t.Fatalf("%s: wrote %d (%v), want %d", f, got, err, n)
		}
		if c := strings.Count(buf.String(), `"gen-10007"`) + strings.Count(buf.String(), "\ngen-10007,"); c != 1 {
			t.Errorf("%s: the last incident appears %d times", f, c)
		}
	}
	if _, err := Write(context.Background(), s, incidentmap.Filter{}, "xml", &bytes.Buffer{}); incidentmap.ErrorParam(err) != "format" {
		t.Errorf("unknown format: %v", err)
	}
}

// The geometry blob is a GeoPackage header (GP, version 0, little-endian
// flags, SRS 4326) and a little-endian WKB point; the tables and extent
// are those the standard requires.
func TestGeoPackage(t *testing.T) {
	s := loaded(t, 50)
	path := filepath.Join(t.TempDir(), "x.gpkg")
	if n, err := WriteGeoPackage(context.Background(), s, incidentmap.Filter{}, path); err != nil || n != 50 {
		t.Fatalf("%d, %v", n, err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var appID, version int
	db.QueryRow(`PRAGMA application_id`).Scan(&appID)
	db.QueryRow(`PRAGMA user_version`).Scan(&version)
	if appID != 0x47504B47 || version != 10300 {
		t.Errorf("application_id %x, user_version %d", appID, version)
	}
	var geom []byte
	var lon, lat float64
	if err := db.QueryRow(`SELECT geom, lon, lat FROM incidents WHERE id = 'gen-1'`).Scan(&geom, &lon, &lat); err != nil {
		t.Fatal(err)
	}
	if len(geom) != 8+21 || string(geom[:2]) != "GP" || geom[2] != 0 || geom[3] != 1 || binary.LittleEndian.Uint32(geom[4:]) != 4326 {
		t.Fatalf("header % x", geom[:8])
	}
	wkbLon := math.Float64frombits(binary.LittleEndian.Uint64(geom[8+5:]))
	wkbLat := math.Float64frombits(binary.LittleEndian.Uint64(geom[8+13:]))
	if geom[8] != 1 || binary.LittleEndian.Uint32(geom[9:]) != 1 || wkbLon != lon || wkbLat != lat {
		t.Errorf("WKB % x: %v %v, want %v %v", geom[8:], wkbLon, wkbLat, lon, lat)
	}
	var minX, maxY float64
	var srs int
	if err := db.QueryRow(`SELECT min_x, max_y, srs_id FROM gpkg_contents WHERE table_name = 'incidents'`).Scan(&minX, &maxY, &srs); err != nil || srs != 4326 || minX >= maxY {
		t.Errorf("contents: %v %v %v %v", minX, maxY, srs, err)
	}
}
