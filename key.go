package incidentmap

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// Role is what an API key may do. Each role may do what the ones before it
// in Roles may.
type Role string

// Roles.
const (
	RoleReader Role = "reader" // read drafts, history and the change feed
	RoleEditor Role = "editor" // create, change, publish, retract and delete incidents; import
	RoleAdmin  Role = "admin"  // everything; reserved for managing keys
)

// Roles lists the roles from least to most allowed.
var Roles = []Role{RoleReader, RoleEditor, RoleAdmin}

// Allows reports whether r may do what need may.
func (r Role) Allows(need Role) bool {
	i, j := slices.Index(Roles, r), slices.Index(Roles, need)
	return i >= 0 && j >= 0 && i >= j
}

// ParseRole reads a role name; anything else is EINVALID naming "role".
func ParseRole(s string) (Role, error) {
	if r := Role(s); slices.Contains(Roles, r) {
		return r, nil
	}
	return "", Invalidf("role", "must be one of %v, got %q", Roles, clipName(s))
}

// APIKey is an account's credential. The secret half of the token is kept
// only as its SHA-256: secrets are 256 random bits, so a slow password hash
// would add nothing but latency.
type APIKey struct {
	ID        string // public half of the token, 16 hex digits
	Name      string // who holds it, e.g. "alice" or "ucdp-sync"
	Role      Role
	Hash      []byte    // SHA-256 of the secret half
	CreatedAt time.Time // set by the store
	RevokedAt time.Time // zero while the key is valid
}

// tokenPrefix starts every token, so that leaked tokens are easy to find.
const tokenPrefix = "imk_"

// NewAPIKey makes a key for name with role, and returns it with its token,
// which is shown once and never stored: "imk_<id>_<secret>".
func NewAPIKey(name string, role Role) (*APIKey, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 || strings.ContainsAny(name, "\r\n\t") {
		return nil, "", Invalidf("name", "must be 1-100 characters on one line")
	}
	if _, err := ParseRole(string(role)); err != nil {
		return nil, "", err
	}
	var id [8]byte
	var secret [32]byte
	_, _ = rand.Read(id[:]) // crypto/rand never fails
	_, _ = rand.Read(secret[:])
	k := &APIKey{ID: hex.EncodeToString(id[:]), Name: name, Role: role}
	sec := hex.EncodeToString(secret[:])
	sum := sha256.Sum256([]byte(sec))
	k.Hash = sum[:]
	return k, tokenPrefix + k.ID + "_" + sec, nil
}

// ParseToken splits a token into the key id and the secret; ok is false for
// anything that is not shaped like a token NewAPIKey made.
func ParseToken(token string) (id, secret string, ok bool) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return "", "", false
	}
	id, secret, ok = strings.Cut(rest, "_")
	if !ok || len(id) != 16 || len(secret) != 64 || !isHex(id) || !isHex(secret) {
		return "", "", false
	}
	return id, secret, true
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// Verify reports, in time that does not depend on where they differ,
// whether secret is this key's secret and the key is not revoked.
func (k *APIKey) Verify(secret string) bool {
	sum := sha256.Sum256([]byte(secret))
	match := subtle.ConstantTimeCompare(sum[:], k.Hash) == 1
	return match && k.RevokedAt.IsZero()
}

// Actor names the key in the history of the incidents it changes:
// "name (key id)".
func (k *APIKey) Actor() string { return k.Name + " (key " + k.ID + ")" }

// KeyStore keeps API keys. Both stores implement it; the API depends on
// this interface only.
type KeyStore interface {
	// CreateAPIKey inserts k, setting CreatedAt. A taken id is ECONFLICT.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// GetAPIKey returns the key with this id, revoked or not, or ENOTFOUND.
	GetAPIKey(ctx context.Context, id string) (*APIKey, error)
	// ListAPIKeys returns every key, oldest first.
	ListAPIKeys(ctx context.Context) ([]*APIKey, error)
	// RevokeAPIKey marks the key revoked from now on; revoking twice keeps
	// the first time. An unknown id is ENOTFOUND.
	RevokeAPIKey(ctx context.Context, id string) error
}

type actorKey struct{}

// WithActor returns ctx carrying who is making a change; stores record it
// in the history of what they write under ctx.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFrom returns the actor WithActor put in ctx, or "" (a change made by
// the system, such as an import from the command line without a name).
func ActorFrom(ctx context.Context) string {
	s, _ := ctx.Value(actorKey{}).(string)
	return s
}
