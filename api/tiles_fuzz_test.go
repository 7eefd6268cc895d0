package api

import (
	"net/url"
	"testing"

	"github.com/incidentmap/incidentmap"
)

// FuzzTilePath feeds arbitrary path segments to the parsers of tile
// coordinates, cluster ids and map views: none may panic, and whatever
// they accept must be inside the tile matrix, a cluster id that formats
// back to itself, or a zoom in range.
func FuzzTilePath(f *testing.F) {
	for _, seed := range [][4]string{
		{"5", "19", "12", "1a2b"}, {"0", "0", "0", "0"}, {"22", "-1", "4194304", "ffffffffffffffff"},
		{"-3", "1", "1", "G"}, {"99999999999", "1", "1", "00"}, {"+5", " 1", "0x1", "1A"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	f.Fuzz(func(t *testing.T, zs, xs, ys, id string) {
		z, errZ := parseTileCoord("tileMatrix", zs)
		x, errX := parseTileCoord("tileCol", xs)
		y, errY := parseTileCoord("tileRow", ys)
		for _, err := range []error{errZ, errX, errY} {
			if err != nil && incidentmap.ErrorCode(err) != incidentmap.EINVALID {
				t.Fatalf("a bad coordinate is %v, want EINVALID", err)
			}
		}
		if errZ == nil && errX == nil && errY == nil {
			if err := checkTile(z, x, y); err == nil && (z < 0 || z > MaxTileZoom || x < 0 || y < 0 || x >= 1<<z || y >= 1<<z) {
				t.Fatalf("checkTile accepted %d/%d/%d", z, x, y)
			} else if err != nil && incidentmap.ErrorCode(err) != incidentmap.EINVALID && incidentmap.ErrorCode(err) != incidentmap.ENOTFOUND {
				t.Fatalf("checkTile(%d, %d, %d) = %v, want EINVALID or ENOTFOUND", z, x, y, err)
			}
		}
		if v, err := parseClusterID(id); err == nil && clusterIDString(v) != id {
			t.Fatalf("cluster id %q parsed to %x, which formats as %q", id, v, clusterIDString(v))
		}
		zoom, bounds, err := parseView(url.Values{"zoom": {zs}, "bbox": {xs + "," + ys + ",10,10"}})
		if err == nil && (zoom < 0 || zoom > MaxTileZoom || len(bounds) == 0) {
			t.Fatalf("parseView accepted zoom %d with %d bounds", zoom, len(bounds))
		}
	})
}
