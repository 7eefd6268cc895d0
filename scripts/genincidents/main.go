// Command genincidents writes a deterministic, clustered data set of
// synthetic incidents as a GeoJSON FeatureCollection to standard output,
// for import benchmarks (see scripts/bench_import.sh): the shape of
// ../shared/bench/gen_points.sql, made in Go by storetest.Clustered.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/incidentmap/incidentmap/store/storetest"
)

func main() {
	n := flag.Int("n", 1_000_000, "number of incidents")
	seed := flag.Uint64("seed", 42, "seed; the same n and seed give the same file")
	flag.Parse()
	if err := storetest.WriteClusteredGeoJSON(os.Stdout, *n, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "genincidents:", err)
		os.Exit(1)
	}
}
