"""Query parameters declared once: an endpoint's parameters as a `Parameters` of `Param`s,
from which come the parsing and the checks of a query string (`Parameters.parse`, all of it
before any I/O), the OpenAPI parameter objects (`Parameters.openapi`) and the fields of an
HTML query form (`Param.form`). No web framework: `api/` hands in the query string.

A parameter's JSON Schema (OpenAPI 3.0's schema object) is both what the API document says
and what the parser checks: the type (integer, number, boolean, string, an array of them
for a repeatable parameter), `minimum`/`maximum`, `enum`, `maxLength`. A `convert` turns the
checked text into the domain's value and checks what a schema cannot say (a CRS's other
spellings, a CQL2 filter); where it is given, the schema's `enum` names the canonical
spellings and `convert` is the judge. A name the endpoint does not declare is a 400 (OGC
API – Features /req/core/query-param-unknown), as is a parameter given twice that is not
repeatable.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gis import record, temporal
from gis.errors import InvalidQuery
from gis.ogc.crs import CRS84, SUPPORTED, parse_crs

_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_TRUE, _FALSE = ("true", "1"), ("false", "0")


@dataclass(frozen=True)
class Param:
    name: str
    schema: Mapping[str, Any]
    description: str
    # The domain value from the text the schema has checked (a list's items, for a
    # repeatable one); raises InvalidQuery naming the parameter.
    convert: Callable[[Any], object] | None = None
    # Given more than once, or comma-separated: every value (form, exploded).
    repeat: bool = False
    # An empty value means something (`properties=`: no properties); else it is not given.
    keep_empty: bool = False

    def openapi(self) -> dict:
        return {
            "name": self.name,
            "in": "query",
            "required": False,
            "style": "form",
            "explode": self.repeat,
            "schema": dict(self.schema),
            "description": self.description,
        }

    def read(self, values: Sequence[str]) -> object | None:
        """The parameter's value from every value the query string gives it; None where it
        counts as not given."""
        if not self.repeat:
            if len(values) > 1:
                raise InvalidQuery(self.name, f"{self.name} may be given once.")
            text = values[0]
            if text == "" and not self.keep_empty:
                return None
            value = _typed(self.name, self.schema, text, checked=self.convert is None)
            return value if self.convert is None else self.convert(value)
        items = [v.strip() for text in values for v in text.split(",") if v.strip()]
        if not items:
            return None
        schema = self.schema.get("items", {})
        out = list(dict.fromkeys(_typed(self.name, schema, v, self.convert is None) for v in items))
        return out if self.convert is None else self.convert(out)

    def form(self, value: str | None) -> dict:
        """This parameter as an HTML form field: its input type, bounds or options, and the
        value the request gave (or the default)."""
        schema = self.schema.get("items", self.schema) if self.repeat else self.schema
        kind = schema.get("type", "string")
        field_: dict = {"name": self.name, "title": self.description, "value": value}
        if value is None and "default" in self.schema:
            field_["value"] = _text(self.schema["default"])
        if "enum" in schema:
            field_["options"] = [_text(v) for v in schema["enum"]]
        elif kind == "boolean":
            field_["options"] = ["true", "false"]
        elif kind in ("integer", "number"):
            field_["type"] = "number"
            for bound in ("minimum", "maximum"):
                if bound in schema:
                    field_[bound[:3]] = schema[bound]
            if kind == "number":
                field_["step"] = "any"
        elif schema.get("format") == "date":
            field_["type"] = "date"
        return field_


def _text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _typed(name: str, schema: Mapping[str, Any], text: str, checked: bool = True) -> object:
    """`text` as the schema's type, within its bounds; InvalidQuery naming `name` if not.
    `checked`: the schema's enum is the judge (no `convert` to say otherwise)."""
    kind = schema.get("type", "string")
    if kind == "integer":
        if not _INTEGER.match(text):
            raise InvalidQuery(name, f"{name} must be an integer.")
        value: object = int(text)
    elif kind == "number":
        try:
            value = float(text)
        except ValueError:
            raise InvalidQuery(name, f"{name} must be a number.") from None
        if not math.isfinite(value):
            raise InvalidQuery(name, f"{name} must be a finite number.")
    elif kind == "boolean":
        if text.lower() not in _TRUE + _FALSE:
            raise InvalidQuery(name, f"{name} must be true or false.")
        value = text.lower() in _TRUE
    elif schema.get("format") == "date":
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            raise InvalidQuery(name, f"{name}: '{text}' is not a date (2025-06-01).") from None
    else:
        value = text
        if "\x00" in text:
            raise InvalidQuery(name, f"{name} must not contain a NUL character.")
        if "maxLength" in schema and len(text) > schema["maxLength"]:
            raise InvalidQuery(name, f"{name} is longer than {schema['maxLength']} characters.")
    low, high = schema.get("minimum"), schema.get("maximum")
    if (low is not None and value < low) or (high is not None and value > high):  # type: ignore[operator]
        if low is not None and high is not None:
            raise InvalidQuery(name, f"{name} must be between {low} and {high}.")
        if low is not None:
            raise InvalidQuery(name, f"{name} must be at least {low}.")
        raise InvalidQuery(name, f"{name} must be at most {high}.")
    if checked and "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(_text(v) for v in schema["enum"])
        raise InvalidQuery(name, f"{name} must be one of: {allowed}.")
    return value


Query = Mapping[str, "str | Sequence[str]"]


def _grouped(query: Query | Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """name -> every value given, from a query string's pairs (`multi_items()`), or from a
    mapping of a name to its value or to its values."""
    if hasattr(query, "multi_items"):
        pairs: Iterable[tuple[str, str]] = query.multi_items()  # type: ignore[union-attr]
    elif isinstance(query, Mapping):
        pairs = ((k, v) for k, vs in query.items() for v in ([vs] if isinstance(vs, str) else vs))
    else:
        pairs = query
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return out


@dataclass(frozen=True)
class Parameters:
    """The query parameters of one endpoint, in the order the API document lists them.
    `closed`: a name not declared is a 400; else it is left alone."""

    params: tuple[Param, ...]
    closed: bool = True
    by_name: dict[str, Param] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {p.name: p for p in self.params})
        if len(self.by_name) != len(self.params):
            raise ValueError("a parameter is declared twice")

    def __add__(self, other: Parameters | Iterable[Param]) -> Parameters:
        more = other.params if isinstance(other, Parameters) else tuple(other)
        return Parameters(self.params + more, self.closed)

    def __hash__(self) -> int:
        return hash((self.params, self.closed))

    def __contains__(self, name: str) -> bool:
        return name in self.by_name

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.by_name)

    def parse(self, query: Query | Iterable[tuple[str, str]]) -> dict[str, object]:
        """Every declared parameter the query string gives, as its value; a value the
        declaration refuses, or a name it does not declare where it is `closed`:
        InvalidQuery (a 400 naming it). No I/O."""
        grouped = _grouped(query)
        if self.closed:
            for name in grouped:
                if name not in self.by_name:
                    raise InvalidQuery(name, f"Unknown query parameter '{name}'.")
        out = {}
        for name, param in self.by_name.items():
            if name in grouped and (value := param.read(grouped[name])) is not None:
                out[name] = value
        return out

    def openapi(self) -> list[dict]:
        return [p.openapi() for p in self.params]


def view_of(args: Mapping[str, object]) -> record.PlanView:
    """The version of the plan the parsed `scenario` and `recorded` name."""
    scenario = args.get("scenario", record.ADOPTED)
    recorded = args.get("recorded")
    if scenario == record.ADOPTED and recorded is None:
        return record.CURRENT
    return record.PlanView(scenario, recorded)  # type: ignore[arg-type]


def format_param(formats: Sequence[str]) -> Param:
    return Param("f", {"type": "string", "enum": list(formats)}, "Output format.")


CRS_URIS = [c.uri for c in SUPPORTED]


def crs_param(name: str, description: str, default=CRS84) -> Param:
    schema: dict = {"type": "string", "enum": CRS_URIS}
    if name == "crs":
        schema["default"] = default.uri
    return Param(name, schema, description, lambda v: parse_crs(v, name, default))


# What several endpoints share.
SCENARIO = Param(
    "scenario",
    {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$", "default": record.ADOPTED},
    "The scenario to answer (its slug): `vedtaget`, the adopted plan, by default.",
    record.parse_scenario,
)
RECORDED = Param(
    "recorded",
    {"type": "string"},
    "The plan as recorded at this time: an RFC 3339 date-time, or a date (the end of that "
    "day, Danish time). Default: now.",
    record.parse_recorded,
)
VERSION = Parameters((SCENARIO, RECORDED))
DATETIME = Param(
    "datetime",
    {"type": "string"},
    "An instant (2025-06-01, 2025-06-01T00:00:00Z, or a year 2030 = 1 January 2030) or an "
    "interval (2024-01-01/2027-12-31, open ends as '..'). Year-granular: an instant selects "
    "the state of its year (as of 1 January); an interval selects features present in any "
    "of its years.",
    temporal.parse_datetime,
)
CRS = crs_param("crs", "Output CRS.")

# The tile routes': a tile and a TileJSON take the year(s) and the version, and refuse any
# other name; a tileset's metadata, which names them in its links, leaves others alone (as the
# documents below). `f` is taken as some clients send it: a tile is always MVT, a tileset
# and a TileJSON always JSON.
TILE_FORMAT = Param(
    "f",
    {"type": "string", "enum": ["mvt", "json"]},
    "Taken as clients send it: a tile is always a Mapbox Vector Tile, its metadata JSON.",
)
TILE = Parameters((DATETIME, TILE_FORMAT)) + VERSION
TILESET = Parameters((DATETIME, TILE_FORMAT), closed=False) + VERSION

# The documents that are JSON or HTML and read nothing but the version. Open: QGIS sends
# the query parameters of its layer's URI (a filter, a datetime) to the collection's
# documents too, and OGC API – Features asks a 400 for unknown ones of the items only.
DOCUMENT = Parameters((format_param(("json", "html")),), closed=False) + VERSION
