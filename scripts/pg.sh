#!/usr/bin/env bash
# A project-local PostgreSQL 15 + PostGIS cluster: `pg.sh start|stop|status|url`.
# Lives in an ignored folder of the checkout and listens on 127.0.0.1:$PGPORT only.
# `pg.sh replica start|stop|url`: a streaming hot standby of it beside it (pg_basebackup -R)
# on $PGREPLICA_PORT (default PGPORT + 1), for reading from a replica (VOLLSMOSE_REPLICA_URLS).
# PGDATA_DIR and PGREPLICA_DATA_DIR move the clusters elsewhere (the replication tests do).
# PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
port=${PGPORT:-55432}
dbname=${PGDATABASE_NAME:-vollsmose}
bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
datadir=${PGDATA_DIR:-$here/.pgdata}
replica_port=${PGREPLICA_PORT:-$((port + 1))}

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        # From / : the checkout itself may be closed to the postgres user.
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# The cluster's owner must be able to reach its folder. When the checkout sits below a
# directory it cannot enter (e.g. /root), keep the data in /var/tmp and link it here.
prepare_datadir() {
    if [ -e "$datadir" ]; then
        datadir=$(readlink -f "$datadir")
        return 0
    fi
    if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$here"; then
        local key
        key=$(printf '%s' "$here" | cksum | cut -d' ' -f1)
        local elsewhere=/var/tmp/vollsmose-pgdata-$key
        mkdir -p "$elsewhere"
        chown postgres: "$elsewhere"
        ln -s "$elsewhere" "$datadir"
        datadir=$elsewhere
        echo "pg.sh: $here is not reachable by user postgres; cluster data in $elsewhere"
    else
        mkdir -p "$datadir"
        [ "$(id -u)" -ne 0 ] || chown postgres: "$datadir"
    fi
}

psql_admin() {
    as_owner "$bindir/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres "$@"
}

start() {
    prepare_datadir
    if [ ! -f "$datadir/PG_VERSION" ]; then
        # --no-sync: the cluster runs with fsync=off anyway.
        as_owner "$bindir/initdb" -D "$datadir" -U postgres --auth=trust --no-sync \
            --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_owner "$bindir/pg_ctl" -D "$datadir" status >/dev/null 2>&1; then
        as_owner "$bindir/pg_ctl" -D "$datadir" -w -t 60 -l "$datadir/server.log" \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $datadir -c fsync=off" start >/dev/null
    fi
    if ! psql_admin -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$dbname'" \
            | grep -q 1; then
        psql_admin -d postgres -c "CREATE DATABASE $dbname"
    fi
    psql_admin -d "$dbname" -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis"
    echo "pg.sh: PostGIS ready at $(url)"
}

stop() {
    [ -e "$datadir" ] && datadir=$(readlink -f "$datadir")
    if [ -f "$datadir/PG_VERSION" ]; then
        as_owner "$bindir/pg_ctl" -D "$datadir" -w stop -m fast >/dev/null 2>&1 || true
    fi
}

url() {
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/$dbname"
}

# The standby: a base backup of the running cluster that streams its WAL (-R writes
# primary_conninfo and standby.signal), readable as a hot standby. hot_standby_feedback: a
# long read on the replica is not cancelled by the primary's vacuum of rows it still sees.
replica_start() {
    [ -e "$datadir" ] && datadir=$(readlink -f "$datadir")
    local rdir=${PGREPLICA_DATA_DIR:-$datadir-replica}
    if [ ! -f "$rdir/PG_VERSION" ]; then
        mkdir -p "$rdir"
        chmod 700 "$rdir"
        [ "$(id -u)" -ne 0 ] || chown postgres: "$rdir"
        as_owner "$bindir/pg_basebackup" -h 127.0.0.1 -p "$port" -U postgres -D "$rdir" \
            -R -X stream -c fast --no-sync
    fi
    if ! as_owner "$bindir/pg_ctl" -D "$rdir" status >/dev/null 2>&1; then
        as_owner "$bindir/pg_ctl" -D "$rdir" -w -t 60 -l "$rdir/server.log" \
            -o "-c listen_addresses=127.0.0.1 -p $replica_port -k $rdir -c fsync=off -c hot_standby_feedback=on" \
            start >/dev/null
    fi
    echo "pg.sh: replica ready at $(replica_url)"
}

replica_stop() {
    [ -e "$datadir" ] && datadir=$(readlink -f "$datadir")
    local rdir=${PGREPLICA_DATA_DIR:-$datadir-replica}
    if [ -f "$rdir/PG_VERSION" ]; then
        as_owner "$bindir/pg_ctl" -D "$rdir" -w stop -m fast >/dev/null 2>&1 || true
    fi
}

replica_url() {
    echo "postgresql+psycopg://postgres@127.0.0.1:$replica_port/$dbname"
}

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    status) datadir=$(readlink -f "$datadir"); as_owner "$bindir/pg_ctl" -D "$datadir" status ;;
    url) url ;;
    replica)
        case "${2:-start}" in
            start) replica_start ;;
            stop) replica_stop ;;
            url) replica_url ;;
            *) echo "usage: $0 replica start|stop|url" >&2; exit 2 ;;
        esac ;;
    *) echo "usage: $0 start|stop|status|url|replica start|stop|url" >&2; exit 2 ;;
esac
