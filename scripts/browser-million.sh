#!/usr/bin/env bash
# Browser tests of the map at 1,000,000 incidents (web/e2e/million.test.mjs,
# then the research tools in web/e2e/million-research.test.mjs),
# run by scripts/browser-test.sh (skip with BROWSER_TEST_MILLION=0): builds
# the server and scripts/genincidents, streams a million clustered synthetic
# incidents (storetest.Clustered, seed 42) into `incidentmap import` on a
# temporary SQLite database, serves it on a free loopback port, waits until
# its clusters are built and drives Debian's Chromium against it. Prints
# how long each step took; the temporary files are removed on exit.
#
#   scripts/browser-million.sh [N]     (N defaults to 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}

[ -x /usr/bin/chromium ] || { echo "browser-million: /usr/bin/chromium is missing (scripts/browser-test.sh installs it)"; exit 1; }
make --no-print-directory build >/dev/null
[ -d web/node_modules/playwright-core ] || (cd web && npm ci --no-audit --no-fund)

tmp=$(mktemp -d /tmp/incidentmap-million.XXXXXX)
# shellcheck source=scripts/browser-lib.sh
. scripts/browser-lib.sh
trap 'stop_server; rm -rf "$tmp"' EXIT

go build -o "$tmp/genincidents" ./scripts/genincidents
start=$(date +%s)
"$tmp/genincidents" -n "$N" -seed 42 |
  ./bin/incidentmap import --progress never --db "sqlite:$tmp/million.db" - 2>&1 | sed -n 1p
echo "generated and imported $N incidents in $(( $(date +%s) - start ))s (load average $(cut -d' ' -f1-3 /proc/loadavg))"

serve "sqlite:$tmp/million.db"
# The clusters of every incident built (a request answers 200 without no-store); at most 10 minutes.
start=$(date +%s)
built=""
for _ in $(seq 1 1200); do
  hdr=$(curl -fsS -D - -o /dev/null "$url/collections/incidents/clusters?zoom=2&bbox=-180,-90,180,90" 2>/dev/null || true)
  if [ -n "$hdr" ] && ! grep -qi 'no-store' <<<"$hdr"; then built=1; break; fi
  kill -0 "$pid" 2>/dev/null || { echo "server stopped:"; cat "$tmp/server.log"; exit 1; }
  sleep 0.5
done
[ -n "$built" ] || { echo "the clusters were not built within 10 minutes:"; tail -n 20 "$tmp/server.log"; exit 1; }
echo "server ready with its clusters after $(( $(date +%s) - start ))s"

E2E_BASE_URL=$url E2E_MODE=million node --test --test-concurrency=1 web/e2e/million.test.mjs web/e2e/million-research.test.mjs
