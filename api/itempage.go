package api

import (
	"context"
	"fmt"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
)

// pageSource is where the incidents of one items page come from, apart
// from how they are encoded: the item index's page, its incidents read by
// id and in hand before anything is written (rows, p), or the store
// (indexed false), whose FindPage yields them as they are written.
type pageSource struct {
	f       incidentmap.Filter
	indexed bool
	rows    []*incidentmap.Incident // the index's page, in its order
	p       page                    // what the index's page is
}

// storePage is the source of the page of f that the store reads.
func storePage(f incidentmap.Filter) *pageSource { return &pageSource{f: f} }

// pageSourceOf returns the source of the page of f: the index's when
// pageFromIndex decides the page and every row read by id is the one the
// index holds, else the store's. Nothing is written; an error is one of
// the store's reads by id.
func (s *server) pageSourceOf(c *gin.Context, f incidentmap.Filter) (*pageSource, error) {
	ip := s.pageFromIndex(c, f)
	if ip == nil {
		return storePage(f), nil
	}
	rows := make([]*incidentmap.Incident, len(ip.ranks))
	all := make([]int, len(ip.ranks))
	for i := range all {
		all[i] = i
	}
	ok, err := s.itemIx.readByID(c.Request.Context(), ip.ix, ip.ranks, all, func(i int, inc *incidentmap.Incident) {
		rows[i] = inc
	})
	if err != nil {
		return nil, fmt.Errorf("api: find incidents by id: %w", err)
	}
	if !ok {
		// A write raced the data version: the store answers.
		s.itemIx.passed.Add(1)
		return storePage(f), nil
	}
	s.itemIx.served.Add(1)
	return &pageSource{f: f, indexed: true, rows: rows, p: ip.p}, nil
}

// findPage calls fn with each incident of the page of src in the page's
// order and returns what the page was: its first and next cursors (last
// too for a page before a cursor), how many it returned and numberMatched.
// An error from fn stops the page and is returned as it is.
func (s *server) findPage(ctx context.Context, src *pageSource, fn func(*incidentmap.Incident) error) (page, error) {
	if src.indexed {
		for _, inc := range src.rows {
			if err := fn(inc); err != nil {
				return src.p, err
			}
		}
		return src.p, nil
	}
	f := src.f
	var p page
	var err error
	p.matched, err = s.store.FindPage(ctx, f, s.matchedCap, func(inc *incidentmap.Incident) error {
		if p.returned == 0 {
			p.first = incidentmap.CursorOf(inc, f.SortBy)
		}
		if f.Before != nil {
			p.last = incidentmap.CursorOf(inc, f.SortBy)
		}
		p.returned++
		return fn(inc)
	})
	p.next = p.matched.Next
	return p, err
}
