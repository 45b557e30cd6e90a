# The database image: PostGIS plus pgRouting, which the postgis/postgis image does not carry
# (walking distances along the street network need it).
FROM postgis/postgis:15-3.4
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-15-pgrouting \
    && rm -rf /var/lib/apt/lists/*
