package region

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// embeddedBudget is the most bytes the embedded boundaries may take; a
// regeneration that needs more must raise it deliberately.
const embeddedBudget = 4 << 20

// TestEmbeddedChecksum checks the embedded boundaries against
// data/SHA256SUMS and the size budget: every regeneration adds the whole
// file to the repository's history, so it must be a deliberate commit.
func TestEmbeddedChecksum(t *testing.T) {
	sums, err := os.ReadFile("data/SHA256SUMS")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(embedded)
	want, name, _ := strings.Cut(strings.TrimSpace(string(sums)), "  ")
	if name != "regions.bin.gz" || hex.EncodeToString(sum[:]) != want {
		t.Errorf("embedded regions.bin.gz has sha256 %x; data/SHA256SUMS says %q for %q: regenerate with ./gen and update SHA256SUMS in the same commit", sum, want, name)
	}
	if len(embedded) > embeddedBudget {
		t.Errorf("embedded boundaries take %d bytes, over the budget of %d", len(embedded), embeddedBudget)
	}
}
