package upsert

import (
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap"
)

func TestBatches(t *testing.T) {
	boom := errors.New("boom")
	bad := inc("bad")
	bad.Title = ""
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name      string
		ctx       context.Context
		items     []incidentmap.ImportItem
		readErr   error // returned by next after the items instead of io.EOF
		writeErr  error
		wantSizes []int // of the batches written
		wantProg  []int
		wantErr   error // or, with nil, wantLine
		wantLine  string
	}{
		{name: "none", items: nil, wantSizes: nil, wantProg: []int{0}},
		{name: "two and a part", items: numbered(7), wantSizes: []int{3, 3, 1}, wantProg: []int{3, 6, 7}},
		{name: "whole batches", items: numbered(6), wantSizes: []int{3, 3}, wantProg: []int{3, 6, 6}},
		{name: "read error", items: numbered(4), readErr: boom, wantSizes: []int{3}, wantProg: []int{3}, wantErr: boom},
		{name: "write error", items: numbered(4), writeErr: boom, wantErr: boom},
		{name: "invalid item", items: items(inc("a"), inc("b"), bad), wantLine: "line 4"},
		{name: "invalid item the importer says it validated", items: append(items(inc("a")), incidentmap.ImportItem{Incident: bad, Line: 3, Validated: true}),
			wantSizes: []int{2}, wantProg: []int{2}},
		{name: "cancelled", ctx: cancelled, items: numbered(7), wantSizes: []int{3}, wantProg: []int{3}, wantErr: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			i := 0
			next := func() (incidentmap.ImportItem, error) {
				if i == len(tt.items) {
					if tt.readErr != nil {
						return incidentmap.ImportItem{}, tt.readErr
					}
					return incidentmap.ImportItem{}, io.EOF
				}
				i++
				return tt.items[i-1], nil
			}
			var sizes, prog []int
			err := Batches(ctx, next, 3, func(n int) { prog = append(prog, n) }, func(b []incidentmap.ImportItem) error {
				sizes = append(sizes, len(b))
				return tt.writeErr
			})
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			case tt.wantLine != "" && (err == nil || !strings.Contains(err.Error(), tt.wantLine)):
				t.Errorf("err = %v, want one naming %s", err, tt.wantLine)
			case tt.wantErr == nil && tt.wantLine == "" && err != nil:
				t.Errorf("err = %v", err)
			}
			if tt.writeErr == nil && tt.wantLine == "" && (!slices.Equal(sizes, tt.wantSizes) || !slices.Equal(prog, tt.wantProg)) {
				t.Errorf("batches %v, progress %v; want %v, %v", sizes, prog, tt.wantSizes, tt.wantProg)
			}
		})
	}
}

func numbered(n int) []incidentmap.ImportItem {
	incs := make([]*incidentmap.Incident, n)
	for i := range incs {
		incs[i] = inc("n" + strconv.Itoa(i))
	}
	return items(incs...)
}
