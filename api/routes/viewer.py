"""The map viewer at /kort: pages, and the JSON and images the pages fetch.

Thin: every answer comes from `gis.mapdata`, `gis.overlays`, `gis.render.charts` or the
layer registry; the Danish pages live in web/templates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates

from api import error_pages
from api.deps import ConnectionDep, EngineDep, PlanViewDep, ReaderDep, SettingsDep
from gis import areas, law, mapdata, overlays, record, styles, tenure
from gis.criteria import labels
from gis.errors import InvalidParameter
from gis.models import plan

# Not gis.render.share: folium (and pandas) are imported in the render worker only.
from gis.render import charts, params, worker
from gis.roles import Permission

WEB = Path(__file__).resolve().parents[2] / "web"
templates = Jinja2Templates(directory=WEB / "templates")


def _pct(share: float | None) -> str:
    """0.4123 -> '41,2 %' (Danish)."""
    return labels.pct(None if share is None else share * 100)


templates.env.filters["pct"] = _pct
# The bundled dataset's English metadata, in Danish on the Danish pages.
templates.env.filters["da"] = styles.danish
templates.env.globals["unit_of"] = styles.quarter_set_unit

templates.env.filters["da_date"] = styles.danish_date

router = APIRouter(prefix="/kort", tags=["kort (viewer)"])

# The period of a page's chart and table (the area pages, the overview of every area).
ViewerFromYear = Annotated[int, Query(alias="from", ge=2000, le=2060)]
ViewerToYear = Annotated[int, Query(alias="to", ge=2000, le=2060)]

ViewerYear = Annotated[
    int,
    Query(
        ge=styles.VIEWER_MIN_YEAR,
        le=styles.VIEWER_MAX_YEAR,
        description="The state as of 1 January of this year.",
    ),
]
Slug = Annotated[str, PathParam(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
# Layer data barely changes; a minute of caching makes year switching back and forth instant.
CACHE = {"Cache-Control": "public, max-age=60"}


# The viewer's editing forms (web/static/kort-edit.js): per OGC collection, the properties a
# planner edits, in Danish, with the choices the schema allows (gis.models.plan), so the form
# offers only what the database accepts. "life" holds the event years and their decided flags.
_ROAD_KINDS = {"bygade": "Bygade", "sivegade": "Sivegade", "path": "Sti", "road": "Vej"}
_ROAD_STATUSES = {"existing": "Eksisterende", "planned": "Planlagt", "closed": "Nedlagt"}
_FACILITY_KINDS = {
    "school": "Skole",
    "gymnasium": "Gymnasium",
    "daycare": "Daginstitution",
    "library": "Bibliotek",
    "swimming_hall": "Svømmehal",
    "church": "Kirke",
    "youth_school": "Ungdomsskole",
    "sports": "Idræt",
    "culture": "Kultur",
    "municipal_workplace": "Kommunale arbejdspladser",
    "shopping": "Butikker",
    "health": "Sundhed",
    "other": "Andet",
}


def _choices(values, labels: dict) -> list[list]:
    return [[v, labels.get(v, str(v))] for v in values]


def _field(name: str, label: str, kind: str, choices: list | None = None) -> dict:
    return {"name": name, "label": label, "type": kind, **({"choices": choices} if choices else {})}


def edit_forms() -> dict:
    year, decided = "integer", "boolean"
    return {
        "buildings": {
            "title": "bygning",
            "definite": "bygningen",
            "geometry": "MultiPolygon",
            "attributes": [
                _field("name", "Navn", "string"),
                _field("department", "Afdeling", "string"),
                _field(
                    "use", "Anvendelse", "string", _choices(plan.BUILDING_USES, mapdata.USE_LABELS)
                ),
                _field("storeys", "Etager", "integer"),
                _field("floor_area_m2", "Etageareal (m²)", "number"),
                _field("business_floor_area_m2", "Erhvervsareal (m²)", "number"),
                _field("owner", "Ejer", "string"),
                _field(
                    "ejerforhold",
                    "Ejerforhold (BBR)",
                    "integer",
                    _choices(plan.EJERFORHOLD_CODES, mapdata.EJERFORHOLD_LABELS),
                ),
                _field("construction_year", "Opført år", year),
            ],
            "life": [
                _field("built_year", "Nybyggeri år", year),
                _field("built_decided", "Nybyggeri besluttet", decided),
                _field("renovation_start_year", "Renovering fra år", year),
                _field("renovation_end_year", "Renovering til år", year),
                _field("renovation_decided", "Renovering besluttet", decided),
                _field("demolished_year", "Nedrivning år", year),
                _field("demolition_decided", "Nedrivning besluttet", decided),
            ],
            "dwellings": True,
            "defaults": {
                "use": "housing",
                "storeys": 4,
                "built_decided": False,
                "renovation_decided": True,
                "demolition_decided": True,
            },
        },
        "roads": {
            "title": "vej eller sti",
            "definite": "vejen",
            "geometry": "MultiLineString",
            "attributes": [
                _field("name", "Navn", "string"),
                _field("kind", "Type", "string", _choices(plan.ROAD_KINDS, _ROAD_KINDS)),
                _field("status", "Status", "string", _choices(plan.ROAD_STATUSES, _ROAD_STATUSES)),
            ],
            "life": [
                _field("opening_year", "Åbner år", year),
                _field("closing_year", "Lukker år", year),
                _field("decided", "Besluttet", decided),
            ],
            "defaults": {"kind": "path", "status": "planned", "decided": False},
        },
        "facilities": {
            "title": "institution eller facilitet",
            "definite": "faciliteten",
            "geometry": "Point",
            "attributes": [
                _field("name", "Navn", "string"),
                _field("kind", "Type", "string", _choices(plan.FACILITY_KINDS, _FACILITY_KINDS)),
                _field("owner", "Ejer", "string"),
            ],
            "life": [
                _field("opening_year", "Åbner år", year),
                _field("closing_year", "Lukker år", year),
                _field("decided", "Besluttet", decided),
            ],
            "defaults": {"kind": "daycare", "decided": False},
        },
        "rail_lines": {
            "title": "letbanelinje",
            "definite": "letbanelinjen",
            "geometry": "MultiLineString",
            "attributes": [_field("name", "Navn", "string")],
            "life": [
                _field("opening_year", "Åbner år", year),
                _field("decided", "Besluttet", decided),
            ],
        },
        "rail_stops": {
            "title": "letbanestop",
            "definite": "letbanestoppet",
            "geometry": "Point",
            "attributes": [_field("name", "Navn", "string")],
            "life": [
                _field("opening_year", "Åbner år", year),
                _field("decided", "Besluttet", decided),
            ],
        },
        "tenures": _choices(plan.TENURES, mapdata.TENURE_LABELS),
        "changes": _choices(plan.STOCK_CHANGES, mapdata.CHANGE_LABELS),
    }


def _serves(request: Request, path: str) -> bool:
    return any(getattr(r, "path", None) == path for r in request.app.routes)


def _default_area(conn) -> areas.AreaInfo | None:
    found = areas.list_areas(conn)
    return next((a for a in found if a.slug == "vollsmose"), found[0] if found else None)


# The year the viewer opens at.
DEFAULT_YEAR = 2020


# A year of a link to the viewer: text, read by the page itself (_years), so that a stale or
# mistyped link opens the viewer at its default year saying so, not an error page.
LinkYear = Annotated[
    str | None,
    Query(
        description=f"The state as of 1 January of this year ({styles.VIEWER_MIN_YEAR}-"
        f"{styles.VIEWER_MAX_YEAR}). A browser's link with a year the viewer cannot show "
        f"opens it at {DEFAULT_YEAR}, saying so; another client gets a 422.",
        max_length=16,
    ),
]


@router.get("", response_class=HTMLResponse, summary="The map viewer (Danish)")
def viewer(
    request: Request, engine: EngineDep, year: LinkYear = None, compare: LinkYear = None
) -> HTMLResponse:
    # The page itself is not a version of the plan: its scripts read the version the link
    # names (scenario=, recorded=) and say so in Danish when there is no such version, so a
    # stale link opens the viewer rather than a problem document; a year it cannot show, too.
    shown, compared, notice = _years(request, year, compare)
    return _viewer_page(request, engine, shown, compared, notice)


def _years(request: Request, year: str | None, compare: str | None) -> tuple[int, int | None, str]:
    """The year and comparison year to show, and what to say of those the link asked for in
    vain (a browser; any other client gets a 422 naming the parameter, as before)."""
    shown, compared = _year_of(year), _year_of(compare)
    span = f"kortet viser {styles.VIEWER_MIN_YEAR}–{styles.VIEWER_MAX_YEAR}"
    said = []
    for name, asked, got in (("year", year, shown), ("compare", compare, compared)):
        if asked is None or got is not None:
            continue
        if not error_pages.wants_page(request):
            raise InvalidParameter(
                name,
                f"{name} must be a year from {styles.VIEWER_MIN_YEAR} to {styles.VIEWER_MAX_YEAR}.",
            )
        if name == "year":
            said.append(
                f"Året »{asked}« i linket kan ikke vises ({span}), "
                f"så kortet viser 1. januar {DEFAULT_YEAR}."
            )
        else:
            said.append(f"Sammenligningsåret »{asked}« i linket kan ikke vises ({span}).")
    return shown or DEFAULT_YEAR, compared, " ".join(said)


def _viewer_page(
    request: Request, engine, year: int, compare: int | None, notice: str | None = None
) -> HTMLResponse:
    with engine.connect() as conn:
        area = _default_area(conn)
    config = {
        "styles": styles.viewer_styles(),
        "bounds": overlays.wgs84_bounds(area.bbox_25832) if area else None,
        "area": area.slug if area else None,
        "overlays": overlays.list_overlays(),
        "year": year,
        "compare": compare,
        # A link whose year could not be shown: the page shows `year` instead, and says why.
        "link_notice": notice,
        "edit": edit_forms(),
        # The scenario list, when this platform serves one (the page then offers it).
        "scenarios": "/scenarios" if _serves(request, "/scenarios") else None,
        # The address search (DAR, issue 17), when this platform serves it.
        "addresses": "/addresses" if _serves(request, "/addresses") else None,
        "max_legal_share": law.MAX_LEGAL_SHARE,
        "deadline_year": law.DEADLINE_YEAR,
    }
    return templates.TemplateResponse(
        request,
        "kort.html",
        {"config": config, "area": area, "note": styles.REFERENCE_NOTE},
    )


def _year_of(text: str | None) -> int | None:
    try:
        y = int(text) if text is not None else None
    except ValueError:
        return None
    return y if y is not None and styles.VIEWER_MIN_YEAR <= y <= styles.VIEWER_MAX_YEAR else None


@router.get(
    "/del/{year}.html",
    response_class=HTMLResponse,
    summary="'Del dette kort': the year's map as one standalone HTML file (folium, no CDN)",
)
async def share_map(
    request: Request,
    year: Annotated[int, PathParam(ge=styles.VIEWER_MIN_YEAR, le=styles.VIEWER_MAX_YEAR)],
    view: PlanViewDep,
    settings: SettingsDep,
    area: Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)] = "vollsmose",
    layers: Annotated[
        str | None,
        Query(max_length=400, description="Comma-separated viewer layers; default as it opens."),
    ] = None,
    at: Annotated[
        str | None,
        Query(
            alias="view",
            max_length=100,
            description="lat,lng,zoom as the viewer's URL; default the area.",
        ),
    ] = None,
) -> Response:
    job = worker.share_job(
        settings.database_url,
        view,
        area,
        year,
        layers=params.parse_layers(layers),
        centre=params.parse_view(at),
        connect_timeout=settings.db_connect_timeout,
    )
    r = await request.app.state.renderer.arender(job)
    return HTMLResponse(
        r.content, headers={"Content-Disposition": f'attachment; filename="{r.filename}"'}
    )


@router.get(
    "/adgang.json",
    summary="What the token given may do in the viewer: its role, and whether it edits the plan",
    responses={401: {"description": "The token is unknown, revoked or expired"}},
)
def access(reader: ReaderDep) -> JSONResponse:
    # The viewer checks a kept token with this as the page opens and at login, and offers
    # the edit tools only to a role that may edit the plan (a land company's may not).
    body = {"role": reader.role.value, "edit_plan": reader.may(Permission.EDIT_PLAN)}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.get("/stil.json", summary="The styling definition the viewer and static maps share")
def style_definition() -> dict:
    return styles.viewer_styles()


@router.get("/lag/{layer}.geojson", summary="A viewer layer in one year, WGS84, with classes")
def layer_data(layer: Slug, conn: ConnectionDep, year: ViewerYear) -> JSONResponse:
    data = mapdata.map_layer(conn, layer.replace("-", "_"), year, srid=4326)
    return JSONResponse(data, media_type="application/geo+json", headers=CACHE)


@router.get("/bygninger/{building_id}.json", summary="A building: dwellings, owner and life")
def building(building_id: int, conn: ConnectionDep) -> dict:
    return mapdata.building_details(conn, building_id)


@router.get(
    "/kvarterer/{area}/{quarter_set}/{quarter}.json",
    summary="A quarter's tenure mix in 2020, 2025 and 2030, with an SVG chart",
)
def quarter(area: Slug, quarter_set: Slug, quarter: Slug, conn: ConnectionDep) -> dict:
    chart = mapdata.quarter_chart(conn, area, quarter_set, quarter)
    return {**chart, "svg": charts.tenure_bars_svg(chart)}


@router.get("/overlays/{overlay}.png", summary="A raster overlay from data/kort, in EPSG:3857")
def overlay_image(overlay: Slug) -> Response:
    return Response(overlays.overlay_png(overlay), media_type="image/png", headers=CACHE)


@router.get("/omraader", response_class=HTMLResponse, summary="Every area's legal share (Danish)")
def areas_page(
    request: Request,
    conn: ConnectionDep,
    from_year: ViewerFromYear = styles.VIEWER_MIN_YEAR,
    to_year: ViewerToYear = styles.VIEWER_MAX_YEAR,
) -> HTMLResponse:
    """The national overview: each area's legal share in the fremtidsbillede years and the
    first year under the limit, from the answer `/legal-share` gives."""
    areas = tenure.every_area(conn, from_year, to_year)
    shown = [y for y in styles.FREMTIDSBILLEDE_YEARS if from_year <= y <= to_year]
    return templates.TemplateResponse(
        request,
        "omraader.html",
        {
            "areas": areas,
            "years": shown,
            "from_year": from_year,
            "to_year": to_year,
            "law": law,
            "note": styles.REFERENCE_NOTE,
            "kinds": styles.AREA_KIND_DA,
        },
    )


@router.get("/omraader/{area}", response_class=HTMLResponse, summary="An area's trajectory page")
def area_page(
    request: Request,
    area: Slug,
    conn: ConnectionDep,
    from_year: ViewerFromYear = styles.VIEWER_MIN_YEAR,
    to_year: ViewerToYear = styles.VIEWER_MAX_YEAR,
    quarters: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)] = None,
) -> HTMLResponse:
    tr = tenure.trajectory(conn, area, from_year, to_year, quarters)
    points = [(y.year, y.total.legal_share) for y in tr.years]
    # The law's limit and, dotted, the development plan's own goal (38.4 %).
    svg = charts.trajectory_svg(
        points, law.MAX_LEGAL_SHARE, law.DEADLINE_YEAR, targets=(law.PLAN_TARGET_SHARE,)
    )
    snapshots = [tenure.tenure_mix(conn, area, y, quarters) for y in styles.FREMTIDSBILLEDE_YEARS]
    return templates.TemplateResponse(
        request,
        "omraade.html",
        {
            # The version of the plan the figures are of (scenario=, recorded=): the page
            # says so on its face and links to the adopted plan as it stands now.
            "version": record.shown(conn),
            **_version_links(request),
            "trajectory": tr,
            "svg": svg,
            "targets": law.target_status(points, law.DEADLINE_YEAR),
            "snapshots": snapshots,
            "law": law,
            "note": styles.REFERENCE_NOTE,
            "tenure_labels": mapdata.TENURE_LABELS,
            "quarter_sets": tr.area.quarter_sets,
        },
    )


# The parameters that name a version of the plan rather than what a page shows of it.
VERSION_PARAMS = ("scenario", "recorded")


def _version_links(request: Request) -> dict[str, str]:
    """The request's version of the plan for the page's own links (`version_query`:
    '&scenario=…&recorded=…'), and the page without it (`adopted_url`: the adopted plan as
    it is now)."""
    items = request.query_params.multi_items()
    version = [(k, v) for k, v in items if k in VERSION_PARAMS]
    rest = [(k, v) for k, v in items if k not in VERSION_PARAMS]
    return {
        "version_query": ("&" + urlencode(version)) if version else "",
        "adopted_url": request.url.path + (("?" + urlencode(rest)) if rest else ""),
    }
