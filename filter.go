package incidentmap

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/paulmach/orb"
)

// SortKey is one key of a sort order: a sortable property (see
// SortableProperties), descending when Desc is set.
type SortKey struct {
	Property string
	Desc     bool
}

// SortableProperties are the properties a client may sort by: the
// Sortable fields of Fields.
var SortableProperties = FieldNames(func(f *Field) bool { return f.Sortable })

// Limits on a page of incidents.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// Filter selects incidents. Zero fields select everything; the non-empty
// ones are ANDed. Results come in the order of Order(): SortBy then id, by
// default (OccurredStart, ID) ascending, which is total and so stable
// across pages.
type Filter struct {
	// BBox and Interval are the box and the time of the bbox and datetime
	// query parameters, kept apart from Where because stores choose their
	// plan by them; Expr() turns them into s_intersects and t_intersects.
	BBox     *BBox
	Interval *Interval
	// Where is every other condition, as one expression tree: property
	// values (In nodes, see InStrings), statuses, regions and CQL2 (package
	// cql2, parsed against IncidentQueryables). nil selects everything.
	Where Expr
	// SortBy orders the results; empty means occurred_start, then id, both
	// ascending. The id is always the last key, so the order is total and
	// keyset paging is stable.
	SortBy []SortKey

	// After, when set, starts the page after this position (keyset paging).
	After *Cursor
	// Before, when set, makes the page the one that ends just before this
	// position (for OGC "prev" links): the PageLimit() incidents that
	// precede it, in order. After and Before are not set together.
	Before *Cursor
	// Limit caps the page; 0 means DefaultLimit. Counts ignore it.
	Limit int

	// AsOf, when set, selects from the incidents as they stood at that
	// instant, rebuilt from their revisions (see Store.History), instead of
	// from the current ones: for citing the exact state of the data.
	// FindIncidents and CountIncidents honour it; the other reads ignore it.
	AsOf time.Time
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

// Cursor is a position in a sort order of incidents (see Filter.Order): the
// values of the sort keys of one incident, its id last, and the order they
// were taken in, so that a cursor used with another order is refused. The
// api carries it through a URL as an opaque token.
//
// OccurredStart and ID are those of the incident at the position; in the
// default order (occurred_start, id) they are the whole position.
type Cursor struct {
	OccurredStart time.Time
	ID            string

	// Order is the order the cursor was taken in, as Filter.Order returns
	// it, or nil for the default order.
	Order []SortKey
	// Keys holds, for an Order, the value of each of its keys but the last
	// (id), as SortValue returns it.
	Keys []any
}

// defaultOrder is the order of incidents when Filter.SortBy is empty.
var defaultOrder = []SortKey{{Property: "occurred_start"}, {Property: "id"}}

// Order returns the sort order of f: f.SortBy with id appended as the last
// key (unless already there, when the keys after it are dropped, as id is
// unique), or occurred_start, id ascending when SortBy is empty.
func (f Filter) Order() []SortKey {
	if len(f.SortBy) == 0 {
		return slices.Clone(defaultOrder)
	}
	out := make([]SortKey, 0, len(f.SortBy)+1)
	for _, k := range f.SortBy {
		out = append(out, k)
		if k.Property == "id" {
			return out
		}
	}
	return append(out, SortKey{Property: "id"})
}

// isDefaultOrder reports whether order is occurred_start, id ascending.
func isDefaultOrder(order []SortKey) bool { return slices.Equal(order, defaultOrder) }

// CursorOf returns the position of inc in the order of sortBy (as
// Filter.SortBy holds it: empty is the default order; id is appended).
func CursorOf(inc *Incident, sortBy []SortKey) *Cursor {
	order := Filter{SortBy: sortBy}.Order()
	c := &Cursor{OccurredStart: Day(inc.OccurredStart), ID: inc.ID}
	if isDefaultOrder(order) {
		return c
	}
	c.Order = order
	c.Keys = make([]any, 0, len(order)-1)
	for _, k := range order[:len(order)-1] {
		c.Keys = append(c.Keys, SortValue(inc, k.Property))
	}
	return c
}

// SortValue returns the value of the sortable property prop of inc as
// cursors hold it: a string, a time.Time in UTC (a day, or for an instant
// such as updated_at the instant to the microsecond), an int64, or nil
// when the number is unknown or prop is not a sortable field.
func SortValue(inc *Incident, prop string) any {
	f, ok := FindField(prop)
	if !ok || !f.Sortable {
		return nil
	}
	switch f.Kind {
	case ValueDay:
		return Day(f.Time(inc))
	case ValueInstant:
		return f.Time(inc).UTC().Truncate(time.Microsecond)
	}
	return f.Value(inc)
}

// Values returns the value of each key of order at the cursor's position
// (see SortValue; the last is the id), for a store to build its keyset
// condition from. A cursor taken in another order is EINVALID naming
// "cursor".
func (c *Cursor) Values(order []SortKey) ([]any, error) {
	if len(order) == 0 || order[len(order)-1].Property != "id" {
		return nil, Invalidf("cursor", "the sort order must end with id")
	}
	if isDefaultOrder(order) {
		if c.Order != nil {
			return nil, Invalidf("cursor", "was made for another sort order; start again from the first page")
		}
		return []any{c.OccurredStart, c.ID}, nil
	}
	if !slices.Equal(c.Order, order) || len(c.Keys) != len(order)-1 {
		return nil, Invalidf("cursor", "was made for another sort order; start again from the first page")
	}
	return append(slices.Clone(c.Keys), c.ID), nil
}

// Store keeps incidents. Every implementation passes store/storetest.
type Store interface {
	// CreateIncident validates and inserts inc, setting Version to 1 and the
	// timestamps. A taken ID or external id is ECONFLICT.
	CreateIncident(ctx context.Context, inc *Incident) error
	// ImportIncidents inserts all of incs in one transaction, or none of them.
	// The error names the first incident at fault by its index and id.
	ImportIncidents(ctx context.Context, incs []*Incident) error
	// UpsertIncidents takes items from next until it returns io.EOF and
	// writes them in one transaction, or none of them (any error, a
	// cancelled ctx, or a crash leaves the store as it was). An item
	// matches the existing incident that has its id or one of its external
	// ids; it takes that incident's id and replaces it (Version+1,
	// UpdatedAt now, CreatedAt kept) when its content differs
	// (SameContent), and leaves it alone when not; an item that matches
	// nothing is created. An item matching two incidents, or repeating an
	// id or external id of an earlier item, is ECONFLICT; an invalid one
	// is EINVALID; both name the item's line ("line 12: …"). An error of
	// next is returned as it is. With opt.DryRun nothing is written, and
	// the result counts what a real run would do. A store that is empty may
	// load in bulk and build its indexes after the load.
	UpsertIncidents(ctx context.Context, next func() (ImportItem, error), opt ImportOptions) (ImportResult, error)
	// GetIncident returns the incident with this id, or ENOTFOUND.
	GetIncident(ctx context.Context, id string) (*Incident, error)
	// FindIncidents calls fn for each incident that f selects, in the order
	// of f.Order(), at most f.PageLimit() times, without holding the page in
	// memory. It returns the cursor of the next page, or nil when this page
	// is the last; a page made with f.Before returns the cursor of its last
	// incident (nil when empty), as the page it was reached from follows.
	// An error from fn stops the scan and is returned. A filter the store
	// cannot compile is EINVALID naming "filter"; a sort key not in
	// SortableProperties, "sortby"; a cursor of another sort order, or
	// After and Before together, "cursor".
	FindIncidents(ctx context.Context, f Filter, fn func(*Incident) error) (*Cursor, error)
	// ScanPoints calls fn with the PointRow of each incident f selects, in
	// no particular order, ignoring After, Before, SortBy and Limit: the
	// light rows that map clusters and vector tiles are built from, read
	// in one streaming query without decoding whole incidents. An error
	// from fn stops the scan and is returned; a filter the store cannot
	// compile is EINVALID naming "filter".
	ScanPoints(ctx context.Context, f Filter, fn func(PointRow) error) error
	// FindPage is FindIncidents that also tells how many incidents f
	// selects, both read in one snapshot of the data where the store
	// allows it (a read transaction). The count is exact when it is cheap:
	// when the page holds every match (no cursor, no next page), or when
	// no more than countCap incidents match, which the store learns by
	// counting at most countCap+1 of them; otherwise Matched is not Exact.
	// A countCap of 0 counts nothing beyond the page. A request's work is
	// so bounded by its page and countCap, never by the size of the data.
	FindPage(ctx context.Context, f Filter, countCap int, fn func(*Incident) error) (Page, error)
	// CountIncidents counts the incidents f selects, ignoring After, Before
	// and Limit. It counts them all: an API request uses FindPage.
	CountIncidents(ctx context.Context, f Filter) (int, error)
	// CountBy counts the incidents f selects in groups of the value of
	// one of GroupKeys, ignoring After, Before, SortBy and Limit. Buckets
	// come sorted by Key ascending, byte by byte, and only groups with
	// incidents are there. A key not in GroupKeys is EINVALID naming
	// "by" (UnknownGroupKey); a filter the store cannot compile, "filter".
	CountBy(ctx context.Context, f Filter, by string) ([]Bucket, error)
	// Extent returns the spatial and temporal extent of the incidents f
	// selects, ignoring After, Before, SortBy and Limit: for the metadata
	// of a collection.
	Extent(ctx context.Context, f Filter) (Extent, error)
	// DeleteIncident removes the incident and leaves a tombstone with its id,
	// last version and time of deletion. An unknown id is ENOTFOUND.
	DeleteIncident(ctx context.Context, id string) error
	// Tombstones lists deletions at or after since, oldest first.
	Tombstones(ctx context.Context, since time.Time) ([]Tombstone, error)

	// Writes and their history. Every create, update and delete, whichever
	// method makes it (imports included), leaves a Revision in the same
	// transaction, stamped with ActorFrom(ctx); a write that fails or is
	// killed half way leaves neither the change nor its revision.

	// UpdateIncident validates inc and replaces the stored incident with
	// the same ID, if that is still at version expected: inc.Version
	// becomes expected+1, UpdatedAt now, CreatedAt the stored one. An
	// unknown id is ENOTFOUND; another current version, ESTALE; a taken
	// external id, ECONFLICT. Two writers of one version: one wins, the
	// other gets ESTALE, never a lost update.
	UpdateIncident(ctx context.Context, inc *Incident, expected int) error
	// DeleteIncidentVersion is DeleteIncident that deletes only while the
	// incident is at version expected, and is ESTALE otherwise.
	DeleteIncidentVersion(ctx context.Context, id string, expected int) error
	// History returns the revisions of the incident with this id, oldest
	// first, across deletions and re-creations; an id that never existed
	// has none (and no error).
	History(ctx context.Context, id string) ([]Revision, error)
	// Changes returns up to limit (at most HistoryLimit) revisions with
	// Seq > since, in Seq order, so that a client can mirror the data by
	// asking again from the last Seq it saw. Without drafts, revisions
	// whose incident is a draft are left out, and so are deletions of
	// incidents that never were anything but drafts.
	Changes(ctx context.Context, since int64, limit int, drafts bool) ([]Revision, error)
	// DataVersion describes the state of all incidents: it changes whenever
	// an incident is created, changed or deleted. The API builds ETag and
	// Last-Modified from it on every request, so it costs one row read
	// whatever the size of the data (the stores keep it in the writing
	// transaction), never a count or a scan.
	DataVersion(ctx context.Context) (DataVersion, error)
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// PointRow is the light form of an incident that Store.ScanPoints
// streams: where it is, and what a map labels and colours it with.
type PointRow struct {
	ID            string
	Lon, Lat      float64
	OccurredStart time.Time // a day, UTC
	OccurredEnd   time.Time // a day, UTC
	EventType     string
	SubEventType  string
	Country       string
	Admin1Code    string
	TargetType    string
	TargetCountry string
	// The text properties the item index answers equalities of besides
	// those above ('' when absent, as the stores keep them).
	DatePrecision, LocationPrecision string
	PlaceName, Admin1Name            string
	Facility, Perpetrator            string
	Title                            string
	Fatalities                       *int // nil when unknown
	Injuries                         *int // nil when unknown
	// Version and UpdatedAt (UTC) tell one state of the incident from
	// another, so that a copy of it made elsewhere (an encoded feature)
	// can be checked for being current.
	Version   int
	UpdatedAt time.Time
}

// Page is what FindPage tells of a page besides its incidents.
type Page struct {
	// Next is the cursor of the next page, as FindIncidents returns it.
	Next *Cursor
	// Matched is how many incidents the filter selects when Exact is set;
	// otherwise more than the countCap of FindPage match, and Matched is
	// countCap+1, a lower bound.
	Matched int
	Exact   bool
}

// PageMatched returns the Page fields of a page of returned incidents
// with next cursor next, of a filter f whose bounded count (see
// Store.FindPage) counted counted, -1 when it was not run: exact when the
// page holds every match, or when the count came in at most countCap.
// Stores call it so that both decide alike.
func PageMatched(f Filter, returned int, next *Cursor, countCap, counted int) Page {
	p := Page{Next: next}
	switch {
	case f.After == nil && f.Before == nil && next == nil:
		p.Matched, p.Exact = returned, true
	case counted >= 0 && counted <= countCap:
		p.Matched, p.Exact = counted, true
	default:
		p.Matched = countCap + 1
	}
	return p
}

// NeedsCount reports whether FindPage must count the matches of f after
// a page with next cursor next: when the page alone does not tell.
func NeedsCount(f Filter, next *Cursor, countCap int) bool {
	return countCap > 0 && (f.After != nil || f.Before != nil || next != nil)
}

// Group keys that are not properties: the YYYY-MM-DD, the YYYY-MM and the YYYY of
// occurred_start.
const (
	GroupDay   = "day"
	GroupMonth = "month"
	GroupYear  = "year"
)

// GroupKeys are the values CountBy can group incidents by:
//   - day: the YYYY-MM-DD of occurred_start (the map's timeline counts
//     days, weeks, months and years from these);
//   - month: the YYYY-MM of occurred_start;
//   - year: the YYYY of occurred_start;
//   - then the Group fields of Fields (country, admin1_code, event_type,
//     sub_event_type, target_type, target_country): the property itself,
//     "" when the incident has none.
var GroupKeys = append([]string{GroupDay, GroupMonth, GroupYear}, FieldNames(func(f *Field) bool { return f.Group })...)

// Bucket is one group of CountBy: the value of the group key and how many
// incidents have it.
type Bucket struct {
	Key   string
	Count int
}

// GroupValue returns the value of the group key by (one of GroupKeys) of
// inc, as CountBy groups it; ok is false for a key not in GroupKeys.
func GroupValue(inc *Incident, by string) (key string, ok bool) {
	switch by {
	case GroupDay:
		return inc.OccurredStart.UTC().Format("2006-01-02"), true
	case GroupMonth:
		return inc.OccurredStart.UTC().Format("2006-01"), true
	case GroupYear:
		return inc.OccurredStart.UTC().Format("2006"), true
	}
	if f, ok := FindField(by); ok && f.Group {
		return f.Text(inc), true
	}
	return "", false
}

// UnknownGroupKey returns the error of CountBy for a key by that is not
// one of GroupKeys: EINVALID naming "by". (The api checks its groupby
// parameter before it asks a store.)
func UnknownGroupKey(by string) error {
	return Invalidf("by", "cannot group by %q: use one of %v", clipName(by), GroupKeys)
}

// Extent is where and when a set of incidents happened.
type Extent struct {
	// BBox bounds the locations (the least and greatest longitude and
	// latitude, so a set on both sides of the antimeridian spans the
	// world); nil when nothing matched.
	BBox *BBox
	// Start is the least OccurredStart and End the greatest OccurredEnd;
	// zero when nothing matched.
	Start, End time.Time
	// Count is the number of incidents.
	Count int
}

// Tombstone records a deleted incident so that a change feed can tell clients.
type Tombstone struct {
	ID        string
	Version   int
	DeletedAt time.Time
}

// DataVersion is a summary of the incident data that changes with every
// write: a change counter, counts and the latest change time of incidents
// and tombstones.
type DataVersion struct {
	// Seq grows with every committed write of incidents or tombstones
	// (by at least one per write; a store may count a statement or a row).
	Seq          int64
	Incidents    int
	Tombstones   int
	LastModified time.Time // the latest updated_at or deleted_at; zero when empty
}

// ETag returns a strong entity tag for the data in this version.
func (v DataVersion) ETag() string {
	return fmt.Sprintf(`"%x-%x-%x-%x"`, v.Seq, v.Incidents, v.Tombstones, v.LastModified.UnixMicro())
}
