package incidentmap

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// SortKey is one key of a sort order: a sortable property (see
// SortableProperties), descending when Desc is set.
type SortKey struct {
	Property string
	Desc     bool
}

// SortableProperties are the properties a client may sort by.
var SortableProperties = []string{"id", "occurred_start", "occurred_end", "country", "event_type",
	"target_country", "fatalities", "injuries", "updated_at"}

// Limits on a page of incidents.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// Filter selects incidents. Zero fields select everything; non-empty fields
// are ANDed, and the values of a slice field are ORed. Results come in the
// order of (OccurredStart, ID), ascending, which is stable across pages.
type Filter struct {
	BBox            *BBox
	Interval        *Interval
	Countries       []string // ISO 3166-1 alpha-3 of the host country
	EventTypes      []string
	TargetCountries []string
	Statuses        []Status
	// Where is a further condition, parsed from CQL2 (package cql2) against
	// IncidentQueryables; nil selects everything. Expr() ANDs it with the
	// fields above, so both kinds of filter compile to the same SQL.
	Where Expr
	// SortBy orders the results; empty means occurred_start, then id, both
	// ascending. The id is always the last key, so the order is total and
	// keyset paging is stable.
	SortBy []SortKey

	// After, when set, starts the page after this position (keyset paging).
	After *Cursor
	// Limit caps the page; 0 means DefaultLimit. Counts ignore it.
	Limit int
}

// PageLimit returns the effective page size of f.
func (f Filter) PageLimit() int {
	if f.Limit <= 0 {
		return DefaultLimit
	}
	return min(f.Limit, MaxLimit)
}

// BBox is a longitude/latitude box in WGS 84. West may be greater than East:
// such a box crosses the antimeridian (RFC 7946 §5.2).
type BBox struct {
	West, South, East, North float64
}

// CrossesAntimeridian reports whether the box wraps past longitude 180.
func (b BBox) CrossesAntimeridian() bool { return b.West > b.East }

// Bounds returns the box as one orb.Bound, or as two when it crosses the
// antimeridian (the part east of West, then the part west of East).
func (b BBox) Bounds() []orb.Bound {
	if !b.CrossesAntimeridian() {
		return []orb.Bound{{Min: orb.Point{b.West, b.South}, Max: orb.Point{b.East, b.North}}}
	}
	return []orb.Bound{
		{Min: orb.Point{b.West, b.South}, Max: orb.Point{180, b.North}},
		{Min: orb.Point{-180, b.South}, Max: orb.Point{b.East, b.North}},
	}
}

// Contains reports whether p lies in the box, edges included.
func (b BBox) Contains(p orb.Point) bool {
	for _, bd := range b.Bounds() {
		if bd.Contains(p) {
			return true
		}
	}
	return false
}

// Interval is a time interval; a zero Start or End is open.
type Interval struct {
	Start, End time.Time
}

// Days returns the calendar days that bound a search for incidents whose
// day interval intersects iv: an incident matches when
// OccurredStart <= last and OccurredEnd >= first. A zero result is open.
// An incident covers its days whole, so an instant at 15:00 matches an
// incident on that day.
func (iv Interval) Days() (first, last time.Time) {
	if !iv.Start.IsZero() {
		first = Day(iv.Start)
	}
	if !iv.End.IsZero() {
		last = Day(iv.End)
	}
	return first, last
}

// Cursor is a position in the (OccurredStart, ID) order of incidents.
type Cursor struct {
	OccurredStart time.Time
	ID            string
}

// CursorOf returns the position of inc.
func CursorOf(inc *Incident) *Cursor {
	return &Cursor{OccurredStart: inc.OccurredStart, ID: inc.ID}
}

// Encode returns the cursor as an opaque, URL-safe token.
func (c *Cursor) Encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte("1|" + c.OccurredStart.Format(time.DateOnly) + "|" + c.ID))
}

// DecodeCursor parses a token made by Encode. Errors are EINVALID and name
// the "cursor" parameter.
func DecodeCursor(token string) (*Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(token) > 400 {
		return nil, Invalidf("cursor", "is not a cursor this server issued")
	}
	parts := strings.SplitN(string(b), "|", 3)
	if len(parts) != 3 || parts[0] != "1" || !ValidID(parts[2]) {
		return nil, Invalidf("cursor", "is not a cursor this server issued")
	}
	day, err := time.Parse(time.DateOnly, parts[1])
	if err != nil {
		return nil, Invalidf("cursor", "is not a cursor this server issued")
	}
	return &Cursor{OccurredStart: day, ID: parts[2]}, nil
}

// Store keeps incidents. Every implementation passes store/storetest.
type Store interface {
	// CreateIncident validates and inserts inc, setting Version to 1 and the
	// timestamps. A taken ID or external id is ECONFLICT.
	CreateIncident(ctx context.Context, inc *Incident) error
	// ImportIncidents inserts all of incs in one transaction, or none of them.
	// The error names the first incident at fault by its index and id.
	ImportIncidents(ctx context.Context, incs []*Incident) error
	// GetIncident returns the incident with this id, or ENOTFOUND.
	GetIncident(ctx context.Context, id string) (*Incident, error)
	// FindIncidents calls fn for each incident that f selects, in order, at
	// most f.PageLimit() times, without holding the page in memory. It
	// returns the cursor of the next page, or nil when this page is the last.
	// An error from fn stops the scan and is returned.
	FindIncidents(ctx context.Context, f Filter, fn func(*Incident) error) (*Cursor, error)
	// CountIncidents counts the incidents f selects, ignoring After and Limit.
	CountIncidents(ctx context.Context, f Filter) (int, error)
	// DeleteIncident removes the incident and leaves a tombstone with its id,
	// last version and time of deletion. An unknown id is ENOTFOUND.
	DeleteIncident(ctx context.Context, id string) error
	// Tombstones lists deletions at or after since, oldest first.
	Tombstones(ctx context.Context, since time.Time) ([]Tombstone, error)
	// DataVersion describes the state of all incidents: it changes whenever
	// an incident is created, changed or deleted. The API builds ETag and
	// Last-Modified from it.
	DataVersion(ctx context.Context) (DataVersion, error)
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// Tombstone records a deleted incident so that a change feed can tell clients.
type Tombstone struct {
	ID        string
	Version   int
	DeletedAt time.Time
}

// DataVersion is a summary of the incident data that changes with every
// write: counts and the latest change times of incidents and tombstones.
type DataVersion struct {
	Incidents    int
	Tombstones   int
	LastModified time.Time // the latest updated_at or deleted_at; zero when empty
}

// ETag returns a strong entity tag for the data in this version.
func (v DataVersion) ETag() string {
	return fmt.Sprintf(`"%x-%x-%x"`, v.Incidents, v.Tombstones, v.LastModified.UnixMicro())
}
