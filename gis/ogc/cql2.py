"""CQL2 (OGC 21-065) filters, text and JSON encodings, compiled to parameterised SQL.

The `cql2` package (cql2-rs) parses both encodings into one tree, CQL2 JSON as plain Python
values; `compile_filter` walks that tree into a SQL condition whose every value is a bound
parameter. Property names are only ever looked up in the layer's queryables, and their SQL
comes from there: nothing a client writes is pasted into SQL. The compiler needs nothing but
the queryables, so a filter is checked whole before any database I/O.

Supported: and/or/not, comparisons, LIKE, BETWEEN, IN, IS NULL, CASEI, ACCENTI,
property-property comparisons, arithmetic (+ - * / % div ^), DATE and TIMESTAMP values;
S_INTERSECTS, S_EQUALS, S_DISJOINT, S_TOUCHES, S_WITHIN, S_OVERLAPS, S_CROSSES, S_CONTAINS
on geometry properties and GeoJSON, WKT and BBOX literals in `filter-crs`, with
S_DWITHIN(a, b, distance, meters) as an extension; all 15 T_* functions on instants and
intervals (INTERVAL of literals or of properties); A_EQUALS, A_CONTAINS, A_CONTAINEDBY and
A_OVERLAPS on arrays. Custom functions are refused (the platform declares none).

**Time.** A feature's `life` is the interval of the instants at which the plan's state
includes it (`gis.state`: built during B, demolished during D, it counts on 1 January of
B + 1 … D), closed: from 1 January B + 1 to 1 January D, 00:00 Danish time; an open end
(no built or demolished year) is unbounded. A date stands for its midnight, Danish time
(as `recorded=` reads dates), a timestamp for itself. The event years themselves are
integer queryables (`built_year`, `demolished_year`, `opening_year`…), for filters whose
meaning is the year.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import cql2 as cql2rs
import shapely
import shapely.geometry

from gis.errors import InvalidQuery
from gis.ogc import crs as crs_mod

# The tree: CQL2 JSON as `json.loads` gives it (dicts, lists, str, float, bool).
Node = Any

COMPARISONS = {"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
SPATIAL = {
    "s_intersects": "ST_Intersects",
    "s_equals": "ST_Equals",
    "s_disjoint": "ST_Disjoint",
    "s_touches": "ST_Touches",
    "s_within": "ST_Within",
    "s_overlaps": "ST_Overlaps",
    "s_crosses": "ST_Crosses",
    "s_contains": "ST_Contains",
}
# CQL2's definitions (OGC 21-065, 7.11, after Allen) on closed intervals a = [a0, a1],
# b = [b0, b1]; an instant t is the interval [t, t].
TEMPORAL = {
    "t_after": "{a0} > {b1}",
    "t_before": "{a1} < {b0}",
    "t_contains": "{a0} < {b0} AND {a1} > {b1}",
    "t_disjoint": "({a0} > {b1} OR {a1} < {b0})",
    "t_during": "{a0} > {b0} AND {a1} < {b1}",
    "t_equals": "{a0} = {b0} AND {a1} = {b1}",
    "t_finishedby": "{a0} < {b0} AND {a1} = {b1}",
    "t_finishes": "{a0} > {b0} AND {a1} = {b1}",
    "t_intersects": "{a0} <= {b1} AND {a1} >= {b0}",
    "t_meets": "{a1} = {b0}",
    "t_metby": "{a0} = {b1}",
    "t_overlappedby": "{a0} > {b0} AND {a0} < {b1} AND {a1} > {b1}",
    "t_overlaps": "{a0} < {b0} AND {a1} > {b0} AND {a1} < {b1}",
    "t_startedby": "{a0} = {b0} AND {a1} > {b1}",
    "t_starts": "{a0} = {b0} AND {a1} < {b1}",
}
ARRAYS = {"a_equals": "", "a_contains": "@>", "a_containedby": "<@", "a_overlaps": "&&"}
ARITHMETIC = ("+", "-", "*", "/", "%", "div", "^")
NUMERIC = ("integer", "number", "numeric")
TEMPORAL_TYPES = ("date", "timestamp")
# Dates are read as midnight in Denmark, where the plan's years begin.
TIME_ZONE = ZoneInfo("Europe/Copenhagen")

MAX_FILTER_LENGTH = 20_000
# Nesting. The cql2 parser recurses on the native stack: about 2,000 brackets, or 4,000
# NOTs or minus signs in a row, crash the whole process (a segfault, not an exception), and
# Python's own walk of a deep tree ends in a RecursionError (a 500). So the text is measured
# in a loop before the parser sees it (brackets outside string literals; runs of NOT and of
# signs, which nest without brackets), and the tree after it (operators within operators,
# e.g. a long chain of `+`). Real filters nest a handful of levels; a GeoJSON MultiPolygon
# literal adds four brackets, each CQL2 JSON condition two.
MAX_DEPTH = 50
MAX_BRACKETS = 2 * MAX_DEPTH + 8
MAX_TREE_DEPTH = 2 * MAX_DEPTH + 8
MAX_RUN = MAX_DEPTH
# Arithmetic is computed in PostgreSQL's numeric, which cannot overflow the float8 columns
# it reads (PostgreSQL would fail the statement: a 500) as long as a filter multiplies no
# more than this many numbers: each is below 1e309 (a power's result is kept below 1e300),
# and numeric holds 131,072 digits.
MAX_ARITHMETIC = 64
_STRING = {"'": re.compile(r"'(?:[^']|'')*'?"), '"': re.compile(r'"(?:[^"\\]|\\.)*"?')}
_NOT_BRACKET = re.compile(r"[^()\[\]{}]+")
_RUNS = re.compile(rf"(?i)(?:\bNOT\b[\s(]*){{{MAX_RUN + 1},}}|(?:[-+][\s(]*){{{MAX_RUN + 1},}}")
_POSITION = re.compile(r"-->\s*(\d+):(\d+)")


def bad(detail: str) -> InvalidQuery:
    return InvalidQuery("filter", f"filter: {detail}")


def _check_text(text: str, quote: str) -> None:
    """Refuses text too long, or nested deeper than the limits above: counted in loops and
    regular expressions, before any recursive parser sees the text."""
    if len(text) > MAX_FILTER_LENGTH:
        raise bad(f"too long (more than {MAX_FILTER_LENGTH} characters).")
    if not text.strip():
        raise bad("empty.")
    if "\x00" in text:  # PostgreSQL's text holds none: a bound one fails the statement
        raise bad("contains a NUL character.")
    bare = _STRING[quote].sub("''", text)
    depth = deepest = 0
    for c in _NOT_BRACKET.sub("", bare):
        depth += 1 if c in "([{" else -1
        deepest = max(deepest, depth)
    if deepest > MAX_BRACKETS:
        raise bad(f"nested too deeply (more than {MAX_BRACKETS} levels of brackets).")
    # The counts first: the common filter never needs the expression.
    many = bare.count("-") + bare.count("+") > MAX_RUN or bare.upper().count("NOT") > MAX_RUN
    if quote == "'" and many and _RUNS.search(bare):
        raise bad(f"nested too deeply (more than {MAX_RUN} NOTs or signs in a row).")


def _check_tree(tree: Node) -> None:
    """Depth of the parsed tree and its count of arithmetic, walked without recursion."""
    stack = [(tree, 1)]
    arithmetic = 0
    while stack:
        node, depth = stack.pop()
        if depth > MAX_TREE_DEPTH:
            raise bad(f"nested too deeply (more than {MAX_TREE_DEPTH} levels).")
        # Operators within operators: each is a level of the compiler's recursion.
        if isinstance(node, dict):
            if node.get("op") in ARITHMETIC:
                arithmetic += 1
            deeper = depth + ("op" in node)
            stack.extend((v, deeper) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, depth) for v in node if isinstance(v, dict | list))
        values = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        if any(isinstance(v, str) and "\x00" in v for v in values):  # "\u0000" in JSON
            raise bad("contains a NUL character.")
    if arithmetic > MAX_ARITHMETIC:
        raise bad(f"more than {MAX_ARITHMETIC} arithmetic operations.")


def _parse_error(exc: Exception, encoding: str) -> InvalidQuery:
    message = str(exc)
    where = _POSITION.search(message)
    if where:
        return bad(f"not valid {encoding} at line {where[1]}, column {where[2]}.")
    if "untagged enum" in message:  # serde's words for a JSON value of no known shape
        return bad(f"not valid {encoding}: a part is no operator, property, value or geometry.")
    # The package's own messages name the operator and its arity; no input is echoed.
    first = message.strip().splitlines()[0][:200] if message.strip() else "cannot be read"
    return bad(f"not valid {encoding}: {first}.")


# A client paging through a filtered collection sends one filter again and again: its tree
# is kept (cql2-rs takes ~0.1 ms to parse a filter of four conditions). Trees are shared:
# the compiler only reads them. A refused filter is not kept (its exception passes).
@lru_cache(maxsize=256)
def parse_text(text: str) -> Node:
    _check_text(text, "'")
    try:
        tree = cql2rs.parse_text(text).to_json()
    except (cql2rs.ParseError, ValueError) as exc:
        raise _parse_error(exc, "CQL2 text") from None
    _check_tree(tree)
    return tree


def parse_json(source: str | dict) -> Node:
    if not isinstance(source, str):
        source = json.dumps(source)
    return _parse_json(source)


@lru_cache(maxsize=256)
def _parse_json(source: str) -> Node:
    _check_text(source, '"')
    try:
        tree = cql2rs.parse_json(source).to_json()
    except (cql2rs.ParseError, ValueError) as exc:
        raise _parse_error(exc, "CQL2 JSON") from None
    _check_tree(tree)
    return tree


def parse(text: str, lang: str | None) -> Node:
    lang = (lang or "cql2-text").lower()
    if lang == "cql2-text":
        return parse_text(text)
    if lang == "cql2-json":
        return parse_json(text)
    raise InvalidQuery("filter-lang", "filter-lang must be 'cql2-text' or 'cql2-json'.")


# --- compiling to SQL ------------------------------------------------------------------


@dataclass(frozen=True)
class Queryable:
    """A name a filter may use: its SQL (over the layer's alias `t`) and its type: string,
    integer, number, boolean, date, timestamp, array (of strings), geometry or life (a
    feature's life, an interval: temporal functions only)."""

    sql: str
    type: str
    # For `life`: the SQL of its first and last instant (timestamptz, ±infinity if open).
    bounds: tuple[str, str] | None = None


def life_bounds_sql(start: str | None, end: str | None) -> tuple[str, str]:
    """The instants a life of event years begins and ends (see the module's docstring)."""

    def first_january(year: str) -> str:
        return f"make_timestamptz({year}, 1, 1, 0, 0, 0, 'Europe/Copenhagen')"

    first = (
        f"COALESCE({first_january(f't.{start} + 1')}, '-infinity'::timestamptz)"
        if start
        else "'-infinity'::timestamptz"
    )
    last = (
        f"COALESCE({first_january(f't.{end}')}, 'infinity'::timestamptz)"
        if end
        else "'infinity'::timestamptz"
    )
    return first, last


def date_value(value: str) -> dt.date:
    """A date as a query parameter gives it (ValueError if it is none)."""
    return dt.date.fromisoformat(value.strip())


def _instant(node: dict) -> dt.datetime:
    """A DATE or TIMESTAMP literal as an aware date-time (a date: its Danish midnight)."""
    if "date" in node:
        value = str(node["date"])
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise bad(f"'{value[:40]}' is not a date (2030-01-01).") from None
        return dt.datetime.combine(day, dt.time(), TIME_ZONE)
    value = str(node["timestamp"])
    try:
        moment = dt.datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise bad(f"'{value[:40]}' is not a timestamp (2030-01-01T00:00:00Z).")
    return moment


class _Compiler:
    def __init__(self, queryables: dict[str, Queryable], filter_crs: crs_mod.Crs, params: dict):
        self.q = queryables
        self.crs = filter_crs
        self.params = params
        self.n = 0

    def bind(self, value: Any) -> str:
        self.n += 1
        name = f"f{self.n}"
        self.params[name] = value
        return f":{name}"

    def prop(self, name: str) -> Queryable:
        try:
            return self.q[name]
        except KeyError:
            known = ", ".join(sorted(self.q))
            raise bad(f"unknown property '{name[:80]}'; the queryables are: {known}.") from None

    @staticmethod
    def op(node: Node) -> str | None:
        return str(node["op"]).lower() if isinstance(node, dict) and "op" in node else None

    @staticmethod
    def args(node: dict, n: int | None = None) -> list:
        args = node.get("args", [])
        if not isinstance(args, list) or (n is not None and len(args) != n):
            raise bad(f"'{node['op']}' takes {n} argument{'s' if n != 1 else ''}.")
        return args

    # --- conditions

    def boolean(self, node: Node) -> str:
        if isinstance(node, bool):
            return "TRUE" if node else "FALSE"
        if isinstance(node, dict) and "property" in node:
            q = self.prop(node["property"])
            if q.type != "boolean":
                raise bad(f"'{node['property']}' is not a condition (it is {q.type}).")
            return f"({q.sql} IS TRUE)"
        op = self.op(node)
        if op is None:
            raise bad("expected a condition, not a value.")
        if op in ("and", "or"):
            args = self.args(node)
            if len(args) < 2:
                raise bad(f"'{op}' needs at least two arguments.")
            return "(" + f" {op.upper()} ".join(self.boolean(a) for a in args) + ")"
        if op == "not":
            return f"(NOT {self.boolean(self.args(node, 1)[0])})"
        if op in COMPARISONS:
            return self.comparison(op, *self.args(node, 2))
        if op == "like":
            return self.like(*self.args(node, 2))
        if op == "between":
            return self.between(*self.args(node, 3))
        if op == "in":
            return self.in_(*self.args(node, 2))
        if op == "isnull":
            return self.isnull(self.args(node, 1)[0])
        if op in SPATIAL or op == "s_dwithin":
            return self.spatial(op, self.args(node))
        if op in TEMPORAL:
            return self.temporal(op, *self.args(node, 2))
        if op in ARRAYS:
            return self.array_op(op, *self.args(node, 2))
        if op in ARITHMETIC or op in ("casei", "accenti"):
            raise bad(f"'{op}' gives a value, not a condition.")
        raise bad(f"unknown function '{str(node['op'])[:40]}' (this server declares none).")

    def comparison(self, op: str, left: Node, right: Node) -> str:
        left, right = self.dated(left, right), self.dated(right, left)
        (a, ta), (b, tb) = self.scalar(left), self.scalar(right)
        a, b, _ = self.comparable(a, ta, b, tb, op, right)
        return f"({a} {COMPARISONS[op]} {b})"

    def dated(self, node: Node, other: Node) -> Node:
        """A string compared with a date or timestamp property is read as one (the plots'
        dates were ISO text before they were dates)."""
        if isinstance(node, str) and isinstance(other, dict) and "property" in other:
            kind = self.prop(other["property"]).type
            if kind in TEMPORAL_TYPES:
                return {kind: node}
        return node

    def comparable(self, a: str, ta: str, b: str, tb: str, op: str, right: Node) -> tuple:
        """Both sides in one type, or a 400 naming the two."""
        if ta in NUMERIC and tb in NUMERIC:
            if "numeric" in (ta, tb):
                # Arithmetic is numeric: a float8 side is taken to it, not it to float8,
                # which would overflow (an error) on a huge result.
                return f"CAST({a} AS numeric)", f"CAST({b} AS numeric)", "numeric"
            return a, b, "number"
        if ta == tb and ta in ("string", "boolean", "date", "timestamp"):
            return a, b, ta
        if {ta, tb} <= {"date", "timestamp"}:
            return self.as_instant(a, ta), self.as_instant(b, tb), "timestamp"
        raise bad(f"'{op}' cannot compare {ta} with {tb}.")

    @staticmethod
    def as_instant(sql: str, kind: str) -> str:
        if kind == "date":
            return f"(CAST({sql} AS timestamp) AT TIME ZONE 'Europe/Copenhagen')"
        return sql

    def like(self, value: Node, pattern: Node) -> str:
        (a, ta), (b, tb) = self.scalar(value), self.scalar(pattern)
        if ta != "string" or tb != "string":
            raise bad("LIKE compares text with a text pattern.")
        _check_like_pattern(pattern)
        return f"({a} LIKE {b})"

    def between(self, value: Node, low: Node, high: Node) -> str:
        (x, tx), (lo, tl), (hi, th) = (self.scalar(n) for n in (value, low, high))
        if not all(t in NUMERIC for t in (tx, tl, th)):
            raise bad("BETWEEN works on numbers.")
        if "numeric" in (tx, tl, th):
            x, lo, hi = (f"CAST({v} AS numeric)" for v in (x, lo, hi))
        return f"({x} BETWEEN {lo} AND {hi})"

    def in_(self, value: Node, items: Node) -> str:
        if not isinstance(items, list) or not items:
            raise bad("IN needs a list of at least one value.")
        x, tx = self.scalar(value)
        pairs = [self.comparable(x, tx, *self.scalar(item), "IN", item) for item in items]
        if all(a == x for a, _, _ in pairs):
            return f"({x} IN ({', '.join(b for _, b, _ in pairs)}))"
        # Items of mixed kinds (arithmetic, dates with timestamps): each compared as '='.
        return "(" + " OR ".join(f"({a} = {b})" for a, b, _ in pairs) + ")"

    def isnull(self, value: Node) -> str:
        if isinstance(value, dict) and "property" in value:
            q = self.prop(value["property"])
            if q.type == "life":
                raise bad("IS NULL does not apply to 'life'.")
            return f"({q.sql} IS NULL)"
        s, _ = self.scalar(value)
        return f"({s} IS NULL)"

    # --- values

    def scalar(self, node: Node) -> tuple[str, str]:
        if isinstance(node, bool):
            return self.bind(node), "boolean"
        if isinstance(node, int | float):
            return self.number(node)
        if isinstance(node, str):
            return f"CAST({self.bind(node)} AS text)", "string"
        if isinstance(node, dict):
            if "property" in node:
                q = self.prop(node["property"])
                if q.type in ("geometry", "life", "array"):
                    raise bad(
                        f"'{node['property']}' is {q.type}: use a "
                        f"{ {'geometry': 'spatial', 'life': 'temporal', 'array': 'array'}[q.type] }"
                        " function."
                    )
                return q.sql, q.type
            if "date" in node:
                return self.bind(_instant(node).date()), "date"
            if "timestamp" in node:
                return self.bind(_instant(node)), "timestamp"
            op = self.op(node)
            if op in ("casei", "accenti"):
                s, t = self.scalar(self.args(node, 1)[0])
                if t != "string":
                    raise bad(f"{op.upper()} applies to text.")
                if op == "casei":
                    return f"lower({s})", t
                # Accents are the combining marks of the canonical decomposition: é, á, ü
                # lose theirs; æ, ø and å stay letters of their own (å is a + ring, and
                # loses it).
                return f"regexp_replace(normalize({s}, NFD), U&'[\\0300-\\036F]', '', 'g')", t
            if op in ARITHMETIC:
                return self.arithmetic(op, self.args(node, 2))
            if "interval" in node:
                raise bad("an interval can only be used in a temporal function.")
            if "bbox" in node or "type" in node:
                raise bad("a geometry can only be used in a spatial function.")
            if op is not None:
                return self.boolean(node), "boolean"
        if isinstance(node, list):
            raise bad("an array can only be used in an array function or after IN.")
        raise bad("expected a value.")

    def number(self, value: float) -> tuple[str, str]:
        if not math.isfinite(value):
            raise bad("numbers must be finite.")
        # The parser gives every number as a float: a whole one is bound as an integer,
        # so a comparison with an integer column stays one (and can use its index).
        if float(value).is_integer() and abs(value) < 2**63:
            return self.bind(int(value)), "integer"
        return self.bind(float(value)), "number"

    def arithmetic(self, op: str, args: list) -> tuple[str, str]:
        (a, ta), (b, tb) = (self.scalar(x) for x in args)
        if ta not in NUMERIC or tb not in NUMERIC:
            raise bad(f"'{op}' works on numbers, not {ta if ta not in NUMERIC else tb}.")
        a, b = f"CAST({a} AS numeric)", f"CAST({b} AS numeric)"
        # Division by zero and a power without a real result (or beyond 1e300) are NULL
        # (unknown: the comparison is not true), never an error that fails the statement.
        if op in ("+", "-", "*"):
            return f"({a} {op} {b})", "numeric"
        if op == "/":
            return f"({a} / NULLIF({b}, 0))", "numeric"
        if op == "%":
            return f"mod({a}, NULLIF({b}, 0))", "numeric"
        if op == "div":
            return f"div({a}, NULLIF({b}, 0))", "numeric"
        # The operands once each (in a subquery), though the guard reads them four times.
        guard = (
            "CASE WHEN (x = 0 AND y <= 0) OR (x < 0 AND y <> trunc(y))"
            " OR abs(y) * abs(log(greatest(abs(x), 1e-300))) > 300 THEN NULL ELSE x END"
        )
        return f"(SELECT power({guard}, y) FROM (SELECT {a} AS x, {b} AS y) p)", "numeric"

    # --- geometry

    def check_extent(self, shape) -> None:
        """Coordinates PostGIS could not take to the storage CRS are refused as bad input:
        infinite ones, and a longitude or latitude out of range in a geographic filter-crs
        (PROJ fails the whole statement on them, which would be a 500)."""
        if shape.is_empty:
            return
        if not all(math.isfinite(v) for v in shape.bounds):
            raise bad("geometry coordinates must be finite numbers.")
        if not self.crs.in_range(self.crs.x_first(shape.bounds)):
            raise bad("longitude or latitude out of range in filter-crs.")

    def geometry(self, node: Node) -> str:
        if isinstance(node, dict) and "property" in node:
            q = self.prop(node["property"])
            if q.type != "geometry":
                raise bad(f"'{node['property']}' is not a geometry.")
            return q.sql
        if isinstance(node, dict) and "bbox" in node:
            box = node["bbox"]
            if not isinstance(box, list) or len(box) not in (4, 6):
                raise bad("a bbox is 4 or 6 numbers.")
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in box):
                raise bad("a bbox is made of numbers.")
            if len(box) == 6:
                box = [box[0], box[1], box[3], box[4]]
            x0, y0, x1, y1 = box
            self.check_extent(shapely.box(x0, y0, x1, y1))
            # BBOX is always minx, miny, maxx, maxy in the axis order of filter-crs; a west
            # edge east of the east one crosses the antimeridian (gis.ogc.crs).
            g = crs_mod.box_literal_sql((x0, y0, x1, y1), self.crs, self.bind)
        elif isinstance(node, dict) and "type" in node:
            try:
                shape = shapely.geometry.shape(node)
            except Exception:
                raise bad("invalid geometry literal.") from None
            self.check_extent(shape)
            if shape.is_empty:
                # PostGIS reads no empty GeoJSON; WKT says the same emptiness.
                g = f"ST_GeomFromText({self.bind(shape.wkt)}, {self.crs.srid})"
            else:
                geojson = self.bind(json.dumps(node))
                g = f"ST_SetSRID(ST_GeomFromGeoJSON({geojson}), {self.crs.srid})"
        else:
            raise bad("a spatial function needs a geometry property or a geometry literal.")
        return f"({crs_mod.input_geometry_sql(g, self.crs)})"

    def spatial(self, op: str, args: list) -> str:
        if op == "s_dwithin":
            if len(args) != 4:
                raise bad("S_DWITHIN takes a geometry, a geometry, a distance and units.")
            a, b = self.geometry(args[0]), self.geometry(args[1])
            dist, units = args[2], args[3]
            if isinstance(dist, bool) or not isinstance(dist, int | float) or not dist >= 0:
                raise bad("S_DWITHIN's distance must be a non-negative number.")
            if not math.isfinite(dist):
                raise bad("S_DWITHIN's distance must be finite.")
            unit = units.get("property") if isinstance(units, dict) else units
            if str(unit).lower() not in ("meters", "metres", "meter", "metre", "m"):
                raise bad("S_DWITHIN's distance is in meters (units: meters).")
            return f"ST_DWithin({a}, {b}, {self.bind(float(dist))})"
        if len(args) != 2:
            raise bad(f"{op.upper()} takes two geometries.")
        a, b = self.geometry(args[0]), self.geometry(args[1])
        return f"{SPATIAL[op]}({a}, {b})"

    # --- time

    def temporal_value(self, node: Node) -> tuple[str, str]:
        """The first and last instant of a temporal expression, as timestamptz SQL."""
        if isinstance(node, dict) and "property" in node:
            q = self.prop(node["property"])
            if q.type == "life" and q.bounds is not None:
                return q.bounds
            if q.type in TEMPORAL_TYPES:
                s = self.as_instant(q.sql, q.type)
                return s, s
            raise bad(f"'{node['property']}' is not temporal (it is {q.type}).")
        if isinstance(node, dict) and ("date" in node or "timestamp" in node):
            s = f"CAST({self.bind(_instant(node))} AS timestamptz)"
            return s, s
        if isinstance(node, dict) and "interval" in node:
            ends = node["interval"]
            if not isinstance(ends, list) or len(ends) != 2:
                raise bad("an interval has a start and an end.")
            first, last = (self.interval_end(e, i) for i, e in enumerate(ends))
            if isinstance(ends[0], str | dict) and isinstance(ends[1], str | dict):
                self.check_order(ends)
            return first, last
        raise bad("a temporal function takes DATE, TIMESTAMP, INTERVAL or a temporal property.")

    def interval_end(self, node: Node, i: int) -> str:
        if node == "..":
            return "'-infinity'::timestamptz" if i == 0 else "'infinity'::timestamptz"
        if isinstance(node, str):
            key = "timestamp" if "T" in node.upper() else "date"
            return self.temporal_value({key: node})[i]
        if isinstance(node, dict) and ("date" in node or "timestamp" in node or "property" in node):
            if "property" in node and self.prop(node["property"]).type == "life":
                raise bad("an interval's ends are instants, not 'life'.")
            return self.temporal_value(node)[i]
        raise bad("an interval's ends are dates, timestamps, temporal properties or '..'.")

    @staticmethod
    def check_order(ends: list) -> None:
        def moment(e):
            if e == "..":
                return None
            if isinstance(e, str):
                return _instant({"timestamp" if "T" in e.upper() else "date": e})
            if isinstance(e, dict) and ("date" in e or "timestamp" in e):
                return _instant(e)
            return None

        a, b = moment(ends[0]), moment(ends[1])
        if a is not None and b is not None and a > b:
            raise bad("an interval ends before it starts.")

    def temporal(self, op: str, left: Node, right: Node) -> str:
        (a0, a1), (b0, b1) = self.temporal_value(left), self.temporal_value(right)
        return "(" + TEMPORAL[op].format(a0=a0, a1=a1, b0=b0, b1=b1) + ")"

    # --- arrays

    def array(self, node: Node) -> tuple[str, bool]:
        """SQL of an array of strings (the type of the array queryables) and whether the
        array also holds other values: those equal no string, so they decide the answer
        without the database (see array_op)."""
        if isinstance(node, dict) and "property" in node:
            q = self.prop(node["property"])
            if q.type != "array":
                raise bad(f"'{node['property']}' is not an array (it is {q.type}).")
            return q.sql, False
        if isinstance(node, list):
            strings = [v for v in node if isinstance(v, str)]
            return f"CAST({self.bind(strings)} AS text[])", len(strings) < len(node)
        raise bad("an array function takes arrays: an array property or a list of values.")

    def array_op(self, op: str, left: Node, right: Node) -> str:
        if isinstance(left, list) and isinstance(right, list):
            return "TRUE" if _arrays(op, left, right) else "FALSE"
        (a, a_other), (b, b_other) = self.array(left), self.array(right)
        # A property holds strings only: it never equals, nor contains, a list with others.
        if (op == "a_equals" and (a_other or b_other)) or (
            (op == "a_contains" and b_other) or (op == "a_containedby" and a_other)
        ):
            return "FALSE"
        if op == "a_equals":  # the same set: each contains the other
            return f"({a} @> {b} AND {a} <@ {b})"
        return f"({a} {ARRAYS[op]} {b})"


def _arrays(op: str, left: list, right: list) -> bool:
    """An array function on two literal arrays, by CQL2's definitions (7.13: as sets)."""

    def key(v: Any) -> str:
        return json.dumps(v, sort_keys=True)

    a, b = {key(v) for v in left}, {key(v) for v in right}
    return {
        "a_equals": a == b,
        "a_contains": a >= b,
        "a_containedby": a <= b,
        "a_overlaps": bool(a & b),
    }[op]


def _check_like_pattern(node: Node) -> None:
    """A literal pattern ending in an unescaped backslash (the escape character) is refused
    here: PostgreSQL would fail the statement, a 500 for what is bad input."""
    while isinstance(node, dict) and str(node.get("op", "")).lower() in ("casei", "accenti"):
        args = node.get("args") or [None]
        node = args[0]
    if isinstance(node, str):
        trailing = len(node) - len(node.rstrip("\\"))
        if trailing % 2:
            raise bad("A LIKE pattern must not end with the escape character '\\'.")


def check(tree: Node, queryables: dict[str, Queryable], filter_crs: crs_mod.Crs) -> None:
    """Every check of a filter against the layer (names, types, literals), without any I/O:
    what `compile_filter` would refuse, refused while the query is read."""
    _Compiler(queryables, filter_crs, {}).boolean(tree)


def compile_filter(
    tree: Node, queryables: dict[str, Queryable], filter_crs: crs_mod.Crs, params: dict
) -> str:
    """SQL condition for a parsed filter; its values are added to `params` (`f1`, `f2`…)."""
    return _Compiler(queryables, filter_crs, params).boolean(tree)
