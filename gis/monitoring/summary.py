"""A short Danish summary of what is behind plan, generated from the progress figures."""

from __future__ import annotations

from gis.monitoring.progress import ItemProgress, Progress

UNITS_DA = {
    "dwellings": "boliger",
    "households": "husstande",
    "items": "stk.",
    "m2": "m²",
    "m": "m",
}
STATUS_DA = {
    "not_due": "ikke begyndt",
    "on_plan": "som planlagt",
    "ahead": "foran planen",
    "behind": "bagud",
}


def number(value: float | None) -> str:
    """Danish thousands separator, no decimals unless needed: 218000 -> '218.000'."""
    if value is None:
        return "–"
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}".replace(",", ".")
    return f"{value:,.1f}".replace(",", "_").replace(".", ",").replace("_", ".")


def points(gap: float | None) -> str:
    """A difference of shares in percentage points, signed: 0.021 -> '+2,1 procentpoint'."""
    if gap is None:
        return "–"
    return f"{gap * 100:+.1f} procentpoint".replace(".", ",").replace("-", "−")


def _behind(item: ItemProgress) -> str:
    unit = UNITS_DA.get(item.unit, item.unit)
    done = number(item.done_to_date or 0)
    text = (
        f"{item.title}: {done} af planlagt {number(item.planned_to_date)} {unit} til dato "
        f"({number(-item.difference)} {unit} bagud)"
    )
    if not item.decided:
        text += "; ikke besluttet"
    return text + "."


def summary(p: Progress) -> list[str]:
    """Sentences, most behind (relative to the plan to date) first; one if nothing is behind."""
    behind = [i for i in p.items if i.status == "behind"]
    behind.sort(key=lambda i: i.difference / i.planned_to_date if i.planned_to_date else 0)
    due = [i for i in p.items if i.status != "not_due"]
    lines = [
        f"Pr. 1. januar {p.year} er {len(due)} af {len(p.items)} planpunkter i gang; "
        f"{len(behind)} er bagud, "
        f"{sum(1 for i in p.items if i.status == 'ahead')} er foran planen."
    ]
    lines += [_behind(i) for i in behind]
    for c in p.conflicts:
        lines.append(
            f"Uoverensstemmelse for {c.title}: kortdata viser {number(c.derived)}, "
            f"indberetninger {number(c.recorded)}."
        )
    return lines
