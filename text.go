package incidentmap

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// CheckText reports why s may not be stored or used as a value: it is not
// valid UTF-8, or it holds a control character (C0 other than tab, line
// feed and carriage return; DEL; C1).
// It returns "" when s is clean. This is the one check that query
// parameters, CQL2 string literals and imported text all go through, so
// that both stores see the same text (PostgreSQL refuses NUL and invalid
// UTF-8; SQLite would store them).
func CheckText(s string) string {
	if i, problem := BadText(s); problem != "" {
		return fmt.Sprintf("%s (byte %d)", problem, i+1)
	}
	return ""
}

// BadText returns the byte offset and the problem of the first character
// that CheckText refuses, or -1 and "" when s is clean.
func BadText(s string) (int, string) {
	for i := range len(s) { // printable ASCII, most text, needs no decoding
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return badText(s, i)
		}
	}
	return -1, ""
}

// badText is BadText of s from byte i on.
func badText(s string, i int) (int, string) {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return i, "is not valid UTF-8"
		case r == 0:
			return i, "must not contain NUL"
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20 || (0x7f <= r && r <= 0x9f):
			return i, fmt.Sprintf("must not contain the control character U+%04X", r)
		}
		i += size
	}
	return -1, ""
}

// CheckLine is CheckText for one-line values such as names and URLs: it
// refuses tab, line feed, carriage return and the Unicode line and
// paragraph separators (U+2028, U+2029, which end lines in JavaScript) as
// well.
func CheckLine(s string) string {
	for i := range len(s) { // printable ASCII passes both checks
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return checkLine(s)
		}
	}
	return ""
}

func checkLine(s string) string {
	if i := strings.IndexAny(s, "\t\n\r\u2028\u2029"); i >= 0 {
		return fmt.Sprintf("must be one line, without tab or line break (byte %d)", i+1)
	}
	return CheckText(s)
}

// CheckURL reports why s is not an absolute http or https URL that can be
// shown as a link: it must be one clean line without spaces or backslashes,
// parse with net/url, and have a host and no user information. (Quotes and
// angle brackets are left to the encoders, which escape them everywhere.)
func CheckURL(s string) string {
	if p := CheckLine(s); p != "" {
		return p
	}
	if strings.ContainsAny(s, " \\") {
		return "must not contain spaces or backslashes (which browsers read as /)"
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "is not a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "must be http or https"
	case u.Host == "" || u.Opaque != "":
		return "must be an absolute URL with a host"
	case u.User != nil:
		return "must not carry user information"
	}
	return ""
}
