#!/usr/bin/env bash
# pgreplica.sh — a throw-away PostgreSQL primary with a hot standby, for the
# read-replica tests.
#
#   scripts/pgreplica.sh start DIR   start a primary with scripts/pgtest.sh in
#                                    DIR/primary, clone it with pg_basebackup
#                                    into DIR/replica (streaming replication,
#                                    hot standby) and start that on another
#                                    free port of 127.0.0.1; prints
#                                    INCIDENTMAP_TEST_POSTGRES_PRIMARY=… and
#                                    INCIDENTMAP_TEST_POSTGRES_REPLICA=… once
#                                    the standby streams and answers queries.
#   scripts/pgreplica.sh stop DIR    stop both.
#
# Progress and errors go to stderr; any failure exits non-zero with the reason.
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin
DBUSER=postgres
DBNAME=incidentmap_test
HERE=$(cd "$(dirname "$0")" && pwd)

log() { printf 'pgreplica: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# as_pg runs a server program as the postgres user when we are root.
as_pg() {
	if [[ $(id -u) -eq 0 ]]; then
		runuser -u "$DBUSER" -- "$@"
	else
		"$@"
	fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
	local primary_env primary_port port i
	mkdir -p "$DIR" || die "cannot create $DIR"
	[[ $(id -u) -ne 0 ]] || chown "$DBUSER": "$DIR" || die "cannot chown $DIR to $DBUSER"
	chmod 700 "$DIR"
	primary_env=$(bash "$HERE/pgtest.sh" start "$DIR/primary") || die "the primary did not start"
	primary_port=$(cat "$DIR/primary/port")
	if [[ -f $DIR/replica/pgdata/standby.signal ]] && as_pg "$PGBIN/pg_ctl" -D "$DIR/replica/pgdata" status >/dev/null 2>&1; then
		port=$(cat "$DIR/replica/port")
		log "standby already runs on port $port"
	else
		rm -rf "$DIR/replica"
		mkdir -p "$DIR/replica"
		[[ $(id -u) -ne 0 ]] || chown "$DBUSER": "$DIR/replica"
		chmod 700 "$DIR/replica"
		log "pg_basebackup from 127.0.0.1:$primary_port into $DIR/replica/pgdata"
		as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U "$DBUSER" -D "$DIR/replica/pgdata" \
			--write-recovery-conf --wal-method=stream --checkpoint=fast --no-sync >&2 ||
			die "pg_basebackup failed"
		port=$(free_port) || die "no free port"
		log "starting the standby on 127.0.0.1:$port"
		as_pg "$PGBIN/pg_ctl" -D "$DIR/replica/pgdata" -l "$DIR/replica/postgres.log" -w -t 60 \
			-o "-p $port -k $DIR/replica -c listen_addresses=127.0.0.1 -c hot_standby=on -c fsync=off" start >&2 ||
			{ tail -n 20 "$DIR/replica/postgres.log" >&2 || true; die "the standby did not start"; }
		echo "$port" >"$DIR/replica/port"
	fi
	for ((i = 0; i < 60; i++)); do
		if [[ $("$PGBIN/psql" -X -Atq -h 127.0.0.1 -p "$port" -U "$DBUSER" -d "$DBNAME" \
			-c "SELECT pg_is_in_recovery() AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')" 2>/dev/null) == t ]]; then
			break
		fi
		sleep 0.5
	done
	((i < 60)) || die "the standby on port $port is not streaming from the primary (log: $DIR/replica/postgres.log)"
	log "ready: primary 127.0.0.1:$primary_port, hot standby 127.0.0.1:$port"
	echo "INCIDENTMAP_TEST_POSTGRES_PRIMARY=${primary_env#INCIDENTMAP_TEST_POSTGRES=}"
	echo "INCIDENTMAP_TEST_POSTGRES_REPLICA=postgres://$DBUSER@127.0.0.1:$port/$DBNAME?sslmode=disable"
}

stop() {
	if [[ -f $DIR/replica/pgdata/PG_VERSION ]] && as_pg "$PGBIN/pg_ctl" -D "$DIR/replica/pgdata" status >/dev/null 2>&1; then
		log "stopping the standby"
		as_pg "$PGBIN/pg_ctl" -D "$DIR/replica/pgdata" stop -m fast -w -t 60 >&2 || die "pg_ctl stop (standby) failed"
	fi
	bash "$HERE/pgtest.sh" stop "$DIR/primary"
}

[[ $# -eq 2 && -n $2 ]] || die "usage: $0 start|stop DIR"
DIR=$(realpath -m -- "$2")
[[ $DIR != *[[:space:]]* ]] || die "DIR must not contain white space: $DIR"
case $1 in
start) start ;;
stop) stop ;;
*) die "usage: $0 start|stop DIR" ;;
esac
