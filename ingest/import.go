package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/incidentmap/incidentmap"
)

// Format names an import format.
type Format string

// Import formats. See README "Import and export" for each field mapping.
const (
	FormatGeoJSON Format = "geojson" // a FeatureCollection in our wire shape
	FormatCSV     Format = "csv"     // any CSV, through a Mapping
	FormatUCDP    Format = "ucdp"    // UCDP GED CSV
	FormatGDELT   Format = "gdelt"   // GDELT 2.0 event export, 61 tab-separated columns
	FormatACLED   Format = "acled"   // ACLED CSV export
	FormatGTD     Format = "gtd"     // GTD CSV export
)

// Formats lists the import formats.
var Formats = []Format{FormatGeoJSON, FormatCSV, FormatUCDP, FormatGDELT, FormatACLED, FormatGTD}

// Progress is how far an import has come.
type Progress struct {
	Rows      int   // records read
	BytesRead int64 // of the input
}

// Limits of the report.
const (
	MaxRejectsListed = 100
	MaxNotesListed   = 50
)

// Reject is a record an import refused.
type Reject struct {
	Line   int
	Field  string // the field or column at fault; empty for the whole record
	Reason string // what is wrong and what is expected
}

// String returns "line L: reason".
func (r Reject) String() string { return fmt.Sprintf("line %d: %s", r.Line, r.Reason) }

// Report says what an import did or, in a dry run, would do.
type Report struct {
	Format Format
	DryRun bool
	// Rows counts the records read (features, or CSV rows after the header).
	Rows int
	// Created, Updated and Unchanged count incidents; Rejected counts records.
	Created, Updated, Unchanged, Rejected int
	// Committed is set when the import was written.
	Committed bool
	// Bulk is set when the store was empty and loaded in bulk.
	Bulk bool
	// Rejects lists the first MaxRejectsListed rejected records.
	Rejects []Reject
	// Notes lists the first MaxNotesListed notes (geocoded names,
	// country or province disagreeing with the point, cells kept as text);
	// NoteCount counts them all.
	Notes     []string
	NoteCount int
	// UpdatedIDs lists the first incidents updated.
	UpdatedIDs []string
}

// String renders the report for a terminal, one line per item.
func (r Report) String() string {
	var b strings.Builder
	verb := "imported"
	switch {
	case r.DryRun:
		verb = "dry run, nothing written"
	case !r.Committed:
		verb = "nothing imported"
	}
	fmt.Fprintf(&b, "%s: %d rows read: %d created, %d updated, %d unchanged, %d rejected (%s)\n",
		r.Format, r.Rows, r.Created, r.Updated, r.Unchanged, r.Rejected, verb)
	if len(r.UpdatedIDs) > 0 {
		fmt.Fprintf(&b, "updated: %s", strings.Join(r.UpdatedIDs, ", "))
		if r.Updated > len(r.UpdatedIDs) {
			fmt.Fprintf(&b, ", … (%d more)", r.Updated-len(r.UpdatedIDs))
		}
		b.WriteString("\n")
	}
	for _, rej := range r.Rejects {
		fmt.Fprintf(&b, "rejected %s\n", rej)
	}
	if r.Rejected > len(r.Rejects) {
		fmt.Fprintf(&b, "rejected … %d more not listed\n", r.Rejected-len(r.Rejects))
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note %s\n", n)
	}
	if r.NoteCount > len(r.Notes) {
		fmt.Fprintf(&b, "note … %d more not listed\n", r.NoteCount-len(r.Notes))
	}
	return b.String()
}

func (r *Report) reject(line int, err error) {
	r.Rejected++
	if len(r.Rejects) < MaxRejectsListed {
		r.Rejects = append(r.Rejects, Reject{Line: line, Field: incidentmap.ErrorParam(err), Reason: incidentmap.ErrorMessage(err)})
	}
}

func (r *Report) note(line int, notes ...string) {
	for _, n := range notes {
		r.NoteCount++
		if len(r.Notes) < MaxNotesListed {
			r.Notes = append(r.Notes, fmt.Sprintf("line %d: %s", line, n))
		}
	}
}

// record is one record of an input: the incident it describes, which has
// passed Validate, or why it was rejected.
type record struct {
	line  int
	inc   *incidentmap.Incident
	notes []string
	err   error // a rejection: the record is skipped
}

// reader yields the records of an input until io.EOF. Any other error
// stops the import: the input as a whole is unreadable.
type reader interface {
	next() (record, error)
}

// errRejected stops an import whose input had rejected records.
var errRejected = errors.New("rejected records")

// Import reads r in opt.Format and writes its incidents to s in one
// transaction (see incidentmap.Store.UpsertIncidents): new ones are
// created, those whose id or external id the store holds are updated
// when they changed and left alone when not. Records that cannot be read
// or are invalid are rejected and listed in the report by line; then,
// unless opt.Partial is set, nothing is written. With opt.DryRun nothing
// is written either, and the report counts what an import would do. The
// input is streamed: memory does not grow with its size.
//
// The error is EINVALID (naming "file") when the input is unreadable or
// records were rejected, ECONFLICT when records repeat or contradict each
// other, and whatever the store returned otherwise; the report is filled
// in as far as the import came.
func Import(ctx context.Context, s incidentmap.Store, r io.Reader, opt Options) (Report, error) {
	rep := Report{Format: opt.Format, DryRun: opt.DryRun}
	if opt.Format == "" {
		rep.Format = FormatGeoJSON
	}
	counter := &countingReader{r: r}
	rd, err := newReader(counter, rep.Format, opt)
	if err != nil {
		return rep, err
	}
	stop := make(chan struct{})
	defer close(stop)
	rd = prefetch(rd, &counter.n, stop)
	next := func() (incidentmap.ImportItem, error) {
		for {
			rec, err := rd.next()
			if errors.Is(err, io.EOF) {
				if rep.Rejected > 0 && !opt.Partial {
					return incidentmap.ImportItem{}, errRejected
				}
				return incidentmap.ImportItem{}, io.EOF
			} else if err != nil {
				return incidentmap.ImportItem{}, err
			}
			rep.Rows++
			if opt.Progress != nil && rep.Rows%1000 == 0 {
				opt.Progress(Progress{Rows: rep.Rows, BytesRead: counter.n.Load()})
			}
			if rec.err != nil {
				rep.reject(rec.line, rec.err)
				continue
			}
			rep.note(rec.line, rec.notes...)
			return incidentmap.ImportItem{Incident: rec.inc, Line: rec.line, Validated: true}, nil
		}
	}
	res, err := s.UpsertIncidents(ctx, next, incidentmap.ImportOptions{DryRun: opt.DryRun})
	if opt.Progress != nil {
		opt.Progress(Progress{Rows: rep.Rows, BytesRead: counter.n.Load()})
	}
	rep.Created, rep.Updated, rep.Unchanged, rep.Bulk = res.Created, res.Updated, res.Unchanged, res.Bulk
	rep.UpdatedIDs = slices.Clone(res.UpdatedIDs)
	switch {
	case errors.Is(err, errRejected):
		return rep, &incidentmap.Error{Code: incidentmap.EINVALID, Param: "file",
			Message: fmt.Sprintf("%d of %d records rejected, so nothing was imported (see the report; --partial imports the rest)", rep.Rejected, rep.Rows)}
	case err != nil:
		return rep, err
	}
	rep.Committed = !opt.DryRun
	return rep, nil
}

// newReader returns the reader of a format.
func newReader(r io.Reader, format Format, opt Options) (reader, error) {
	switch format {
	case FormatGeoJSON:
		return newGeoJSONReader(r, opt), nil
	case FormatCSV:
		m := opt.Mapping
		if m == nil {
			m = &Mapping{}
		}
		return newMappedReader(r, m, opt)
	case FormatUCDP:
		return newCSVFormatReader(r, ',', ucdpRow, ucdpColumns, opt)
	case FormatGDELT:
		return newGDELTReader(r, opt), nil
	case FormatACLED:
		return newCSVFormatReader(r, ',', acledRow, acledColumns, opt)
	case FormatGTD:
		return newCSVFormatReader(r, ',', gtdRow, gtdColumns, opt)
	}
	return nil, incidentmap.Invalidf("format", "must be one of %v, got %q", Formats, format)
}

// countingReader counts the bytes read through it, for progress.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// prefetchBatch is how many records the reading goroutine hands over at
// a time, and prefetchBytes how much input at most; prefetchDepth how many
// batches may wait. Memory holds at most their product, whatever the size
// of the input.
const (
	prefetchBatch = 256
	prefetchBytes = 4 << 20
	prefetchDepth = 4
)

// batch is records read ahead, and the error that ended reading.
type batch struct {
	recs []record
	err  error
}

// pipe is a reader that another goroutine fills, so that reading and
// decoding the input (one core) overlaps with writing to the store
// (another).
type pipe struct {
	ch   <-chan batch
	cur  batch
	pos  int
	done bool
}

// prefetch reads rd in a goroutine until it ends or stop is closed; read
// counts the bytes of input rd has taken.
func prefetch(rd reader, read *atomic.Int64, stop <-chan struct{}) reader {
	ch := make(chan batch, prefetchDepth)
	go func() {
		defer close(ch)
		if c, ok := rd.(interface{ close() }); ok {
			defer c.close() // stop its goroutines too
		}
		for {
			b := batch{recs: make([]record, 0, prefetchBatch)}
			start := read.Load()
			for len(b.recs) < prefetchBatch && read.Load()-start < prefetchBytes && b.err == nil {
				rec, err := rd.next()
				if err != nil {
					b.err = err
				} else {
					b.recs = append(b.recs, rec)
				}
			}
			select {
			case ch <- b:
			case <-stop:
				return
			}
			if b.err != nil {
				return
			}
		}
	}()
	return &pipe{ch: ch}
}

func (p *pipe) next() (record, error) {
	for p.pos == len(p.cur.recs) {
		if p.cur.err != nil || p.done {
			return record{}, p.cur.err
		}
		b, ok := <-p.ch
		if !ok {
			p.done = true
			return record{}, io.EOF
		}
		p.cur, p.pos = b, 0
	}
	p.pos++
	return p.cur.recs[p.pos-1], nil
}
