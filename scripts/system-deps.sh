#!/usr/bin/env bash
# Installs the Debian packages the platform needs, once. Fast no-op when they are present.
# `system-deps.sh` for serving; `system-deps.sh test` adds what the test suite drives.
set -euo pipefail
purpose=${1:-run}

need=()
[ -f /usr/share/postgresql/15/extension/postgis.control ] || need+=(postgresql-15-postgis-3)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
# Walking distances along the street network (land queries) use pgRouting.
[ -f /usr/share/postgresql/15/extension/pgrouting.control ] || need+=(postgresql-15-pgrouting)
command -v runuser >/dev/null || need+=(util-linux)
# Only to make the venv: once it is there, no Python start-up here.
[ -x "$(dirname "$0")/../.venv/bin/python" ] || python3.11 -c 'import ensurepip, venv' 2>/dev/null \
    || need+=(python3.11-venv)
# Maps need a font with æøå.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ "$purpose" = test ]; then
    # The map viewer's browser tests drive a real headless Chromium.
    command -v chromium >/dev/null || need+=(chromium)
    # QGIS, headless, loads OGC API layers through its OAPIF provider (system python3).
    [ -f /usr/lib/qgis/plugins/libprovider_wfs.so ] || need+=(qgis-providers)
    /usr/bin/python3 -c 'import qgis.core' 2>/dev/null || need+=(python3-qgis)
    # GDAL's OAPIF driver (ogrinfo, ogr2ogr) is a real OGC API – Features client.
    command -v ogrinfo >/dev/null || need+=(gdal-bin)
fi

if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "system-deps: missing Debian packages: ${need[*]}; run as root or install them" >&2
    exit 1
fi
echo "system-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
