// Package apikey keeps API keys in the api_keys table of migration 0004
// for both stores: Keys implements incidentmap.KeyStore over one dialect's
// SQL, and a store embeds it.
package apikey

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/incidentmap/incidentmap"
)

// SQL is one dialect's statements over api_keys.
type SQL struct {
	Insert string // binds id, name, role, hash, created_at
	ByID   string // selects a row (see row) by id
	All    string // selects every row, oldest first
	Revoke string // sets revoked_at, unless set, to the first bound value for the id bound second
}

// Config is how one store keeps its keys.
type Config struct {
	Write, Read *sqlx.DB
	SQL         SQL
	// Prefix names the store in errors ("sqlite", "postgis").
	Prefix string
	// Now is the store's clock; Bind turns an instant into the value the
	// dialect stores.
	Now  func() time.Time
	Bind func(time.Time) any
	// Unique reports whether err is a unique violation.
	Unique func(error) bool
}

// Keys is the API keys of one store; a store embeds it.
type Keys struct{ c Config }

// New returns the keys kept as c says.
func New(c Config) Keys { return Keys{c: c} }

var _ incidentmap.KeyStore = Keys{}

// row is an api_keys row.
type row struct {
	ID        string  `db:"id"`
	Name      string  `db:"name"`
	Role      string  `db:"role"`
	Hash      []byte  `db:"hash"`
	CreatedAt instant `db:"created_at"`
	RevokedAt instant `db:"revoked_at"`
}

func (r row) key() *incidentmap.APIKey {
	return &incidentmap.APIKey{ID: r.ID, Name: r.Name, Role: incidentmap.Role(r.Role), Hash: r.Hash,
		CreatedAt: r.CreatedAt.t, RevokedAt: r.RevokedAt.t}
}

// instant scans an instant kept as a timestamp or as RFC 3339 text; NULL
// and "" are the zero time.
type instant struct{ t time.Time }

// Scan implements sql.Scanner.
func (i *instant) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		i.t = time.Time{}
	case time.Time:
		i.t = v.UTC()
	case string:
		return i.parse(v)
	case []byte:
		return i.parse(string(v))
	default:
		return fmt.Errorf("cannot scan %T into an instant", src)
	}
	return nil
}

func (i *instant) parse(s string) error {
	if s == "" {
		i.t = time.Time{}
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	i.t = t.UTC()
	return err
}

// CreateAPIKey inserts k and sets its CreatedAt.
func (ks Keys) CreateAPIKey(ctx context.Context, k *incidentmap.APIKey) error {
	now := ks.c.Now()
	if _, err := ks.c.Write.ExecContext(ctx, ks.c.SQL.Insert, k.ID, k.Name, string(k.Role), k.Hash, ks.c.Bind(now)); err != nil {
		if ks.c.Unique(err) {
			return incidentmap.Errorf(incidentmap.ECONFLICT, "a key with id %s exists", k.ID)
		}
		return fmt.Errorf("%s: create api key: %w", ks.c.Prefix, err)
	}
	k.CreatedAt = now
	return nil
}

// GetAPIKey returns the key with this id or ENOTFOUND.
func (ks Keys) GetAPIKey(ctx context.Context, id string) (*incidentmap.APIKey, error) {
	var rows []row
	if err := ks.c.Read.SelectContext(ctx, &rows, ks.c.SQL.ByID, id); err != nil {
		return nil, fmt.Errorf("%s: get api key: %w", ks.c.Prefix, err)
	}
	if len(rows) == 0 {
		return nil, notFound(id)
	}
	return rows[0].key(), nil
}

// ListAPIKeys returns every key, oldest first.
func (ks Keys) ListAPIKeys(ctx context.Context) ([]*incidentmap.APIKey, error) {
	var rows []row
	if err := ks.c.Read.SelectContext(ctx, &rows, ks.c.SQL.All); err != nil {
		return nil, fmt.Errorf("%s: list api keys: %w", ks.c.Prefix, err)
	}
	out := make([]*incidentmap.APIKey, len(rows))
	for i, r := range rows {
		out[i] = r.key()
	}
	return out, nil
}

// RevokeAPIKey marks the key revoked, keeping the first time.
func (ks Keys) RevokeAPIKey(ctx context.Context, id string) error {
	res, err := ks.c.Write.ExecContext(ctx, ks.c.SQL.Revoke, ks.c.Bind(ks.c.Now()), id)
	if err != nil {
		return fmt.Errorf("%s: revoke api key: %w", ks.c.Prefix, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound(id)
	}
	return nil
}

func notFound(id string) error {
	return incidentmap.Errorf(incidentmap.ENOTFOUND, "no key has id %q", id)
}
