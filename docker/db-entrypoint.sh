#!/bin/sh
# Starts the database of docker/db.Dockerfile. On an empty volume it first makes one:
# - the primary (no PRIMARY_HOST): a new cluster whose superuser is POSTGRES_USER with
#   POSTGRES_PASSWORD, the database POSTGRES_DB, and a role `replicator` that may stream it
#   (REPLICATION_PASSWORD), reachable by password from the container network;
# - a replica (PRIMARY_HOST set): a base backup of that primary that streams from it as a
#   hot standby (pg_basebackup -R), as `scripts/pg.sh replica start` makes one.
# A volume that already holds a cluster is started as it is.
set -eu

: "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=$POSTGRES_USER}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -n "${PRIMARY_HOST:-}" ]; then
        : "${REPLICATION_PASSWORD:?a replica needs REPLICATION_PASSWORD}"
        until pg_isready -q -h "$PRIMARY_HOST" -p 5432; do
            echo "db-entrypoint: waiting for the primary $PRIMARY_HOST ..." >&2
            sleep 1
        done
        # -R: standby.signal and the primary's connection (with its password) for the standby.
        PGPASSWORD=$REPLICATION_PASSWORD pg_basebackup -h "$PRIMARY_HOST" -p 5432 \
            -U replicator -D "$PGDATA" -R -X stream --checkpoint=fast
    else
        : "${POSTGRES_PASSWORD:?the primary needs POSTGRES_PASSWORD}"
        pwfile=$(mktemp)
        printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
        # Local (socket) connections inside the container are trusted, as the entrypoint's own
        # and the health check's; everything over the network gives a password.
        initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
            --auth-local=trust --auth-host=scram-sha-256 >/dev/null
        rm -f "$pwfile"
        cat >> "$PGDATA/pg_hba.conf" <<HBA
host all all all scram-sha-256
host replication replicator all scram-sha-256
HBA
        # wal_keep_size: a replica that falls behind for a while can catch up from the WAL
        # kept here, without a replication slot that would keep it for a replica gone for
        # good. hot_standby_feedback (copied to a replica with the base backup): long reads
        # on the replica are not cancelled by the primary's vacuum of rows they still see.
        cat >> "$PGDATA/postgresql.conf" <<CONF
listen_addresses = '*'
wal_keep_size = '1GB'
hot_standby_feedback = on
CONF
        pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
        psql -v ON_ERROR_STOP=1 -q -U "$POSTGRES_USER" -d postgres \
            -v db="$POSTGRES_DB" -v pw="${REPLICATION_PASSWORD:-}" <<'SQL'
SELECT format('CREATE DATABASE %I', :'db') WHERE :'db' <> 'postgres' \gexec
SELECT format('CREATE ROLE replicator REPLICATION LOGIN PASSWORD %L', :'pw')
WHERE :'pw' <> '' \gexec
SQL
        pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    fi
fi
exec postgres -D "$PGDATA" "$@"
