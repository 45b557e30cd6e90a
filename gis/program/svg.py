"""The program's two drawings, server-rendered SVG as the platform's other charts
(`gis.render.charts`): the dependency graph and the employment track. Danish labels."""

from __future__ import annotations

import math
from html import escape

FONT = "font-family='DejaVu Sans, Arial, sans-serif'"
DEPENDENCY, SYNERGY = "#b2182b", "#6a8caf"
ACTUAL, TARGET, REST = "#1b5e20", "#555555", "#1565c0"
ILLUSTRATIVE_DA = "Illustrativt: tal markeret illustrativt er opfundet til demonstration"


def graph_svg(graph: dict, size: int = 420) -> str:
    """The ten delprogrammer on a circle, numbered as in the plan: a dependency as a red
    arrow to the delprogram waited for, a synergy as a dashed blue line."""
    nodes = graph["nodes"]
    cx = cy = size / 2
    r, node_r = size / 2 - 40, 17
    pos = {}
    for i, n in enumerate(nodes):
        a = -math.pi / 2 + 2 * math.pi * i / max(len(nodes), 1)
        pos[n["slug"]] = (cx + r * math.cos(a), cy + r * math.sin(a))
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='program-graph' width='{size}' "
        f"height='{size + 40}' viewBox='0 0 {size} {size + 40}' role='img' "
        "aria-label='Afhængigheder og synergier mellem delprogrammerne'>",
        "<defs><marker id='pil' viewBox='0 0 10 10' refX='9' refY='5' markerWidth='7' "
        f"markerHeight='7' orient='auto-start-reverse'><path d='M0 0 L10 5 L0 10 z' "
        f"fill='{DEPENDENCY}'/></marker></defs>",
    ]
    names = {n["slug"]: n for n in nodes}
    pairs = {(e["from"], e["to"]) for e in graph["edges"] if e["kind"] == "dependency"}
    for e in sorted(graph["edges"], key=lambda e: e["kind"] == "dependency"):
        (x1, y1), (x2, y2) = pos[e["from"]], pos[e["to"]]
        d = math.hypot(x2 - x1, y2 - y1) or 1
        ux, uy = (x2 - x1) / d, (y2 - y1) / d
        x1, y1 = x1 + ux * node_r, y1 + uy * node_r
        x2, y2 = x2 - ux * (node_r + 2), y2 - uy * (node_r + 2)
        if e["kind"] == "dependency" and (e["to"], e["from"]) in pairs:
            # Both ways (5 and 7, 6 and 7): each arrow beside the other, not on top of it.
            x1, y1, x2, y2 = x1 - uy * 4, y1 + ux * 4, x2 - uy * 4, y2 + ux * 4
        a, b = names[e["from"]]["name"], names[e["to"]]["name"]
        if e["kind"] == "dependency":
            title = f"{a} afhænger af {b}" + (" (mindre)" if e["strength"] == "minor" else "")
            dash = " stroke-dasharray='2 3'" if e["strength"] == "minor" else ""
            style = f"stroke='{DEPENDENCY}' stroke-width='2'{dash} marker-end='url(#pil)'"
        else:
            title = f"Synergi: {a} og {b}"
            style = f"stroke='{SYNERGY}' stroke-width='1.2' stroke-dasharray='5 4'"
        parts.append(
            f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' {style}>"
            f"<title>{escape(title)}</title></line>"
        )
    for n in nodes:
        x, y = pos[n["slug"]]
        parts.append(
            f"<g class='node'><title>{n['number']}. {escape(n['name'])}</title>"
            f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{node_r}' fill='#fff' stroke='#333' "
            "stroke-width='1.5'/>"
            f"<text x='{x:.1f}' y='{y + 5:.1f}' text-anchor='middle' font-size='14' "
            f"font-weight='bold' {FONT}>{n['number']}</text></g>"
        )
    y0 = size + 12
    parts.append(
        f"<line x1='10' y1='{y0}' x2='40' y2='{y0}' stroke='{DEPENDENCY}' stroke-width='2' "
        f"marker-end='url(#pil)'/><text x='46' y='{y0 + 4}' font-size='11' {FONT}>"
        "afhænger af (prikket: mindre afhængighed)</text>"
        f"<line x1='10' y1='{y0 + 20}' x2='40' y2='{y0 + 20}' stroke='{SYNERGY}' "
        f"stroke-width='1.2' stroke-dasharray='5 4'/><text x='46' y='{y0 + 24}' "
        f"font-size='11' {FONT}>synergi</text></svg>"
    )
    return "".join(parts)


def _nice(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k at or above x: a round top for an axis."""
    if x <= 0:
        return 1.0
    k = 10 ** math.floor(math.log10(x))
    return next(m * k for m in (1, 2, 2.5, 5, 10) if m * k >= x)


def _fmt(x: float) -> str:
    return f"{x:,.0f}".replace(",", ".")


def employment_svg(track: dict, width: int = 640, height: int = 300) -> str:
    """The excess on public support against the plan's target, year by year (end of year),
    and the share in Vollsmose against the rest of Odense with the list's 40 %."""
    years = [y["year"] for y in track["years"]]
    left, right, top, bottom, gap = 56, 16, 30, 40, 70
    panel_w = (width - left - right - gap) / 2
    plot_h = height - top - bottom
    x_step = panel_w / max(len(years) - 1, 1)

    def px(i: int, panel: int) -> float:
        return left + panel * (panel_w + gap) + i * x_step

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='chart employment-chart' "
        f"width='{width}' height='{height}' viewBox='0 0 {width} {height}' role='img' "
        "aria-label='Beskæftigelsessporet: offentligt forsørgede mod planens mål'>"
    ]

    def panel(p: int, title: str, series: list[tuple[str, str, list, bool]], top_value: float):
        def py(v: float) -> float:
            return top + plot_h - plot_h * v / top_value

        x0 = px(0, p)
        parts.append(
            f"<text x='{x0}' y='16' font-size='12' font-weight='bold' {FONT}>"
            f"{escape(title)}</text>"
            f"<line x1='{x0}' y1='{top + plot_h}' x2='{x0 + panel_w}' y2='{top + plot_h}' "
            "stroke='#444'/>"
            f"<line x1='{x0}' y1='{top}' x2='{x0}' y2='{top + plot_h}' stroke='#444'/>"
            f"<text x='{x0 - 4}' y='{top + 4}' text-anchor='end' font-size='10' {FONT}>"
            f"{_fmt(top_value)}</text>"
            f"<text x='{x0 - 4}' y='{top + plot_h}' text-anchor='end' font-size='10' "
            f"{FONT}>0</text>"
        )
        for i, y in enumerate(years):
            if i % 3 == 0 or i == len(years) - 1:
                parts.append(
                    f"<text x='{px(i, p):.1f}' y='{top + plot_h + 14}' text-anchor='middle' "
                    f"font-size='10' {FONT}>{y}</text>"
                )
        for colour, dash, points, dots in series:
            pts = [(px(i, p), py(v)) for i, v in points if v is not None]
            if len(pts) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
                parts.append(
                    f"<polyline points='{path}' fill='none' stroke='{colour}' "
                    f"stroke-width='2'{dash}/>"
                )
            if dots:
                for x, y in pts:
                    parts.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3' fill='{colour}'/>")

    rows = track["years"]

    def actual(field: str) -> list:
        return [(i, (r[field]["actual"] or {}).get("value")) for i, r in enumerate(rows)]

    def target(field: str) -> list:
        return [
            (i, r[field]["targets"][0]["value"] if r[field]["targets"] else None)
            for i, r in enumerate(rows)
        ]

    excess = [v for _, v in actual("excess") + target("excess") if v is not None]
    panel(
        0,
        "Forsørgede ud over Odense-niveau",
        [
            (TARGET, " stroke-dasharray='5 4'", target("excess"), False),
            (ACTUAL, "", actual("excess"), True),
        ],
        _nice(max(excess + [1])),
    )
    shares = [
        v for _, v in actual("share_vollsmose") + actual("share_rest_of_odense") if v is not None
    ]
    # Shares in Vollsmose have stayed under 60 %: that top keeps the 40 % line readable.
    top_share = 60.0 if max(shares, default=0) <= 60 else _nice(max(shares))
    panel(
        1,
        "Andel på offentlig forsørgelse, %",
        [
            (ACTUAL, "", actual("share_vollsmose"), True),
            (REST, "", actual("share_rest_of_odense"), True),
        ],
        top_share,
    )
    # The list's 40 % on the right panel, the milestone of December 2024.
    y40 = top + plot_h - plot_h * 40 / top_share
    x1 = px(0, 1)
    parts.append(
        f"<line x1='{x1}' y1='{y40:.1f}' x2='{x1 + panel_w}' y2='{y40:.1f}' stroke='#d7191c' "
        f"stroke-dasharray='3 3'/><text x='{x1 + panel_w}' y='{y40 - 4:.1f}' "
        f"text-anchor='end' font-size='10' fill='#d7191c' {FONT}>40 % (listen)</text>"
    )
    ly = height - 12
    legend = [
        (ACTUAL, "", "Vollsmose (faktisk)"),
        (TARGET, " stroke-dasharray='5 4'", "planens mål"),
        (REST, "", "det øvrige Odense"),
    ]
    x = left
    for colour, dash, label in legend:
        parts.append(
            f"<line x1='{x}' y1='{ly - 4}' x2='{x + 22}' y2='{ly - 4}' stroke='{colour}' "
            f"stroke-width='2'{dash}/><text x='{x + 27}' y='{ly}' font-size='11' {FONT}>"
            f"{label}</text>"
        )
        x += 27 + 8 * len(label) + 18
    if track["illustrative"]:
        parts.append(
            f"<text x='{width - right}' y='{ly}' text-anchor='end' font-size='10' "
            f"font-style='italic' {FONT}>Illustrative tal</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
