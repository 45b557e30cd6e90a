"""A PostgreSQL cluster of the fault tests' own, to restart and stop at will: the shared test
cluster is never restarted. Made with initdb and pg_ctl in a temporary directory on a free
port, as the `postgres` system user when run as root (PostgreSQL refuses root), as
scripts/pg.sh does."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support import free_port

BINDIR = Path(os.environ.get("PG_BINDIR", "/usr/lib/postgresql/15/bin"))


def _as_owner(args: list[str]) -> None:
    if os.getuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    # Output to a file, not a pipe: a postmaster pg_ctl starts inherits it, and a pipe would
    # stay open (and `run` waiting) for as long as the server runs.
    with tempfile.TemporaryFile() as out:
        done = subprocess.run(args, cwd="/", stdout=out, stderr=out, timeout=90)
        if done.returncode:
            out.seek(0)
            raise subprocess.CalledProcessError(done.returncode, args, out.read())


@dataclass
class Cluster:
    datadir: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def pg_ctl(self, *args: str) -> None:
        _as_owner([str(BINDIR / "pg_ctl"), "-D", str(self.datadir), "-w", "-t", "60", *args])

    @property
    def _options(self) -> list[str]:
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.datadir} -c fsync=off"
        return ["-l", str(self.datadir / "server.log"), "-o", opts]

    def start(self) -> None:
        self.pg_ctl(*self._options, "start")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-m", mode, "stop")

    def restart(self) -> None:
        self.pg_ctl(*self._options, "-m", "fast", "restart")

    def create_database(self, name: str, template: str | None = None) -> str:
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(
                text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
            )
        admin.dispose()
        return self.url(name)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    if not (BINDIR / "initdb").exists():
        pytest.fail(f"{BINDIR}/initdb is missing: run scripts/system-deps.sh")
    datadir = Path(tempfile.mkdtemp(prefix="vollsmose-faults-"))
    if os.getuid() == 0:
        shutil.chown(datadir, "postgres", "postgres")
    _as_owner(
        [
            str(BINDIR / "initdb"),
            "-D",
            str(datadir),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        ]
    )
    c = Cluster(datadir, free_port())
    c.start()
    try:
        yield c
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already down
            c.stop("immediate")
        shutil.rmtree(datadir, ignore_errors=True)
