#!/bin/bash
# Runs once, when the PostGIS container initialises its data directory: lets
# the database user stream the write-ahead log to a replica over the compose
# network (password checked with SCRAM), for `docker compose --profile replica`.
set -euo pipefail
echo "host replication ${POSTGRES_USER} all scram-sha-256" >>"$PGDATA/pg_hba.conf"
