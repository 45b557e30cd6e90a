"""The annual status report, timed: `vollsmose report` as a user meets it.

    .venv/bin/python -m benchmarks.report [--runs 5] [--year 2025]

Creates a database of its own on the server of DATABASE_URL (vollsmose_bench_report_*,
dropped afterwards) with the bundled Vollsmose reference data, and renders the A4 PDF report
N times in this process (gis.render.report.render_report, as the command and the HTTP route
call it). Prints the median (min–max) against the issue's goal of 10 s, never asserting it,
and the share of the time the full-page print maps (the year, 2030) take.
"""

from __future__ import annotations

import argparse
import statistics
import time

from sqlalchemy import create_engine

from benchmarks import databases
from gis.render import report, static

GOAL_S = 10.0


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--year", type=int, default=2025)
    args = p.parse_args(argv)

    with databases.with_reference("report") as url:
        eng = create_engine(url)
        # Time spent in the map renderer, measured by wrapping it for the runs.
        map_seconds: list[float] = []
        render_map = static.render_map

        def timed_map(*a, **k):
            t = time.perf_counter()
            try:
                return render_map(*a, **k)
            finally:
                map_seconds.append(time.perf_counter() - t)

        static.render_map = timed_map
        times, size, pages = [], 0, 0
        with eng.connect() as c:
            for _ in range(args.runs):
                t = time.perf_counter()
                r = report.render_report(c, "vollsmose", args.year)
                times.append(time.perf_counter() - t)
                size, pages = len(r.content), r.pages
        static.render_map = render_map
        eng.dispose()

    med = statistics.median(times)
    maps = sum(map_seconds) / len(times)
    print(f"status report {args.year}, vollsmose reference data, {args.runs} runs")
    print(
        f"  render (A4 PDF, {pages} pages, {size / 1024:.0f} KiB): median {med:.2f} s "
        f"({min(times):.2f}–{max(times):.2f}); goal < {GOAL_S:.0f} s: "
        f"{'met' if med < GOAL_S else 'NOT met'}"
    )
    print(f"  of which the print maps: {maps:.2f} s per report ({maps / med:.0%})")


if __name__ == "__main__":
    main()
