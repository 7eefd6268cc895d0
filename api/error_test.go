package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/incidentmap/incidentmap"
)

func TestErrorStatus(t *testing.T) {
	tests := []struct {
		err    error
		status int
		code   string
	}{
		{incidentmap.Invalidf("bbox", "bad"), http.StatusBadRequest, "invalid"},
		{incidentmap.Errorf(incidentmap.ENOTFOUND, "gone"), http.StatusNotFound, "not_found"},
		{fmt.Errorf("wrapped: %w", incidentmap.Errorf(incidentmap.ECONFLICT, "taken")), http.StatusConflict, "conflict"},
		{incidentmap.Errorf(incidentmap.EUNAUTHORIZED, "who"), http.StatusUnauthorized, "unauthorized"},
		{incidentmap.Errorf(incidentmap.EFORBIDDEN, "no"), http.StatusForbidden, "forbidden"},
		{incidentmap.Errorf(incidentmap.EINTERNAL, "bug"), http.StatusInternalServerError, "internal"},
		{errors.New("driver: bad connection"), http.StatusInternalServerError, "internal"},
		{fmt.Errorf("query: %w", context.DeadlineExceeded), http.StatusServiceUnavailable, "unavailable"},
		{errMethodNotAllowed, http.StatusMethodNotAllowed, "method_not_allowed"},
		{errNotReady, http.StatusServiceUnavailable, "unavailable"},
		{incidentmap.Errorf("mystery", "?"), http.StatusInternalServerError, "internal"},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			status, code := errorStatus(tt.err)
			if status != tt.status || code != tt.code {
				t.Errorf("got %d %s, want %d %s", status, code, tt.status, tt.code)
			}
		})
	}
}
