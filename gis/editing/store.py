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

from gis.editing.specs import CHILDREN, columns, key_column
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
    for table, fk in CHILDREN.get(owner, ()):
        cols = ", ".join(columns(table))
        conn.execute(
            text(
                f"INSERT INTO public.{table}_version (scenario_id, {cols}) "
                f"SELECT :s, {cols} FROM {table} WHERE {fk} = :id"
            ),
            params,
        )
    cols = ", ".join(columns(owner))
    conn.execute(
        text(
            f"INSERT INTO public.{owner}_version (scenario_id, {cols}) "
            f"SELECT :s, {cols} FROM {owner} WHERE id = :id"
        ),
        params,
    )
    return True


def touch(conn: Connection, target: Target, owner: str, fid: int) -> None:
    """The feature's row carries this change, whichever of its parts changed: its version
    (the ETag) moves with every part. The adopted plan's triggers do it for dwellings and
    land data; sale data and the scenarios' rows need it here."""
    dest = f"public.{owner}" if target.adopted else f"public.{owner}_version"
    where = "" if target.adopted else f" AND {_current(target)}"
    conn.execute(
        text(
            f"UPDATE {dest} SET change_id = vm_change_id() WHERE id = :id{where}"
            " AND change_id IS DISTINCT FROM vm_change_id()"
        ),
        {"id": fid},
    )


def _sync(conn: Connection, target: Target, table: str, fk: str, fid: int, rows: list[Row]) -> None:
    """Makes the feature's rows of a child table `rows`: existing ones are changed in
    place, in order (an unchanged row keeps its version), extra ones removed, new ones
    added."""
    key = key_column(table)
    where = "" if target.adopted else f" AND {_current(target)} AND NOT deleted"
    source = f"public.{table}" if target.adopted else f"public.{table}_version"
    existing = list(
        conn.execute(
            text(f"SELECT {key} FROM {source} WHERE {fk} = :id{where} ORDER BY {key}"),
            {"id": fid},
        ).scalars()
    )
    for i, row in enumerate(rows):
        row = {**row, fk: fid}
        if i < len(existing):
            _update(conn, target, table, key, existing[i], {**row, key: existing[i]})
        else:
            row.pop("id", None)
            _insert(conn, target, table, row, with_id=key != "id")
    for value in existing[len(rows) :]:
        _remove(conn, target, table, key, value)


def write(conn: Connection, target: Target, owner: str, fid: int | None, state: State) -> int:
    """Writes the feature's new state (a new feature when `fid` is None) and returns its
    id. Tables absent from `state` are left as they are."""
    row = state.rows[owner]
    assert row is not None
    if fid is None:
        fid = _insert(
            conn, target, owner, {k: v for k, v in row.items() if k != "id"}, with_id=False
        )
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
    for table, child in state.rows.items():
        if table != owner:
            _sync(conn, target, table, fks[table], fid, [] if child is None else [child])
    for table, rows in state.items.items():
        _sync(conn, target, table, fks[table], fid, rows)
    touch(conn, target, owner, fid)
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
