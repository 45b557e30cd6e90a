# The platform's application image. The database is separate: any PostGIS 3 on PostgreSQL 15
# with pgRouting (docker-compose.yml builds docker/db.Dockerfile beside it).
# Debian 12's own Python 3.11, as on the machines `make run` sets up, in a venv of its own:
# both images stand on one base and take their security fixes from Debian's archive.
FROM debian:bookworm-slim

# Maps need a font with æøå; pip, a certificate store (Debian's pip reads the system's).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        python3 python3-venv ca-certificates fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    WEB_CONCURRENCY=1

RUN useradd --system --create-home --home-dir /app vollsmose
WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir -p api gis migrations && touch api/__init__.py gis/__init__.py migrations/__init__.py \
    && pip install . && pip uninstall -y fremtidens-vollsmose

COPY api ./api
COPY gis ./gis
COPY migrations ./migrations
COPY data ./data
COPY web ./web
COPY alembic.ini ./
COPY scripts/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN pip install --no-deps -e . && chown -R vollsmose /app

USER vollsmose
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=4)"
ENTRYPOINT ["docker-entrypoint.sh"]
# WEB_CONCURRENCY worker processes (uvicorn's supervisor; README, "Deployment"). Behind a load
# balancer, set FORWARDED_ALLOW_IPS to its address; VOLLSMOSE_REPLICA_URLS to read from
# streaming replicas of DATABASE_URL.
CMD ["vollsmose", "serve"]
