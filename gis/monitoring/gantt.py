"""The plan as a timeline (Gantt), like the seed's tables "Indsats 2020 … 2030": one row per
item, grouped into decided and not decided, a bar over its years, the share done drawn over
it, and a line at 1 January of the year looked at. Server-rendered SVG, no script.
"""

from __future__ import annotations

from html import escape

from gis.monitoring.progress import Progress
from gis.monitoring.summary import STATUS_DA

FIRST_YEAR, LAST_YEAR = 2020, 2030
STATUS_COLOUR = {
    "not_due": "#9e9e9e",
    "on_plan": "#2e7d32",
    "ahead": "#1565c0",
    "behind": "#c62828",
}
FONT = "font-family='DejaVu Sans, Arial, sans-serif'"


def gantt_svg(
    p: Progress,
    first: int = FIRST_YEAR,
    last: int = LAST_YEAR,
    illustrative: frozenset[str] = frozenset(),
) -> str:
    """`illustrative`: keys of items whose recorded progress is invented, marked so."""
    label_w, status_w, col_w, row_h, head_h = 330, 90, 44, 20, 26
    groups = [
        ("Besluttet", [i for i in p.items if i.decided]),
        ("Ikke besluttet", [i for i in p.items if not i.decided]),
    ]
    rows = sum(len(items) + 1 for _, items in groups if items)
    width = label_w + col_w * (last - first + 1) + status_w
    height = head_h + rows * row_h + 8

    def x(year: float) -> float:
        return label_w + col_w * (min(max(year, first), last + 1) - first)

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='gantt' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img' aria-label='Tidslinje for planens indsatser'>"
        f"<text x='4' y='17' font-size='12' font-weight='bold' {FONT}>Indsats</text>"
    ]
    for year in range(first, last + 1):
        parts.append(
            f"<text x='{x(year) + col_w / 2:.1f}' y='17' text-anchor='middle' font-size='11' "
            f"{FONT}>{year}</text>"
            f"<line x1='{x(year):.1f}' y1='{head_h - 4}' x2='{x(year):.1f}' y2='{height}' "
            "stroke='#e0e0e0'/>"
        )
    y = head_h
    for title, items in groups:
        if not items:
            continue
        parts.append(
            f"<text x='4' y='{y + 14}' font-size='12' font-weight='bold' {FONT}>{title}</text>"
        )
        y += row_h
        for i in items:
            x0, x1 = x(i.start_year), x(i.end_year + 1)
            colour = STATUS_COLOUR[i.status]
            done = i.done_to_date or 0.0
            share = min(done / i.planned_quantity, 1.0) if i.planned_quantity else 0.0
            dash = "" if i.decided else " stroke-dasharray='4 2'"
            parts.append(
                f"<g class='gantt-row' data-key='{escape(i.key)}' data-status='{i.status}'>"
                f"<text x='12' y='{y + 14}' font-size='11' {FONT}>{escape(i.title)}</text>"
                f"<rect x='{x0:.1f}' y='{y + 4}' width='{x1 - x0:.1f}' height='{row_h - 8}' "
                f"fill='#cfd8dc' stroke='#546e7a'{dash}/>"
                f"<rect class='done' x='{x0:.1f}' y='{y + 4}' width='{(x1 - x0) * share:.1f}' "
                f"height='{row_h - 8}' fill='{colour}' opacity='0.8'/>"
                # Invented recorded progress: said on the bar itself.
                + (
                    f"<text class='illustrative' x='{x0 + 4:.1f}' y='{y + 13}' font-size='9' "
                    f"font-style='italic' fill='#3e2723' {FONT}>illustrativ</text>"
                    if i.key in illustrative
                    else ""
                )
                + f"<text x='{width - status_w + 6}' y='{y + 14}' font-size='11' fill='{colour}' "
                f"{FONT}>{STATUS_DA[i.status]}</text></g>"
            )
            y += row_h
    if first <= p.year <= last + 1:
        parts.append(
            f"<line class='today' x1='{x(p.year):.1f}' y1='{head_h - 4}' x2='{x(p.year):.1f}' "
            f"y2='{height}' stroke='#000' stroke-width='1.5' stroke-dasharray='5 3'/>"
        )
    parts.append("</svg>")
    return "".join(parts)
