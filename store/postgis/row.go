package postgis

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/paulmach/orb/encoding/ewkb"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/row"
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

// incidentRow is an incident as selectIncident reads it: the columns both
// stores read alike (row.Scalars), and the days, instants and lists in
// PostgreSQL's types.
type incidentRow struct {
	row.Scalars
	ExternalIDs   stringList `db:"external_ids"`
	OccurredStart time.Time  `db:"occurred_start"`
	OccurredEnd   time.Time  `db:"occurred_end"`
	Actors        stringList `db:"actors"`
	Tags          stringList `db:"tags"`
	Sources       []byte     `db:"sources"`   // row.MarshalSources
	Responses     []byte     `db:"responses"` // row.MarshalResponses
	CreatedAt     time.Time  `db:"created_at"`
	UpdatedAt     time.Time  `db:"updated_at"`
}

// incident converts the row to the domain type.
func (r *incidentRow) incident() (*incidentmap.Incident, error) {
	inc := r.Scalars.Incident()
	inc.ExternalIDs, inc.Actors, inc.Tags = r.ExternalIDs, r.Actors, r.Tags
	inc.OccurredStart, inc.OccurredEnd = r.OccurredStart.UTC(), r.OccurredEnd.UTC()
	inc.CreatedAt, inc.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	var err error
	if inc.Sources, err = row.UnmarshalSources(r.Sources); err != nil {
		return nil, fmt.Errorf("sources of %s: %w", r.ID, err)
	}
	if inc.Responses, err = row.UnmarshalResponses(r.Responses); err != nil {
		return nil, fmt.Errorf("responses of %s: %w", r.ID, err)
	}
	return inc, nil
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
	sourcesJSON, err := row.MarshalSources(inc.Sources)
	if err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	responsesJSON, err := row.MarshalResponses(inc.Responses)
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
