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
// Every property is written, in canonical order, with null for empty
// values: it is AppendSelected with AllProperties.
func Append(dst []byte, inc *incidentmap.Incident) []byte {
	return AppendSelected(dst, inc, AllProperties)
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

func appendDay(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, "null"...)
	}
	dst = append(dst, '"')
	dst = appendDate(dst, t.UTC())
	return append(dst, '"')
}

// appendDate appends the YYYY-MM-DD of t as t.AppendFormat(dst,
// time.DateOnly) does, without the general formatter, which took a tenth
// of the time of a feature.
func appendDate(dst []byte, t time.Time) []byte {
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(dst, time.DateOnly)
	}
	return append(dst, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10),
		'-', byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
}

func appendOpt(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, "null"...)
	}
	return appendString(dst, s)
}

const hexDigits = "0123456789abcdef"

// plainASCII marks the ASCII bytes that appendString writes as they are.
var plainASCII = func() (plain [utf8.RuneSelf]bool) {
	for b := byte(0x20); b < utf8.RuneSelf; b++ {
		plain[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return plain
}()

// appendString appends s as a JSON string. Besides what JSON requires, it
// escapes <, > and & (as encoding/json does) so that output is safe to embed
// in HTML, and U+2028/U+2029 for JavaScript. Invalid UTF-8 becomes U+FFFD.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if plainASCII[b] {
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
