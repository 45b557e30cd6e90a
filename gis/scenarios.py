"""Scenarios as named lines of the plan: list, create, delete, compare, adopt.

A scenario stores only its differences from "vedtaget" (migration 0010, `gis.record`): a
feature it overrides has current rows in the `T_version` tables under its id, children
(a building's dwellings, a parcel's land and sale data) included; every other feature is
its base's. So everything here is driven by those rows:

- a **diff** compares the states of the features that can differ (the ones either side
  overrides, plus the ones vedtaget changed between the two sides' base times) read under
  each side's `gis.record.enter`, one set-based read per feature kind and side;
- an **adoption** writes the scenario's overridden features onto the plan tables as one
  change of vedtaget; the tables' triggers keep vedtaget's old rows, so the plan as it was
  before stays readable with `recorded=`. It is refused when vedtaget changed, after the
  scenario took a feature over (or after the version a pinned scenario branched from), a
  feature the scenario overrides: applying the scenario would silently undo that change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Connection, text

from gis import law, record, tenure
from gis.db import elevated
from gis.errors import Conflict, InvalidParameter, NotFound
from gis.land.confidential import SALE_TABLES
from gis.record import ADOPTED, ADOPTED_ID, PlanView

# The trajectory a diff shows: the plan's years and five beyond the law's deadline.
TRAJECTORY_YEARS = (2020, 2035)
DEFAULT_AREA = "vollsmose"
MAX_NAME = 200
MAX_DESCRIPTION = 4000


@dataclass(frozen=True)
class Part:
    """A child table of a feature: its rows belong to the feature named by `owner_col`."""

    table: str
    owner_col: str
    # How its attributes are named in a diff ("land.sale_status"); None: compared as a
    # whole (a building's dwellings, by tenure).
    prefix: str | None

    @property
    def confidential(self) -> bool:
        return self.table in SALE_TABLES


@dataclass(frozen=True)
class FeatureKind:
    """A kind of feature a scenario overrides as a unit: its table and its children."""

    table: str
    collection: str  # the OGC collection id (gis.layers)
    parts: tuple[Part, ...] = ()
    name_col: str | None = "name"


# In the order of migration 0010's PLAN_TABLES: parents before children, so an adoption
# inserts a parcel before the building on it. tests/gis/test_scenarios.py holds this equal
# to what the database's plan_view views say they override.
FEATURES: tuple[FeatureKind, ...] = (
    FeatureKind("quarter", "quarters"),
    FeatureKind(
        "parcel",
        "parcels",
        (
            Part("parcel_land", "parcel_id", "land"),
            # Sale data (price, buyer, dates) is confidential: only a reader allowed to
            # read it sees its changes in a diff.
            Part("parcel_sale", "parcel_id", "sale"),
        ),
        name_col="matrikelnummer",
    ),
    FeatureKind("building", "buildings", (Part("dwelling_stock", "building_id", None),)),
    FeatureKind("road", "roads"),
    FeatureKind("rail_line", "rail_lines"),
    FeatureKind("rail_stop", "rail_stops"),
    FeatureKind("facility", "facilities"),
    # The registers' lokalplaner and addresses (migration 0017) have versions like the rest;
    # an address has no name of its own.
    FeatureKind("local_plan", "local_plans", name_col="plan_name"),
    FeatureKind("address", "addresses", name_col=None),
)

# Columns that say when and by which change a row was recorded: never compared or copied
# (the triggers stamp them).
RECORD_COLUMNS = ("recorded_from", "change_id")


# --- reading and writing scenarios --------------------------------------------------------


@dataclass(frozen=True)
class AdoptionChange:
    id: int
    recorded_at: dt.datetime
    actor: str
    note: str | None


@dataclass(frozen=True)
class Scenario:
    id: int
    slug: str
    name: str
    description: str | None
    base: str | None  # "vedtaget"; None for vedtaget itself
    base_recorded: dt.datetime | None  # None: follows its base as the base moves on
    created_at: dt.datetime
    created_by: str | None
    adopted_change: AdoptionChange | None
    # Features it overrides now (a deletion is an override), per collection.
    overrides: dict[str, int] = field(default_factory=dict)

    @property
    def adopted(self) -> bool:
        return self.adopted_change is not None

    @property
    def override_count(self) -> int:
        return sum(self.overrides.values())


def _overrides_sql(with_sale: bool) -> str:
    # A feature with confidential parts (a plot's sale data) is overridden, for a reader who
    # may not read them, only where the scenario changed a public part of it (which moves
    # its row's change, gis.editing.store.touch) or deleted it: a scenario takes the plot
    # over at a first edit of its sale data alone too, and its moment is not theirs.
    def public_part(f: FeatureKind) -> str:
        if with_sale or not any(p.confidential for p in f.parts):
            return ""
        return (
            " AND (v.deleted OR EXISTS (SELECT 1 FROM plan_change c"
            " WHERE c.id = v.change_id AND c.scenario_id = v.scenario_id))"
        )

    branches = " UNION ALL ".join(
        f"SELECT scenario_id, '{f.collection}' AS collection, count(*) AS n"
        f" FROM {f.table}_version v WHERE recorded_to = 'infinity' AND scenario_id <> 1"
        " AND (CAST(:slug AS text) IS NULL OR scenario_id = (SELECT id FROM sel))"
        f"{public_part(f)} GROUP BY scenario_id"
        for f in FEATURES
    )
    # The adoption's change id as the reader may see it (gis.land.confidential.
    # opaque_changes): the statement runs with the login role's rights, which may mask it.
    change = "c.id" if with_sale else "vm_mask_change(c.id)"
    return f"""
    WITH sel AS (SELECT id FROM scenario WHERE slug = :slug),
    o AS ({branches})
    SELECT s.id, s.slug, s.name, s.description, s.base_recorded, s.created_at, s.created_by,
           {change} AS change_id, c.recorded_at, c.actor, c.note,
           (SELECT coalesce(jsonb_object_agg(o.collection, o.n), '{{}}')
              FROM o WHERE o.scenario_id = s.id) AS overrides
      FROM scenario s LEFT JOIN plan_change c ON c.id = s.adopted_change_id
     WHERE CAST(:slug AS text) IS NULL OR s.slug = :slug
     ORDER BY s.id
    """


def _scenario(row) -> Scenario:
    adopted = (
        AdoptionChange(row.change_id, row.recorded_at, row.actor, row.note)
        if row.change_id is not None
        else None
    )
    return Scenario(
        id=row.id,
        slug=row.slug,
        name=row.name,
        description=row.description,
        base=None if row.id == ADOPTED_ID else ADOPTED,
        base_recorded=row.base_recorded,
        created_at=row.created_at,
        created_by=row.created_by,
        adopted_change=adopted,
        overrides={c: int(n) for c, n in sorted(row.overrides.items())},
    )


def _scenarios(conn: Connection, slug: str | None, with_sale: bool) -> list:
    # With the login role's rights: the overrides are counted from the version tables and
    # an adoption is a plan change, which the reader role may not read as such (a land
    # change's time is a sale date, migration 0032); what is answered is public, or the
    # reader's (`with_sale`: a reader who may read sale data).
    with elevated(conn):
        return conn.execute(text(_overrides_sql(with_sale)), {"slug": slug}).all()


def list_scenarios(conn: Connection, *, with_sale: bool = False) -> list[Scenario]:
    return [_scenario(r) for r in _scenarios(conn, None, with_sale)]


def get_scenario(conn: Connection, slug: str, *, with_sale: bool = False) -> Scenario:
    row = next(iter(_scenarios(conn, slug, with_sale)), None)
    if row is None:
        raise NotFound("scenario", slug)
    return _scenario(row)


def check_new_scenario(
    slug: str, name: str, base: str, base_recorded: str | None
) -> dt.datetime | None:
    """Checks a new scenario's fields (no I/O); returns the base's recorded time."""
    if not record.SLUG.match(slug or ""):
        raise InvalidParameter(
            "slug",
            "slug: 1 to 64 lower-case letters, digits and '-', starting with one of the first two.",
        )
    if not name or not name.strip() or len(name) > MAX_NAME:
        raise InvalidParameter("name", f"name: a non-empty text of at most {MAX_NAME} characters.")
    if base != ADOPTED:
        raise InvalidParameter(
            "base", f"base: only '{ADOPTED}' (the adopted plan) can be a scenario's base."
        )
    try:
        return record.parse_recorded(base_recorded)
    except InvalidParameter as exc:
        raise InvalidParameter(
            "base_recorded", "base_recorded" + exc.detail.removeprefix("recorded")
        ) from None


def create_scenario(
    conn: Connection,
    *,
    slug: str,
    name: str,
    description: str | None = None,
    base: str = ADOPTED,
    base_recorded: str | None = None,
    actor: str,
    role: str | None,
) -> Scenario:
    pinned = check_new_scenario(slug, name, base, base_recorded)
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise InvalidParameter("description", f"description: at most {MAX_DESCRIPTION} characters.")
    change = record.begin_change(conn, actor=actor, role=role, kind="edit", note="scenario created")
    new_id = conn.execute(
        text(
            "INSERT INTO scenario (slug, name, description, base_recorded, created_at, created_by)"
            " VALUES (:slug, :name, :description, :pinned, :at, :actor)"
            " ON CONFLICT (slug) DO NOTHING RETURNING id"
        ),
        {
            "slug": slug,
            "name": name.strip(),
            "description": description,
            "pinned": pinned,
            "at": change.recorded_at,
            "actor": actor,
        },
    ).scalar()
    if new_id is None:
        raise Conflict(f"The slug '{slug}' is taken by another scenario.")
    # The creation is the scenario's first change, not one of vedtaget's.
    conn.execute(
        text("UPDATE plan_change SET scenario_id = :s WHERE id = :c"),
        {"s": new_id, "c": change.id},
    )
    return get_scenario(conn, slug)


def _locked(conn: Connection, slug: str) -> tuple[int, dt.datetime | None, int | None]:
    row = conn.execute(
        text(
            "SELECT id, base_recorded, adopted_change_id FROM scenario WHERE slug = :s FOR UPDATE"
        ),
        {"s": slug},
    ).first()
    if row is None:
        raise NotFound("scenario", slug)
    return row.id, row.base_recorded, row.adopted_change_id


def delete_scenario(conn: Connection, slug: str, *, actor: str, role: str | None) -> None:
    """Deletes a scenario with its rows and its changes. An adopted scenario stays: its
    changes are how the adopted plan came about."""
    if slug == ADOPTED:
        raise Conflict(f"'{ADOPTED}' is the adopted plan; it cannot be deleted.")
    # Serialises with writers of the scenario; the audit row is vedtaget's, as the
    # scenario's own changes go with it.
    record.begin_change(
        conn, actor=actor, role=role, kind="delete", note=f"scenario '{slug}' deleted"
    )
    sid, _, adopted = _locked(conn, slug)
    if adopted is not None:
        raise Conflict(
            f"The scenario '{slug}' was adopted (change {adopted}); it stays as the record of "
            "how the adopted plan came about."
        )
    conn.execute(text("DELETE FROM scenario WHERE id = :s"), {"s": sid})


def writable_scenario(conn: Connection, slug: str) -> int:
    """The id of a scenario edits may go to: an adopted scenario is read-only."""
    sid, _, adopted = _locked(conn, slug) if slug != ADOPTED else (ADOPTED_ID, None, None)
    if adopted is not None:
        raise Conflict(f"The scenario '{slug}' was adopted; it is read-only.")
    return sid


# --- columns, read from the catalogue -------------------------------------------------------


@dataclass(frozen=True)
class Columns:
    plain: tuple[str, ...]  # written by an adoption: not generated, not the record columns
    compared: tuple[str, ...]  # compared by a diff: plain, minus geometry and keys
    geometry: str | None
    key: str  # the row's key: id, or the owner's column for one-row-per-feature parts


@cache
def _columns_sql():
    return text(
        """
        SELECT a.attname, a.attgenerated <> '' AS generated,
               t.typname = 'geometry' AS is_geometry
          FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
         WHERE a.attrelid = CAST(:t AS regclass) AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attnum
        """
    )


def _columns(conn: Connection, table: str, owner_col: str = "id") -> Columns:
    rows = conn.execute(_columns_sql(), {"t": f"public.{table}"}).all()
    names = [r.attname for r in rows]
    plain = tuple(r.attname for r in rows if not r.generated and r.attname not in RECORD_COLUMNS)
    geometry = next((r.attname for r in rows if r.is_geometry and not r.generated), None)
    key = "id" if "id" in names else owner_col
    skip = {geometry, key, owner_col}
    compared = tuple(c for c in plain if c not in skip)
    return Columns(plain, compared, geometry, key)


# --- diff ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One side of a diff: a version of the plan and the time its base is read at."""

    view: PlanView
    scenario_id: int
    base_at: dt.datetime | None  # None: now

    def label(self) -> dict:
        at = self.view.recorded.isoformat() if self.view.recorded else None
        return {"scenario": self.view.scenario, "recorded": at}


def _side(conn: Connection, view: PlanView) -> Side:
    row = conn.execute(
        text("SELECT id, base_recorded FROM scenario WHERE slug = :s"), {"s": view.scenario}
    ).first()
    if row is None:
        raise NotFound("scenario", view.scenario)
    times = [t for t in (view.recorded, row.base_recorded if row.id != ADOPTED_ID else None) if t]
    return Side(view, row.id, min(times) if times else None)


def _candidates_sql(kind: FeatureKind, moved_between: bool) -> str:
    """The ids of `kind`'s features that can differ between the two sides: the ones either
    scenario overrides at its recorded time, and the ones vedtaget changed (any row of the
    feature recorded or superseded) between the two sides' base times."""
    tables = [(kind.table, "id")] + [(p.table, p.owner_col) for p in kind.parts]
    moved = " UNION ".join(
        f"SELECT {col} FROM {t} WHERE recorded_from > :lo AND recorded_from <= :hi"
        f" UNION SELECT {col} FROM {t}_version WHERE scenario_id = 1"
        f" AND ((recorded_from > :lo AND recorded_from <= :hi)"
        f" OR (recorded_to > :lo AND recorded_to <= :hi))"
        for t, col in tables
    )
    overridden = f"""
    SELECT id FROM {kind.table}_version
     WHERE scenario_id <> 1
       AND ((scenario_id = :a AND recorded_from <= :at_a AND recorded_to > :at_a)
         OR (scenario_id = :b AND recorded_from <= :at_b AND recorded_to > :at_b))
    """
    return f"{overridden} UNION {moved}" if moved_between else overridden


def _measure(geometry: str) -> str:
    return (
        f"CASE ST_Dimension({geometry}) WHEN 2 THEN round(ST_Area({geometry})::numeric, 1)"
        f" WHEN 1 THEN round(ST_Length({geometry})::numeric, 1) END"
    )


def _geometry_summary(dimension: int | None, measure) -> dict | None:
    if measure is None:
        return None
    return {"area_m2" if dimension == 2 else "length_m": float(measure)}


def _state_sql(conn: Connection, kind: FeatureKind, confidential: bool) -> str:
    """One statement reading the states of the candidate features (`:ids`) under whatever
    version of the plan the connection answers: unqualified names, so `plan_view` when
    entered. A feature's state: its attributes, a digest of its geometry, its parts."""
    cols = _columns(conn, kind.table)
    attrs = ", ".join(f"'{c}', t.{c}" for c in cols.compared)
    g = cols.geometry
    select = [
        "t.id",
        f"t.{kind.name_col} AS name" if kind.name_col else "NULL AS name",
        f"jsonb_build_object({attrs}) AS attrs",
        f"md5(ST_AsEWKB(t.{g})) AS geom_md5, ST_Dimension(t.{g}) AS dim",
        f"{_measure(f't.{g}')} AS measure",
    ]
    joins = []
    for i, part in enumerate(kind.parts):
        if part.confidential and not confidential:
            continue
        pc = _columns(conn, part.table, part.owner_col)
        if part.prefix is None:
            rows = ", ".join(f"'{c}', p.{c}" for c in pc.compared)
            select.append(f"p{i}.rows AS part{i}, p{i}.by_tenure AS tenure{i}")
            joins.append(
                f"LEFT JOIN LATERAL (SELECT jsonb_agg(jsonb_build_object({rows})"
                f" ORDER BY {', '.join('p.' + c for c in pc.compared)}) AS rows,"
                f" (SELECT jsonb_object_agg(tenure, n) FROM (SELECT tenure, sum(dwellings) AS n"
                f" FROM {part.table} q WHERE q.{part.owner_col} = t.id GROUP BY tenure) s)"
                f" AS by_tenure FROM {part.table} p WHERE p.{part.owner_col} = t.id) p{i} ON true"
            )
        else:
            row = ", ".join(f"'{part.prefix}.{c}', p{i}.{c}" for c in pc.compared)
            select.append(
                f"CASE WHEN p{i}.{part.owner_col} IS NOT NULL"
                f" THEN jsonb_build_object({row}) END AS part{i}"
            )
            joins.append(f"LEFT JOIN {part.table} p{i} ON p{i}.{part.owner_col} = t.id")
    return (
        f"SELECT {', '.join(select)} FROM {kind.table} t {' '.join(joins)}"
        " WHERE t.id = ANY(CAST(:ids AS integer[]))"
    )


@dataclass(frozen=True)
class FeatureState:
    name: str | None
    attrs: dict
    geom_md5: str | None
    geometry: dict | None
    parts: dict  # a part's state: its attributes (prefixed), or for dwellings their rows
    tenure: dict


def _read_side(
    conn: Connection,
    side: Side,
    ids: dict[str, list[int]],
    statements: dict[str, str],
    area: str,
) -> tuple[dict[str, dict[int, FeatureState]], tenure.Trajectory]:
    """The states of the candidate features, and the share trajectory, as `side` answers
    them. In a nested transaction: `record.enter` holds until the transaction ends, and
    rolling the savepoint back ends it for this side alone."""
    out: dict[str, dict[int, FeatureState]] = {}
    nested = conn.begin_nested()
    try:
        record.enter(conn, side.view)
        for kind in FEATURES:
            wanted = ids[kind.collection]
            states: dict[int, FeatureState] = {}
            if wanted:
                result = conn.execute(text(statements[kind.collection]), {"ids": wanted})
                for r in result.mappings():
                    states[r["id"]] = _state(r)
            out[kind.collection] = states
        trajectory = tenure.trajectory(conn, area, *TRAJECTORY_YEARS)
    finally:
        nested.rollback()
    return out, trajectory


def _state(r) -> FeatureState:
    parts: dict = {}
    by_tenure: dict = {}
    for key, value in r.items():
        if value is None:
            continue
        if key.startswith("part"):
            if isinstance(value, dict):
                parts.update(value)
            else:
                parts["dwelling_stock"] = value
        elif key.startswith("tenure"):
            by_tenure = {t: int(n) for t, n in sorted(value.items())}
    return FeatureState(
        r["name"],
        r["attrs"],
        r["geom_md5"],
        _geometry_summary(r["dim"], r["measure"]),
        parts,
        by_tenure,
    )


@dataclass(frozen=True)
class FeatureChange:
    collection: str
    id: int
    name: str | None
    change: str  # added, removed, changed
    changed: dict[str, dict] = field(default_factory=dict)


@dataclass(frozen=True)
class SideResult:
    scenario: str
    recorded: dt.datetime | None
    trajectory: tenure.Trajectory

    @property
    def first_compliant_year(self) -> int | None:
        return self.trajectory.first_compliant_year

    @property
    def meets_deadline(self) -> bool | None:
        """Whether the legal share is at most 40 % on 1 January 2030 (§ 168 a)."""
        year = next(y for y in self.trajectory.years if y.year == law.DEADLINE_YEAR)
        return year.total.compliant


@dataclass(frozen=True)
class Diff:
    scenario: SideResult
    against: SideResult
    added: list[FeatureChange]
    removed: list[FeatureChange]
    changed: list[FeatureChange]


def _compare(before: FeatureState, after: FeatureState) -> dict[str, dict]:
    """What changed from `before` (the side compared against) to `after` (the scenario)."""
    out: dict[str, dict] = {}
    for source_a, source_b in ((before.attrs, after.attrs), (before.parts, after.parts)):
        for key in sorted(set(source_a) | set(source_b)):
            if key == "dwelling_stock":
                continue
            a, b = source_a.get(key), source_b.get(key)
            if a != b:
                out[key] = {"from": a, "to": b}
    if before.geom_md5 != after.geom_md5:
        out["geometry"] = {"from": before.geometry, "to": after.geometry}
    if before.tenure != after.tenure:
        out["dwellings"] = {"from": before.tenure, "to": after.tenure}
    elif before.parts.get("dwelling_stock") != after.parts.get("dwelling_stock"):
        # The same dwellings by tenure, held differently (years, floor area, conversions).
        out["dwelling_stock"] = {
            "from": before.parts.get("dwelling_stock"),
            "to": after.parts.get("dwelling_stock"),
        }
    return out


def diff(
    conn: Connection,
    scenario: PlanView,
    against: PlanView,
    *,
    area: str = DEFAULT_AREA,
    confidential: bool = False,
) -> Diff:
    """The features added, removed and changed from `against` to `scenario`, and the
    share trajectory of both. `conn` must answer the adopted plan now (no view entered):
    each side is entered in a nested transaction of its own."""
    a, b = _side(conn, scenario), _side(conn, against)
    # Vedtaget's changes matter between the times the two sides read it at (None: now).
    moved = a.base_at != b.base_at
    known = [t for t in (a.base_at, b.base_at) if t is not None]
    params = {
        "a": a.scenario_id,
        "b": b.scenario_id,
        "at_a": scenario.recorded or record.NOW,
        "at_b": against.recorded or record.NOW,
        "lo": min(known) if known else None,
        "hi": max(known) if len(known) == 2 else record.NOW,
    }
    ids: dict[str, list[int]] = {}
    # Which features to compare, found from the version tables' exact times: with the login
    # role's rights (the reader role may not read a land row's, migration 0032); the ids are
    # only candidates, the states compared are read with the reader's.
    with elevated(conn):
        for kind in FEATURES:
            found = conn.execute(text(_candidates_sql(kind, moved)), params).scalars().all()
            ids[kind.collection] = sorted(i for i in found if i is not None)
    statements = {k.collection: _state_sql(conn, k, confidential) for k in FEATURES}
    mine, mine_trajectory = _read_side(conn, a, ids, statements, area)
    theirs, their_trajectory = _read_side(conn, b, ids, statements, area)
    added, removed, changed = [], [], []
    for kind in FEATURES:
        c = kind.collection
        for fid in ids[c]:
            now_state, then_state = mine[c].get(fid), theirs[c].get(fid)
            if now_state and not then_state:
                added.append(FeatureChange(c, fid, now_state.name, "added"))
            elif then_state and not now_state:
                removed.append(FeatureChange(c, fid, then_state.name, "removed"))
            elif now_state and then_state:
                what = _compare(then_state, now_state)
                if what:
                    changed.append(FeatureChange(c, fid, now_state.name, "changed", what))
    return Diff(
        SideResult(scenario.scenario, scenario.recorded, mine_trajectory),
        SideResult(against.scenario, against.recorded, their_trajectory),
        added,
        removed,
        changed,
    )


def diff_rows(result: Diff) -> list[dict]:
    """The changed-features table: one row per feature added or removed, one per changed
    attribute of a changed feature."""
    rows = []
    for f in result.added + result.removed:
        rows.append({"collection": f.collection, "id": f.id, "name": f.name, "change": f.change})
    for f in result.changed:
        for attribute, values in f.changed.items():
            rows.append(
                {
                    "collection": f.collection,
                    "id": f.id,
                    "name": f.name,
                    "change": "changed",
                    "attribute": attribute,
                    "from": values["from"],
                    "to": values["to"],
                }
            )
    return rows


# --- adoption -----------------------------------------------------------------------------


def _conflicts_sql(kind: FeatureKind) -> str:
    """The features `:s` overrides that vedtaget changed after the scenario took them over
    (the earliest of the feature's rows in the scenario), or after `:pinned`, the version a
    pinned scenario branched from: vedtaget's rows of the feature (and of its parts)
    recorded after that, or superseded after it (an update, or a deletion)."""
    tables = [(kind.table, "id")] + [(p.table, p.owner_col) for p in kind.parts]
    theirs = " UNION ALL ".join(
        f"SELECT {col} AS fid, recorded_from AS at, change_id FROM {t}"
        f" WHERE {col} IN (SELECT fid FROM mine)"
        f" UNION ALL SELECT {col}, recorded_to, superseded_by FROM {t}_version"
        f" WHERE scenario_id = 1 AND {col} IN (SELECT fid FROM mine)"
        for t, col in tables
    )
    return f"""
    WITH mine AS (
        SELECT id AS fid, least(min(recorded_from), CAST(:pinned AS timestamptz)) AS since
          FROM {kind.table}_version WHERE scenario_id = :s
         GROUP BY id HAVING bool_or(recorded_to = 'infinity')
    ), theirs AS ({theirs})
    SELECT DISTINCT ON (m.fid) m.fid, m.since, t.at, t.change_id, c.actor, c.kind, c.note
      FROM mine m JOIN theirs t ON t.fid = m.fid AND t.at > m.since
      LEFT JOIN plan_change c ON c.id = t.change_id
     ORDER BY m.fid, t.at DESC
    """


def conflicts(conn: Connection, scenario_id: int, pinned: dt.datetime | None) -> list[dict]:
    out = []
    for kind in FEATURES:
        rows = conn.execute(text(_conflicts_sql(kind)), {"s": scenario_id, "pinned": pinned})
        for r in rows:
            out.append(
                {
                    "collection": kind.collection,
                    "id": r.fid,
                    "scenario_since": r.since.isoformat(),
                    "vedtaget_changed_at": r.at.isoformat(),
                    "change": {"id": r.change_id, "actor": r.actor, "kind": r.kind, "note": r.note},
                }
            )
    return out


@dataclass(frozen=True)
class Adoption:
    scenario: str
    change_id: int
    recorded_at: dt.datetime
    # Rows written per plan table: {"building": {"updated": 2, "inserted": 1, "deleted": 0}}
    tables: dict[str, dict[str, int]]


def _apply_sql(table: str, owner: str, owner_col: str, cols: Columns) -> tuple[str, str, str]:
    """DELETE, UPDATE and INSERT statements writing scenario `:s`'s rows of `table` onto the
    plan table: for every feature the scenario overrides, the plan's rows become the
    scenario's current rows (none, when the scenario deleted the feature)."""
    overridden = (
        f"SELECT id FROM {owner}_version WHERE scenario_id = :s AND recorded_to = 'infinity'"
    )
    kept = f"{overridden} AND NOT deleted"
    theirs = (
        f"v.scenario_id = :s AND v.recorded_to = 'infinity' AND NOT v.deleted"
        f" AND v.{owner_col} IN ({kept})"
    )
    k = cols.key
    delete = (
        f"DELETE FROM {table} t WHERE t.{owner_col} IN ({overridden})"
        f" AND NOT EXISTS (SELECT 1 FROM {table}_version v WHERE {theirs} AND v.{k} = t.{k})"
    )
    written = [c for c in cols.plain if c != k]
    assign = ", ".join(f"{c} = v.{c}" for c in written)
    # Only rows that differ: an unchanged row keeps its version and adds no history (the
    # plan tables' triggers cannot tell a no-op update of a table with a generated column:
    # a BEFORE trigger sees that column empty).
    differs = (
        f"({', '.join('t.' + c for c in written)}) IS DISTINCT FROM"
        f" ({', '.join('v.' + c for c in written)})"
    )
    update = (
        f"UPDATE {table} t SET {assign} FROM {table}_version v"
        f" WHERE {theirs} AND v.{k} = t.{k} AND {differs}"
    )
    names = ", ".join(cols.plain)
    insert = (
        f"INSERT INTO {table} ({names}) SELECT {', '.join('v.' + c for c in cols.plain)}"
        f" FROM {table}_version v WHERE {theirs}"
        f" AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.{k} = v.{k})"
    )
    return delete, update, insert


def adopt(
    conn: Connection, slug: str, *, actor: str, role: str | None, note: str | None = None
) -> Adoption:
    """Applies scenario `slug` onto vedtaget as one change; refused (Conflict, with the
    features listed) when vedtaget changed a feature the scenario overrides since the
    scenario took it over. Afterwards the scenario is marked adopted and read-only."""
    if slug == ADOPTED:
        raise Conflict(f"'{ADOPTED}' is the adopted plan already.")
    change = record.begin_change(
        conn,
        actor=actor,
        role=role,
        kind="adopt",
        note=note or f"scenario '{slug}' adopted",
        scenario_id=ADOPTED_ID,
    )
    sid, pinned, adopted = _locked(conn, slug)
    if adopted is not None:
        raise Conflict(f"The scenario '{slug}' was adopted already (change {adopted}).")
    found = conflicts(conn, sid, pinned)
    if found:
        raise Conflict(
            f"Vedtaget changed {len(found)} feature(s) the scenario '{slug}' also changed, "
            "after the scenario took them over; adopting it would undo those changes. "
            "Bring the scenario's features up to date with vedtaget, then adopt again.",
            found,
        )
    tables: dict[str, dict[str, int]] = {}
    for kind in FEATURES:
        for table, owner_col in [(kind.table, "id")] + [(p.table, p.owner_col) for p in kind.parts]:
            cols = _columns(conn, table, owner_col)
            delete, update, insert = _apply_sql(table, kind.table, owner_col, cols)
            counts = {}
            for what, sql in (("deleted", delete), ("updated", update), ("inserted", insert)):
                counts[what] = conn.execute(text(sql), {"s": sid}).rowcount
            tables[table] = counts
    conn.execute(
        text("UPDATE scenario SET adopted_change_id = :c WHERE id = :s"),
        {"c": change.id, "s": sid},
    )
    return Adoption(slug, change.id, change.recorded_at, tables)
