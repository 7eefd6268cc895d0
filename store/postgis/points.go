package postgis

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/sqlexpr"
)

const scanPointsHead = `SELECT i.id, ST_X(i.location), ST_Y(i.location), i.occurred_start, i.occurred_end, i.event_type,
	i.sub_event_type, i.country, i.admin1_code, i.target_type, i.target_country, i.date_precision, i.location_precision,
	i.place_name, i.admin1_name, i.facility, i.perpetrator, i.title, i.fatalities, i.injuries, i.version, i.updated_at
	FROM incidents i WHERE `

// ScanPoints streams the PointRow of each incident f selects to fn, in one
// query over the narrow columns.
func (s *Store) ScanPoints(ctx context.Context, f incidentmap.Filter, fn func(incidentmap.PointRow) error) error {
	where, args, err := filterSQL(ctx, s.db, f)
	if err != nil {
		return err
	}
	rows, err := s.db.QueryContext(ctx, rebind(scanPointsHead+where), args...)
	if err != nil {
		return fmt.Errorf("postgis: scan points: %w", err)
	}
	scan := func(p *incidentmap.PointRow, fatalities, injuries *sql.NullInt64) error {
		if err := rows.Scan(&p.ID, &p.Lon, &p.Lat, &p.OccurredStart, &p.OccurredEnd, &p.EventType, &p.SubEventType,
			&p.Country, &p.Admin1Code, &p.TargetType, &p.TargetCountry, &p.DatePrecision, &p.LocationPrecision,
			&p.PlaceName, &p.Admin1Name, &p.Facility, &p.Perpetrator, &p.Title, fatalities, injuries, &p.Version, &p.UpdatedAt); err != nil {
			return err
		}
		p.OccurredStart, p.OccurredEnd, p.UpdatedAt = p.OccurredStart.UTC(), p.OccurredEnd.UTC(), p.UpdatedAt.UTC()
		return nil
	}
	if err := sqlexpr.ScanPointRows(rows, scan, fn); err != nil {
		return fmt.Errorf("postgis: scan points: %w", err)
	}
	return nil
}
