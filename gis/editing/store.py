"""The scenario-aware write primitives: a feature's rows read as the entered version shows
them, and written to the adopted plan's tables or to a scenario's version tables.

The adopted plan ("vedtaget") is written in its own tables; their triggers keep every
superseded row (migration 0010). Any other scenario is written only in `T_version`: the
first time it edits a feature, the feature's row and all its child rows (a building's
dwellings, a parcel's land and sale data) are copied there for it, which makes the feature
the scenario's from then on; later writes change those copies, and the version table's
trigger keeps each superseded state as a closed row.

Rows travel as JSON objects of their columns (`to_jsonb`, geometry as hex EWKB so nothing is
rounded) and are written back through `jsonb_populate_record`, so one statement per table
serves every layer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import Connection, text

from gis import data_version
from gis.editing.specs import CHILDREN, columns, key_column
from gis.land.confidential import SALE_TABLES
from gis.models import Base
from gis.record import ADOPTED_ID

Row = dict[str, Any]


@dataclass(frozen=True)
class Target:
    """The scenario a write goes to."""

    scenario_id: int
    slug: str

    @property
    def adopted(self) -> bool:
        return self.scenario_id == ADOPTED_ID


@dataclass
class State:
    """A feature's rows: `rows[table]` for the owner and single-row tables (None: no row),
    `items[table]` for tables with many rows per feature (a building's dwellings)."""

    rows: dict[str, Row | None] = field(default_factory=dict)
    items: dict[str, list[Row]] = field(default_factory=dict)


def geometry_columns(table: str) -> list[str]:
    return [
        c.name
        for c in Base.metadata.tables[table].columns
        if isinstance(c.type, Geometry) and c.computed is None
    ]


def _select_json(table: str) -> str:
    # Unqualified: the table, or the plan_view view of the version the transaction entered.
    extra = "".join(
        f" || jsonb_build_object('{g}', encode(ST_AsEWKB(t.{g}), 'hex'))"
        for g in geometry_columns(table)
    )
    return f"SELECT to_jsonb(t){extra} FROM {table} t"


def load(conn: Connection, owner: str, fid: int, row_tables=(), item_tables=()) -> State | None:
    """The feature's rows as the entered version of the plan shows them; None if absent."""
    found = conn.execute(text(_select_json(owner) + " WHERE t.id = :id"), {"id": fid}).scalar()
    if found is None:
        return None
    state = State(rows={owner: found})
    fk = dict(CHILDREN.get(owner, ()))
    for table in row_tables:
        sql = _select_json(table) + f" WHERE t.{fk[table]} = :id"
        state.rows[table] = conn.execute(text(sql), {"id": fid}).scalar()
    for table in item_tables:
        sql = _select_json(table) + f" WHERE t.{fk[table]} = :id ORDER BY t.{key_column(table)}"
        state.items[table] = list(conn.execute(text(sql), {"id": fid}).scalars())
    return state


def _populate(table: str, cols: list[str], record_type: str) -> str:
    names = ", ".join(cols)
    record = f"jsonb_populate_record(NULL::public.{record_type}, CAST(:row AS jsonb))"
    return f"SELECT {names} FROM {record}"


def _payload(row: Row, cols: list[str]) -> str:
    return json.dumps({c: row[c] for c in cols if c in row}, default=str)


def _insert(conn: Connection, target: Target, table: str, row: Row, *, with_id: bool) -> Any:
    # Columns the row leaves out take their defaults (a new building's count of replaced
    # dwellings is 0).
    cols = [c for c in columns(table) if c in row and (with_id or c != "id")]
    key = key_column(table)
    if target.adopted:
        sql = (
            f"INSERT INTO public.{table} ({', '.join(cols)}) "
            f"{_populate(table, cols, table)} RETURNING {key}"
        )
        return conn.execute(text(sql), {"row": _payload(row, cols)}).scalar_one()
    # The version table's trigger stamps recorded_from and change_id with this change.
    sql = (
        f"INSERT INTO public.{table}_version (scenario_id, {', '.join(cols)}) "
        f"SELECT CAST(:s AS integer), * FROM ({_populate(table, cols, table)}) r RETURNING {key}"
    )
    params = {"row": _payload(row, cols), "s": target.scenario_id}
    return conn.execute(text(sql), params).scalar_one()


def _current(target: Target) -> str:
    return f"scenario_id = {int(target.scenario_id)} AND recorded_to = 'infinity'"


def _update(conn: Connection, target: Target, table: str, key: str, value: Any, row: Row) -> None:
    cols = [c for c in columns(table) if c != key]
    names = ", ".join(cols)
    if target.adopted:
        where, dest = f"{key} = :k", f"public.{table}"
    else:
        where, dest = (
            f"{key} = :k AND {_current(target)} AND NOT deleted",
            f"public.{table}_version",
        )
    sql = f"UPDATE {dest} SET ({names}) = ({_populate(table, cols, table)}) WHERE {where}"
    conn.execute(text(sql), {"row": _payload(row, cols), "k": value})


def _remove(conn: Connection, target: Target, table: str, key: str, value: Any) -> None:
    if target.adopted:
        conn.execute(text(f"DELETE FROM public.{table} WHERE {key} = :k"), {"k": value})
        return
    # A scenario's row made in this very change leaves no trace; an older one is closed,
    # and stays as the scenario's history.
    params = {"k": value}
    where = f"{key} = :k AND {_current(target)}"
    conn.execute(
        text(f"DELETE FROM public.{table}_version WHERE {where} AND change_id = vm_change_id()"),
        params,
    )
    conn.execute(
        text(
            f"UPDATE public.{table}_version SET recorded_to = vm_change_time(), "
            f"superseded_by = vm_change_id() WHERE {where}"
        ),
        params,
    )


def _owned(conn: Connection, target: Target, owner: str, fid: int) -> bool | None:
    """Whether the scenario has its own current row of the feature: None if not, else
    whether that row marks it deleted."""
    return conn.execute(
        text(f"SELECT deleted FROM public.{owner}_version WHERE id = :id AND {_current(target)}"),
        {"id": fid},
    ).scalar()


def fork(conn: Connection, target: Target, owner: str, fid: int) -> bool:
    """Makes the feature the scenario's (copy on first write): its row and all its child
    rows, as the scenario sees them now, copied into the version tables. The children
    first: once the owner's row is there, the views show the scenario's children only.
    Returns whether the scenario already had the feature, or now has it."""
    if target.adopted or _owned(conn, target, owner, fid) is not None:
        return True
    exists = conn.execute(text(f"SELECT 1 FROM {owner} WHERE id = :id"), {"id": fid}).scalar()
    if exists is None:
        return False
    params = {"id": fid, "s": target.scenario_id}
    # Each copy is the scenario's from now on (recorded from this change's time) but keeps
    # the change that wrote what it holds: copying changes nothing of the feature, so its
    # version stays the one every reader had, until the write changes a part of it (a first
    # edit of sale data alone must move no version but the sale readers'). The version
    # table's trigger stamps only a row that comes without a time (migration 0010).
    # Nor does it move the data version of readers who may not read sale data
    # (`data_version.COPY_ONLY`): what they read is the same. A statement that fails rolls
    # the setting back with its transaction or savepoint.
    conn.execute(text("SELECT set_config(:k, 'on', true)"), {"k": data_version.COPY_ONLY})
    for table, where in [*((t, f"{fk} = :id") for t, fk in CHILDREN.get(owner, ())),
                         (owner, "id = :id")]:  # fmt: skip
        cols = ", ".join(columns(table))
        conn.execute(
            text(
                f"INSERT INTO public.{table}_version (scenario_id, recorded_from, change_id,"
                f" {cols}) SELECT :s, vm_change_time(), change_id, {cols} FROM {table}"
                f" WHERE {where}"
            ),
            params,
        )
    conn.execute(text("SELECT set_config(:k, '', true)"), {"k": data_version.COPY_ONLY})
    return True


def touch(
    conn: Connection, target: Target, owner: str, fid: int, written: frozenset[str] | None = None
) -> None:
    """The feature's row carries this change when a public part of it changed: its version
    (the ETag) moves with every part others can see. The adopted plan's triggers do it for
    dwellings and land data (migration 0010); in a scenario it is done here.

    Sale data is not such a part: a reader who may not read it must not see the feature's
    version move when it alone changes, or the moment of a confidential change is theirs
    (`gis.land.confidential`). Its own row carries the change; the version of a reader who
    may read it covers that row too (`gis.ogc.features.item_version`, `with_sale`).
    `written`: the child tables the change wrote (None: any); with none of the public ones,
    no statement is made (each moves everyone's data version, migration 0035)."""
    if target.adopted:
        return
    public = [
        (t, fk)
        for t, fk in CHILDREN.get(owner, ())
        if t not in SALE_TABLES and (written is None or t in written)
    ]
    if not public:
        return
    carried = " OR ".join(
        f"EXISTS (SELECT 1 FROM public.{t}_version c WHERE c.{fk} = :id"
        " AND c.scenario_id = :s"
        " AND (c.change_id = vm_change_id() OR c.superseded_by = vm_change_id()))"
        for t, fk in public
    )
    conn.execute(
        text(
            f"UPDATE public.{owner}_version SET change_id = vm_change_id()"
            f" WHERE id = :id AND {_current(target)}"
            f" AND change_id IS DISTINCT FROM vm_change_id() AND ({carried})"
        ),
        {"id": fid, "s": target.scenario_id},
    )


def _sync(
    conn: Connection,
    target: Target,
    table: str,
    fk: str,
    fid: int,
    rows: list[Row],
    *,
    clear: bool = False,
) -> None:
    """Makes the feature's rows of a child table `rows`: existing ones are changed in
    place, in order (an unchanged row keeps its version), extra ones removed, new ones
    added. `clear`: a row to remove is cleared instead (its columns null)."""
    key = key_column(table)
    where = "" if target.adopted else f" AND {_current(target)} AND NOT deleted"
    source = f"public.{table}" if target.adopted else f"public.{table}_version"
    existing = list(
        conn.execute(
            text(f"SELECT {key} FROM {source} WHERE {fk} = :id{where} ORDER BY {key}"),
            {"id": fid},
        ).scalars()
    )
    if clear and existing and not rows:
        rows = [dict.fromkeys(c for c in columns(table) if c != fk)]
    for i, row in enumerate(rows):
        row = {**row, fk: fid}
        if i < len(existing):
            _update(conn, target, table, key, existing[i], {**row, key: existing[i]})
        else:
            row.pop("id", None)
            _insert(conn, target, table, row, with_id=key != "id")
    for value in existing[len(rows) :]:
        _remove(conn, target, table, key, value)


def _values(table: str, row: Row | None, *, keyed: bool = True) -> Row | None:
    if row is None:
        return None
    key = key_column(table)
    return {c: row.get(c) for c in columns(table) if keyed or c != key}


def same(table: str, a: State, b: State) -> bool:
    """Whether two states of a feature hold the same rows of `table` in every column a write
    sets (the record stamps and computed columns aside; a list's rows in order, whatever
    their own ids, as `write` matches them)."""
    if table in a.items or table in b.items:
        rows_a = [_values(table, r, keyed=False) for r in a.items.get(table, [])]
        rows_b = [_values(table, r, keyed=False) for r in b.items.get(table, [])]
        return rows_a == rows_b
    return _values(table, a.rows.get(table)) == _values(table, b.rows.get(table))


def write(
    conn: Connection,
    target: Target,
    owner: str,
    fid: int | None,
    state: State,
    before: State | None = None,
) -> int:
    """Writes the feature's new state (a new feature when `fid` is None) and returns its
    id. Tables absent from `state` are left as they are; so are those whose rows are the
    same as in `before` (the feature as it was), which are not even named in a statement:
    every statement on a map table moves the data version its readers see (migration
    0035), and a change of a plot's sale data alone must move none but the sale readers'."""
    row = state.rows[owner]
    assert row is not None

    def kept(table: str) -> bool:
        return before is not None and same(table, state, before)

    if fid is None:
        fid = _insert(
            conn, target, owner, {k: v for k, v in row.items() if k != "id"}, with_id=False
        )
    elif kept(owner):
        fork(conn, target, owner, fid)
    else:
        row = {**row, "id": fid}
        if target.adopted:
            present = conn.execute(
                text(f"SELECT 1 FROM public.{owner} WHERE id = :id"), {"id": fid}
            ).scalar()
            if present:
                _update(conn, target, owner, "id", fid, row)
            else:  # a restore of a deleted feature: its id again
                _insert(conn, target, owner, row, with_id=True)
        elif fork(conn, target, owner, fid):
            conn.execute(
                text(
                    f"UPDATE public.{owner}_version SET deleted = false"
                    f" WHERE id = :id AND {_current(target)} AND deleted"
                ),
                {"id": fid},
            )
            _update(conn, target, owner, "id", fid, row)
        else:  # restored in the scenario, absent from its base
            _insert(conn, target, owner, row, with_id=True)
    fks = dict(CHILDREN.get(owner, ()))
    written = set()
    for table, child in state.rows.items():
        if table != owner and not kept(table):
            # Sale data written away is cleared, never removed, while the feature stays: only
            # its row carries a change of it (`touch`), and the version that covers it must
            # move, which it would not with the row gone.
            rows = [] if child is None else [child]
            _sync(conn, target, table, fks[table], fid, rows, clear=table in SALE_TABLES)
            written.add(table)
    for table, rows in state.items.items():
        if not kept(table):
            _sync(conn, target, table, fks[table], fid, rows)
            written.add(table)
    touch(conn, target, owner, fid, frozenset(written))
    return fid


def delete(
    conn: Connection, target: Target, owner: str, fid: int, only: tuple[str, ...] = ()
) -> None:
    """Deletes the feature; with `only`, just those child tables' rows (a plot's land
    record: the parcel stays). In a scenario the feature's row is marked deleted, which
    hides it and its base rows there, and its child rows are closed."""
    fks = dict(CHILDREN.get(owner, ()))
    if only:
        fork(conn, target, owner, fid)
        for table in only:
            _sync(conn, target, table, fks[table], fid, [])
        touch(conn, target, owner, fid)
        return
    if target.adopted:
        conn.execute(text(f"DELETE FROM public.{owner} WHERE id = :id"), {"id": fid})
        return
    fork(conn, target, owner, fid)
    for table, fk in fks.items():
        _sync(conn, target, table, fk, fid, [])
    conn.execute(
        text(
            f"UPDATE public.{owner}_version SET deleted = true"
            f" WHERE id = :id AND {_current(target)}"
        ),
        {"id": fid},
    )
