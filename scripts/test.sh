#!/usr/bin/env bash
# Runs every test of the project (or, with "bench", every benchmark): gofmt and
# go vet, the front end's unit tests and build, and the Go tests with -race.
# The store contract suite runs on SQLite always and on PostGIS whenever a
# throw-away cluster can be started with scripts/pgtest.sh (which installs
# PostgreSQL 15 + PostGIS with apt-get when they are missing). Under CI
# (CI=true) a PostGIS that cannot be started fails the run instead of
# skipping, so CI never passes without having tested PostGIS; the same holds
# for a primary with a hot standby (scripts/pgreplica.sh) that the
# read-replica tests need. GDAL (gdal-bin)
# is installed the same way for the tests that drive ogrinfo and ogr2ogr, and
# Debian's Chromium by scripts/browser-test.sh for the map's browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-test}

echo "== shared data (../shared beside the repository)"
if [ -d ../shared/data ] && [ -d ../shared/seeds ]; then
  echo "found $(cd ../shared && pwd): the tests that read real data sets will run"
else
  echo "##################################################################"
  echo "## ../shared/data or ../shared/seeds is MISSING: the tests that read"
  echo "## the real gazetteer, boundaries, incident files and seed articles"
  echo "## will be SKIPPED (each says so with t.Skip)."
  echo "##################################################################"
  if [ "${CI:-}" = "true" ]; then echo "CI requires ../shared; failing."; exit 1; fi
fi

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './web/node_modules/*'))
if [ -n "$unformatted" ]; then echo "gofmt would change:"; echo "$unformatted"; exit 1; fi

echo "== front end: install, unit tests, build"
make --no-print-directory web
(cd web && npm test --silent)

echo "== GDAL (for the GIS-client tests)"
if ! command -v ogrinfo >/dev/null 2>&1; then
  echo "installing gdal-bin with apt-get"
  if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gdal-bin >/dev/null 2>&1 ||
         { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gdal-bin >/dev/null 2>&1; }; }; then
    echo "GDAL tests SKIPPED: could not install gdal-bin"
    if [ "${CI:-}" = "true" ]; then echo "CI requires the GDAL tests; failing."; exit 1; fi
  fi
fi
command -v ogrinfo >/dev/null 2>&1 && ogrinfo --version

echo "== go vet"
go vet ./...

echo "== PostGIS"
pgdir=$(mktemp -d /tmp/incidentmap-pg.XXXXXX)
if dsn=$(bash scripts/pgtest.sh start "$pgdir" 2>"$pgdir.log"); then
  trap 'bash scripts/pgtest.sh stop "$pgdir" >/dev/null 2>&1 || true; rm -rf "$pgdir" "$pgdir.log"' EXIT
  export "${dsn?}"
  echo "PostGIS test cluster running: the PostGIS contract tests will run"
else
  echo "PostGIS tests SKIPPED: could not start a throw-away PostGIS cluster:"
  sed 's/^/  /' "$pgdir.log" | tail -n 15
  if [ "${CI:-}" = "true" ]; then echo "CI requires the PostGIS tests; failing."; exit 1; fi
fi

echo "== PostgreSQL primary and hot standby (read-replica tests)"
repdir=$(mktemp -d /tmp/incidentmap-pgrep.XXXXXX)
if repenv=$(bash scripts/pgreplica.sh start "$repdir" 2>"$repdir.log"); then
  trap 'bash scripts/pgreplica.sh stop "$repdir" >/dev/null 2>&1 || true; rm -rf "$repdir" "$repdir.log";
        bash scripts/pgtest.sh stop "$pgdir" >/dev/null 2>&1 || true; rm -rf "$pgdir" "$pgdir.log"' EXIT
  while read -r line; do export "${line?}"; done <<<"$repenv"
  echo "primary and standby running: the read-replica tests will run"
else
  echo "read-replica tests SKIPPED: could not start a primary with a hot standby:"
  sed 's/^/  /' "$repdir.log" | tail -n 15
  if [ "${CI:-}" = "true" ]; then echo "CI requires the read-replica tests; failing."; exit 1; fi
fi

if [ "$mode" = bench ]; then
  go test -run '^$' -bench . -benchmem -count 1 ./...
else
  echo "== go test -race"
  go test -race -count 1 -timeout 30m ./...
  echo "== browser tests (Chromium, playwright-core)"
  bash scripts/browser-test.sh
fi
