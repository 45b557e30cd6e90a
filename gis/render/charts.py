"""Small SVG charts, drawn on the server so the viewer's popups and the area pages share them
and a page shows its chart without any charting library.
"""

from __future__ import annotations

from html import escape

FONT = "font-family='DejaVu Sans, Arial, sans-serif'"
TARGET_COLOUR = "#6a1b9a"
LIMIT_COLOUR = "#d7191c"


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x * 100:.1f} %".replace(".", ",")


def tenure_bars_svg(chart: dict, width: int = 300, height: int = 190) -> str:
    """Stacked bars of dwellings per tenure for each year, the legal share printed on top.

    `chart` is `gis.mapdata.quarter_chart`'s answer.
    """
    years = chart["years"]
    tenures = chart["tenures"]
    left, right, top, bottom = 40, 10, 26, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    most = max([y["total_dwellings"] for y in years] + [1])
    bar_w = plot_w / len(years) * 0.55
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='chart tenure-chart' width='{width}' "
        f"height='{height}' viewBox='0 0 {width} {height}' role='img' "
        f"aria-label='Boligsammensætning {escape(str(chart.get('name') or ''))}'>",
        f"<line x1='{left}' y1='{top + plot_h}' x2='{width - right}' y2='{top + plot_h}' "
        "stroke='#444'/>",
        f"<text x='{left - 4}' y='{top + 4}' text-anchor='end' font-size='10' {FONT}>{most}</text>",
        f"<text x='{left - 4}' y='{top + plot_h}' text-anchor='end' font-size='10' {FONT}>0</text>",
    ]
    for i, y in enumerate(years):
        cx = left + plot_w * (i + 0.5) / len(years)
        base = top + plot_h
        for t in tenures:
            n = y["dwellings"].get(t["key"], 0)
            if not n:
                continue
            h = plot_h * n / most
            base -= h
            parts.append(
                f"<rect x='{cx - bar_w / 2:.1f}' y='{base:.1f}' width='{bar_w:.1f}' "
                f"height='{h:.1f}' fill='{t['colour']}' data-tenure='{t['key']}'>"
                f"<title>{escape(t['label'])}: {n}</title></rect>"
            )
        # A quarter's share is for orientation only: the 40 % of § 168 a applies to the whole
        # area, so a quarter over it is not marked as failing.
        parts.append(
            f"<text x='{cx:.1f}' y='{base - 4:.1f}' text-anchor='middle' font-size='11' "
            f"font-weight='bold' fill='#333333' {FONT}>{_pct(y['legal_share'])}</text>"
        )
        parts.append(
            f"<text x='{cx:.1f}' y='{height - 6}' text-anchor='middle' font-size='11' "
            f"{FONT}>{y['year']}</text>"
        )
    parts.append(
        f"<text x='{left}' y='12' font-size='10' fill='#444' {FONT}>Boliger pr. ejerform; "
        f"over søjlen: kvarterets andel almene familieboliger</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def trajectory_svg(
    points: list[tuple[int, float | None]],
    limit: float,
    deadline: int,
    width: int = 720,
    height: int = 320,
    targets: tuple[float, ...] | list[float] = (),
) -> str:
    """The legal share year by year against the limit (a line at `limit`) and, dotted, any
    lower `targets` (the development plan's 38.4 %), labelled at the left so that the two
    labels, 1.6 points apart, do not overlap."""
    left, right, top, bottom = 48, 16, 16, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    first, last = points[0][0], points[-1][0]
    span = max(last - first, 1)

    def x(year: float) -> float:
        return left + plot_w * (year - first) / span

    def y(share: float) -> float:
        return top + plot_h * (1 - share)

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='chart trajectory-chart' width='{width}' "
        f"height='{height}' viewBox='0 0 {width} {height}' role='img' "
        "aria-label='Andel almene familieboliger år for år'>"
    ]
    for p in range(0, 101, 20):
        yy = y(p / 100)
        parts.append(
            f"<line x1='{left}' y1='{yy:.1f}' x2='{width - right}' y2='{yy:.1f}' stroke='#e5e5e5'/>"
            f"<text x='{left - 6}' y='{yy + 4:.1f}' text-anchor='end' font-size='11' {FONT}>"
            f"{p} %</text>"
        )
    for year in range(first, last + 1):
        if year % 5 == 0:
            parts.append(
                f"<text x='{x(year):.1f}' y='{height - 12}' text-anchor='middle' font-size='11' "
                f"{FONT}>{year}</text>"
                f"<line x1='{x(year):.1f}' y1='{top + plot_h}' x2='{x(year):.1f}' "
                f"y2='{top + plot_h + 4}' stroke='#444'/>"
            )
    if first <= deadline <= last:
        parts.append(
            f"<line x1='{x(deadline):.1f}' y1='{top}' x2='{x(deadline):.1f}' y2='{top + plot_h}' "
            "stroke='#888' stroke-dasharray='3 3'/>"
            f"<text x='{x(deadline) + 4:.1f}' y='{top + 12}' font-size='11' fill='#555' {FONT}>"
            f"1. januar {deadline}</text>"
        )
    parts.append(
        f"<line class='limit' x1='{left}' y1='{y(limit):.1f}' x2='{width - right}' "
        f"y2='{y(limit):.1f}' stroke='{LIMIT_COLOUR}' stroke-width='2' stroke-dasharray='8 4'/>"
        f"<text x='{width - right - 4}' y='{y(limit) - 6:.1f}' text-anchor='end' font-size='11' "
        f"fill='{LIMIT_COLOUR}' {FONT}>{limit * 100:.0f} %-grænsen (§ 168 a)</text>"
    )
    for target in targets:
        parts.append(
            f"<line class='target' x1='{left}' y1='{y(target):.1f}' x2='{width - right}' "
            f"y2='{y(target):.1f}' stroke='{TARGET_COLOUR}' stroke-width='1.5' "
            "stroke-dasharray='2 3'/>"
            f"<text x='{left + 4}' y='{y(target) + 14:.1f}' font-size='11' "
            f"fill='{TARGET_COLOUR}' {FONT}>{_pct(target)}: udviklingsplanens mål</text>"
        )
    coords = [(x(yr), y(s)) for yr, s in points if s is not None]
    if coords:
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{a:.1f},{b:.1f}" for i, (a, b) in enumerate(coords)
        )
        parts.append(
            f"<path class='share' d='{path}' fill='none' stroke='#1f5fbf' stroke-width='2.5'/>"
        )
        for (yr, s), (a, b) in zip([p for p in points if p[1] is not None], coords, strict=True):
            parts.append(
                f"<circle cx='{a:.1f}' cy='{b:.1f}' r='3' fill='#1f5fbf'>"
                f"<title>{yr}: {_pct(s)}</title></circle>"
            )
    parts.append(
        f"<line x1='{left}' y1='{top + plot_h}' x2='{width - right}' y2='{top + plot_h}' "
        "stroke='#444'/></svg>"
    )
    return "".join(parts)
