"""Links, URLs, formats and JSON responses of the OGC API: what every document it answers
shares (media types, `self`/`alternate` links, the output format a request asks for)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from fastapi import Request, Response

from gis.errors import InvalidQuery

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
SCHEMA = "application/schema+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CSV = "text/csv; charset=utf-8"
GPKG = "application/geopackage+sqlite3"
MVT = "application/vnd.mapbox-vector-tile"

REL_QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
REL_CONFORMANCE = "http://www.opengis.net/def/rel/ogc/1.0/conformance"
REL_DATA = "http://www.opengis.net/def/rel/ogc/1.0/data"
REL_TILESETS = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
REL_TMS = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"


def negotiated(request: Request, f: str | None) -> str:
    """The format a request asks for: `f` where it gives one (checked by the route's
    declaration), else HTML for a browser and JSON for the rest."""
    if f is not None:
        return f
    accept = request.headers.get("accept", "")
    if "text/html" in accept and "json" not in accept.split("text/html")[0]:
        return "html"
    return "json"


def output_format(request: Request, allowed: tuple[str, ...] = ("json", "html")) -> str:
    """As `negotiated`, for a route with no declaration (the landing page, conformance):
    `f` if given (400 if not offered)."""
    f = request.query_params.get("f")
    if f is not None and f not in allowed:
        raise InvalidQuery("f", f"f must be one of: {', '.join(allowed)}.")
    return negotiated(request, f)


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def url(request: Request, path: str, **query: str | int | None) -> str:
    params = {k: v for k, v in query.items() if v is not None}
    return base_url(request) + path + (f"?{urlencode(params)}" if params else "")


def link(href: str, rel: str, type_: str, title: str | None = None) -> dict:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    return out


def self_links(request: Request, path: str, fmt: str, json_type: str = JSON) -> list[dict]:
    """`self` and `alternate` for a document offered as JSON and as HTML, in `fmt` now."""
    here, other = ("html", "json") if fmt == "html" else ("json", "html")
    types = {"json": json_type, "html": HTML}
    return [
        link(url(request, path, f=here), "self", types[here], "This document"),
        link(url(request, path, f=other), "alternate", types[other], f"This document as {other}"),
    ]


def json_response(doc: dict, media_type: str = JSON, headers: dict | None = None) -> Response:
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    return Response(body, media_type=media_type, headers=headers)
