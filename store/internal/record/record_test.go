package record

import (
	"testing"

	"github.com/incidentmap/incidentmap"
)

func TestChangesLimit(t *testing.T) {
	tests := []struct{ limit, want int }{
		{0, incidentmap.HistoryLimit},
		{-1, incidentmap.HistoryLimit},
		{1, 1},
		{incidentmap.HistoryLimit, incidentmap.HistoryLimit},
		{incidentmap.HistoryLimit + 1, incidentmap.HistoryLimit},
	}
	for _, tt := range tests {
		if got := ChangesLimit(tt.limit); got != tt.want {
			t.Errorf("ChangesLimit(%d) = %d, want %d", tt.limit, got, tt.want)
		}
	}
}

func TestNotFound(t *testing.T) {
	err := NotFound("x1")
	if incidentmap.ErrorCode(err) != incidentmap.ENOTFOUND || incidentmap.ErrorMessage(err) != `no incident has id "x1"` {
		t.Errorf("NotFound = %v", err)
	}
}
