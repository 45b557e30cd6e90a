"""What a layer's features are, for filters and for clients: its queryables (what a CQL2
filter, a sortby and a property filter may name, and each one's type), as JSON Schema
(OGC API – Features Part 3), and the schema of its features (Part 5 style), typed from the
models."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from gis.layers import Layer
from gis.models import Base
from gis.ogc import cql2


@lru_cache(maxsize=256)
def queryables(layer: Layer) -> dict[str, cql2.Queryable]:
    """What filters and sortby may name: the id, the properties, the geometry and, for a
    layer with a life, `life` (its years; temporal functions only).

    Cached per layer (a frozen value; the reader's view is a different value): it reads
    the models' column types, which several steps of every request ask for. Callers must
    not change the dict."""
    out = {"id": cql2.Queryable("t.id", "integer")}
    out.update({p: cql2.Queryable(f"t.{p}", t) for p, t in layer.property_types().items()})
    for p in layer.properties:
        if p.endswith("_date"):  # a plot's sale dates, ISO text in its source: dates to CQL2
            out[p] = cql2.Queryable(f"CAST(t.{p} AS date)", "date")
    if "constraints" in layer.properties:  # comma-separated in the source: an array to A_*
        out["constraint_list"] = cql2.Queryable("string_to_array(t.constraints, ',')", "array")
    out["geometry"] = cql2.Queryable(layer.geometry, "geometry")
    if layer.has_life:
        out["life"] = cql2.Queryable("", "life", cql2.life_bounds_sql(layer.start, layer.end))
    return out


def queryables_schema(layer: Layer) -> dict:
    """The queryables as JSON Schema (OGC API – Features Part 3)."""
    props: dict[str, dict] = {"id": {"title": "Feature id", "type": "integer"}}
    for name, kind in layer.property_types().items():
        props[name] = {"title": name, "type": kind}
    for name, q in queryables(layer).items():  # what CQL2 reads otherwise than the items
        if q.type == "date":
            props[name] = {"title": name, "type": "string", "format": "date"}
        elif q.type == "array":
            props[name] = {"title": name, "type": "array", "items": {"type": "string"}}
    props["geometry"] = {
        "title": "Geometry",
        "format": f"geometry-{layer.geometry_type.lower()}",
        "x-ogc-role": "primary-geometry",
    }
    if layer.has_life:
        props["life"] = {
            "title": "Life",
            "description": (
                "The interval the plan's state includes the feature: from 1 January after "
                f"{layer.start or 'ever'} to 1 January of {layer.end or 'open end'}, 00:00 "
                "Danish time. Use with T_* functions; the years themselves are integers."
            ),
            "type": "string",
            "format": "date",
            "x-ogc-role": "primary-instant",
        }
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "type": "object",
        "title": layer.title,
        "properties": props,
        "additionalProperties": False,
    }


def _columns(layer: Layer) -> dict[str, object]:
    """The model column behind each property of the layer, where a table holds it."""
    tables = [Base.metadata.tables.get(n or "") for n in (layer.table, layer.confidential_table)]
    tables.insert(0, Base.metadata.tables.get(layer.source.split()[0]))
    out = {}
    for name in layer.properties:
        for table in tables:
            if table is not None and name in table.columns:
                out[name] = table.columns[name]
                break
    return out


_FORMATS = {dt.date: "date", dt.datetime: "date-time"}
# The OpenAPI 3.0 schema object, as its published JSON Schema names it.
OAS30_SCHEMA_DIALECT = "https://spec.openapis.org/oas/3.0/schema/2021-09-28"


def feature_schema(layer: Layer) -> dict:
    """The features of a layer as a schema (OGC API – Features Part 5 style): a GeoJSON
    Feature whose `properties` are the layer's columns, typed from the models; `id` and the
    geometry carry their `x-ogc-role`.

    GDAL types its fields from this instead of guessing from the first page, where a number
    that happens to be null everywhere on it became a string (and a numeric `-where` then
    failed). GDAL (3.6 to 3.12) reads a type only as one string: a `["integer", "null"]`
    list is a string field to it. So a column that may be NULL is `type` and
    `nullable: true`, the OpenAPI 3.0 schema object's spelling (the dialect the document
    names), and the NOT NULL ones are `required`."""
    columns = _columns(layer)
    props: dict[str, dict] = {}
    required = []
    for name, kind in layer.property_types().items():
        column = columns.get(name)
        prop: dict = {"title": name, "type": kind}
        python = column.type.python_type if column is not None else None
        if python in _FORMATS:
            prop["format"] = _FORMATS[python]
        # A computed property (no column) may be NULL as far as anyone knows.
        if column is None or column.nullable:
            prop["nullable"] = True
        else:
            required.append(name)
        props[name] = prop
    geometry = {
        "title": "Geometry",
        "format": f"geometry-{layer.geometry_type.lower()}",
        "x-ogc-role": "primary-geometry",
    }
    return {
        "$schema": OAS30_SCHEMA_DIALECT,
        "title": layer.title,
        "description": layer.description,
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "integer", "x-ogc-role": "id"},
            "geometry": geometry,
            "properties": {"type": "object", "required": required, "properties": props},
        },
    }


def date_properties(layer: Layer) -> frozenset[str]:
    """The properties whose column is a date (served as ISO text)."""
    return frozenset(
        name for name, column in _columns(layer).items() if column.type.python_type is dt.date
    )
