"""Response models: the JSON shapes the API promises, documented in OpenAPI."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from pydantic_core import to_json

from gis import law
from gis.areas import AreaInfo, QuarterSetInfo
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
        # (from the share above: m.compliant would work it out again)
        "compliant": law.is_compliant(share),
    }


class QuarterMixOut(MixOut):
    quarter: str
    name: str

    @classmethod
    def of(cls, q: QuarterMix) -> QuarterMixOut:
        return cls(**_quarter_figures(q))


def _quarter_figures(q: QuarterMix) -> dict:
    """A quarter's figures as QuarterMixOut carries them, in its fields' order."""
    return _figures(q) | {"quarter": q.slug, "name": q.name}


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


class _Written:
    """Each figure object of one answer written as JSON once, as `MixOut` and
    `QuarterMixOut` write it, for an answer sent as written (`TenureMixOut.json_of`,
    `TrajectoryOut.json_of`): the models' own dump writes a shared object again at every
    year it lasts (160,000 quarter-years of a national trajectory, 105 MB), and building
    45,000 models to dump took longer than the trajectory itself (benchmarks/README.md,
    "The national answers written once"). tests/api/test_answer_json.py holds the bytes to
    the models' own."""

    def __init__(self) -> None:
        self._mixes: dict[int, bytes] = {}
        self._quarters: dict[int, bytes] = {}

    def mix(self, m: Mix | None) -> list[bytes]:
        if m is None:
            return [b"null"]
        made = self._mixes.get(id(m))
        if made is None:
            made = self._mixes[id(m)] = to_json(_figures(m))
        return [made]

    def quarters(self, quarters: list[QuarterMix]) -> list[bytes]:
        made, written = self._quarters, []
        for q in quarters:
            one = made.get(id(q))
            if one is None:
                one = made[id(q)] = to_json(_quarter_figures(q))
            written.append(one)
        return _array([[one] for one in written])


# The parts of an answer's JSON, joined once at the end: a national trajectory is 105 MB,
# and each join of a part of it into the next copied it again.
def _array(items: list[list[bytes]]) -> list[bytes]:
    parts = [b"["]
    for i, item in enumerate(items):
        if i:
            parts.append(b",")
        parts.extend(item)
    parts.append(b"]")
    return parts


def _object(
    model: type[BaseModel], fields: dict[str, Any], written: dict[str, list[bytes]]
) -> list[bytes]:
    """The parts of `model`'s JSON as its own dump by alias writes it, from its fields'
    values by name: `fields` as values, `written` as the parts of JSON written already
    (`_Written`)."""
    rest = model.model_construct(**fields).model_dump(
        mode="json", by_alias=True, exclude=set(written)
    )
    parts = [b"{"]
    for i, (name, info) in enumerate(model.model_fields.items()):
        key = info.serialization_alias or info.alias or name
        parts.append((b"," if i else b"") + to_json(key) + b":")
        parts.extend(written[name] if name in written else [to_json(rest[key])])
    parts.append(b"}")
    return parts


def _about(area: AreaInfo, quarter_set: QuarterSetInfo | None) -> dict:
    """What a tenure answer says of its area and quarter set, by field name."""
    return {
        "area": area.slug,
        "area_name": area.name,
        "quarter_set": quarter_set.slug if quarter_set else None,
        "data_source": area.data_source,
    }


def _trajectory_about(tr: Trajectory) -> dict:
    return {
        **_about(tr.area, tr.quarter_set),
        "from_year": tr.first_year,
        "to_year": tr.last_year,
        "first_compliant_year": tr.first_compliant_year,
    }


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
            **_about(tm.area, tm.quarter_set),
            year=tm.year,
            total=c.mix(tm.total),
            quarters=[c.quarter(q) for q in tm.quarters],
            unassigned=c.mix(tm.unassigned) if tm.unassigned is not None else None,
        )

    @classmethod
    def json_of(cls, tm: TenureMix) -> bytes:
        """The answer's JSON, as `of(tm)` dumped by alias writes it, each figure object
        written once (`_Written`)."""
        w = _Written()
        return b"".join(
            _object(
                cls,
                {**_about(tm.area, tm.quarter_set), "year": tm.year},
                {
                    "total": w.mix(tm.total),
                    "quarters": w.quarters(tm.quarters),
                    "unassigned": w.mix(tm.unassigned),
                },
            )
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
        return cls(**_trajectory_about(tr), years=years)

    @classmethod
    def json_of(cls, tr: Trajectory) -> bytes:
        """The answer's JSON, as `of(tr)` dumped by alias writes it, each figure object
        written once (`_Written`)."""
        w = _Written()
        years = _array(
            [
                _object(
                    TrajectoryYearOut,
                    {"year": tm.year},
                    {"total": w.mix(tm.total), "quarters": w.quarters(tm.quarters)},
                )
                for tm in tr.years
            ]
        )
        return b"".join(
            _object(
                cls,
                _trajectory_about(tr),
                {"years": years},
            )
        )


class AreaYearOut(BaseModel):
    year: int
    total: MixOut


class AreaTrajectoryOut(BaseModel):
    area: str
    area_name: str
    kind: str
    data_source: str | None
    first_compliant_year: int | None = Field(
        description="The first year in the range whose legal share is at most 40 %."
    )
    years: list[AreaYearOut]


class EveryAreaOut(BaseModel):
    law: LawOut = LawOut()
    from_year: int = Field(serialization_alias="from")
    to_year: int = Field(serialization_alias="to")
    areas: list[AreaTrajectoryOut]

    @classmethod
    def of(cls, trajectories: list[Trajectory], first_year: int, last_year: int) -> EveryAreaOut:
        converted = _Converted()
        return cls(
            from_year=first_year,
            to_year=last_year,
            areas=[
                AreaTrajectoryOut(
                    area=tr.area.slug,
                    area_name=tr.area.name,
                    kind=tr.area.kind,
                    data_source=tr.area.data_source,
                    first_compliant_year=tr.first_compliant_year,
                    years=[
                        AreaYearOut(year=y.year, total=converted.mix(y.total)) for y in tr.years
                    ],
                )
                for tr in trajectories
            ],
        )
