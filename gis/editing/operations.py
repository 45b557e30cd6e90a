"""Create, replace, update (merge patch), delete and restore of one feature of a plan layer,
each one audited change of the scenario it names.

Every operation follows the same steps, so that nothing is written unless all of it holds:
1. the body and its properties are checked without I/O (`gis.editing.validate`);
2. the change is opened (`gis.record.begin_change`) before anything the write depends on is
   read: it queues behind every other writer, so the item's version checked against
   `If-Match` is the one the write replaces, and no update is lost;
3. the geometry, the names the feature refers to (a rail line, a quarter set), uniqueness,
   a building's quarters and the buildings a quarter covers are checked in the version
   written to;
4. the feature and all its parts (a building's dwellings, a plot's land and sale data) are
   written together (`gis.editing.store`), in the caller's transaction. A PUT or PATCH
   that changes nothing writes nothing, not even its change, and answers the same ETag.
A property the role may not edit (a plot's sale data for a planner, its plan data for the
company) may be sent unchanged, never changed (403).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import DataError as DriverDataError
from sqlalchemy.exc import IntegrityError

from gis import record
from gis.db import storable
from gis.editing import store, validate
from gis.editing.specs import (
    PLAN,
    PLOTS,
    QUARTERS,
    Prop,
    Spec,
    full_layer,
    spec_of,
)
from gis.errors import Conflict, Forbidden, InvalidParameter, NotFound, Unauthorized
from gis.land import confidential
from gis.layers import LAYERS, Layer
from gis.ogc import features
from gis.ogc.crs import CRS84, Crs
from gis.roles import Permission, Reader

MAX_NOTE = 2000
L_TABLE = "parcel_land"


@dataclass(frozen=True)
class Written:
    """What a write answers: the feature's id, its new ETag and the feature as GET gives it
    (None after a delete)."""

    id: int
    etag: str
    feature: str | None
    scenario: str


def authorise(spec: Spec, reader: Reader) -> None:
    """A token (401) whose role may edit something of this layer (403)."""
    if not reader.authenticated:
        raise Unauthorized()
    if not any(reader.may(p) for p in spec.permissions):
        names = " or ".join(sorted(p.value for p in spec.permissions))
        raise Forbidden(f"The role '{reader.role.value}' may not edit {spec.layer} ({names}).")


def check_note(note: str | None) -> str | None:
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidParameter("note", f"note is longer than {MAX_NOTE} characters.")
    if note is not None and not storable(note):
        raise InvalidParameter("note", "note holds a NUL character or a lone surrogate.")
    return note or None


# --- the steps every write shares ---------------------------------------------------------


def _open(
    conn: Connection, scenario: str, reader: Reader, kind: str, note: str | None
) -> store.Target:
    """Opens the change in the scenario written to and enters that scenario's version."""
    slug = record.parse_scenario(scenario)
    sid = record.scenario_id(conn, slug)
    record.begin_change(
        conn,
        actor=reader.name or "unknown",
        role=reader.role.value,
        kind=kind,
        note=note,
        scenario_id=sid,
    )
    # Read after the change's lock: an adoption that committed before this write is seen.
    adopted = conn.execute(
        text("SELECT adopted_change_id FROM scenario WHERE id = :id"), {"id": sid}
    ).scalar()
    if adopted is not None:
        raise Conflict(
            f"The scenario '{slug}' was adopted and is read-only now; "
            "edit vedtaget, or a new scenario."
        )
    record.enter(conn, record.PlanView(slug))
    return store.Target(sid, slug)


def _served(
    conn: Connection, layer: Layer, fid: int, *, with_sale: bool = False
) -> tuple[dict | None, int | None]:
    """The feature as the version entered serves it (all properties, confidential too) and
    its version (covering its sale data `with_sale`: `features.item_version`); (None, None)
    if it is not there."""
    try:
        found, version = features.item_version(conn, layer, str(fid), with_sale=with_sale)
    except NotFound:
        return None, None
    return json.loads(found), version


def _visible(spec: Spec, reader: Reader) -> list[Prop]:
    confidential = reader.may(Permission.READ_CONFIDENTIAL)
    return [p for p in spec.props if confidential or not p.confidential]


def _given(spec: Spec, reader: Reader, props: dict[str, Any], *, whole: bool) -> dict[str, Any]:
    """The properties an edit sets, checked and converted; with `whole` (create, replace)
    a visible property left out takes its default. Derived ones (a plot's area) are
    ignored; one the reader cannot see, or that the layer does not have, is refused."""
    visible = _visible(spec, reader)
    known = {p.name: p for p in visible}
    for name in props:
        if name not in known and name != spec.list_prop:
            raise InvalidParameter(name, f"'{name}' is not a property of {spec.layer}.")
    out: dict[str, Any] = {}
    for p in visible:
        if p.derived:
            continue
        if p.name in props:
            out[p.name] = validate.check_value(p, props[p.name])
        elif whole:
            out[p.name] = validate.check_value(p, None)
    if spec.list_prop and spec.list_prop in props:
        out[spec.list_prop] = validate.check_items(spec, props[spec.list_prop])
    if "matrikel" in out:
        validate.parse_matrikel(out["matrikel"])
    return out


def _canonical(prop: Prop | None, value: Any) -> Any:
    if prop is not None and prop.kind == "enum_list" and isinstance(value, str):
        return [c for c in prop.choices if c in value.split(",")]
    return value


def _changes(spec: Spec, given: dict[str, Any], served: dict[str, Any]) -> dict[str, Any]:
    """The given properties whose value differs from what is served now."""
    out = {}
    for name, value in given.items():
        if name == spec.list_prop:
            now = [
                {p.column: d.get(p.name) for p in spec.child_props} for d in served.get(name) or []
            ]
            if value != now:
                out[name] = value
            continue
        prop = spec.prop(name)
        if _canonical(prop, value) != _canonical(prop, served.get(name)):
            out[name] = value
    return out


def _permit(spec: Spec, reader: Reader, changed: list[str]) -> None:
    """Each changed property needs its permission: a plot's sale data EDIT_SALE, the rest
    (geometry, dwellings, plan data) EDIT_PLAN."""
    for name in changed:
        prop = spec.prop(name)
        need = prop.permission if prop is not None else PLAN
        if not reader.may(need):
            raise Forbidden(
                f"The role '{reader.role.value}' may not change '{name}' of {spec.layer} "
                f"({need.value})."
            )


def _resolve(conn: Connection, spec: Spec, changes: dict[str, Any], served: dict[str, Any]) -> dict:
    """The column values of changed properties that are not one column of their own."""
    out: dict[tuple[str, str], Any] = {}
    if "matrikel" in changes:
        code, number = validate.parse_matrikel(changes["matrikel"])
        out[("parcel", "ejerlavskode")], out[("parcel", "matrikelnummer")] = code, number
    if "line" in changes:
        ids = (
            conn.execute(
                text("SELECT id FROM rail_line WHERE name = :n ORDER BY id LIMIT 2"),
                {"n": changes["line"]},
            )
            .scalars()
            .all()
        )
        if len(ids) != 1:
            what = "no" if not ids else "more than one"
            raise InvalidParameter("line", f"line: {what} rail line is named '{changes['line']}'.")
        out[("rail_stop", "line_id")] = ids[0]
    if "area" in changes or "quarter_set" in changes:
        area = changes.get("area", served.get("area"))
        qs = changes.get("quarter_set", served.get("quarter_set"))
        found = conn.execute(
            text(
                "SELECT qs.id FROM quarter_set qs JOIN area a ON a.id = qs.area_id"
                " WHERE a.slug = :a AND qs.slug = :q"
            ),
            {"a": area, "q": qs},
        ).scalar()
        if found is None:
            raise InvalidParameter(
                "quarter_set", f"quarter_set: area '{area}' has no quarter set '{qs}'."
            )
        out[("quarter", "quarter_set_id")] = found
    return out


def _apply(spec: Spec, state: store.State, changes: dict[str, Any], resolved: dict) -> store.State:
    new = copy.deepcopy(state)
    for name, value in changes.items():
        if name == spec.list_prop:
            new.items[spec.list_table] = value
            continue
        prop = spec.prop(name)
        if prop is None or prop.kind == "special":
            continue
        row = new.rows.get(prop.table)
        if row is None:
            if value is None:
                continue  # no row (a plot without sale data) and nothing to put in one
            row = new.rows[prop.table] = {}
        row[prop.column] = value
    for (table, column), value in resolved.items():
        new.rows[table][column] = value
    return new


def _check_rows(conn: Connection, spec: Spec, fid: int | None, state: store.State) -> None:
    """What needs the version written to: the years in order, uniqueness, and a building's
    place in its quarters."""
    merged: dict[str, Any] = {}
    for row in state.rows.values():
        merged.update(row or {})
    for order in spec.orders:
        validate.check_order(merged, order)
    for table, cols, name in spec.unique:
        row = state.rows.get(table)
        if row is None or any(row.get(c) is None for c in cols):
            continue
        key = "id" if table == spec.owner else "parcel_id"
        where = " AND ".join(f"t.{c} = :{c}" for c in cols)
        taken = conn.execute(
            text(f"SELECT 1 FROM {table} t WHERE {where} AND t.{key} IS DISTINCT FROM :id LIMIT 1"),
            {**{c: row[c] for c in cols}, "id": fid},
        ).scalar()
        if taken:
            raise InvalidParameter(name, f"{name}: another feature of the plan has that value.")


# Database rules a check above cannot see coming (another constraint of the schema):
# which property to name. Their SQL never reaches the client.
_CONSTRAINT_FIELDS = {
    "parcel_matrikel": "matrikel",
    "quarter_set_slug": "slug",
    "building_source_id_key": "source_id",
    "parcel_land_plot_label_key": "plot_label",
}


def _write(
    conn: Connection, target: store.Target, spec: Spec, fid: int | None, state, before=None
) -> int:
    try:
        with conn.begin_nested():
            return store.write(conn, target, spec.owner, fid, state, before)
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None) or ""
        name = _CONSTRAINT_FIELDS.get(constraint, "body")
        raise InvalidParameter(
            name, f"The edit breaks a rule of the plan's data ({constraint or 'a constraint'})."
        ) from None
    except DriverDataError:
        raise InvalidParameter("body", "A value does not fit its field.") from None


def _record_sale_status(conn, target, fid, before: dict, after: dict, reader, note) -> None:
    """A plot's sale status changed in the adopted plan joins the sale-status history, as a
    change made through the land API does."""
    old, new = before.get("sale_status"), after.get("sale_status")
    if not target.adopted or old == new or new is None:
        return
    conn.execute(
        text(
            "INSERT INTO sale_status_change"
            " (parcel_id, changed_at, actor, from_status, to_status, note, change_id)"
            " VALUES (:id, vm_change_time(), :actor, :old, :new, :note, vm_change_id())"
        ),
        {"id": fid, "actor": reader.name or "unknown", "old": old, "new": new, "note": note},
    )


def _answer(
    conn, spec: Spec, reader: Reader, target: store.Target, fid: int, changed=()
) -> Written:
    # Every write answers through here: no public owner may name a confidential buyer, and
    # none may be set by a writer who cannot read who that is (gis.land.confidential).
    confidential.check_owner_writer(conn, spec.layer, fid, reader, changed)
    parcels = confidential.parcels_of(conn, spec.layer, fid)
    confidential.check_public_owner(conn, parcels)
    if confidential.may_read(reader) and spec.layer in confidential.LAND_COLLECTIONS:
        confidential.check_parties_in_sale(conn, parcels)
    layer = LAYERS[spec.layer].for_reader(reader)
    found, tag = features.tagged_item(conn, layer, str(fid), CRS84, target.slug, reader)
    return Written(fid, tag, found, target.slug)


def _geometry(conn, spec, geometry, crs, current_hex: str | None) -> str:
    return validate.prepare_geometry(conn, geometry, spec, crs, current_hex)


# --- the operations -----------------------------------------------------------------------


def create(
    conn: Connection,
    collection: str,
    reader: Reader,
    doc: Any,
    *,
    crs: Crs = CRS84,
    scenario: str | None = None,
    note: str | None = None,
) -> Written:
    spec = spec_of(collection)
    authorise(spec, reader)
    geometry, props, _id = validate.feature_parts(doc)
    # A plot may leave its geometry out when its matrikel names a parcel of the plan: it
    # is that parcel's (`_attach_plot`), known only once the change is open.
    if geometry is None and spec is not PLOTS:
        raise InvalidParameter("geometry", "geometry is required.")
    if geometry is not None:
        validate.check_geometry_shape(geometry, spec, crs)
    given = _given(spec, reader, props, whole=True)
    given.setdefault(spec.list_prop, []) if spec.list_prop else None
    note = check_note(note)
    blank = {p.name: p.default for p in spec.props}
    changed = ["geometry", *_changes(spec, given, blank)]
    _permit(spec, reader, changed)
    target = _open(conn, scenario, reader, "create", note)
    if spec is PLOTS:
        parcel = _parcel_of(conn, given["matrikel"])
        if parcel is not None:
            return _attach_plot(
                conn, spec, reader, target, parcel, geometry, crs, props, given, note
            )
        if geometry is None:
            raise InvalidParameter(
                "geometry",
                f"geometry is required: no parcel of the plan has matrikel {given['matrikel']}.",
            )
    hex_ = _geometry(conn, spec, geometry, crs, None)
    state = store.State(rows={spec.owner: {spec.geometry_column: hex_}})
    for table in spec.row_tables:
        state.rows[table] = None
    if spec.owner == "parcel" and spec.row_tables:
        state.rows["parcel_land"] = {}
    new = _apply(spec, state, given, _resolve(conn, spec, given, {}))
    if spec.list_prop:
        new.items[spec.list_table] = given[spec.list_prop]
    _check_rows(conn, spec, None, new)
    if spec.anchored:
        validate.check_anchor(conn, hex_)
    if spec is QUARTERS:
        validate.check_quarter_edit(conn, None, None, _quarter(new))
    fid = _write(conn, target, spec, None, new)
    after, _v = _served(conn, full_layer(spec), fid)
    _record_sale_status(conn, target, fid, {}, after or {}, reader, note)
    return _answer(conn, spec, reader, target, fid, changed)


def _quarter(state: store.State) -> tuple[int, str]:
    """A quarter's set and geometry, as `validate.check_quarter_edit` compares them."""
    row = state.rows[QUARTERS.owner]
    assert row is not None
    return row["quarter_set_id"], row[QUARTERS.geometry_column]


def _parcel_of(conn: Connection, matrikel: str) -> int | None:
    """The parcel of the entered version with that matrikel, if any."""
    code, number = validate.parse_matrikel(matrikel)
    return conn.execute(
        text("SELECT id FROM parcel WHERE ejerlavskode = :c AND matrikelnummer = :n"),
        {"c": code, "n": number},
    ).scalar()


def _attach_plot(
    conn: Connection,
    spec: Spec,
    reader: Reader,
    target: store.Target,
    fid: int,
    geometry: Any,
    crs: Crs,
    props: dict[str, Any],
    given: dict[str, Any],
    note: str | None,
) -> Written:
    """A plot POSTed for a parcel the plan has (a cadastral fact, in the parcels layer)
    gives that parcel its land record: what a GIS user means by adding a plot on a parcel,
    and the way back after a plot was deleted (its parcel stays). The feature is the
    parcel's, with its id; its geometry is the parcel's (sent as read, or left out), since
    a plot is a parcel's land data, not a shape of its own. The parcel's own columns change
    only where the body names them; the land record takes the defaults of what it leaves
    out. A parcel that is a plot already is refused: edit that plot instead."""
    matrikel = given["matrikel"]
    state = store.load(conn, spec.owner, fid, row_tables=spec.row_tables)
    assert state is not None
    if state.rows["parcel_land"] is not None:
        raise InvalidParameter(
            "matrikel",
            f"matrikel {matrikel} is plot {fid} already: change it with PUT or PATCH on "
            f"/collections/plots/items/{fid}.",
        )
    parcel_row = state.rows[spec.owner]
    assert parcel_row is not None
    current = parcel_row[spec.geometry_column]
    if geometry is not None and _geometry(conn, spec, geometry, crs, current) != current:
        raise InvalidParameter(
            "geometry",
            f"geometry differs from that of parcel {matrikel} ({fid}), whose plot this is: "
            f"send the parcel's geometry as /collections/parcels/items/{fid} serves it, or "
            "none; a parcel's shape is changed on the parcel.",
        )
    named = {
        k: v
        for k, v in given.items()
        if k != "matrikel" and (k in props or getattr(spec.prop(k), "table", None) == L_TABLE)
    }
    before = copy.deepcopy(state)
    state.rows["parcel_land"] = {}
    new = _apply(spec, state, named, _resolve(conn, spec, named, {}))
    _check_rows(conn, spec, fid, new)
    _write(conn, target, spec, fid, new, before)
    after, _v = _served(conn, full_layer(spec), fid)
    _record_sale_status(conn, target, fid, {}, after or {}, reader, note)
    return _answer(conn, spec, reader, target, fid)


def _existing(
    conn, spec: Spec, fid: int, if_match: str | None, target, reader: Reader
) -> tuple[dict, store.State]:
    with_sale = confidential.sale_versioned(spec.layer, reader)
    served, version = _served(conn, full_layer(spec), fid, with_sale=with_sale)
    if served is None:
        raise NotFound("feature", str(fid))
    _check_version(conn, spec, fid, if_match, version, target.slug, reader)
    state = store.load(
        conn,
        spec.owner,
        fid,
        row_tables=spec.row_tables,
        item_tables=(spec.list_table,) if spec.list_table else (),
    )
    assert state is not None
    return served, state


def replace(
    conn: Connection,
    collection: str,
    feature_id: str,
    reader: Reader,
    doc: Any,
    *,
    if_match: str | None,
    crs: Crs = CRS84,
    scenario: str | None = None,
    note: str | None = None,
    patch: bool = False,
) -> Written:
    """PUT (the whole feature) or, with `patch`, a JSON merge patch (RFC 7396): a property
    left out keeps its value, null clears it, `dwellings` replaces the list. A PUT that
    leaves `dwellings` out keeps them: GIS clients cannot carry a list."""
    spec = spec_of(collection)
    authorise(spec, reader)
    fid = features.parse_feature_id(feature_id)
    geometry, props, body_id = validate.feature_parts(doc, patch=patch)
    if body_id is not validate.MISSING and body_id is not None and str(body_id) != str(fid):
        raise InvalidParameter(
            "id", f"id {body_id} is not the id of the item at this path ({fid})."
        )
    if geometry is None:
        raise InvalidParameter("geometry", "geometry cannot be removed from a feature.")
    if geometry is not validate.MISSING:
        validate.check_geometry_shape(geometry, spec, crs)
    given = _given(spec, reader, props, whole=not patch)
    note = check_note(note)
    # The change is opened in a savepoint: an edit that turns out to change nothing rolls
    # it back, and leaves no trace (no change row, no version, no new ETag, no data version).
    savepoint = conn.begin_nested()
    target = _open(conn, scenario, reader, "edit", note)
    served, state = _existing(conn, spec, fid, if_match, target, reader)
    changes = _changes(spec, given, served["properties"])
    current_hex = state.rows[spec.owner][spec.geometry_column]
    before_quarter = _quarter(state) if spec is QUARTERS else None
    hex_ = current_hex
    if geometry is not validate.MISSING:
        hex_ = _geometry(conn, spec, geometry, crs, current_hex)
    moved = hex_ != current_hex
    if not changes and not moved:
        unchanged = _answer(conn, spec, reader, target, fid)
        savepoint.rollback()
        return unchanged
    changed = [*changes, *(["geometry"] if moved else [])]
    _permit(spec, reader, changed)
    new = _apply(spec, state, changes, _resolve(conn, spec, changes, served["properties"]))
    new.rows[spec.owner][spec.geometry_column] = hex_  # `state` stays the feature as it was
    _check_rows(conn, spec, fid, new)
    if spec.anchored and moved:
        validate.check_anchor(conn, new.rows[spec.owner][spec.geometry_column])
    if before_quarter is not None and _quarter(new) != before_quarter:
        validate.check_quarter_edit(conn, fid, before_quarter, _quarter(new))
    _write(conn, target, spec, fid, new, state)
    _record_sale_status(
        conn, target, fid, served["properties"], {**served["properties"], **changes}, reader, note
    )
    savepoint.commit()
    return _answer(conn, spec, reader, target, fid, changed)


def delete(
    conn: Connection,
    collection: str,
    feature_id: str,
    reader: Reader,
    *,
    if_match: str | None,
    scenario: str | None = None,
    note: str | None = None,
) -> Written:
    spec = spec_of(collection)
    authorise(spec, reader)
    fid = features.parse_feature_id(feature_id)
    note = check_note(note)
    target = _open(conn, scenario, reader, "delete", note)
    served, state = _existing(conn, spec, fid, if_match, target, reader)
    _permit_delete(conn, spec, reader, fid)
    if spec is QUARTERS:
        _check_quarter_removal(conn, fid, _quarter(state))
    store.delete(conn, target, spec.owner, fid, spec.delete_only)
    return Written(fid, "", None, target.slug)


def _check_quarter_removal(conn: Connection, fid: int, before: tuple[int, str]) -> None:
    # A DELETE names no field: the buildings it would leave in no quarter make it a
    # conflict with the state of other features (409), not an invalid request.
    try:
        validate.check_quarter_edit(conn, fid, before, None)
    except InvalidParameter as exc:
        raise Conflict(exc.detail) from None


_IS_PLOT = text("SELECT EXISTS (SELECT 1 FROM parcel_land WHERE parcel_id = :id)")


def _permit_delete(conn: Connection, spec: Spec, reader: Reader, fid: int) -> None:
    """Removing a feature is plan work. Removing a plot (a parcel with land data, in either
    land collection) takes its sale data with it, so it needs the right to edit sale data
    too, whatever sale data it holds: a refusal that depended on it would tell a planner
    whether a plot has any (gis.land.confidential)."""
    _permit(spec, reader, ["geometry"])
    if spec.layer not in confidential.LAND_COLLECTIONS or reader.may(Permission.EDIT_SALE):
        return
    if conn.execute(_IS_PLOT, {"id": fid}).scalar():
        raise Forbidden(
            f"The role '{reader.role.value}' may not remove a plot: its land and sale data "
            f"go with it, which needs {Permission.EDIT_SALE.value} as well as "
            f"{PLAN.value} (an admin)."
        )


def _check_version(
    conn, spec: Spec, fid: int, if_match: str | None, change_id, slug: str, reader: Reader
) -> None:
    """The write's precondition on the feature's current version as `reader` reads it
    (`gis.land.confidential.check_version`). A land feature's version moves, for a reader
    who may not read sale data, with its public parts only; for one who may, it covers the
    sale data too (`gis.land.confidential.sale_versioned`), and its public parts' version
    is the parcel's own."""
    public = None
    if not confidential.opaque_changes(reader) and spec.layer in confidential.LAND_COLLECTIONS:
        found = conn.execute(text("SELECT change_id FROM parcel WHERE id = :id"), {"id": fid})
        public = found.scalar()
    confidential.check_version(conn, if_match, change_id, slug, reader, public)


def _unmasked(conn: Connection, ids: list[int], masked: int) -> int:
    """The change of `ids` whose opaque id (`gis.record.opaque_ids`) is `masked`; -1 if none."""
    return next((c for c, o in record.opaque_ids(conn, ids).items() if o == masked), -1)


def restore(
    conn: Connection,
    collection: str,
    feature_id: str,
    change_id: str,
    reader: Reader,
    *,
    if_match: str | None,
    scenario: str | None = None,
    note: str | None = None,
) -> Written:
    """Writes the feature back as it was after change `change_id` (a version its history
    lists), as a new change of kind "restore". A deleted feature comes back with its id;
    restoring a version in which the feature was absent deletes it."""
    from gis.editing import history

    spec = spec_of(collection)
    authorise(spec, reader)
    fid = features.parse_feature_id(feature_id)
    try:
        wanted = int(change_id)
    except ValueError:
        raise NotFound("version", change_id) from None
    note = check_note(note)
    savepoint = conn.begin_nested()  # undone when the restore changes nothing, as in replace
    target = _open(conn, scenario, reader, "restore", note)
    versions = history.events(conn, spec, fid, target, reader)
    if not versions:
        raise NotFound("feature", str(fid))
    _check_version(conn, spec, fid, if_match, versions[-1].change_id, target.slug, reader)
    # A history gives a reader who may not read sale data its versions' change ids opaque
    # (gis.land.confidential.feature_history), and they name a version so; the real id is
    # not theirs to confirm.
    if record.is_opaque(wanted):
        wanted = _unmasked(conn, [v.change_id for v in versions], wanted)
    elif confidential.opaque_changes(reader):
        wanted = -1
    event = next((v for v in versions if v.change_id == wanted), None)
    if event is None:
        raise NotFound("version", f"{fid} after change {change_id}")
    past = history.state_at(conn, spec, fid, event)
    served, _v = _served(conn, full_layer(spec), fid)
    before_quarter = None
    if spec is QUARTERS and served is not None:
        current = store.load(conn, spec.owner, fid)
        assert current is not None
        before_quarter = _quarter(current)
    if past is None:  # the version restored is the feature's absence
        if served is None:  # absent now too
            savepoint.rollback()
            return Written(fid, "", None, target.slug)
        _permit_delete(conn, spec, reader, fid)
        if before_quarter is not None:
            _check_quarter_removal(conn, fid, before_quarter)
        store.delete(conn, target, spec.owner, fid, spec.delete_only)
        savepoint.commit()
        return Written(fid, "", None, target.slug)
    state, past_served = past
    current_state = _load(conn, spec, fid) if served is not None else None
    hidden = _keep_hidden(spec, reader, state, current_state)
    if _same_rows(spec, state, current_state):
        unchanged = _answer(conn, spec, reader, target, fid)
        savepoint.rollback()
        return unchanged
    now = (served or {}).get("properties", {})
    changed = [k for k in _changes(spec, _comparable(spec, past_served), now) if k not in hidden]
    if served is None or json.dumps(served.get("geometry")) != json.dumps(past_served["geometry"]):
        changed.append("geometry")
    _permit(spec, reader, changed)
    _check_rows(conn, spec, fid, state)
    if spec.anchored:
        validate.check_anchor(conn, state.rows[spec.owner][spec.geometry_column])
    if spec is QUARTERS and _quarter(state) != before_quarter:
        validate.check_quarter_edit(conn, fid, before_quarter, _quarter(state))
    if spec.list_table and spec.list_table not in state.items:
        state.items[spec.list_table] = []
    _write(conn, target, spec, fid, state, current_state)
    _record_sale_status(conn, target, fid, now, past_served["properties"], reader, note)
    savepoint.commit()
    return _answer(conn, spec, reader, target, fid, changed)


def _keep_hidden(
    spec: Spec, reader: Reader, past: store.State, current: store.State | None
) -> set[str]:
    """What a restore leaves as it is now: the sale data of a reader who may not read it
    (they cannot see what they would write back, nor may a refusal or a change of theirs
    tell them it differs). Sets `past`'s sale rows to the current ones (none, where the
    feature is absent now); the names of the properties kept."""
    if confidential.may_read(reader):
        return set()
    for table in confidential.SALE_TABLES & set(spec.row_tables):
        now = None if current is None else current.rows.get(table)
        past.rows[table] = copy.deepcopy(now)
    return {p.name for p in spec.props if p.confidential}


def _load(conn: Connection, spec: Spec, fid: int) -> store.State | None:
    items = (spec.list_table,) if spec.list_table else ()
    return store.load(conn, spec.owner, fid, row_tables=spec.row_tables, item_tables=items)


def _same_rows(spec: Spec, a: store.State, b: store.State | None) -> bool:
    """Whether two states of a feature hold the same values in every column a write sets
    (`store.same`)."""
    if b is None:
        return False
    return all(store.same(t, a, b) for t in {*a.rows, *b.rows, *a.items, *b.items})


def _comparable(spec: Spec, served: dict) -> dict:
    props = dict(served["properties"])
    if spec.list_prop:
        props[spec.list_prop] = [
            {p.column: d.get(p.name) for p in spec.child_props}
            for d in props.get(spec.list_prop) or []
        ]
    return {k: v for k, v in props.items() if spec.prop(k) is None or not spec.prop(k).derived}
