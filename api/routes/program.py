"""The whole program (issue 18): the ten delprogrammer, their indicators and the employment
track, the dependency graph, the import of indicator values, and the Danish page.

Thin: the answers come from `gis.program`; the page lives in web/templates/program.
"""

from __future__ import annotations

import io
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api import csv_upload
from api.deps import ConnectionDep, EditPlanDep, FormatQuery, WriteConnectionDep
from api.routes.viewer import templates
from gis import csv_cells
from gis.program import SUPPRESS_BELOW, labels, query
from gis.program.importer import import_values
from gis.program.indsats import MAX_NOTE, update_indsats
from gis.program.svg import employment_svg, graph_svg
from gis.styles import REFERENCE_NOTE

router = APIRouter(tags=["program"])

Slug = Annotated[
    str, Path(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64, description="A delprogram's slug.")
]
Provenance = Literal["plan", "register", "import", "illustrative"]
Status = Literal["met", "not_met", "no_target", "no_data", "suppressed"]
SVG = {200: {"content": {"image/svg+xml": {}}, "description": "An SVG drawing (Danish)."}}
VALUE_COLUMNS = (
    "delprogram",
    "indicator",
    "unit",
    "year",
    "value",
    "suppressed",
    "provenance",
    "source",
    "source_date",
)


class ValueOut(BaseModel):
    year: int
    value: float | None = Field(description="None when suppressed (fewer than 5 persons).")
    suppressed: bool
    provenance: Provenance
    source: str
    source_date: str | None


class ValueRowOut(ValueOut):
    delprogram: str
    indicator: str
    unit: Literal["percent", "count", "per_100", "number", "points"]


class TargetOut(BaseModel):
    year: int = Field(description="The target holds at the end of this year.")
    kind: Literal["target", "milestone"]
    comparison: Literal["<", "<=", ">", ">="]
    value: float
    note: str | None
    source: str
    illustrative: bool


class IndicatorOut(BaseModel):
    key: str
    name: str = Field(description="Danish, as in the plan.")
    unit: Literal["percent", "count", "per_100", "number", "points"]
    better: Literal["lower", "higher"]
    description: str | None
    source: str
    latest: ValueOut | None
    status: Status = Field(description="The latest value against the targets of its year.")
    next_target: TargetOut | None
    trend: Literal["improving", "worsening", "unchanged"] | None


class IndicatorFullOut(IndicatorOut):
    values: list[ValueOut]
    targets: list[TargetOut]


class EffectOut(BaseModel):
    phase: Literal["nyorientering", "omdannelse", "fremtidens_vollsmose"] | None
    text: str


class DelprogramHead(BaseModel):
    number: int
    slug: str
    name: str
    scope: Literal["hard_ghetto", "vollsmose", "odense"]
    committees: list[str]
    summary: str
    source: str
    effects: list[EffectOut]


class DelprogramOut(DelprogramHead):
    indicators: list[IndicatorOut]


class IndsatsOut(BaseModel):
    number: int = Field(description="Its place in the delprogram's table, from 1.")
    name: str
    decided: bool
    committee: str | None
    start_year: int | None
    end_year: int | None
    years_illustrative: bool
    status: Literal["not_reported", "planned", "running", "done", "paused"]
    note: str | None


class LinkOut(BaseModel):
    from_: str = Field(alias="from")
    to: str
    kind: Literal["dependency", "synergy"]
    strength: Literal["direct", "minor"]
    note: str


class DelprogramDetailOut(DelprogramHead):
    indicators: list[IndicatorFullOut]
    indsatser: list[IndsatsOut]
    links: list[LinkOut]


class ProgramOut(BaseModel):
    suppress_below: int = Field(description="Counts below this are suppressed.")
    note: str
    delprogrammer: list[DelprogramOut]


class NodeOut(BaseModel):
    slug: str
    number: int
    name: str


class EdgeOut(BaseModel):
    kind: Literal["dependency", "synergy"]
    from_: str = Field(alias="from", description="Dependency: the delprogram that waits.")
    to: str = Field(description="Dependency: the delprogram waited for.")
    strength: Literal["direct", "minor"]
    notes: list[str]
    stated_by: list[str] = Field(description="The delprogrammer whose sections state it.")


class GraphOut(BaseModel):
    nodes: list[NodeOut]
    edges: list[EdgeOut]


class TrackCellOut(BaseModel):
    actual: ValueOut | None
    targets: list[TargetOut]
    status: Status


class TrackYearOut(BaseModel):
    year: int = Field(description="Values and targets at the end of the year.")
    excess: TrackCellOut
    share_vollsmose: TrackCellOut
    share_rest_of_odense: TrackCellOut
    gap_points: TrackCellOut
    outside_work_list: TrackCellOut
    status: Status


class MilestoneOut(TargetOut):
    indicator: str
    name: str
    actual: ValueOut | None
    status: Status


class EmploymentOut(BaseModel):
    delprogram: str
    baseline: ValueOut | None
    indicators: dict[str, str]
    years: list[TrackYearOut]
    milestones: list[MilestoneOut]
    illustrative: bool = Field(description="Some values shown are illustrative (invented).")


IndsatsStatus = Literal["not_reported", "planned", "running", "done", "paused"]
Year = Annotated[int, Field(ge=2000, le=2100)]


class IndsatsPatch(BaseModel):
    """The fields to set; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    status: IndsatsStatus | None = None
    start_year: Year | None = None
    end_year: Year | None = None
    note: Annotated[str, Field(max_length=MAX_NOTE)] | None = None


class ImportOut(BaseModel):
    imported: int
    suppressed: int = Field(description="Rows stored suppressed, without their number.")


@router.get(
    "/program",
    response_model=ProgramOut,
    summary="The ten delprogrammer with their effects and indicators",
    description="Each delprogram of the plan with its wanted effects and its indicators: the "
    "latest value (with provenance; suppressed values carry no number), its status against "
    "the targets of its year, the next target and the trend.",
)
def get_program(conn: ConnectionDep) -> dict:
    return {
        "suppress_below": SUPPRESS_BELOW,
        "note": labels.ILLUSTRATIVE_DA,
        "delprogrammer": query.delprogrammer(conn),
    }


@router.get(
    "/program/graph",
    response_model=GraphOut,
    response_model_by_alias=True,
    summary="Dependencies and synergies between the delprogrammer, as nodes and edges",
)
def get_graph(conn: ConnectionDep) -> dict:
    return query.graph(conn)


@router.get(
    "/program/graph.svg",
    response_class=Response,
    responses=SVG,
    summary="The dependency graph as a small SVG (Danish)",
)
def get_graph_svg(conn: ConnectionDep) -> Response:
    return Response(graph_svg(query.graph(conn)), media_type="image/svg+xml")


@router.get(
    "/program/employment",
    response_model=EmploymentOut,
    summary="The employment track of delprogram 3, with targets, milestones and status per year",
    description="150 fewer on public support (against the rest of Odense) by the end of 2020, "
    "195 fewer a year 2021–2028; the list criterion below 40 % and the gap at most ~20 points "
    "in December 2024; at the rest of Odense's level in 2028.",
)
def get_employment(conn: ConnectionDep) -> dict:
    return query.employment_track(conn)


@router.get(
    "/program/employment.svg",
    response_class=Response,
    responses=SVG,
    summary="The employment track as a chart (SVG, Danish)",
)
def get_employment_svg(conn: ConnectionDep) -> Response:
    return Response(employment_svg(query.employment_track(conn)), media_type="image/svg+xml")


@router.get(
    "/program/values",
    response_model=list[ValueRowOut],
    summary="Every stored indicator value with its provenance (`f=csv` to export)",
    description="Suppressed values (fewer than 5 persons) are listed without a number.",
)
def get_values(conn: ConnectionDep, f: FormatQuery = "json") -> Response:
    rows = query.value_rows(conn)
    if f == "csv":
        out = io.StringIO()
        w = csv_cells.DictWriter(out, VALUE_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="indikatorer.csv"'},
        )
    return JSONResponse(rows)


@router.post(
    "/program/import",
    response_model=ImportOut,
    summary="Import indicator values from CSV (planner, admin)",
    description="Body: the CSV itself (`text/csv`, UTF-8), in the format of "
    "data/program/README.md. All rows or none: any bad row answers 422 problem+json whose "
    "`errors` lists each problem with its line, column and message. A value of fewer than 5 "
    "persons is stored suppressed, without its number.",
    responses=csv_upload.RESPONSES,
)
async def import_program_values(
    request: Request, reader: EditPlanDep, conn: WriteConnectionDep
) -> Response:
    return await csv_upload.import_csv(request, conn, import_values)


@router.patch(
    "/program/{slug}/indsatser/{number}",
    response_model=IndsatsOut,
    summary="Record an indsats's status, years or note (planner, admin)",
    description="Sets the fields given (JSON); the rest stay. Years set here are the "
    "planner's, no longer marked illustrative. `status` cannot be null.",
)
def patch_indsats(
    slug: Slug,
    number: Annotated[int, Path(ge=1, le=1000, description="The indsats's number, from 1.")],
    body: IndsatsPatch,
    reader: EditPlanDep,
    conn: WriteConnectionDep,
) -> dict:
    return update_indsats(conn, slug, number, body.model_dump(exclude_unset=True))


@router.get(
    "/program/{slug}",
    response_model=DelprogramDetailOut,
    response_model_by_alias=True,
    summary="One delprogram: effects, indicators with every value and target, indsatser, links",
)
def get_delprogram(slug: Slug, conn: ConnectionDep) -> dict:
    return query.delprogram(conn, slug)


@router.get("/kort/program", response_class=HTMLResponse, summary="The program page (Danish)")
def program_page(request: Request, conn: ConnectionDep) -> HTMLResponse:
    track = query.employment_track(conn)
    graph = query.graph(conn)
    programs = query.delprogrammer(conn, with_values=True)
    indsatser = query.indsatser_by_slug(conn)
    return templates.TemplateResponse(
        request,
        "program/program.html",
        {
            "programs": programs,
            "indsatser": indsatser,
            "track": track,
            "graph": graph,
            "graph_svg": graph_svg(graph),
            "employment_svg": employment_svg(track),
            "L": labels,
            "note": f"{REFERENCE_NOTE} {labels.ILLUSTRATIVE_DA}",
        },
    )
