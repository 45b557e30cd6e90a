"""GDAL's `-where` reaches the server, and GDAL types the fields from the collection's schema.

GDAL's OAPIF driver (Debian 12's 3.6 and the pyogrio wheel's 3.12) sends a `-where` as a
filter only when the items path of the API definition offers `filter-lang=cql-text`;
otherwise it downloads every feature and filters them itself (and sent a boolean equality
as `?decided=0`, which the server refused). It reads its field types from the collection's
`describedby` schema; without one it guessed them from the first page, where a number that
is null there became a string.

Proof that the filter reached the server, from the client's own log (`CPL_DEBUG`: GDAL
prints each URL it fetches): every items request carries the filter, and GDAL fetched only
the pages of the matching features, fewer than the layer's. The result is compared with
the server's answer to the same filter in CQL2.
"""

from __future__ import annotations

import math
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote_plus, urlencode

import pyogrio
import pytest

from tests.clients.conftest import get_json

HAS_OGR2OGR = shutil.which("ogr2ogr") is not None
PAGE = 10
FETCH = re.compile(r"HTTP: Fetch\((\S+)\)")

# (collection, GDAL's -where, the same in CQL2 text): an integer, a nullable integer (null on
# the first page, a string field to GDAL without the schema), a real, a string, booleans.
CASES = [
    ("buildings", "storeys >= 4", "storeys >= 4"),
    ("buildings", "built_year >= 2024", "built_year >= 2024"),
    ("buildings", "floor_area_m2 > 6000.5", "floor_area_m2 > 6000.5"),
    ("buildings", "owner = 'Civica'", "owner = 'Civica'"),
    ("buildings", "built_decided = 0", "built_decided = FALSE"),
    ("buildings", "demolition_decided = 1 AND storeys > 2", "demolition_decided AND storeys > 2"),
    ("roads", "decided = 0", "decided = FALSE"),
]
IDS = [f"{c}: {w}" for c, w, _ in CASES]


def server_ids(server: str, collection: str, cql2: str, headers: dict | None = None) -> set:
    query = urlencode({"filter": cql2, "limit": 10_000, "properties": ""})
    doc = get_json(f"{server}/collections/{collection}/items?{query}", headers)
    return {f["id"] for f in doc["features"]}


def item_requests(log: str, collection: str) -> list[str]:
    return [unquote_plus(u) for u in FETCH.findall(log) if f"/collections/{collection}/items" in u]


def assert_pushed_down(requests: list[str], where: str, matched: int, total: int) -> None:
    # The first request (limit=PAGE, no filter) is GDAL learning the fields; every later one
    # carries the filter.
    filtered = [r for r in requests if "filter=" in r]
    assert filtered, f"GDAL sent no filter for {where!r}: {requests}"
    assert all("filter-lang=cql-text" in r for r in filtered), filtered
    assert len(requests) - len(filtered) <= 1, requests
    # Pages of the matching features only (one more to find the end), fewer than the layer's.
    assert len(filtered) <= math.ceil(matched / PAGE) + 1, requests
    assert len(filtered) < math.ceil(total / PAGE), requests


def gpkg_ids(path: Path, table: str) -> set[int]:
    with sqlite3.connect(path) as db:
        return {r[0] for r in db.execute(f'SELECT fid FROM "{table}"')}


@pytest.mark.skipif(not HAS_OGR2OGR, reason="Debian's gdal-bin is not installed")
@pytest.mark.parametrize(("collection", "where", "cql2"), CASES, ids=IDS)
def test_ogr2ogr_where_runs_on_the_server(live_server, tmp_path, collection, where, cql2):
    out = tmp_path / "out.gpkg"
    done = subprocess.run(
        ["ogr2ogr", "--debug", "on", "-preserve_fid", "-f", "GPKG", str(out),
         f"OAPIF:{live_server}", collection, "-oo", f"PAGE_SIZE={PAGE}", "-where", where],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    expected = server_ids(live_server, collection, cql2)
    total = len(server_ids(live_server, collection, "TRUE"))
    assert 0 < len(expected) < total, "a case must select some features, not all"
    assert gpkg_ids(out, collection) == expected
    assert_pushed_down(item_requests(done.stderr, collection), where, len(expected), total)


@pytest.fixture(scope="module")
def gdal_log(tmp_path_factory) -> Iterator[Path]:
    """The file pyogrio's GDAL logs to: GDAL opens CPL_LOG once for the process and keeps
    it, so it is set once and each test reads what it appended."""
    log = tmp_path_factory.mktemp("gdal") / "gdal.log"
    log.touch()
    pyogrio.set_gdal_config_options({"CPL_LOG": str(log)})
    yield log
    pyogrio.set_gdal_config_options({"CPL_LOG": None})


@pytest.mark.parametrize(("collection", "where", "cql2"), CASES, ids=IDS)
def test_pyogrio_where_runs_on_the_server(live_server, gdal_log, collection, where, cql2):
    start = gdal_log.stat().st_size
    pyogrio.set_gdal_config_options({"CPL_DEBUG": "ON"})
    try:
        df = pyogrio.read_dataframe(
            f"OAPIF:{live_server}", layer=collection, where=where, fid_as_index=True,
            PAGE_SIZE=PAGE,
        )  # fmt: skip
    finally:
        pyogrio.set_gdal_config_options({"CPL_DEBUG": None})
    with gdal_log.open() as f:
        f.seek(start)
        log = f.read()
    expected = server_ids(live_server, collection, cql2)
    total = len(server_ids(live_server, collection, "TRUE"))
    assert set(df.index) == expected
    assert_pushed_down(item_requests(log, collection), where, len(expected), total)


def test_gdal_types_fields_from_the_schema(live_server):
    """Numbers are numbers even where the first page holds only nulls, booleans booleans."""
    schema = get_json(f"{live_server}/collections/buildings/schema")
    declared = schema["properties"]["properties"]["properties"]
    info = pyogrio.read_info(f"OAPIF:{live_server}", layer="buildings")
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    expected = {"integer": "int32", "number": "float64", "boolean": "bool", "string": "object"}
    # A string the schema says is a date (a register's extract date) GDAL reads as a date.
    formats = {"date": "datetime64[D]"}
    assert types == {
        name: formats.get(spec.get("format"), expected[spec["type"]])
        for name, spec in declared.items()
    }
    # The case that failed: built_year is null on the first page of buildings.
    first = get_json(f"{live_server}/collections/buildings/items?limit={PAGE}")
    assert all(f["properties"]["built_year"] is None for f in first["features"])
    assert types["built_year"] == "int32"


@pytest.fixture(scope="module")
def sale_dates(writable_server, writable_ref) -> tuple[str, dict, dict, str]:
    """The company's view of the plots (the sale dates are confidential): the server, the
    token, the plots and a day some were offered on or after, not all."""
    token = writable_ref.bearer("developer_company")
    server = writable_server.url
    doc = get_json(f"{server}/collections/plots/items?limit=10000", token)
    days = sorted(
        f["properties"]["offered_date"] for f in doc["features"] if f["properties"]["offered_date"]
    )
    assert len(set(days)) > 2
    return server, token, doc, days[len(days) // 2]


def _offered_since(doc: dict, day: str) -> set[int]:
    return {f["id"] for f in doc["features"] if (f["properties"]["offered_date"] or "") >= day}


@pytest.mark.skipif(not HAS_OGR2OGR, reason="Debian's gdal-bin is not installed")
def test_ogr2ogr_date_where_runs_on_the_server(sale_dates, tmp_path):
    """A date field (to GDAL, from the schema's `format: date`) in a `-where`, with the
    company's token: GDAL writes the day as '2025-02-01T', which sorts after '2025-02-01' as
    text; the server compares the day, so the boundary day is in."""
    server, token, doc, day = sale_dates
    out = tmp_path / "plots.gpkg"
    done = subprocess.run(
        ["ogr2ogr", "--debug", "on", "-preserve_fid", "--config", "GDAL_HTTP_HEADERS",
         f"Authorization: {token['Authorization']}", "-f", "GPKG", str(out), f"OAPIF:{server}",
         "plots", "-oo", f"PAGE_SIZE={PAGE}", "-where", f"offered_date >= '{day}'"],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    expected = _offered_since(doc, day)
    assert expected == server_ids(server, "plots", f"offered_date >= '{day}'", token)
    assert gpkg_ids(out, "plots") == expected
    with sqlite3.connect(out) as db:
        assert db.execute("SELECT min(offered_date) FROM plots").fetchone() == (day,)
    requests = item_requests(done.stderr, "plots")
    assert any(f"'{day}T'" in r for r in requests), requests  # GDAL's own spelling
    assert_pushed_down(requests, "offered_date", len(expected), len(doc["features"]))


def test_pyogrio_date_where_runs_on_the_server(sale_dates, gdal_log):
    server, token, doc, day = sale_dates
    start = gdal_log.stat().st_size
    # GDAL 3.12's OAPIF driver sends its own headers in place of GDAL_HTTP_HEADERS.
    bearer = token["Authorization"].removeprefix("Bearer ")
    auth = {"GDAL_HTTP_AUTH": "BEARER", "GDAL_HTTP_BEARER": bearer}
    pyogrio.set_gdal_config_options({"CPL_DEBUG": "ON", **auth})
    try:
        df = pyogrio.read_dataframe(
            f"OAPIF:{server}", layer="plots", where=f"offered_date >= '{day}'",
            fid_as_index=True, PAGE_SIZE=PAGE,
        )  # fmt: skip
    finally:
        pyogrio.set_gdal_config_options({"CPL_DEBUG": None, **dict.fromkeys(auth)})
    with gdal_log.open() as f:
        f.seek(start)
        log = f.read()
    expected = _offered_since(doc, day)
    assert set(df.index) == expected
    assert_pushed_down(
        item_requests(log, "plots"), "offered_date", len(expected), len(doc["features"])
    )
