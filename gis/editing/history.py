"""A feature's history: every version the plan recorded of it, oldest first, with the change
that made each (who, when, why) and the feature as it stood after that change.

The versions are the feature's rows in its table and version table (migration 0010): each
row was recorded by its `change_id`; a row superseded by a change that recorded no row of
the feature (`superseded_by`) was deleted by it. The feature as it stood is read through the
same views every read uses, at the change's recorded time, so a version shows exactly what
a read at that time answered.

In a scenario, the history is the base's versions up to the scenario's first edit of the
feature, then the scenario's own.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, text

from gis import record
from gis.db import elevated
from gis.editing import store
from gis.editing.specs import CHILDREN, Spec, full_layer, spec_of
from gis.errors import NotFound
from gis.land import confidential
from gis.layers import LAYERS, Layer
from gis.ogc import features
from gis.roles import Reader


@dataclass(frozen=True)
class Event:
    change_id: int
    scenario: str  # whose rows: "vedtaget" or the scenario's slug
    recorded_at: dt.datetime
    actor: str
    role: str | None
    kind: str
    note: str | None


# The changes that wrote a table's rows of the feature (`key` names it), kept or superseded,
# in the adopted plan or the scenario. A change is the scenario's if it was made there: a
# scenario's copy of a row keeps the change that wrote what it holds (gis.editing.store.fork).
_WRITTEN = """
        SELECT change_id FROM public.{t} WHERE {key} = :id
        UNION ALL
        SELECT change_id FROM public.{t}_version
         WHERE {key} = :id AND scenario_id IN (1, :s)
        UNION ALL
        SELECT superseded_by FROM public.{t}_version
         WHERE {key} = :id AND scenario_id IN (1, :s) AND superseded_by IS NOT NULL"""

_EVENTS = """
    WITH r AS ({written}
    )
    SELECT DISTINCT r.change_id, c.scenario_id AS sid, c.recorded_at, c.actor, c.role, c.kind,
           c.note
    FROM r JOIN plan_change c ON c.id = r.change_id
    ORDER BY c.recorded_at, r.change_id
"""


def _events_sql(spec: Spec, with_sale: bool) -> str:
    # The feature's row carries every change of a public part of it (gis.editing.store.
    # touch); its sale data's changes are its sale row's, a version of it only for a reader
    # who may read them.
    written = [_WRITTEN.format(t=spec.owner, key="id")]
    if with_sale:
        fks = dict(CHILDREN.get(spec.owner, ()))
        sale = sorted(confidential.SALE_TABLES & set(fks))
        written += [_WRITTEN.format(t=t, key=fks[t]) for t in sale]
    return _EVENTS.format(written="\n        UNION ALL".join(written))


def events(
    conn: Connection, spec: Spec, fid: int, target: store.Target, reader: Reader
) -> list[Event]:
    """The changes that made a version of the feature as `reader` reads it, as the
    scenario's history holds them: exact, for every reader (the login role's rights: the
    reader role may not read a land change's time, migration 0032); `history` shows a
    reader what it may see of them. A change of a land feature's sale data alone is a
    version of it only for a reader who may read sale data."""
    sql = _events_sql(spec, confidential.sale_versioned(spec.layer, reader))
    with elevated(conn):
        rows = conn.execute(text(sql), {"id": fid, "s": target.scenario_id}).all()
    own = [r for r in rows if r.sid == target.scenario_id]
    base = [r for r in rows if r.sid == record.ADOPTED_ID]
    if not target.adopted:
        branched = conn.execute(
            text("SELECT base_recorded FROM scenario WHERE id = :id"), {"id": target.scenario_id}
        ).scalar()
        first = own[0].recorded_at if own else None
        base = [
            r
            for r in base
            if (first is None or r.recorded_at < first)
            and (branched is None or r.recorded_at <= branched)
        ]
        rows = base + own
    return [
        Event(
            r.change_id,
            target.slug if r.sid == target.scenario_id else record.ADOPTED,
            r.recorded_at,
            r.actor,
            r.role,
            r.kind,
            r.note,
        )
        for r in rows
    ]


@contextmanager
def _at(conn: Connection, event: Event) -> Iterator[None]:
    """Reads the plan as it stood just after `event`, then leaves the version the
    transaction had entered (the settings are undone with the savepoint)."""
    savepoint = conn.begin_nested()
    try:
        record.enter(conn, record.PlanView(event.scenario, event.recorded_at))
        yield
    finally:
        savepoint.rollback()


def _feature(conn: Connection, layer: Layer, fid: int) -> dict | None:
    try:
        return json.loads(features.item(conn, layer, str(fid)))
    except NotFound:
        return None


def state_at(
    conn: Connection, spec: Spec, fid: int, event: Event
) -> tuple[store.State, dict] | None:
    """The feature's rows and its full feature (every property) just after `event`; None
    if it was absent then."""
    with _at(conn, event):
        served = _feature(conn, full_layer(spec), fid)
        if served is None:
            return None
        items = (spec.list_table,) if spec.list_table else ()
        state = store.load(conn, spec.owner, fid, row_tables=spec.row_tables, item_tables=items)
    assert state is not None
    return state, served


def history(
    conn: Connection, collection: str, feature_id: str, reader: Reader, scenario: str | None
) -> list[dict]:
    """The feature's versions, oldest first: each with its ETag, its change, whether the
    feature was deleted by it, and the feature (GeoJSON, CRS84) as it stood after it, with
    the properties the reader may see."""
    spec = spec_of(collection)
    fid = features.parse_feature_id(feature_id)
    slug = record.parse_scenario(scenario)
    target = store.Target(record.scenario_id(conn, slug), slug)
    found = events(conn, spec, fid, target, reader)
    if not found:
        raise NotFound("feature", str(fid))
    layer = LAYERS[spec.layer].for_reader(reader)
    out = []
    for e in found:
        with _at(conn, e):
            feature = _feature(conn, layer, fid)
        out.append(
            {
                "version": record.version_tag(e.change_id, slug),
                "change": {
                    "id": e.change_id,
                    "recorded_at": e.recorded_at.isoformat(),
                    "actor": e.actor,
                    "role": e.role,
                    "kind": e.kind,
                    "note": e.note,
                },
                "scenario": e.scenario,
                "deleted": feature is None,
                "feature": feature,
            }
        )
    return confidential.feature_history(conn, spec.layer, fid, out, reader)
