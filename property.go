package incidentmap

import (
	"slices"
	"time"
)

// ValueKind is how an Incident holds the value of a property, and so how
// the wire format, CSV, filters, sort orders and the stores read it.
type ValueKind uint8

// Kinds of property values.
const (
	ValueText      ValueKind = iota + 1 // a string; "" is no value
	ValueDay                            // a calendar day, midnight UTC
	ValueInstant                        // an instant; zero is no value
	ValueCount                          // a *int; nil is unknown, which is not 0
	ValueInt                            // an int that is always there
	ValueList                           // a []string
	ValueSources                        // the []Source of Incident.Sources
	ValueResponses                      // the []Response of Incident.Responses
	ValuePoint                          // the location, orb.Point
	ValueInterval                       // occurred: occurred_start..occurred_end
)

// Field is one property of an incident: its name on the wire, in filters,
// sort orders and table columns (the same everywhere), what kind of value
// it holds, and what each part of the system may do with it. Fields is
// the one table of them; every other list of properties derives from it.
type Field struct {
	Name string
	Kind ValueKind
	// Wire is set for the properties of a GeoJSON Feature's properties
	// object (id and location are the Feature's id and geometry; occurred
	// is not stored).
	Wire bool
	// NotNull, on a text property of the wire format, writes "" for an
	// empty value instead of null.
	NotNull bool
	// Query is the Query* type of the property when filters may name it,
	// "" when they may not.
	Query string
	// Enum, when not empty, lists the only values the property takes.
	Enum        []string
	Description string
	// Sortable is set when a client may sort by the property.
	Sortable bool
	// Group is set when CountBy may group by the property's value.
	Group bool

	// The value of the property, by Kind: Text for ValueText, Time for
	// ValueDay and ValueInstant, Count for ValueCount, Int for ValueInt,
	// List for ValueList. The other kinds have no accessor.
	Text  func(*Incident) string
	Time  func(*Incident) time.Time
	Count func(*Incident) *int
	Int   func(*Incident) int
	List  func(*Incident) []string
}

// Fields lists the properties of an incident in canonical order: the order
// of the wire format (docs/wire-format.md) for the Wire ones, and of
// /queryables for the queryable ones.
var Fields = []Field{
	{Name: "id", Kind: ValueText, Query: QueryString, Sortable: true, Description: "Stable incident id.",
		Text: func(i *Incident) string { return i.ID }},
	{Name: "title", Kind: ValueText, Wire: true, NotNull: true, Query: QueryString, Description: "Short title.",
		Text: func(i *Incident) string { return i.Title }},
	{Name: "summary", Kind: ValueText, Wire: true, Query: QueryString, Description: "Summary in our own words.",
		Text: func(i *Incident) string { return i.Summary }},
	{Name: "occurred_start", Kind: ValueDay, Wire: true, Query: QueryDate, Sortable: true,
		Description: "First day the incident may have happened on (UTC).",
		Time:        func(i *Incident) time.Time { return i.OccurredStart }},
	{Name: "occurred_end", Kind: ValueDay, Wire: true, Query: QueryDate, Sortable: true,
		Description: "Last day the incident may have happened on (UTC).",
		Time:        func(i *Incident) time.Time { return i.OccurredEnd }},
	{Name: OccurredProperty, Kind: ValueInterval, Query: QueryInterval,
		Description: "The interval occurred_start..occurred_end, for temporal functions such as T_INTERSECTS."},
	{Name: "date_precision", Kind: ValueText, Wire: true, Query: QueryString, Enum: enumOf(DatePrecisions),
		Description: "How exactly the dates are known.",
		Text:        func(i *Incident) string { return string(i.DatePrecision) }},
	{Name: "location", Kind: ValuePoint, Query: QueryGeometry, Description: "Point, longitude and latitude in WGS 84."},
	{Name: "location_precision", Kind: ValueText, Wire: true, Query: QueryString, Enum: enumOf(LocationPrecisions),
		Description: "How exactly the location is known.",
		Text:        func(i *Incident) string { return string(i.LocationPrecision) }},
	{Name: "place_name", Kind: ValueText, Wire: true, Query: QueryString, Description: "Name of the place.",
		Text: func(i *Incident) string { return i.PlaceName }},
	{Name: "country", Kind: ValueText, Wire: true, Query: QueryString, Sortable: true, Group: true,
		Description: "ISO 3166-1 alpha-3 code of the host country.",
		Text:        func(i *Incident) string { return i.Country }},
	{Name: "admin1_code", Kind: ValueText, Wire: true, Query: QueryString, Group: true,
		Description: "ISO 3166-2 code of the province.",
		Text:        func(i *Incident) string { return i.Admin1Code }},
	{Name: "admin1_name", Kind: ValueText, Wire: true, Query: QueryString, Description: "Name of the province.",
		Text: func(i *Incident) string { return i.Admin1Name }},
	{Name: "event_type", Kind: ValueText, Wire: true, Query: QueryString, Enum: eventTypeEnum(), Sortable: true, Group: true,
		Description: "ACLED event type.",
		Text:        func(i *Incident) string { return i.EventType }},
	{Name: "sub_event_type", Kind: ValueText, Wire: true, Query: QueryString, Enum: subEventTypeEnum(), Group: true,
		Description: "ACLED sub-event type.",
		Text:        func(i *Incident) string { return i.SubEventType }},
	{Name: "target_type", Kind: ValueText, Wire: true, Query: QueryString, Enum: enumOf(TargetTypes), Group: true,
		Description: "What the incident was aimed at.",
		Text:        func(i *Incident) string { return string(i.TargetType) }},
	{Name: "target_country", Kind: ValueText, Wire: true, Query: QueryString, Sortable: true, Group: true,
		Description: "ISO 3166-1 alpha-3 code of the state whose mission was hit.",
		Text:        func(i *Incident) string { return i.TargetCountry }},
	{Name: "facility", Kind: ValueText, Wire: true, Query: QueryString, Description: "The mission or facility hit.",
		Text: func(i *Incident) string { return i.Facility }},
	{Name: "perpetrator", Kind: ValueText, Wire: true, Query: QueryString, Description: "Who carried it out, when known.",
		Text: func(i *Incident) string { return i.Perpetrator }},
	{Name: "actors", Kind: ValueList, Wire: true, List: func(i *Incident) []string { return i.Actors }},
	{Name: "fatalities", Kind: ValueCount, Wire: true, Query: QueryInteger, Sortable: true,
		Description: "Deaths; null when unknown.",
		Count:       func(i *Incident) *int { return i.Fatalities }},
	{Name: "injuries", Kind: ValueCount, Wire: true, Query: QueryInteger, Sortable: true,
		Description: "Injuries; null when unknown.",
		Count:       func(i *Incident) *int { return i.Injuries }},
	{Name: "tags", Kind: ValueList, Wire: true, List: func(i *Incident) []string { return i.Tags }},
	{Name: "external_ids", Kind: ValueList, Wire: true, List: func(i *Incident) []string { return i.ExternalIDs }},
	{Name: "sources", Kind: ValueSources, Wire: true},
	{Name: "responses", Kind: ValueResponses, Wire: true},
	{Name: "status", Kind: ValueText, Wire: true, Query: QueryString, Enum: enumOf(Statuses), Description: "Editorial state.",
		Text: func(i *Incident) string { return string(i.Status) }},
	{Name: "version", Kind: ValueInt, Wire: true, Int: func(i *Incident) int { return i.Version }},
	{Name: "created_at", Kind: ValueInstant, Wire: true, Time: func(i *Incident) time.Time { return i.CreatedAt }},
	{Name: "updated_at", Kind: ValueInstant, Wire: true, Sortable: true,
		Time: func(i *Incident) time.Time { return i.UpdatedAt }},
}

// FindField returns the field of Fields named name, or false.
func FindField(name string) (*Field, bool) {
	for i := range Fields {
		if Fields[i].Name == name {
			return &Fields[i], true
		}
	}
	return nil, false
}

// FieldNames returns the names of the fields for which keep is true, in
// canonical order.
func FieldNames(keep func(*Field) bool) []string {
	var out []string
	for i := range Fields {
		if keep(&Fields[i]) {
			out = append(out, Fields[i].Name)
		}
	}
	return out
}

// Scalar reports whether the field holds one value that a table column
// holds and a filter compares: text, a day, an instant or a count.
func (f *Field) Scalar() bool {
	switch f.Kind {
	case ValueText, ValueDay, ValueInstant, ValueCount:
		return true
	}
	return false
}

// Value returns the value of the field of inc: a string (ValueText), a
// time.Time (ValueDay, ValueInstant), an int64 or nil when unknown
// (ValueCount), an int64 (ValueInt), a []string (ValueList), or nil for
// the kinds without an accessor.
func (f *Field) Value(inc *Incident) any {
	switch f.Kind {
	case ValueText:
		return f.Text(inc)
	case ValueDay, ValueInstant:
		return f.Time(inc)
	case ValueCount:
		if n := f.Count(inc); n != nil {
			return int64(*n)
		}
	case ValueInt:
		return int64(f.Int(inc))
	case ValueList:
		return f.List(inc)
	}
	return nil
}

// queryables returns the Queryable of each field filters may name.
func queryables() []Queryable {
	var out []Queryable
	for _, f := range Fields {
		if f.Query != "" {
			out = append(out, Queryable{Name: f.Name, Type: f.Query, Enum: f.Enum, Description: f.Description})
		}
	}
	return out
}

func enumOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func eventTypeEnum() []string {
	out := make([]string, 0, len(EventTypes))
	for k := range EventTypes {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func subEventTypeEnum() []string {
	var out []string
	for _, subs := range EventTypes {
		out = append(out, subs...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
