#!/usr/bin/env bash
# tile-workload.sh — the vector-tile and cluster load test of the README under wrk.
#
#   scripts/tile-workload.sh BASE_URL [TEMPLATE]
#   e.g. scripts/tile-workload.sh http://127.0.0.1:8080
#
# TEMPLATE is the tile URL path with {z}, {x} and {y} (x the column, y the
# row); by default incidentmap's XYZ tiles, /tiles/incidents/{z}/{x}/{y}.mvt.
# For pg_tileserv give e.g. /public.incidents/{z}/{x}/{y}.pbf; the cluster
# cases are then skipped (CASES=tiles).
#
# stdout: a '#' header, then one line per case:
#   case req_s p50_ms p99_ms bytes_per_resp
# The tiles are those of the issue over Baghdad: z5/19/12, z8/159/102,
# z12/2552/1645; the cluster cases ask /collections/incidents/clusters for
# the region at zoom 4 and for Baghdad at zoom 10.
#
# Environment: DURATION=10 (seconds per case), THREADS=2, CONNS=16,
# CASES="tiles clusters". Loopback targets only; needs curl and wrk (Debian
# package wrk).
set -euo pipefail

[[ $# -ge 1 && $# -le 2 ]] || { sed -n '2,20p' "$0" >&2; exit 2; }
BASE_URL=${1%/}
TEMPLATE=${2:-}
[[ -n $TEMPLATE ]] || TEMPLATE='/tiles/incidents/{z}/{x}/{y}.mvt'
DURATION=${DURATION:-10}
THREADS=${THREADS:-2}
CONNS=${CONNS:-16}
CASES=${CASES:-tiles clusters}

case "$BASE_URL" in
http://127.*|http://localhost[:/]*|http://localhost|http://\[::1\]*) ;;
*) echo "tile-workload: only loopback targets, got $BASE_URL" >&2; exit 2 ;;
esac
if ! command -v wrk >/dev/null; then
  echo "installing wrk with apt-get" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1; } ||
    { echo "wrk not found and could not be installed (apt-get install wrk)" >&2; exit 1; }
fi

# run NAME PATH: one wrk run of PATH, printed as a result line.
run() {
	local name=$1 url=$BASE_URL$2 bytes out
	bytes=$(curl -fsS -o /dev/null -w '%{size_download}' "$url") || { echo "$name: $url failed" >&2; return 1; }
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "$url")
	awk -v name="$name" -v bytes="$bytes" '
		function ms(v) {
			if (v ~ /us$/) return substr(v, 1, length(v)-2) / 1000
			if (v ~ /ms$/) return substr(v, 1, length(v)-2) + 0
			if (v ~ /s$/) return substr(v, 1, length(v)-1) * 1000
			return v
		}
		$1 == "50%" { p50 = ms($2) }
		$1 == "99%" { p99 = ms($2) }
		$1 == "Requests/sec:" { rps = $2 }
		END { printf "%s %.0f %.1f %.1f %d\n", name, rps, p50, p99, bytes }' <<<"$out"
}

tile() {
	local p=$TEMPLATE
	p=${p//'{z}'/$1}
	p=${p//'{x}'/$2}
	echo "${p//'{y}'/$3}"
}

echo "# case req_s p50_ms p99_ms bytes_per_resp ($BASE_URL, wrk -t$THREADS -c$CONNS -d${DURATION}s)"
for c in $CASES; do
	case $c in
	tiles)
		run tile_z5 "$(tile 5 19 12)"
		run tile_z8 "$(tile 8 159 102)"
		run tile_z12 "$(tile 12 2552 1645)"
		;;
	clusters)
		run clusters_z4 "/collections/incidents/clusters?zoom=4&bbox=30,20,80,45"
		run clusters_z10 "/collections/incidents/clusters?zoom=10&bbox=44.1,33.1,44.6,33.5"
		;;
	*) echo "unknown case $c" >&2; exit 2 ;;
	esac
done
