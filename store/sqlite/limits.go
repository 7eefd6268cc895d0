package sqlite

import (
	"errors"
	"strings"

	"github.com/incidentmap/incidentmap"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// limitMessages are the texts with which SQLite refuses a statement that
// exceeds one of its compile-time limits: a filter that is too big for the
// database, which is the client's to simplify, not a fault of ours.
var limitMessages = []string{
	"Expression tree is too large", // SQLITE_MAX_EXPR_DEPTH: deep AND/OR chains
	"pattern too complex",          // SQLITE_MAX_LIKE_PATTERN_LENGTH
	"too many SQL variables",       // SQLITE_MAX_VARIABLE_NUMBER
	"too many terms in compound SELECT",
	"parser stack overflow",
}

// filterLimit returns err as an EINVALID error naming the filter when it is
// SQLite refusing a statement over one of its limits, and err otherwise.
// The API answers the first with 400, never 500.
func filterLimit(err error) error {
	var e *msqlite.Error
	if !errors.As(err, &e) {
		return err
	}
	if e.Code() == sqlite3.SQLITE_TOOBIG {
		return incidentmap.Invalidf("filter", "is too large for the database; use fewer or shorter values")
	}
	for _, m := range limitMessages {
		if strings.Contains(e.Error(), m) {
			return incidentmap.Invalidf("filter", "is too complex for the database (%s); use fewer ORed terms, "+
				"a shorter LIKE pattern or a simpler polygon", strings.ToLower(m))
		}
	}
	return err
}
