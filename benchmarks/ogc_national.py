"""The OGC API's items on the national stock (issue 19): first page against last page by
`next` links (keyset), OFFSET for comparison, and numberMatched estimated against exact.

Serves the platform (one uvicorn worker) over `benchmarks/national.py`'s database and asks
it over HTTP. The last page's cursor is the real one: the walk follows every `next` link
from the first page (in pages of 10,000 without geometry, so it is quick), and a cursor
serves any `limit`. Prints medians of `--runs` timed requests each, and the load average
before and after.

    .venv/bin/python -m benchmarks.ogc_national [--runs 15] [--limit 10]

A kept national database is used as it is (whatever migration made it: the items read only
the buildings); without one it is generated (`national.ensure`, about 75 s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import httpx
from sqlalchemy import create_engine, text

from benchmarks import databases, national
from benchmarks.serving import PLATFORM, serve

ITEMS = "/collections/buildings/items"
UTM = "http://www.opengis.net/def/crs/EPSG/0/25832"
LOCAL_BBOX = f"{national.LX0},{national.LY0},{national.LX1},{national.LY1}"


def _database() -> str:
    if not databases.exists(national.DATABASE):
        national.ensure(national.DEFAULT_SCALE, national.DEFAULT_QUARTERS)
    url = databases.url_of(national.DATABASE)
    engine = create_engine(url)
    try:
        # Another run may be generating it (one transaction): its marker comes last.
        for _ in range(600):
            with engine.connect() as conn:
                if conn.execute(text("SELECT to_regclass('bench_marker')")).scalar():
                    break
            time.sleep(1)
        with engine.connect() as conn:
            n = conn.execute(text("SELECT count(*) FROM building")).scalar_one()
            head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()
    print(f"{national.DATABASE}: {n:,} buildings (schema {head})")
    return url


def _get(client: httpx.Client, url: str, params: dict | None = None) -> tuple[float, dict]:
    t = time.perf_counter()
    r = client.get(url, params=params)
    ms = (time.perf_counter() - t) * 1000
    r.raise_for_status()
    return ms, r.json()


def _next(doc: dict) -> str | None:
    return next((x["href"] for x in doc["links"] if x["rel"] == "next"), None)


def _walk(client: httpx.Client, base: str, params: dict) -> tuple[list[str], int, float]:
    """Every `next` link from the first page: the links, the features seen, seconds."""
    t = time.perf_counter()
    links, seen = [], 0
    _, doc = _get(client, base + ITEMS, {**params, "limit": 10_000, "skipGeometry": "true"})
    while True:
        seen += doc["numberReturned"]
        nxt = _next(doc)
        if nxt is None:
            return links, seen, time.perf_counter() - t
        links.append(nxt)
        _, doc = _get(client, nxt)


def _median(client: httpx.Client, url: str, params: dict, runs: int) -> tuple[float, dict]:
    _get(client, url, params)  # warm
    times, doc = [], {}
    for _ in range(runs):
        ms, doc = _get(client, url, params)
        times.append(ms)
    return statistics.median(times), doc


def _cursor(link: str) -> str:
    return httpx.URL(link).params["cursor"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--limit", type=int, default=10)
    args = parser.parse_args()
    url = _database()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    env = {"DATABASE_URL": url, "VOLLSMOSE_LOG_LEVEL": "warning"}
    with serve(PLATFORM, env) as base, httpx.Client(timeout=120) as client:
        page = {"limit": args.limit}
        cases = [("by id", {}), ("sortby=-floor_area_m2,name", {"sortby": "-floor_area_m2,name"})]
        print(f"\npages of {args.limit}, median of {args.runs} (ms):")
        print(f"{'order':<28}{'first':>9}{'last (cursor)':>15}{'last (offset)':>15}  walk")
        for name, params in cases:
            links, seen, walk_s = _walk(client, base, params)
            first, _ = _median(client, base + ITEMS, {**params, **page}, args.runs)
            # From the last page of 10,000 on in pages of `limit`: the last page's own link.
            tail, doc = links[-1], {}
            while True:
                _, doc = _get(client, tail.replace("limit=10000", f"limit={args.limit}"))
                if _next(doc) is None:
                    break
                tail = _next(doc)
            last_cursor = {**params, **page, "cursor": _cursor(tail)}
            last, doc = _median(client, base + ITEMS, last_cursor, args.runs)
            offset = {**params, **page, "offset": seen - doc["numberReturned"]}
            by_offset, odoc = _median(client, base + ITEMS, offset, max(3, args.runs // 3))
            assert [f["id"] for f in doc["features"]] == [f["id"] for f in odoc["features"]]
            print(
                f"{name:<28}{first:>9.1f}{last:>15.1f}{by_offset:>15.1f}  "
                f"{len(links) + 1} pages of 10,000, {seen:,} features, {walk_s:.1f} s"
            )
        print("\nnumberMatched, first page, median (ms):")
        counts = [
            ("all", {}),
            ("use = 'housing'", {"filter": "use = 'housing'"}),
            ("use = 'business'", {"filter": "use = 'business'"}),
            ("demolished_year = 2024", {"filter": "demolished_year = 2024"}),
            ("bbox local 2 km", {"bbox": LOCAL_BBOX, "bbox-crs": UTM}),
        ]
        for name, params in counts:
            est_ms, est = _median(client, base + ITEMS, {**params, **page}, args.runs)
            exact_ms, exact = _median(
                client, base + ITEMS, {**params, **page, "count": "exact"}, args.runs
            )
            kind = "exact" if est.get("numberMatchedExact") else "estimate"
            print(
                f"  {name:<24} default {est_ms:7.1f} ms: {est['numberMatched']:>9,} ({kind});"
                f"  count=exact {exact_ms:7.1f} ms: {exact['numberMatched']:>9,}"
            )
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
