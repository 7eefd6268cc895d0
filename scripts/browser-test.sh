#!/usr/bin/env bash
# Browser tests of the map: drives Debian's Chromium (installed with apt-get
# when /usr/bin/chromium is missing) through playwright-core against the real
# server, built here and started on a free loopback port with a temporary
# SQLite database holding the seeds and a hostile-text incident. A second run
# (skip with BROWSER_TEST_LARGE=0) imports 100,000 synthetic incidents and
# measures how long a view takes to render; a third (skip with
# BROWSER_TEST_MILLION=0) is scripts/browser-million.sh, at 1,000,000. Screenshots go to
# web/e2e/screenshots/. Exits non-zero when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing chromium with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
fi

echo "== build"
make --no-print-directory build
[ -d web/node_modules/playwright-core ] || (cd web && npm ci --no-audit --no-fund)

tmp=$(mktemp -d /tmp/incidentmap-browser.XXXXXX)
# shellcheck source=scripts/browser-lib.sh
. scripts/browser-lib.sh
trap 'stop_server; rm -rf "$tmp"' EXIT

status=0

echo "== seeds + hostile-text incident"
./bin/incidentmap import --db "sqlite:$tmp/seeds.db" ingest/seeds.geojson web/e2e/hostile.geojson
serve "sqlite:$tmp/seeds.db"
E2E_BASE_URL=$url node --test --test-concurrency=1 web/e2e/ || status=1
stop_server

if [ "${BROWSER_TEST_LARGE:-1}" != 0 ]; then
  echo "== 100,000 synthetic incidents"
  node web/e2e/gen-synthetic.mjs 100000 >"$tmp/synthetic.geojson"
  start=$(date +%s)
  ./bin/incidentmap import --db "sqlite:$tmp/large.db" "$tmp/synthetic.geojson" 2>&1 | tail -n 1
  echo "import took $(( $(date +%s) - start ))s"
  serve "sqlite:$tmp/large.db"
  E2E_BASE_URL=$url E2E_MODE=large node --test --test-concurrency=1 web/e2e/ || status=1
  stop_server
fi

if [ "${BROWSER_TEST_MILLION:-1}" != 0 ]; then
  echo "== 1,000,000 synthetic incidents"
  bash scripts/browser-million.sh || status=1
fi

if [ "$status" != 0 ]; then echo "browser tests FAILED"; else echo "browser tests passed"; fi
exit "$status"
