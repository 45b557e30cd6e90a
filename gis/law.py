"""The legal share of almene family dwellings, almenboligloven § 168 a.

share = almene family dwellings
        / (all dwellings + business floor area / 75 m² + dwellings demolished since 2010
           that were not replaced by almene family dwellings)

Counted in dwellings, not floor area. Almene youth, elderly and care dwellings are dwellings
but not family dwellings: they count in the denominator only.
"""

from __future__ import annotations

from dataclasses import dataclass

# § 168 a: the share must be at most 40 % ...
MAX_LEGAL_SHARE = 0.40
# ... by 1 January 2030 for the areas on the 2018 lists.
DEADLINE_YEAR = 2030
# Business floor area counts as one dwelling per 75 m².
BUSINESS_M2_PER_DWELLING = 75.0
# Dwellings demolished from this year on stay in the denominator unless replaced.
DEMOLITION_COUNTED_FROM = 2010
SOURCE = "almenboligloven § 168 a"


def legal_share(
    almen_family: float, all_dwellings: float, business_m2: float, demolished_not_replaced: float
) -> float | None:
    """The legal share, or None when the area holds nothing to count."""
    denominator = legal_denominator(all_dwellings, business_m2, demolished_not_replaced)
    if denominator <= 0:
        return None
    return almen_family / denominator


def legal_denominator(
    all_dwellings: float, business_m2: float, demolished_not_replaced: float
) -> float:
    return all_dwellings + business_m2 / BUSINESS_M2_PER_DWELLING + demolished_not_replaced


def is_compliant(share: float | None) -> bool | None:
    return None if share is None else share <= MAX_LEGAL_SHARE


# The development plan's own goal, lower than the law's limit: "Den lovpligtige udviklingsplan
# har en målsætning om at nå en andel på 38,4 %" (seed 001, delprogram "Attraktive, fysiske
# rammer"). Same share, same deadline; only the level differs.
PLAN_TARGET_SHARE = 0.384


@dataclass(frozen=True)
class ShareTarget:
    key: str
    share: float
    name_da: str
    kind: str  # provenance: "law" or "plan"
    source: str
    source_date: str


TARGETS = (
    ShareTarget(
        "law",
        MAX_LEGAL_SHARE,
        "Lovens grænse (almenboligloven § 168 a)",
        "law",
        # The law's own words (Danish), as every page shows them.
        SOURCE + " (L 38, lov nr. 1322 af 27.11.2018): højst 40 % senest 1. januar 2030",
        "2018-11-27",
    ),
    ShareTarget(
        "plan",
        PLAN_TARGET_SHARE,
        "Udviklingsplanens mål",
        "plan",
        "Realiseringsplan for Fremtidens Vollsmose (Odense Kommune 2020), delprogram "
        "'Attraktive, fysiske rammer': 'en målsætning om at nå en andel på 38,4 %'",
        "2020",
    ),
)


def target_status(points: list[tuple[int, float | None]], year: int) -> list[dict]:
    """Per target: the gap in `year` (share − target, positive = above it), and the first year
    of `points` (year, legal share) in which the share is at or below it.

    The share itself is `legal_share`'s, computed elsewhere (gis.tenure): this only compares.
    """
    shares = dict(points)
    now = shares.get(year)
    at_deadline = shares.get(DEADLINE_YEAR)
    out = []
    for t in TARGETS:
        first = next((y for y, s in sorted(points) if s is not None and s <= t.share), None)
        out.append(
            {
                "key": t.key,
                "name": t.name_da,
                "target": t.share,
                "deadline_year": DEADLINE_YEAR,
                "year": year,
                "share": now,
                "gap": None if now is None else now - t.share,
                "met": None if now is None else now <= t.share,
                "share_at_deadline": at_deadline,
                "gap_at_deadline": None if at_deadline is None else at_deadline - t.share,
                "met_by_deadline": None if at_deadline is None else at_deadline <= t.share,
                "first_year_met": first,
                "provenance": {"kind": t.kind, "source": t.source, "date": t.source_date},
            }
        )
    return out
