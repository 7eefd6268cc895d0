package sqlexpr

import (
	"slices"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap"
)

// Order is a sort order resolved through the allow-list of columns.
type Order []OrderKey

// OrderKey is one key of an Order: a column, descending when Desc is set.
type OrderKey struct {
	Col  Column
	Desc bool
}

// Order maps keys (see incidentmap.Filter.Order) to columns; an unknown
// property is EINVALID naming "sortby".
func (d *Dialect) Order(keys []incidentmap.SortKey) (Order, error) {
	out := make(Order, len(keys))
	for i, k := range keys {
		col, ok := d.Columns[k.Property]
		if !ok || !slices.Contains(incidentmap.SortableProperties, k.Property) {
			return nil, incidentmap.Invalidf("sortby", "cannot sort by %q", k.Property)
		}
		out[i] = OrderKey{col, k.Desc}
	}
	return out, nil
}

// By returns the ORDER BY list of o, reversed when reverse is set, with
// prefix before each column. NULL, which only the counts of casualties
// hold, sorts as greater than every value (PostgreSQL's default, spelt
// out for both stores): last when ascending, first when descending.
func (o Order) By(prefix string, reverse bool) string {
	var b strings.Builder
	for i, k := range o {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(prefix + k.Col.Name)
		desc := k.Desc != reverse
		switch {
		case desc && k.Col.Type == Int:
			b.WriteString(" DESC NULLS FIRST")
		case desc:
			b.WriteString(" DESC")
		case k.Col.Type == Int:
			b.WriteString(" ASC NULLS LAST")
		}
	}
	return b.String()
}

// keyArg checks that a cursor value (see incidentmap.SortValue) fits a
// column of type t and returns its argument and placeholder.
func (d *Dialect) keyArg(t Type, v any) (any, string, bool) {
	var fits bool
	switch v.(type) {
	case nil:
		fits = t == Int
	case string:
		fits = t == Text
	case int64:
		fits = t == Int
	case time.Time:
		fits = t == Day || t == Instant
	}
	if !fits {
		return nil, "", false
	}
	a, ph := d.Key(t, v)
	return a, ph, true
}

// Keyset returns the condition that a row comes after the position vals in
// o (before it when back is set): strictly, or at the position too when
// inclusive is set. Values are bound; NULL sorts as the greatest value.
// Values that do not fit o are EINVALID naming "cursor".
func (d *Dialect) Keyset(o Order, vals []any, back, inclusive bool) (string, []any, error) {
	if len(vals) != len(o) {
		return "", nil, incidentmap.Invalidf("cursor", "does not fit the sort order")
	}
	args := make([]any, len(o))
	ph := make([]string, len(o))
	sameDir, nullable := true, false
	for i, k := range o {
		a, p, ok := d.keyArg(k.Col.Type, vals[i])
		if !ok {
			return "", nil, incidentmap.Invalidf("cursor", "does not fit the sort order")
		}
		args[i], ph[i] = a, p
		sameDir = sameDir && k.Desc == o[0].Desc
		nullable = nullable || k.Col.Type == Int
	}
	up := func(k OrderKey) bool { return k.Desc == back } // later rows have greater values
	if sameDir && !nullable {
		// A row value comparison, which the indexes serve.
		op := map[[2]bool]string{{true, false}: ">", {true, true}: ">=", {false, false}: "<", {false, true}: "<="}[[2]bool{up(o[0]), inclusive}]
		cols := make([]string, len(o))
		for i, k := range o {
			cols[i] = k.Col.Name
		}
		return "(" + strings.Join(cols, ", ") + ") " + op + " (" + strings.Join(ph, ", ") + ")", args, nil
	}
	// (k1 beyond v1) OR (k1 = v1 AND k2 beyond v2) OR ...; the last key, the
	// unique id, may also equal its value when inclusive.
	var ors, eqs []string
	var out, eqArgs []any
	for i, k := range o {
		name, v, p := k.Col.Name, args[i], ph[i]
		var beyond string
		var beyondArgs []any
		switch {
		case v == nil && up(k):
			beyond = "" // nothing is greater than NULL
		case v == nil:
			beyond = name + " IS NOT NULL"
		case up(k) && k.Col.Type == Int:
			beyond, beyondArgs = "("+name+" > "+p+" OR "+name+" IS NULL)", []any{v}
		case up(k):
			beyond, beyondArgs = name+" > "+p, []any{v}
		default:
			beyond, beyondArgs = name+" < "+p, []any{v}
		}
		if i == len(o)-1 && inclusive {
			if beyond == "" {
				beyond, beyondArgs = name+" = "+p, []any{v}
			} else {
				beyond, beyondArgs = "("+beyond+" OR "+name+" = "+p+")", append(beyondArgs, v)
			}
		}
		if beyond != "" {
			ors = append(ors, "("+strings.Join(append(slices.Clone(eqs), beyond), " AND ")+")")
			out = append(append(out, eqArgs...), beyondArgs...)
		}
		if v == nil {
			eqs = append(eqs, name+" IS NULL")
		} else {
			eqs = append(eqs, name+" = "+p)
			eqArgs = append(eqArgs, v)
		}
	}
	if len(ors) == 0 {
		return d.False, nil, nil
	}
	return "(" + strings.Join(ors, " OR ") + ")", out, nil
}
