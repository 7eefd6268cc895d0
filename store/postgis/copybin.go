package postgis

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/ewkb"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/row"
)

// Imports copy incidents, their external ids and (in bulk) their "create"
// revisions in COPY's binary format, which this file writes itself: each
// column of an incident is encoded once, and the same bytes go to its row
// and to its revision, as the trigger incident_revision (migration 0004)
// would copy them. Encoding through pgx's CopyFrom took 6.6 of the 20
// client CPU-s of 1M rows (a plan looked up per value), and twice that once
// the revisions were copied too.

// revisionColumns are the columns of a "create" revision: those the row
// trigger incident_revision writes on an insert, seq left to its identity
// so that it follows the copy.
var revisionColumns = []string{
	"incident_id", "version", "op", "actor", "at", "external_ids",
	"title", "summary", "occurred_start", "occurred_end", "date_precision", "location",
	"location_precision", "place_name", "country", "admin1_code", "admin1_name", "event_type",
	"sub_event_type", "target_type", "target_country", "facility", "perpetrator", "actors",
	"fatalities", "injuries", "tags", "sources", "responses", "status", "created_at",
}

// copyStatement is the COPY … FROM STDIN (FORMAT binary) of columns of table.
func copyStatement(table string, columns []string) string {
	quoted := make([]string, len(columns))
	for i, c := range columns {
		quoted[i] = pgx.Identifier{c}.Sanitize()
	}
	return `COPY ` + pgx.Identifier{table}.Sanitize() + ` (` + strings.Join(quoted, ", ") + `) FROM STDIN (FORMAT binary)`
}

// Statements of the copies, built once.
var (
	copyIncidentsSQL   = copyStatement("incidents", incidentColumns())
	copyExternalIDsSQL = copyStatement("incident_external_ids", []string{"external_id", "incident_id", "ord"})
	copyRevisionsSQL   = copyStatement("incident_revisions", revisionColumns)
)

// copyBatchRows are the binary COPY data of a batch of new incidents.
type copyBatchRows struct {
	incidents, externalIDs, revisions copyData
}

// encodeBatch encodes incs into b, over what it held (its buffers are
// reused: a bulk load encodes a hundred batches of a few MB each), stamped
// as version 1 written at now by actor, with their revisions when
// revisions is set. An error names the incident and bad is its index.
func encodeBatch(b *copyBatchRows, incs []*incidentmap.Incident, now time.Time, actor string, revisions bool) (bad int, err error) {
	b.incidents.start()
	b.externalIDs.start()
	b.revisions.start()
	var shared copyData // title … status of one incident: 24 columns
	for i, inc := range incs {
		shared.buf = shared.buf[:0]
		if err := shared.incidentColumns(inc); err != nil {
			return i, fmt.Errorf("encode incident %s: %w", inc.ID, err)
		}
		b.incidents.row(len(incidentColumns()))
		b.incidents.text(inc.ID)
		b.incidents.buf = append(b.incidents.buf, shared.buf...)
		b.incidents.int4(1)
		b.incidents.timestamptz(now)
		b.incidents.timestamptz(now)
		b.incidents.text(actor)
		for ord, x := range inc.ExternalIDs {
			b.externalIDs.row(3)
			b.externalIDs.text(x)
			b.externalIDs.text(inc.ID)
			b.externalIDs.int4(int32(ord))
		}
		if revisions {
			b.revisions.row(len(revisionColumns))
			b.revisions.text(inc.ID)
			b.revisions.int4(1)
			b.revisions.text(string(incidentmap.OpCreate))
			b.revisions.text(actor)
			b.revisions.timestamptz(now)
			b.revisions.textArray(inc.ExternalIDs)
			b.revisions.buf = append(b.revisions.buf, shared.buf...)
			b.revisions.timestamptz(now)
		}
	}
	return -1, nil
}

// copy sends the rows: the incidents, their external ids, and the
// revisions when they were encoded.
func (b *copyBatchRows) copy(ctx context.Context, tx pgx.Tx) error {
	if err := b.incidents.copy(ctx, tx, copyIncidentsSQL); err != nil {
		return fmt.Errorf("copy incidents: %w", err)
	}
	if err := b.externalIDs.copy(ctx, tx, copyExternalIDsSQL); err != nil {
		return fmt.Errorf("copy external ids: %w", err)
	}
	if err := b.revisions.copy(ctx, tx, copyRevisionsSQL); err != nil {
		return fmt.Errorf("copy revisions: %w", err)
	}
	return nil
}

// copyData is the data of one binary COPY: a header, rows, a trailer.
type copyData struct {
	buf  []byte
	rows int
}

// copyHeader is the signature of the binary format, no flags, no extension.
const copyHeader = "PGCOPY\n\xff\r\n\x00" + "\x00\x00\x00\x00" + "\x00\x00\x00\x00"

// start empties d (keeping its buffer) and writes the header.
func (d *copyData) start() {
	d.buf = append(d.buf[:0], copyHeader...)
	d.rows = 0
}

// copy sends the rows to the server, if there are any.
func (d *copyData) copy(ctx context.Context, tx pgx.Tx, statement string) error {
	if d.rows == 0 {
		return nil
	}
	d.buf = binary.BigEndian.AppendUint16(d.buf, 0xffff) // the trailer: -1
	_, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(d.buf), statement)
	return err
}

// row starts a row of n columns.
func (d *copyData) row(n int) {
	d.rows++
	d.buf = binary.BigEndian.AppendUint16(d.buf, uint16(n))
}

// field writes a column's value of n bytes, which the caller appends.
func (d *copyData) field(n int) { d.buf = binary.BigEndian.AppendUint32(d.buf, uint32(n)) }

func (d *copyData) null() { d.buf = binary.BigEndian.AppendUint32(d.buf, math.MaxUint32) } // -1

func (d *copyData) text(s string) {
	d.field(len(s))
	d.buf = append(d.buf, s...)
}

func (d *copyData) bytea(b []byte) {
	d.field(len(b))
	d.buf = append(d.buf, b...)
}

func (d *copyData) int4(v int32) {
	d.field(4)
	d.buf = binary.BigEndian.AppendUint32(d.buf, uint32(v))
}

// optionalInt4 writes nil as NULL and refuses what integer cannot hold.
func (d *copyData) optionalInt4(p *int, name string) error {
	switch {
	case p == nil:
		d.null()
	case *p < math.MinInt32 || *p > math.MaxInt32:
		return incidentmap.Invalidf(name, "must be at most %d, got %d", math.MaxInt32, *p)
	default:
		d.int4(int32(*p))
	}
	return nil
}

// y2k is where PostgreSQL counts dates and instants from.
var y2k = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Unix()

// date writes the day of t (in t's location, as pgx does) as days since 2000-01-01.
func (d *copyData) date(t time.Time) {
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Unix()
	d.int4(int32((day - y2k) / 86400))
}

// timestamptz writes t as microseconds since 2000-01-01 UTC, truncated.
func (d *copyData) timestamptz(t time.Time) {
	d.field(8)
	us := (t.Unix()-y2k)*1_000_000 + int64(t.Nanosecond())/1000
	d.buf = binary.BigEndian.AppendUint64(d.buf, uint64(us))
}

// jsonb writes a JSON document: format version 1, then its text.
func (d *copyData) jsonb(doc []byte) {
	d.field(1 + len(doc))
	d.buf = append(append(d.buf, 1), doc...)
}

// textOID is the type of the elements of text[].
const textOID = 25

// textArray writes a one-dimensional text[] (nil as the empty array).
func (d *copyData) textArray(ss []string) {
	n := 12
	if len(ss) > 0 {
		n += 8
		for _, s := range ss {
			n += 4 + len(s)
		}
	}
	d.field(n)
	dims := uint32(0)
	if len(ss) > 0 {
		dims = 1
	}
	d.buf = binary.BigEndian.AppendUint32(d.buf, dims)
	d.buf = binary.BigEndian.AppendUint32(d.buf, 0) // no NULLs
	d.buf = binary.BigEndian.AppendUint32(d.buf, textOID)
	if len(ss) > 0 {
		d.buf = binary.BigEndian.AppendUint32(d.buf, uint32(len(ss)))
		d.buf = binary.BigEndian.AppendUint32(d.buf, 1) // lower bound
		for _, s := range ss {
			d.text(s)
		}
	}
}

// incidentColumns writes title … status of inc, in the order of
// incidentColumns and revisionColumns. The location is EWKB with SRID
// 4326, which geometry's binary input takes as it is.
func (d *copyData) incidentColumns(inc *incidentmap.Incident) error {
	location, err := ewkb.Marshal(inc.Location, 4326)
	if err != nil {
		return fmt.Errorf("location: %w", err)
	}
	sources, err := row.MarshalSources(inc.Sources)
	if err != nil {
		return fmt.Errorf("sources: %w", err)
	}
	responses, err := row.MarshalResponses(inc.Responses)
	if err != nil {
		return fmt.Errorf("responses: %w", err)
	}
	d.text(inc.Title)
	d.text(inc.Summary)
	d.date(inc.OccurredStart.UTC())
	d.date(inc.OccurredEnd.UTC())
	d.text(string(inc.DatePrecision))
	d.bytea(location)
	for _, s := range []string{string(inc.LocationPrecision), inc.PlaceName, inc.Country, inc.Admin1Code, inc.Admin1Name,
		inc.EventType, inc.SubEventType, string(inc.TargetType), inc.TargetCountry, inc.Facility, inc.Perpetrator} {
		d.text(s)
	}
	d.textArray(inc.Actors)
	if err := d.optionalInt4(inc.Fatalities, "fatalities"); err != nil {
		return err
	}
	if err := d.optionalInt4(inc.Injuries, "injuries"); err != nil {
		return err
	}
	d.textArray(inc.Tags)
	d.jsonb(sources)
	d.jsonb(responses)
	d.text(string(inc.Status))
	return nil
}
