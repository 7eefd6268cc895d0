package postgis

import (
	"fmt"
	"time"

	"github.com/paulmach/orb/encoding/ewkb"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/record"
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
// stores keep alike, and the dates and instants.
type incidentRow struct {
	record.Row
	OccurredStart time.Time `db:"occurred_start"`
	OccurredEnd   time.Time `db:"occurred_end"`
	CreatedAt     time.Time `db:"created_at"`
	UpdatedAt     time.Time `db:"updated_at"`
}

// incident converts the row to the domain type.
func (r *incidentRow) incident() (*incidentmap.Incident, error) {
	inc, err := r.Row.Incident()
	if err != nil {
		return nil, err
	}
	inc.OccurredStart, inc.OccurredEnd = r.OccurredStart.UTC(), r.OccurredEnd.UTC()
	inc.CreatedAt, inc.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return inc, nil
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
	sourcesJSON, err := record.MarshalSources(inc.Sources)
	if err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	responsesJSON, err := record.MarshalResponses(inc.Responses)
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

// revisionRow is an incident_revisions row as selectRevisions (history.go) reads it.
type revisionRow struct {
	incidentRow
	record.RevisionMeta
}
