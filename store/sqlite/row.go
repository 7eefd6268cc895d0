package sqlite

import (
	"fmt"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/record"
)

// incidentRow is an incidents row as selected by incidentColumns: the
// columns both stores keep alike, and the days and instants, which SQLite
// keeps as text.
type incidentRow struct {
	record.Row
	OccurredStart string `db:"occurred_start"`
	OccurredEnd   string `db:"occurred_end"`
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

// incidentArgs returns the values of an incident in the order of the columns
// of insertIncident, with created_at and updated_at set to now.
func incidentArgs(inc *incidentmap.Incident, now string) ([]any, error) {
	var lists [4][]byte
	var err error
	if lists[0], err = record.MarshalList(inc.Actors); err == nil {
		if lists[1], err = record.MarshalList(inc.Tags); err == nil {
			if lists[2], err = record.MarshalSources(inc.Sources); err == nil {
				lists[3], err = record.MarshalResponses(inc.Responses)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return []any{
		inc.ID, inc.Title, inc.Summary,
		formatDay(inc.OccurredStart), formatDay(inc.OccurredEnd), string(inc.DatePrecision),
		inc.Location.Lon(), inc.Location.Lat(), string(inc.LocationPrecision),
		inc.PlaceName, inc.Country, inc.Admin1Code, inc.Admin1Name,
		inc.EventType, inc.SubEventType, string(inc.TargetType), inc.TargetCountry, inc.Facility,
		inc.Perpetrator, string(lists[0]), inc.Fatalities, inc.Injuries, string(lists[1]), string(lists[2]), string(lists[3]),
		string(inc.Status), 1, now, now,
	}, nil
}

// incident converts the row. Empty lists come back nil.
func (r *incidentRow) incident() (*incidentmap.Incident, error) {
	inc, err := r.Row.Incident()
	if err != nil {
		return nil, err
	}
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
	return inc, nil
}

// revisionRow is an incident_revisions row as selectRevisions (write.go) reads it: the
// incident's columns (empty for a delete) and the revision's own.
type revisionRow struct {
	incidentRow
	record.RevisionMeta
}
