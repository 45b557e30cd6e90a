"""OGC API – Features Part 4 (create, replace, update, delete) on the plan's layers, with
each feature's history and the restore of a past version.

Thin: the body is read and its media type checked here; everything else, from the checks
to the audited write, is `gis.editing`. Each request is one transaction
(`WriteConnectionDep`): a refused edit writes nothing, its audit row included.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from starlette.exceptions import HTTPException

from api.deps import ConnectionDep, ReaderDep, WriteConnectionDep
from api.errors import problem
from api.ogc.links import GEOJSON, JSON, link, url
from gis.editing import history, operations
from gis.editing.operations import Written
from gis.editing.specs import READ_ONLY, spec_of
from gis.editing.validate import parse_json
from gis.errors import InvalidQuery
from gis.layers import LAYERS
from gis.ogc.crs import CRS84, parse_crs

router = APIRouter(tags=["OGC API – Features – Part 4"])

MERGE_PATCH = "application/merge-patch+json"
FEATURE_TYPES = ("application/geo+json", "application/json")
# A feature's body larger than this is not an edit (a building's footprint is a few kB).
MAX_BODY = 5 * 1024 * 1024

WRITE_RESPONSES = {
    401: {"description": "No valid token"},
    403: {"description": "The role may not edit this (or this property)"},
    404: {"description": "No such collection, feature or scenario"},
    405: {"description": "The collection is read-only"},
    409: {
        "description": "The scenario was adopted and is read-only, or deleting a quarter "
        "would leave buildings in no quarter of its set"
    },
    415: {"description": "Not a GeoJSON Feature (or merge patch) body"},
    422: {"description": "Invalid geometry or property, named in `errors`"},
}
ITEM_RESPONSES = {
    **WRITE_RESPONSES,
    412: {"description": "If-Match names another version than the current one"},
    428: {"description": "If-Match is required"},
}


def _check_query(request: Request, allowed: tuple[str, ...]) -> None:
    for name in request.query_params:
        if name not in allowed:
            raise InvalidQuery(name, f"Unknown query parameter '{name}'.")


class RawBody:
    """A request's body and media type, read before the route runs and parsed by it only
    after the token and the role were checked (a 401 before a 415)."""

    def __init__(self, media_type: str, content: bytes) -> None:
        self.media_type = media_type
        self.content = content

    def json(self, types: tuple[str, ...]) -> object:
        if self.media_type not in types:
            raise HTTPException(415, f"Send the body as {' or '.join(types)}.")
        if len(self.content) > MAX_BODY:
            raise HTTPException(413, f"The body is larger than {MAX_BODY} bytes.")
        return parse_json(self.content)


async def raw_body(request: Request) -> RawBody:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return RawBody(kind, await request.body())


Body = Annotated[RawBody, Depends(raw_body)]
IfMatch = Annotated[str | None, Header(alias="If-Match")]
ContentCrs = Annotated[str | None, Header(alias="Content-Crs")]


def _item_url(request: Request, collection: str, written: Written) -> str:
    scenario = None if written.scenario == "vedtaget" else written.scenario
    return url(request, f"/collections/{collection}/items/{written.id}", scenario=scenario)


def _answer(request: Request, collection: str, written: Written, status: int) -> Response:
    if written.feature is None:
        return Response(status_code=204)
    here = _item_url(request, collection, written)
    links = [
        link(here, "self", GEOJSON),
        link(
            url(request, f"/collections/{collection}"), "collection", JSON, LAYERS[collection].title
        ),
    ]
    body = written.feature[:-1] + ',"links":' + json.dumps(links, ensure_ascii=False) + "}"
    headers = {"ETag": written.etag, "Content-Crs": CRS84.header}
    if status == 201:
        headers["Location"] = here
    return Response(body, status_code=status, media_type=GEOJSON, headers=headers)


def _authorised(collection_id: str, reader) -> None:
    operations.authorise(spec_of(collection_id), reader)


def _read_only(request: Request, collection_id: str) -> Response | None:
    if collection_id not in READ_ONLY:
        return None
    response = problem(
        request,
        405,
        "Method not allowed",
        f"The collection '{collection_id}' is read-only: designated areas are set by law, "
        "not edited here.",
    )
    response.headers["Allow"] = "GET, HEAD"
    return response


ScenarioParam = Annotated[
    str | None,
    Query(description="The scenario written to (its slug); default `vedtaget`, the adopted plan."),
]
NoteParam = Annotated[str | None, Query(description="Why: kept with the change in the history.")]


class Write:
    """What every Part 4 write is given, declared once: the collection, who writes, the
    transaction, the scenario written to and why, and the version the client read
    (If-Match). Solved before the route runs: a 401 or 403 comes before the body is read."""

    __slots__ = ("collection_id", "conn", "if_match", "note", "reader", "request", "scenario")

    def __init__(
        self,
        request: Request,
        collection_id: str,
        reader: ReaderDep,
        conn: WriteConnectionDep,
        if_match: IfMatch = None,
        scenario: ScenarioParam = None,
        note: NoteParam = None,
    ) -> None:
        self.request = request
        self.collection_id = collection_id
        self.reader = reader
        self.conn = conn
        self.if_match = if_match
        self.scenario = scenario
        self.note = note

    def refused(self) -> Response | None:
        """A 405 for a read-only collection; else the query checked (400 for an unknown
        parameter) and None."""
        if (refused := _read_only(self.request, self.collection_id)) is not None:
            return refused
        _check_query(self.request, ("scenario", "note"))
        return None

    def answer(self, written: Written, status: int) -> Response:
        return _answer(self.request, self.collection_id, written, status)


WriteDep = Annotated[Write, Depends()]


@router.post(
    "/collections/{collection_id}/items",
    status_code=201,
    summary="Add a feature (OGC API – Features Part 4)",
    response_class=Response,
    responses={201: {"content": {GEOJSON: {}}}, **WRITE_RESPONSES},
)
def create_item(w: WriteDep, body: Body, content_crs: ContentCrs = None) -> Response:
    if (refused := w.refused()) is not None:
        return refused
    _authorised(w.collection_id, w.reader)
    doc = body.json(FEATURE_TYPES)
    crs = parse_crs(content_crs, "Content-Crs")
    written = operations.create(
        w.conn, w.collection_id, w.reader, doc, crs=crs, scenario=w.scenario, note=w.note
    )
    return w.answer(written, 201)


def _replace(
    w: Write, feature_id: str, body: RawBody, content_crs: str | None, *, patch: bool
) -> Response:
    if (refused := w.refused()) is not None:
        return refused
    _authorised(w.collection_id, w.reader)
    doc = body.json((MERGE_PATCH, *FEATURE_TYPES) if patch else FEATURE_TYPES)
    crs = parse_crs(content_crs, "Content-Crs")
    written = operations.replace(
        w.conn,
        w.collection_id,
        feature_id,
        w.reader,
        doc,
        if_match=w.if_match,
        crs=crs,
        scenario=w.scenario,
        note=w.note,
        patch=patch,
    )
    return w.answer(written, 200)


@router.put(
    "/collections/{collection_id}/items/{feature_id}",
    summary="Replace a feature (If-Match required)",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}, **ITEM_RESPONSES},
)
def replace_item(
    w: WriteDep, feature_id: str, body: Body, content_crs: ContentCrs = None
) -> Response:
    return _replace(w, feature_id, body, content_crs, patch=False)


@router.patch(
    "/collections/{collection_id}/items/{feature_id}",
    summary="Update a feature with a JSON merge patch (If-Match required)",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}, **ITEM_RESPONSES},
)
def update_item(
    w: WriteDep, feature_id: str, body: Body, content_crs: ContentCrs = None
) -> Response:
    return _replace(w, feature_id, body, content_crs, patch=True)


@router.delete(
    "/collections/{collection_id}/items/{feature_id}",
    status_code=204,
    summary="Delete a feature (If-Match required)",
    response_class=Response,
    responses=ITEM_RESPONSES,
)
def delete_item(w: WriteDep, feature_id: str) -> Response:
    if (refused := w.refused()) is not None:
        return refused
    operations.delete(
        w.conn,
        w.collection_id,
        feature_id,
        w.reader,
        if_match=w.if_match,
        scenario=w.scenario,
        note=w.note,
    )
    return Response(status_code=204)


@router.get(
    "/collections/{collection_id}/items/{feature_id}/history",
    summary="A feature's versions, oldest first, with who changed it, when and why",
    responses={404: {"description": "No such collection, feature or scenario"}},
)
def item_history(
    request: Request,
    collection_id: str,
    feature_id: str,
    reader: ReaderDep,
    conn: ConnectionDep,
    scenario: str | None = None,
) -> list[dict]:
    _check_query(request, ("scenario",))
    return history.history(conn, collection_id, feature_id, reader, scenario)


@router.post(
    "/collections/{collection_id}/items/{feature_id}/history/{change_id}/restore",
    summary="Write a past version of a feature back, as a new change (If-Match required)",
    response_class=Response,
    responses={
        200: {"content": {GEOJSON: {}}},
        204: {"description": "Restored as deleted"},
        **ITEM_RESPONSES,
    },
)
def restore_item(w: WriteDep, feature_id: str, change_id: str) -> Response:
    if (refused := w.refused()) is not None:
        return refused
    written = operations.restore(
        w.conn,
        w.collection_id,
        feature_id,
        change_id,
        w.reader,
        if_match=w.if_match,
        scenario=w.scenario,
        note=w.note,
    )
    return w.answer(written, 200)
