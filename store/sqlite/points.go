package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/sqlexpr"
)

const scanPointsHead = `SELECT id, lon, lat, occurred_start, event_type, country, title, fatalities FROM incidents WHERE `

// ScanPoints streams the PointRow of each incident f selects to fn, in one
// query over the narrow columns.
func (s *Store) ScanPoints(ctx context.Context, f incidentmap.Filter, fn func(incidentmap.PointRow) error) error {
	cond, args, err := compileFilter(ctx, s.read, dialect, f)
	if err != nil {
		return err
	}
	rows, err := s.read.QueryContext(ctx, scanPointsHead+cond, args...)
	if err != nil {
		return fmt.Errorf("sqlite: scan points: %w", err)
	}
	var day string
	scan := func(p *incidentmap.PointRow, fatalities *sql.NullInt64) error {
		if err := rows.Scan(&p.ID, &p.Lon, &p.Lat, &day, &p.EventType, &p.Country, &p.Title, fatalities); err != nil {
			return err
		}
		var err error
		if p.OccurredStart, err = time.Parse(dayLayout, day); err != nil {
			return fmt.Errorf("%s: %w", p.ID, err)
		}
		return nil
	}
	if err := sqlexpr.ScanPointRows(rows, scan, fn); err != nil {
		return fmt.Errorf("sqlite: scan points: %w", err)
	}
	return nil
}
