package main

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestPoolStatsVersionListener: a PostGIS store's /metrics tell whether
// its data-version listener is up and count its reads of the row, which
// stop growing once the listener answers from memory.
func TestPoolStatsVersionListener(t *testing.T) {
	ctx := context.Background()
	st, err := openStoreConns(ctx, postgisDSN(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, more := poolStats(st)
	reg := prometheus.NewRegistry()
	for _, c := range more {
		reg.MustRegister(c)
	}
	metric := func(name string) float64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == name {
				m := mf.GetMetric()[0]
				if m.GetGauge() != nil {
					return m.GetGauge().GetValue()
				}
				return m.GetCounter().GetValue()
			}
		}
		t.Fatalf("no metric %s", name)
		return 0
	}
	deadline := time.Now().Add(30 * time.Second)
	for metric("incidentmap_db_version_listener_up") != 1 {
		if time.Now().After(deadline) {
			t.Fatal("incidentmap_db_version_listener_up stayed 0 for 30 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := st.DataVersion(ctx); err != nil {
		t.Fatal(err)
	}
	reads := metric("incidentmap_db_version_row_reads_total")
	if reads < 1 {
		t.Errorf("incidentmap_db_version_row_reads_total = %v after a first DataVersion, want at least 1", reads)
	}
	for range 5 {
		if _, err := st.DataVersion(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := metric("incidentmap_db_version_row_reads_total"); n != reads {
		t.Errorf("incidentmap_db_version_row_reads_total went from %v to %v with nothing changed, want no new reads", reads, n)
	}
}
