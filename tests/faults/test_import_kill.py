"""kill -9 of the CLI during an import, at several moments within its transaction: afterwards
the import is all or nothing (every table's rows as before, or as after; never between).

The imports: `vollsmose load-reference` (every table of the plan, land, monitoring and
criteria) and `vollsmose criteria import` (indicator values, one upsert). The moments are
taken from when the CLI's session is seen inside a transaction, so each kill lands in it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from gis import migrate
from tests.faults.conftest import Cluster
from tests.support import wait_until

VOLLSMOSE = str(Path(sys.executable).with_name("vollsmose"))
# Where within the import's transaction each kill lands, as a share of its length.
MOMENTS = (0.05, 0.5, 0.9)
# Slows each criteria row's upsert (a trigger on the throwaway database), so that the
# one-statement import lasts long enough to be killed at several moments within it.
ROW_DELAY_S = 0.002


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as c:
        tables = c.execute(
            text(
                "SELECT quote_ident(table_name) FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' "
                "ORDER BY table_name"
            )
        ).scalars()
        counts = {t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}
    engine.dispose()
    return counts


def _in_transaction(url: str, database: str) -> bool:
    engine = create_engine(url)
    with engine.connect() as c:
        n = c.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = :db "
                "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
            ),
            {"db": database},
        ).scalar_one()
    engine.dispose()
    return n > 0


def _cli(url: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "VOLLSMOSE_LOG_LEVEL": "warning"}
    return subprocess.Popen(
        [VOLLSMOSE, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def _timed(cluster: Cluster, database: str, url: str, args: tuple[str, ...]) -> float:
    """Runs the import to its end; how long its transaction lasted."""
    proc = _cli(url, *args)
    assert wait_until(lambda: _in_transaction(cluster.url(), database), timeout=60, step=0.02)
    began = time.monotonic()
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out.decode()[-2000:]
    return time.monotonic() - began


def _kill_at(cluster: Cluster, database: str, url: str, args: tuple[str, ...], delay: float):
    proc = _cli(url, *args)
    seen = wait_until(
        lambda: proc.poll() is None and _in_transaction(cluster.url(), database),
        timeout=60,
        step=0.02,
    )
    assert seen, "the import's transaction was never seen"
    time.sleep(delay)
    landed = proc.poll() is None and _in_transaction(cluster.url(), database)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    # The server ends the dead client's session and rolls its transaction back.
    assert wait_until(lambda: not _in_transaction(cluster.url(), database), timeout=10)
    return landed


@pytest.fixture(scope="module")
def empty_template(cluster: Cluster) -> str:
    url = cluster.create_database("kill_empty")
    engine = create_engine(url)
    with engine.begin() as conn:
        migrate.upgrade(conn)
    engine.dispose()
    return "kill_empty"


@pytest.fixture(scope="module")
def loaded(cluster: Cluster, empty_template: str) -> tuple[str, float]:
    """A database the CLI loaded to the end, and how long its transaction lasted."""
    url = cluster.create_database("kill_full", template=empty_template)
    return "kill_full", _timed(cluster, "kill_full", url, ("load-reference",))


def test_kill_during_load_reference_is_all_or_nothing(cluster, empty_template, loaded):
    before = _counts(cluster.url(empty_template))
    args = ("load-reference",)
    full, length = loaded
    after = _counts(cluster.url(full))
    assert after != before
    landed = 0
    for n, moment in enumerate(MOMENTS):
        # The import's length was measured once; on a machine busier now than then a late
        # moment can come after its end: try that moment again, earlier, a few times.
        delay = moment * length
        for attempt in range(3):
            name = f"kill_load_{n}_{attempt}"
            url = cluster.create_database(name, template=empty_template)
            hit = _kill_at(cluster, name, url, args, delay)
            counts = _counts(url)
            assert counts in (before, after), (
                moment,
                {t: (before[t], counts[t], after[t]) for t in counts if counts[t] != before[t]},
            )
            if hit:
                landed += 1
                break
            delay /= 2
    assert landed >= len(MOMENTS) - 1, "the kills came after the import had ended"


def _values_csv(url: str, marker: str) -> str:
    engine = create_engine(url)
    with engine.connect() as c:
        slugs = c.execute(text("SELECT slug FROM area ORDER BY slug")).scalars().all()
    engine.dispose()
    lines = [
        "area,year,residents,outside_work,convicted,basic_school,income,non_western,"
        "published,illustrative,data_source"
    ]
    for slug in slugs:
        for year in range(2000, 2051):
            lines.append(f"{slug},{year},4242,40.0,1.0,50.0,60.0,30.0,false,true,{marker}")
    return "\n".join(lines) + "\n"


def test_kill_during_criteria_import_is_all_or_nothing(cluster, loaded, tmp_path):
    url = cluster.create_database("kill_criteria", template=loaded[0])
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(
            text(
                "CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN PERFORM pg_sleep({ROW_DELAY_S}); RETURN NEW; END $$"
            )
        )
        c.execute(
            text(
                "CREATE TRIGGER slow_row BEFORE INSERT OR UPDATE ON criteria_value "
                "FOR EACH ROW EXECUTE FUNCTION slow_row()"
            )
        )
    engine.dispose()

    def marked() -> tuple[int, int]:
        e = create_engine(url)
        with e.connect() as c:
            row = c.execute(
                text(
                    "SELECT count(*), count(*) FILTER (WHERE data_source LIKE 'kill-test%') "
                    "FROM criteria_value"
                )
            ).one()
        e.dispose()
        return tuple(row)

    csv_file = tmp_path / "values.csv"
    csv_file.write_text(_values_csv(url, "kill-test"))
    before = marked()
    rows = csv_file.read_text().count("\n") - 1
    landed = 0
    for moment in MOMENTS:
        # The whole import lasts about rows x ROW_DELAY_S.
        landed += _kill_at(
            cluster,
            "kill_criteria",
            url,
            ("criteria", "import", str(csv_file)),
            moment * rows * ROW_DELAY_S,
        )
        assert marked() == before, f"a partial import after a kill at {moment:.0%}"
    assert landed >= len(MOMENTS) - 1, "the kills came after the import had ended"
    proc = _cli(url, "criteria", "import", str(csv_file))
    assert proc.wait(timeout=120) == 0
    total, with_marker = marked()
    assert with_marker == rows and total >= rows
