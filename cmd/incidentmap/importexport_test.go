package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/ingest"
)

var noEnv = func(string) string { return "" }

// runOK runs a command line and fails the test when it fails.
func runOK(t *testing.T, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), args, noEnv, &out, &out); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), describe(err), out.String())
	}
	return out.String()
}

func TestImportExportHelp(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"import", "-h"}, []string{"Usage: incidentmap import [flags] FILE...", "ucdp", "gdelt", "acled", "gtd",
			"-dry-run", "-mapping", "-map field=column", "-partial", "Import and export"}},
		{[]string{"import", "--help"}, []string{"Usage: incidentmap import"}},
		{[]string{"export", "-h"}, []string{"Usage: incidentmap export", "gpkg", "jsonseq", "-filter", "codebook"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), tt.args, noEnv, &stdout, &stderr); err != nil {
				t.Fatalf("%v (stderr %q)", err, stderr.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("usage lacks %q:\n%s", w, stdout.String())
				}
			}
		})
	}
}

// The fixtures of every format import through the command line, and what
// export writes in each format reads back: GeoJSON and CSV re-import as
// unchanged, and the text sequence holds one feature per record.
func TestExportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "a.db")
	fixtures := filepath.Join("..", "..", "ingest", "testdata", "import")
	runOK(t, "import", "--db", dsn, "--format", "acled", filepath.Join(fixtures, "acled.csv"))
	runOK(t, "import", "--db", dsn, "--format", "gtd", filepath.Join(fixtures, "gtd.csv"))
	out := runOK(t, "import", "--db", dsn, "--partial", filepath.Join(fixtures, "gdelt.tsv"))
	if !strings.Contains(out, "3 rows read: 2 created, 0 updated, 0 unchanged, 1 rejected") ||
		!strings.Contains(out, "rejected line 3: ActionGeo_Type:") {
		t.Errorf("gdelt import:\n%s", out)
	}
	const total = 8
	for _, format := range []string{"geojson", "jsonseq", "csv"} {
		t.Run(format, func(t *testing.T) {
			path := filepath.Join(dir, "out."+format)
			runOK(t, "export", "--db", dsn, "--format", format, "-o", path)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			switch format {
			case "geojson":
				var fc struct{ Features []json.RawMessage }
				if err := json.Unmarshal(data, &fc); err != nil || len(fc.Features) != total {
					t.Fatalf("%v: %d features", err, len(fc.Features))
				}
			case "jsonseq":
				if n := bytes.Count(data, []byte{0x1e}); n != total || bytes.Count(data, []byte("\n")) != total {
					t.Fatalf("%d records", n)
				}
				return
			case "csv":
				rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
				if err != nil || len(rows) != total+1 {
					t.Fatalf("%v: %d rows", err, len(rows))
				}
			}
			out := runOK(t, "import", "--db", dsn, "--format", map[string]string{"geojson": "geojson", "csv": "csv"}[format], path)
			if !strings.Contains(out, "8 rows read: 0 created, 0 updated, 8 unchanged, 0 rejected") {
				t.Errorf("re-import of the export:\n%s", out)
			}
		})
	}
	// A filtered export holds what the filter selects.
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"export", "--db", dsn, "--format", "jsonseq", "--filter", "country = 'AFG'"}, noEnv, &stdout, &stdout); err != nil {
		t.Fatal(err)
	}
	sc, n := bufio.NewScanner(&stdout), 0
	for sc.Scan() {
		n++
		if !strings.Contains(sc.Text(), `"country":"AFG"`) {
			t.Errorf("filtered export holds %s", sc.Text())
		}
	}
	if n != 5 {
		t.Errorf("filter country = 'AFG' exported %d incidents, want 5", n)
	}
	var errOut bytes.Buffer
	err := run(context.Background(), []string{"export", "--db", dsn, "--filter", "colour = 'red'"}, noEnv, &stdout, &errOut)
	if incidentmap.ErrorCode(err) != incidentmap.EINVALID {
		t.Errorf("a bad filter: %v", err)
	}
}

// The GeoPackage export opens in GDAL as one point layer in EPSG:4326 with
// every incident and its fields.
func TestExportGeoPackageGDAL(t *testing.T) {
	needGDAL(t)
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "g.db")
	runOK(t, "import", "--db", dsn, "--format", "acled", filepath.Join("..", "..", "ingest", "testdata", "import", "acled.csv"))
	path := filepath.Join(dir, "incidents.gpkg")
	runOK(t, "export", "--db", dsn, "-o", path)
	info := gdal(t, "ogrinfo", "-al", "-so", path)
	for _, want := range []string{"using driver `GPKG' successful", "Layer name: incidents", "Geometry: Point", "Feature Count: 3",
		`ID["EPSG",4326]`, "Geometry Column = geom", "fatalities: Integer64", "occurred_start: Date", "title: String"} {
		if !strings.Contains(info, want) {
			t.Errorf("ogrinfo lacks %q:\n%s", want, info)
		}
	}
	if got := extentRE.FindStringSubmatch(info); len(got) != 5 || got[1] != "44.361500" || got[4] != "34.528100" {
		t.Errorf("extent %v", got)
	}
	full := gdal(t, "ogrinfo", "-al", "-q", path)
	for _, want := range []string{"id (String) = acled:AFG99001", "POINT (69.1723 34.5281)", "fatalities (Integer64) = 2", "fatalities (Integer64) = (null)"} {
		if !strings.Contains(full, want) {
			t.Errorf("ogrinfo -al lacks %q:\n%s", want, full)
		}
	}
	out := filepath.Join(dir, "back.geojson")
	gdal(t, "ogr2ogr", "-f", "GeoJSON", out, path)
	if b, err := os.ReadFile(out); err != nil || !bytes.Contains(b, []byte(`"acled:IRQ99003"`)) {
		t.Errorf("ogr2ogr to GeoJSON: %v %s", err, b)
	}
}

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	if isTerminal(&buf) {
		t.Error("a buffer is not a terminal")
	}
	b := &progressBar{w: &buf, name: "f.csv", size: 1000}
	b.update(ingest.Progress{Rows: 10, BytesRead: 500})
	b.update(ingest.Progress{Rows: 20, BytesRead: 600}) // within 100 ms: not drawn
	b.done()
	got := buf.String()
	if !strings.HasPrefix(got, "\r\x1b[K[###############---------------]  50% f.csv: 10 rows") || strings.Count(got, "\r") != 1 || !strings.HasSuffix(got, "\n") {
		t.Errorf("bar %q", got)
	}
	var none *progressBar
	none.done() // no bar: nothing to end
	// Without a terminal the import draws no bar.
	var stderr bytes.Buffer
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "p.db")
	if err := run(context.Background(), []string{"import", "--db", dsn, "--format", "acled",
		filepath.Join("..", "..", "ingest", "testdata", "import", "acled.csv")}, noEnv, &bytes.Buffer{}, &stderr); err != nil {
		t.Fatal(err)
	}
	if stderr.Len() != 0 {
		t.Errorf("a progress bar went to a non-terminal: %q", stderr.String())
	}
}
