// Package row holds what the SQLite and PostGIS stores read and write
// alike in a row of incidents: the columns that both scan into the same Go
// types (Scalars), and the JSON in which both keep sources and responses.
// The dates, lists and location, which each database holds in its own
// types, stay with each store.
package row

import (
	"encoding/json"
	"time"

	"github.com/paulmach/orb"

	"github.com/incidentmap/incidentmap"
)

// Scalars are the columns of an incidents row that both stores scan into
// the same Go types; a store's row type embeds it.
type Scalars struct {
	ID                string  `db:"id"`
	Title             string  `db:"title"`
	Summary           string  `db:"summary"`
	DatePrecision     string  `db:"date_precision"`
	Lon               float64 `db:"lon"`
	Lat               float64 `db:"lat"`
	LocationPrecision string  `db:"location_precision"`
	PlaceName         string  `db:"place_name"`
	Country           string  `db:"country"`
	Admin1Code        string  `db:"admin1_code"`
	Admin1Name        string  `db:"admin1_name"`
	EventType         string  `db:"event_type"`
	SubEventType      string  `db:"sub_event_type"`
	TargetType        string  `db:"target_type"`
	TargetCountry     string  `db:"target_country"`
	Facility          string  `db:"facility"`
	Perpetrator       string  `db:"perpetrator"`
	Fatalities        *int64  `db:"fatalities"`
	Injuries          *int64  `db:"injuries"`
	Status            string  `db:"status"`
	Version           int     `db:"version"`
}

// Incident returns an incident with the fields of s set; the store sets
// the rest.
func (s *Scalars) Incident() *incidentmap.Incident {
	return &incidentmap.Incident{
		ID:                s.ID,
		Title:             s.Title,
		Summary:           s.Summary,
		DatePrecision:     incidentmap.DatePrecision(s.DatePrecision),
		Location:          orb.Point{s.Lon, s.Lat},
		LocationPrecision: incidentmap.LocationPrecision(s.LocationPrecision),
		PlaceName:         s.PlaceName,
		Country:           s.Country,
		Admin1Code:        s.Admin1Code,
		Admin1Name:        s.Admin1Name,
		EventType:         s.EventType,
		SubEventType:      s.SubEventType,
		TargetType:        incidentmap.TargetType(s.TargetType),
		TargetCountry:     s.TargetCountry,
		Facility:          s.Facility,
		Perpetrator:       s.Perpetrator,
		Fatalities:        intPtr(s.Fatalities),
		Injuries:          intPtr(s.Injuries),
		Status:            incidentmap.Status(s.Status),
		Version:           s.Version,
	}
}

func intPtr(p *int64) *int {
	if p == nil {
		return nil
	}
	n := int(*p)
	return &n
}

// sourceDoc is a Source in the sources and responses columns.
type sourceDoc struct {
	Publisher   string `json:"publisher,omitempty"`
	Title       string `json:"title,omitempty"`
	URL         string `json:"url,omitempty"`
	PublishedOn string `json:"published_on,omitempty"` // YYYY-MM-DD
}

// responseDoc is a Response in the responses column.
type responseDoc struct {
	Date          string    `json:"date"` // YYYY-MM-DD
	DatePrecision string    `json:"date_precision"`
	Actor         string    `json:"actor"`
	ActorCountry  string    `json:"actor_country,omitempty"`
	Kind          string    `json:"kind"`
	Summary       string    `json:"summary,omitempty"`
	Source        sourceDoc `json:"source"`
}

// emptyList is how the columns hold no sources or responses.
var emptyList = []byte("[]")

// MarshalSources returns the JSON of the sources column: an array, [] when
// there are none.
func MarshalSources(srcs []incidentmap.Source) ([]byte, error) {
	if len(srcs) == 0 {
		return emptyList, nil
	}
	out := make([]sourceDoc, len(srcs))
	for i, s := range srcs {
		out[i] = newSourceDoc(s)
	}
	return json.Marshal(out)
}

// MarshalResponses returns the JSON of the responses column: an array, []
// when there are none.
func MarshalResponses(rs []incidentmap.Response) ([]byte, error) {
	if len(rs) == 0 {
		return emptyList, nil
	}
	out := make([]responseDoc, len(rs))
	for i, r := range rs {
		out[i] = responseDoc{Date: formatDay(r.Date), DatePrecision: string(r.DatePrecision), Actor: r.Actor,
			ActorCountry: r.ActorCountry, Kind: string(r.Kind), Summary: r.Summary, Source: newSourceDoc(r.Source)}
	}
	return json.Marshal(out)
}

// UnmarshalSources reads what MarshalSources wrote; none (also for an
// empty or NULL column) is nil.
func UnmarshalSources[T string | []byte](b T) ([]incidentmap.Source, error) {
	return unmarshalDocs(b, sourceDoc.source)
}

// UnmarshalResponses reads what MarshalResponses wrote; none (also for an
// empty or NULL column) is nil.
func UnmarshalResponses[T string | []byte](b T) ([]incidentmap.Response, error) {
	return unmarshalDocs(b, responseDoc.response)
}

// unmarshalDocs decodes a JSON array of documents D and converts each.
func unmarshalDocs[T string | []byte, D, V any](b T, convert func(D) (V, error)) ([]V, error) {
	var docs []D
	if err := unmarshalList(b, &docs); err != nil || len(docs) == 0 {
		return nil, err
	}
	out := make([]V, len(docs))
	for i, d := range docs {
		var err error
		if out[i], err = convert(d); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// unmarshalList decodes a JSON array into v, skipping the decoder for the
// common empty array and for NULL.
func unmarshalList[T string | []byte](b T, v any) error {
	if len(b) == 0 || string(b) == "[]" {
		return nil
	}
	return json.Unmarshal([]byte(b), v)
}

func newSourceDoc(s incidentmap.Source) sourceDoc {
	return sourceDoc{Publisher: s.Publisher, Title: s.Title, URL: s.URL, PublishedOn: formatDay(s.PublishedOn)}
}

func (d responseDoc) response() (incidentmap.Response, error) {
	date, err := time.Parse(time.DateOnly, d.Date)
	if err != nil {
		return incidentmap.Response{}, err
	}
	src, err := d.Source.source()
	if err != nil {
		return incidentmap.Response{}, err
	}
	return incidentmap.Response{Date: date, DatePrecision: incidentmap.DatePrecision(d.DatePrecision),
		Actor: d.Actor, ActorCountry: d.ActorCountry, Kind: incidentmap.ResponseKind(d.Kind), Summary: d.Summary, Source: src}, nil
}

func (d sourceDoc) source() (incidentmap.Source, error) {
	out := incidentmap.Source{Publisher: d.Publisher, Title: d.Title, URL: d.URL}
	if d.PublishedOn != "" {
		var err error
		if out.PublishedOn, err = time.Parse(time.DateOnly, d.PublishedOn); err != nil {
			return out, err
		}
	}
	return out, nil
}

// formatDay writes a calendar day as YYYY-MM-DD, and the zero time as "".
func formatDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}
