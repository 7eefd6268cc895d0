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
#
# BENCH_STORES=postgis (or sqlite) runs one store only. BENCH_PG_DIR, the DIR
# of a local cluster of scripts/pgtest.sh, adds for PostGIS the server's CPU
# seconds (its postmaster's children: the import's backend and its parallel
# workers) and the backend's CPU seconds per phase of the load, from the
# statistics that log_statement_stats writes to DIR/postgres.log.
set -euo pipefail
N=${1:-1000000}
PG=${2:-${INCIDENTMAP_TEST_POSTGRES:-}}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d /tmp/bench-import.XXXX)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/incidentmap" ./cmd/incidentmap
go build -o "$tmp/genincidents" ./scripts/genincidents
"$tmp/genincidents" -n "$N" > "$tmp/gen.geojson"

STORES=${BENCH_STORES:-sqlite postgis}
PGDIR=${BENCH_PG_DIR:-}

# server_cpu prints the CPU seconds of the postmaster's children that have
# ended (backends and parallel workers), or nothing without BENCH_PG_DIR.
server_cpu() {
	[ -n "$PGDIR" ] || return 0
	awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($16 + $17) / hz}' "/proc/$(head -1 "$PGDIR/pgdata/postmaster.pid")/stat"
}

# phases sums the backend's CPU seconds per phase of a bulk load from the
# log_statement_stats entries of the server log after line $1.
phases() {
	tail -n +"$1" "$PGDIR/postgres.log" | awk '
	/s user, .* s system, .* s elapsed/ { line = $0; sub(/^[^0-9]*/, "", line); split(line, a, " "); c = a[1] + a[4]; pending = 1; next }
	/STATEMENT:/ && pending { pending = 0
		if ($0 ~ /COPY "incidents"/) p["copy incidents"] += c
		else if ($0 ~ /COPY "incident_external_ids"/) p["copy external ids"] += c
		else if ($0 ~ /COPY "incident_revisions"/) p["copy revisions"] += c
		else if ($0 ~ /CREATE INDEX/) p["index builds"] += c
		else if ($0 ~ /ADD CONSTRAINT/) p["keys and foreign key"] += c
		else if ($0 ~ /ANALYZE/) p["analyze"] += c
		else p["other"] += c }
	END { for (k in p) printf "  backend CPU-s %-22s %6.2f\n", k, p[k] }' | sort
}

measure() { # store dsn file format
	local log="$tmp/time.log" load0 load1 cpu0 cpu1 logline=0
	if [ "$1" = postgis ] && [ -n "$PGDIR" ]; then
		logline=$(($(wc -l < "$PGDIR/postgres.log") + 1))
		export PGOPTIONS="-c log_statement_stats=on"
	fi
	cpu0=$(server_cpu)
	load0=$(cut -d' ' -f1 /proc/loadavg)
	/usr/bin/time -v "$tmp/incidentmap" import --progress never --db "$2" --format "$4" "$3" > "$tmp/out.log" 2> "$log" || { cat "$tmp/out.log" "$log"; exit 1; }
	load1=$(cut -d' ' -f1 /proc/loadavg)
	unset PGOPTIONS
	sleep 1 # until the backend has ended and been counted
	cpu1=$(server_cpu)
	local rows wall cpu rss
	rows=$(grep -o '[0-9]* created' "$tmp/out.log" | head -1 | cut -d' ' -f1)
	wall=$(awk -F': ' '/Elapsed/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
	cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$log")
	rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$log")
	printf '%-8s %-32s rows=%-8s wall_s=%-8s rows_per_s=%-8.0f cpu_s=%-8s peak_rss_mb=%-5s load=%s->%s' \
		"$1" "$(basename "$3")" "$rows" "$wall" "$(echo "$rows / $wall" | bc -l)" "$cpu" "$rss" "$load0" "$load1"
	if [ "$1" = postgis ] && [ -n "$PGDIR" ]; then
		printf ' server_cpu_s=%.1f\n' "$(echo "$cpu1 - $cpu0" | bc)"
		phases "$logline"
	else
		printf '\n'
	fi
}

# empty_pg drops what the migrations made (tables of 0001-0004 and their
# trigger functions), so that the import starts from an empty, new schema.
empty_pg() {
	psql -X -q -d "$PG" -c 'SET client_min_messages = warning' -c 'DROP TABLE IF EXISTS incidents, incident_external_ids, incident_tombstones, incident_revisions, data_version, api_keys, schema_migrations CASCADE' \
		-c 'DROP FUNCTION IF EXISTS data_version_bump, data_version_notify, incidentmap_write_lock, incident_revision, incident_external_id_revision, incident_tombstone_revision CASCADE' >/dev/null
}

sqlite=; postgis=
case " $STORES " in *" sqlite "*) sqlite=1 ;; esac
case " $STORES " in *" postgis "*) [ -n "$PG" ] && postgis=1 ;; esac
if [ -n "$sqlite" ]; then
	measure sqlite "sqlite:$tmp/bench.db" "$tmp/gen.geojson" geojson
	rm -f "$tmp"/bench.db*
fi
if [ -n "$postgis" ]; then empty_pg; measure postgis "$PG" "$tmp/gen.geojson" geojson; fi
UCDP=../shared/data/incidents/ucdp_ged_syria_2016_2019.csv
if [ -f "$UCDP" ]; then
	if [ -n "$sqlite" ]; then measure sqlite "sqlite:$tmp/ucdp.db" "$UCDP" ucdp; fi
	if [ -n "$postgis" ]; then empty_pg; measure postgis "$PG" "$UCDP" ucdp; fi
else
	echo "SKIPPED the UCDP runs: $UCDP is missing" >&2
fi
