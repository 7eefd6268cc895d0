#!/usr/bin/env bash
# bench_import.sh — import throughput, wall time and peak memory of
# `incidentmap import` into each store.
#
#   scripts/bench_import.sh [N] [POSTGRES_DSN]
#
# Builds incidentmap and scripts/genincidents, writes N (default 1,000,000)
# clustered synthetic incidents as GeoJSON (storetest.Clustered, the shape of
# ../shared/bench/gen_points.sql), and imports them into an empty SQLite
# database and, when POSTGRES_DSN (or $INCIDENTMAP_TEST_POSTGRES) is given, into
# PostGIS (its incidents tables are emptied first), each under /usr/bin/time -v.
# Then the UCDP file of ../shared/data, when present, into each store.
# Prints one line per run: store, file, rows, wall seconds, rows/s, CPU seconds,
# peak RSS in MB, and the load average (1 minute) before and after: on a shared
# machine the wall time says little without it.
set -euo pipefail
N=${1:-1000000}
PG=${2:-${INCIDENTMAP_TEST_POSTGRES:-}}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d /tmp/bench-import.XXXX)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/incidentmap" ./cmd/incidentmap
go build -o "$tmp/genincidents" ./scripts/genincidents
"$tmp/genincidents" -n "$N" > "$tmp/gen.geojson"

measure() { # store dsn file format
	local log="$tmp/time.log" load0 load1
	load0=$(cut -d' ' -f1 /proc/loadavg)
	/usr/bin/time -v "$tmp/incidentmap" import --progress never --db "$2" --format "$4" "$3" > "$tmp/out.log" 2> "$log" || { cat "$tmp/out.log" "$log"; exit 1; }
	load1=$(cut -d' ' -f1 /proc/loadavg)
	local rows wall cpu rss
	rows=$(grep -o '[0-9]* created' "$tmp/out.log" | head -1 | cut -d' ' -f1)
	wall=$(awk -F': ' '/Elapsed/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
	cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$log")
	rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$log")
	printf '%-8s %-32s rows=%-8s wall_s=%-8s rows_per_s=%-8.0f cpu_s=%-8s peak_rss_mb=%-5s load=%s->%s\n' \
		"$1" "$(basename "$3")" "$rows" "$wall" "$(echo "$rows / $wall" | bc -l)" "$cpu" "$rss" "$load0" "$load1"
}

# empty_pg drops what the migrations made (tables of 0001-0004 and their
# trigger functions), so that the import starts from an empty, new schema.
empty_pg() {
	psql -X -q -d "$PG" -c 'SET client_min_messages = warning' -c 'DROP TABLE IF EXISTS incidents, incident_external_ids, incident_tombstones, incident_revisions, data_version, api_keys, schema_migrations CASCADE' \
		-c 'DROP FUNCTION IF EXISTS data_version_bump, incidentmap_write_lock, incident_revision, incident_external_id_revision, incident_tombstone_revision CASCADE' >/dev/null
}

measure sqlite "sqlite:$tmp/bench.db" "$tmp/gen.geojson" geojson
rm -f "$tmp"/bench.db*
if [ -n "$PG" ]; then empty_pg; measure postgis "$PG" "$tmp/gen.geojson" geojson; fi
UCDP=../shared/data/incidents/ucdp_ged_syria_2016_2019.csv
if [ -f "$UCDP" ]; then
	measure sqlite "sqlite:$tmp/ucdp.db" "$UCDP" ucdp
	if [ -n "$PG" ]; then empty_pg; measure postgis "$PG" "$UCDP" ucdp; fi
else
	echo "SKIPPED the UCDP runs: $UCDP is missing" >&2
fi
