package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/sqlexpr"
)

const scanPointsHead = `SELECT id, lon, lat, occurred_start, occurred_end, event_type, sub_event_type, country,
	admin1_code, target_type, target_country, date_precision, location_precision, place_name, admin1_name, facility,
	perpetrator, title, fatalities, injuries, version, updated_at FROM incidents WHERE `

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
	var start, end, updated string
	scan := func(p *incidentmap.PointRow, fatalities, injuries *sql.NullInt64) error {
		if err := rows.Scan(&p.ID, &p.Lon, &p.Lat, &start, &end, &p.EventType, &p.SubEventType, &p.Country,
			&p.Admin1Code, &p.TargetType, &p.TargetCountry, &p.DatePrecision, &p.LocationPrecision, &p.PlaceName,
			&p.Admin1Name, &p.Facility, &p.Perpetrator, &p.Title, fatalities, injuries, &p.Version, &updated); err != nil {
			return err
		}
		var err error
		if p.OccurredStart, err = time.Parse(dayLayout, start); err != nil {
			return fmt.Errorf("%s: %w", p.ID, err)
		}
		if p.OccurredEnd, err = time.Parse(dayLayout, end); err != nil {
			return fmt.Errorf("%s: %w", p.ID, err)
		}
		if p.UpdatedAt, err = time.Parse(instantLayout, updated); err != nil {
			return fmt.Errorf("%s: %w", p.ID, err)
		}
		return nil
	}
	if err := sqlexpr.ScanPointRows(rows, scan, fn); err != nil {
		return fmt.Errorf("sqlite: scan points: %w", err)
	}
	return nil
}
