package postgis

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"
)

// selectIncident reads every column of incidentRow. Text arrays come back as
// JSON arrays (array_to_json), which database/sql can hand over as bytes; the
// external ids come from a correlated subquery, so a page is one query.
const selectIncident = `SELECT i.id,
	array_to_json(ARRAY(SELECT x.external_id FROM incident_external_ids x WHERE x.incident_id = i.id ORDER BY x.ord)) AS external_ids,
	i.title, i.summary, i.occurred_start, i.occurred_end, i.date_precision,
	ST_X(i.location) AS lon, ST_Y(i.location) AS lat, i.location_precision, i.place_name,
	i.country, i.admin1_code, i.admin1_name, i.event_type, i.sub_event_type,
	i.target_type, i.target_country, i.facility, i.perpetrator,
	array_to_json(i.actors) AS actors, i.fatalities, i.injuries, array_to_json(i.tags) AS tags,
	i.sources, i.responses, i.status, i.version, i.created_at, i.updated_at
FROM incidents i`

// incidentRow is an incident as selectIncident reads it.
type incidentRow struct {
	ID                string     `db:"id"`
	ExternalIDs       stringList `db:"external_ids"`
	Title             string     `db:"title"`
	Summary           string     `db:"summary"`
	OccurredStart     time.Time  `db:"occurred_start"`
	OccurredEnd       time.Time  `db:"occurred_end"`
	DatePrecision     string     `db:"date_precision"`
	Lon               float64    `db:"lon"`
	Lat               float64    `db:"lat"`
	LocationPrecision string     `db:"location_precision"`
	PlaceName         string     `db:"place_name"`
	Country           string     `db:"country"`
	Admin1Code        string     `db:"admin1_code"`
	Admin1Name        string     `db:"admin1_name"`
	EventType         string     `db:"event_type"`
	SubEventType      string     `db:"sub_event_type"`
	TargetType        string     `db:"target_type"`
	TargetCountry     string     `db:"target_country"`
	Facility          string     `db:"facility"`
	Perpetrator       string     `db:"perpetrator"`
	Actors            stringList `db:"actors"`
	Fatalities        *int       `db:"fatalities"`
	Injuries          *int       `db:"injuries"`
	Tags              stringList `db:"tags"`
	Sources           []byte     `db:"sources"`
	Responses         []byte     `db:"responses"`
	Status            string     `db:"status"`
	Version           int        `db:"version"`
	CreatedAt         time.Time  `db:"created_at"`
	UpdatedAt         time.Time  `db:"updated_at"`
}

// incident converts the row to the domain type.
func (r *incidentRow) incident() (*incidentmap.Incident, error) {
	inc := &incidentmap.Incident{
		ID:                r.ID,
		ExternalIDs:       r.ExternalIDs,
		Title:             r.Title,
		Summary:           r.Summary,
		OccurredStart:     r.OccurredStart.UTC(),
		OccurredEnd:       r.OccurredEnd.UTC(),
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
		CreatedAt:         r.CreatedAt.UTC(),
		UpdatedAt:         r.UpdatedAt.UTC(),
	}
	var sources []sourceDoc
	if err := unmarshalList(r.Sources, &sources); err != nil {
		return nil, fmt.Errorf("sources of %s: %w", r.ID, err)
	}
	for _, d := range sources {
		src, err := d.source()
		if err != nil {
			return nil, fmt.Errorf("sources of %s: %w", r.ID, err)
		}
		inc.Sources = append(inc.Sources, src)
	}
	var responses []responseDoc
	if err := unmarshalList(r.Responses, &responses); err != nil {
		return nil, fmt.Errorf("responses of %s: %w", r.ID, err)
	}
	for _, d := range responses {
		resp, err := d.response()
		if err != nil {
			return nil, fmt.Errorf("responses of %s: %w", r.ID, err)
		}
		inc.Responses = append(inc.Responses, resp)
	}
	return inc, nil
}

// unmarshalList decodes a JSON array into v, skipping the decoder for the
// common empty array.
func unmarshalList(b []byte, v any) error {
	if string(b) == "[]" {
		return nil
	}
	return json.Unmarshal(b, v)
}

// stringList scans a JSON array of strings; SQL NULL and [] give nil.
type stringList []string

// Scan implements sql.Scanner.
func (l *stringList) Scan(src any) error {
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
		return fmt.Errorf("postgis: cannot scan %T into a string list", src)
	}
	if string(b) == "[]" {
		return nil
	}
	var out []string
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Errorf("postgis: string list: %w", err)
	}
	if len(out) > 0 {
		*l = out
	}
	return nil
}

// sourceDoc is a Source as stored in the sources and responses jsonb columns.
type sourceDoc struct {
	Publisher   string `json:"publisher,omitempty"`
	Title       string `json:"title,omitempty"`
	URL         string `json:"url,omitempty"`
	PublishedOn string `json:"published_on,omitempty"` // YYYY-MM-DD
}

// responseDoc is a Response as stored in the responses jsonb column.
type responseDoc struct {
	Date          string    `json:"date"` // YYYY-MM-DD
	DatePrecision string    `json:"date_precision"`
	Actor         string    `json:"actor"`
	ActorCountry  string    `json:"actor_country,omitempty"`
	Kind          string    `json:"kind"`
	Summary       string    `json:"summary,omitempty"`
	Source        sourceDoc `json:"source"`
}

func newSourceDoc(s incidentmap.Source) sourceDoc {
	return sourceDoc{Publisher: s.Publisher, Title: s.Title, URL: s.URL, PublishedOn: formatDay(s.PublishedOn)}
}

func (d sourceDoc) source() (incidentmap.Source, error) {
	on, err := parseDay(d.PublishedOn)
	return incidentmap.Source{Publisher: d.Publisher, Title: d.Title, URL: d.URL, PublishedOn: on}, err
}

func (d responseDoc) response() (incidentmap.Response, error) {
	src, err := d.Source.source()
	if err != nil {
		return incidentmap.Response{}, err
	}
	date, err := parseDay(d.Date)
	return incidentmap.Response{
		Date: date, DatePrecision: incidentmap.DatePrecision(d.DatePrecision), Actor: d.Actor,
		ActorCountry: d.ActorCountry, Kind: incidentmap.ResponseKind(d.Kind), Summary: d.Summary, Source: src,
	}, err
}

// formatDay writes a calendar day as YYYY-MM-DD, and the zero time as "".
func formatDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// parseDay reads what formatDay wrote.
func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.DateOnly, s)
}

// incidentColumns returns the columns of incidents in the order
// incidentValues gives them, for COPY.
func incidentColumns() []string {
	return []string{
		"id", "title", "summary", "occurred_start", "occurred_end", "date_precision",
		"location", "location_precision", "place_name", "country", "admin1_code", "admin1_name",
		"event_type", "sub_event_type", "target_type", "target_country", "facility", "perpetrator",
		"actors", "fatalities", "injuries", "tags", "sources", "responses",
		"status", "version", "created_at", "updated_at", "updated_by",
	}
}

// incidentValues returns the values of inc for incidentColumns, stamped as
// version 1 created at now by actor. The location is EWKB with SRID 4326, which COPY's
// binary format passes to geometry's receive function as it is.
func incidentValues(inc *incidentmap.Incident, now time.Time, actor string) ([]any, error) {
	location, err := ewkb.Marshal(inc.Location, 4326)
	if err != nil {
		return nil, fmt.Errorf("location: %w", err)
	}
	sources := make([]sourceDoc, len(inc.Sources))
	for i, s := range inc.Sources {
		sources[i] = newSourceDoc(s)
	}
	sourcesJSON, err := json.Marshal(sources)
	if err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	responses := make([]responseDoc, len(inc.Responses))
	for i, r := range inc.Responses {
		responses[i] = responseDoc{
			Date: formatDay(r.Date), DatePrecision: string(r.DatePrecision), Actor: r.Actor,
			ActorCountry: r.ActorCountry, Kind: string(r.Kind), Summary: r.Summary, Source: newSourceDoc(r.Source),
		}
	}
	responsesJSON, err := json.Marshal(responses)
	if err != nil {
		return nil, fmt.Errorf("responses: %w", err)
	}
	return []any{
		inc.ID, inc.Title, inc.Summary, inc.OccurredStart.UTC(), inc.OccurredEnd.UTC(), string(inc.DatePrecision),
		location, string(inc.LocationPrecision), inc.PlaceName, inc.Country, inc.Admin1Code, inc.Admin1Name,
		inc.EventType, inc.SubEventType, string(inc.TargetType), inc.TargetCountry, inc.Facility, inc.Perpetrator,
		nonNil(inc.Actors), inc.Fatalities, inc.Injuries, nonNil(inc.Tags), sourcesJSON, responsesJSON,
		string(inc.Status), 1, now, now, actor,
	}, nil
}

// nonNil returns s, or an empty slice for nil, which would be written as NULL.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
