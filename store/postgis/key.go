package postgis

import (
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/apikey"
)

// keySQL is the PostgreSQL of apikey.Keys.
var keySQL = apikey.SQL{
	Insert: `INSERT INTO api_keys (id, name, role, hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
	ByID:   `SELECT id, name, role, hash, created_at, revoked_at FROM api_keys WHERE id = $1`,
	All:    `SELECT id, name, role, hash, created_at, revoked_at FROM api_keys ORDER BY created_at, id`,
	Revoke: `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2`,
}

// keys returns the API keys of s, which it embeds.
func (s *Store) keys() apikey.Keys {
	return apikey.New(apikey.Config{Write: s.db, Read: s.db, SQL: keySQL, Prefix: "postgis", Now: s.now,
		Bind: func(t time.Time) any { return t }, Unique: isUniqueViolation})
}

var _ incidentmap.KeyStore = (*Store)(nil)
