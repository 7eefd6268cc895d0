package sqlexpr

import (
	"cmp"
	"errors"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap"
)

// A page of the data as of an instant T (Filter.AsOf) is read in two parts
// that both stores run with the same filter, order, cursor and limit: the
// incidents that did not change after T, whose current rows are their
// state at T and which the real tables and their indexes answer, and the
// few that did, rebuilt from their latest revision at or before T. A merge
// interleaves the two sorted parts as the SQL sorted them, and a pager cuts
// the result to the page and takes its next cursor; MergePage does both.

// MergePage passes to fn, in the order of f, the page of f made of two
// reads of it: held, the rows of the first, in memory (nil for a page of
// one read), and the rows of the second, whose plan is p and which read
// passes one at a time to its argument until that returns an error. It returns the next cursor of the
// page (see pager.Done) and how many rows fn took. Each read holds the
// rows of its own page: a page and one after the cursor, or the exact
// rows before it (p.Limit of them), whose last make the page.
func MergePage(f incidentmap.Filter, p Page, held []*incidentmap.Incident, read func(func(*incidentmap.Incident) error) error, fn func(*incidentmap.Incident) error) (*incidentmap.Cursor, int, error) {
	skip := 0
	if f.Before != nil {
		rows := len(held)
		if !p.Empty {
			rows += p.Limit
		}
		skip = max(0, rows-f.PageLimit())
	}
	pg := newPager(f, fn)
	m := newMerge(p.Order, f.Order(), held, skip, pg.Take)
	if !p.Empty {
		if err := read(m.Add); err != nil && !errors.Is(err, ErrPageFull) {
			return nil, 0, err
		}
	}
	if err := m.Close(); err != nil && !errors.Is(err, ErrPageFull) {
		return nil, 0, err
	}
	next, n := pg.Done()
	return next, n, nil
}

// Compare compares two positions in o, each the values of o's keys as
// incidentmap.SortValue returns them, as the ORDER BY of o.By sorts them:
// text byte by byte (SQLite's BINARY, PostgreSQL's COLLATE "C", migration
// 0002_sort_collation), days and instants in time, numbers with NULL
// greater than every number, each key reversed when descending. It
// returns -1, 0 or 1.
func (o Order) Compare(a, b []any) int {
	for i, k := range o {
		c := compareKey(a[i], b[i])
		if k.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// compareKey compares two values of one key; nil is the greatest.
func compareKey(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	switch a := a.(type) {
	case string:
		return strings.Compare(a, b.(string))
	case int64:
		return cmp.Compare(a, b.(int64))
	case time.Time:
		return a.Compare(b.(time.Time))
	}
	panic("sqlexpr: compare: unexpected sort value")
}

// sortValues returns the values of the keys of order for inc.
func sortValues(inc *incidentmap.Incident, order []incidentmap.SortKey) []any {
	out := make([]any, len(order))
	for i, k := range order {
		out[i] = incidentmap.SortValue(inc, k.Property)
	}
	return out
}

// A merge interleaves a sorted stream of incidents (Add) with a sorted slice
// of others held in memory, and passes the result to emit in order,
// dropping the first skip of them.
type merge struct {
	o     Order
	keys  []incidentmap.SortKey
	held  []*incidentmap.Incident
	skip  int
	emit  func(*incidentmap.Incident) error
	heldV [][]any
}

// newMerge returns a merge in o, whose keys are keys (Filter.Order), of the
// stream with held, both sorted in o.
func newMerge(o Order, keys []incidentmap.SortKey, held []*incidentmap.Incident, skip int, emit func(*incidentmap.Incident) error) *merge {
	m := &merge{o: o, keys: keys, held: held, skip: skip, emit: emit}
	for _, inc := range held {
		m.heldV = append(m.heldV, sortValues(inc, keys))
	}
	return m
}

// Add passes on the held incidents that sort before inc, then inc.
func (m *merge) Add(inc *incidentmap.Incident) error {
	if len(m.held) == 0 {
		return m.pass(inc) // the page of one read, or the held ones passed
	}
	v := sortValues(inc, m.keys)
	for len(m.held) > 0 && m.o.Compare(m.heldV[0], v) < 0 {
		if err := m.pass(m.held[0]); err != nil {
			return err
		}
		m.held, m.heldV = m.held[1:], m.heldV[1:]
	}
	return m.pass(inc)
}

// Close passes on the held incidents that are left.
func (m *merge) Close() error {
	for len(m.held) > 0 {
		if err := m.pass(m.held[0]); err != nil {
			return err
		}
		m.held, m.heldV = m.held[1:], m.heldV[1:]
	}
	return nil
}

func (m *merge) pass(inc *incidentmap.Incident) error {
	if m.skip > 0 {
		m.skip--
		return nil
	}
	return m.emit(inc)
}

// ErrPageFull is what pager.Take returns for the row after a full page:
// the reader stops there.
var ErrPageFull = errors.New("sqlexpr: page full")

// A pager passes the rows of the page of a filter to fn: a page after a
// cursor or the first one (read with Page.Peek) takes at most the page
// limit and learns from one more row that another page follows; a page
// before a cursor takes the rows it is given.
type pager struct {
	f    incidentmap.Filter
	fn   func(*incidentmap.Incident) error
	n    int
	last *incidentmap.Cursor
	more bool
}

// newPager returns a pager of the page of f that passes its rows to fn.
func newPager(f incidentmap.Filter, fn func(*incidentmap.Incident) error) *pager {
	return &pager{f: f, fn: fn}
}

// Take passes inc to fn, or returns ErrPageFull when the page is full.
// An error of fn is returned as it is.
func (p *pager) Take(inc *incidentmap.Incident) error {
	if p.f.Before == nil && p.n == p.f.PageLimit() {
		p.more = true
		return ErrPageFull
	}
	// The cursor is taken before fn, which may change the incident.
	p.last = incidentmap.CursorOf(inc, p.f.SortBy)
	if err := p.fn(inc); err != nil {
		return err
	}
	p.n++
	return nil
}

// Done returns the next cursor of the page (its last row's, when another
// page follows, or for a page before a cursor) and how many rows fn took.
func (p *pager) Done() (*incidentmap.Cursor, int) {
	if p.more || p.f.Before != nil {
		return p.last, p.n
	}
	return nil, p.n
}

// Part is one read of the incidents of a filter: F, after the WITH clause
// With and its arguments, with More and its arguments ANDed to F's
// condition; Part{F: f} is the ordinary read of f.
type Part struct {
	F     incidentmap.Filter
	With  string
	WArgs []any
	More  string
	MArgs []any
}

// AsOfParts returns the two reads of f as of f.AsOf: changed, the
// incidents changed after the instant as the WITH clause with (and its
// wargs) rebuilds them, and rest, the ones that did not change, which the
// real tables hold: f without AsOf, with unchanged (and its uargs) ANDed.
func AsOfParts(f incidentmap.Filter, with string, wargs []any, unchanged string, uargs []any) (changed, rest Part) {
	now := f
	now.AsOf = time.Time{}
	return Part{F: f, With: with, WArgs: wargs}, Part{F: now, More: unchanged, MArgs: uargs}
}

// Where returns the condition of p given the compiled condition of p.F.
func (p Part) Where(cond string, args []any) (string, []any) {
	if p.More == "" {
		return cond, args
	}
	return "(" + cond + ") AND " + p.More, append(args, p.MArgs...)
}

// CountParts returns the sum of count over parts, at most max when max > 0.
func CountParts(parts []Part, max int, count func(Part) (int, error)) (int, error) {
	n := 0
	for _, p := range parts {
		m, err := count(p)
		if err != nil {
			return 0, err
		}
		n += m
	}
	if max > 0 {
		n = min(n, max)
	}
	return n, nil
}
