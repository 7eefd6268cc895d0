// Command benchload copies the deterministic benchmark table that
// ../shared/bench/gen_points.sql makes in PostGIS (id, occurred_at,
// event_type, country, admin1, fatalities, title, geom) into incidentmap's
// own schema, in a SQLite file and/or a PostGIS database, through the
// stores' ImportIncidents, so that both stores hold the same incidents.
//
//	go run ./scripts/benchload -src postgres://…/bench -table incidents \
//	    -sqlite /tmp/bench1m.db -postgres postgres://…/bench_im [-n 1000000]
//
// Each source row becomes one published incident: id "b" + the row id padded
// to 7 digits, the title, occurred_start = occurred_end = the UTC day of
// occurred_at (precision day), the point (precision city), the country
// (the generator's "XXX", no country, becomes "IRN", the largest country
// of its box, because the domain only takes ISO 3166-1 codes), admin1 as
// admin1_name (its codes such as "IRQ-18" are not ISO 3166-2), the event type, target type "other", and the fatalities.
// Rows are read in id order and imported in batches of -batch.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/postgis"
	"github.com/incidentmap/incidentmap/store/sqlite"
)

func main() {
	src := flag.String("src", "", "DSN of the PostGIS database that holds the generated table")
	table := flag.String("table", "incidents", "name of the generated table")
	sqlitePath := flag.String("sqlite", "", "SQLite file to load (created if missing; must hold no incidents)")
	pgDSN := flag.String("postgres", "", "PostGIS database to load (migrated if needed; must hold no incidents)")
	n := flag.Int("n", 1_000_000, "rows to copy (the first n ids)")
	batch := flag.Int("batch", 50_000, "incidents per ImportIncidents call")
	flag.Parse()
	if *src == "" || (*sqlitePath == "" && *pgDSN == "") {
		flag.Usage()
		os.Exit(2)
	}
	ctx := context.Background()
	var stores []incidentmap.Store
	if *sqlitePath != "" {
		s, err := sqlite.Open(ctx, *sqlitePath)
		if err != nil {
			log.Fatal(err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	if *pgDSN != "" {
		s, err := postgis.Open(ctx, *pgDSN)
		if err != nil {
			log.Fatal(err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	conn, err := pgx.Connect(ctx, *src)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)
	q := fmt.Sprintf(`SELECT id, occurred_at, event_type, country, admin1, fatalities, title, ST_X(geom), ST_Y(geom)
		FROM %s WHERE id <= $1 ORDER BY id`, pgx.Identifier{*table}.Sanitize())
	rows, err := conn.Query(ctx, q, *n)
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	start := time.Now()
	total := 0
	buf := make([]*incidentmap.Incident, 0, *batch)
	flush := func() {
		for _, s := range stores {
			if err := s.ImportIncidents(ctx, buf); err != nil {
				log.Fatal(err)
			}
		}
		total += len(buf)
		buf = buf[:0]
		fmt.Fprintf(os.Stderr, "\rbenchload: %d incidents, %.0f s", total, time.Since(start).Seconds())
	}
	for rows.Next() {
		var (
			id                            int64
			at                            time.Time
			eventType, country, admin1, t string
			fatalities                    *int
			lon, lat                      float64
		)
		if err := rows.Scan(&id, &at, &eventType, &country, &admin1, &fatalities, &t, &lon, &lat); err != nil {
			log.Fatal(err)
		}
		if country == "XXX" {
			country = "IRN"
		}
		day := incidentmap.Day(at)
		buf = append(buf, &incidentmap.Incident{
			ID:                fmt.Sprintf("b%07d", id),
			Title:             t,
			OccurredStart:     day,
			OccurredEnd:       day,
			DatePrecision:     incidentmap.DateDay,
			Location:          orb.Point{lon, lat},
			LocationPrecision: incidentmap.LocationCity,
			Country:           country,
			Admin1Name:        admin1, // the generator's codes ("IRQ-18") are not ISO 3166-2
			EventType:         eventType,
			TargetType:        incidentmap.TargetOther,
			Fatalities:        fatalities,
			Status:            incidentmap.StatusPublished,
		})
		if len(buf) == *batch {
			flush()
		}
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}
	if len(buf) > 0 {
		flush()
	}
	fmt.Fprintf(os.Stderr, "\nbenchload: loaded %d incidents in %.1f s\n", total, time.Since(start).Seconds())
}
