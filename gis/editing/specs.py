"""What each editable layer writes: its tables, its properties as columns, and their rules.

A property's type, length and nullability come from the model's column (`gis.models`), so
the rules cannot drift from the schema; what the column's CHECK says beyond that (the
enumerations, non-negative amounts) is named here from the same constants the CHECKs use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Boolean, Date, Float, Integer, Numeric, SmallInteger, String

from gis.errors import NotFound
from gis.land.confidential import CONFIDENTIAL_FIELDS
from gis.layers import LAYERS, Layer
from gis.models import Base
from gis.models.land import CONSTRAINTS, OWNER_CATEGORIES, SALE_STATUSES
from gis.models.plan import (
    BUILDING_USES,
    EJERFORHOLD_CODES,
    FACILITY_KINDS,
    PLANNED_USES,
    ROAD_KINDS,
    ROAD_STATUSES,
    STOCK_CHANGES,
    TENURES,
)
from gis.plan_edits import YEAR_ORDER
from gis.roles import Permission, Reader, Role
from gis.state import MAX_YEAR, MIN_YEAR

PLAN = Permission.EDIT_PLAN
SALE = Permission.EDIT_SALE

# The widest integers a column holds (PostgreSQL SMALLINT, INTEGER).
INT_RANGE = {SmallInteger: (-(2**15), 2**15 - 1), Integer: (-(2**31), 2**31 - 1)}
# Free text (a TEXT column) has no length in the schema; a name or a note longer than this
# is a mistake (a pasted file), not plan data.
TEXT_MAX = 2000
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"

# A feature's child tables: copied with it when a scenario first edits it (gis.record's
# feature-by-feature override). Keyed by the owner table; (child table, its key column).
CHILDREN: dict[str, tuple[tuple[str, str], ...]] = {
    "building": (("dwelling_stock", "building_id"),),
    "parcel": (("parcel_land", "parcel_id"), ("parcel_sale", "parcel_id")),
}
# Columns no write names: the triggers stamp the record columns, PostgreSQL computes the rest.
STAMPED = ("recorded_from", "change_id")


@dataclass(frozen=True)
class Prop:
    """One property of a layer's features and the column that holds it.

    `kind`: int, float, bool, text, date, enum, enum_list, or `special` (a property that is
    not one column: the layer's spec resolves it). `derived` properties are computed by the
    read and ignored on write (a client may send back what it read)."""

    name: str
    table: str
    column: str
    kind: str
    nullable: bool = True
    low: float | None = None
    high: float | None = None
    exclusive_low: bool = False
    max_length: int | None = None
    choices: tuple = ()
    pattern: str | None = None
    default: Any = None
    permission: Permission = PLAN
    confidential: bool = False
    derived: bool = False


def column_prop(table: str, name: str, column: str | None = None, **rules: Any) -> Prop:
    """A property read from the model's column: type, range, length and nullability."""
    col = Base.metadata.tables[table].columns[column or name]
    kind, extra = "text", {}
    t = col.type
    if isinstance(t, Boolean):
        kind = "bool"
    elif isinstance(t, SmallInteger | Integer):
        kind = "int"
        extra["low"], extra["high"] = INT_RANGE[
            SmallInteger if isinstance(t, SmallInteger) else Integer
        ]
    elif isinstance(t, Numeric) and not isinstance(t, Float):
        # NUMERIC(p, 0): whole numbers below 10^p.
        kind = "int"
        extra["low"], extra["high"] = -(10**t.precision) + 1, 10**t.precision - 1
    elif isinstance(t, Float):
        kind = "float"
    elif isinstance(t, Date):
        kind = "date"
    elif isinstance(t, String) and t.length:
        extra["max_length"] = t.length
    else:
        extra["max_length"] = TEXT_MAX
    if "choices" in rules:
        kind = "enum_list" if rules.pop("list", False) else "enum"
    extra["nullable"] = col.nullable and not col.primary_key
    return Prop(name, table, column or name, kind, **{**extra, **rules})


def life_year(table: str, name: str, **rules: Any) -> Prop:
    """A year of a feature's life: the years the platform answers for (gis.state)."""
    return column_prop(table, name, low=MIN_YEAR, high=MAX_YEAR, **rules)


def special(name: str, table: str, column: str, **rules: Any) -> Prop:
    return Prop(name, table, column, "special", **rules)


@dataclass(frozen=True)
class Spec:
    """How one collection writes: `owner` is the feature's table (its `id` is the feature
    id); `props` in the layer's order; `child_props` the columns of a list property's rows
    (a building's `dwellings`); `orders` the year sequences that must not go backwards;
    `unique` (table, columns, the property named when taken): unique in the plan, checked
    in the version written to (a scenario's version tables carry no unique index)."""

    layer: str
    owner: str
    geometry_column: str
    geometry_type: str
    props: tuple[Prop, ...]
    orders: tuple[tuple[str, ...], ...] = ()
    unique: tuple[tuple[str, tuple[str, ...], str], ...] = ()
    list_prop: str | None = None
    list_table: str | None = None
    child_props: tuple[Prop, ...] = ()
    child_orders: tuple[tuple[str, ...], ...] = ()
    # Tables whose single row (keyed by the feature id) holds part of the properties.
    row_tables: tuple[str, ...] = ()
    # A building's anchor must lie in one quarter of each quarter set of its area.
    anchored: bool = False
    # Deleting the feature deletes these rows only (a plot: its land record; the parcel,
    # a cadastral fact, stays).
    delete_only: tuple[str, ...] = ()
    permissions: frozenset[Permission] = field(default_factory=lambda: frozenset({PLAN}))

    def prop(self, name: str) -> Prop | None:
        return next((p for p in self.props if p.name == name), None)


def _enum(table: str, name: str, choices: tuple, **rules: Any) -> Prop:
    return column_prop(table, name, choices=choices, **rules)


_DWELLING_PROPS = (
    _enum("dwelling_stock", "tenure", TENURES),
    column_prop("dwelling_stock", "dwellings", low=0),
    column_prop("dwelling_stock", "floor_area_m2", low=0, default=0.0, nullable=False),
    life_year("dwelling_stock", "start_year"),
    life_year("dwelling_stock", "end_year"),
    _enum("dwelling_stock", "change", STOCK_CHANGES),
    column_prop("dwelling_stock", "decided", default=True, nullable=False),
)


def _provenance(table: str) -> tuple[Prop, ...]:
    """Where an imported feature's values come from (gis.layers.PROVENANCE): the importers
    write it; an edit may send back what it read, and it is ignored."""
    return tuple(
        column_prop(table, name, derived=True)
        for name in ("source_id", "source_register", "source_extract_date")
    )


B = "building"
BUILDINGS = Spec(
    layer="buildings",
    owner=B,
    geometry_column="footprint",
    geometry_type="MultiPolygon",
    props=(
        column_prop(B, "source_id"),
        column_prop(B, "name"),
        column_prop(B, "department"),
        _enum(B, "use", BUILDING_USES),
        column_prop(B, "bbr_use_code", low=0),
        column_prop(B, "storeys", low=0),
        column_prop(B, "floor_area_m2", low=0),
        column_prop(B, "business_floor_area_m2", low=0, default=0.0, nullable=False),
        column_prop(B, "construction_year", low=1000, high=MAX_YEAR),
        column_prop(B, "owner"),
        _enum(B, "ejerforhold", EJERFORHOLD_CODES),
        life_year(B, "built_year"),
        column_prop(B, "built_decided", default=True, nullable=False),
        life_year(B, "renovation_start_year"),
        life_year(B, "renovation_end_year"),
        column_prop(B, "renovation_decided", default=True, nullable=False),
        life_year(B, "demolished_year"),
        column_prop(B, "demolition_decided", default=True, nullable=False),
        *_provenance(B)[1:],
    ),
    orders=(YEAR_ORDER,),
    unique=((B, ("source_id",), "source_id"),),
    list_prop="dwellings",
    list_table="dwelling_stock",
    child_props=_DWELLING_PROPS,
    child_orders=(("start_year", "end_year"),),
    anchored=True,
)

P = "parcel"
PARCELS = Spec(
    layer="parcels",
    owner=P,
    geometry_column="geom",
    geometry_type="MultiPolygon",
    props=(
        column_prop(P, "ejerlavskode", low=1),
        column_prop(P, "matrikelnummer"),
        column_prop(P, "owner"),
        column_prop(P, "registered_area_m2", low=0),
        _enum(P, "planned_use", PLANNED_USES),
        *_provenance(P),
    ),
    unique=((P, ("ejerlavskode", "matrikelnummer"), "matrikelnummer"),),
)

L, S = "parcel_land", "parcel_sale"
_SALE_PROPS = tuple(
    column_prop(
        S, name, permission=SALE, confidential=True, **({"low": 0} if name == "price_dkk" else {})
    )
    for name in CONFIDENTIAL_FIELDS
)
PLOTS = Spec(
    layer="plots",
    owner=P,
    geometry_column="geom",
    geometry_type="MultiPolygon",
    props=(
        column_prop(L, "plot_label", permission=SALE),
        special("matrikel", P, "matrikelnummer", nullable=False),
        _enum(L, "owner_category", OWNER_CATEGORIES),
        _enum(P, "planned_use", PLANNED_USES),
        _enum(
            L, "sale_status", SALE_STATUSES, permission=SALE, default="not_for_sale", nullable=False
        ),
        column_prop(L, "sale_year", low=2000, high=2100, permission=SALE),
        column_prop(L, "sale_phase", permission=SALE),
        special("plot_area_m2", P, "registered_area_m2", derived=True),
        column_prop(L, "building_right_m2", low=0),
        # A bebyggelsesprocent of 2,000 % is beyond any local plan; a larger ratio would
        # overflow the building right derived from it (plot area × ratio).
        column_prop(L, "plot_ratio", low=0, exclusive_low=True, high=20),
        column_prop(L, "expected_dwellings", low=0),
        column_prop(L, "expected_business_m2", low=0),
        _enum(L, "constraints", CONSTRAINTS, list=True, default=(), nullable=False),
        *_SALE_PROPS,
    ),
    unique=(
        (P, ("ejerlavskode", "matrikelnummer"), "matrikel"),
        (L, ("plot_label",), "plot_label"),
    ),
    row_tables=(L, S),
    delete_only=(L, S),
    permissions=frozenset({PLAN, SALE}),
)

R = "road"
ROADS = Spec(
    layer="roads",
    owner=R,
    geometry_column="geom",
    geometry_type="MultiLineString",
    props=(
        _enum(R, "kind", ROAD_KINDS),
        column_prop(R, "name"),
        _enum(R, "status", ROAD_STATUSES),
        life_year(R, "opening_year"),
        life_year(R, "closing_year"),
        column_prop(R, "decided", default=True, nullable=False),
    ),
    orders=(("opening_year", "closing_year"),),
)

RAIL_LINES = Spec(
    layer="rail_lines",
    owner="rail_line",
    geometry_column="geom",
    geometry_type="MultiLineString",
    props=(
        column_prop("rail_line", "name"),
        column_prop("rail_line", "decided", default=False, nullable=False),
        life_year("rail_line", "opening_year"),
    ),
)

RAIL_STOPS = Spec(
    layer="rail_stops",
    owner="rail_stop",
    geometry_column="geom",
    geometry_type="Point",
    props=(
        special("line", "rail_stop", "line_id", nullable=False),
        column_prop("rail_stop", "name"),
        column_prop("rail_stop", "decided", default=False, nullable=False),
        life_year("rail_stop", "opening_year"),
    ),
)

F = "facility"
FACILITIES = Spec(
    layer="facilities",
    owner=F,
    geometry_column="geom",
    geometry_type="Point",
    props=(
        column_prop(F, "name"),
        _enum(F, "kind", FACILITY_KINDS),
        column_prop(F, "owner"),
        life_year(F, "opening_year"),
        life_year(F, "closing_year"),
        column_prop(F, "decided", default=True, nullable=False),
    ),
    orders=(("opening_year", "closing_year"),),
)

Q = "quarter"
QUARTERS = Spec(
    layer="quarters",
    owner=Q,
    geometry_column="geom",
    geometry_type="MultiPolygon",
    props=(
        special("area", Q, "quarter_set_id", nullable=False),
        special("quarter_set", Q, "quarter_set_id", nullable=False),
        column_prop(Q, "slug", pattern=SLUG_PATTERN),
        column_prop(Q, "name"),
        column_prop(Q, "owner"),
        column_prop(Q, "color", pattern=COLOR_PATTERN),
    ),
    unique=((Q, ("quarter_set_id", "slug"), "slug"),),
)

SPECS: dict[str, Spec] = {
    s.layer: s
    for s in (BUILDINGS, PARCELS, PLOTS, ROADS, RAIL_LINES, RAIL_STOPS, FACILITIES, QUARTERS)
}
# Collections that are served but not edited here: designated areas are set by law (a
# ministry's list), not drawn in the plan.
READ_ONLY = frozenset({"areas"})


def columns(table: str) -> list[str]:
    """The columns a write names: all but the record stamps and the computed ones."""
    return [
        c.name
        for c in Base.metadata.tables[table].columns
        if c.name not in STAMPED and c.computed is None
    ]


def key_column(table: str) -> str:
    """The column that tells a table's rows apart: `id`, or the owner's key."""
    cols = Base.metadata.tables[table].columns
    return "id" if "id" in cols else next(c.name for c in cols if c.primary_key)


class ReadOnlyCollection(NotFound):
    """A collection that is served but not edited (the designated areas)."""

    def __init__(self, collection: str) -> None:
        super().__init__("editable collection", collection)
        self.detail = f"The collection '{collection}' is read-only: it cannot be edited."


def spec_of(collection: str) -> Spec:
    """The edit spec of a collection: 404 for one that is not served, and for one served
    read-only."""
    if collection in READ_ONLY:
        raise ReadOnlyCollection(collection)
    spec = SPECS.get(collection)
    if spec is None:
        raise NotFound("collection", collection)
    return spec


def full_layer(spec: Spec) -> Layer:
    """The layer with every property, confidential ones too: what a permission check and a
    restore compare. Never what a client is answered with."""
    return LAYERS[spec.layer].for_reader(Reader(Role.ADMIN))
