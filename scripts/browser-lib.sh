# Sourced by scripts/browser-test.sh and scripts/browser-million.sh: the
# server under test on a free loopback port. Needs $tmp (a temporary
# directory, for the server's log); serve sets pid and url, stop_server
# ends that server.
pid=""

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

stop_server() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; fi
}

# serve DB [FLAG…]: starts ./bin/incidentmap serve on DB (sqlite:PATH) with
# the default basemap (the built-in one) and waits until it is ready.
serve() {
  local port db=$1
  shift
  port=$(free_port)
  url="http://127.0.0.1:$port"
  ./bin/incidentmap serve --db "$db" --addr "127.0.0.1:$port" --seed=false "$@" >"$tmp/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    if curl -fsS "$url/readyz" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "server did not start:"; cat "$tmp/server.log"; exit 1
}
