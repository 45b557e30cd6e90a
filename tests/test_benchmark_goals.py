"""The OGC benchmark's goals summary counts each cell of its table against the issue's
goals, as the table shows it (no server is started here: the rows are made up)."""

from __future__ import annotations

from benchmarks.ogc import Run, _goals


def _run(rps: float, p50_ms: float) -> Run:
    return Run(rps=rps, p50=p50_ms / 1000, p95=p50_ms / 500, errors=0, cpu_ms=0.5)


ROWS = [
    # name, clients, ours, tipg, query in process (ms), Server-Timing (app, db) ms
    ("floor", 1, _run(4000, 0.25), _run(1300, 0.7), None, (0.1, float("nan"))),
    ("floor", 16, _run(6000, 2.0), _run(2000, 7.0), None, None),
    ("small", 1, _run(900, 1.0), _run(300, 3.0), 0.5, (0.9, 0.6)),
    ("small", 16, _run(1400, 10.0), _run(1000, 30.0), 0.5, None),
    ("large", 1, _run(50, 18.0), _run(60, 60.0), 15.0, (16.0, 15.0)),
    ("large", 16, _run(100, 150.0), _run(10, 1000.0), 15.0, None),
    # 1.204× is shown as 1.20×, and counted as it is shown.
    ("edge", 1, _run(100, 12.04), _run(50, 20.0), 10.0, (12.0, 10.0)),
    ("edge", 16, _run(150, 100.0), _run(100, 150.0), 10.0, None),
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
