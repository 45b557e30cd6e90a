"""Scenarios: named lines of the plan (gis.scenarios). Reads are public; creating one needs
a planner, deleting and adopting one an admin."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from api.auth import get_reader
from api.deps import (
    ConnectionDep,
    EditPlanDep,
    EngineDep,
    FormatQuery,
    ReaderDep,
    WriteConnectionDep,
    as_reader,
)
from gis import csv_cells, record, scenarios
from gis.db import translate_errors
from gis.errors import Forbidden, Unauthorized
from gis.land import confidential
from gis.roles import Permission, Reader, Role
from gis.tenure import Trajectory

router = APIRouter(prefix="/scenarios", tags=["scenarios"])

SlugPath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
CSV = "text/csv; charset=utf-8"
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid token"},
    403: {"description": "Role may not"},
    404: {"description": "No such scenario"},
    409: {"description": "Conflict (listed in `conflicts`)"},
}


def require_admin(reader: Annotated[Reader, Depends(get_reader)]) -> Reader:
    if not reader.authenticated:
        raise Unauthorized()
    if reader.role is not Role.ADMIN:
        raise Forbidden(f"The role '{reader.role.value}' may not do this: admin only.")
    return reader


AdminDep = Annotated[Reader, Depends(require_admin)]


def plain_connection(engine: EngineDep, reader: ReaderDep) -> Iterator[Connection]:
    """A read connection answering the adopted plan now, with the reader's rights: a diff
    enters each of its sides itself, so the request's own `recorded` must not be entered
    first."""
    with translate_errors(), engine.connect() as conn:
        as_reader(conn, reader)
        yield conn


PlainConnectionDep = Annotated[Connection, Depends(plain_connection)]


class AdoptionOut(BaseModel):
    id: int
    recorded_at: dt.datetime
    actor: str
    note: str | None


class ScenarioOut(BaseModel):
    slug: str
    name: str
    description: str | None
    base: str | None
    base_recorded: dt.datetime | None
    created_at: dt.datetime
    created_by: str | None
    adopted: bool
    adopted_change: AdoptionOut | None
    overrides: int = Field(description="Features the scenario overrides (deletions included).")
    overrides_by_collection: dict[str, int]

    @classmethod
    def of(cls, s: scenarios.Scenario) -> ScenarioOut:
        adopted = s.adopted_change
        return cls(
            slug=s.slug,
            name=s.name,
            description=s.description,
            base=s.base,
            base_recorded=s.base_recorded,
            created_at=s.created_at,
            created_by=s.created_by,
            adopted=s.adopted,
            adopted_change=AdoptionOut(**adopted.__dict__) if adopted else None,
            overrides=s.override_count,
            overrides_by_collection=s.overrides,
        )


class ScenarioIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(max_length=64, examples=["egeparken-udskudt"])
    name: str = Field(max_length=scenarios.MAX_NAME, examples=["Egeparken udskudt"])
    description: str | None = Field(None, max_length=scenarios.MAX_DESCRIPTION)
    base: str = Field(record.ADOPTED, description="Only `vedtaget` can be a base.")
    base_recorded: str | None = Field(
        None,
        max_length=64,
        description="Branch from the base as recorded then (RFC 3339 or a date); "
        "omitted: the scenario follows its base as it moves on.",
    )


@router.get("", response_model=list[ScenarioOut], summary="Every scenario of the plan")
def list_scenarios(conn: ConnectionDep, reader: ReaderDep) -> list[ScenarioOut]:
    with_sale = confidential.may_read(reader)
    return [ScenarioOut.of(s) for s in scenarios.list_scenarios(conn, with_sale=with_sale)]


@router.post(
    "",
    response_model=ScenarioOut,
    status_code=201,
    summary="Create a scenario (planner, admin)",
    responses=WRITE_ERRORS,
)
def create_scenario(
    body: ScenarioIn, reader: EditPlanDep, conn: WriteConnectionDep, response: Response
) -> ScenarioOut:
    made = scenarios.create_scenario(
        conn,
        slug=body.slug,
        name=body.name,
        description=body.description,
        base=body.base,
        base_recorded=body.base_recorded,
        actor=reader.name or reader.role.value,
        role=reader.role.value,
    )
    response.headers["Location"] = f"/scenarios/{made.slug}"
    return ScenarioOut.of(made)


@router.get("/{slug}", response_model=ScenarioOut, summary="One scenario")
def get_scenario(slug: SlugPath, conn: ConnectionDep, reader: ReaderDep) -> ScenarioOut:
    with_sale = confidential.may_read(reader)
    return ScenarioOut.of(scenarios.get_scenario(conn, slug, with_sale=with_sale))


@router.delete(
    "/{slug}", status_code=204, summary="Delete a scenario (admin)", responses=WRITE_ERRORS
)
def delete_scenario(slug: SlugPath, reader: AdminDep, conn: WriteConnectionDep) -> Response:
    scenarios.delete_scenario(
        conn, slug, actor=reader.name or reader.role.value, role=reader.role.value
    )
    return Response(status_code=204)


class AdoptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(None, max_length=4000, examples=["Realiseringsbestyrelsen, møde 12"])


class AdoptOut(BaseModel):
    scenario: str
    change_id: int
    recorded_at: dt.datetime
    tables: dict[str, dict[str, int]]


@router.post(
    "/{slug}/adopt",
    response_model=AdoptOut,
    summary="Adopt a scenario into vedtaget as one change (admin)",
    responses=WRITE_ERRORS,
)
def adopt_scenario(
    slug: SlugPath, reader: AdminDep, conn: WriteConnectionDep, body: AdoptIn | None = None
) -> AdoptOut:
    done = scenarios.adopt(
        conn,
        slug,
        actor=reader.name or reader.role.value,
        role=reader.role.value,
        note=body.note if body else None,
    )
    return AdoptOut(**done.__dict__)


class YearOut(BaseModel):
    year: int
    legal_share: float | None
    compliant: bool | None
    almen_family: int
    dwellings: int


class SideOut(BaseModel):
    scenario: str
    recorded: dt.datetime | None
    first_compliant_year: int | None
    meets_2030: bool | None = Field(
        description="The legal share is at most 40 % on 1 January 2030 (almenboligloven § 168 a)."
    )
    trajectory: list[YearOut]

    @classmethod
    def of(cls, side: scenarios.SideResult) -> SideOut:
        return cls(
            scenario=side.scenario,
            recorded=side.recorded,
            first_compliant_year=side.first_compliant_year,
            meets_2030=side.meets_deadline,
            trajectory=_years(side.trajectory),
        )


def _years(t: Trajectory) -> list[YearOut]:
    return [
        YearOut(
            year=y.year,
            legal_share=y.total.legal_share,
            compliant=y.total.compliant,
            almen_family=y.total.dwellings["almen_family"],
            dwellings=y.total.total_dwellings,
        )
        for y in t.years
    ]


class FeatureChangeOut(BaseModel):
    collection: str
    id: int
    name: str | None
    changed: dict[str, dict[str, Any]] = {}


class DiffOut(BaseModel):
    scenario: SideOut
    against: SideOut
    added: list[FeatureChangeOut]
    removed: list[FeatureChangeOut]
    changed: list[FeatureChangeOut]


def _feature(f: scenarios.FeatureChange) -> FeatureChangeOut:
    return FeatureChangeOut(collection=f.collection, id=f.id, name=f.name, changed=f.changed)


CSV_COLUMNS = ("collection", "id", "name", "change", "attribute", "from", "to")


def _csv_value(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value


def _to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv_cells.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _csv_value(v) for k, v in r.items()} for r in rows)
    return buf.getvalue()


@router.get(
    "/{slug}/diff",
    response_model=DiffOut,
    summary="What a scenario changes against another version of the plan",
    responses={200: {"content": {"text/csv": {}}}},
)
def diff_scenario(
    slug: SlugPath,
    reader: ReaderDep,
    conn: PlainConnectionDep,
    against: Annotated[
        str, Query(max_length=64, description="The scenario compared against.")
    ] = record.ADOPTED,
    recorded: Annotated[
        str | None,
        Query(max_length=64, description="Both sides as recorded then (default now)."),
    ] = None,
    against_recorded: Annotated[
        str | None,
        Query(
            max_length=64,
            description="The compared side as recorded then (default: `recorded`): "
            "a diff between two recorded versions.",
        ),
    ] = None,
    area: Annotated[
        str, Query(max_length=64, description="The area of the share trajectory.")
    ] = scenarios.DEFAULT_AREA,
    f: FormatQuery = "json",
):
    mine = record.plan_view(slug, recorded)
    theirs = record.plan_view(against, against_recorded or recorded)
    result = scenarios.diff(
        conn, mine, theirs, area=area, confidential=reader.may(Permission.READ_CONFIDENTIAL)
    )
    if f == "csv":
        return Response(
            _to_csv(scenarios.diff_rows(result)),
            media_type=CSV,
            headers={"Content-Disposition": f'attachment; filename="{slug}-{against}.csv"'},
        )
    return DiffOut(
        scenario=SideOut.of(result.scenario),
        against=SideOut.of(result.against),
        added=[_feature(x) for x in result.added],
        removed=[_feature(x) for x in result.removed],
        changed=[_feature(x) for x in result.changed],
    )
