#!/usr/bin/env bash
# loadtest.sh -- the 1M-incident load test of the README ("At a million
# incidents"): runs ../shared/bench/ogc_workload.sh (wrk; one line per case:
# case req_s p50_ms p99_ms bytes_per_resp) against any OGC API - Features
# server on loopback, and adds the server's resident memory: the peak RSS
# (VmHWM) and the RSS sampled every second while the cases ran.
#
#   scripts/loadtest.sh BASE_URL COLLECTION [SERVER_PID]
#   e.g. scripts/loadtest.sh http://127.0.0.1:8080 incidents "$(pgrep -n incidentmap)"
#        scripts/loadtest.sh http://127.0.0.1:9000 public.incidents   # pg_featureserv
#
# Environment: everything ogc_workload.sh reads (DURATION, WARMUP, CASES,
# TIME_STYLE, DB_PID, …; see its header), and WORKLOAD, the path of
# ogc_workload.sh (default ../shared/bench/ogc_workload.sh from the
# repository root). Targets must be loopback; the workload script refuses
# others. Needs wrk (apt-get install wrk) and curl.
set -euo pipefail

[[ $# -ge 2 && $# -le 3 ]] || { sed -n '2,18p' "$0" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
WORKLOAD=${WORKLOAD:-$root/../shared/bench/ogc_workload.sh}
[[ -f $WORKLOAD ]] || { echo "loadtest: $WORKLOAD is missing (the shared bench folder)" >&2; exit 1; }
if ! command -v wrk >/dev/null; then
  echo "installing wrk with apt-get" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1; } ||
    { echo "wrk not found and could not be installed (apt-get install wrk)" >&2; exit 1; }
fi
pid=${3:-}

rss_kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

peak=0
sampler=
if [[ -n $pid ]]; then
  [[ -d /proc/$pid ]] || { echo "loadtest: no process $pid" >&2; exit 1; }
  echo "# server pid $pid: VmRSS before $(rss_kib "$pid" VmRSS) KiB" >&2
  # Sample RSS once a second while the workload runs (bounded: stops when
  # the workload ends or after 4 hours).
  ( for ((i = 0; i < 14400; i++)); do rss_kib "$pid" VmRSS; sleep 1; done ) > "${TMPDIR:-/tmp}/loadtest-rss.$$" &
  sampler=$!
  trap '[[ -n $sampler ]] && kill "$sampler" 2>/dev/null; rm -f "${TMPDIR:-/tmp}/loadtest-rss.$$"' EXIT
fi

SERVER_PID=${pid} bash "$WORKLOAD" "$1" "$2"

if [[ -n $pid ]]; then
  kill "$sampler" 2>/dev/null || true
  sampler=
  peak=$(sort -n "${TMPDIR:-/tmp}/loadtest-rss.$$" | tail -n 1)
  echo "# server rss: max sampled ${peak:-0} KiB, VmHWM $(rss_kib "$pid" VmHWM) KiB"
fi
