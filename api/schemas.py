"""Response models: the JSON shapes the API promises, documented in OpenAPI."""

from __future__ import annotations

from pydantic import BaseModel, Field

from gis import law
from gis.areas import AreaInfo
from gis.tenure import Mix, QuarterMix, TenureMix, Trajectory


class QuarterSetOut(BaseModel):
    slug: str
    name: str
    description: str | None
    quarters: int


class AreaOut(BaseModel):
    slug: str
    name: str
    kind: str
    description: str | None
    data_source: str | None = Field(description="Where the data comes from and how exact it is.")
    area_ha: float
    bbox: list[float] = Field(description="minx, miny, maxx, maxy in EPSG:25832")
    crs: str = "EPSG:25832"
    quarter_sets: list[QuarterSetOut]

    @classmethod
    def of(cls, a: AreaInfo) -> AreaOut:
        return cls(
            slug=a.slug,
            name=a.name,
            kind=a.kind,
            description=a.description,
            data_source=a.data_source,
            area_ha=round(a.area_m2 / 10_000, 2),
            bbox=[round(v, 2) for v in a.bbox_25832],
            quarter_sets=[
                QuarterSetOut(
                    slug=q.slug, name=q.name, description=q.description, quarters=q.quarters
                )
                for q in a.quarter_sets
            ],
        )


class LawOut(BaseModel):
    source: str = law.SOURCE
    max_legal_share: float = law.MAX_LEGAL_SHARE
    deadline: str = f"{law.DEADLINE_YEAR}-01-01"
    business_m2_per_dwelling: float = law.BUSINESS_M2_PER_DWELLING
    demolitions_counted_from: int = law.DEMOLITION_COUNTED_FROM
    formula: str = (
        "almen_family / (all dwellings + business_floor_area_m2 / 75"
        " + dwellings demolished since 2010 not replaced by almene family dwellings)"
    )


class MixOut(BaseModel):
    dwellings: dict[str, int] = Field(description="Dwellings by tenure, and `total`.")
    floor_area_m2: dict[str, float] = Field(
        description="Dwelling floor area by tenure, and `total`."
    )
    shares: dict[str, float | None] = Field(description="Share of all dwellings, by tenure.")
    business_floor_area_m2: float
    business_dwelling_equivalents: float
    demolished_not_replaced: int
    legal_denominator: float
    legal_share: float | None = Field(description="§ 168 a share, a fraction 0–1.")
    compliant: bool | None = Field(description="legal_share at most 0.40.")

    @classmethod
    def of(cls, m: Mix) -> MixOut:
        return cls(**_figures(m))


def _figures(m: Mix) -> dict:
    """A Mix's figures as MixOut carries them (rounded for reading)."""
    share = m.legal_share
    return {
        "dwellings": {**m.dwellings, "total": m.total_dwellings},
        "floor_area_m2": {k: round(v, 1) for k, v in m.floor_area_m2.items()}
        | {"total": round(m.total_floor_area_m2, 1)},
        "shares": {k: (None if v is None else round(v, 4)) for k, v in m.shares.items()},
        "business_floor_area_m2": round(m.business_floor_area_m2, 1),
        "business_dwelling_equivalents": round(m.business_dwelling_equivalents, 2),
        "demolished_not_replaced": m.demolished_not_replaced,
        "legal_denominator": round(m.legal_denominator, 2),
        "legal_share": None if share is None else round(share, 4),
        "compliant": m.compliant,
    }


class QuarterMixOut(MixOut):
    quarter: str
    name: str

    @classmethod
    def of(cls, q: QuarterMix) -> QuarterMixOut:
        return cls(quarter=q.slug, name=q.name, **_figures(q))


class _Converted:
    """Each figure object of one answer converted once: the years a state lasts share one
    Mix (and a quarter's one QuarterMix, gis.tenure), so a national trajectory's 160,000
    quarter-years are about 45,000 conversions. Keyed by identity (a Mix holds dicts, so it
    has no hash), a quarter's apart from a total's (a QuarterMix is a Mix); the answer holds
    every object while it is converted."""

    def __init__(self) -> None:
        self._mixes: dict[int, MixOut] = {}
        self._quarters: dict[int, QuarterMixOut] = {}

    def mix(self, m: Mix) -> MixOut:
        made = self._mixes.get(id(m))
        if made is None:
            made = self._mixes[id(m)] = MixOut.of(m)
        return made

    def quarter(self, q: QuarterMix) -> QuarterMixOut:
        made = self._quarters.get(id(q))
        if made is None:
            made = self._quarters[id(q)] = QuarterMixOut.of(q)
        return made


class TenureMixOut(BaseModel):
    area: str
    area_name: str
    year: int = Field(description="The state as of 1 January of this year.")
    quarter_set: str | None
    data_source: str | None
    law: LawOut = LawOut()
    total: MixOut
    quarters: list[QuarterMixOut]
    unassigned: MixOut | None = Field(
        None, description="Buildings of the area that lie in none of the set's quarters."
    )

    @classmethod
    def of(cls, tm: TenureMix, converted: _Converted | None = None) -> TenureMixOut:
        c = converted or _Converted()
        return cls(
            area=tm.area.slug,
            area_name=tm.area.name,
            year=tm.year,
            quarter_set=tm.quarter_set.slug if tm.quarter_set else None,
            data_source=tm.area.data_source,
            total=c.mix(tm.total),
            quarters=[c.quarter(q) for q in tm.quarters],
            unassigned=c.mix(tm.unassigned) if tm.unassigned is not None else None,
        )


class TrajectoryYearOut(BaseModel):
    year: int
    total: MixOut
    quarters: list[QuarterMixOut]


class TrajectoryOut(BaseModel):
    area: str
    area_name: str
    quarter_set: str | None
    data_source: str | None
    law: LawOut = LawOut()
    from_year: int = Field(serialization_alias="from")
    to_year: int = Field(serialization_alias="to")
    first_compliant_year: int | None = Field(
        description="The first year in the range whose legal share is at most 40 %."
    )
    years: list[TrajectoryYearOut]

    @classmethod
    def of(cls, tr: Trajectory) -> TrajectoryOut:
        years, converted = [], _Converted()
        for tm in tr.years:
            one = TenureMixOut.of(tm, converted)
            years.append(TrajectoryYearOut(year=tm.year, total=one.total, quarters=one.quarters))
        return cls(
            area=tr.area.slug,
            area_name=tr.area.name,
            quarter_set=tr.quarter_set.slug if tr.quarter_set else None,
            data_source=tr.area.data_source,
            from_year=tr.first_year,
            to_year=tr.last_year,
            first_compliant_year=tr.first_compliant_year,
            years=years,
        )
