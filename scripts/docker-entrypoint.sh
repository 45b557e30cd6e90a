#!/bin/sh
# Prestart for the container: wait for the database, apply the migrations, load the
# reference dataset into an empty database (LOAD_REFERENCE=0 skips it), then run the command.
set -eu

tries=${DB_WAIT_TRIES:-60}
until vollsmose db upgrade; do
    tries=$((tries - 1))
    if [ "$tries" -le 0 ]; then
        echo "entrypoint: database not reachable; giving up" >&2
        exit 1
    fi
    echo "entrypoint: waiting for the database ..." >&2
    sleep 2
done
if [ "${LOAD_REFERENCE:-1}" = "1" ]; then
    vollsmose load-reference --if-empty
fi
exec "$@"
