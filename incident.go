package incidentmap

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// Incident is one event at one place over one (possibly uncertain) interval of
// days: an attack on a mission, a rocket aimed at an embassy, a protest that
// storms a consulate. Titles and summaries are our own words, never pasted text.
type Incident struct {
	// ID is stable, text, and unique: [A-Za-z0-9._:-], at most 128 bytes.
	ID string
	// ExternalIDs are identifiers in other data sets ("gtd:201909050012",
	// "acled:IRQ12345"); each is unique across all incidents.
	ExternalIDs []string

	Title   string
	Summary string

	// OccurredStart and OccurredEnd are calendar days (midnight UTC), both
	// inclusive. An uncertain date is an interval: "some day in November 2019"
	// is 2019-11-01..2019-11-30 with DatePrecision month.
	OccurredStart time.Time
	OccurredEnd   time.Time
	DatePrecision DatePrecision

	// Location is longitude, latitude in WGS 84.
	Location          orb.Point
	LocationPrecision LocationPrecision
	PlaceName         string
	Country           string // ISO 3166-1 alpha-3 of the host country
	Admin1Code        string // ISO 3166-2, e.g. "AF-HER"
	Admin1Name        string

	EventType    string // ACLED event type, see EventTypes
	SubEventType string // ACLED sub-event type of EventType

	TargetType    TargetType
	TargetCountry string // ISO 3166-1 alpha-3 of the state whose mission was hit
	Facility      string // e.g. "Consulate-General of Iran in Herat"

	Perpetrator string
	Actors      []string
	Fatalities  *int // nil: unknown, which is not the same as 0
	Injuries    *int
	Tags        []string

	Sources   []Source
	Responses []Response

	Status    Status
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Source is a report an incident rests on.
type Source struct {
	Publisher   string
	Title       string
	URL         string    // http or https; empty when not known
	PublishedOn time.Time // a day; zero when not known
}

// Response is a diplomatic reaction to an incident: a call, a summons, a
// protest note, a condemnation, a pledge to investigate.
type Response struct {
	Date          time.Time // a day
	DatePrecision DatePrecision
	Actor         string // who reacted, e.g. "Ministry of Foreign Affairs of Iran"
	ActorCountry  string // ISO 3166-1 alpha-3 of a state actor; empty for organisations
	Kind          ResponseKind
	Summary       string // one line, our own words
	Source        Source
}

// DatePrecision says how exactly the dates of an incident are known.
type DatePrecision string

// Date precisions, finest first.
const (
	DateDay   DatePrecision = "day"
	DateWeek  DatePrecision = "week"
	DateMonth DatePrecision = "month"
	DateYear  DatePrecision = "year"
)

// DatePrecisions lists the valid date precisions, finest first.
var DatePrecisions = []DatePrecision{DateDay, DateWeek, DateMonth, DateYear}

// LocationPrecision is the normalised scale that ACLED geo_precision, GTD
// specificity and GDELT geo types map onto.
type LocationPrecision string

// Location precisions, finest first.
const (
	LocationSite     LocationPrecision = "site"     // the building or compound
	LocationCity     LocationPrecision = "city"     // a town or city centre
	LocationDistrict LocationPrecision = "district" // a second-order division
	LocationProvince LocationPrecision = "province" // a first-order division
	LocationCountry  LocationPrecision = "country"
)

// LocationPrecisions lists the valid location precisions, finest first.
var LocationPrecisions = []LocationPrecision{LocationSite, LocationCity, LocationDistrict, LocationProvince, LocationCountry}

// TargetType classifies what an incident was aimed at.
type TargetType string

// Target types.
const (
	TargetEmbassy           TargetType = "embassy"
	TargetConsulate         TargetType = "consulate"
	TargetDiplomaticVehicle TargetType = "diplomatic_vehicle"
	TargetDiplomaticStaff   TargetType = "diplomatic_staff"
	TargetIntlOrganisation  TargetType = "international_organisation"
	TargetMilitary          TargetType = "military"
	TargetGovernment        TargetType = "government"
	TargetCivilian          TargetType = "civilian"
	TargetReligiousSite     TargetType = "religious_site"
	TargetOther             TargetType = "other"
)

// TargetTypes lists the valid target types.
var TargetTypes = []TargetType{TargetEmbassy, TargetConsulate, TargetDiplomaticVehicle, TargetDiplomaticStaff,
	TargetIntlOrganisation, TargetMilitary, TargetGovernment, TargetCivilian, TargetReligiousSite, TargetOther}

// ResponseKind classifies a diplomatic response.
type ResponseKind string

// Response kinds.
const (
	ResponseCall          ResponseKind = "call"          // a phone call between officials
	ResponseSummons       ResponseKind = "summons"       // an envoy summoned to a ministry
	ResponseProtestNote   ResponseKind = "protest_note"  // a formal written protest
	ResponseCondemnation  ResponseKind = "condemnation"  // a public condemnation
	ResponseDemand        ResponseKind = "demand"        // a demand for protection or prosecution
	ResponseInvestigation ResponseKind = "investigation" // a pledge or start of an investigation
	ResponseSecurity      ResponseKind = "security"      // a pledge or step to protect the mission
	ResponseStatement     ResponseKind = "statement"     // any other public statement
	ResponseMeeting       ResponseKind = "meeting"       // talks in person
)

// ResponseKinds lists the valid response kinds.
var ResponseKinds = []ResponseKind{ResponseCall, ResponseSummons, ResponseProtestNote, ResponseCondemnation,
	ResponseDemand, ResponseInvestigation, ResponseSecurity, ResponseStatement, ResponseMeeting}

// Status is the editorial state of an incident.
type Status string

// Statuses.
const (
	StatusDraft     Status = "draft"
	StatusPublished Status = "published"
	StatusRetracted Status = "retracted"
)

// Statuses lists the valid statuses.
var Statuses = []Status{StatusDraft, StatusPublished, StatusRetracted}

// ACLED event types: the keys of EventTypes.
const (
	EventTypeBattles     = "Battles"
	EventTypeExplosions  = "Explosions/Remote violence"
	EventTypeViolence    = "Violence against civilians"
	EventTypeProtests    = "Protests"
	EventTypeRiots       = "Riots"
	EventTypeDevelopment = "Strategic developments"
)

// ACLED sub-event types that code refers to by name; EventTypes lists all.
const (
	SubEventNonStateOvertakes  = "Non-state actor overtakes territory"
	SubEventAirDroneStrike     = "Air/drone strike"
	SubEventSuicideBomb        = "Suicide bomb"
	SubEventShelling           = "Shelling/artillery/missile attack"
	SubEventRemoteExplosive    = "Remote explosive/landmine/IED"
	SubEventGrenade            = "Grenade"
	SubEventAttack             = "Attack"
	SubEventPeacefulProtest    = "Peaceful protest"
	SubEventViolentDemo        = "Violent demonstration"
	SubEventNonViolentTransfer = "Non-violent transfer of territory"
)

// EventTypes maps each ACLED event type to its sub-event types.
var EventTypes = map[string][]string{
	EventTypeBattles: {"Armed clash", "Government regains territory", SubEventNonStateOvertakes},
	EventTypeExplosions: {"Chemical weapon", SubEventAirDroneStrike, SubEventSuicideBomb,
		SubEventShelling, SubEventRemoteExplosive, SubEventGrenade},
	EventTypeViolence: {"Sexual violence", SubEventAttack, "Abduction/forced disappearance"},
	EventTypeProtests: {SubEventPeacefulProtest, "Protest with intervention", "Excessive force against protesters"},
	EventTypeRiots:    {SubEventViolentDemo, "Mob violence"},
	EventTypeDevelopment: {"Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use",
		"Headquarters or base established", "Looting/property destruction", SubEventNonViolentTransfer, "Other"},
}

// ValidID reports whether id is a well-formed incident id: 1 to 128 ASCII
// letters, digits, '.', '_', ':' and '-', the first a letter or digit
// (^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$, checked by hand: the regular
// expression took a tenth of an import's validation).
func ValidID(id string) bool {
	if len(id) == 0 || len(id) > 128 || !isAlnum(id[0]) {
		return false
	}
	for i := 1; i < len(id); i++ {
		if c := id[i]; !isAlnum(c) && c != '.' && c != '_' && c != ':' && c != '-' {
			return false
		}
	}
	return true
}

func isUpperOrDigit(c byte) bool { return 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' }

func isAlnum(c byte) bool { return isUpperOrDigit(c) || 'a' <= c && c <= 'z' }

// Validate checks an incident before it is written. The returned *Error names
// the field at fault. It does not look at Version or the timestamps, which
// the store owns.
func (inc *Incident) Validate() error {
	if err := inc.checkText(); err != nil {
		return err
	}
	switch {
	case !ValidID(inc.ID):
		return Invalidf("id", "must be 1-128 characters of A-Z a-z 0-9 . _ : - starting with a letter or digit, got %q", inc.ID)
	case strings.TrimSpace(inc.Title) == "" || utf8.RuneCountInString(inc.Title) > 300:
		return Invalidf("title", "must be 1-300 characters")
	case !isDay(inc.OccurredStart):
		return Invalidf("occurred_start", "must be a calendar date")
	case !isDay(inc.OccurredEnd):
		return Invalidf("occurred_end", "must be a calendar date")
	case inc.OccurredEnd.Before(inc.OccurredStart):
		return Invalidf("occurred_end", "is before occurred_start")
	case !oneOf(inc.DatePrecision, DatePrecisions):
		return Invalidf("date_precision", "must be one of %v, got %q", DatePrecisions, inc.DatePrecision)
	case !ValidLonLat(inc.Location):
		return Invalidf("geometry", "longitude must be in [-180,180] and latitude in [-90,90], got %v", inc.Location)
	case !oneOf(inc.LocationPrecision, LocationPrecisions):
		return Invalidf("location_precision", "must be one of %v, got %q", LocationPrecisions, inc.LocationPrecision)
	case !ValidCountry(inc.Country):
		return Invalidf("country", "must be an ISO 3166-1 alpha-3 code, got %q", inc.Country)
	case inc.TargetCountry != "" && !ValidCountry(inc.TargetCountry):
		return Invalidf("target_country", "must be an ISO 3166-1 alpha-3 code, got %q", inc.TargetCountry)
	case !validEventType(inc.EventType, inc.SubEventType):
		return Invalidf("event_type", "must be an ACLED event type with a matching sub_event_type, got %q / %q", inc.EventType, inc.SubEventType)
	case !oneOf(inc.TargetType, TargetTypes):
		return Invalidf("target_type", "must be one of %v, got %q", TargetTypes, inc.TargetType)
	case inc.Fatalities != nil && *inc.Fatalities < 0:
		return Invalidf("fatalities", "must not be negative")
	case inc.Injuries != nil && *inc.Injuries < 0:
		return Invalidf("injuries", "must not be negative")
	case !oneOf(inc.Status, Statuses):
		return Invalidf("status", "must be one of %v, got %q", Statuses, inc.Status)
	}
	if err := inc.validateBounds(); err != nil {
		return err
	}
	for _, x := range inc.ExternalIDs {
		if !strings.Contains(x, ":") || len(x) > 128 {
			return Invalidf("external_ids", "%q must look like scheme:id", x)
		}
	}
	for _, s := range inc.Sources {
		if err := s.validate("sources"); err != nil {
			return err
		}
	}
	for _, r := range inc.Responses {
		switch {
		case !isDay(r.Date):
			return Invalidf("responses", "date must be a calendar date")
		case !oneOf(r.DatePrecision, DatePrecisions):
			return Invalidf("responses", "date_precision must be one of %v, got %q", DatePrecisions, r.DatePrecision)
		case strings.TrimSpace(r.Actor) == "":
			return Invalidf("responses", "actor is required")
		case r.ActorCountry != "" && !ValidCountry(r.ActorCountry):
			return Invalidf("responses", "actor_country must be an ISO 3166-1 alpha-3 code, got %q", r.ActorCountry)
		case !oneOf(r.Kind, ResponseKinds):
			return Invalidf("responses", "kind must be one of %v, got %q", ResponseKinds, r.Kind)
		}
		if err := r.Source.validate("responses"); err != nil {
			return err
		}
	}
	return nil
}

// textField is a field's wire name and one of its values.
type textField struct{ name, v string }

// checkText runs the codes and names that identify things (id, external
// ids, country and province codes, event types, tags) through CheckLine,
// the free text a person wrote (title, summary, places, actors, sources,
// responses) through CheckText, and source URLs through CheckURL.
func (inc *Incident) checkText() error {
	// Each list in turn rather than one list of them all: that list cost
	// two allocations per incident, a tenth of an import's.
	if err := checkFields(CheckLine, textField{"id", inc.ID}, textField{"country", inc.Country},
		textField{"admin1_code", inc.Admin1Code}, textField{"event_type", inc.EventType},
		textField{"sub_event_type", inc.SubEventType}, textField{"target_country", inc.TargetCountry}); err != nil {
		return err
	}
	if err := checkEach("external_ids", inc.ExternalIDs, CheckLine); err != nil {
		return err
	}
	if err := checkEach("tags", inc.Tags, CheckLine); err != nil {
		return err
	}
	if err := checkFields(CheckText, textField{"title", inc.Title}, textField{"summary", inc.Summary},
		textField{"place_name", inc.PlaceName}, textField{"admin1_name", inc.Admin1Name},
		textField{"facility", inc.Facility}, textField{"perpetrator", inc.Perpetrator}); err != nil {
		return err
	}
	if err := checkEach("actors", inc.Actors, CheckText); err != nil {
		return err
	}
	for _, s := range inc.Sources {
		if err := checkEach("sources", []string{s.Publisher, s.Title}, CheckText); err != nil {
			return err
		}
	}
	for _, r := range inc.Responses {
		if err := checkEach("responses", []string{r.Actor, r.Summary, r.Source.Publisher, r.Source.Title}, CheckText); err != nil {
			return err
		}
	}
	return nil
}

// checkFields runs each field's value through check.
func checkFields(check func(string) string, fields ...textField) error {
	for _, f := range fields {
		if p := check(f.v); p != "" {
			return Invalidf(f.name, "%s", p)
		}
	}
	return nil
}

// checkEach runs each value of field through check.
func checkEach(field string, values []string, check func(string) string) error {
	for _, v := range values {
		if p := check(v); p != "" {
			return Invalidf(field, "%s", p)
		}
	}
	return nil
}

func (s Source) validate(field string) error {
	if strings.TrimSpace(s.Publisher) == "" && strings.TrimSpace(s.Title) == "" && s.URL == "" {
		return Invalidf(field, "a source needs a publisher, a title or a url")
	}
	if s.URL != "" {
		if p := CheckURL(s.URL); p != "" {
			return Invalidf(field, "url %s, got %q", p, s.URL)
		}
	}
	if err := s.validateBounds(field); err != nil {
		return err
	}
	if !s.PublishedOn.IsZero() && !isDay(s.PublishedOn) {
		return Invalidf(field, "published_on must be a calendar date")
	}
	return nil
}

// ValidLonLat reports whether p is a finite longitude, latitude pair in range.
func ValidLonLat(p orb.Point) bool {
	return p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90 // NaN fails every comparison
}

func validEventType(eventType, subEventType string) bool {
	subs, ok := EventTypes[eventType]
	if !ok {
		return false
	}
	return subEventType == "" || oneOf(subEventType, subs)
}

// Day truncates t to midnight UTC of its calendar day in UTC.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// isDay reports whether t is a midnight UTC, as t.Equal(Day(t)) would,
// without making a time: a day is 86,400 Unix seconds long.
func isDay(t time.Time) bool { return !t.IsZero() && t.Nanosecond() == 0 && t.Unix()%86400 == 0 }

// SpanDays returns the whole days from the day of OccurredStart to the day
// of OccurredEnd (UTC), as the stores keep them and as the data version's
// longest span (max_span_days) counts them.
func (inc *Incident) SpanDays() int {
	return int((Day(inc.OccurredEnd).Unix() - Day(inc.OccurredStart).Unix()) / 86400)
}

func oneOf[T comparable](v T, set []T) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}
