"""The legal share of almene family dwellings, almenboligloven § 168 a.

share = almene family dwellings
        / (all dwellings + business floor area / 75 m² + dwellings demolished since 2010
           that were not replaced by almene family dwellings)

Counted in dwellings, not floor area. Almene youth, elderly and care dwellings are dwellings
but not family dwellings: they count in the denominator only.
"""

from __future__ import annotations

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
