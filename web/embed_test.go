package web

import (
	"io/fs"
	"testing"
)

// TestFS checks that the placeholder is always embedded and that Built
// agrees with the presence of index.html, whether or not npm has run.
func TestFS(t *testing.T) {
	if _, err := fs.Stat(FS(), ".keep"); err != nil {
		t.Fatalf("dist/.keep not embedded: %v", err)
	}
	_, err := fs.Stat(FS(), "index.html")
	if got, want := Built(), err == nil; got != want {
		t.Fatalf("Built() = %v, but index.html present = %v", got, want)
	}
}
