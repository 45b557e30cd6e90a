"""A real primary and a real hot standby, started for the session by `scripts/pg.sh`.

The primary is a cluster of its own (not the shared test server, whose base backup would
copy every engineer's databases): initdb, migrated, the reference data and a token per role
loaded, then `pg_basebackup -R` streams it to the standby. About 5 s in all.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from benchmarks.serving import PG_SH, PrimaryAndReplica, primary_and_replica
from tests.support import prepared_database


@dataclass
class Pair:
    """The primary's and the replica's URLs, a token per role, and the standby's controls."""

    primary_url: str
    replica_url: str
    tokens: dict[str, str]
    env: dict[str, str]

    def bearer(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def pg(self, *args: str) -> None:
        subprocess.run(["bash", str(PG_SH), *args], env=self.env, check=True, capture_output=True)

    def stop_replica(self) -> None:
        self.pg("replica", "stop")

    def start_replica(self) -> None:
        self.pg("replica", "start")

    def on_replica(self, sql: str):
        engine = create_engine(self.replica_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as c:
                result = c.execute(text(sql))
                return result.scalar() if result.returns_rows else None
        finally:
            engine.dispose()

    def caught_up(self, timeout: float = 60) -> None:
        """Waits until the replica has replayed all the primary has written."""
        primary = create_engine(self.primary_url)
        try:
            with primary.connect() as c:
                target = c.execute(text("SELECT pg_current_wal_lsn()")).scalar()
        finally:
            primary.dispose()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.on_replica(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
                return
            time.sleep(0.05)
        # What the standby says of its stream, and its log: a receiver that never connected
        # and one that fell behind read differently.
        receiver = self.on_replica(
            "SELECT coalesce(json_agg(r)::text, 'no WAL receiver')"
            " FROM (SELECT status, flushed_lsn, latest_end_lsn, last_msg_receipt_time"
            " FROM pg_stat_wal_receiver) r"
        )
        replayed = self.on_replica("SELECT pg_last_wal_replay_lsn()::text")
        log = Path(self.env["PGREPLICA_DATA_DIR"], "server.log")
        tail = log.read_text()[-2000:] if log.exists() else "(no log)"
        raise AssertionError(
            f"the replica did not catch up to {target} in {timeout:.0f} s: replayed"
            f" {replayed}; {receiver}\n{tail}"
        )


@pytest.fixture(scope="session")
def pair() -> Iterator[Pair]:
    from gis import auth
    from gis.reference import default_reference_path, load_reference

    tokens: dict[str, str] = {}

    def load(conn):
        load_reference(conn, default_reference_path())
        for role in ("planner", "developer_company", "admin"):
            tokens[role] = auth.create_token(conn, f"{role}-writer", role)

    def prepare(started: PrimaryAndReplica) -> None:
        prepared_database(lambda: started.primary_url, load)

    with primary_and_replica("vollsmose-replication-", prepare) as started:
        yield Pair(started.primary_url, started.replica_url, tokens, started.env)
