"""The plan as a record: which version of the plan a read answers, and the change a write is.

Two axes beside the features' own life (valid time, in event years):
- the **scenario**: a named line of the plan. "vedtaget" is the adopted plan and the
  default; every other scenario branches from it and stores only its own differences;
- the **recorded** time (transaction time): the plan as it was recorded at that instant.
  Every plan row keeps when it was recorded and when it was superseded (migration 0010).

`PlanView` names one (scenario, recorded) pair. `enter(conn, view)` makes every query on
`conn` until its transaction ends answer that version: it puts the `plan_view` schema, whose
views are named as the plan tables, first on the search_path and names the version in
session settings the views read. The adopted plan as it stands now needs nothing: the plan
tables themselves are that version, so its reads cost what they always did.

Land data goes by the year for a reader who may not read sale data (issue 15, migration
0026): the land tables' views (parcel, parcel_land) answer such a reader as recorded at the
end of the year asked for (now, within the current year), with opaque change ids
(`MASKED_CHANGE_MIN`, `masked_tag`) and `recorded_from` by the year. The database decides it
in each statement from the role the statement runs as, not from the settings `enter` makes,
so a connection that keeps a version's settings between requests (the read engine's) gives
the public and the company each their own answer.

`begin_change(conn, ...)` opens a change for a write: an audit row (who, when, why), taken
after the writer has serialised with every other writer, so that recorded times follow the
order of commits and no two writers interleave.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, TextClause, event, text
from sqlalchemy.exc import DisconnectionError

from gis.db import (
    KEPT,
    KEPT_AT_COMMIT,
    elevated,
    name_driver_connection,
    name_the_version,
    note_kept,
)
from gis.errors import InvalidQuery, NotFound, PreconditionFailed, PreconditionRequired

ADOPTED = "vedtaget"
ADOPTED_ID = 1
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# A date alone, or a date-time without an offset, is Danish time: the plan's own clock.
LOCAL = ZoneInfo("Europe/Copenhagen")
# The reference plan is recorded as the plan of 2020 (the Realiseringsplan's year).
REFERENCE_RECORDED = dt.datetime(2020, 1, 1, tzinfo=LOCAL)

# "Now" in the plan_view views (migration 0010's vm_recorded): after every recorded time,
# before the 'infinity' that closes no current row.
NOW = "294276-01-01T00:00:00Z"

CHANGE_KINDS = ("edit", "create", "delete", "restore", "adopt", "import", "load", "sql")


@dataclass(frozen=True)
class PlanView:
    """A version of the plan: a scenario's slug, and a recorded instant (None: now)."""

    scenario: str = ADOPTED
    recorded: dt.datetime | None = None

    @property
    def is_current_adopted(self) -> bool:
        return self.scenario == ADOPTED and self.recorded is None

    def key(self) -> str:
        """A short text naming the version, for cache keys and ETags."""
        if self.is_current_adopted:
            return ""
        at = self.recorded.astimezone(dt.UTC).isoformat() if self.recorded else ""
        return f"{self.scenario}@{at}"


CURRENT = PlanView()


def parse_scenario(value: str | None) -> str:
    if value is None or value == "":
        return ADOPTED
    if not SLUG.match(value):
        raise InvalidQuery(
            "scenario", "scenario: a scenario's slug (lower-case letters, digits and '-')."
        )
    return value


def parse_recorded(value: str | None, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """`recorded`: an RFC 3339 date-time, or a date (the plan as recorded at the end of that
    day, Danish time). None or empty: now. The future is refused: what the plan will say
    then is not known yet."""
    if value is None or value.strip() == "":
        return None
    v = value.strip()
    try:
        if len(v) == 10:
            day = dt.date.fromisoformat(v)
            if day == dt.date.max:  # its end lies beyond any datetime
                raise InvalidQuery("recorded", "recorded: that time has not come yet.")
            at = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), LOCAL)
            at -= dt.timedelta(microseconds=1)
        else:
            at = dt.datetime.fromisoformat(v.replace("z", "Z").replace("Z", "+00:00"))
            if at.tzinfo is None:
                at = at.replace(tzinfo=LOCAL)
    except ValueError:
        raise InvalidQuery(
            "recorded",
            f"recorded: '{value}' is not a date (2021-03-01) or an RFC 3339 date-time "
            "(2021-03-01T12:00:00+01:00).",
        ) from None
    if at.year < 1900:
        raise InvalidQuery("recorded", "recorded: a year before 1900 holds no plan.")
    current = now or dt.datetime.now(dt.UTC)
    try:
        later = at > current
    except OverflowError:  # 9999-12-31T23:00-05:00: in UTC past the last datetime
        later = True
    if later:
        if len(v) == 10 and at - current < dt.timedelta(days=1):
            return None  # today: the plan as recorded so far
        raise InvalidQuery("recorded", "recorded: that time has not come yet.")
    return at


def plan_view(scenario: str | None, recorded: str | None) -> PlanView:
    """The version a request names (both parameters checked, no I/O)."""
    return PlanView(parse_scenario(scenario), parse_recorded(recorded))


# What a read of another version changes in a session beyond naming the version:
# - plan_cache_mode: the generic plan of a prepared statement (psycopg prepares a statement
#   run five times on a connection). The version views are unions whose branches the
#   planner cannot prune at plan time (the version is a setting read when the query runs),
#   so planning them again for each request's values, as a custom plan does, bought
#   nothing: items limit 10 of a scenario in process, 1.2-1.3 ms with custom plans, 0.45 ms
#   with the generic one (benchmarks/README.md, "Scenario and recorded reads").
# - search_path: the version's schema first.
# In a session (`session=True`) the values the session had are kept once, in vm.* settings,
# for `leave` to put back; nested in the search_path's own set_config so that they are kept
# before it changes.
_KEEP = """
    || left(set_config('vm.search_path',
                       coalesce(nullif(current_setting('vm.search_path', true), ''),
                                current_setting('search_path')), false), 0)
    || left(set_config('vm.plan_cache_mode',
                       coalesce(nullif(current_setting('vm.plan_cache_mode', true), ''),
                                current_setting('plan_cache_mode')), false), 0)"""


def _enter_sql(local: bool) -> TextClause:
    scope = "true" if local else "false"
    keep = "" if local else _KEEP
    # The schema: the leaner views of the adopted plan at a recorded time, or of a scenario
    # now that follows its base, else the general ones (migration 0010).
    return text(
        f"""
        SELECT s.id,
               set_config('search_path',
                          CASE WHEN s.id = {ADOPTED_ID} THEN 'plan_recorded, public'
                               WHEN CAST(:recorded AS text) IS NULL AND s.base_recorded IS NULL
                               THEN 'plan_scenario, public'
                               ELSE 'plan_view, public' END {keep}, {scope}) AS search_path,
               set_config('plan_cache_mode', 'force_generic_plan', {scope}),
               set_config('vm.scenario', s.id::text, {scope}),
               set_config('vm.recorded', coalesce(CAST(:recorded AS text), ''), {scope}),
               set_config('vm.base_recorded',
                          CAST(least(coalesce(CAST(:recorded AS timestamptz), :now),
                                     coalesce(s.base_recorded, :now)) AS text),
                          {scope})
        FROM scenario s WHERE s.slug = :slug
        """
    )


_ENTER_LOCAL = _enter_sql(True)
_ENTER_SESSION = _enter_sql(False)
# Back to the adopted plan now: what the session had before its first `enter` (kept in vm.*
# by it; reading the reset value from pg_settings instead cost 0.4 ms, as pg_settings
# builds every setting), no version named.
_LEAVE = text(
    """
    SELECT set_config('search_path', coalesce(nullif(current_setting('vm.search_path', true), ''),
                                              current_setting('search_path')), false),
           set_config('plan_cache_mode',
                      coalesce(nullif(current_setting('vm.plan_cache_mode', true), ''),
                               current_setting('plan_cache_mode')), false),
           set_config('vm.scenario', '', false),
           set_config('vm.recorded', '', false),
           set_config('vm.base_recorded', '', false)
    """
)


def enter(conn: Connection, view: PlanView, *, session: bool = False) -> str | None:
    """Makes the queries on `conn` answer `view`: until its transaction ends, or, with
    `session`, until `leave` (for a connection in autocommit, where a transaction would cost
    two more round trips; its owner must `leave` before it answers the adopted plan again).
    The adopted plan now needs nothing. Returns the schema of the version's views (None for
    the adopted plan now), which `gis.db.name_the_version` names (with `session`, done)."""
    if view.is_current_adopted:
        return None
    recorded = view.recorded.isoformat() if view.recorded else None
    statement = _ENTER_SESSION if session else _ENTER_LOCAL
    row = conn.execute(statement, {"slug": view.scenario, "recorded": recorded, "now": NOW}).first()
    if row is None:
        raise NotFound("scenario", view.scenario)
    schema = row.search_path.split(",")[0]
    if session:
        # The session's statements name it (for a transaction, its owner names it).
        name_the_version(conn, schema)
    return schema


def leave(conn: Connection) -> None:
    """Undoes `enter(..., session=True)`."""
    name_the_version(conn, None)
    conn.execute(_LEAVE)


# The API's read connections keep the session settings of the version they last answered
# (`keep`), so that the next read of that version there costs no statement of its own.
# Bumped when the database refuses a kept scenario id (deleted since, or made again under its
# slug: SQLSTATE VM404, migration 0022): every connection's kept settings then count as
# unknown, and its next read sets them from the slug again.
_epoch = [0]


def forget_kept() -> None:
    """Every kept version of this process's connections is set again at its next read."""
    _epoch[0] += 1


# Where `keep` notes the schema of the version kept, beside its mark.
_KEPT_SCHEMA = "vm_plan_view_schema"


def keep(conn: Connection, view: PlanView) -> str | None:
    """Makes `conn` answer `view` with session settings it keeps for its next read: nothing
    to do when they are those of `view` already, else `enter(..., session=True)`, or
    `leave` for the adopted plan now. Returns the schema of the version's views, as `enter`.

    The version is noted in the pool record (`gis.db.KEPT`): at once on a connection in
    autocommit, at the commit of its transaction on any other (`gis.db.close_read`; a
    transaction rolled back takes the settings back, and the next read sets them again).
    A connection taken for anything but such a read gives the settings back first
    (`reset_on_checkout`)."""
    info = conn.info
    mark = info.get(KEPT)
    if view.is_current_adopted:
        if mark is None:
            return None
        at_commit = None
    else:
        at_commit = (view.key(), _epoch[0])
        if mark == at_commit:
            return info[_KEPT_SCHEMA]
    info[KEPT] = True  # until the settings are known to be in effect
    if at_commit is None:
        leave(conn)
        schema = None
    else:
        schema = enter(conn, view, session=True)
        info[_KEPT_SCHEMA] = schema
    if conn.connection.driver_connection.autocommit:
        note_kept(info, at_commit)
    else:
        info[KEPT_AT_COMMIT] = at_commit
    return schema


# Set while a read that keeps versions takes its connection (`taking_to_keep`).
_taking = contextvars.ContextVar("vm_taking_to_keep", default=False)


@contextmanager
def taking_to_keep() -> Iterator[None]:
    """Around `engine.connect()` for a read that calls `keep`: the connection keeps the
    settings it has, which `keep` then looks at."""
    token = _taking.set(True)
    try:
        yield
    finally:
        _taking.reset(token)


def reset_on_checkout(engine: Engine) -> None:
    """A connection of `engine` taken for anything but a read that keeps versions (a write,
    a report) answers the adopted plan now: settings a read kept are given back first."""

    @event.listens_for(engine, "checkout")
    def _reset(dbapi_conn, connection_record, proxy) -> None:
        if connection_record.info.get(KEPT) is None or _taking.get():
            return
        connection_record.info[KEPT] = True
        try:
            with dbapi_conn.cursor() as cursor:
                cursor.execute(_LEAVE.text)
            dbapi_conn.commit()
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("kept plan version not given back") from exc
        name_driver_connection(dbapi_conn, None)
        note_kept(connection_record.info, None)


@dataclass(frozen=True)
class Change:
    id: int
    recorded_at: dt.datetime
    scenario_id: int


def begin_change(
    conn: Connection,
    *,
    actor: str,
    role: str | None,
    kind: str,
    note: str | None = None,
    scenario_id: int = ADOPTED_ID,
    at: dt.datetime | None = None,
) -> Change:
    """Opens a change in `conn`'s transaction; every row written until it commits is
    recorded under it. Call it before reading what the write depends on: it waits for the
    writers before it to commit, so what is read after it is what they left."""
    if kind not in CHANGE_KINDS:
        raise ValueError(f"unknown change kind {kind!r}")
    row = conn.execute(
        text(
            "SELECT id, recorded_at, scenario_id FROM "
            "vm_begin_change(:actor, :role, :kind, :note, :scenario, :at)"
        ),
        {
            "actor": actor,
            "role": role,
            "kind": kind,
            "note": note,
            "scenario": scenario_id,
            "at": at,
        },
    ).one()
    return Change(row.id, row.recorded_at, row.scenario_id)


def scenario_id(conn: Connection, slug: str) -> int:
    found = conn.execute(text("SELECT id FROM scenario WHERE slug = :s"), {"s": slug}).scalar()
    if found is None:
        raise NotFound("scenario", slug)
    return found


def version_tag(change_id: int | None, scenario: str = ADOPTED) -> str:
    """The strong ETag of one feature's version in a scenario: the change that last wrote
    the feature (its row or any part of it, such as a building's dwellings). The same
    version of a feature has the same tag in every representation a client edits from."""
    where = "" if scenario == ADOPTED else f"{scenario}."
    return f'"{where}v{change_id or 0}"'


# A change id as a reader who may not read sale data gets it (`gis.land.confidential.
# opaque_changes`): an opaque number at or above this, never a real change id. A real id is
# a place in the one sequence of changes, so a gap between two public ones would bound the
# time of a sale change (migration 0026 made land rows' ids opaque in the version views).
# Below 2**53, so a JSON number carries it exactly to every client (migration 0037).
MASKED_CHANGE_MIN = 2**52
# `vm_mask_change` keeps an opaque id as it is (migration 0028). It is closed to the reader
# role (migration 0032: called for ids of its choosing it would be an oracle), so it runs
# with the login role's rights, for ids the platform read.
_MASK_ALL = text("SELECT c, vm_mask_change(c) FROM unnest(CAST(:ids AS bigint[])) c")


def is_opaque(change_id: int) -> bool:
    return change_id >= MASKED_CHANGE_MIN


# A connection keeps the opaque ids it has asked for (`Connection.info` lives with the
# database session): the key (`vm_secret`) is written once, when the database is made, so an
# id's opaque id never changes, on any connection of any worker. Most features' versions
# share a few changes (a load, an import), so a read seldom asks again; on a read engine's
# connection (autocommit) asking takes four round trips (BEGIN, the role, the ids, COMMIT).
OPAQUE_KEPT = "vm.opaque_ids"
OPAQUE_KEPT_MAX = 4096


def opaque_ids(conn: Connection, ids: Iterable[int | None]) -> dict[int, int]:
    """Each change id of `ids` and its opaque id (asked in one statement): the same id has
    the same opaque id, and the opaque ids have no order."""
    wanted = {c for c in ids if c is not None}
    kept: dict[int, int] = conn.info.setdefault(OPAQUE_KEPT, {})
    missing = sorted(wanted - kept.keys())
    if missing:
        with elevated(conn):
            found = dict(conn.execute(_MASK_ALL, {"ids": missing}).all())
        if len(kept) + len(found) > OPAQUE_KEPT_MAX:
            kept.clear()
        kept.update(found)
    return {c: kept[c] for c in wanted}


def masked_tag(conn: Connection, change_id: int | None, scenario: str = ADOPTED) -> str:
    """The version tag of a version as a reader who may not read sale data reads it (the
    same version has the same tag; the tags have no order)."""
    if change_id is None or is_opaque(change_id):
        return version_tag(change_id, scenario)
    return version_tag(opaque_ids(conn, [change_id])[change_id], scenario)


def check_if_match(if_match: str | None, current: str, *aliases: str) -> None:
    """The precondition of a write to an existing item: 428 without `If-Match`, 412 when
    it names another version (`*` matches any; `aliases` are other tags of the current
    version, such as its masked tag). Raised before anything is written."""
    if if_match is None or if_match.strip() == "":
        raise PreconditionRequired()
    tags = [t.strip() for t in if_match.split(",")]
    if "*" in tags or current in tags or any(a in tags for a in aliases):
        return
    raise PreconditionFailed(
        f"The item has changed since that version was read (it is now {current}); "
        "read it again, apply your change to what is there now, and send that ETag.",
        current,
    )


@dataclass(frozen=True)
class Shown:
    """Which version of the plan a connection answers, for labelling what it renders."""

    scenario: str
    scenario_name: str
    recorded: dt.datetime | None

    @property
    def is_current_adopted(self) -> bool:
        return self.scenario == ADOPTED and self.recorded is None

    def label_da(self) -> str:
        """Danish, for maps and reports: '' for the adopted plan as it stands now."""
        parts = []
        if self.scenario != ADOPTED:
            parts.append(f"Scenarie: {self.scenario_name}")
        if self.recorded is not None:
            at = self.recorded.astimezone(LOCAL)
            parts.append(f"planen som registreret {at:%d.%m.%Y %H:%M}")
        label = " · ".join(parts)
        return label[:1].upper() + label[1:]


_SHOWN = text(
    """
    SELECT s.slug, s.name, nullif(current_setting('vm.recorded', true), '') AS recorded
    FROM scenario s
    WHERE s.id = coalesce(nullif(current_setting('vm.scenario', true), '')::integer, 1)
    """
)


def shown(conn: Connection) -> Shown:
    """The version `enter` made `conn` answer (the adopted plan now if none)."""
    row = conn.execute(_SHOWN).one()
    recorded = dt.datetime.fromisoformat(row.recorded) if row.recorded else None
    return Shown(row.slug, row.name, recorded)
