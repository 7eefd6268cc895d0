package export

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb/encoding/wkb"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/feature"
)

// GeoPackageLayer is the name of the feature table a GeoPackage export
// writes.
const GeoPackageLayer = "incidents"

// wgs84 is the OGC WKT of EPSG:4326, as GeoPackage requires it in
// gpkg_spatial_ref_sys.
const wgs84 = `GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],` +
	`AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],` +
	`UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]`

// gpkgSchema creates the tables every GeoPackage has, with the three
// spatial reference systems the standard requires.
const gpkgSchema = `
PRAGMA application_id = 1196444487; -- 'GPKG'
PRAGMA user_version = 10300;         -- GeoPackage 1.3
CREATE TABLE gpkg_spatial_ref_sys (
	srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
	organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
	table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '',
	last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
	min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
	srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
	table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
	srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
	CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
	CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
	CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
INSERT INTO gpkg_spatial_ref_sys VALUES
	('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
	('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
`

// gpkgColumns are the attribute columns of the layer: those of a CSV
// export but wkt (the geometry is the geom column), with their SQL types.
func gpkgColumns() (names, types []string) {
	for _, c := range feature.CSVColumns(feature.AllProperties) {
		typ := "TEXT"
		switch c {
		case "wkt":
			continue
		case "lon", "lat":
			typ = "DOUBLE"
		case "fatalities", "injuries", "version":
			typ = "INTEGER"
		case "occurred_start", "occurred_end":
			typ = "DATE"
		case "created_at", "updated_at":
			typ = "DATETIME"
		}
		names, types = append(names, c), append(types, typ)
	}
	return names, types
}

// WriteGeoPackage writes the incidents f selects as the point layer
// "incidents" (EPSG:4326) of a new GeoPackage at path, replacing any file
// there only once the new one is complete. It returns how many it wrote.
func WriteGeoPackage(ctx context.Context, s incidentmap.Store, f incidentmap.Filter, path string) (int, error) {
	tmp := path + ".partial"
	os.Remove(tmp)
	n, err := writeGeoPackage(ctx, s, f, tmp)
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("export: geopackage: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("export: geopackage: %w", err)
	}
	return n, nil
}

func writeGeoPackage(ctx context.Context, s incidentmap.Store, f incidentmap.Filter, path string) (int, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	names, types := gpkgColumns()
	cols := make([]string, len(names))
	for i := range names {
		cols[i] = `"` + names[i] + `" ` + types[i]
	}
	ddl := gpkgSchema +
		`INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326, '` + wgs84 + `', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');` +
		`CREATE TABLE "` + GeoPackageLayer + `" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom POINT, ` + strings.Join(cols, ", ") + `);` +
		`INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES ('` + GeoPackageLayer + `', 'features', 'incidents', 'incidents exported by incidentmap; see docs/codebook.md', 4326);` +
		`INSERT INTO gpkg_geometry_columns VALUES ('` + GeoPackageLayer + `', 'geom', 'POINT', 4326, 0, 0);`
	if _, err := tx.ExecContext(ctx, ddl); err != nil {
		return 0, fmt.Errorf("create tables: %w", err)
	}
	insert, err := tx.PrepareContext(ctx, `INSERT INTO "`+GeoPackageLayer+`" (geom, "`+strings.Join(names, `", "`)+`") VALUES (?`+strings.Repeat(", ?", len(names))+`)`)
	if err != nil {
		return 0, fmt.Errorf("prepare insert: %w", err)
	}
	defer insert.Close()
	bound := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	n := 0
	args := make([]any, len(names)+1)
	err = Each(ctx, s, f, func(inc *incidentmap.Incident) error {
		geom, err := gpkgPoint(inc)
		if err != nil {
			return err
		}
		args[0] = geom
		for i, c := range names {
			args[i+1] = gpkgValue(c, inc)
		}
		if _, err := insert.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("insert %s: %w", inc.ID, err)
		}
		lon, lat := inc.Location.Lon(), inc.Location.Lat()
		bound = [4]float64{min(bound[0], lon), min(bound[1], lat), max(bound[2], lon), max(bound[3], lat)}
		n++
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, last_change = ? WHERE table_name = ?`,
			bound[0], bound[1], bound[2], bound[3], time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), GeoPackageLayer); err != nil {
			return 0, fmt.Errorf("update extent: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return n, nil
}

// gpkgPoint encodes the location as a GeoPackage geometry: the header
// "GP", version 0, flags 0x01 (little-endian, no envelope, not empty),
// the SRS id 4326, then the point as little-endian WKB.
func gpkgPoint(inc *incidentmap.Incident) ([]byte, error) {
	b, err := wkb.Marshal(inc.Location, binary.LittleEndian)
	if err != nil {
		return nil, fmt.Errorf("encode the point of %s: %w", inc.ID, err)
	}
	head := []byte{'G', 'P', 0, 0x01, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(head[4:], 4326)
	return append(head, b...), nil
}

// gpkgValue is the value of an attribute column: numbers as numbers,
// unknown counts as NULL, everything else as the CSV export's text.
func gpkgValue(col string, inc *incidentmap.Incident) any {
	switch col {
	case "lon":
		return inc.Location.Lon()
	case "lat":
		return inc.Location.Lat()
	case "version":
		return inc.Version
	case "fatalities", "injuries":
		p := inc.Fatalities
		if col == "injuries" {
			p = inc.Injuries
		}
		if p == nil {
			return nil
		}
		return *p
	}
	if v := feature.Cell(col, inc); v != "" || !slices.Contains([]string{"occurred_end", "created_at", "updated_at"}, col) {
		return v
	}
	return nil
}
