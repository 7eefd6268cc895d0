// Package write holds the steps of a versioned write that the SQLite and
// PostGIS stores take alike, each with its own SQL: checking the version
// an editor read, and deleting an incident behind a tombstone.
package write

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/record"
)

// CheckVersion reads the current version of the incident id in tx with
// selectVersion (one bound id; PostGIS locks the row): an unknown id is
// ENOTFOUND, and a version other than expected (unless expected is 0)
// ESTALE.
func CheckVersion(ctx context.Context, tx *sqlx.Tx, selectVersion, id string, expected int) (int, error) {
	var version int
	if err := tx.QueryRowxContext(ctx, selectVersion, id).Scan(&version); errors.Is(err, sql.ErrNoRows) {
		return 0, record.NotFound(id)
	} else if err != nil {
		return 0, fmt.Errorf("read version: %w", err)
	}
	if expected != 0 && version != expected {
		return 0, incidentmap.Errorf(incidentmap.ESTALE,
			"incident %s is at version %d, not %d: read it again and reapply the change", id, version, expected)
	}
	return version, nil
}

// Delete is the SQL of DeleteVersion in one dialect: SelectVersion as for
// CheckVersion, DeleteIncident binds the id, InsertTombstone the id, the
// version deleted, the instant and the actor.
type Delete struct {
	SelectVersion, DeleteIncident, InsertTombstone string
}

// DeleteVersion deletes the incident id in tx if it is at version expected
// (any version when expected is 0) and leaves a tombstone stamped at by
// the actor of ctx.
func DeleteVersion(ctx context.Context, tx *sqlx.Tx, q Delete, id string, expected int, at any) error {
	version, err := CheckVersion(ctx, tx, q.SelectVersion, id, expected)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, q.DeleteIncident, id); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	if _, err := tx.ExecContext(ctx, q.InsertTombstone, id, version, at, incidentmap.ActorFrom(ctx)); err != nil {
		return fmt.Errorf("insert tombstone: %w", err)
	}
	return nil
}
