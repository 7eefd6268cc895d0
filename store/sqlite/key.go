package sqlite

import (
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/apikey"
)

// keySQL is the SQLite of apikey.Keys: instants are text, and revoked_at
// is ” until a key is revoked.
var keySQL = apikey.SQL{
	Insert: `INSERT INTO api_keys (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)`,
	ByID:   `SELECT id, name, role, hash, created_at, revoked_at FROM api_keys WHERE id = ?`,
	All:    `SELECT id, name, role, hash, created_at, revoked_at FROM api_keys ORDER BY created_at, id`,
	Revoke: `UPDATE api_keys SET revoked_at = CASE revoked_at WHEN '' THEN ? ELSE revoked_at END WHERE id = ?`,
}

// keys returns the API keys of s, which it embeds: written through the
// writer, read through the readers.
func (s *Store) keys() apikey.Keys {
	return apikey.New(apikey.Config{Write: s.db, Read: s.read, SQL: keySQL, Prefix: "sqlite", Now: s.now,
		Bind: func(t time.Time) any { return formatInstant(t) }, Unique: isUniqueViolation})
}

var _ incidentmap.KeyStore = (*Store)(nil)
