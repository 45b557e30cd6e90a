"""Concurrent editors against a real server: no lost update, and what a write with its audit
costs.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:55432/vollsmose \\
        .venv/bin/python -m benchmarks.edits [--editors 8] [--writes 50] [--solo 100]

Loads the bundled reference data into a throwaway database (vollsmose_bench_edits_*,
dropped afterwards), makes a token per role, serves the platform as one uvicorn process on a
loopback port (its default settings), then:

- **solo**: one editor, `--solo` read-modify-writes of a building's life one after another
  (`GET /buildings/{id}/life`, then `PATCH` with its ETag in `If-Match`): the latency of a
  write with its audit when nobody else writes;
- **life**: `--editors` editors at once, each doing read-modify-write on the same building
  until `--writes` of its PATCHes succeeded, retrying after each 412. The field is
  `renovation_end_year`, counted up in a cycle of 2001-2060 (the plan's years);
- **sale status**: the same editors cycling one plot's sale status with `from_status`
  (half of them also sending If-Match), then the served history checked link by link;
- **Part 4 item**: the same, through OGC API – Features Part 4: one editor alone, then the
  editors at once, each doing `GET /collections/buildings/items/{id}` (ETag) and `PATCH` of
  the item (`application/merge-patch+json`, `storeys` + 1, If-Match) on another building,
  retrying after each 412; the served history (`GET .../items/{id}/history`) checked version
  by version (each made on the version served before it, one storey more).

Prints attempts, successful writes, 412s and **lost updates** (successful writes the database
does not hold as a version of their own: must be 0), the histories' broken links (must be 0),
the PATCH and POST latency (median and p95, on the server from `Server-Timing: app`, and as
the client saw it), the HTTP floor (`GET /healthz`) beside them, and the machine's load
(`os.getloadavg`) before and after. Times are reported against the goal (a write with its
audit under 20 ms), never asserted; the run exits non-zero only if an update was lost or the
history broke.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from sqlalchemy import Engine, create_engine, text

from benchmarks import databases
from benchmarks.serving import PLATFORM, serve
from gis import auth
from gis.models.land import SALE_STATUSES

GOAL_MS = 20.0
FIRST, LAST = 2001, 2060  # the cycle renovation_end_year runs through (the plan's years)
PLOT = "12"
APP_DUR = re.compile(r"app;dur=([0-9.]+)")


@dataclass
class Timings:
    client_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)

    def add(self, r: httpx.Response, elapsed_s: float) -> None:
        self.client_ms.append(elapsed_s * 1000)
        found = APP_DUR.search(r.headers.get("server-timing", ""))
        if found:
            self.server_ms.append(float(found.group(1)))


@dataclass
class Run:
    outcomes: Counter = field(default_factory=Counter)
    writes: Timings = field(default_factory=Timings)  # the successful writes
    refused: Timings = field(default_factory=Timings)  # the 412s
    seconds: float = 0.0


def _next_year(year: int) -> int:
    return FIRST + (year - FIRST + 1) % (LAST - FIRST + 1) if year >= FIRST else FIRST


def _next_status(status: str) -> str:
    return SALE_STATUSES[(SALE_STATUSES.index(status) + 1) % len(SALE_STATUSES)]


def _timed(run: Run, lock: threading.Lock, send: Callable, *args, **kwargs) -> httpx.Response:
    t = time.perf_counter()
    r = send(*args, **kwargs)
    elapsed = time.perf_counter() - t
    if r.status_code not in (200, 412):
        raise SystemExit(f"unexpected {r.status_code}: {r.text[:300]}")
    with lock:
        run.outcomes[r.status_code] += 1
        (run.writes if r.status_code == 200 else run.refused).add(r, elapsed)
    return r


def _life_editor(base: str, building: int, headers: dict, writes: int, run: Run, lock) -> None:
    url = f"{base}/buildings/{building}/life"
    with httpx.Client(timeout=60) as client:
        done = 0
        while done < writes:
            got = client.get(url)
            got.raise_for_status()
            body = {"renovation_end_year": _next_year(got.json()["renovation_end_year"])}
            tagged = {**headers, "If-Match": got.headers["etag"]}
            r = _timed(run, lock, client.patch, url, json=body, headers=tagged)
            done += r.status_code == 200


def _status_editor(base: str, n: int, headers: dict, writes: int, run: Run, lock) -> None:
    url = f"{base}/land/parcels/{PLOT}/sale-status"
    with httpx.Client(timeout=60) as client:
        done = 0
        while done < writes:
            got = client.get(url)
            got.raise_for_status()
            status = got.json()["sale_status"]
            sent = {**headers, **({"If-Match": got.headers["etag"]} if n % 2 else {})}
            body = {"from_status": status, "to_status": _next_status(status)}
            r = _timed(run, lock, client.post, url, json=body, headers=sent)
            done += r.status_code == 200


MERGE = "application/merge-patch+json"


def _item_editor(url: str, headers: dict, writes: int, run: Run, lock, based_on: dict) -> None:
    """Part 4 read-modify-write of a building's storeys; `based_on` maps each successful
    write's ETag to the If-Match it was made on."""
    with httpx.Client(timeout=60) as client:
        done = 0
        while done < writes:
            got = client.get(url)
            got.raise_for_status()
            tag = got.headers["etag"]
            body = json.dumps({"properties": {"storeys": got.json()["properties"]["storeys"] + 1}})
            sent = {**headers, "Content-Type": MERGE, "If-Match": tag}
            r = _timed(run, lock, client.patch, url, content=body, headers=sent)
            if r.status_code == 200:
                with lock:
                    based_on[r.headers["etag"]] = tag
            done += r.status_code == 200


def _item_breaks(history: list[dict], start: str, based_on: dict) -> tuple[int, int]:
    """(versions after `start`, broken links): a version not made on the one served just
    before it, or not one storey more."""
    tags = [v["version"] for v in history]
    after = history[tags.index(start) :]
    breaks = sum(
        based_on.get(b["version"]) != a["version"]
        or b["feature"]["properties"]["storeys"] != a["feature"]["properties"]["storeys"] + 1
        for a, b in zip(after, after[1:], strict=False)
    )
    return len(after) - 1, breaks


def _together(editors: int, work: Callable[[int], None]) -> float:
    """Runs `work(n)` in `editors` threads started at once; seconds until all are done."""
    start = threading.Barrier(editors + 1)
    failed: list[BaseException] = []

    def run(n: int) -> None:
        start.wait()
        try:
            work(n)
        except BaseException as exc:  # reported after the others finish
            failed.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(editors)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    if failed:
        raise failed[0]
    return time.perf_counter() - t0


def _scalar(engine: Engine, sql: str, **params):
    with engine.connect() as c:
        return c.execute(text(sql), params).scalar_one()


def _versions_since(engine: Engine, building: int, change: int) -> int:
    """Changes since `change` that superseded a version of the building: one per write the
    database holds (an update lost to another would have left no version of its own)."""
    return _scalar(
        engine,
        "SELECT count(DISTINCT superseded_by) FROM building_version"
        " WHERE id = :id AND scenario_id = 1 AND superseded_by > :c",
        id=building,
        c=change,
    )


def _ms(values: list[float]) -> str:
    if not values:
        return "n/a"
    p95 = statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)
    return f"median {statistics.median(values):6.2f} ms, p95 {p95:6.2f} ms"


def _latency(label: str, t: Timings, *, goal: bool) -> list[str]:
    """Median and p95 on the server and at the client; `goal`: shown against the goal (an
    uncontended write; under contention the time includes the wait for the writers ahead)."""
    verdict = ""
    if goal and t.server_ms:
        met = statistics.median(t.server_ms) < GOAL_MS
        verdict = f"  goal < {GOAL_MS:.0f} ms: {'met' if met else 'NOT met'}"
    return [
        f"  {label}, on the server (Server-Timing app): {_ms(t.server_ms)}{verdict}",
        f"  {label}, as the client saw it:              {_ms(t.client_ms)}",
    ]


def _floor(base: str, n: int = 200) -> Timings:
    floor = Timings()
    with httpx.Client(base_url=base, timeout=30) as client:
        for _ in range(n):
            t = time.perf_counter()
            r = client.get("/healthz")
            floor.add(r, time.perf_counter() - t)
    return floor


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--editors", type=int, default=8, help="concurrent editors (default 8)")
    p.add_argument("--writes", type=int, default=50, help="successful writes per editor (50)")
    p.add_argument("--solo", type=int, default=100, help="writes of the solo editor (100)")
    args = p.parse_args(argv)
    load_before = os.getloadavg()
    failures: list[str] = []
    lines: list[str] = []

    with databases.with_reference("edits") as url:
        engine = create_engine(url)
        with engine.begin() as c:
            tokens = {r: auth.create_token(c, f"{r}-bench", r) for r in ("planner", "admin")}
            tokens["developer_company"] = auth.create_token(c, "company-bench", "developer_company")
            building, item = c.execute(
                text(
                    "SELECT id FROM building b WHERE built_year IS NULL"
                    " AND demolished_year IS NULL AND EXISTS"
                    " (SELECT 1 FROM dwelling_stock d WHERE d.building_id = b.id)"
                    " ORDER BY id LIMIT 2"
                )
            ).scalars()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE"))
        planner = {"Authorization": f"Bearer {tokens['planner']}"}
        company = {"Authorization": f"Bearer {tokens['developer_company']}"}
        admin = {"Authorization": f"Bearer {tokens['admin']}"}

        with serve(PLATFORM, {"DATABASE_URL": url}) as base:
            life_url = f"{base}/buildings/{building}/life"
            with httpx.Client(timeout=30) as client:
                got = client.get(life_url)
                r = client.patch(
                    life_url,
                    json={"renovation_start_year": 2000, "renovation_end_year": 2000},
                    headers={**planner, "If-Match": got.headers["etag"]},
                )
                r.raise_for_status()
            floor = _floor(base)
            lines.append("HTTP floor: GET /healthz (the app, one pooled connection, one query)")
            lines += _latency("GET /healthz", floor, goal=False)
            lock = threading.Lock()

            solo = Run()
            t0 = time.perf_counter()
            _life_editor(base, building, planner, args.solo, solo, lock)
            solo.seconds = time.perf_counter() - t0
            lines.append(
                f"\nsolo: 1 editor, {args.solo} read-modify-writes of building {building}, "
                f"then {args.solo} sale-status changes of plot {PLOT}"
            )
            lines += _latency("PATCH life", solo.writes, goal=True)
            solo_sale = Run()
            _status_editor(base, 0, company, args.solo, solo_sale, lock)
            lines += _latency("POST sale-status", solo_sale.writes, goal=True)

            life = Run()
            start = _scalar(engine, "SELECT max(id) FROM plan_change")
            year_before = httpx.get(life_url).json()["renovation_end_year"]
            life.seconds = _together(
                args.editors,
                lambda n: _life_editor(base, building, planner, args.writes, life, lock),
            )
            client_year = httpx.get(life_url).json()["renovation_end_year"]
            held = _versions_since(engine, building, start)
            ok, refused = life.outcomes[200], life.outcomes[412]
            lost = ok - held
            expected = year_before
            for _ in range(ok):
                expected = _next_year(expected)
            lines.append(
                f"\nlife: {args.editors} editors x {args.writes} successful writes on building "
                f"{building}, {life.seconds:.1f} s"
            )
            lines.append(
                f"  attempts {ok + refused}, successful writes {ok}, 412s {refused}, "
                f"lost updates {lost} (versions the database holds: {held}; "
                f"renovation_end_year {client_year}, expected {expected})"
            )
            lines += _latency("PATCH life, 200s", life.writes, goal=False)
            lines += _latency("PATCH life, 412s", life.refused, goal=False)
            if lost or client_year != expected:
                failures.append(f"life: {lost} lost updates, year {client_year} != {expected}")

            sale = Run()
            history_url = f"{base}/land/parcels/{PLOT}/sale-status/history"
            earlier = len(httpx.get(history_url, headers=admin).json())
            sale.seconds = _together(
                args.editors,
                lambda n: _status_editor(base, n, company, args.writes, sale, lock),
            )
            history = httpx.get(history_url, headers=admin).json()
            breaks = sum(
                b["from_status"] != a["to_status"]
                for a, b in zip(history, history[1:], strict=False)
            )
            ok, refused = sale.outcomes[200], sale.outcomes[412]
            lost = ok - (len(history) - earlier)
            lines.append(
                f"\nsale status: {args.editors} editors x {args.writes} successful changes of "
                f"plot {PLOT}, {sale.seconds:.1f} s"
            )
            lines.append(
                f"  attempts {ok + refused}, successful changes {ok}, 412s {refused}, "
                f"lost updates {lost}, broken links in the served history {breaks} "
                f"(of {len(history) - 1})"
            )
            lines += _latency("POST sale-status, 200s", sale.writes, goal=False)
            if lost or breaks:
                failures.append(f"sale status: {lost} lost, {breaks} broken links")

            item_url = f"{base}/collections/buildings/items/{item}"
            with httpx.Client(timeout=30) as client:
                got = client.get(item_url)
                r = client.patch(
                    item_url,
                    content=json.dumps({"properties": {"storeys": 0}}),
                    headers={**planner, "Content-Type": MERGE, "If-Match": got.headers["etag"]},
                )
                r.raise_for_status()
            solo_item, based_on = Run(), {}
            _item_editor(item_url, planner, args.solo, solo_item, lock, based_on)
            lines.append(
                f"\nPart 4 item, solo: 1 editor, {args.solo} read-modify-writes of building "
                f"{item} (GET item, PATCH merge patch with If-Match)"
            )
            lines += _latency("PATCH item", solo_item.writes, goal=True)

            items, based_on = Run(), {}
            start_change = _scalar(engine, "SELECT max(id) FROM plan_change")
            before = httpx.get(item_url)
            start_tag, start_storeys = (
                before.headers["etag"],
                before.json()["properties"]["storeys"],
            )
            items.seconds = _together(
                args.editors,
                lambda n: _item_editor(item_url, planner, args.writes, items, lock, based_on),
            )
            storeys = httpx.get(item_url).json()["properties"]["storeys"]
            history = httpx.get(f"{item_url}/history", timeout=120).json()
            served, breaks = _item_breaks(history, start_tag, based_on)
            held = _versions_since(engine, item, start_change)
            ok, refused = items.outcomes[200], items.outcomes[412]
            lost = ok - held
            lines.append(
                f"\nPart 4 item: {args.editors} editors x {args.writes} successful writes on "
                f"building {item}, {items.seconds:.1f} s"
            )
            lines.append(
                f"  attempts {ok + refused}, successful writes {ok}, 412s {refused}, "
                f"lost updates {lost} (versions the database holds: {held}; storeys {storeys}, "
                f"expected {start_storeys + ok}); served history: {served} versions, "
                f"{breaks} broken links"
            )
            lines += _latency("PATCH item, 200s", items.writes, goal=False)
            lines += _latency("PATCH item, 412s", items.refused, goal=False)
            if lost or breaks or served != ok or storeys != start_storeys + ok:
                failures.append(
                    f"Part 4 item: {lost} lost, {breaks} broken links, {served} versions "
                    f"served for {ok} writes, storeys {storeys} != {start_storeys + ok}"
                )
        engine.dispose()

    load_after = os.getloadavg()
    print(f"edits under concurrency, vollsmose reference data, {os.cpu_count()} cores")
    print(f"load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load_before)}")
    print("\n".join(lines))
    print(f"\nload average (1, 5, 15 min) after:  {', '.join(f'{x:.2f}' for x in load_after)}")
    for f in failures:
        print(f"FAILED: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
