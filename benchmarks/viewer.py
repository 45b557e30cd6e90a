"""The map viewer and the static maps, timed as a planner meets them.

    .venv/bin/python -m benchmarks.viewer [--runs 5] [--data reference|test]

Starts a real uvicorn over a database of its own (on the server of DATABASE_URL, named
vollsmose_bench_viewer_*, dropped afterwards) holding the bundled Vollsmose reference data,
or the map tests' small plan when asked (or when the reference loader is not there), and
drives the Debian chromium with Playwright. Prints medians (min–max) of N runs against the
issue's goals, never asserting them:

- viewer: navigation to the first full render of /kort (every default layer drawn), fresh
  browser context (nothing cached) each run; goal 1.5 s;
- year switch: a click on another fremtidsbillede year until that year is drawn, first time
  (fetched from the server) and again (cached in the page); goal 300 ms;
- static maps: PNG (A3, 150 dpi), PDF (A3, 300 dpi) and GeoTIFF (2 m) of 2030, rendered by
  gis directly and over HTTP; goal for the PNG 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gis import migrate

GOAL_VIEWER_S = 1.5
GOAL_SWITCH_S = 0.300
GOAL_PNG_S = 2.0


def _server_url():
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("Set DATABASE_URL (make bench does) or BENCH_DATABASE_URL.")
    return make_url(url)


def _create_database(data: str) -> tuple[str, str, str]:
    """(database name, URL, what it holds)."""
    server = _server_url()
    name = f"vollsmose_bench_viewer_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = server.set(database=name).render_as_string(hide_password=False)
    eng = create_engine(url)
    with eng.begin() as c:
        migrate.upgrade(c)
        held = None
        if data == "reference":
            try:
                from gis.reference import default_reference_path, load_reference
            except ImportError:
                held = None
            else:
                load_reference(c, default_reference_path())
                held = "vollsmose"
        if held is None:
            from tests.maps import kort_data

            kort_data.load(c)
            held = "testby"
    eng.dispose()
    return name, url, held


def _drop_database(name: str) -> None:
    admin = create_engine(_server_url().set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _stats(xs: list[float]) -> str:
    return f"{statistics.median(xs) * 1000:8.0f} ms  ({min(xs) * 1000:.0f}–{max(xs) * 1000:.0f})"


def _line(label: str, xs: list[float], goal: float | None) -> str:
    verdict = ""
    if goal is not None:
        verdict = "  meets goal" if statistics.median(xs) <= goal else "  MISSES goal"
        verdict = f"  goal {goal * 1000:.0f} ms{verdict}"
    return f"  {label:<44}{_stats(xs)}{verdict}"


def bench_browser(base: str, runs: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    from tests.maps.conftest import CHROMIUM, CHROMIUM_ARGS

    out: dict[str, list[float]] = {"viewer": [], "switch_cold": [], "switch_warm": []}
    switch = """year => new Promise(resolve => {
        const t0 = performance.now();
        document.addEventListener('kort:rendered', () => resolve(performance.now() - t0),
                                  {once: true});
        document.querySelector(`.year-btn[data-year="${year}"]`).click();
    })"""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(runs + 1):  # the first run warms the server; not counted
            ctx = browser.new_context(viewport={"width": 1400, "height": 900})
            page = ctx.new_page()
            page.goto(f"{base}/kort?year=2020")
            page.wait_for_function("document.body.dataset.firstRenderMs")
            first = float(page.evaluate("document.body.dataset.firstRenderMs")) / 1000
            cold = [page.evaluate(switch, y) / 1000 for y in (2025, 2030)]
            warm = [page.evaluate(switch, y) / 1000 for y in (2020, 2025, 2030)]
            ctx.close()
            if _ == 0:
                continue
            out["viewer"].append(first)
            out["switch_cold"].extend(cold)
            out["switch_warm"].extend(warm)
        browser.close()
    return out


def bench_static(db_url: str, base: str, area: str, runs: int) -> dict[str, list[float]]:
    from gis.render import geotiff, static

    out: dict[str, list[float]] = {}
    eng = create_engine(db_url)
    with eng.connect() as conn:
        jobs = {
            "png": lambda: static.render_map(conn, area, 2030, "png"),
            "pdf": lambda: static.render_map(conn, area, 2030, "pdf"),
            "tif": lambda: geotiff.render_geotiff(conn, area, 2030),
        }
        for key, job in jobs.items():
            job()  # warm-up: imports, fonts, caches
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                job()
                times.append(time.perf_counter() - t)
            out[f"gis_{key}"] = times
    eng.dispose()
    for fmt in ("png", "pdf", "tif"):
        url = f"{base}/maps/fremtidsbillede/2030.{fmt}?area={area}"
        urllib.request.urlopen(url, timeout=60).read()
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            urllib.request.urlopen(url, timeout=60).read()
            times.append(time.perf_counter() - t)
        out[f"http_{fmt}"] = times
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.viewer", description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--data", choices=["reference", "test"], default="reference")
    args = ap.parse_args(argv)

    from tests.maps.conftest import start_server, stop_server

    name, url, area = _create_database(args.data)
    server = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            server = start_server(url, Path(tmp), Path(tmp) / "uvicorn.log")
            browser = bench_browser(server.url, args.runs)
            static_times = bench_static(url, server.url, area, args.runs)
    finally:
        if server is not None:
            stop_server(server)
        _drop_database(name)

    print(f"Map viewer and static maps: area '{area}', median (min–max) of {args.runs} runs")
    print(_line("viewer: open /kort to first full render", browser["viewer"], GOAL_VIEWER_S))
    print(_line("year switch, first time (fetch + draw)", browser["switch_cold"], GOAL_SWITCH_S))
    print(_line("year switch, again (cached in page)", browser["switch_warm"], GOAL_SWITCH_S))
    print(_line("PNG 2030, A3 150 dpi (gis)", static_times["gis_png"], GOAL_PNG_S))
    print(_line("PNG 2030, A3 150 dpi (HTTP)", static_times["http_png"], GOAL_PNG_S))
    print(_line("PDF 2030, A3 300 dpi (gis)", static_times["gis_pdf"], None))
    print(_line("PDF 2030, A3 300 dpi (HTTP)", static_times["http_pdf"], None))
    print(_line("GeoTIFF 2030, 2 m (gis)", static_times["gis_tif"], None))
    print(_line("GeoTIFF 2030, 2 m (HTTP)", static_times["http_tif"], None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
