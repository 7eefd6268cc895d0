package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/cql2"
	"github.com/incidentmap/incidentmap/export"
	"github.com/incidentmap/incidentmap/geo"
	"github.com/incidentmap/incidentmap/ingest"
)

const importUsage = `Usage: incidentmap import [flags] FILE...

Imports each FILE ("-" is standard input) in one transaction: all of its
records or none. Records whose id or external id the database already holds
update those incidents when they changed and are left alone when not, so
importing the same file twice changes nothing. Rejected records are listed
by line, field and reason; one rejected record stops the import unless
--partial is given. Country and province come from the point where the file
gives none; records with a place name but no coordinates are geocoded.

Formats (--format; by default from the file name: .csv is csv, .tsv gdelt,
anything else geojson):
  geojson  a FeatureCollection of incidents in our wire format (docs/wire-format.md)
  csv      any CSV through a column mapping (--mapping FILE, --map field=column);
           with no mapping, columns named as our fields (as export writes them)
  ucdp     UCDP GED CSV
  gdelt    GDELT 2.0 event export (61 tab-separated columns, no header)
  acled    ACLED CSV export
  gtd      Global Terrorism Database CSV export
The README section "Import and export" maps every field of each format.

Flags:
`

const exportUsage = `Usage: incidentmap export [flags]

Writes the incidents that the filter selects (all by default), oldest first,
to --output (standard output by default; a GeoPackage needs a file).

Formats (--format; by default from the output's extension, else geojson):
  geojson  one GeoJSON FeatureCollection
  jsonseq  GeoJSON text sequences (RFC 8142): one Feature per record
  csv      CSV with the columns of the items endpoint's CSV
  gpkg     a GeoPackage with the point layer "incidents" (EPSG:4326)
docs/codebook.md describes every field.

Flags:
`

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// dbFlag adds --db, defaulting to $INCIDENTMAP_DB and then to the default.
func dbFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	db := DefaultConfig().DB
	if v := getenv("INCIDENTMAP_DB"); v != "" {
		db = v
	}
	return fs.String("db", db, "database: sqlite:PATH or postgres://user:pass@host/db ($INCIDENTMAP_DB)")
}

// newFlagSet returns a flag set whose -h prints usage to stdout.
func newFlagSet(name, usage string, stdout, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fs.SetOutput(stdout)
		fmt.Fprint(stdout, usage)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	return fs
}

func importCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import", importUsage, stdout, stderr)
	db := dbFlag(fs, getenv)
	format := fs.String("format", "", "input format: geojson, csv, ucdp, gdelt, acled or gtd (default: from the file name)")
	mappingFile := fs.String("mapping", "", "CSV mapping file: one `field = column` per line (see README)")
	var maps multiFlag
	fs.Var(&maps, "map", "a CSV mapping `field=column` (repeatable; after --mapping)")
	dryRun := fs.Bool("dry-run", false, "report what would be created, updated, unchanged and rejected; write nothing")
	partial := fs.Bool("partial", false, "import the valid records when others are rejected")
	progress := fs.String("progress", "auto", "progress bar on stderr: auto (when stderr is a terminal), always or never")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return errUsage
	}
	files := fs.Args()
	if len(files) == 0 {
		fs.Usage()
		return errors.New("import needs at least one FILE")
	}
	cfg := DefaultConfig()
	cfg.DB = *db
	if err := cfg.Validate(); err != nil {
		return err
	}
	var mapping *ingest.Mapping
	if *mappingFile != "" {
		f, err := os.Open(*mappingFile)
		if err != nil {
			return err
		}
		mapping, err = ingest.ParseMapping(f)
		f.Close()
		if err != nil {
			return err
		}
	}
	for _, m := range maps {
		if mapping == nil {
			mapping = &ingest.Mapping{}
		}
		if err := mapping.Set(m); err != nil {
			return err
		}
	}
	var data geo.Data
	regions, err := data.Regions()
	if err != nil {
		return err
	}
	s, err := openImportStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer s.Close()
	for _, name := range files {
		opt := ingest.Options{Format: ingest.Format(*format), Mapping: mapping, DryRun: *dryRun, Partial: *partial,
			Regions: regions, Gazetteer: data.Gazetteer}
		if opt.Format == "" {
			opt.Format = formatOf(name)
		}
		in, size, err := openInput(name)
		if err != nil {
			return err
		}
		var bar *progressBar
		if *progress == "always" || *progress == "auto" && isTerminal(stderr) {
			bar = &progressBar{w: stderr, name: name, size: size, start: time.Now()}
			opt.Progress = bar.update
		}
		rep, err := ingest.Import(ctx, s, in, opt)
		in.Close()
		bar.done()
		fmt.Fprintf(stdout, "%s: %s", name, rep)
		if err != nil {
			return &incidentmap.Error{Code: incidentmap.ErrorCode(err), Message: name + ": nothing imported: " + describe(err)}
		}
	}
	return nil
}

// formatOf guesses an import format from a file name.
func formatOf(name string) ingest.Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return ingest.FormatCSV
	case ".tsv":
		return ingest.FormatGDELT
	}
	return ingest.FormatGeoJSON
}

// openInput opens a file, or standard input for "-", and its size (0
// when unknown).
func openInput(name string) (io.ReadCloser, int64, error) {
	if name == "-" {
		return io.NopCloser(os.Stdin), 0, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	var size int64
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	return f, size, nil
}

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar draws an import's progress on one line of a terminal, at
// most ten times a second.
type progressBar struct {
	w     io.Writer
	name  string
	size  int64
	start time.Time
	last  time.Time
	drawn bool
}

func (b *progressBar) update(p ingest.Progress) {
	if now := time.Now(); now.Sub(b.last) >= 100*time.Millisecond {
		b.last = now
		b.draw(p)
	}
}

func (b *progressBar) draw(p ingest.Progress) {
	const width = 30
	secs := max(time.Since(b.start).Seconds(), 0.001)
	line := fmt.Sprintf("%s: %d rows, %.0f rows/s", b.name, p.Rows, float64(p.Rows)/secs)
	if b.size > 0 {
		frac := min(float64(p.BytesRead)/float64(b.size), 1)
		filled := int(frac * width)
		line = fmt.Sprintf("[%s%s] %3.0f%% %s", strings.Repeat("#", filled), strings.Repeat("-", width-filled), frac*100, line)
	}
	fmt.Fprintf(b.w, "\r\x1b[K%s", line)
	b.drawn = true
}

// done ends the bar's line; a nil bar does nothing.
func (b *progressBar) done() {
	if b != nil && b.drawn {
		fmt.Fprintln(b.w)
	}
}

func exportCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", exportUsage, stdout, stderr)
	db := dbFlag(fs, getenv)
	format := fs.String("format", "", "output format: geojson, jsonseq, csv or gpkg (default: from --output's extension, else geojson)")
	output := fs.String("output", "", "output file (default: standard output)")
	fs.StringVar(output, "o", "", "short for --output")
	filter := fs.String("filter", "", `CQL2 text filter, e.g. "country = 'AFG' AND occurred_start >= DATE('2021-01-01')"`)
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("export takes no arguments, got %q", fs.Args())
	}
	cfg := DefaultConfig()
	cfg.DB = *db
	if err := cfg.Validate(); err != nil {
		return err
	}
	f := incidentmap.Filter{}
	if *filter != "" {
		expr, err := cql2.ParseText(*filter, incidentmap.IncidentQueryables)
		if err != nil {
			return err
		}
		f.Where = expr
	}
	fm := export.Format(*format)
	if fm == "" {
		fm = export.FormatGeoJSON
		switch strings.ToLower(filepath.Ext(*output)) {
		case ".csv":
			fm = export.FormatCSV
		case ".gpkg":
			fm = export.FormatGeoPackage
		case ".geojsons", ".jsonseq", ".geojsonl":
			fm = export.FormatJSONSeq
		}
	}
	s, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer s.Close()
	var n int
	switch {
	case fm == export.FormatGeoPackage && *output == "":
		return errors.New("a GeoPackage needs a file: give --output FILE.gpkg")
	case fm == export.FormatGeoPackage:
		n, err = export.WriteGeoPackage(ctx, s, f, *output)
	case *output == "":
		n, err = export.Write(ctx, s, f, fm, stdout)
	default:
		n, err = writeFile(*output, func(w io.Writer) (int, error) { return export.Write(ctx, s, f, fm, w) })
	}
	if err != nil {
		return err
	}
	if *output != "" {
		fmt.Fprintf(stderr, "exported %d incidents to %s (%s)\n", n, *output, fm)
	}
	return nil
}

// writeFile writes a file through fn, replacing path only when fn succeeds.
func writeFile(path string, fn func(io.Writer) (int, error)) (int, error) {
	tmp := path + ".partial"
	f, err := os.Create(tmp)
	if err != nil {
		return 0, err
	}
	n, err := fn(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, err
	}
	return n, nil
}
