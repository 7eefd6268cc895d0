package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/incidentmap/incidentmap/geo/gazetteer"
	"github.com/paulmach/orb"
)

// geocodeCommand prints the gazetteer's candidates for a place name, best
// first, with the score that ranked them.
func geocodeCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("geocode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	country := fs.String("country", "", "prefer places in this ISO 3166-1 alpha-3 country")
	near := fs.String("near", "", "prefer places near lon,lat")
	limit := fs.Int("limit", 5, "most candidates to print")
	if err := fs.Parse(args); err != nil {
		return err
	}
	q := gazetteer.Query{Text: strings.Join(fs.Args(), " "), Country: *country, Limit: *limit}
	if *near != "" {
		lon, lat, ok := strings.Cut(*near, ",")
		x, err1 := strconv.ParseFloat(lon, 64)
		y, err2 := strconv.ParseFloat(lat, 64)
		if !ok || err1 != nil || err2 != nil {
			return fmt.Errorf("--near must be lon,lat, got %q", *near)
		}
		q.Near = &orb.Point{x, y}
	}
	if err := q.Validate(); err != nil {
		return err
	}
	g, err := gazetteer.Load()
	if err != nil {
		return err
	}
	cands := g.Search(q)
	if len(cands) == 0 {
		fmt.Fprintf(stdout, "no place called %q\n", q.Text)
		return nil
	}
	fmt.Fprintf(stdout, "%-6s  %-28s %-9s %-3s  %-22s %-21s %-9s %s\n", "score", "name", "kind", "cty", "admin1", "lon,lat", "precision", "match")
	for _, c := range cands {
		fmt.Fprintf(stdout, "%6.2f  %-28s %-9s %-3s  %-22s %-21s %-9s %s\n", c.Score, c.Name, c.Kind, c.Country, c.Admin1Name,
			fmt.Sprintf("%.5f,%.5f", c.Lon, c.Lat), c.Precision, c.Match)
	}
	fmt.Fprintln(stdout, gazetteer.Attribution)
	return nil
}
