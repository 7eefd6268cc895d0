#!/bin/bash
# Entry point of the read replica in docker-compose.yml (profile "replica"):
# on first start, clones the primary with pg_basebackup (streaming, with the
# standby configuration written), then runs PostgreSQL as a hot standby.
# The password comes from PGPASSWORD, the user from PGUSER.
set -euo pipefail
: "${PGDATA:?}" "${PGUSER:?}" "${PGPASSWORD:?}" "${PRIMARY_HOST:=db}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
	for i in $(seq 1 60); do
		pg_isready -q -h "$PRIMARY_HOST" -U "$PGUSER" && break
		sleep 2
	done
	pg_basebackup -h "$PRIMARY_HOST" -U "$PGUSER" -D "$PGDATA" \
		--write-recovery-conf --wal-method=stream --checkpoint=fast --progress
	chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on
