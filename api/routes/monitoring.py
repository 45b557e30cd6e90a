"""Monitoring: progress against the plan, the monitoring page and the annual status report.

Thin: the figures come from `gis.monitoring`, the PDF from `gis.render.report`; the Danish
page and the HTML report live in web/templates/monitoring.
"""

from __future__ import annotations

import datetime as dt
import io
from contextlib import contextmanager
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import (
    ConnectionDep,
    EditPlanDep,
    FormatQuery,
    PlanViewDep,
    SettingsDep,
    WriteConnectionDep,
    get_connection,
)
from api.routes.viewer import templates
from gis import csv_cells, law, styles
from gis.criteria.labels import STATUS_STYLE
from gis.monitoring import schedule as schedule_mod
from gis.monitoring import texts as texts_mod
from gis.monitoring.criteria import origin_da
from gis.monitoring.gantt import gantt_svg
from gis.monitoring.progress import ItemProgress, progress
from gis.monitoring.rehousing import CHECK_DA, rehousing, replacement
from gis.monitoring.status import (
    annual_status,
    illustrative_items,
    share_targets,
    share_trajectory,
)
from gis.monitoring.summary import STATUS_DA, UNITS_DA, number, points
from gis.program.query import delprogrammer
from gis.record import PlanView
from gis.render import charts
from gis.render.worker import report_job
from gis.state import MAX_YEAR, MIN_YEAR

router = APIRouter(tags=["monitoring"])

Slug = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
StatusYear = Annotated[
    int,
    Query(ge=MIN_YEAR, le=MAX_YEAR, description="The state as of 1 January of this year."),
]
DEFAULT_YEAR = 2025
CSV_COLUMNS = (
    "key",
    "kind",
    "title",
    "department",
    "organisation",
    "decided",
    "start_year",
    "end_year",
    "unit",
    "planned_quantity",
    "planned_to_date",
    "done_to_date",
    "done_from",
    "difference",
    "status",
    "derived_to_date",
    "recorded_to_date",
    "conflict",
    "illustrative",
)

templates.env.filters["number"] = number
templates.env.filters["points"] = points
templates.env.globals["origin_da"] = origin_da
templates.env.globals["STATUS_DA"] = STATUS_DA
templates.env.globals["UNITS_DA"] = UNITS_DA


class ConflictOut(BaseModel):
    derived: float = Field(description="Counted from the map data.")
    recorded: float = Field(description="The sum of the recorded actuals.")


class ItemProgressOut(BaseModel):
    key: str
    kind: str
    title: str
    department: str | None
    organisation: str | None
    decided: bool
    start_year: int
    end_year: int
    unit: str
    planned_quantity: float
    planned_to_date: float
    done_to_date: float | None
    done_from: str | None = Field(description="`map` (derived), `recorded`, or null.")
    difference: float = Field(description="done − planned, to date.")
    status: Literal["not_due", "on_plan", "ahead", "behind"]
    derived_to_date: float | None
    recorded_to_date: float | None
    conflict: ConflictOut | None
    source: str | None
    illustrative: bool = Field(
        False, description="The recorded progress includes invented (illustrative) figures."
    )

    @classmethod
    def of(cls, i: ItemProgress, illustrative: bool = False) -> ItemProgressOut:
        c = i.conflict
        return cls(
            key=i.key,
            kind=i.kind,
            title=i.title,
            department=i.department,
            organisation=i.organisation,
            decided=i.decided,
            start_year=i.start_year,
            end_year=i.end_year,
            unit=i.unit,
            planned_quantity=i.planned_quantity,
            planned_to_date=i.planned_to_date,
            done_to_date=i.done_to_date,
            done_from=i.done_from,
            difference=i.difference,
            status=i.status,
            derived_to_date=i.derived_to_date,
            recorded_to_date=i.recorded_to_date,
            conflict=ConflictOut(derived=c.derived, recorded=c.recorded) if c else None,
            source=i.source,
            illustrative=illustrative,
        )


class DiscrepancyOut(BaseModel):
    key: str
    title: str
    derived: float
    recorded: float


class ProgressOut(BaseModel):
    area: str
    year: int
    as_of: str = Field(description="The state rule: everything dated before this day.")
    items: list[ItemProgressOut]
    discrepancies: list[DiscrepancyOut]
    data_source: str | None


def _csv(rows: list[ItemProgressOut], filename: str) -> Response:
    buf = io.StringIO()
    w = csv_cells.DictWriter(
        buf, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n"
    )
    w.writeheader()
    for r in rows:
        row = r.model_dump()
        c = row["conflict"]
        row["conflict"] = f"map {c['derived']:g} / recorded {c['recorded']:g}" if c else ""
        w.writerow(row)
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/areas/{area}/progress",
    response_model=ProgressOut,
    summary="Per plan item: planned to date against done to date, and discrepancies",
    responses={200: {"content": {"text/csv": {}}}},
)
def get_progress(
    area: Slug, conn: ConnectionDep, year: StatusYear = DEFAULT_YEAR, f: FormatQuery = "json"
):
    p = progress(conn, area, year)
    invented = illustrative_items(conn, p.area.slug)
    items = [ItemProgressOut.of(i, i.key in invented) for i in p.items]
    if f == "csv":
        return _csv(items, f"fremdrift-{p.area.slug}-{year}.csv")
    return ProgressOut(
        area=p.area.slug,
        year=year,
        as_of=f"{year}-01-01",
        items=items,
        discrepancies=[DiscrepancyOut(**vars(c)) for c in p.conflicts],
        data_source=p.area.data_source,
    )


class YearOut(BaseModel):
    year: int
    target: float
    recorded: float | None = Field(
        description="Null when nothing is recorded, or when `suppressed`."
    )
    suppressed: bool = Field(
        False, description="A count of people under 5, not given (gis.monitoring.disclosure)."
    )


class PlanItemOut(BaseModel):
    key: str
    kind: str
    title: str
    department: str | None
    organisation: str | None
    unit: str
    decided: bool
    start_year: int
    end_year: int
    years: list[YearOut]


@router.get(
    "/areas/{area}/plan-items",
    response_model=list[PlanItemOut],
    summary="The plan's items with their yearly targets and recorded actuals",
)
def get_plan_items(area: Slug, conn: ConnectionDep) -> list[PlanItemOut]:
    return [
        PlanItemOut(**{**vars(s), "years": [YearOut(**vars(y)) for y in s.years]})
        for s in schedule_mod.schedule(conn, area)
    ]


class ProvenanceOut(BaseModel):
    kind: str = Field(description="`law`, `plan`, `register`, `import` or `illustrative`.")
    source: str | None
    date: str | None = Field(description="Date (or year) of the source, when known.")


class ShareTargetOut(BaseModel):
    key: Literal["law", "plan"]
    name: str = Field(description="Danish name of the target.")
    target: float = Field(description="The share to be at or below, 0–1.")
    deadline_year: int = Field(description="By 1 January of this year.")
    year: int
    share: float | None = Field(description="The legal share on 1 January `year`.")
    gap: float | None = Field(description="share − target; positive: above the target.")
    met: bool | None
    share_at_deadline: float | None
    gap_at_deadline: float | None
    met_by_deadline: bool | None
    first_year_met: int | None = Field(description="First 1 January the share is at or below.")
    provenance: ProvenanceOut


class ShareTargetsOut(BaseModel):
    area: str
    year: int
    first_year: int
    last_year: int
    share_provenance: ProvenanceOut = Field(
        description="Where the shares come from: the plan's map data (gis.tenure)."
    )
    targets: list[ShareTargetOut]


@router.get(
    "/areas/{area}/legal-share/targets",
    response_model=ShareTargetsOut,
    summary="The legal share against the law's 40 % and the development plan's 38.4 %",
    description="For each target: the share on 1 January `year`, the gap to the target (in "
    "share, positive when above), whether it is met then and by the deadline, and the first "
    "year the plan meets it. The share is the one of `/areas/{area}/tenure-mix/trajectory`.",
)
def get_share_targets(
    area: Slug, conn: ConnectionDep, year: StatusYear = DEFAULT_YEAR
) -> ShareTargetsOut:
    tr = share_trajectory(conn, area)
    return ShareTargetsOut(
        area=tr.area.slug,
        year=year,
        first_year=tr.first_year,
        last_year=tr.last_year,
        share_provenance=ProvenanceOut(kind="plan", source=tr.area.data_source, date=None),
        targets=[ShareTargetOut(**_rounded(t)) for t in share_targets(tr, year)],
    )


def _rounded(target: dict) -> dict:
    # As the tenure mix gives the legal share: 4 decimals (0.1 of a percentage point / 10).
    shares = ("share", "gap", "share_at_deadline", "gap_at_deadline")
    return {k: round(v, 4) if k in shares and v is not None else v for k, v in target.items()}


REHOUSING_CSV = (
    "year",
    "item",
    "organisation",
    "planned",
    "recorded",
    "moved",
    "consistent",
    "rule_breached",
    "destination",
    "households",
    "suppressed",
    "check",
    "list_status",
    "list_year",
    "illustrative",
)


def _rehousing_csv(body: dict) -> str:
    buf = io.StringIO()
    w = csv_cells.writer(buf, lineterminator="\n")
    w.writerow(REHOUSING_CSV)
    for y in body["years"]:
        head = [y["year"], y["item"], y["organisation"], y["planned"], y["recorded"], y["moved"]]
        head += [y["consistent"], y["rule_breached"]]
        for d in y["destinations"] or [None]:
            if d is None:
                w.writerow(head + [""] * 6 + [y["illustrative"]])
                continue
            w.writerow(
                head
                + [
                    d["slug"] or "other",
                    "" if d["households"] is None else d["households"],
                    d["suppressed"],
                    d["check"] or "",
                    d.get("list_status") or "",
                    d.get("list_year") or "",
                    y["illustrative"],
                ]
            )
    return buf.getvalue()


@router.get(
    "/areas/{area}/rehousing",
    summary="Households rehoused per year and organisation: plan, recorded, where they moved",
    description="Per rehousing item and year: the plan's target, the recorded households, the "
    "receiving areas of Odense (counts below 5 are never given: merged into `other`, "
    "`suppressed` when that too is small) and each area's check against the list published "
    "1 December the year before (`barred`: udsat or forebyggelsesområde or above; "
    "`approaching`; `unknown`: no list data). `rule_breached` says whether anyone moved into a "
    "barred area. `f=csv`: one row per destination.",
)
def get_rehousing(area: Slug, conn: ConnectionDep, f: FormatQuery = "json") -> Response:
    body = rehousing(conn, area)
    if f == "csv":
        return Response(
            _rehousing_csv(body),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="genhusning-{area}.csv"'},
        )
    return JSONResponse(body)


@router.get(
    "/areas/{area}/replacement-dwellings",
    summary="The almene dwellings built elsewhere in Odense for those demolished (GeoJSON)",
    description="Each project as a point (WGS84) with its dwellings, year taken into use, "
    "organisation and provenance; the totals against the plan's 1,000 and against the "
    "dwellings demolished in the area before 1 January `year` (one for one).",
)
def get_replacement(
    area: Slug, conn: ConnectionDep, year: StatusYear = DEFAULT_YEAR
) -> JSONResponse:
    r = replacement(conn, area, year)
    features = [
        {
            "type": "Feature",
            "id": p["key"],
            "geometry": {"type": "Point", "coordinates": [round(p["lon"], 6), round(p["lat"], 6)]},
            "properties": {k: v for k, v in p.items() if k not in ("lon", "lat")},
        }
        for p in r["projects"]
    ]
    summary = {k: v for k, v in r.items() if k != "projects"}
    return JSONResponse(
        {"type": "FeatureCollection", **summary, "features": features},
        media_type="application/geo+json",
    )


@router.get(
    "/kort/omraader/{area}/genhusning",
    response_class=HTMLResponse,
    summary="Rehousing across Odense and the replacement dwellings: map and tables (Danish)",
)
def rehousing_page(
    request: Request, area: Slug, conn: ConnectionDep, year: StatusYear = DEFAULT_YEAR
) -> HTMLResponse:
    r, rep = rehousing(conn, area), replacement(conn, area, year)
    info = progress(conn, area, year).area
    config = {
        "replacement": request.app.url_path_for("get_replacement", area=area) + f"?year={year}",
        # The list in force during the year: published 1 December the year before.
        "areas": request.app.url_path_for("areas_criteria") + f"?year={max(year - 1, MIN_YEAR)}",
        "styles": STATUS_STYLE,
    }
    return templates.TemplateResponse(
        request,
        "monitoring/genhusning.html",
        {
            "area": info,
            "year": year,
            "r": r,
            "rep": rep,
            "CHECK_DA": CHECK_DA,
            "config": config,
            "note": styles.REFERENCE_NOTE,
        },
    )


def _context(conn, area: str, year: int) -> dict:
    status = annual_status(conn, area, year)
    points = [(y.year, y.total.legal_share) for y in status.trajectory.years]
    return {
        "s": status,
        "area": status.area,
        "year": year,
        "gantt": gantt_svg(status.progress, illustrative=status.illustrative_items),
        "trajectory_svg": charts.trajectory_svg(
            points, law.MAX_LEGAL_SHARE, law.DEADLINE_YEAR, targets=[law.PLAN_TARGET_SHARE]
        ),
        "note": styles.REFERENCE_NOTE,
        "map_years": sorted({2020, min(max(year, styles.VIEWER_MIN_YEAR), 2060), 2030}),
        # The years a status report is made for (the report refuses any other year).
        "report_years": (texts_mod.FIRST_YEAR, texts_mod.LAST_YEAR),
    }


@router.get(
    "/kort/omraader/{area}/fremdrift",
    response_class=HTMLResponse,
    summary="The monitoring page: plan and progress (Danish)",
)
def monitoring_page(
    request: Request, area: Slug, conn: ConnectionDep, year: StatusYear = DEFAULT_YEAR
) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "monitoring/fremdrift.html", _context(conn, area, year)
    )


@router.get(
    "/areas/{area}/report",
    summary="The annual status report (Danish): HTML, or an A4 PDF with `f=pdf`",
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
)
async def get_report(
    request: Request,
    area: Slug,
    view: PlanViewDep,
    settings: SettingsDep,
    year: StatusYear = DEFAULT_YEAR,
    f: Annotated[Literal["html", "pdf"], Query(description="`html` or `pdf`.")] = "html",
) -> Response:
    if f == "pdf":
        # Drawn in a worker process (gis.render.worker), which gives back what it takes; no
        # thread or connection of the server is held meanwhile.
        job = report_job(
            settings.database_url, view, area, year, connect_timeout=settings.db_connect_timeout
        )
        pdf = await request.app.state.renderer.arender(job)
        return Response(
            pdf.content,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{pdf.filename}"'},
        )
    context = await run_in_threadpool(_read_context, request, view, area, year)
    return templates.TemplateResponse(request, "monitoring/rapport.html", context)


def _read_context(request: Request, view: PlanView, area: str, year: int) -> dict:
    # The connection the other pages get as a dependency (from a replica where one may
    # answer, api.replicas), opened only for the HTML.
    with contextmanager(get_connection)(request, view) as conn:
        context = _context(conn, area, year)
        context["texts"] = texts_mod.for_report(conn, context["area"].slug, year)
        titles = {i["key"]: i["name"] for d in delprogrammer(conn) for i in d["indicators"]}
        context["titles"] = titles | {i.key: i.title for i in context["s"].progress.items}
        return context


# ---- the texts planners write for the report (explanations, decisions) -----------------

ReportYear = Annotated[
    int,
    Path(
        ge=texts_mod.FIRST_YEAR,
        le=texts_mod.LAST_YEAR,
        description="The report's year (its state of 1 January).",
    ),
]
Subject = Annotated[
    str,
    Path(
        pattern=texts_mod.SUBJECT.pattern,
        description="A plan item's key (`/areas/{area}/plan-items`) or an indicator's "
        "(`/program`).",
    ),
]
TextKey = Annotated[
    str, Path(pattern=texts_mod.SUBJECT.pattern, description="The decision's or signatory's key.")
]
TEXT_ERRORS = {
    401: {"description": "No valid token"},
    403: {"description": "The token's role may not edit the plan"},
    404: {"description": "No such area, plan item, indicator or decision"},
    422: {"description": "A field out of bounds, named; nothing written"},
}


class ExplanationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=texts_mod.MAX_BODY, description="Why it is behind (Danish).")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(max_length=texts_mod.MAX_TITLE, description="The decision (Danish).")
    text: str = Field(max_length=texts_mod.MAX_BODY, description="What it means (Danish).")
    decided_on: dt.date = Field(description="The day it was taken: in the year reported on.")


class ReportTextOut(BaseModel):
    year: int
    kind: Literal["explanation", "decision", "signatory"]
    subject: str = Field(description="The plan item or indicator explained, or the decision.")
    title: str | None
    text: str
    decided_on: str | None
    author: str | None = Field(description="The name of the token that wrote it.")
    author_role: str
    written_at: str
    superseded_at: str | None = Field(description="When a newer version replaced it.")


class ReportTextWrittenOut(ReportTextOut):
    replaced: bool = Field(description="Whether it superseded an earlier version.")


class ReportTextsOut(BaseModel):
    area: str
    year: int
    texts: list[ReportTextOut]


def _written(response: Response, out: dict) -> dict:
    response.status_code = 200 if out["replaced"] else 201
    return out


@router.get(
    "/areas/{area}/report/{year}/texts",
    response_model=ReportTextsOut,
    summary="The texts planners wrote for the report of a year, and the years before",
    description="Explanations of items behind plan and decisions taken, newest year first; "
    "`versions=true` adds every superseded version. `recorded=` answers them as written then.",
)
def get_report_texts(
    area: Slug,
    year: ReportYear,
    conn: ConnectionDep,
    versions: Annotated[bool, Query(description="Include superseded versions.")] = False,
) -> dict:
    return texts_mod.texts(conn, area, year, versions=versions)


@router.put(
    "/areas/{area}/report/{year}/explanations/{subject}",
    response_model=ReportTextWrittenOut,
    status_code=201,
    summary="Write why a plan item or indicator is behind, for the report of a year "
    "(planner, admin)",
    description="201 when it is the subject's first text of the year, 200 when it supersedes "
    "one (kept, with `versions=true`).",
    responses={
        200: {"model": ReportTextWrittenOut, "description": "Superseded the text before"},
        **TEXT_ERRORS,
    },
)
def put_explanation(
    response: Response,
    area: Slug,
    year: ReportYear,
    subject: Subject,
    body: ExplanationIn,
    writer: EditPlanDep,
    conn: WriteConnectionDep,
) -> dict:
    values = texts_mod.check_explanation(year, subject, body.text)
    out = texts_mod.write(conn, area, "explanation", values, writer)
    return _written(response, out)


@router.post(
    "/areas/{area}/report/{year}/decisions",
    response_model=ReportTextWrittenOut,
    status_code=201,
    summary="Record a decision taken, for the report of a year (planner, admin)",
    description="The decision gets a key (`beslutning-<n>`, in `Location`), to revise it by.",
    responses=TEXT_ERRORS,
)
def post_decision(
    request: Request,
    response: Response,
    area: Slug,
    year: ReportYear,
    body: DecisionIn,
    writer: EditPlanDep,
    conn: WriteConnectionDep,
) -> dict:
    values = texts_mod.check_decision(year, "beslutning-1", body.title, body.text, body.decided_on)
    values["subject"] = texts_mod.new_decision_subject(conn, area, year)
    out = texts_mod.write(conn, area, "decision", values, writer)
    response.headers["Location"] = request.app.url_path_for(
        "put_decision", area=area, year=str(year), key=values["subject"]
    )
    return _written(response, out)


@router.put(
    "/areas/{area}/report/{year}/decisions/{key}",
    response_model=ReportTextWrittenOut,
    summary="Revise a recorded decision (planner, admin); the version before is kept",
    responses=TEXT_ERRORS,
)
def put_decision(
    response: Response,
    area: Slug,
    year: ReportYear,
    key: TextKey,
    body: DecisionIn,
    writer: EditPlanDep,
    conn: WriteConnectionDep,
) -> dict:
    values = texts_mod.check_decision(year, key, body.title, body.text, body.decided_on)
    out = texts_mod.write(conn, area, "decision", values, writer, create=False)
    return _written(response, out)


class SignatoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=texts_mod.MAX_TITLE, description="Who signs.")
    role: str = Field(max_length=texts_mod.MAX_TITLE, description="As what (Danish).")


@router.put(
    "/areas/{area}/report/{year}/signatories/{key}",
    response_model=ReportTextWrittenOut,
    status_code=201,
    summary="Name a signatory of the report's sign-off block (planner, admin)",
    description="Without any, the block has blank lines for the Realiseringsbestyrelse's "
    "chair, Odense Kommune, Civica and FAB. In the answer, `title` is the role and `text` the "
    "name. 201 when new, 200 when it supersedes one.",
    responses={
        200: {"model": ReportTextWrittenOut, "description": "Superseded the signatory before"},
        **TEXT_ERRORS,
    },
)
def put_signatory(
    response: Response,
    area: Slug,
    year: ReportYear,
    key: TextKey,
    body: SignatoryIn,
    writer: EditPlanDep,
    conn: WriteConnectionDep,
) -> dict:
    values = texts_mod.check_signatory(year, key, body.role, body.name)
    out = texts_mod.write(conn, area, "signatory", values, writer)
    return _written(response, out)
