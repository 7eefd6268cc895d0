#!/usr/bin/env bash
# Measures the map in Debian's Chromium against the targets of issue 12
# (web/e2e/measure.mjs): first view with true totals, first markers and
# bytes, redraw after pan and zoom, frames per second while panning, JS heap.
#
#   scripts/browser-measure.sh DB
#
# DB is a store as `incidentmap serve --db` takes it (sqlite:/path or
# postgres://…), e.g. a million incidents loaded by scripts/benchload (README
# "At a million incidents") or the seeds imported into a SQLite file. The
# server is built, started on a free loopback port and stopped afterwards;
# its clusters are built before measuring. MEASURE_RUNS (default 3) sets the
# runs per figure. Prints the machine's load average with the results: the
# machine is shared, so give it with any number quoted. Not part of make test.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 1 ] || { echo "usage: $0 DB" >&2; exit 2; }
db=$1

if [ ! -x /usr/bin/chromium ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
fi
make --no-print-directory build >/dev/null
[ -d web/node_modules/playwright-core ] || (cd web && npm ci --no-audit --no-fund)

log=$(mktemp /tmp/incidentmap-measure.XXXXXX)
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
url="http://127.0.0.1:$port"
./bin/incidentmap serve --db "$db" --addr "127.0.0.1:$port" --basemap-url "" --seed=false >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT

# Ready, and the clusters of every incident built (a request answers 200 without no-store).
for _ in $(seq 1 600); do
  hdr=$(curl -fsS -D - -o /dev/null "$url/collections/incidents/clusters?zoom=2&bbox=-180,-90,180,90" 2>/dev/null || true)
  if [ -n "$hdr" ] && ! grep -qi 'no-store' <<<"$hdr"; then break; fi
  kill -0 "$pid" 2>/dev/null || { echo "server stopped:"; cat "$log"; exit 1; }
  sleep 0.5
done
echo "== $(date -u +%FT%TZ) load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
E2E_BASE_URL=$url node web/e2e/measure.mjs
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
