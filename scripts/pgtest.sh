#!/usr/bin/env bash
# pgtest.sh — a throw-away PostGIS cluster for tests.
#
#   scripts/pgtest.sh start DIR   start a cluster with its data in DIR/pgdata,
#                                 listening on 127.0.0.1 and a free port, with the
#                                 database incidentmap_test and extension postgis;
#                                 prints INCIDENTMAP_TEST_POSTGRES=postgres://… on
#                                 stdout once the server accepts connections.
#   scripts/pgtest.sh stop DIR    stop that cluster (pg_ctl stop -m fast).
#
# Progress and errors go to stderr. Any failure exits non-zero with the reason
# on stderr, so that the caller can say why PostGIS tests were skipped.
# Installs postgresql-15-postgis-3 with apt-get when it is missing (as root, or
# with password-less sudo), waiting a few minutes at most for a busy apt.
set -euo pipefail

PGVERSION=15
PGBIN=/usr/lib/postgresql/$PGVERSION/bin
PGSHARE=/usr/share/postgresql/$PGVERSION
PGLIB=/usr/lib/postgresql/$PGVERSION/lib
PACKAGE=postgresql-$PGVERSION-postgis-3
DBNAME=incidentmap_test
DBUSER=postgres
SUDO=

log() { printf 'pgtest: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() { die "usage: $0 start|stop DIR"; }

installed() {
	[[ -x $PGBIN/initdb && -x $PGBIN/pg_ctl && -x $PGBIN/psql ]] &&
		[[ -f $PGSHARE/extension/postgis.control ]] &&
		compgen -G "$PGLIB/postgis-3*.so" >/dev/null
}

# apt_get runs apt-get, waiting (bounded) for a dpkg or apt lock that another
# install holds instead of failing at once.
apt_get() {
	local try
	for try in 1 2 3; do
		if $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=90 -q "$@" >&2; then
			return 0
		fi
		((try < 3)) || break
		log "apt-get $1 failed (attempt $try of 3; apt may be busy), retrying in 10s"
		sleep 10
	done
	return 1
}

ensure_installed() {
	installed && return 0
	log "PostgreSQL $PGVERSION with PostGIS 3 is not installed; installing $PACKAGE"
	SUDO=
	if [[ $(id -u) -ne 0 ]]; then
		sudo -n true 2>/dev/null || die "$PACKAGE is missing and installing it needs root (or password-less sudo)"
		SUDO="sudo -n"
	fi
	command -v apt-get >/dev/null || die "$PACKAGE is missing and apt-get is not available"
	if ! apt-cache show "$PACKAGE" >/dev/null 2>&1; then
		log "running apt-get update"
		apt_get update || die "apt-get update failed"
	fi
	log "running apt-get install -y $PACKAGE"
	if ! apt_get install -y --no-install-recommends "$PACKAGE"; then
		log "install failed; running apt-get update and trying once more"
		apt_get update || die "apt-get update failed"
		apt_get install -y --no-install-recommends "$PACKAGE" || die "apt-get install $PACKAGE failed"
	fi
	installed || die "$PACKAGE installed, but initdb or the postgis extension files are still missing"
}

# as_pg runs a server command as the postgres user when we are root (the server
# refuses to run as root), and as ourselves otherwise.
as_pg() {
	if [[ $(id -u) -eq 0 ]]; then
		(cd "$DIR" && runuser -u "$DBUSER" -- "$@")
	else
		(cd "$DIR" && "$@")
	fi
}

# free_port prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
	local base port i
	if command -v python3 >/dev/null 2>&1 &&
		port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null) &&
		[[ $port =~ ^[0-9]+$ ]]; then
		echo "$port"
		return 0
	fi
	base=$((20000 + RANDOM % 30000))
	for ((i = 0; i < 50; i++)); do
		port=$((base + i))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

running() { [[ -f $DATA/postmaster.pid ]] && as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

psql_admin() {
	PGOPTIONS='-c client_min_messages=warning' "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U "$DBUSER" "$@"
}

start() {
	ensure_installed
	mkdir -p "$DIR" || die "cannot create $DIR"
	if [[ $(id -u) -eq 0 ]]; then
		id "$DBUSER" >/dev/null 2>&1 || die "user $DBUSER does not exist"
		chown "$DBUSER": "$DIR" || die "cannot chown $DIR to $DBUSER"
		chmod 700 "$DIR"
		runuser -u "$DBUSER" -- test -w "$DIR" -a -x "$DIR" ||
			die "$DBUSER cannot write to $DIR (is a parent directory closed to it?)"
	fi

	if running; then
		PORT=$(cat "$DIR/port" 2>/dev/null) || die "a cluster runs in $DATA but $DIR/port is missing"
		log "cluster in $DATA already runs on port $PORT"
	else
		if [[ ! -f $DATA/PG_VERSION ]]; then
			log "initdb $DATA"
			if ! as_pg "$PGBIN/initdb" -D "$DATA" -U "$DBUSER" -A trust -E UTF8 --no-locale --no-sync \
				>"$DIR/initdb.log" 2>&1; then
				tail -n 20 "$DIR/initdb.log" >&2 || true
				die "initdb failed (log: $DIR/initdb.log)"
			fi
		fi
		local attempt started=
		for attempt in 1 2 3 4 5; do
			PORT=$(free_port) || die "no free TCP port found on 127.0.0.1"
			log "starting PostgreSQL on 127.0.0.1:$PORT (data $DATA)"
			if as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$DIR/postgres.log" -w -t 60 \
				-o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
				start >&2; then
				started=1
				break
			fi
			log "start attempt $attempt failed; last lines of the server log:"
			tail -n 5 "$DIR/postgres.log" >&2 || true
			# A failed start leaves no server, but make sure before retrying.
			as_pg "$PGBIN/pg_ctl" -D "$DATA" stop -m immediate -w -t 10 >/dev/null 2>&1 || true
		done
		[[ -n $started ]] || die "PostgreSQL did not start (log: $DIR/postgres.log)"
		echo "$PORT" >"$DIR/port"
	fi
	# From here on a failure must not leave the server behind.
	trap 'log "error: setting up $DBNAME failed; stopping the server"; as_pg "$PGBIN/pg_ctl" -D "$DATA" stop -m fast -w -t 30 >&2 || true' ERR

	local i
	for ((i = 0; i < 60; i++)); do
		"$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U "$DBUSER" && break
		sleep 0.5
	done
	((i < 60)) || { as_pg "$PGBIN/pg_ctl" -D "$DATA" stop -m fast -w -t 30 >&2 || true; die "server on port $PORT does not accept connections"; }

	if [[ -z $(psql_admin -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'") ]]; then
		log "creating database $DBNAME"
		psql_admin -d postgres -c "CREATE DATABASE $DBNAME" >&2
	fi
	psql_admin -d "$DBNAME" -c "CREATE EXTENSION IF NOT EXISTS postgis" >&2
	trap - ERR
	log "ready"
	echo "INCIDENTMAP_TEST_POSTGRES=postgres://$DBUSER@127.0.0.1:$PORT/$DBNAME?sslmode=disable"
}

stop() {
	if [[ ! -f $DATA/PG_VERSION ]]; then
		log "no cluster in $DATA; nothing to stop"
		return 0
	fi
	if ! running; then
		log "cluster in $DATA is not running"
		return 0
	fi
	log "stopping the cluster in $DATA"
	as_pg "$PGBIN/pg_ctl" -D "$DATA" stop -m fast -w -t 60 >&2 || die "pg_ctl stop failed"
	rm -f "$DIR/port"
}

[[ $# -eq 2 && -n $2 ]] || usage
DIR=$(realpath -m -- "$2")
[[ $DIR != *[[:space:]]* ]] || die "DIR must not contain white space: $DIR"
DATA=$DIR/pgdata
PORT=
case $1 in
start) start ;;
stop) stop ;;
*) usage ;;
esac
