package storetest

import (
	"bytes"
	"context"
	"testing"

	"github.com/incidentmap/incidentmap"
)

// testKeys checks the KeyStore of a store: create, a taken id, get, list
// in order, revoke once and twice, unknown ids.
func testKeys(t *testing.T, s incidentmap.Store) {
	ks, ok := s.(incidentmap.KeyStore)
	if !ok {
		t.Skip("the store keeps no API keys")
	}
	ctx := context.Background()
	a := &incidentmap.APIKey{ID: "00000000000000aa", Name: "alice", Role: incidentmap.RoleEditor, Hash: bytes.Repeat([]byte{1}, 32)}
	b := &incidentmap.APIKey{ID: "00000000000000bb", Name: "sync", Role: incidentmap.RoleAdmin, Hash: bytes.Repeat([]byte{2}, 32)}
	for _, k := range []*incidentmap.APIKey{a, b} {
		if err := ks.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		if k.CreatedAt.IsZero() {
			t.Errorf("create %s: CreatedAt not set", k.ID)
		}
	}
	dup := *a
	if err := ks.CreateAPIKey(ctx, &dup); incidentmap.ErrorCode(err) != incidentmap.ECONFLICT {
		t.Errorf("create a taken id: %v, want %s", err, incidentmap.ECONFLICT)
	}
	got, err := ks.GetAPIKey(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != a.Name || got.Role != a.Role || !bytes.Equal(got.Hash, a.Hash) || !got.CreatedAt.Equal(a.CreatedAt) || !got.RevokedAt.IsZero() {
		t.Errorf("get %s = %+v, want %+v", a.ID, got, a)
	}
	list, err := ks.ListAPIKeys(ctx)
	if err != nil || len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
		t.Errorf("list = %+v, %v; want %s then %s", list, err, a.ID, b.ID)
	}
	if err := ks.RevokeAPIKey(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	first, err := ks.GetAPIKey(ctx, b.ID)
	if err != nil || first.RevokedAt.IsZero() {
		t.Fatalf("after revoke: %+v, %v", first, err)
	}
	if err := ks.RevokeAPIKey(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if again, err := ks.GetAPIKey(ctx, b.ID); err != nil || !again.RevokedAt.Equal(first.RevokedAt) {
		t.Errorf("revoked twice: %v (%v), want the first time %v", again.RevokedAt, err, first.RevokedAt)
	}
	for name, err := range map[string]error{
		"get":    func() error { _, err := ks.GetAPIKey(ctx, "00000000000000cc"); return err }(),
		"revoke": ks.RevokeAPIKey(ctx, "00000000000000cc"),
	} {
		if incidentmap.ErrorCode(err) != incidentmap.ENOTFOUND {
			t.Errorf("%s an unknown id: %v, want %s", name, err, incidentmap.ENOTFOUND)
		}
	}
}
