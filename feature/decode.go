package feature

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/paulmach/orb"
)

// wireFeature is the GeoJSON Feature as read. Pointers tell null from absent
// where that matters.
type wireFeature struct {
	Type       string          `json:"type"`
	ID         json.RawMessage `json:"id"`
	Geometry   *wireGeometry   `json:"geometry"`
	Properties *wireProperties `json:"properties"`
	BBox       json.RawMessage `json:"bbox"`
}

type wireGeometry struct {
	Type        string    `json:"type"`
	Coordinates []float64 `json:"coordinates"`
}

type wireProperties struct {
	Title             string         `json:"title"`
	Summary           string         `json:"summary"`
	OccurredStart     string         `json:"occurred_start"`
	OccurredEnd       string         `json:"occurred_end"`
	DatePrecision     string         `json:"date_precision"`
	LocationPrecision string         `json:"location_precision"`
	PlaceName         string         `json:"place_name"`
	Country           string         `json:"country"`
	Admin1Code        string         `json:"admin1_code"`
	Admin1Name        string         `json:"admin1_name"`
	EventType         string         `json:"event_type"`
	SubEventType      string         `json:"sub_event_type"`
	TargetType        string         `json:"target_type"`
	TargetCountry     string         `json:"target_country"`
	Facility          string         `json:"facility"`
	Perpetrator       string         `json:"perpetrator"`
	Actors            []string       `json:"actors"`
	Fatalities        *int           `json:"fatalities"`
	Injuries          *int           `json:"injuries"`
	Tags              []string       `json:"tags"`
	ExternalIDs       []string       `json:"external_ids"`
	Sources           []wireSource   `json:"sources"`
	Responses         []wireResponse `json:"responses"`
	Status            string         `json:"status"`
	// Server-written; accepted and ignored on input.
	Version   json.RawMessage `json:"version"`
	CreatedAt json.RawMessage `json:"created_at"`
	UpdatedAt json.RawMessage `json:"updated_at"`
}

type wireSource struct {
	Publisher   string `json:"publisher"`
	Title       string `json:"title"`
	URL         string `json:"url"`
	PublishedOn string `json:"published_on"`
}

type wireResponse struct {
	Date          string     `json:"date"`
	DatePrecision string     `json:"date_precision"`
	Actor         string     `json:"actor"`
	ActorCountry  string     `json:"actor_country"`
	Kind          string     `json:"kind"`
	Summary       string     `json:"summary"`
	Source        wireSource `json:"source"`
}

// Decode reads one GeoJSON Feature in the wire shape and returns the
// incident it describes, validated. Absent optional values take defaults:
// occurred_end = occurred_start, date_precision day, status published.
// Version and timestamps in the input are ignored. Errors are EINVALID and
// name the property at fault.
func Decode(data []byte) (*incidentmap.Incident, error) {
	inc, hasPoint, err := Parse(data)
	if err != nil {
		return nil, err
	}
	if !hasPoint {
		return nil, incidentmap.Invalidf("geometry", "must be a Point")
	}
	if err := inc.Validate(); err != nil {
		return nil, err
	}
	return inc, nil
}

// Parse reads one GeoJSON Feature in the wire shape as Decode does, with
// its defaults, but does not validate the incident, and accepts a null or
// missing geometry (hasPoint false), so that an importer can complete the
// incident (geocode it, add its country) before it validates it. Errors
// are EINVALID and name the property at fault.
func Parse(data []byte) (inc *incidentmap.Incident, hasPoint bool, err error) {
	var w wireFeature
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return nil, false, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false, incidentmap.Invalidf("feature", "unexpected data after the Feature")
	}
	return w.incident()
}

// ParseNext is Parse of the next value of a stream, read in one pass: dec
// must have DisallowUnknownFields set. It also returns the feature's id as
// far as it could be read, for error messages. After an error that is not
// an *incidentmap.Error (malformed JSON, a read error), the stream cannot
// go on; after one, dec stands after the value.
func ParseNext(dec *json.Decoder) (inc *incidentmap.Incident, hasPoint bool, id string, err error) {
	var w wireFeature
	if err := dec.Decode(&w); err != nil {
		json.Unmarshal(w.ID, &id)
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) || strings.HasPrefix(err.Error(), "json: unknown field ") {
			return nil, false, id, jsonError(err)
		}
		return nil, false, id, err // malformed or unreadable: the stream cannot go on
	}
	inc, hasPoint, err = w.incident()
	json.Unmarshal(w.ID, &id)
	return inc, hasPoint, id, err
}

// ParseRaw is ParseNext of data, the bytes of one JSON value: errors that
// are not *incidentmap.Error mean data is not one well-formed JSON value.
// It lets an importer split a stream into features and decode them in
// parallel.
func ParseRaw(data []byte) (inc *incidentmap.Incident, hasPoint bool, id string, err error) {
	var d Decoder
	return d.Parse(data)
}

// parseSlow is ParseRaw through encoding/json alone.
func parseSlow(data []byte) (inc *incidentmap.Incident, hasPoint bool, id string, err error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	inc, hasPoint, id, err = ParseNext(dec)
	var domainErr *incidentmap.Error
	if err == nil || errors.As(err, &domainErr) {
		if _, tokErr := dec.Token(); tokErr != io.EOF {
			return nil, false, id, errors.New("feature: unexpected data after the value")
		}
	}
	return inc, hasPoint, id, err
}

// incident maps a decoded wire feature to an incident with defaults.
func (w *wireFeature) incident() (inc *incidentmap.Incident, hasPoint bool, err error) {
	if w.Type != "Feature" {
		return nil, false, incidentmap.Invalidf("type", `must be "Feature", got %q`, w.Type)
	}
	var id string
	if err := json.Unmarshal(w.ID, &id); err != nil {
		return nil, false, incidentmap.Invalidf("id", "must be a string")
	}
	return w.incidentWithID(id)
}

// incidentWithID is incident with the id already read.
func (w *wireFeature) incidentWithID(id string) (inc *incidentmap.Incident, hasPoint bool, err error) {
	if w.Geometry != nil {
		if w.Geometry.Type != "Point" {
			return nil, false, incidentmap.Invalidf("geometry", "must be a Point")
		}
		if n := len(w.Geometry.Coordinates); n != 2 && n != 3 {
			return nil, false, incidentmap.Invalidf("geometry", "a Point needs [longitude, latitude], got %d numbers", n)
		}
	}
	if w.Properties == nil {
		return nil, false, incidentmap.Invalidf("properties", "are required")
	}
	p := w.Properties
	inc = &incidentmap.Incident{
		ID:                id,
		ExternalIDs:       p.ExternalIDs,
		Title:             p.Title,
		Summary:           p.Summary,
		DatePrecision:     incidentmap.DatePrecision(orDefault(p.DatePrecision, string(incidentmap.DateDay))),
		LocationPrecision: incidentmap.LocationPrecision(p.LocationPrecision),
		PlaceName:         p.PlaceName,
		Country:           p.Country,
		Admin1Code:        p.Admin1Code,
		Admin1Name:        p.Admin1Name,
		EventType:         p.EventType,
		SubEventType:      p.SubEventType,
		TargetType:        incidentmap.TargetType(p.TargetType),
		TargetCountry:     p.TargetCountry,
		Facility:          p.Facility,
		Perpetrator:       p.Perpetrator,
		Actors:            p.Actors,
		Fatalities:        p.Fatalities,
		Injuries:          p.Injuries,
		Tags:              p.Tags,
		Status:            incidentmap.Status(orDefault(p.Status, string(incidentmap.StatusPublished))),
	}
	if w.Geometry != nil {
		inc.Location = orb.Point{w.Geometry.Coordinates[0], w.Geometry.Coordinates[1]}
	}
	if inc.OccurredStart, err = parseDay("occurred_start", p.OccurredStart); err != nil {
		return nil, false, err
	}
	inc.OccurredEnd = inc.OccurredStart
	if p.OccurredEnd != "" {
		if inc.OccurredEnd, err = parseDay("occurred_end", p.OccurredEnd); err != nil {
			return nil, false, err
		}
	}
	for _, s := range p.Sources {
		src, err := s.source("sources")
		if err != nil {
			return nil, false, err
		}
		inc.Sources = append(inc.Sources, src)
	}
	for _, r := range p.Responses {
		day, err := parseDay("responses", r.Date)
		if err != nil {
			return nil, false, err
		}
		src, err := r.Source.source("responses")
		if err != nil {
			return nil, false, err
		}
		inc.Responses = append(inc.Responses, incidentmap.Response{
			Date:          day,
			DatePrecision: incidentmap.DatePrecision(orDefault(r.DatePrecision, string(incidentmap.DateDay))),
			Actor:         r.Actor,
			ActorCountry:  r.ActorCountry,
			Kind:          incidentmap.ResponseKind(r.Kind),
			Summary:       r.Summary,
			Source:        src,
		})
	}
	return inc, w.Geometry != nil, nil
}

func (s wireSource) source(field string) (incidentmap.Source, error) {
	src := incidentmap.Source{Publisher: s.Publisher, Title: s.Title, URL: s.URL}
	if s.PublishedOn != "" {
		day, err := parseDay(field, s.PublishedOn)
		if err != nil {
			return src, err
		}
		src.PublishedOn = day
	}
	return src, nil
}

func parseDay(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, incidentmap.Invalidf(field, "a date YYYY-MM-DD is required")
	}
	if t, ok := plainDay(s); ok {
		return t, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, incidentmap.Invalidf(field, "must be a date YYYY-MM-DD, got %q", s)
	}
	return t, nil
}

// plainDay reads a valid date YYYY-MM-DD as time.Parse(time.DateOnly)
// does, without its general layout machinery, which took a tenth of the
// decoding of a feature; false leaves s to time.Parse, for its verdict.
func plainDay(s string) (time.Time, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	n := 0
	for i, c := range []byte(s) {
		if i == 4 || i == 7 {
			continue
		}
		if c < '0' || c > '9' {
			return time.Time{}, false
		}
		n = n*10 + int(c-'0')
	}
	year, month, day := n/10000, time.Month(n/100%100), n%100
	if month < time.January || month > time.December || day < 1 || day > 31 {
		return time.Time{}, false
	}
	// time.Date normalises a day past the month's end into the next
	// month: such a day is not a date.
	t := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	return t, t.Day() == day
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// jsonError turns a decoding error into an EINVALID error naming the field.
func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		path := orDefault(typeErr.Field, "feature")
		field := path
		if i := strings.LastIndex(field, "."); i >= 0 {
			field = field[i+1:]
		}
		if (field == "sources" || field == "responses") && typeErr.Type.Kind() == reflect.Struct {
			path += "[]" // an item of the list
		}
		return &incidentmap.Error{Code: incidentmap.EINVALID, Param: field,
			Message: fmt.Sprintf("%s: must be %s, got a JSON %s", path, expectedJSON(typeErr.Type), typeErr.Value)}
	case errors.As(err, &syntaxErr):
		return incidentmap.Invalidf("feature", "malformed JSON at byte %d", syntaxErr.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		if unquoted, err := strconv.Unquote(name); err == nil {
			name = unquoted
		}
		return incidentmap.Invalidf(orDefault(name, "feature"), "is not a known property")
	}
	return incidentmap.Invalidf("feature", "%s", fmt.Sprint(err))
}

// expectedJSON describes in JSON terms the value a Go type of the wire
// format takes, for error messages: never a Go type name.
func expectedJSON(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[wireSource]():
		return "an object {publisher, title, url, published_on}"
	case reflect.TypeFor[wireResponse]():
		return "an object {date, date_precision, actor, actor_country, kind, summary, source}"
	case reflect.TypeFor[wireGeometry]():
		return `a Point geometry {"type": "Point", "coordinates": [lon, lat]}`
	case reflect.TypeFor[wireProperties]():
		return "an object of properties"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return expectedJSON(t.Elem()) + " or null"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "an array whose items are each " + expectedJSON(t.Elem())
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "another JSON value"
}
