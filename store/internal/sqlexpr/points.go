package sqlexpr

import (
	"database/sql"

	"github.com/incidentmap/incidentmap"
)

// ScanPointRows reads the rows of a ScanPoints query and passes each to
// fn: scan reads one row into a PointRow and its nullable fatalities
// (each store has its own column types), and ScanPointRows turns the
// fatalities into the row's pointer. It closes rows; an error from scan
// or fn stops the loop and is returned as it is.
func ScanPointRows(rows *sql.Rows, scan func(p *incidentmap.PointRow, fatalities *sql.NullInt64) error, fn func(incidentmap.PointRow) error) error {
	defer rows.Close()
	var (
		p          incidentmap.PointRow
		fatalities sql.NullInt64
	)
	for rows.Next() {
		if err := scan(&p, &fatalities); err != nil {
			return err
		}
		p.Fatalities = nil
		if fatalities.Valid {
			n := int(fatalities.Int64)
			p.Fatalities = &n
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}
