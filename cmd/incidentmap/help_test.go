package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestHelpExitsZero: every command answers -h with its usage and success
// (the shell sees exit status 0), and says what it takes.
func TestHelpExitsZero(t *testing.T) {
	tests := []struct {
		args []string
		want string // in the usage
	}{
		{[]string{"serve", "-h"}, "-addr"},
		{[]string{"migrate", "-h"}, "-db"},
		{[]string{"import", "-h"}, "-db"},
		{[]string{"geocode", "-h"}, "-country"},
		{[]string{"extract", "-h"}, "-published"},
		{[]string{"eval", "-h"}, "-gold"},
		{[]string{"healthcheck", "-h"}, "-url"},
		{[]string{"keys", "-h"}, "keys create --name NAME"},
		{[]string{"keys", "create", "-h"}, "-role"},
		{[]string{"keys", "list", "--help"}, "keys list"},
		{[]string{"help"}, "incidentmap keys"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, func(string) string { return "" }, &stdout, &stderr)
			if err != nil {
				t.Errorf("exit with %v, want success", err)
			}
			if out := stdout.String() + stderr.String(); !strings.Contains(out, tt.want) {
				t.Errorf("usage lacks %q:\n%s", tt.want, out)
			}
		})
	}
}

// TestKeysCommand creates, lists and revokes a key through the command line.
func TestKeysCommand(t *testing.T) {
	dsn := sqliteDSN(t)
	getenv := func(k string) string {
		if k == "INCIDENTMAP_DB" {
			return dsn
		}
		return ""
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"keys", "create", "--name", "alice", "--role", "editor"}, getenv, &out, &errOut); err != nil {
		t.Fatalf("%v: %s", err, errOut.String())
	}
	token := strings.TrimSpace(out.String())
	if !strings.HasPrefix(token, "imk_") || len(token) != 4+16+1+64 {
		t.Fatalf("token %q", token)
	}
	id := token[4:20]
	out.Reset()
	if err := run(context.Background(), []string{"keys", "list"}, getenv, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, id) || !strings.Contains(s, "alice") || !strings.Contains(s, "editor") || strings.Contains(s, token[21:]) {
		t.Errorf("list:\n%s", s)
	}
	if err := run(context.Background(), []string{"keys", "revoke", id}, getenv, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	_ = run(context.Background(), []string{"keys", "list"}, getenv, &out, &errOut)
	if strings.Contains(out.String(), " -\n") {
		t.Errorf("the key is not revoked:\n%s", out.String())
	}
	if err := run(context.Background(), []string{"keys", "create", "--name", "bob", "--role", "owner"}, getenv, &out, &errOut); err == nil {
		t.Error("role owner was accepted")
	}
}
