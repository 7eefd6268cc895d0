package sqlexpr

import (
	"slices"

	"github.com/incidentmap/incidentmap"
)

// columnTypes is how a table holds each kind of scalar property.
var columnTypes = map[incidentmap.ValueKind]Type{
	incidentmap.ValueText:    Text,
	incidentmap.ValueCount:   Int,
	incidentmap.ValueDay:     Day,
	incidentmap.ValueInstant: Instant,
}

// Columns returns the allow-list of Dialect.Columns, from the one table of
// properties (incidentmap.Fields): each scalar field that filters may name
// or clients may sort by, held in the column named column(name).
func Columns(column func(name string) string) map[string]Column {
	out := map[string]Column{}
	for i := range incidentmap.Fields {
		f := &incidentmap.Fields[i]
		if f.Scalar() && (f.Query != "" || f.Sortable) {
			out[f.Name] = Column{Name: column(f.Name), Type: columnTypes[f.Kind]}
		}
	}
	return out
}

// GroupExprs returns the allow-list from incidentmap.GroupKeys to the SQL
// of each key: day, month and year as given, and each group field of
// incidentmap.Fields as column(name).
func GroupExprs(day, month, year string, column func(name string) string) GroupBy {
	out := GroupBy{incidentmap.GroupDay: day, incidentmap.GroupMonth: month, incidentmap.GroupYear: year}
	for i := range incidentmap.Fields {
		if f := &incidentmap.Fields[i]; f.Group {
			out[f.Name] = column(f.Name)
		}
	}
	return out
}

// GroupBy maps each group key to its SQL: the only way a key reaches SQL.
type GroupBy map[string]string

// Key returns the SQL of the group key by, or incidentmap.UnknownGroupKey.
func (g GroupBy) Key(by string) (string, error) {
	key, ok := g[by]
	if !ok {
		return "", incidentmap.UnknownGroupKey(by)
	}
	return key, nil
}

// NeedsSpan reports whether e holds a temporal function of occurred, the
// one condition that CompileSpan narrows with the longest incident: a
// store reads that length only then.
func NeedsSpan(e incidentmap.Expr) bool {
	switch e := e.(type) {
	case incidentmap.Temporal:
		return e.Prop == incidentmap.OccurredProperty
	case incidentmap.And:
		return slices.ContainsFunc(e.Args, NeedsSpan)
	case incidentmap.Or:
		return slices.ContainsFunc(e.Args, NeedsSpan)
	case incidentmap.Not:
		return NeedsSpan(e.Arg)
	}
	return false
}
