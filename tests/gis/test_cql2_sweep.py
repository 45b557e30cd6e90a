"""Generated CQL2 filters over the buildings' and plots' queryables, well-typed or not, with
odd values: each is either a 400 naming the filter, or SQL that PostgreSQL runs. Nothing
else: no database error (a 500), no other exception.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection

from gis.errors import InvalidQuery
from gis.layers import LAYERS
from gis.ogc import features, queryables
from gis.roles import Reader, Role

LAYER_VIEWS = [LAYERS["buildings"], LAYERS["plots"].for_reader(Reader(Role.ADMIN, "test"))]
NAMES = sorted({n for layer in LAYER_VIEWS for n in queryables.queryables(layer)})

numbers = st.one_of(
    st.just(0),  # a divisor, often
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, -0.0, 1e308, -1e308, 1e-308, 0.5, 2**63, 9.2e18]),
    st.floats(allow_nan=False, allow_infinity=False),
).map(lambda v: repr(v) if not isinstance(v, float) or v == int(v) or abs(v) > 1e-5 else "0")
strings = st.sampled_from(["'x'", "''", "'%'", "'a\\'", "'2024-01-01'", "'é'", "'..'"])
dates = st.sampled_from(
    [
        "DATE('2024-02-29')",
        "DATE('0001-01-01')",
        "DATE('9999-12-31')",
        "TIMESTAMP('2024-01-01T00:00:00Z')",
        "TIMESTAMP('0001-01-01T00:00:00+14:00')",
        "INTERVAL('..', '2030-01-01')",
        "INTERVAL('2020-01-01', '..')",
        "INTERVAL(offered_date, sold_date)",
    ]
)
geometries = st.sampled_from(
    [
        "POINT(10.4 55.4)",
        "POINT(180 90)",
        "POINT(-180 -90)",
        "BBOX(-180, -90, 180, 90)",
        "BBOX(10, 55, 11, 56)",
        "LINESTRING(10 55, 11 56)",
        "POLYGON((10 55, 11 55, 11 56, 10 55))",
        "GEOMETRYCOLLECTION(POINT(10 55))",
        "POLYGON EMPTY",
    ]
)
arrays = st.sampled_from(["('a')", "('a', 1)", "()", "(TRUE, DATE('2020-01-01'))"])
properties = st.sampled_from(NAMES)


def values(inner):
    return st.one_of(
        properties,
        numbers,
        strings,
        dates,
        st.builds(
            lambda a, op, b: f"({a} {op} {b})",
            inner,
            st.sampled_from(["+", "-", "*", "/", "%", "div", "^"]),
            inner,
        ),
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(["CASEI", "ACCENTI"]), inner),
    )


scalars = st.recursive(st.one_of(properties, numbers, strings, dates), values, max_leaves=4)
operands = st.one_of(scalars, geometries, arrays)

conditions = st.recursive(
    st.one_of(
        st.builds(
            lambda a, op, b: f"{a} {op} {b}",
            scalars,
            st.sampled_from(["=", "<>", "<", ">=", "LIKE", "NOT LIKE"]),
            scalars,
        ),
        st.builds(lambda a, b, c: f"{a} BETWEEN {b} AND {c}", scalars, scalars, scalars),
        st.builds(lambda a, b: f"{a} IN ({b})", scalars, scalars),
        st.builds(lambda a: f"{a} IS NULL", operands),
        st.builds(
            lambda f, a, b: f"{f}({a}, {b})",
            st.sampled_from(
                [
                    "S_INTERSECTS",
                    "S_WITHIN",
                    "S_TOUCHES",
                    "S_CROSSES",
                    "T_MEETS",
                    "T_DURING",
                    "T_AFTER",
                    "A_CONTAINS",
                    "A_EQUALS",
                    "A_OVERLAPS",
                ]
            ),
            st.one_of(operands, st.just("geometry"), st.just("life")),
            st.one_of(operands, st.just("geometry"), st.just("life")),
        ),
        st.builds(lambda d: f"S_DWITHIN(geometry, POINT(10.4 55.4), {d}, meters)", numbers),
    ),
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"({a} AND {b})", inner, inner),
        st.builds(lambda a, b: f"({a} OR {b})", inner, inner),
        st.builds(lambda a: f"NOT {a}", inner),
    ),
    max_leaves=4,
)


@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(filter_=conditions, which=st.integers(0, len(LAYER_VIEWS) - 1))
def test_a_generated_filter_is_a_400_or_runs(ref_conn: Connection, filter_: str, which: int):
    layer = LAYER_VIEWS[which]
    try:
        q = features.ItemsQuery.from_params(layer, {"filter": filter_, "limit": "1"})
    except InvalidQuery as exc:
        assert exc.parameter == "filter", filter_
        return
    with ref_conn.begin_nested():  # a database error fails the test with its statement
        features.rows(ref_conn, layer, q)


EXTREMES = ["0", "-2", "0.5", "1e308", "-1e308", "1e-308", "300", "-300"]
OPERATORS = ["+", "-", "*", "/", "%", "div", "^"]


def test_arithmetic_on_every_numeric_queryable_with_extreme_values(ref_conn: Connection):
    """Every operator between numeric properties of the buildings and values at the
    edges (zero divisors, float8's largest and smallest, powers beyond numeric's range),
    on every building: a result or unknown (NULL), never an error of PostgreSQL."""
    layer = LAYERS["buildings"]
    known = queryables.queryables(layer)
    # An integer, a float and a year that is often NULL: the kinds of numeric column.
    numeric = ["storeys", "floor_area_m2", "built_year"]
    assert {known[n].type for n in numeric} == {"integer", "number"}
    for p in numeric:
        for op in OPERATORS:
            # One statement per property and operator: OR evaluates every term (none is
            # true on its own account of another), so each can fail it.
            f = " OR ".join(
                t
                for v in EXTREMES
                for t in (f"({p} {op} {v}) > 1", f"({v} {op} {p}) <= {p}", f"{v} {op} {v} = {p}")
            )
            q = features.ItemsQuery.from_params(
                layer, {"filter": f, "limit": "10000", "skipGeometry": "true"}
            )
            with ref_conn.begin_nested():
                features.rows(ref_conn, layer, q)
