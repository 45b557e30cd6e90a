"""A serving worker's memory beside tipg's: RSS after start, after the OGC benchmark's load,
and (ours) after a print map and a report PDF and once the render worker is gone.

    apt-get install wrk; .venv/bin/pip install -e '.[bench]'
    python -m benchmarks.memory [--seconds 3] [--rounds 2]

Both servers as `benchmarks/ogc.py` starts them (one uvicorn worker, a pool of 16) over the
same throwaway reference database; the load is that benchmark's cases (items with and
without bbox, limit 10 and 1000, tiles z13-z17, conformance) at 1 and 16 connections,
`--rounds` times over. RSS is the server process's own (VmRSS), beside it the render
worker's while one lives.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy.engine import make_url

from benchmarks import databases
from benchmarks.ogc import PEERS, _load, cases
from benchmarks.serving import PLATFORM, children, rss_mb, serve


def _children_mb(pid: int) -> str:
    kids = [rss_mb(p) for p in children(pid)]
    return ", ".join(f"{k:.0f}" for k in kids) or "none"


def _get(base: str, path: str) -> int:
    with urllib.request.urlopen(base + path, timeout=120) as r:
        return len(r.read())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3, help="per case and concurrency")
    parser.add_argument("--rounds", type=int, default=2, help="passes over every case")
    args = parser.parse_args()
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"load average before: {' '.join(load)}", flush=True)
    chosen = cases()
    with databases.with_reference("memory") as url, tempfile.TemporaryDirectory() as tmp:
        plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        ours_env = {
            "DATABASE_URL": url,
            "VOLLSMOSE_DB_POOL_SIZE": "16",
            # The render worker goes after 3 s idle here (30 s by default), to see it go.
            "VOLLSMOSE_RENDER_IDLE_SECONDS": "3",
        }
        tipg = PEERS["tipg"]
        with ExitStack() as stack:
            ours = stack.enter_context(serve(PLATFORM, ours_env))
            peer = stack.enter_context(
                serve(tipg.app, tipg.env(plain, Path(tmp)), tipg.ready, python=tipg.python())
            )
            servers = {"ours": ours, "tipg": peer}
            rows: dict[str, list[tuple[str, float]]] = {n: [] for n in servers}
            for name, base in servers.items():
                rows[name].append(("after start", rss_mb(base.pid)))
            for _ in range(args.rounds):
                for case in chosen:
                    for c in (1, 16):
                        _load(ours, case.ours, c, args.seconds)
                        if "tipg" in case.peers:
                            _load(peer, case.peers["tipg"], c, args.seconds)
            for name, base in servers.items():
                rows[name].append(("after the OGC load", rss_mb(base.pid)))

            # Ours only: the renders, drawn in the render worker.
            _get(ours, "/maps/fremtidsbillede/2030.png")
            _get(ours, "/areas/vollsmose/report?year=2025&f=pdf")
            rows["ours"].append(("after a map PNG and a report PDF", rss_mb(ours.pid)))
            workers = _children_mb(ours.pid)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and any(rss_mb(p) > 30 for p in children(ours.pid)):
                time.sleep(0.5)
            rows["ours"].append(("render worker gone (idle 3 s)", rss_mb(ours.pid)))
            # A GeoPackage page imports pyogrio (GDAL, pandas, geopandas) into the server.
            _get(ours, "/collections/buildings/items?limit=10&f=gpkg")
            rows["ours"].append(("after one GeoPackage page", rss_mb(ours.pid)))
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"load average after: {' '.join(load)}")
    print()
    print("| server | when | RSS MB |")
    print("| --- | --- | ---: |")
    for name, measured in rows.items():
        for when, mb in measured:
            print(f"| {name} | {when} | {mb:.0f} |")
    print(f"\nrender worker(s) right after the renders: {workers} MB")
    ratio = rows["ours"][1][1] / rows["tipg"][1][1]
    print(f"ours / tipg after the OGC load: {ratio:.2f}x (goal: at most 1.5x)")


if __name__ == "__main__":
    main()
