// Package feature maps incidents to and from RFC 7946 GeoJSON features, in the
// one wire shape that the API writes and the importer reads (see
// docs/wire-format.md). Encoding appends to a byte slice so that a handler
// can stream a page of features without holding it whole; both stores are
// served through this one encoder, so they give byte-identical output.
package feature

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/incidentmap/incidentmap"
)

// CoordinateDecimals is the number of decimal places written for longitude
// and latitude: 6 places is about 0.1 m at the equator, finer than any
// location precision the data claims.
const CoordinateDecimals = 6

// Append appends inc as a GeoJSON Feature to dst and returns the result.
// Every property is written, in a fixed order, with null for empty values.
func Append(dst []byte, inc *incidentmap.Incident) []byte {
	dst = append(dst, `{"type":"Feature","id":`...)
	dst = appendString(dst, inc.ID)
	dst = append(dst, `,"geometry":{"type":"Point","coordinates":[`...)
	dst = AppendCoord(dst, inc.Location[0])
	dst = append(dst, ',')
	dst = AppendCoord(dst, inc.Location[1])
	dst = append(dst, `]},"properties":{"title":`...)
	dst = appendString(dst, inc.Title)
	dst = appendKeyOpt(dst, "summary", inc.Summary)
	dst = appendKeyDay(dst, "occurred_start", inc.OccurredStart)
	dst = appendKeyDay(dst, "occurred_end", inc.OccurredEnd)
	dst = appendKeyOpt(dst, "date_precision", string(inc.DatePrecision))
	dst = appendKeyOpt(dst, "location_precision", string(inc.LocationPrecision))
	dst = appendKeyOpt(dst, "place_name", inc.PlaceName)
	dst = appendKeyOpt(dst, "country", inc.Country)
	dst = appendKeyOpt(dst, "admin1_code", inc.Admin1Code)
	dst = appendKeyOpt(dst, "admin1_name", inc.Admin1Name)
	dst = appendKeyOpt(dst, "event_type", inc.EventType)
	dst = appendKeyOpt(dst, "sub_event_type", inc.SubEventType)
	dst = appendKeyOpt(dst, "target_type", string(inc.TargetType))
	dst = appendKeyOpt(dst, "target_country", inc.TargetCountry)
	dst = appendKeyOpt(dst, "facility", inc.Facility)
	dst = appendKeyOpt(dst, "perpetrator", inc.Perpetrator)
	dst = appendKeyStrings(dst, "actors", inc.Actors)
	dst = appendKeyInt(dst, "fatalities", inc.Fatalities)
	dst = appendKeyInt(dst, "injuries", inc.Injuries)
	dst = appendKeyStrings(dst, "tags", inc.Tags)
	dst = appendKeyStrings(dst, "external_ids", inc.ExternalIDs)
	dst = append(dst, `,"sources":`...)
	dst = appendSources(dst, inc.Sources)
	dst = append(dst, `,"responses":`...)
	dst = appendResponses(dst, inc.Responses)
	dst = appendKeyOpt(dst, "status", string(inc.Status))
	dst = append(dst, `,"version":`...)
	dst = strconv.AppendInt(dst, int64(inc.Version), 10)
	dst = appendKeyTime(dst, "created_at", inc.CreatedAt)
	dst = appendKeyTime(dst, "updated_at", inc.UpdatedAt)
	return append(dst, "}}"...)
}

// AppendCoord appends a longitude or latitude rounded to CoordinateDecimals,
// without trailing zeros.
func AppendCoord(dst []byte, v float64) []byte {
	const scale = 1e6
	v = math.Round(v*scale) / scale
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.AppendFloat(dst, v, 'f', -1, 64)
}

// appendSources appends a JSON array of sources.
func appendSources(dst []byte, sources []incidentmap.Source) []byte {
	dst = append(dst, '[')
	for i, s := range sources {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendSource(dst, s)
	}
	return append(dst, ']')
}

// appendResponses appends a JSON array of diplomatic responses.
func appendResponses(dst []byte, responses []incidentmap.Response) []byte {
	dst = append(dst, '[')
	for i, r := range responses {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"date":`...)
		dst = appendDay(dst, r.Date)
		dst = appendKeyOpt(dst, "date_precision", string(r.DatePrecision))
		dst = appendKeyOpt(dst, "actor", r.Actor)
		dst = appendKeyOpt(dst, "actor_country", r.ActorCountry)
		dst = appendKeyOpt(dst, "kind", string(r.Kind))
		dst = appendKeyOpt(dst, "summary", r.Summary)
		dst = append(dst, `,"source":`...)
		dst = appendSource(dst, r.Source)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

func appendSource(dst []byte, s incidentmap.Source) []byte {
	dst = append(dst, `{"publisher":`...)
	dst = appendOpt(dst, s.Publisher)
	dst = appendKeyOpt(dst, "title", s.Title)
	dst = appendKeyOpt(dst, "url", s.URL)
	dst = append(dst, `,"published_on":`...)
	dst = appendDay(dst, s.PublishedOn)
	return append(dst, '}')
}

func appendKey(dst []byte, key string) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, key...)
	return append(dst, '"', ':')
}

func appendKeyOpt(dst []byte, key, v string) []byte {
	return appendOpt(appendKey(dst, key), v)
}

func appendKeyDay(dst []byte, key string, t time.Time) []byte {
	return appendDay(appendKey(dst, key), t)
}

func appendKeyTime(dst []byte, key string, t time.Time) []byte {
	dst = appendKey(dst, key)
	if t.IsZero() {
		return append(dst, "null"...)
	}
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, time.RFC3339)
	return append(dst, '"')
}

func appendKeyInt(dst []byte, key string, n *int) []byte {
	dst = appendKey(dst, key)
	if n == nil {
		return append(dst, "null"...)
	}
	return strconv.AppendInt(dst, int64(*n), 10)
}

func appendKeyStrings(dst []byte, key string, ss []string) []byte {
	dst = appendKey(dst, key)
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}

func appendDay(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, "null"...)
	}
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, time.DateOnly)
	return append(dst, '"')
}

func appendOpt(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, "null"...)
	}
	return appendString(dst, s)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Besides what JSON requires, it
// escapes <, > and & (as encoding/json does) so that output is safe to embed
// in HTML, and U+2028/U+2029 for JavaScript. Invalid UTF-8 becomes U+FFFD.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
