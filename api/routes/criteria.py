"""Area criteria and list status, for one area and for every area in the city (issue 6).

Thin: the answers come from `gis.criteria`; the Danish map page lives in
web/templates/criteria and web/static/criteria.
"""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from api import csv_upload
from api.deps import ConnectionDep, EditPlanDep, FormatQuery, WriteConnectionDep
from api.routes.viewer import templates
from gis import criteria, csv_cells
from gis.criteria.importer import import_values
from gis.criteria.labels import INDICATOR_DA, STATUS_STYLE
from gis.styles import REFERENCE_NOTE

router = APIRouter(tags=["criteria"])

Slug = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
ListYear = Annotated[int, Query(ge=2000, le=2100, description="The list year.")]
FromYear = Annotated[int, Query(alias="from", ge=2000, le=2100, description="First list year.")]
ToYear = Annotated[int, Query(alias="to", ge=2000, le=2100, description="Last list year.")]
DEFAULT_YEAR = 2025
CSV_COLUMNS = (
    "year",
    "rule_set",
    "status",
    "status_key",
    "list",
    "list_met",
    "list_approaching",
    "indicator",
    "role",
    "value",
    "basis",
    "comparison",
    "threshold",
    "met",
    "missing",
    "illustrative",
    "provenance",
    "source",
)
ILLUSTRATIVE_DA = (
    "Områdeafgrænsninger og indikatorværdier er illustrative (opfundet til demonstration); "
    "kun Vollsmoses værdier for 2012 (listen pr. 1.10.2012) og 2019 (Realiseringsplanen 2020) "
    "er de offentliggjorte, og for 2010–2014 følger Vollsmoses status af planens oplysning om, "
    "at området har været på listen siden 2010."
)


def _csv_rows(years: list[dict]) -> str:
    out = io.StringIO()
    w = csv_cells.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for y in years:
        head = [y["year"], (y["rule_set"] or {}).get("key"), y["status"], y["status_key"]]
        # Every row says where its figures (or, without figures, its status) come from.
        origin = (y["listing"] or {}).get("provenance") if y["values"] is None else None
        origin = origin or y["provenance"]
        tail = [y["illustrative"], origin["kind"] or "no_data", origin["source"] or ""]
        if not y["lists"]:
            w.writerow(head + [""] * (len(CSV_COLUMNS) - len(head) - 3) + tail)
        for lst in y["lists"]:
            lhead = head + [lst["key"], lst["met"], lst["approaching"]]
            for c in lst["criteria"] or [None]:
                if c is None:
                    w.writerow(lhead + [""] * 8 + tail)
                    continue
                w.writerow(
                    lhead
                    + [
                        c["indicator"],
                        c["role"],
                        c["value"],
                        c["basis"],
                        c["comparison"],
                        c["threshold"],
                        c["met"],
                        c["missing"] or "",
                    ]
                    + tail
                )
    return out.getvalue()


@router.get(
    "/areas/{area}/criteria",
    summary="An area's list criteria and status year by year",
    description="Per list year: the values used (2-year averages where the rule says so), the "
    "thresholds in force, which criteria and lists are met, the resulting status and a Danish "
    "`reason`. Missing values are reported, never filled in. `f=csv`: one row per criterion.",
)
def area_criteria(
    area: Slug,
    conn: ConnectionDep,
    first: FromYear = 2015,
    last: ToYear = DEFAULT_YEAR,
    f: FormatQuery = "json",
) -> Response:
    years = criteria.evaluate(conn, area, first, last)
    if f == "csv":
        return Response(
            _csv_rows(years),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{area}-kriterier.csv"'},
        )
    return JSONResponse({"area": area, "from": first, "to": last, "years": years})


def _feature(a: dict) -> dict:
    props = {k: v for k, v in a.items() if k not in ("geometry", "lists")}
    props["lists"] = [
        {k: lst[k] for k in ("key", "name", "met", "approaching", "detail")} for lst in a["lists"]
    ]
    return {"type": "Feature", "id": a["slug"], "geometry": a["geometry"], "properties": props}


@router.get(
    "/criteria/areas",
    summary="Every area's list status in a year (GeoJSON, WGS84)",
    description="Each stored area with its status, the lists it meets and those it approaches "
    "(within the rule set's margin of a threshold); `lists`: per list, the areas that meet it "
    "and those that approach it.",
)
def areas_criteria(conn: ConnectionDep, year: ListYear = DEFAULT_YEAR) -> JSONResponse:
    found = criteria.areas_status(conn, year)
    return JSONResponse(
        {
            "type": "FeatureCollection",
            "year": year,
            "note": ILLUSTRATIVE_DA,
            "lists": criteria.by_list(found),
            "features": [_feature(a) for a in found],
        },
        media_type="application/geo+json",
    )


@router.post(
    "/criteria/import",
    summary="Import yearly indicator values from CSV (planner, admin)",
    description="Body: the CSV itself (`text/csv`, UTF-8), in the format of "
    "data/criteria/README.md. All rows or none: any bad row answers 422 problem+json whose "
    "`errors` lists each problem with its line, column and message.",
    responses=csv_upload.RESPONSES,
)
async def import_criteria(
    request: Request, reader: EditPlanDep, conn: WriteConnectionDep
) -> JSONResponse:
    return await csv_upload.import_csv(
        request, conn, lambda c, content: {"imported": import_values(c, content)}
    )


@router.get("/kort/lister", response_class=HTMLResponse, summary="Map of list status (Danish)")
def lists_map(request: Request, year: ListYear = DEFAULT_YEAR) -> HTMLResponse:
    config = {
        "year": year,
        "data": request.app.url_path_for("areas_criteria") + f"?year={year}",
        "styles": STATUS_STYLE,
    }
    return templates.TemplateResponse(
        request,
        "criteria/lister.html",
        {
            "config": config,
            "year": year,
            "note": f"{REFERENCE_NOTE} {ILLUSTRATIVE_DA}",
            "indicators": INDICATOR_DA,
            "styles": STATUS_STYLE,
            "years": range(2010, 2031),
        },
    )
