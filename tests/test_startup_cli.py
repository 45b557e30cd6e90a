"""`make run`'s one command: `vollsmose serve --upgrade --load-reference-if-empty` migrates an
empty database and loads the reference data before it serves, once however many start at
the same moment, and on a full database does nothing but serve."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from gis import migrate
from tests.support import Server, free_port, stop_server

VOLLSMOSE = str(Path(sys.executable).with_name("vollsmose"))
START = [VOLLSMOSE, "serve", "--upgrade", "--load-reference-if-empty"]


def test_the_head_read_from_the_files_is_alembics():
    # The cheap head (the files' revision lines) against Alembic's own reading of them.
    alembic_heads = ScriptDirectory.from_config(migrate.alembic_config()).get_heads()
    assert migrate.heads() == frozenset(alembic_heads)


def _start(url: str, log: Path) -> Server:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "PORT": str(port), "VOLLSMOSE_LOG_LEVEL": "warning"}
    out = log.open("wb")
    proc = subprocess.Popen(START, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Server(f"http://127.0.0.1:{port}", proc, log)


def _serving(server: Server, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.process.poll() is None, server.log.read_text()[-3000:]
        try:
            with urllib.request.urlopen(server.url + "/areas", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing served on {server.url}: {server.log.read_text()[-3000:]}")


@pytest.mark.slow
def _counts(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return tuple(
                conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("area", "building")
            )
    finally:
        engine.dispose()


def test_one_command_migrates_and_loads_an_empty_database_once(
    new_database, ref_database_url, tmp_path
):
    url = new_database()
    # Two workers (or machines) starting together on the empty database.
    servers = [_start(url, tmp_path / f"first-{i}.log") for i in range(2)]
    try:
        for s in servers:
            _serving(s)
        with urllib.request.urlopen(servers[0].url + "/areas", timeout=5) as r:
            assert "vollsmose" in [a["slug"] for a in json.load(r)]
    finally:
        for s in servers:
            stop_server(s)
    said = [s.log.read_text() for s in servers]
    # The reference data, once: as many areas and buildings as the suite's reference database.
    assert _counts(url) == _counts(ref_database_url)
    assert sum("database upgraded to" in out for out in said) == 1, said
    assert sum("loaded vollsmose.gpkg" in out for out in said) == 1, said

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert migrate.is_current(conn)
            changes = conn.execute(text("SELECT count(*) FROM plan_change")).scalar_one()

        # A full database: nothing migrated, nothing loaded, nothing written; it serves.
        again = _start(url, tmp_path / "again.log")
        try:
            _serving(again)
        finally:
            stop_server(again)
        out = again.log.read_text()
        assert "upgraded" not in out and "loaded" not in out, out
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM plan_change")).scalar_one() == changes
    finally:
        engine.dispose()


def test_db_upgrade_on_a_current_database_says_so(ref_database_url):
    env = {**os.environ, "DATABASE_URL": ref_database_url}
    done = subprocess.run(
        [VOLLSMOSE, "db", "upgrade"], env=env, capture_output=True, text=True, check=True
    )
    assert "already at head" in done.stdout
