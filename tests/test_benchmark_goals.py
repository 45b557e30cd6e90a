"""The OGC benchmark's goals summary counts each cell of its table against the issue's
goals, as the table shows it, for each peer where it has the case (no server is started
here: the rows are made up)."""

from __future__ import annotations

from benchmarks.ogc import Run, _goals, _table


def _run(rps: float, p50_ms: float) -> Run:
    return Run(rps=rps, p50=p50_ms / 1000, p95=p50_ms / 500, errors=0, cpu_ms=0.5)


ROWS = [
    # name, clients, ours, {peer: theirs}, query in process (ms), Server-Timing (app, db) ms
    ("floor", 1, _run(4000, 0.25), {"tipg": _run(1300, 0.7)}, None, (0.1, float("nan"))),
    ("floor", 16, _run(6000, 2.0), {"tipg": _run(2000, 7.0)}, None, None),
    ("small", 1, _run(900, 1.0), {"tipg": _run(300, 3.0)}, 0.5, (0.9, 0.6)),
    ("small", 16, _run(1400, 10.0), {"tipg": _run(1000, 30.0)}, 0.5, None),
    ("large", 1, _run(50, 18.0), {"tipg": _run(60, 60.0)}, 15.0, (16.0, 15.0)),
    ("large", 16, _run(100, 150.0), {"tipg": _run(10, 1000.0)}, 15.0, None),
    # 1.204× is shown as 1.20×, and counted as it is shown.
    ("edge", 1, _run(100, 12.04), {"tipg": _run(50, 20.0)}, 10.0, (12.0, 10.0)),
    ("edge", 16, _run(150, 100.0), {"tipg": _run(100, 150.0)}, 10.0, None),
]


def test_goals_count_every_cell_and_name_the_ones_met() -> None:
    lines = _goals(ROWS).splitlines()
    assert lines[0] == "Goals, cell by cell:"
    # Throughput: the floor is not one of the cases; large at 1 client is 0.83×.
    assert lines[1] == (
        "- throughput at least tipg's: 5 of 6 cells (0.83–10.00×); met: small, 1 client(s) "
        "3.00×, small, 16 client(s) 1.40×, large, 16 client(s) 10.00×, edge, 1 client(s) "
        "2.00×, edge, 16 client(s) 1.50×"
    )
    assert lines[2].startswith("- throughput at least 1.5× tipg's: 4 of 6 cells")
    assert lines[3] == (
        "- API p50 within 1.2× its query in process (end to end): 2 of 3 cells "
        "(1.20–2.00×); met: large 1.20×, edge 1.20×"
    )
    assert lines[4] == (
        "- Server-Timing app within 1.2× its db (on the server): 2 of 3 cells "
        "(1.07–1.50×); met: large 1.07×, edge 1.20×"
    )
    assert lines[5] == "- HTTP floor (no database), p50 at 1 client: 0.25 ms"


def test_all_cells_met_lists_none_by_name() -> None:
    rows = [r for r in ROWS if r[0] in ("floor", "edge")]
    assert _goals(rows).splitlines()[1] == (
        "- throughput at least tipg's: 2 of 2 cells (1.50–2.00×)"
    )


# timvt serves tiles only: its goals count the tiles cells alone, and its columns show a dash
# for the rest.
PEER_ROWS = [
    ("items", 1, _run(900, 1.0), {"tipg": _run(300, 3.0)}, 0.5, (0.9, 0.6)),
    ("tiles", 1, _run(900, 1.0), {"tipg": _run(300, 3.0), "timvt": _run(700, 1.3)}, 0.5,
     (0.9, 0.6)),
    ("tiles", 16, _run(1500, 10.0), {"tipg": _run(500, 30.0), "timvt": _run(900, 17.0)}, 0.5,
     None),
]  # fmt: skip


def test_each_peer_is_counted_over_the_cells_it_has() -> None:
    lines = _goals(PEER_ROWS, ["tipg", "timvt"]).splitlines()
    assert lines[1] == "- throughput at least tipg's: 3 of 3 cells (3.00–3.00×)"
    assert lines[3] == "- throughput at least timvt's: 2 of 2 cells (1.29–1.67×)"
    assert lines[4] == (
        "- throughput at least 1.5× timvt's: 1 of 2 cells (1.29–1.67×); "
        "met: tiles, 16 client(s) 1.67×"
    )


def test_the_table_shows_a_dash_where_a_peer_has_no_such_case() -> None:
    table = _table(PEER_ROWS, ["tipg", "timvt"]).splitlines()
    assert table[0].count("|") == table[1].count("|")
    items, tiles = table[2], table[3]
    assert "| 300 | 3.00 / 6.00 | **3.00×** | – | – | – |" in items
    assert "| 700 | 1.30 / 2.60 | **1.29×** |" in tiles
    assert all(row.count("|") == table[0].count("|") for row in table[2:])


def test_a_run_without_one_client_still_counts_its_cells() -> None:
    # `--concurrency 16` alone: a case with a query has no time in process (NaN), the floor
    # none (None); the throughput is counted all the same.
    rows = [
        ("floor", 16, _run(6000, 2.0), {"timvt": _run(2000, 7.0)}, None, None),
        ("tiles", 16, _run(1500, 10.0), {"timvt": _run(1000, 17.0)}, float("nan"), None),
    ]
    lines = _goals(rows, ["timvt"]).splitlines()
    assert lines[1] == "- throughput at least timvt's: 1 of 1 cells (1.50–1.50×)"
