"""CQL2 (OGC 21-065) filters, text and JSON encodings, compiled to parameterised SQL.

Both encodings parse into one small tree of tuples; `compile_filter` turns the tree into a
SQL condition whose every value is a bound parameter. Property names are only ever looked
up in the layer's queryables, and their SQL comes from there: nothing a client writes is
pasted into SQL.

Supported: and/or/not, comparisons, LIKE, BETWEEN, IN, IS NULL, CASEI, property-property
comparisons; S_INTERSECTS, S_EQUALS, S_DISJOINT, S_TOUCHES, S_WITHIN, S_OVERLAPS, S_CROSSES,
S_CONTAINS on WKT, GeoJSON and BBOX literals, and S_DWITHIN(a, b, distance, meters) as an
extension; all T_* functions on the `life` queryable (year-granular, see `gis.temporal`).
Not supported (a 400 says so): ACCENTI, arrays (A_*), arithmetic, other functions.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
import shapely.geometry

from gis import crs as crs_mod
from gis import temporal
from gis.errors import InvalidQuery

Node = tuple

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
# Allen's relations on closed ranges of years, a = (a0, a1), b = (b0, b1); as in CQL2.
TEMPORAL = {
    "t_after": "{a0} > {b1}",
    "t_before": "{a1} < {b0}",
    "t_contains": "{a0} < {b0} AND {a1} > {b1}",
    "t_disjoint": "NOT ({a0} <= {b1} AND {a1} >= {b0})",
    "t_during": "{a0} > {b0} AND {a1} < {b1}",
    "t_equals": "{a0} = {b0} AND {a1} = {b1}",
    "t_finishedby": "{a0} < {b0} AND {a1} = {b1}",
    "t_finishes": "{a0} > {b0} AND {a1} = {b1}",
    "t_intersects": "{a0} <= {b1} AND {a1} >= {b0}",
    "t_meets": "{a1} = {b0}",
    "t_metby": "{a0} = {b1}",
    "t_overlappedby": "{a0} > {b0} AND {a0} < {b1} AND {a1} > {b1}",
    "t_overlaps": "{a0} < {b0} AND {b0} < {a1} AND {a1} < {b1}",
    "t_startedby": "{a0} = {b0} AND {a1} > {b1}",
    "t_starts": "{a0} = {b0} AND {a1} < {b1}",
}
WKT_TYPES = {
    "POINT",
    "LINESTRING",
    "POLYGON",
    "MULTIPOINT",
    "MULTILINESTRING",
    "MULTIPOLYGON",
    "GEOMETRYCOLLECTION",
}
MAX_FILTER_LENGTH = 20_000
# Nesting: of conditions (and/or/not), and of brackets in the text as written. Both are
# counted before (or while) anything recurses: a filter nested some hundreds of levels deep
# would otherwise exhaust Python's stack (a RecursionError, a 500) in the parser, in
# json.loads or in the compiler. Real filters nest a handful of levels; a GeoJSON
# MultiPolygon literal adds four brackets, each CQL2 JSON condition two.
MAX_DEPTH = 50
MAX_BRACKETS = 2 * MAX_DEPTH + 8
_STRING = {"'": re.compile(r"'(?:[^']|'')*'?"), '"': re.compile(r'"(?:[^"\\]|\\.)*"?')}
_NOT_BRACKET = re.compile(r"[^()\[\]{}]+")


def _check_nesting(text: str, quote: str) -> None:
    """Refuses text whose brackets, outside its string literals (in `quote`), nest deeper
    than MAX_BRACKETS: counted in a loop, before any recursive parser sees the text."""
    depth = deepest = 0
    for c in _NOT_BRACKET.sub("", _STRING[quote].sub("", text)):
        depth += 1 if c in "([{" else -1
        deepest = max(deepest, depth)
    if deepest > MAX_BRACKETS:
        raise bad(f"nested too deeply (more than {MAX_BRACKETS} levels of brackets).")


def _check_like_pattern(node: Node) -> None:
    """A literal pattern ending in an unescaped backslash (the escape character) is refused
    here: PostgreSQL would fail the statement, a 500 for what is bad input."""
    while node[0] in ("casei", "accenti"):
        node = node[1]
    if node[0] == "lit" and isinstance(node[1], str):
        trailing = len(node[1]) - len(node[1].rstrip("\\"))
        if trailing % 2:
            raise bad("A LIKE pattern must not end with the escape character '\\'.")


def bad(detail: str) -> InvalidQuery:
    return InvalidQuery("filter", f"filter: {detail}")


# --- CQL2 text -------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<quoted>"(?:[^"]|"")*")
  | (?P<number>[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))
  | (?P<op><>|<=|>=|=|<|>|\(|\)|,)
  | (?P<word>[A-Za-z_][A-Za-z0-9_.:]*)
    """,
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    i = 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if not m:
            raise bad(f"unexpected character {text[i]!r} at position {i + 1}.")
        kind = m.lastgroup
        value = m.group()
        if kind == "word" and value.upper() in WKT_TYPES:
            end = _wkt_end(text, m.end())
            out.append(("wkt", text[i:end]))
            i = end
            continue
        i = m.end()
        if kind == "ws":
            continue
        if kind == "string":
            out.append(("string", value[1:-1].replace("''", "'")))
        elif kind == "quoted":
            out.append(("word", value[1:-1].replace('""', '"')))
        elif kind == "number":
            out.append(("number", float(value) if re.search(r"[.eE]", value) else int(value)))
        else:
            out.append((kind, value))
    out.append(("end", None))
    return out


def _wkt_end(text: str, i: int) -> int:
    """Index just past a WKT geometry whose type name ends at `i`."""
    m = re.compile(r"\s*(?:Z\s*|M\s*|ZM\s*)?", re.IGNORECASE).match(text, i)
    i = m.end()
    if text[i : i + 5].upper() == "EMPTY":
        return i + 5
    if i >= len(text) or text[i] != "(":
        raise bad("a geometry literal needs its coordinates in parentheses.")
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                return j + 1
    raise bad("unbalanced parentheses in a geometry literal.")


class _TextParser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.depth = 0

    def peek(self, k: int = 0) -> tuple[str, Any]:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> tuple[str, Any]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def keyword(self, *words: str) -> bool:
        kind, value = self.peek()
        if kind == "word" and value.upper() in words:
            self.i += 1
            return True
        return False

    def expect(self, kind: str, value: str | None = None) -> Any:
        k, v = self.next()
        if k != kind or (value is not None and v != value):
            want = value or kind
            got = "the end" if k == "end" else repr(v)
            raise bad(f"expected {want!r} but found {got}.")
        return v

    def parse(self) -> Node:
        node = self.or_()
        if self.peek()[0] != "end":
            raise bad(f"unexpected {self.peek()[1]!r} after a complete expression.")
        return node

    def or_(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise bad("nested too deeply.")
        parts = [self.and_()]
        while self.keyword("OR"):
            parts.append(self.and_())
        self.depth -= 1
        return parts[0] if len(parts) == 1 else ("or", parts)

    def and_(self) -> Node:
        parts = [self.not_()]
        while self.keyword("AND"):
            parts.append(self.not_())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def not_(self) -> Node:
        # NOT NOT NOT ... needs no brackets: counted here, as or_ counts the bracketed levels.
        nots = 0
        while self.keyword("NOT"):
            nots += 1
            if self.depth + nots > MAX_DEPTH:
                raise bad("nested too deeply.")
        node = self.primary()
        for _ in range(nots):
            node = ("not", node)
        return node

    def primary(self) -> Node:
        kind, value = self.peek()
        if kind == "op" and value == "(":
            # A parenthesised boolean expression, or a parenthesised scalar on the left of a
            # predicate: try the boolean first.
            save = self.i
            self.next()
            try:
                node = self.or_()
                self.expect("op", ")")
                if (
                    self.peek()[0] == "end"
                    or self.peek() == ("op", ")")
                    or (self.peek()[0] == "word" and self.peek()[1].upper() in ("AND", "OR"))
                ):
                    return node
            except InvalidQuery:
                pass
            self.i = save
        if kind == "word":
            name = value.lower()
            if name in SPATIAL or name == "s_dwithin":
                return self.spatial(name)
            if name in TEMPORAL:
                return self.temporal(name)
            if name in ("true", "false") and not self._predicate_follows(1):
                self.next()
                return ("bool", name == "true")
            if name.startswith("a_") and self.peek(1) == ("op", "("):
                raise bad(f"array functions ({value}) are not supported.")
        return self.predicate()

    def _predicate_follows(self, k: int) -> bool:
        kind, value = self.peek(k)
        return (
            kind == "op"
            and value not in ("(", ")", ",")
            or (kind == "word" and value.upper() in ("LIKE", "BETWEEN", "IN", "IS", "NOT"))
        )

    def predicate(self) -> Node:
        left = self.scalar()
        kind, value = self.peek()
        if kind == "op" and value in COMPARISONS:
            self.next()
            return ("cmp", value, left, self.scalar())
        negated = self.keyword("NOT")
        if self.keyword("LIKE"):
            return ("like", left, self.scalar(), negated)
        if self.keyword("BETWEEN"):
            low = self.scalar()
            if not self.keyword("AND"):
                raise bad("BETWEEN needs 'AND' between its bounds.")
            return ("between", left, low, self.scalar(), negated)
        if self.keyword("IN"):
            self.expect("op", "(")
            items = [self.scalar()]
            while self.peek() == ("op", ","):
                self.next()
                items.append(self.scalar())
            self.expect("op", ")")
            return ("in", left, items, negated)
        if not negated and self.keyword("IS"):
            negated = self.keyword("NOT")
            if not self.keyword("NULL"):
                raise bad("expected NULL after IS.")
            return ("isnull", left, negated)
        got = "the end" if kind == "end" else repr(value)
        raise bad(f"expected a comparison, LIKE, BETWEEN, IN or IS NULL but found {got}.")

    def args(self) -> list:
        self.expect("op", "(")
        out = []
        if self.peek() != ("op", ")"):
            out.append(self.scalar())
            while self.peek() == ("op", ","):
                self.next()
                out.append(self.scalar())
        self.expect("op", ")")
        return out

    def spatial(self, name: str) -> Node:
        self.next()
        args = self.args()
        if name == "s_dwithin":
            if len(args) != 4:
                raise bad("S_DWITHIN takes a geometry, a geometry, a distance and units.")
            return ("spatial", name, args[0], args[1], args[2], args[3])
        if len(args) != 2:
            raise bad(f"{name.upper()} takes two geometries.")
        return ("spatial", name, args[0], args[1])

    def temporal(self, name: str) -> Node:
        self.next()
        args = self.args()
        if len(args) != 2:
            raise bad(f"{name.upper()} takes two temporal expressions.")
        return ("temporal", name, args[0], args[1])

    def scalar(self) -> Node:
        kind, value = self.next()
        if kind == "string":
            return ("lit", value)
        if kind == "number":
            return ("lit", value)
        if kind == "wkt":
            return ("wkt", value)
        if kind == "op" and value == "(":
            node = self.scalar()
            self.expect("op", ")")
            return node
        if kind == "word":
            upper = value.upper()
            if upper in ("TRUE", "FALSE"):
                return ("lit", upper == "TRUE")
            if self.peek() == ("op", "("):
                return self.function(upper, self.args())
            return ("prop", value)
        got = "the end" if kind == "end" else repr(value)
        raise bad(f"expected a property, a value or a function but found {got}.")

    def function(self, upper: str, args: list) -> Node:
        if upper in ("DATE", "TIMESTAMP"):
            if len(args) != 1 or args[0][0] != "lit" or not isinstance(args[0][1], str):
                raise bad(f"{upper} takes one quoted date.")
            return ("time", _instant(args[0][1]))
        if upper == "INTERVAL":
            if len(args) != 2:
                raise bad("INTERVAL takes a start and an end.")
            return ("time", _interval(args))
        if upper == "BBOX":
            if len(args) not in (4, 6) or any(
                a[0] != "lit" or isinstance(a[1], str | bool) for a in args
            ):
                raise bad("BBOX takes 4 or 6 numbers.")
            return ("bbox", [a[1] for a in args])
        if upper in ("CASEI", "ACCENTI"):
            if len(args) != 1:
                raise bad(f"{upper} takes one argument.")
            return (upper.lower(), args[0])
        raise bad(f"unknown or unsupported function {upper}.")


def _instant(value: str) -> temporal.YearRange:
    year = temporal.parse_instant(value, "filter")
    return temporal.YearRange(year, year)


def _interval(args: list) -> temporal.YearRange:
    ends: list[int | None] = []
    for a in args:
        if a[0] == "lit" and isinstance(a[1], str):
            ends.append(None if a[1] == ".." else temporal.parse_instant(a[1], "filter"))
        elif a[0] == "time" and a[1].instant:
            ends.append(a[1].first)
        else:
            raise bad("INTERVAL takes two dates, date-times or '..'.")
    return temporal.YearRange(ends[0], ends[1])


def parse_text(text: str) -> Node:
    if len(text) > MAX_FILTER_LENGTH:
        raise bad("too long.")
    if not text.strip():
        raise bad("empty.")
    _check_nesting(text, "'")
    return _TextParser(text).parse()


# --- CQL2 JSON -------------------------------------------------------------------------


def parse_json(source: str | dict) -> Node:
    if isinstance(source, str):
        if len(source) > MAX_FILTER_LENGTH:
            raise bad("too long.")
        _check_nesting(source, '"')
        try:
            source = json.loads(source)
        except (ValueError, RecursionError):
            raise bad("not valid JSON.") from None
    return _json_bool(source, 0)


def _json_bool(node: Any, depth: int) -> Node:
    if depth > MAX_DEPTH:
        raise bad("nested too deeply.")
    if isinstance(node, bool):
        return ("bool", node)
    if not isinstance(node, dict) or "op" not in node:
        raise bad("expected an object with 'op' and 'args'.")
    op = str(node["op"]).lower()
    args = node.get("args", [])
    if not isinstance(args, list):
        raise bad(f"'args' of '{op}' must be an array.")
    if op in ("and", "or"):
        if len(args) < 2:
            raise bad(f"'{op}' needs at least two arguments.")
        return (op, [_json_bool(a, depth + 1) for a in args])
    if op == "not":
        _arity(op, args, 1)
        return ("not", _json_bool(args[0], depth + 1))
    if op in COMPARISONS:
        _arity(op, args, 2)
        return ("cmp", op, _json_scalar(args[0]), _json_scalar(args[1]))
    if op == "like":
        _arity(op, args, 2)
        return ("like", _json_scalar(args[0]), _json_scalar(args[1]), False)
    if op == "between":
        _arity(op, args, 3)
        return ("between", *(_json_scalar(a) for a in args), False)
    if op == "in":
        _arity(op, args, 2)
        if not isinstance(args[1], list):
            raise bad("the second argument of 'in' must be an array.")
        return ("in", _json_scalar(args[0]), [_json_scalar(a) for a in args[1]], False)
    if op == "isnull":
        _arity(op, args, 1)
        return ("isnull", _json_scalar(args[0]), False)
    if op in SPATIAL:
        _arity(op, args, 2)
        return ("spatial", op, _json_scalar(args[0]), _json_scalar(args[1]))
    if op == "s_dwithin":
        _arity(op, args, 4)
        return ("spatial", op, *(_json_scalar(a) for a in args))
    if op in TEMPORAL:
        _arity(op, args, 2)
        return ("temporal", op, _json_scalar(args[0]), _json_scalar(args[1]))
    raise bad(f"unknown or unsupported operator '{node['op']}'.")


def _arity(op: str, args: list, n: int) -> None:
    if len(args) != n:
        raise bad(f"'{op}' takes {n} argument{'s' if n > 1 else ''}.")


def _json_scalar(node: Any, depth: int = 0) -> Node:
    if depth > MAX_DEPTH:  # CASEI(CASEI(...)): a parsed document comes without brackets
        raise bad("nested too deeply.")
    if isinstance(node, bool | int | float | str):
        return ("lit", node)
    if isinstance(node, dict):
        if "property" in node:
            return ("prop", str(node["property"]))
        if "date" in node or "timestamp" in node:
            return ("time", _instant(str(node.get("date", node.get("timestamp")))))
        if "interval" in node:
            ends = node["interval"]
            if not isinstance(ends, list) or len(ends) != 2:
                raise bad("an interval is an array of two dates or '..'.")
            return ("time", _interval([_json_scalar(e) for e in ends]))
        if "bbox" in node:
            box = node["bbox"]
            if not isinstance(box, list) or len(box) not in (4, 6):
                raise bad("a bbox is an array of 4 or 6 numbers.")
            return ("bbox", box)
        if "type" in node and ("coordinates" in node or "geometries" in node):
            return ("geojson", node)
        if "op" in node:
            op = str(node["op"]).lower()
            if op in ("casei", "accenti"):
                _arity(op, node.get("args", []), 1)
                return (op, _json_scalar(node["args"][0], depth + 1))
            raise bad(f"'{node['op']}' cannot be used as a value.")
    raise bad(f"cannot read {json.dumps(node)[:60]} as a value.")


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
    """A name a filter may use: its SQL (over the layer's alias `t`) and its type:
    string, integer, number, boolean, geometry or life (a feature's years)."""

    sql: str
    type: str
    # For `life`: the SQL of its first and last year.
    bounds: tuple[str, str] | None = None


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
            raise InvalidQuery(
                "filter", f"filter: unknown property '{name}'; the queryables are: {known}."
            ) from None

    def boolean(self, node: Node) -> str:
        tag = node[0]
        if tag in ("and", "or"):
            return "(" + f" {tag.upper()} ".join(self.boolean(n) for n in node[1]) + ")"
        if tag == "not":
            return f"(NOT {self.boolean(node[1])})"
        if tag == "bool":
            return "TRUE" if node[1] else "FALSE"
        if tag == "cmp":
            (a, ta), (b, tb) = self.scalar(node[2]), self.scalar(node[3])
            self.same_kind(ta, tb, node[1])
            return f"({a} {COMPARISONS[node[1]]} {b})"
        if tag == "like":
            (a, ta), (b, tb) = self.scalar(node[1]), self.scalar(node[2])
            if ta != "string" or tb != "string":
                raise bad("LIKE compares text with a text pattern.")
            _check_like_pattern(node[2])
            return f"({a} {'NOT ' if node[3] else ''}LIKE {b})"
        if tag == "between":
            (x, tx), (lo, tl), (hi, th) = (self.scalar(n) for n in node[1:4])
            for t in (tx, tl, th):
                if t not in ("integer", "number"):
                    raise bad("BETWEEN works on numbers.")
            return f"({x} {'NOT ' if node[4] else ''}BETWEEN {lo} AND {hi})"
        if tag == "in":
            x, tx = self.scalar(node[1])
            items = [self.scalar(n) for n in node[2]]
            if not items:
                raise bad("IN needs at least one value.")
            for _, t in items:
                self.same_kind(tx, t, "IN")
            listed = ", ".join(s for s, _ in items)
            return f"({x} {'NOT ' if node[3] else ''}IN ({listed}))"
        if tag == "isnull":
            if node[1][0] != "prop":
                raise bad("IS NULL applies to a property.")
            q = self.prop(node[1][1])
            if q.type == "life":
                raise bad("IS NULL does not apply to 'life'.")
            return f"({q.sql} IS {'NOT ' if node[2] else ''}NULL)"
        if tag == "spatial":
            return self.spatial(node)
        if tag == "temporal":
            return self.temporal(node)
        raise bad("expected a condition, not a value.")

    @staticmethod
    def same_kind(a: str, b: str, op: str) -> None:
        numeric = ("integer", "number")
        if (a in numeric and b in numeric) or a == b and a in ("string", "boolean"):
            return
        raise bad(f"'{op}' cannot compare {a} with {b}.")

    def scalar(self, node: Node) -> tuple[str, str]:
        tag = node[0]
        if tag == "prop":
            q = self.prop(node[1])
            if q.type in ("geometry", "life"):
                raise bad(f"'{node[1]}' is {q.type}: use a spatial or temporal function.")
            return q.sql, q.type
        if tag == "lit":
            v = node[1]
            if isinstance(v, bool):
                return self.bind(v), "boolean"
            if isinstance(v, int):
                return self.bind(v), "integer"
            if isinstance(v, float):
                return self.bind(v), "number"
            return f"CAST({self.bind(v)} AS text)", "string"
        if tag == "casei":
            s, t = self.scalar(node[1])
            if t != "string":
                raise bad("CASEI applies to text.")
            return f"lower({s})", t
        if tag == "accenti":
            raise bad("ACCENTI is not supported.")
        if tag in ("wkt", "geojson", "bbox"):
            raise bad("a geometry can only be used in a spatial function.")
        if tag == "time":
            raise bad("a date can only be used in a temporal function on 'life'.")
        raise bad("expected a value, not a condition.")

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
        tag = node[0]
        if tag == "prop":
            q = self.prop(node[1])
            if q.type != "geometry":
                raise bad(f"'{node[1]}' is not a geometry.")
            return q.sql
        if tag == "wkt":
            try:
                with np.errstate(over="ignore"):  # a coordinate overflowing to inf: see below
                    shape = shapely.from_wkt(node[1])
            except shapely.errors.ShapelyError:
                raise bad(f"invalid WKT geometry {node[1][:40]!r}.") from None
            self.check_extent(shape)
            g = f"ST_GeomFromText({self.bind(node[1])}, {self.crs.srid})"
        elif tag == "geojson":
            try:
                shape = shapely.geometry.shape(node[1])
            except Exception:
                raise bad("invalid GeoJSON geometry.") from None
            self.check_extent(shape)
            g = f"ST_SetSRID(ST_GeomFromGeoJSON({self.bind(json.dumps(node[1]))}), {self.crs.srid})"
        elif tag == "bbox":
            box = node[1]
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in box):
                raise bad("a bbox is made of numbers.")
            if len(box) == 6:
                box = [box[0], box[1], box[3], box[4]]
            x0, y0, x1, y1 = box
            self.check_extent(shapely.box(x0, y0, x1, y1))
            # BBOX is always minx, miny, maxx, maxy in the axis order of filter-crs.
            coords = ", ".join(self.bind(float(v)) for v in (x0, y0, x1, y1))
            g = f"ST_MakeEnvelope({coords}, {self.crs.srid})"
        else:
            raise bad("a spatial function needs a geometry property or a geometry literal.")
        return f"({crs_mod.input_geometry_sql(g, self.crs)})"

    def spatial(self, node: Node) -> str:
        op = node[1]
        a, b = self.geometry(node[2]), self.geometry(node[3])
        if op == "s_dwithin":
            dist, units = node[4], node[5]
            if dist[0] != "lit" or isinstance(dist[1], str | bool) or dist[1] < 0:
                raise bad("S_DWITHIN's distance must be a non-negative number.")
            unit = str(units[1]).lower() if units[0] in ("lit", "prop") else ""
            if unit not in ("meters", "metres", "meter", "metre", "m"):
                raise bad("S_DWITHIN's distance is in meters (units: meters).")
            return f"ST_DWithin({a}, {b}, {self.bind(float(dist[1]))})"
        return f"{SPATIAL[op]}({a}, {b})"

    def years(self, node: Node) -> tuple[str, str]:
        if node[0] == "prop":
            q = self.prop(node[1])
            if q.type != "life" or q.bounds is None:
                raise bad(f"'{node[1]}' is not temporal: the temporal queryable is 'life'.")
            return q.bounds
        if node[0] == "time":
            rng = node[1]
            first = temporal.OPEN_START if rng.first is None else rng.first
            last = temporal.OPEN_END if rng.last is None else rng.last
            return self.bind(first), self.bind(last)
        if node[0] == "lit" and isinstance(node[1], str):
            return self.years(("time", _instant(node[1])))
        raise bad("a temporal function needs 'life' and a DATE, TIMESTAMP or INTERVAL.")

    def temporal(self, node: Node) -> str:
        (a0, a1), (b0, b1) = self.years(node[2]), self.years(node[3])
        return "(" + TEMPORAL[node[1]].format(a0=a0, a1=a1, b0=b0, b1=b1) + ")"


def compile_filter(
    tree: Node, queryables: dict[str, Queryable], filter_crs: crs_mod.Crs, params: dict
) -> str:
    """SQL condition for a parsed filter; its values are added to `params` (`f1`, `f2`…)."""
    return _Compiler(queryables, filter_crs, params).boolean(tree)
