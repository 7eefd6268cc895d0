package feature

import (
	"strconv"
	"time"

	"github.com/incidentmap/incidentmap"
)

// propertyNames are the keys of a Feature's properties object, in the
// canonical order in which Append and AppendSelected write them (see
// docs/wire-format.md).
var propertyNames = [...]string{"title", "summary", "occurred_start", "occurred_end", "date_precision",
	"location_precision", "place_name", "country", "admin1_code", "admin1_name", "event_type", "sub_event_type",
	"target_type", "target_country", "facility", "perpetrator", "actors", "fatalities", "injuries", "tags",
	"external_ids", "sources", "responses", "status", "version", "created_at", "updated_at"}

// PropertyNames returns the keys of a Feature's properties object, in the
// canonical order in which Append and AppendSelected write them (see
// docs/wire-format.md). The slice is the caller's own.
func PropertyNames() []string { return append([]string(nil), propertyNames[:]...) }

// Indexes into propertyNames, one per property.
const (
	propTitle = iota
	propSummary
	propOccurredStart
	propOccurredEnd
	propDatePrecision
	propLocationPrecision
	propPlaceName
	propCountry
	propAdmin1Code
	propAdmin1Name
	propEventType
	propSubEventType
	propTargetType
	propTargetCountry
	propFacility
	propPerpetrator
	propActors
	propFatalities
	propInjuries
	propTags
	propExternalIDs
	propSources
	propResponses
	propStatus
	propVersion
	propCreatedAt
	propUpdatedAt
	propCount
)

// Selection is a set of properties of the wire format: bit i stands for
// PropertyNames()[i]. The zero Selection holds no property.
type Selection uint32

// AllProperties selects every property; AppendSelected with it writes what
// Append writes, byte for byte.
const AllProperties Selection = 1<<propCount - 1

// SelectProperty returns the Selection of the property named name, or false
// when the wire format has no such property.
func SelectProperty(name string) (Selection, bool) {
	for i, n := range propertyNames {
		if n == name {
			return 1 << i, true
		}
	}
	return 0, false
}

// Has reports whether s holds the property named name.
func (s Selection) Has(name string) bool {
	b, ok := SelectProperty(name)
	return ok && s&b != 0
}

// Names returns the names of the properties in s, in canonical order.
func (s Selection) Names() []string {
	var out []string
	for i, n := range propertyNames {
		if s&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// AppendSelected appends inc as a GeoJSON Feature to dst, like Append, but
// with only the properties in sel, in canonical order; id and geometry are
// always written. Values are written exactly as Append writes them.
func AppendSelected(dst []byte, inc *incidentmap.Incident, sel Selection) []byte {
	dst = append(dst, `{"type":"Feature","id":`...)
	dst = appendString(dst, inc.ID)
	dst = append(dst, `,"geometry":{"type":"Point","coordinates":[`...)
	dst = AppendCoord(dst, inc.Location[0])
	dst = append(dst, ',')
	dst = AppendCoord(dst, inc.Location[1])
	dst = append(dst, `]},"properties":{`...)
	first := true
	for i := 0; i < propCount; i++ {
		if sel&(1<<i) == 0 {
			continue
		}
		if first {
			// appendKey writes a leading comma; the first key has none.
			dst = append(dst, '"')
			dst = append(dst, propertyNames[i]...)
			dst = append(dst, '"', ':')
			first = false
		} else {
			dst = appendKey(dst, propertyNames[i])
		}
		dst = appendValue(dst, inc, i)
	}
	return append(dst, "}}"...)
}

// appendValue appends the value of property i of inc.
func appendValue(dst []byte, inc *incidentmap.Incident, i int) []byte {
	switch i {
	case propTitle:
		return appendString(dst, inc.Title)
	case propSummary:
		return appendOpt(dst, inc.Summary)
	case propOccurredStart:
		return appendDay(dst, inc.OccurredStart)
	case propOccurredEnd:
		return appendDay(dst, inc.OccurredEnd)
	case propDatePrecision:
		return appendOpt(dst, string(inc.DatePrecision))
	case propLocationPrecision:
		return appendOpt(dst, string(inc.LocationPrecision))
	case propPlaceName:
		return appendOpt(dst, inc.PlaceName)
	case propCountry:
		return appendOpt(dst, inc.Country)
	case propAdmin1Code:
		return appendOpt(dst, inc.Admin1Code)
	case propAdmin1Name:
		return appendOpt(dst, inc.Admin1Name)
	case propEventType:
		return appendOpt(dst, inc.EventType)
	case propSubEventType:
		return appendOpt(dst, inc.SubEventType)
	case propTargetType:
		return appendOpt(dst, string(inc.TargetType))
	case propTargetCountry:
		return appendOpt(dst, inc.TargetCountry)
	case propFacility:
		return appendOpt(dst, inc.Facility)
	case propPerpetrator:
		return appendOpt(dst, inc.Perpetrator)
	case propActors:
		return appendStrings(dst, inc.Actors)
	case propFatalities:
		return appendInt(dst, inc.Fatalities)
	case propInjuries:
		return appendInt(dst, inc.Injuries)
	case propTags:
		return appendStrings(dst, inc.Tags)
	case propExternalIDs:
		return appendStrings(dst, inc.ExternalIDs)
	case propSources:
		return appendSources(dst, inc.Sources)
	case propResponses:
		return appendResponses(dst, inc.Responses)
	case propStatus:
		return appendOpt(dst, string(inc.Status))
	case propVersion:
		return strconv.AppendInt(dst, int64(inc.Version), 10)
	case propCreatedAt:
		return appendTime(dst, inc.CreatedAt)
	case propUpdatedAt:
		return appendTime(dst, inc.UpdatedAt)
	}
	panic("feature: no property " + strconv.Itoa(i))
}

// appendTime, appendInt and appendStrings are appendKeyTime, appendKeyInt
// and appendKeyStrings without the key.
func appendTime(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, "null"...)
	}
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, time.RFC3339)
	return append(dst, '"')
}

func appendInt(dst []byte, n *int) []byte {
	if n == nil {
		return append(dst, "null"...)
	}
	return strconv.AppendInt(dst, int64(*n), 10)
}

func appendStrings(dst []byte, ss []string) []byte {
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}
