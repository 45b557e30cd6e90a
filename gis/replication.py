"""Reads from PostgreSQL streaming replicas, writes to the primary, and read-your-writes.

A hot standby (`pg_basebackup -R`, streaming) answers the platform's reads as the primary
would, a moment later. Which server answers a read:

- a read that carries no commit position goes to a replica that is up and whose replay is
  within `max_lag` seconds of the primary; else to the primary;
- a read that carries one (the WAL position a write of the same client committed at,
  `commit_lsn`) goes to such a replica only when its `pg_last_wal_replay_lsn()` has reached
  that position, else to the primary: a client always reads its own writes.

What each replica has replayed is probed in the background (`Replication.start`, every
`PROBE_SECONDS`), so choosing costs a read nothing: no round trip of its own. Lag is measured
in time, not bytes: the primary's WAL position is sampled at each probe, and a replica's lag
is how long ago the primary was where the replica is now (a replica that has replayed all the
primary had 3 s ago lags 3 s, however much was written since).

A replica that stops is found two ways: the probe marks it down, and between probes a
pooled connection to it that the server closed is seen before it is handed out (its socket
is readable: a server that shuts down tells its clients, and an idle connection is otherwise
told nothing), so the read opens a new one, which fails, and the read falls back to the
primary (`Replication.fell_back`) without an error.
"""

from __future__ import annotations

import itertools
import logging
import re
import select
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine

from gis.errors import InvalidQuery

log = logging.getLogger(__name__)

# How often each process asks every server where its WAL is. A write's own client reads from
# the primary until a probe has seen a replica past its write: at most this long, plus the
# replica's own delay, after the write.
PROBE_SECONDS = 0.25
STALE_SECONDS = 2.0

# pg_lsn's text form: two hexadecimal halves of a 64-bit WAL position.
_LSN = re.compile(r"^([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})$")

_PRIMARY_SQL = text("SELECT pg_current_wal_lsn()::text")
# On a standby: what it has replayed (the data its queries see), and whether it is one.
# The age of the last transaction it replayed (the primary's commit time, the replica's
# clock): how a process that has not watched the primary long enough judges a lag.
_REPLICA_SQL = text(
    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,"
    " extract(epoch FROM now() - pg_last_xact_replay_timestamp())"
)


def parse_lsn(value: str, name: str = "Vollsmose-Min-LSN") -> int:
    """A WAL position ('16/B374D848') as an integer; a 400 naming `name` if it is none."""
    m = _LSN.match(value.strip())
    if m is None:
        raise InvalidQuery(name, f"{name} must be a WAL position such as '0/3000148'.")
    return (int(m.group(1), 16) << 32) | int(m.group(2), 16)


def format_lsn(lsn: int) -> str:
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def commit_lsn(conn) -> int:
    """The primary's WAL position after a transaction on `conn` committed: every replica that
    has replayed this far sees the commit (the commit record is written before the commit
    returns, and the write position is never behind it)."""
    return parse_lsn(conn.exec_driver_sql("SELECT pg_current_wal_lsn()::text").scalar_one())


@dataclass
class Replica:
    """One standby: its engines (the same kinds as the primary's) and what the probe saw."""

    name: str
    url: str
    engine: Engine
    read_engine: AsyncEngine
    # A confidential reader's reads (gis.db.make_confidential_read_engine).
    confidential_read_engine: AsyncEngine
    up: bool = False
    replay_lsn: int = 0
    lag: float = float("inf")  # seconds; inf until a probe has placed it
    seen: float = float("-inf")  # time.monotonic() of the last probe that reached it
    probe: Engine = field(repr=False, default=None)  # type: ignore[assignment]


class Replication:
    """The primary's and the replicas' engines of one process, and which answers a read.

    `make_engines(url)` returns the engines the platform reads with (sync, async, and the
    async one of confidential reads), so a replica's sessions start exactly as the
    primary's do (the role, the options)."""

    def __init__(
        self,
        primary_url: str,
        replica_urls: list[str],
        make_engines,
        *,
        max_lag: float,
        connect_timeout: int = 5,
    ) -> None:
        self.max_lag = max_lag
        self._connect_timeout = connect_timeout
        self.replicas: list[Replica] = []
        for i, url in enumerate(replica_urls, start=1):
            engine, read_engine, confidential = make_engines(url)
            for each in (engine, read_engine.sync_engine, confidential.sync_engine):
                _drop_closed_on_checkout(each)
            self.replicas.append(
                Replica(
                    f"replica-{i}",
                    url,
                    engine,
                    read_engine,
                    confidential,
                    probe=self._probe_engine(url),
                )
            )
        self._primary_probe = self._probe_engine(primary_url)
        # (monotonic time, the primary's WAL position then), for measuring lag in time.
        self._samples: deque[tuple[float, int]] = deque()
        self._turn = itertools.count()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _probe_engine(self, url: str) -> Engine:
        # One connection kept per server (a new one at every probe would fork a backend four
        # times a second per worker); one that fails is dropped by the pool, so the probe
        # after a failure connects afresh.
        return create_engine(
            url,
            pool_size=1,
            max_overflow=0,
            connect_args={
                "connect_timeout": self._connect_timeout,
                "application_name": "vollsmose-probe",
                # A server that stops answering (not just refusing) fails the probe too.
                "tcp_user_timeout": self._connect_timeout * 1000,
            },
        )

    # -- choosing ------------------------------------------------------------------------
    def choose(self, min_lsn: int | None = None) -> Replica | None:
        """The replica to read from, or None for the primary. No I/O."""
        # What a probe saw longer ago than this is no longer known (a probe stuck on a
        # server that stopped answering): that replica is not read from meanwhile.
        fresh = time.monotonic() - STALE_SECONDS
        usable = [
            r
            for r in self.replicas
            if self._usable(r, fresh) and (min_lsn is None or r.replay_lsn >= min_lsn)
        ]
        if not usable:
            return None
        return usable[next(self._turn) % len(usable)]

    def _usable(self, r: Replica, fresh: float) -> bool:
        return r.up and r.seen >= fresh and r.lag <= self.max_lag

    def fell_back(self, replica: Replica, exc: BaseException) -> None:
        """A read could not reach `replica`: no read goes there until a probe finds it up."""
        if replica.up:
            log.warning("replica %s unreachable, reading from the primary: %s", replica.name, exc)
        replica.up = False

    # -- probing -------------------------------------------------------------------------
    def probe(self) -> None:
        """Asks the primary and every replica where they are (once; the thread repeats it)."""
        now = time.monotonic()
        try:
            with self._primary_probe.connect() as c:
                primary = parse_lsn(c.execute(_PRIMARY_SQL).scalar_one())
        except Exception as exc:  # noqa: BLE001 - a probe that fails must not end the thread
            log.warning("replication probe: primary unreachable: %s", exc)
            primary = None
        with self._lock:
            if primary is not None:
                self._samples.append((now, primary))
            # Keep what can tell a lag up to the bound, and one sample older than that.
            while len(self._samples) > 2 and self._samples[1][0] < now - self.max_lag - 1:
                self._samples.popleft()
            samples = list(self._samples)
        for r in self.replicas:
            try:
                with r.probe.connect() as c:
                    recovering, replayed, replayed_age = c.execute(_REPLICA_SQL).one()
            except Exception as exc:  # noqa: BLE001
                if r.up:
                    log.warning("replica %s down: %s", r.name, exc)
                r.up = False
                continue
            if not recovering or replayed is None:
                # Promoted, or not a standby at all: its data may part from the primary's.
                if r.up or r.lag != float("inf"):
                    log.warning("replica %s is not a streaming standby; not read from", r.name)
                r.up, r.lag = False, float("inf")
                continue
            r.replay_lsn = parse_lsn(replayed)
            lag = _lag(samples, r.replay_lsn, now)
            if lag is None:
                # Behind everything this process has seen of the primary: at most as far
                # behind as its last replayed commit is old (unknown: none replayed yet).
                lag = float(replayed_age) if replayed_age is not None else float("inf")
            r.lag = lag
            r.seen = now
            r.up = True

    def start(self) -> None:
        """Probes once now (the first reads already know the replicas), then every
        PROBE_SECONDS in a daemon thread until `stop`."""
        self.probe()
        self._thread = threading.Thread(target=self._run, name="replication-probe", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(PROBE_SECONDS):
            self.probe()

    async def dispose(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        for r in self.replicas:
            r.engine.dispose()
            await r.read_engine.dispose()
            await r.confidential_read_engine.dispose()
            r.probe.dispose()
        self._primary_probe.dispose()

    def status(self, *, detail: bool = False) -> list[dict]:
        """What the probe last saw of each replica, by name (never its URL): whether it is up
        and takes the reads that carry no position; with `detail` (an operator's), also its
        lag and the WAL position it replayed. Those move at every commit on the primary,
        whatever it wrote, a sale's too, whose moment is not everyone's
        (gis.land.confidential), where the data version of others does not."""
        fresh = time.monotonic() - STALE_SECONDS
        out = []
        for r in self.replicas:
            row = {"name": r.name, "up": r.up and r.seen >= fresh}
            if detail:
                row["lag_seconds"] = None if r.lag == float("inf") else round(r.lag, 3)
                row["replay_lsn"] = format_lsn(r.replay_lsn) if r.replay_lsn else None
            row["read_from"] = self._usable(r, fresh)
            out.append(row)
        return out


def _lag(samples: list[tuple[float, int]], replayed: int, now: float) -> float | None:
    """How long ago the primary was at or before `replayed`, by the samples (oldest first):
    0 when the replica has all the newest sample had; None when it is behind them all."""
    if not samples or replayed >= samples[-1][1]:
        return 0.0
    # The replica has everything of the primary's newest sample at or below `replayed`, and
    # lacks the next one's: it lags since the primary passed that point, at the latest at
    # the next sample's time.
    for (_, lsn), (t_next, _) in zip(reversed(samples[:-1]), reversed(samples[1:]), strict=True):
        if lsn <= replayed:
            return max(0.0, now - t_next)
    return None


def _drop_closed_on_checkout(engine: Engine) -> None:
    """A pooled connection whose socket has something to read while idle has been closed by
    its server (a standby that shut down says so, then closes): drop it before a read gets
    it. A poll of the socket, no round trip."""

    @event.listens_for(engine, "checkout")
    def _closed(dbapi_conn, record, proxy) -> None:
        fileno = record.driver_connection.fileno()
        try:
            readable, _, _ = select.select([fileno], [], [], 0)
        except (OSError, ValueError) as exc:
            raise DisconnectionError("replica connection closed") from exc
        if readable:
            raise DisconnectionError("replica connection closed by its server")
