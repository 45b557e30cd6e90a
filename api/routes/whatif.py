"""What a sale does to the 40 %: proposed developments and the gap to a target share."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import QuarterSetQuery, ScratchConnectionDep, YearQuery
from api.schemas import LawOut, MixOut
from gis import law
from gis.land import gap as gap_mod
from gis.land import whatif as wi
from gis.models import TENURES
from gis.tenure import MAX_TRAJECTORY_YEARS, Mix

router = APIRouter(tags=["land"])


class DevelopmentIn(BaseModel):
    # A plot label written as a number (12) means the label "12".
    model_config = ConfigDict(coerce_numbers_to_str=True)

    parcel: str = Field(
        max_length=64,
        description='Plot label ("12") or matrikel key ("ejerlavskode-matrikelnummer").',
        examples=["12"],
    )
    year: int = Field(description="Year built: counts from the state of 1 January year+1.")
    dwellings: dict[str, int] = Field(
        default_factory=dict,
        description=f"Dwellings by tenure: {', '.join(TENURES)}.",
        examples=[{"owner_occupied": 240}],
    )
    business_m2: float = Field(0.0, description="Business floor area (75 m² count as a dwelling).")
    decided: bool = False


class WhatIfIn(BaseModel):
    area: str = Field(max_length=64, examples=["vollsmose"])
    quarters: str | None = Field(
        None, max_length=64, description="Quarter set; default: the area's first."
    )
    years: list[int] = Field(
        default_factory=lambda: list(wi.DEFAULT_YEARS),
        max_length=MAX_TRAJECTORY_YEARS,
        description="States (as of 1 January) to compare.",
    )
    developments: list[DevelopmentIn] = Field(max_length=wi.MAX_DEVELOPMENTS)


class DifferenceOut(BaseModel):
    dwellings: dict[str, int] = Field(description="After minus before, by tenure and `total`.")
    business_floor_area_m2: float
    legal_denominator: float
    legal_share: float | None = Field(description="After minus before, a fraction.")

    @classmethod
    def of(cls, before: Mix, after: Mix) -> DifferenceOut:
        d = wi.difference(before, after)
        return cls(
            dwellings={**d.dwellings, "total": d.total_dwellings},
            business_floor_area_m2=round(d.business_floor_area_m2, 1),
            legal_denominator=round(d.legal_denominator, 2),
            legal_share=None if d.legal_share is None else round(d.legal_share, 4),
        )


class CompareOut(BaseModel):
    before: MixOut
    after: MixOut
    difference: DifferenceOut

    @classmethod
    def of(cls, before: Mix, after: Mix) -> CompareOut:
        return cls(
            before=MixOut.of(before),
            after=MixOut.of(after),
            difference=DifferenceOut.of(before, after),
        )


class QuarterCompareOut(CompareOut):
    quarter: str | None = Field(description="Slug; null: in none of the set's quarters.")
    name: str


class YearOut(BaseModel):
    year: int = Field(description="The state as of 1 January of this year.")
    developments_counted: list[int] = Field(
        description="Indices of the developments that count in this year (year built < it)."
    )
    legal_share_before: float | None
    legal_share_after: float | None
    legal_share_difference: float | None
    compliant_before: bool | None
    compliant_after: bool | None
    total: CompareOut
    quarters: list[QuarterCompareOut] = Field(
        description="The quarters the developments lie in, before and after."
    )

    @classmethod
    def of(cls, effect: wi.YearEffect, quarters: list[str | None]) -> YearOut:
        before, after = effect.before, effect.after
        total = CompareOut.of(before.total, after.total)
        out = []
        for slug in quarters:
            if slug is None:
                # Outside every quarter of the set; without a set the total says it all.
                if before.quarter_set is not None:
                    out.append(_unassigned(before.unassigned, after.unassigned))
                continue
            b = next(q for q in before.quarters if q.slug == slug)
            a = next(q for q in after.quarters if q.slug == slug)
            out.append(QuarterCompareOut(quarter=slug, name=a.name, **_dump(b.mix, a.mix)))
        return cls(
            year=effect.year,
            developments_counted=list(effect.counted),
            legal_share_before=total.before.legal_share,
            legal_share_after=total.after.legal_share,
            legal_share_difference=total.difference.legal_share,
            compliant_before=total.before.compliant,
            compliant_after=total.after.compliant,
            total=total,
            quarters=out,
        )


def _dump(before: Mix, after: Mix) -> dict:
    c = CompareOut.of(before, after)
    return {"before": c.before, "after": c.after, "difference": c.difference}


def _unassigned(before: Mix | None, after: Mix | None) -> QuarterCompareOut:
    empty = Mix({t: 0 for t in TENURES}, {t: 0.0 for t in TENURES}, 0.0, 0)
    return QuarterCompareOut(
        quarter=None, name="Uden for kvartererne", **_dump(before or empty, after or empty)
    )


class PlacedOut(BaseModel):
    index: int
    parcel: str
    matrikel: str
    plot_label: str | None
    quarter: str | None
    year: int
    counts_from: int = Field(description="First year (1 January) whose state includes it.")
    dwellings: dict[str, int]
    business_m2: float
    decided: bool


class WhatIfOut(BaseModel):
    area: str
    area_name: str
    quarter_set: str | None
    data_source: str | None
    hypothetical: str = wi.NOTHING_WRITTEN
    life_rule: str = wi.LIFE_RULE
    law: LawOut = LawOut()
    developments: list[PlacedOut]
    years: list[YearOut]

    @classmethod
    def of(cls, w: wi.WhatIf) -> WhatIfOut:
        quarters = w.quarters
        return cls(
            area=w.area.slug,
            area_name=w.area.name,
            quarter_set=w.quarter_set.slug if w.quarter_set else None,
            data_source=w.area.data_source,
            developments=[
                PlacedOut(
                    index=i,
                    parcel=p.development.parcel,
                    matrikel=p.matrikel,
                    plot_label=p.plot_label,
                    quarter=p.quarter,
                    year=p.development.year,
                    counts_from=p.counts_from,
                    dwellings={t: n for t, n in p.development.dwellings.items() if n},
                    business_m2=p.development.business_m2,
                    decided=p.development.decided,
                )
                for i, p in enumerate(w.developments)
            ],
            years=[YearOut.of(e, quarters) for e in w.years],
        )


@router.post(
    "/land/what-if",
    response_model=WhatIfOut,
    summary="The tenure mix and legal share before and after proposed developments",
)
def post_what_if(body: WhatIfIn, conn: ScratchConnectionDep) -> WhatIfOut:
    developments = [
        wi.Development(d.parcel, d.year, d.dwellings, d.business_m2, d.decided)
        for d in body.developments
    ]
    result = wi.what_if(conn, body.area, developments, body.years, body.quarters)
    return WhatIfOut.of(result)


class GapOut(BaseModel):
    almen_family: int = Field(description="A: the numerator.")
    all_dwellings: int
    business_floor_area_m2: float
    demolished_not_replaced: int
    legal_denominator: float = Field(description="D = all + business / 75 + demolished.")
    legal_share: float | None
    target: float
    met: bool = Field(description="The share is at or below the target already.")
    dwellings: int = Field(description="n: more non-family dwellings needed.")
    business_m2: float = Field(description="n x 75 m²: business floor area worth n dwellings.")
    business_m2_minimum: int = Field(description="Smallest whole m² of business alone.")
    almen_family_to_go: int = Field(description="k: almene family dwellings to convert or go.")
    arithmetic: str = Field(description="The formulas with these numbers.")

    @classmethod
    def of(cls, g: gap_mod.Gap) -> GapOut:
        share = g.share
        return cls(
            almen_family=g.almen_family,
            all_dwellings=g.all_dwellings,
            business_floor_area_m2=round(g.business_m2, 1),
            demolished_not_replaced=g.demolished_not_replaced,
            legal_denominator=round(g.denominator, 2),
            legal_share=None if share is None else round(share, 4),
            target=g.target,
            met=g.met,
            dwellings=g.dwellings,
            business_m2=g.business_m2_as_dwellings,
            business_m2_minimum=g.business_m2_minimum,
            almen_family_to_go=g.almen_family_to_go,
            arithmetic=g.explain(),
        )


class QuarterGapOut(GapOut):
    quarter: str | None
    name: str


class AreaGapOut(BaseModel):
    area: str
    area_name: str
    year: int = Field(description="The state as of 1 January of this year.")
    quarter_set: str | None
    data_source: str | None
    target: float
    formulas: dict[str, str] = gap_mod.FORMULAS
    law: LawOut = LawOut()
    total: GapOut
    quarters: list[QuarterGapOut] = Field(
        description="Each quarter against the same target (for insight; the law counts areas)."
    )

    @classmethod
    def of(cls, g: gap_mod.AreaGap) -> AreaGapOut:
        return cls(
            area=g.area.slug,
            area_name=g.area.name,
            year=g.year,
            quarter_set=g.quarter_set.slug if g.quarter_set else None,
            data_source=g.area.data_source,
            target=g.target,
            total=GapOut.of(g.total),
            quarters=[
                QuarterGapOut(quarter=q.slug, name=q.name, **GapOut.of(q.gap).model_dump())
                for q in g.quarters
            ],
        )


TargetQuery = Annotated[
    float,
    Query(description="Target legal share, strictly between 0 and 1.", examples=[0.38]),
]


@router.get(
    "/areas/{area}/tenure-mix/gap",
    response_model=AreaGapOut,
    tags=["areas"],
    summary="How many non-family dwellings (or m² business) the area needs to reach a share",
)
def get_gap(
    area: str,
    conn: ScratchConnectionDep,
    year: YearQuery = law.DEADLINE_YEAR,
    target: TargetQuery = law.MAX_LEGAL_SHARE,
    quarters: QuarterSetQuery = None,
) -> AreaGapOut:
    return AreaGapOut.of(gap_mod.area_gap(conn, area, year, target, quarters))
