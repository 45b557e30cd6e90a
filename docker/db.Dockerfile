# The database image: PostgreSQL 15, PostGIS 3 and pgRouting from Debian's own packages, the
# same as `scripts/system-deps.sh` installs for `make run` and the tests (walking distances
# along the street network need pgRouting). One image for the primary and for a streaming
# replica of it (docker-compose.replica.yml): db-entrypoint.sh says which.
FROM debian:bookworm-slim

# No cluster from the package: the entrypoint makes its own in the volume.
RUN mkdir -p /etc/postgresql-common \
    && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf \
    && apt-get update \
    && apt-get install -y --no-install-recommends \
        postgresql-15 postgresql-15-postgis-3 postgresql-15-pgrouting \
    && rm -rf /var/lib/apt/lists/*

ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data
# A new named volume takes this directory's owner and mode.
RUN mkdir -p "$PGDATA" /run/postgresql \
    && chown postgres:postgres "$PGDATA" /run/postgresql && chmod 700 "$PGDATA"
COPY db-entrypoint.sh /usr/local/bin/db-entrypoint.sh

USER postgres
EXPOSE 5432
# A fast shutdown: `docker stop` must not wait for clients to leave.
STOPSIGNAL SIGINT
ENTRYPOINT ["db-entrypoint.sh"]
