"""The whole program (issue 18): the plan's ten delprogrammer, their wanted effects,
indicators with targets and milestones, indsatser, and the dependencies and synergies
between them; the employment track of delprogram 3.

Indicator values are statistics about people: they are stored and shown as aggregates only.
A count below `SUPPRESS_BELOW` (or a share computed from fewer persons) is suppressed: kept
as "suppressed" with its provenance, never as a number, so it cannot be shown, returned or
exported by any path.
"""

from __future__ import annotations

# The smallest count shown: Danmarks Statistik's discretion rule for person statistics, and
# the threshold.
SUPPRESS_BELOW = 5


def suppressed(value: float | None, count: int | None, unit: str) -> bool:
    """Whether a value must be suppressed: a count below the threshold, or any value computed
    from fewer persons than it."""
    if unit == "count" and value is not None and value < SUPPRESS_BELOW:
        return True
    return count is not None and count < SUPPRESS_BELOW
