package postgis

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/incidentmap/incidentmap"
)

var _ incidentmap.KeyStore = (*Store)(nil)

// CreateAPIKey inserts k and sets its CreatedAt.
func (s *Store) CreateAPIKey(ctx context.Context, k *incidentmap.APIKey) error {
	const q = `INSERT INTO api_keys (id, name, role, hash, created_at) VALUES ($1, $2, $3, $4, $5)`
	now := s.now()
	if _, err := s.db.ExecContext(ctx, q, k.ID, k.Name, string(k.Role), k.Hash, now); err != nil {
		if isUniqueViolation(err) {
			return incidentmap.Errorf(incidentmap.ECONFLICT, "a key with id %s exists", k.ID)
		}
		return fmt.Errorf("postgis: create api key: %w", err)
	}
	k.CreatedAt = now
	return nil
}

type keyRow struct {
	ID        string       `db:"id"`
	Name      string       `db:"name"`
	Role      string       `db:"role"`
	Hash      []byte       `db:"hash"`
	CreatedAt time.Time    `db:"created_at"`
	RevokedAt sql.NullTime `db:"revoked_at"`
}

func (r keyRow) key() *incidentmap.APIKey {
	k := &incidentmap.APIKey{ID: r.ID, Name: r.Name, Role: incidentmap.Role(r.Role), Hash: r.Hash, CreatedAt: r.CreatedAt.UTC()}
	if r.RevokedAt.Valid {
		k.RevokedAt = r.RevokedAt.Time.UTC()
	}
	return k
}

const selectKeys = `SELECT id, name, role, hash, created_at, revoked_at FROM api_keys `

// GetAPIKey returns the key with this id or ENOTFOUND.
func (s *Store) GetAPIKey(ctx context.Context, id string) (*incidentmap.APIKey, error) {
	var row keyRow
	if err := s.db.QueryRowxContext(ctx, selectKeys+`WHERE id = $1`, id).StructScan(&row); errors.Is(err, sql.ErrNoRows) {
		return nil, incidentmap.Errorf(incidentmap.ENOTFOUND, "no key has id %q", id)
	} else if err != nil {
		return nil, fmt.Errorf("postgis: get api key: %w", err)
	}
	return row.key(), nil
}

// ListAPIKeys returns every key, oldest first.
func (s *Store) ListAPIKeys(ctx context.Context) ([]*incidentmap.APIKey, error) {
	var rows []keyRow
	if err := s.db.SelectContext(ctx, &rows, selectKeys+`ORDER BY created_at, id`); err != nil {
		return nil, fmt.Errorf("postgis: list api keys: %w", err)
	}
	out := make([]*incidentmap.APIKey, len(rows))
	for i, r := range rows {
		out[i] = r.key()
	}
	return out, nil
}

// RevokeAPIKey marks the key revoked, keeping the first time.
func (s *Store) RevokeAPIKey(ctx context.Context, id string) error {
	const q = `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2`
	res, err := s.db.ExecContext(ctx, q, s.now(), id)
	if err != nil {
		return fmt.Errorf("postgis: revoke api key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return incidentmap.Errorf(incidentmap.ENOTFOUND, "no key has id %q", id)
	}
	return nil
}
