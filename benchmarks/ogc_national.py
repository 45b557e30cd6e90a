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

Tiles (issue 19: z8-z17 with a p95 under 50 ms at 16 clients): for each zoom the tiles
(`--tile-layers all`: of all layers, what a map asks for; `buildings`: of the buildings
collection alone, empty below its minimum zoom, `Layer.tile_minzoom`) holding
`--tiles-per-zoom` buildings spread over the country (every 997th by id), driven by
wrk at `--tile-clients` connections for `--tile-seconds`, `--runs` times (medians), on two
servers side by side: one without the tile cache (every tile made: cold) and one with it
(`gis.ogc.tile_cache`, every tile asked once first: what a map's repeated tiles cost); then all
zooms' tiles mixed in one run. `--peers tipg timvt` then drives the buildings collection's
tiles at the zooms that carry them (its minimum zoom to z17, where the peers, which have no
minimum zoom, serve the same features) at 1 and 16 clients on ours without and with the tile
cache and on each peer (`benchmarks.ogc.PEERS`, over the same database), with each server's
and the database's CPU time per tile. `--export-region` then makes the pyramid z8-z17 of a region
(`gis.ogc.tiles_export.export_pyramid(bounds=...)`, one connection, the 2030 map) and prints
tiles per second and bytes, scaled to the national extent by area (the stock is spread
evenly over it). `--skip-items` / `--skip-tiles` leave a part out.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks import databases, national
from benchmarks.ogc import PEERS, Run, _load, _median_run, ensure_peer
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
    parser.add_argument("--skip-items", action="store_true", help="no items part")
    parser.add_argument("--skip-tiles", action="store_true", help="no tiles part")
    parser.add_argument("--tile-runs", type=int, default=3, help="runs per tile cell")
    parser.add_argument("--tile-seconds", type=int, default=3)
    parser.add_argument("--tile-clients", type=int, default=16)
    parser.add_argument("--tiles-per-zoom", type=int, default=40)
    parser.add_argument(
        "--tile-layers",
        choices=sorted(TILE_PATHS),
        default="all",
        help="the tiles of all layers (what a map asks for) or of the buildings alone",
    )
    parser.add_argument(
        "--export-region",
        type=float,
        default=0.0,
        metavar="KM",
        help="make the 2030 pyramid z8-z17 of a KM x KM region and scale it to the country "
        "(0: not)",
    )
    parser.add_argument(
        "--peers",
        nargs="*",
        choices=["tipg", "timvt"],
        default=[],
        help="tiles against these peers at the zooms that carry buildings (none: not)",
    )
    args = parser.parse_args()
    for name in args.peers:
        ensure_peer(PEERS[name])
    url = _database()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not args.skip_items:
        _items(url, args)
    if not args.skip_tiles:
        _tiles(url, args)
    if args.peers:
        _peers(url, args)
    if args.export_region:
        _export_region(url, args.export_region)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _items(url: str, args) -> None:
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


TILE_ZOOMS = range(8, 18)
TILE_PATHS = {
    "all": "/tiles/WebMercatorQuad/{}/{}/{}",
    "buildings": "/collections/buildings/tiles/WebMercatorQuad/{}/{}/{}",
}
# Issue 19's goal for the live tiles on the national stock.
P95_GOAL_MS = 50.0


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    return (
        int((lon + 180) / 360 * n),
        int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n),
    )


def _sample_points(url: str, n: int) -> list[tuple[float, float]]:
    """CRS84 anchors of `n` buildings spread over the country (every 997th by id)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(anchor, 4326) AS p"
                    " FROM building WHERE id % 997 = 0 ORDER BY id LIMIT :n) s"
                ),
                {"n": n},
            ).all()
    finally:
        engine.dispose()
    return [(r[0], r[1]) for r in rows]


def _tiles(url: str, args) -> None:
    points = _sample_points(url, args.tiles_per_zoom)
    template = TILE_PATHS[args.tile_layers]
    paths = {
        z: sorted({template.format(z, *_tile_of(lon, lat, z)) for lon, lat in points})
        for z in TILE_ZOOMS
    }
    c, secs = args.tile_clients, args.tile_seconds
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    env = {"DATABASE_URL": url, "VOLLSMOSE_LOG_LEVEL": "warning", "VOLLSMOSE_DB_POOL_SIZE": "16"}
    print(
        f"\ntiles of {args.tile_layers} ({template}), {c} clients, {secs} s a run, median of "
        f"{args.tile_runs} runs; "
        f"cold: without the tile cache (every tile made), warm: with it; CPU ms a tile: the "
        "server's + the database's"
    )
    print(f"{'zoom':<6}{'tiles':>6}  {'cold req/s':>10} {'p50':>8} {'p95 ms':>8} {'CPU':>11}"
          f"  {'warm req/s':>10} {'p50':>8} {'p95 ms':>8} {'CPU':>11}")  # fmt: skip
    rows: list[tuple[str, Run, Run]] = []
    with (
        serve(PLATFORM, {**env, "VOLLSMOSE_TILE_CACHE_MB": "0"}) as cold,
        serve(PLATFORM, {**env, "VOLLSMOSE_TILE_CACHE_MB": "256"}) as warm,
    ):
        # Every tile once on the cached server first: a low zoom's tiles take longer than
        # the load's own one-second warm-up to make.
        with httpx.Client(base_url=warm, timeout=600) as client:
            for z in TILE_ZOOMS:
                for path in paths[z]:
                    client.get(path).raise_for_status()
        cells = [(f"z{z}", paths[z]) for z in TILE_ZOOMS]
        cells.append(("z8-z17", [p for z in TILE_ZOOMS for p in paths[z]]))
        for name, cell in cells:
            runs: dict[str, list[Run]] = {"cold": [], "warm": []}
            for _ in range(args.tile_runs):  # interleaved, so drift hits both alike
                runs["cold"].append(_load(cold, cell, c, secs, plain))
                runs["warm"].append(_load(warm, cell, c, secs, plain))
            a, b = _median_run(runs["cold"]), _median_run(runs["warm"])
            rows.append((name, a, b))
            errors = f"  errors {a.errors}/{b.errors}" if a.errors or b.errors else ""
            print(
                f"{name:<6}{len(cell):>6}  {a.rps:>10,.0f} {a.p50 * 1000:>8.1f} "
                f"{a.p95 * 1000:>8.1f} {_cpu(a):>11}  {b.rps:>10,.0f} {b.p50 * 1000:>8.1f} "
                f"{b.p95 * 1000:>8.1f} {_cpu(b):>11}{errors}",
                flush=True,
            )
    for label, i in (("cold", 1), ("warm", 2)):
        met = [r[0] for r in rows[:-1] if r[i].p95 * 1000 < P95_GOAL_MS]
        print(
            f"- {label}: p95 under {P95_GOAL_MS:.0f} ms in {len(met)} of {len(rows) - 1} zooms"
            f" ({', '.join(met) or 'none'}); all zooms mixed: p95 {rows[-1][i].p95 * 1000:.1f} ms"
        )


def _cpu(run: Run) -> str:
    return f"{run.cpu_ms:.2f}+{run.db_cpu_ms:.2f}"


PEER_PATHS = {
    "tipg": "/collections/public.building/tiles/WebMercatorQuad/{}/{}/{}",
    "timvt": "/tiles/WebMercatorQuad/public.building/{}/{}/{}",
}


def _peers(url: str, args) -> None:
    """The buildings' tiles from their minimum zoom to z17 on ours (cold: no tile cache;
    warm: every tile asked once first) and on each peer, at 1 and 16 clients, interleaved
    runs, medians: throughput, p50/p95, ours over each peer's throughput, and each server's
    and the database's CPU time per tile (what a tile costs, which the load hides less)."""
    from gis.layers import LAYERS

    minzoom = LAYERS["buildings"].tile_minzoom
    points = _sample_points(url, args.tiles_per_zoom)
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    env = {"DATABASE_URL": url, "VOLLSMOSE_LOG_LEVEL": "warning", "VOLLSMOSE_DB_POOL_SIZE": "16"}
    names = ["cold", "warm", *args.peers]
    print(
        f"\nbuildings' tiles z{minzoom}-z17 against {', '.join(args.peers)}, {args.tile_seconds} s"
        f" a run, median of {args.tile_runs} runs (req/s, p50 / p95 ms, ours over the peer's "
        "req/s; CPU ms a tile, server + database)"
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        servers = {
            "cold": stack.enter_context(serve(PLATFORM, {**env, "VOLLSMOSE_TILE_CACHE_MB": "0"})),
            "warm": stack.enter_context(serve(PLATFORM, {**env, "VOLLSMOSE_TILE_CACHE_MB": "256"})),
        }
        for name in args.peers:
            peer = PEERS[name]
            servers[name] = stack.enter_context(
                serve(peer.app, peer.env(plain, Path(tmp)), peer.ready, python=peer.python())
            )
        for z in range(minzoom, 18):
            tiles = sorted({_tile_of(lon, lat, z) for lon, lat in points})
            paths = {
                "cold": [TILE_PATHS["buildings"].format(z, x, y) for x, y in tiles],
                **{n: [PEER_PATHS[n].format(z, x, y) for x, y in tiles] for n in args.peers},
            }
            paths["warm"] = paths["cold"]
            with httpx.Client(base_url=servers["warm"], timeout=600) as client:
                for path in paths["warm"]:
                    client.get(path).raise_for_status()
            for c in (1, 16):
                runs: dict[str, list[Run]] = {n: [] for n in names}
                for _ in range(args.tile_runs):  # interleaved, so drift hits all alike
                    for n in names:
                        runs[n].append(_load(servers[n], paths[n], c, args.tile_seconds, plain))
                med = {n: _median_run(r) for n, r in runs.items()}
                rows.append((f"z{z}", c, med))
                cells = "  ".join(
                    f"{n} {m.rps:,.0f} {m.p50 * 1000:.1f}/{m.p95 * 1000:.1f}"
                    f" ({m.cpu_ms:.2f}+{m.db_cpu_ms:.2f})"
                    for n, m in med.items()
                )
                print(f"z{z} c{c:<3} {len(tiles)} tiles: {cells}", flush=True)
    print(
        "\n| zoom | clients | "
        + " | ".join(f"{n} req/s, p50 / p95 ms, CPU ms" for n in names)
        + " | "
        + " | ".join(f"cold / {p} | warm / {p}" for p in args.peers)
        + " |"
    )
    print("|---|---|" + "---|" * (len(names) + 2 * len(args.peers)))
    for zoom, c, med in rows:
        shown = [
            f"{m.rps:,.0f}, {m.p50 * 1000:.1f} / {m.p95 * 1000:.1f}, "
            f"{m.cpu_ms:.2f} + {m.db_cpu_ms:.2f}"
            for m in med.values()
        ]
        ratios = [f"{med[o].rps / med[p].rps:.2f}×" for p in args.peers for o in ("cold", "warm")]
        print(f"| {zoom} | {c} | " + " | ".join(shown + ratios) + " |")


def _export_region(url: str, km: float) -> None:
    """The national 2030 pyramid z8-z17, in part: z8-z11 made whole (few tiles, each heavy),
    z12-z17 made over a km x km region in the middle of the country, one zoom at a time, and
    scaled to the country by the number of tiles at that zoom over the data's extent (every
    such tile holds data: the generated area covers the extent). One connection."""
    from gis.layers import LAYERS
    from gis.ogc import features, tiles_export

    engine = create_engine(url)
    rows = []
    try:
        with engine.connect() as conn, tempfile.TemporaryDirectory() as tmp:
            extents = features.extents(conn, list(LAYERS.values()))
            conn.rollback()  # the export begins its own transaction
            boxes = [e.bbox_crs84 for e in extents.values() if e.bbox_crs84]
            whole = (
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            )
            lon, lat = (whole[0] + whole[2]) / 2, (whole[1] + whole[3]) / 2
            dlat = km / 2 / 111.32
            dlon = dlat / math.cos(math.radians(lat))
            region = (lon - dlon, lat - dlat, lon + dlon, lat + dlat)

            def count(box, z: int) -> int:
                x0, x1, y0, y1 = tiles_export.tile_range(box, z)
                return (x1 - x0 + 1) * (y1 - y0 + 1)

            out = Path(tmp) / "part.pmtiles"
            made = tiles_export.export_pyramid(conn, out, 2030, (8, 11))
            rows.append(("z8-z11 (whole)", made.tiles, made.bytes, made.seconds, 1.0))
            for z in range(12, 18):
                made = tiles_export.export_pyramid(conn, out, 2030, (z, z), bounds=region)
                scale = count(whole, z) / count(region, z)
                rows.append((f"z{z} (region)", made.tiles, made.bytes, made.seconds, scale))
    finally:
        engine.dispose()
    print(f"\nexport, 2030, one connection; z12-z17 over a {km:g} x {km:g} km region, scaled")
    print(f"{'zoom':<16}{'tiles':>8}{'MB':>8}{'s':>8}{'tiles/s':>9}{'×':>8}"
          f"{'country: tiles':>16}{'GB':>7}{'h':>7}")  # fmt: skip
    total = [0.0, 0.0, 0.0]
    for name, n, size, secs, scale in rows:
        total = [total[0] + n * scale, total[1] + size * scale, total[2] + secs * scale]
        print(
            f"{name:<16}{n:>8,}{size / 1e6:>8.1f}{secs:>8.1f}{n / secs:>9.0f}{scale:>8.0f}"
            f"{n * scale:>16,.0f}{size * scale / 1e9:>7.2f}{secs * scale / 3600:>7.2f}"
        )
    print(
        f"national z8-z17: about {total[0] / 1e6:.1f} M tiles, {total[1] / 1e9:.1f} GB, "
        f"{total[2] / 3600:.1f} h on one connection"
    )


if __name__ == "__main__":
    main()
