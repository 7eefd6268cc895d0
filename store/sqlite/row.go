package sqlite

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/paulmach/orb"

	"github.com/incidentmap/incidentmap"
)

// incidentRow is an incidents row as selected by incidentColumns.
type incidentRow struct {
	ID                string  `db:"id"`
	ExternalIDs       string  `db:"external_ids"` // JSON array
	Title             string  `db:"title"`
	Summary           string  `db:"summary"`
	OccurredStart     string  `db:"occurred_start"`
	OccurredEnd       string  `db:"occurred_end"`
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
	Actors            string  `db:"actors"` // JSON array
	Fatalities        *int64  `db:"fatalities"`
	Injuries          *int64  `db:"injuries"`
	Tags              string  `db:"tags"`      // JSON array
	Sources           string  `db:"sources"`   // JSON array of sourceJSON
	Responses         string  `db:"responses"` // JSON array of responseJSON
	Status            string  `db:"status"`
	Version           int     `db:"version"`
	CreatedAt         string  `db:"created_at"`
	UpdatedAt         string  `db:"updated_at"`
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

// sourceJSON is a Source in the sources and responses columns.
type sourceJSON struct {
	Publisher   string `json:"publisher,omitempty"`
	Title       string `json:"title,omitempty"`
	URL         string `json:"url,omitempty"`
	PublishedOn string `json:"published_on,omitempty"` // YYYY-MM-DD
}

// responseJSON is a Response in the responses column.
type responseJSON struct {
	Date          string     `json:"date"` // YYYY-MM-DD
	DatePrecision string     `json:"date_precision"`
	Actor         string     `json:"actor"`
	ActorCountry  string     `json:"actor_country,omitempty"`
	Kind          string     `json:"kind"`
	Summary       string     `json:"summary,omitempty"`
	Source        sourceJSON `json:"source"`
}

// emptyJSON is how the JSON columns hold an empty list.
const emptyJSON = "[]"

// incidentArgs returns the values of an incident in the order of the columns
// of insertIncident, with created_at and updated_at set to now.
func incidentArgs(inc *incidentmap.Incident, now string) ([]any, error) {
	actors, err := marshalStrings(inc.Actors)
	if err != nil {
		return nil, err
	}
	tags, err := marshalStrings(inc.Tags)
	if err != nil {
		return nil, err
	}
	sources, err := marshalSources(inc.Sources)
	if err != nil {
		return nil, err
	}
	responses, err := marshalResponses(inc.Responses)
	if err != nil {
		return nil, err
	}
	return []any{
		inc.ID, inc.Title, inc.Summary,
		formatDay(inc.OccurredStart), formatDay(inc.OccurredEnd), string(inc.DatePrecision),
		inc.Location.Lon(), inc.Location.Lat(), string(inc.LocationPrecision),
		inc.PlaceName, inc.Country, inc.Admin1Code, inc.Admin1Name,
		inc.EventType, inc.SubEventType, string(inc.TargetType), inc.TargetCountry, inc.Facility,
		inc.Perpetrator, actors, inc.Fatalities, inc.Injuries, tags, sources, responses,
		string(inc.Status), 1, now, now,
	}, nil
}

func marshalStrings(ss []string) (string, error) {
	if len(ss) == 0 {
		return emptyJSON, nil
	}
	b, err := json.Marshal(ss)
	return string(b), err
}

func marshalSources(srcs []incidentmap.Source) (string, error) {
	if len(srcs) == 0 {
		return emptyJSON, nil
	}
	out := make([]sourceJSON, len(srcs))
	for i, s := range srcs {
		out[i] = toSourceJSON(s)
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func marshalResponses(rs []incidentmap.Response) (string, error) {
	if len(rs) == 0 {
		return emptyJSON, nil
	}
	out := make([]responseJSON, len(rs))
	for i, r := range rs {
		out[i] = responseJSON{
			Date:          formatDay(r.Date),
			DatePrecision: string(r.DatePrecision),
			Actor:         r.Actor,
			ActorCountry:  r.ActorCountry,
			Kind:          string(r.Kind),
			Summary:       r.Summary,
			Source:        toSourceJSON(r.Source),
		}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func toSourceJSON(s incidentmap.Source) sourceJSON {
	out := sourceJSON{Publisher: s.Publisher, Title: s.Title, URL: s.URL}
	if !s.PublishedOn.IsZero() {
		out.PublishedOn = formatDay(s.PublishedOn)
	}
	return out
}

// incident converts the row. Empty lists come back nil.
func (r *incidentRow) incident() (*incidentmap.Incident, error) {
	inc := &incidentmap.Incident{
		ID:                r.ID,
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
		Fatalities:        intPtr(r.Fatalities),
		Injuries:          intPtr(r.Injuries),
		Status:            incidentmap.Status(r.Status),
		Version:           r.Version,
	}
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
	var sources []sourceJSON
	if err := unmarshalList(r.Sources, &sources); err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	if len(sources) > 0 {
		inc.Sources = make([]incidentmap.Source, len(sources))
		for i, s := range sources {
			if inc.Sources[i], err = s.source(); err != nil {
				return nil, fmt.Errorf("sources: %w", err)
			}
		}
	}
	var responses []responseJSON
	if err := unmarshalList(r.Responses, &responses); err != nil {
		return nil, fmt.Errorf("responses: %w", err)
	}
	if len(responses) > 0 {
		inc.Responses = make([]incidentmap.Response, len(responses))
		for i, rj := range responses {
			if inc.Responses[i], err = rj.response(); err != nil {
				return nil, fmt.Errorf("responses: %w", err)
			}
		}
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

func (s sourceJSON) source() (incidentmap.Source, error) {
	out := incidentmap.Source{Publisher: s.Publisher, Title: s.Title, URL: s.URL}
	if s.PublishedOn != "" {
		var err error
		if out.PublishedOn, err = time.Parse(dayLayout, s.PublishedOn); err != nil {
			return out, err
		}
	}
	return out, nil
}

func (r responseJSON) response() (incidentmap.Response, error) {
	date, err := time.Parse(dayLayout, r.Date)
	if err != nil {
		return incidentmap.Response{}, err
	}
	src, err := r.Source.source()
	if err != nil {
		return incidentmap.Response{}, err
	}
	return incidentmap.Response{
		Date:          date,
		DatePrecision: incidentmap.DatePrecision(r.DatePrecision),
		Actor:         r.Actor,
		ActorCountry:  r.ActorCountry,
		Kind:          incidentmap.ResponseKind(r.Kind),
		Summary:       r.Summary,
		Source:        src,
	}, nil
}

func intPtr(p *int64) *int {
	if p == nil {
		return nil
	}
	n := int(*p)
	return &n
}
