package api

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/geo/cluster"
)

// buildFilteredSet builds the point set of the incidents f selects at
// version: from the published set in memory when it can (filterPublished),
// else from a scan of the store.
func (t *tileIndexes) buildFilteredSet(ctx context.Context, f incidentmap.Filter, version string) (*pointSet, error) {
	t.mu.Lock()
	ps := t.published
	t.mu.Unlock()
	start := time.Now()
	set, ok, err := filterPublished(ps, f, version, t.maxFiltered)
	if ok {
		t.fromMemory.Add(1)
		if err == nil {
			t.log.Debug("filtered tile index from memory", slog.Int("incidents", set.ix.Len()), slog.Duration("took", time.Since(start)))
		}
		return set, err
	}
	t.fromStore.Add(1)
	return buildPointSet(ctx, t.store, f, version, t.maxFiltered)
}

// filterPublished builds the point set of the incidents f selects out of
// ps, the set of all published incidents, without reading the store: the
// item index built from the same scan (ps.items) finds the matches, in
// O(candidates) as for a page, and the rows come from ps's columns. It
// reports false when it cannot: ps is not of version, has no item index
// of its own scan, or the index does not answer f (itemIndex.plan). The
// set is the one a scan of the store with f would give, its rows in the
// order of ranks, sharing ps's distinct titles and country names.
func filterPublished(ps *pointSet, f incidentmap.Filter, version string, limit int) (*pointSet, bool, error) {
	if ps == nil || ps.items == nil || ps.version != version || ps.items.version != version {
		return nil, false, nil
	}
	ix := ps.items
	plan, ok := ix.plan(f)
	if !ok {
		return nil, false, nil
	}
	// The matches, by the walk of a page as long as the limit allows.
	ranks, more, ok := ix.page(plan, nil, cmp.Or(limit, ix.n))
	if !ok {
		return nil, false, nil
	}
	if more {
		return nil, true, tooManyToCluster(limit)
	}

	// The rows' columns, copied; the distinct titles and the country
	// names are ps's, shared (both are immutable).
	n := len(ranks)
	set := &pointSet{version: version, countryNames: ps.countryNames, countries: make([]uint16, n),
		days: make([]int32, n), fatalities: make([]int32, n)}
	set.titles = dictColumn{values: ps.titles.values, refs: make([]uint32, n)}
	set.ids.ends = make([]uint32, n)
	pts := make([]cluster.Point, n)
	for i, r := range ranks { // the published set's rows are the index's ranks
		set.ids.data = append(set.ids.data, ps.ids.bytes(int(r))...)
		set.ids.ends[i] = uint32(len(set.ids.data))
		set.titles.refs[i] = ps.titles.refs[r]
		set.countries[i], set.days[i], set.fatalities[i] = ps.countries[r], ps.days[r], ps.fatalities[r]
		pts[i] = cluster.Point{Lon: ix.lons[r], Lat: ix.lats[r], Kind: kindOf(ix.values[eventTypeProp][ix.codes[eventTypeProp][r]])}
	}
	cx, err := cluster.Build(pts, cluster.Options{Kinds: len(eventKinds)})
	if err != nil {
		return nil, true, fmt.Errorf("api: cluster incidents: %w", err)
	}
	set.ix = cx
	return set, true, nil
}
