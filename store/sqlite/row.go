package sqlite

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/row"
)

// incidentRow is an incidents row as selected by incidentColumns: the
// columns both stores read alike (row.Scalars), and the days, instants and
// lists, which SQLite holds as text.
type incidentRow struct {
	row.Scalars
	ExternalIDs   string `db:"external_ids"` // JSON array
	OccurredStart string `db:"occurred_start"`
	OccurredEnd   string `db:"occurred_end"`
	Actors        string `db:"actors"`    // JSON array
	Tags          string `db:"tags"`      // JSON array
	Sources       string `db:"sources"`   // JSON array (row.MarshalSources)
	Responses     string `db:"responses"` // JSON array (row.MarshalResponses)
	CreatedAt     string `db:"created_at"`
	UpdatedAt     string `db:"updated_at"`
}

// incidentColumns selects an incidentRow from incidents aliased i. The
// external ids come from a correlated subquery on their index, so that a
// page of incidents costs one statement, not one more per incident.
const incidentColumns = `i.id,
	(SELECT json_group_array(x.external_id ORDER BY x.position)
	   FROM incident_external_ids x WHERE x.incident_id = i.id) AS external_ids,
	i.title, i.summary, i.occurred_start, i.occurred_end, i.date_precision,
	i.lon, i.lat, i.location_precision, i.place_name, i.country, i.admin1_code, i.admin1_name,
	i.event_type, i.sub_event_type, i.target_type, i.target_country, i.facility,
	i.perpetrator, i.actors, i.fatalities, i.injuries, i.tags, i.sources, i.responses,
	i.status, i.version, i.created_at, i.updated_at`

// emptyJSON is how the JSON columns hold an empty list.
const emptyJSON = "[]"

// incidentArgs returns the values of an incident in the order of the columns
// of insertIncident, with created_at and updated_at set to now.
func incidentArgs(inc *incidentmap.Incident, now string) ([]any, error) {
	return appendIncidentArgs(nil, inc, now)
}

// appendIncidentArgs appends the values of incidentArgs to dst.
func appendIncidentArgs(dst []any, inc *incidentmap.Incident, now string) ([]any, error) {
	actors, err := marshalStrings(inc.Actors)
	if err != nil {
		return dst, err
	}
	tags, err := marshalStrings(inc.Tags)
	if err != nil {
		return dst, err
	}
	sources, err := row.MarshalSources(inc.Sources)
	if err != nil {
		return dst, err
	}
	responses, err := row.MarshalResponses(inc.Responses)
	if err != nil {
		return dst, err
	}
	return append(dst,
		inc.ID, inc.Title, inc.Summary,
		formatDay(inc.OccurredStart), formatDay(inc.OccurredEnd), string(inc.DatePrecision),
		inc.Location.Lon(), inc.Location.Lat(), string(inc.LocationPrecision),
		inc.PlaceName, inc.Country, inc.Admin1Code, inc.Admin1Name,
		inc.EventType, inc.SubEventType, string(inc.TargetType), inc.TargetCountry, inc.Facility,
		inc.Perpetrator, actors, inc.Fatalities, inc.Injuries, tags, string(sources), string(responses),
		string(inc.Status), 1, now, now,
	), nil
}

func marshalStrings(ss []string) (string, error) {
	if len(ss) == 0 {
		return emptyJSON, nil
	}
	b, err := json.Marshal(ss)
	return string(b), err
}

// incident converts the row. Empty lists come back nil.
func (r *incidentRow) incident() (*incidentmap.Incident, error) {
	inc := r.Scalars.Incident()
	var err error
	if inc.OccurredStart, err = time.Parse(dayLayout, r.OccurredStart); err != nil {
		return nil, fmt.Errorf("occurred_start: %w", err)
	}
	if inc.OccurredEnd, err = time.Parse(dayLayout, r.OccurredEnd); err != nil {
		return nil, fmt.Errorf("occurred_end: %w", err)
	}
	if inc.CreatedAt, err = time.Parse(instantLayout, r.CreatedAt); err != nil {
		return nil, fmt.Errorf("created_at: %w", err)
	}
	if inc.UpdatedAt, err = time.Parse(instantLayout, r.UpdatedAt); err != nil {
		return nil, fmt.Errorf("updated_at: %w", err)
	}
	if err := unmarshalList(r.ExternalIDs, &inc.ExternalIDs); err != nil {
		return nil, fmt.Errorf("external_ids: %w", err)
	}
	if err := unmarshalList(r.Actors, &inc.Actors); err != nil {
		return nil, fmt.Errorf("actors: %w", err)
	}
	if err := unmarshalList(r.Tags, &inc.Tags); err != nil {
		return nil, fmt.Errorf("tags: %w", err)
	}
	if inc.Sources, err = row.UnmarshalSources(r.Sources); err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	if inc.Responses, err = row.UnmarshalResponses(r.Responses); err != nil {
		return nil, fmt.Errorf("responses: %w", err)
	}
	return inc, nil
}

// unmarshalList decodes a JSON array column into v, leaving v nil for an
// empty list or NULL.
func unmarshalList(s string, v any) error {
	if s == "" || s == emptyJSON {
		return nil
	}
	return json.Unmarshal([]byte(s), v)
}
