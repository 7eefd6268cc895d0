// Package geo owns the geographic knowledge incidents are checked and
// completed with: the embedded gazetteer (geo/gazetteer: place names to
// points) and the embedded country and province boundaries (geo/region:
// points to regions); geo/cluster clusters points per map zoom, and
// geo/basemap cuts vector tiles of a light basemap from both. It is
// pure computation; nothing here touches a database or HTTP.
//
// Data holds both, each loaded on first use, because their costs differ:
// the boundaries take about 0.2 s and 26 MB, the gazetteer about 1 s and
// 66 MB, and a server that is never asked to geocode need not pay for it.
package geo

import (
	"fmt"
	"sync"

	"github.com/incidentmap/incidentmap/geo/gazetteer"
	"github.com/incidentmap/incidentmap/geo/region"
)

// Data loads the gazetteer and the boundaries once each, on first use, and
// shares them. The zero value is ready; it is safe for concurrent use.
type Data struct {
	regionsOnce sync.Once
	regions     *region.Index
	regionsErr  error

	gazetteerOnce sync.Once
	gazetteer     *gazetteer.Gazetteer
	gazetteerErr  error
}

// Regions returns the boundary index, loading it on the first call.
func (d *Data) Regions() (*region.Index, error) {
	d.regionsOnce.Do(func() {
		d.regions, d.regionsErr = region.Load()
		if d.regionsErr != nil {
			d.regionsErr = fmt.Errorf("geo: load boundaries: %w", d.regionsErr)
		}
	})
	return d.regions, d.regionsErr
}

// Gazetteer returns the gazetteer, loading it on the first call.
func (d *Data) Gazetteer() (*gazetteer.Gazetteer, error) {
	d.gazetteerOnce.Do(func() {
		d.gazetteer, d.gazetteerErr = gazetteer.Load()
		if d.gazetteerErr != nil {
			d.gazetteerErr = fmt.Errorf("geo: load gazetteer: %w", d.gazetteerErr)
		}
	})
	return d.gazetteer, d.gazetteerErr
}
