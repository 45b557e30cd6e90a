"""Serving an ASGI app for a benchmark: one uvicorn process, one worker, a loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PLATFORM = ["--factory", "api.app:create_app"]
PG_SH = Path(__file__).resolve().parents[1] / "scripts" / "pg.sh"


class BaseURL(str):
    """The served app's base URL, carrying the server process's pid (for its CPU time)."""

    pid: int


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """The process's resident memory (VmRSS) in MiB; 0 for one that is gone, or a zombie
    not yet reaped (no VmRSS): either holds no memory."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    """The process's child processes; none for one that is gone."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants, parents before children."""
    out = [pid]
    for child in children(pid):
        out += process_tree(child)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(
    args: list[str], env: dict, ready_path: str = "/healthz", python: str = sys.executable
) -> Iterator[BaseURL]:
    """Base URL of `uvicorn *args` with `env` added, once `ready_path` answers 200. `python`
    is the interpreter to run it with: a peer's own venv (`benchmarks/ogc.py`)."""
    port = free_port()
    cmd = [python, "-m", "uvicorn", *args, "--host", "127.0.0.1", "--port", str(port),
           "--workers", "1", "--log-level", "warning", "--no-access-log"]  # fmt: skip
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.DEVNULL)
    base = BaseURL(f"http://127.0.0.1:{port}")
    base.pid = proc.pid
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"{' '.join(args)} exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(base + ready_path, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{' '.join(args)} did not start")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass
class PrimaryAndReplica:
    """A cluster of its own and a `pg_basebackup -R` hot standby of it (`scripts/pg.sh`)."""

    primary_url: str
    replica_url: str
    env: dict[str, str]

    def pg(self, *args: str) -> None:
        subprocess.run(["bash", str(PG_SH), *args], env=self.env, check=True, capture_output=True)


@contextmanager
def primary_and_replica(
    prefix: str, prepare: Callable[[PrimaryAndReplica], None]
) -> Iterator[PrimaryAndReplica]:
    """Starts a primary, lets `prepare` fill it (migrate, load), streams it to a standby,
    and takes both down after. Under /var/tmp, where the postgres system user can reach it
    (the checkout may be closed to it)."""
    base = tempfile.mkdtemp(prefix=prefix, dir="/var/tmp")
    os.chmod(base, 0o755)
    port, replica_port = free_port(), free_port()
    env = {
        **os.environ,
        "PGDATA_DIR": f"{base}/primary",
        "PGREPLICA_DATA_DIR": f"{base}/replica",
        "PGPORT": str(port),
        "PGREPLICA_PORT": str(replica_port),
        "PGDATABASE_NAME": "vollsmose",
    }
    pair = PrimaryAndReplica(
        f"postgresql+psycopg://postgres@127.0.0.1:{port}/vollsmose",
        f"postgresql+psycopg://postgres@127.0.0.1:{replica_port}/vollsmose",
        env,
    )
    try:
        pair.pg("start")
        prepare(pair)
        pair.pg("replica", "start")
        yield pair
    finally:
        pair.pg("replica", "stop")
        pair.pg("stop")
        shutil.rmtree(base, ignore_errors=True)
