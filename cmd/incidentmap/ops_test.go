package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/storetest"
)

func TestLimitFlags(t *testing.T) {
	env := map[string]string{"INCIDENTMAP_MAX_HEAVY": "3", "INCIDENTMAP_HEAVY_WAIT": "2s", "INCIDENTMAP_MAX_REQUEST_BYTES": "1000"}
	cfg, _, err := parseConfig("serve", []string{"--max-conns", "50", "--read-timeout", "5s"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxHeavy != 3 || cfg.HeavyWait != 2*time.Second || cfg.MaxRequestBytes != 1000 || cfg.MaxConns != 50 || cfg.ReadTimeout != 5*time.Second {
		t.Errorf("%+v", cfg)
	}
	if cfg.writeTimeout() != cfg.RequestTimeout+10*time.Second {
		t.Errorf("write timeout %v", cfg.writeTimeout())
	}
	for _, args := range [][]string{
		{"--read-db", "postgres://r/db"}, // the primary is SQLite
		{"--db", "postgres://p/db", "--read-db", "sqlite:x.db"},
		{"--max-heavy", "0"}, {"--max-conns", "0"}, {"--heavy-queue", "-1"}, {"--read-timeout", "0s"}, {"--max-request-bytes", "0"},
		{"--db", "postgres://user:p@ss#word@db/x"}, // an unescaped # in the password
	} {
		if _, _, err := parseConfig("serve", args, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("%v: want an error", args)
		} else if strings.Contains(err.Error(), "ss#word") {
			t.Errorf("%v: the error shows the password: %v", args, err)
		}
	}
	if _, _, err := parseConfig("serve", nil, func(k string) string { return map[string]string{"INCIDENTMAP_MAX_HEAVY": "many"}[k] }, io.Discard); err == nil {
		t.Error("INCIDENTMAP_MAX_HEAVY=many: want an error")
	}
}

// TestBackupRestoreCommands round-trips a database through `incidentmap
// backup` and `incidentmap restore`, on SQLite and (when one runs) PostGIS.
func TestBackupRestoreCommands(t *testing.T) {
	stores := []struct{ name, dsn string }{{"sqlite", sqliteDSN(t)}}
	if dsn := hostilePostgis(t); dsn != "" {
		stores = append(stores, struct{ name, dsn string }{"postgis", dsn})
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			noEnv := func(string) string { return "" }
			s, err := openStore(ctx, st.dsn)
			if err != nil {
				t.Fatal(err)
			}
			incs := storetest.Synthetic(300, 11)
			if err := s.ImportIncidents(ctx, incs[:200]); err != nil {
				t.Fatal(err)
			}
			s.Close()
			file := filepath.Join(t.TempDir(), "backup")
			var out bytes.Buffer
			if err := run(ctx, []string{"backup", "--db", st.dsn, file}, noEnv, &out, &out); err != nil {
				t.Fatalf("backup: %v %s", err, out.String())
			}
			s, err = openStore(ctx, st.dsn)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.ImportIncidents(ctx, incs[200:]); err != nil { // after the backup
				t.Fatal(err)
			}
			s.Close()
			if err := run(ctx, []string{"restore", "--db", st.dsn, file}, noEnv, &out, &out); err != nil {
				t.Fatalf("restore: %v %s", err, out.String())
			}
			s, err = openStore(ctx, st.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			n, err := s.CountIncidents(ctx, incidentmap.Filter{Where: incidentmap.InStrings("status", incidentmap.Statuses...)})
			if err != nil || n != 200 {
				t.Errorf("after restore: %d incidents (%v), want the 200 of the backup", n, err)
			}
			if err := run(ctx, []string{"restore", "--db", st.dsn}, noEnv, &out, &out); err == nil {
				t.Error("restore without FILE: want an error")
			}
		})
	}
}
