"""How far the plan as stored is from a target legal share, in dwellings, m² or almene homes.

With A almene family dwellings and the legal denominator D = all dwellings + business m² / 75
+ demolished since 2010 not replaced (`gis.law`), the share is A / D. To bring it to a
target t:

- n more non-family dwellings: A / (D + n) <= t, so n = ceil(A / t - D);
- or m² more business floor area: A / (D + m / 75) <= t, so m = ceil(75 (A / t - D));
  n x 75 m² always suffices;
- or k fewer almene family dwellings: (A - k) / D <= t, so k = ceil(A - t D). Converted
  (sold, or made youth or elderly dwellings) they stay dwellings, and demolished without an
  almen family replacement they stay in the denominator by law: D does not change either way.

Each number is the smallest whole one that the share function itself (`gis.law.legal_share`,
as the tenure mix reports it) puts at or below the target: the closed form gives the start,
and a step either side settles what floating point would otherwise leave on a boundary.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import Connection

from gis import law
from gis.areas import AreaInfo, QuarterSetInfo
from gis.errors import InvalidQuery
from gis.tenure import Mix, tenure_mix

FORMULAS = {
    "legal_share": "A / D, D = all dwellings + business_m2 / 75 + demolished_not_replaced",
    "dwellings": "n = ceil(A / target - D), at least 0",
    "business_m2": "m = ceil(75 * (A / target - D)), at least 0; n * 75 always suffices",
    "almen_family_to_go": "k = ceil(A - target * D), at least 0; D unchanged",
}


@dataclass(frozen=True)
class Gap:
    almen_family: int
    all_dwellings: int
    business_m2: float
    demolished_not_replaced: int
    target: float
    # The smallest n more non-family dwellings that reach the target.
    dwellings: int
    # The smallest whole m² of business that reach it on its own.
    business_m2_minimum: int
    almen_family_to_go: int

    @property
    def denominator(self) -> float:
        return law.legal_denominator(
            self.all_dwellings, self.business_m2, self.demolished_not_replaced
        )

    @property
    def share(self) -> float | None:
        return law.legal_share(
            self.almen_family, self.all_dwellings, self.business_m2, self.demolished_not_replaced
        )

    @property
    def business_m2_as_dwellings(self) -> float:
        """n dwellings' worth of business floor area: n x 75 m²."""
        return self.dwellings * law.BUSINESS_M2_PER_DWELLING

    @property
    def met(self) -> bool:
        return self.dwellings == 0

    def explain(self) -> str:
        """The arithmetic with this gap's numbers, for a reader to follow by hand."""
        a, d, t = self.almen_family, self.denominator, self.target
        head = (
            f"D = {self.all_dwellings} + {self.business_m2:.12g} / "
            f"{law.BUSINESS_M2_PER_DWELLING:g} + {self.demolished_not_replaced} = {d:.2f}"
        )
        share = self.share
        if share is None:
            return f"{head}: nothing to count, so nothing is needed."
        head += f"; share = A / D = {a} / {d:.2f} = {share:.4f}"
        if self.met:
            return f"{head} <= target {t:g}: nothing is needed."
        return (
            f"{head} > target {t:g}: n = ceil({a} / {t:g} - {d:.2f}) = {self.dwellings} more "
            f"non-family dwellings, or m = ceil(75 x ({a} / {t:g} - {d:.2f})) = "
            f"{self.business_m2_minimum} m² business, or k = ceil({a} - {t:g} x {d:.2f}) = "
            f"{self.almen_family_to_go} fewer almene family dwellings."
        )


@dataclass(frozen=True)
class QuarterGap:
    slug: str | None
    name: str
    gap: Gap


@dataclass(frozen=True)
class AreaGap:
    area: AreaInfo
    year: int
    quarter_set: QuarterSetInfo | None
    target: float
    total: Gap
    quarters: list[QuarterGap]


def check_target(target: float) -> float:
    if not (math.isfinite(target) and 0 < target < 1):
        raise InvalidQuery(
            "target", f"'target' must be a share strictly between 0 and 1, not {target}."
        )
    return target


def _smallest(start: int, ok: Callable[[int], bool]) -> int:
    """The smallest n >= 0 with ok(n), from a closed-form start that is off by at most a
    rounding step; ok must be monotone."""
    n = max(start, 0)
    while n > 0 and ok(n - 1):
        n -= 1
    while not ok(n):
        n += 1
    return n


def gap(mix: Mix, target: float) -> Gap:
    """What it takes to bring `mix` to `target` (0 of each when it is there already)."""
    check_target(target)
    a, total = mix.dwellings["almen_family"], mix.total_dwellings
    business, demolished = mix.business_floor_area_m2, mix.demolished_not_replaced

    def at_most(share: float | None) -> bool:
        return share is None or share <= target

    exact_t = Fraction(target)
    excess = Fraction(a) / exact_t - Fraction(mix.legal_denominator)
    n = _smallest(
        math.ceil(excess), lambda n: at_most(law.legal_share(a, total + n, business, demolished))
    )
    m = _smallest(
        math.ceil(excess * Fraction(law.BUSINESS_M2_PER_DWELLING)),
        lambda m: at_most(law.legal_share(a, total, business + m, demolished)),
    )
    k = _smallest(
        math.ceil(Fraction(a) - exact_t * Fraction(mix.legal_denominator)),
        lambda k: at_most(law.legal_share(a - k, total, business, demolished)),
    )
    return Gap(a, total, business, demolished, target, n, m, k)


def area_gap(
    conn: Connection,
    area_slug: str,
    year: int,
    target: float = law.MAX_LEGAL_SHARE,
    quarter_set: str | None = None,
) -> AreaGap:
    """The gap of the area, and of each quarter of the set, in `year` as the plan stands."""
    check_target(target)
    tm = tenure_mix(conn, area_slug, year, quarter_set)
    return AreaGap(
        area=tm.area,
        year=tm.year,
        quarter_set=tm.quarter_set,
        target=target,
        total=gap(tm.total, target),
        quarters=[QuarterGap(q.slug, q.name, gap(q.mix, target)) for q in tm.quarters],
    )
