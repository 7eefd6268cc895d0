package sqlexpr

import (
	"database/sql"

	"github.com/incidentmap/incidentmap"
)

// ScanPointRows reads the rows of a ScanPoints query and passes each to
// fn: scan reads one row into a PointRow and its nullable fatalities and
// injuries (each store has its own column types), and ScanPointRows turns
// the counts into the row's pointers. It closes rows; an error from scan
// or fn stops the loop and is returned as it is.
func ScanPointRows(rows *sql.Rows, scan func(p *incidentmap.PointRow, fatalities, injuries *sql.NullInt64) error, fn func(incidentmap.PointRow) error) error {
	defer rows.Close()
	var (
		p                    incidentmap.PointRow
		fatalities, injuries sql.NullInt64
	)
	for rows.Next() {
		if err := scan(&p, &fatalities, &injuries); err != nil {
			return err
		}
		p.Fatalities, p.Injuries = countOf(fatalities), countOf(injuries)
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}

// countOf returns a nullable count as a PointRow holds it: nil when NULL.
func countOf(v sql.NullInt64) *int {
	if !v.Valid {
		return nil
	}
	n := int(v.Int64)
	return &n
}
