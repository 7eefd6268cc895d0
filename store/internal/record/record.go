// Package record holds what the SQLite and PostGIS stores share in how an
// incident is kept in a row: the columns both keep alike (text, numbers,
// JSON lists and documents) and their conversion to the domain type, the
// JSON documents of sources and responses, and the reading of revision
// rows. Each store adds its own date and time columns and writes its own
// SQL.
package record

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/paulmach/orb"

	"github.com/incidentmap/incidentmap"
)

// Row is the part of an incident's row that both stores read alike. A
// store's row type embeds it beside its own dates and instants.
type Row struct {
	ID                string   `db:"id"`
	ExternalIDs       JSONList `db:"external_ids"`
	Title             string   `db:"title"`
	Summary           string   `db:"summary"`
	DatePrecision     string   `db:"date_precision"`
	Lon               float64  `db:"lon"`
	Lat               float64  `db:"lat"`
	LocationPrecision string   `db:"location_precision"`
	PlaceName         string   `db:"place_name"`
	Country           string   `db:"country"`
	Admin1Code        string   `db:"admin1_code"`
	Admin1Name        string   `db:"admin1_name"`
	EventType         string   `db:"event_type"`
	SubEventType      string   `db:"sub_event_type"`
	TargetType        string   `db:"target_type"`
	TargetCountry     string   `db:"target_country"`
	Facility          string   `db:"facility"`
	Perpetrator       string   `db:"perpetrator"`
	Actors            JSONList `db:"actors"`
	Fatalities        *int     `db:"fatalities"` // NULL: unknown
	Injuries          *int     `db:"injuries"`
	Tags              JSONList `db:"tags"`
	Sources           []byte   `db:"sources"`   // a JSON array of SourceDoc
	Responses         []byte   `db:"responses"` // a JSON array of ResponseDoc
	Status            string   `db:"status"`
	Version           int      `db:"version"`
}

// Incident converts the row; the caller sets the dates and instants.
// Empty lists come back nil.
func (r *Row) Incident() (*incidentmap.Incident, error) {
	inc := &incidentmap.Incident{
		ID:                r.ID,
		ExternalIDs:       r.ExternalIDs,
		Title:             r.Title,
		Summary:           r.Summary,
		DatePrecision:     incidentmap.DatePrecision(r.DatePrecision),
		Location:          orb.Point{r.Lon, r.Lat},
		LocationPrecision: incidentmap.LocationPrecision(r.LocationPrecision),
		PlaceName:         r.PlaceName,
		Country:           r.Country,
		Admin1Code:        r.Admin1Code,
		Admin1Name:        r.Admin1Name,
		EventType:         r.EventType,
		SubEventType:      r.SubEventType,
		TargetType:        incidentmap.TargetType(r.TargetType),
		TargetCountry:     r.TargetCountry,
		Facility:          r.Facility,
		Perpetrator:       r.Perpetrator,
		Actors:            r.Actors,
		Fatalities:        r.Fatalities,
		Injuries:          r.Injuries,
		Tags:              r.Tags,
		Status:            incidentmap.Status(r.Status),
		Version:           r.Version,
	}
	var err error
	if inc.Sources, err = Sources(r.Sources); err != nil {
		return nil, fmt.Errorf("sources of %s: %w", r.ID, err)
	}
	if inc.Responses, err = Responses(r.Responses); err != nil {
		return nil, fmt.Errorf("responses of %s: %w", r.ID, err)
	}
	return inc, nil
}

// JSONList scans a JSON array of strings (text or bytes); SQL NULL and []
// give nil.
type JSONList []string

// Scan implements sql.Scanner.
func (l *JSONList) Scan(src any) error {
	*l = nil
	var b []byte
	switch v := src.(type) {
	case nil:
		return nil
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return fmt.Errorf("cannot scan %T into a string list", src)
	}
	var out []string
	if err := unmarshalList(b, &out); err != nil {
		return fmt.Errorf("string list: %w", err)
	}
	if len(out) > 0 {
		*l = out
	}
	return nil
}

// MarshalList writes a list of strings as a JSON array, [] when empty.
func MarshalList(ss []string) ([]byte, error) {
	if len(ss) == 0 {
		return []byte(emptyList), nil
	}
	return json.Marshal(ss)
}

// emptyList is how the JSON columns hold an empty list.
const emptyList = "[]"

// unmarshalList decodes a JSON array into v, skipping the decoder for the
// common empty array and NULL.
func unmarshalList(b []byte, v any) error {
	if len(b) == 0 || string(b) == emptyList {
		return nil
	}
	return json.Unmarshal(b, v)
}

// SourceDoc is a Source as both stores keep it in the sources and
// responses columns.
type SourceDoc struct {
	Publisher   string `json:"publisher,omitempty"`
	Title       string `json:"title,omitempty"`
	URL         string `json:"url,omitempty"`
	PublishedOn string `json:"published_on,omitempty"` // YYYY-MM-DD
}

// ResponseDoc is a Response in the responses column.
type ResponseDoc struct {
	Date          string    `json:"date"` // YYYY-MM-DD
	DatePrecision string    `json:"date_precision"`
	Actor         string    `json:"actor"`
	ActorCountry  string    `json:"actor_country,omitempty"`
	Kind          string    `json:"kind"`
	Summary       string    `json:"summary,omitempty"`
	Source        SourceDoc `json:"source"`
}

func newSourceDoc(s incidentmap.Source) SourceDoc {
	return SourceDoc{Publisher: s.Publisher, Title: s.Title, URL: s.URL, PublishedOn: FormatDay(s.PublishedOn)}
}

func (d SourceDoc) source() (incidentmap.Source, error) {
	on, err := ParseDay(d.PublishedOn)
	return incidentmap.Source{Publisher: d.Publisher, Title: d.Title, URL: d.URL, PublishedOn: on}, err
}

func (d ResponseDoc) response() (incidentmap.Response, error) {
	src, err := d.Source.source()
	if err != nil {
		return incidentmap.Response{}, err
	}
	date, err := ParseDay(d.Date)
	return incidentmap.Response{
		Date: date, DatePrecision: incidentmap.DatePrecision(d.DatePrecision), Actor: d.Actor,
		ActorCountry: d.ActorCountry, Kind: incidentmap.ResponseKind(d.Kind), Summary: d.Summary, Source: src,
	}, err
}

// MarshalSources writes sources as a JSON array of SourceDoc, [] when
// there are none.
func MarshalSources(srcs []incidentmap.Source) ([]byte, error) {
	if len(srcs) == 0 {
		return []byte(emptyList), nil
	}
	docs := make([]SourceDoc, len(srcs))
	for i, s := range srcs {
		docs[i] = newSourceDoc(s)
	}
	return json.Marshal(docs)
}

// MarshalResponses writes responses as a JSON array of ResponseDoc, []
// when there are none.
func MarshalResponses(rs []incidentmap.Response) ([]byte, error) {
	if len(rs) == 0 {
		return []byte(emptyList), nil
	}
	docs := make([]ResponseDoc, len(rs))
	for i, r := range rs {
		docs[i] = ResponseDoc{
			Date: FormatDay(r.Date), DatePrecision: string(r.DatePrecision), Actor: r.Actor,
			ActorCountry: r.ActorCountry, Kind: string(r.Kind), Summary: r.Summary, Source: newSourceDoc(r.Source),
		}
	}
	return json.Marshal(docs)
}

// Sources reads what MarshalSources wrote; nil for none.
func Sources(b []byte) ([]incidentmap.Source, error) { return decodeDocs(b, SourceDoc.source) }

// Responses reads what MarshalResponses wrote; nil for none.
func Responses(b []byte) ([]incidentmap.Response, error) { return decodeDocs(b, ResponseDoc.response) }

// decodeDocs decodes a JSON array of documents D and converts each.
func decodeDocs[D, T any](b []byte, conv func(D) (T, error)) ([]T, error) {
	var docs []D
	if err := unmarshalList(b, &docs); err != nil || len(docs) == 0 {
		return nil, err
	}
	out := make([]T, len(docs))
	for i, d := range docs {
		var err error
		if out[i], err = conv(d); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FormatDay writes a calendar day as YYYY-MM-DD, and the zero time as "".
func FormatDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// ParseDay reads what FormatDay wrote.
func ParseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.DateOnly, s)
}

// RevisionMeta is the part of a revision's row that is not the incident.
type RevisionMeta struct {
	Seq   int64  `db:"seq"`
	Op    string `db:"op"`
	Actor string `db:"actor"`
}

// Revision returns the revision of meta at an instant, with the incident
// decode returns unless the revision is a delete.
func (m RevisionMeta) Revision(id string, version int, at time.Time, decode func() (*incidentmap.Incident, error)) (incidentmap.Revision, error) {
	rev := incidentmap.Revision{Seq: m.Seq, ID: id, Version: version, Op: incidentmap.Op(m.Op), Actor: m.Actor, At: at.UTC()}
	if rev.Op == incidentmap.OpDelete {
		return rev, nil
	}
	var err error
	if rev.Incident, err = decode(); err != nil {
		return rev, fmt.Errorf("decode revision %d: %w", m.Seq, err)
	}
	return rev, nil
}

// Collect scans every row of rows into a T and converts it with conv.
func Collect[T, U any](rows *sqlx.Rows, conv func(*T) (U, error)) ([]U, error) {
	defer rows.Close()
	var out []U
	for rows.Next() {
		var row T
		if err := rows.StructScan(&row); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		u, err := conv(&row)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// ChangesLimit bounds the page size of a change feed request (see
// incidentmap.Store.Changes).
func ChangesLimit(limit int) int {
	if limit <= 0 || limit > incidentmap.HistoryLimit {
		return incidentmap.HistoryLimit
	}
	return limit
}

// SQL that both dialects write alike, for the data as of an instant: the
// columns of a revision r that follow its location, and the latest
// revision of each incident at or before the instant bound to the one ?
// (incidents deleted by then left out).
const (
	RevisionColumnsAfterLocation = `r.location_precision, r.place_name, r.country, r.admin1_code, r.admin1_name,
	       r.event_type, r.sub_event_type, r.target_type, r.target_country, r.facility,
	       r.perpetrator, r.actors, r.fatalities, r.injuries, r.tags, r.sources, r.responses,
	       r.status, r.version, r.created_at, r.at AS updated_at`
	LatestRevisionsAt = `FROM incident_revisions r
	 WHERE r.seq IN (SELECT max(seq) FROM incident_revisions WHERE at <= ? GROUP BY incident_id)
	   AND r.op <> 'delete'`
)

// Get runs q, which selects the row of the incident id, and converts the
// row with conv; no row is ENOTFOUND.
func Get[T any](ctx context.Context, db *sqlx.DB, q, id string, conv func(*T) (*incidentmap.Incident, error)) (*incidentmap.Incident, error) {
	rows, err := db.QueryxContext(ctx, q, id)
	if err != nil {
		return nil, err
	}
	incs, err := Collect(rows, conv)
	if err != nil {
		return nil, err
	}
	if len(incs) == 0 {
		return nil, NotFound(id)
	}
	return incs[0], nil
}

// NotFound is the error for an id no incident has.
func NotFound(id string) *incidentmap.Error {
	return incidentmap.Errorf(incidentmap.ENOTFOUND, "no incident has id %q", id)
}
