package sqlexpr

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap"
)

// Querier runs a query: a *sql.DB, *sql.Conn or *sql.Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Page is the SQL of one page of incidents, shared by both stores' keyset
// paging: Where (the filter and the bounds of the page) and Args select the
// rows, to be read in Order, at most Limit of them. Limit is one more than
// the page when Peek is set, so that the extra row tells that another page
// follows; a page before a cursor (Filter.Before) reads its rows exactly.
// Empty is set when the page has no rows and need not be read.
type Page struct {
	Where string
	Args  []any
	Order Order
	Limit int
	Peek  bool
	Empty bool
}

// PlanPage compiles f into the SQL of its page. The condition of the filter
// is where and args (from Compile, perhaps with more ANDed in); from is the
// FROM clause of incidents as the store names it (e.g. "incidents i");
// with and wargs, when not empty, are a WITH clause and its arguments that
// every query of the page starts with (the store's as_of, Filter.AsOf),
// which the caller puts in front of Page.SQL's query too. A
// page after a cursor adds the keyset bound. A page before one first reads,
// through q in the reverse order, the sort keys of the rows it will hold,
// to find its first position, and is then bounded on both sides.
//
// Errors: After and Before together, or a cursor of another order, are
// EINVALID naming "cursor"; an unknown sort key names "sortby".
func (d *Dialect) PlanPage(ctx context.Context, q Querier, with string, wargs []any, from string, f incidentmap.Filter, where string, args []any) (Page, error) {
	if f.After != nil && f.Before != nil {
		return Page{}, incidentmap.Invalidf("cursor", "a page cannot be both after and before a cursor")
	}
	keys := f.Order()
	o, err := d.Order(keys)
	if err != nil {
		return Page{}, err
	}
	p := Page{Where: where, Args: args, Order: o, Limit: f.PageLimit() + 1, Peek: true}
	switch {
	case f.After != nil:
		vals, err := f.After.Values(keys)
		if err != nil {
			return Page{}, err
		}
		ks, kargs, err := d.Keyset(o, vals, false, false)
		if err != nil {
			return Page{}, err
		}
		p.Where, p.Args = "("+where+") AND "+ks, append(args, kargs...)
	case f.Before != nil:
		vals, err := f.Before.Values(keys)
		if err != nil {
			return Page{}, err
		}
		before, bargs, err := d.Keyset(o, vals, true, false)
		if err != nil {
			return Page{}, err
		}
		p.Where, p.Args = "("+where+") AND "+before, append(args, bargs...)
		start, n, err := d.pageStart(ctx, q, with, wargs, from, o, p.Where, p.Args, f.PageLimit())
		if err != nil {
			return Page{}, err
		}
		if n == 0 {
			return Page{Empty: true, Order: o}, nil
		}
		fromKey, fargs, err := d.Keyset(o, start, false, true)
		if err != nil {
			return Page{}, err
		}
		p.Where, p.Args = p.Where+" AND "+fromKey, append(p.Args, fargs...)
		p.Limit, p.Peek = n, false
	}
	return p, nil
}

// SQL returns the query of the page: head (a SELECT … FROM … up to WHERE)
// followed by the page's condition, order and limit, with the limit bound
// as the last argument.
func (p Page) SQL(head string) (string, []any) {
	return head + p.Where + " ORDER BY " + p.Order.By("", false) + " LIMIT ?", append(p.Args, p.Limit)
}

// pageStart finds the first position of the page of at most limit rows
// that where selects just before its bound, by reading the sort keys alone
// in the reverse order. It returns the values at that position, as cursors
// hold them, and how many rows the page has.
func (d *Dialect) pageStart(ctx context.Context, q Querier, with string, wargs []any, from string, o Order, where string, args []any, limit int) ([]any, int, error) {
	cols := make([]string, len(o))
	for i, k := range o {
		cols[i] = k.Col.Name
	}
	query := with + `SELECT ` + strings.Join(cols, ", ") + ` FROM ` + from + ` WHERE ` + where + ` ORDER BY ` + o.By("", true) + ` LIMIT ?`
	if d.Rebind != nil {
		query = d.Rebind(query)
	}
	all := append(append(wargs[:len(wargs):len(wargs)], args...), limit)
	rows, err := q.QueryContext(ctx, query, all...)
	if err != nil {
		return nil, 0, fmt.Errorf("page start: %w", err)
	}
	defer rows.Close()
	raw := make([]any, len(o))
	ptrs := make([]any, len(o))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, 0, fmt.Errorf("page start: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("page start: %w", err)
	}
	if n == 0 {
		return nil, 0, nil
	}
	vals := make([]any, len(o))
	for i, k := range o {
		v, err := d.fromKey(k.Col.Type, raw[i])
		if err != nil {
			return nil, 0, fmt.Errorf("page start: %w", err)
		}
		vals[i] = v
	}
	return vals, n, nil
}

// fromKey converts a sort key as the driver scanned it back to a cursor
// value (see incidentmap.SortValue): text days and instants are parsed
// with the layouts of DayLayout and InstantLayout.
func (d *Dialect) fromKey(t Type, raw any) (any, error) {
	switch v := raw.(type) {
	case nil, int64:
		return v, nil
	case int32:
		return int64(v), nil
	case time.Time:
		return v, nil
	case string:
		switch t {
		case Day:
			return time.Parse(d.DayLayout, v)
		case Instant:
			return time.Parse(d.InstantLayout, v)
		}
		return v, nil
	}
	return nil, fmt.Errorf("unexpected %T", raw)
}
