package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap"
)

// CreateAPIKey inserts k and sets its CreatedAt.
func (s *Store) CreateAPIKey(ctx context.Context, k *incidentmap.APIKey) error {
	const q = `INSERT INTO api_keys (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)`
	now := s.now()
	if _, err := s.db.ExecContext(ctx, q, k.ID, k.Name, string(k.Role), k.Hash, formatInstant(now)); err != nil {
		if isUniqueViolation(err) {
			return incidentmap.Errorf(incidentmap.ECONFLICT, "a key with id %s exists", k.ID)
		}
		return fmt.Errorf("sqlite: create api key: %w", err)
	}
	k.CreatedAt = now
	return nil
}

type keyRow struct {
	ID        string `db:"id"`
	Name      string `db:"name"`
	Role      string `db:"role"`
	Hash      []byte `db:"hash"`
	CreatedAt string `db:"created_at"`
	RevokedAt string `db:"revoked_at"`
}

func (r keyRow) key() (*incidentmap.APIKey, error) {
	k := &incidentmap.APIKey{ID: r.ID, Name: r.Name, Role: incidentmap.Role(r.Role), Hash: r.Hash}
	var err error
	if k.CreatedAt, err = time.Parse(instantLayout, r.CreatedAt); err != nil {
		return nil, err
	}
	if r.RevokedAt != "" {
		if k.RevokedAt, err = time.Parse(instantLayout, r.RevokedAt); err != nil {
			return nil, err
		}
	}
	return k, nil
}

const selectKeys = `SELECT id, name, role, hash, created_at, revoked_at FROM api_keys `

// GetAPIKey returns the key with this id or ENOTFOUND.
func (s *Store) GetAPIKey(ctx context.Context, id string) (*incidentmap.APIKey, error) {
	var row keyRow
	if err := s.read.QueryRowxContext(ctx, selectKeys+`WHERE id = ?`, id).StructScan(&row); errors.Is(err, sql.ErrNoRows) {
		return nil, incidentmap.Errorf(incidentmap.ENOTFOUND, "no key has id %q", id)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: get api key: %w", err)
	}
	k, err := row.key()
	if err != nil {
		return nil, fmt.Errorf("sqlite: get api key %s: %w", id, err)
	}
	return k, nil
}

// ListAPIKeys returns every key, oldest first.
func (s *Store) ListAPIKeys(ctx context.Context) ([]*incidentmap.APIKey, error) {
	var rows []keyRow
	if err := s.read.SelectContext(ctx, &rows, selectKeys+`ORDER BY created_at, id`); err != nil {
		return nil, fmt.Errorf("sqlite: list api keys: %w", err)
	}
	out := make([]*incidentmap.APIKey, len(rows))
	for i, r := range rows {
		k, err := r.key()
		if err != nil {
			return nil, fmt.Errorf("sqlite: list api keys: %s: %w", r.ID, err)
		}
		out[i] = k
	}
	return out, nil
}

// RevokeAPIKey marks the key revoked, keeping the first time.
func (s *Store) RevokeAPIKey(ctx context.Context, id string) error {
	const q = `UPDATE api_keys SET revoked_at = CASE revoked_at WHEN '' THEN ? ELSE revoked_at END WHERE id = ?`
	res, err := s.db.ExecContext(ctx, q, formatInstant(s.now()), id)
	if err != nil {
		return fmt.Errorf("sqlite: revoke api key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return incidentmap.Errorf(incidentmap.ENOTFOUND, "no key has id %q", strings.TrimSpace(id))
	}
	return nil
}

var _ incidentmap.KeyStore = (*Store)(nil)
