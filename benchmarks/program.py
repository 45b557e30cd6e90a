"""The program's reads, timed over HTTP: the ten delprogrammer, one, the graph, the
employment track and its chart, and the Danish page.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:55432/vollsmose \\
        .venv/bin/python -m benchmarks.program [--runs 31]

Loads the bundled reference data into a throwaway database (vollsmose_bench_program_*,
dropped afterwards), starts the platform as one uvicorn process on a loopback port and times
N requests of each path (after one untimed warm-up), one at a time. Prints medians against
the goal of 200 ms, never asserting them.
"""

from __future__ import annotations

import argparse
import statistics
import time

import httpx

from benchmarks import databases
from benchmarks.serving import PLATFORM, serve

GOAL_S = 0.200
PATHS = (
    "/program",
    "/program/job-og-uddannelse",
    "/program/graph",
    "/program/graph.svg",
    "/program/employment",
    "/program/employment.svg",
    "/program/values?f=csv",
    "/kort/program",
)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=31)
    args = p.parse_args(argv)
    with (
        databases.with_reference("program") as url,
        serve(PLATFORM, {"DATABASE_URL": url}) as base,
        httpx.Client(base_url=base, timeout=30) as http,
    ):
        for path in PATHS:
            http.get(path).raise_for_status()
            times = []
            for _ in range(args.runs):
                t = time.perf_counter()
                http.get(path).raise_for_status()
                times.append(time.perf_counter() - t)
            med = statistics.median(times)
            verdict = "met" if med < GOAL_S else "NOT met"
            print(
                f"  {path:<28} median {med * 1000:7.1f} ms "
                f"({min(times) * 1000:.1f}-{max(times) * 1000:.1f}); goal < 200 ms: {verdict}"
            )


if __name__ == "__main__":
    main()
