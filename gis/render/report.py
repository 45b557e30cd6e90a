"""The annual status report as a PDF: A4 portrait pages drawn with matplotlib (PdfPages).

Content (Danish): a generated summary of what is behind plan, the fremtidsbillede of the year
beside 2020 and 2030 (the static map renderer's own maps), the legal-share trajectory against
40 %, the timeline, progress per plan item and per department, rehousing, and the area
criteria when the criteria part provides them. Every page carries the reference-data note
and its page number.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch, Polygon  # noqa: E402
from sqlalchemy import Connection  # noqa: E402

from gis import law, record  # noqa: E402
from gis.criteria import areas_status  # noqa: E402
from gis.criteria.labels import STATUS_STYLE  # noqa: E402
from gis.monitoring.criteria import origin_da  # noqa: E402
from gis.monitoring.progress import ItemProgress  # noqa: E402
from gis.monitoring.status import AnnualStatus, annual_status  # noqa: E402
from gis.monitoring.summary import STATUS_DA, UNITS_DA, number, points  # noqa: E402
from gis.render import static  # noqa: E402
from gis.styles import REFERENCE_NOTE  # noqa: E402

A4 = (210 / 25.4, 297 / 25.4)
FONT = "DejaVu Sans"
MAP_DPI = 60
STATUS_COLOUR = {
    "not_due": "#757575",
    "on_plan": "#2e7d32",
    "ahead": "#1565c0",
    "behind": "#c62828",
}


@dataclass(frozen=True)
class RenderedReport:
    content: bytes
    filename: str
    pages: int


def _wrap(text: str, width: int) -> str:
    return static._wrap(text, width)


def _cut(text: str, n: int) -> str:
    """One table line: long text is cut, since a cell does not grow with wrapped lines."""
    return text if len(text) <= n else text[: n - 1] + "…"


def _page(title: str) -> Figure:
    fig = Figure(figsize=A4)
    fig.text(0.07, 0.955, title, fontsize=15, fontweight="bold", family=FONT, va="top")
    return fig


def _table(
    fig: Figure, rect, header: list[str], rows: list[list[str]], colours=None, size=7, widths=None
):
    ax = fig.add_axes(rect)
    ax.axis("off")
    if not rows:
        return ax
    t = ax.table(
        cellText=rows, colLabels=header, loc="upper left", cellLoc="left", colWidths=widths
    )
    t.auto_set_font_size(False)
    t.set_fontsize(size)
    t.scale(1, 1.25)
    for (r, _c), cell in t.get_celld().items():
        cell.set_linewidth(0.3)
        if r == 0:
            cell.set_facecolor("#eceff1")
            cell.get_text().set_fontweight("bold")
    if colours:
        last = len(header) - 1
        for r, colour in enumerate(colours, start=1):
            t[r, last].get_text().set_color(colour)
    return ax


def _summary_page(s: AnnualStatus, today: dt.date) -> Figure:
    fig = _page(f"Statusrapport {s.year}: {s.area.name}")
    fig.text(
        0.07,
        0.925,
        f"Udviklingsplanen for {s.area.name}, tilstand pr. 1. januar {s.year}. "
        f"Udarbejdet {today.isoformat()}.",
        fontsize=9,
        family=FONT,
        va="top",
    )
    y = 0.88
    fig.text(0.07, y, "Sammenfatning", fontsize=12, fontweight="bold", family=FONT, va="top")
    y -= 0.03
    for line in s.summary:
        wrapped = _wrap(line, 95)
        fig.text(0.08, y, "• " + wrapped, fontsize=8.5, family=FONT, va="top")
        y -= 0.018 * (wrapped.count("\n") + 1) + 0.006
    share = {t.year: t.total.legal_share for t in s.trajectory.years}
    y -= 0.02
    fig.text(0.07, y, "Nøgletal", fontsize=12, fontweight="bold", family=FONT, va="top")
    rows = [
        ["Andel almene familieboliger (§ 168 a)", _pct(share.get(s.year))],
        [f"Andel i {law.DEADLINE_YEAR} efter planen", _pct(share.get(law.DEADLINE_YEAR))],
    ]
    for t in s.targets:
        rows.append(
            [
                f"{t['name']} ({_pct(t['target'])}): afstand / nået første gang",
                f"{points(t['gap'])} / {t['first_year_met'] or '–'}",
            ]
        )
    for i in s.new_building + s.rehousing:
        mark = " (illustrativ)" if i.key in s.illustrative_items else ""
        rows.append(
            [
                i.title,
                f"{number(i.done_to_date)} af {number(i.planned_to_date)} {UNITS_DA[i.unit]}"
                + mark,
            ]
        )
    _table(fig, (0.07, y - 0.32, 0.86, 0.30), ["Nøgletal", f"pr. 1. januar {s.year}"], rows, size=8)
    return fig


def _pct(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.1f} %".replace(".", ",")


def _maps_page(conn: Connection, s: AnnualStatus, years: list[int]) -> Figure:
    fig = _page("Fremtidsbillede")
    slots = {
        years[1]: (0.04, 0.47, 0.92, 0.45),
        years[0]: (0.04, 0.13, 0.45, 0.32),
        years[2]: (0.51, 0.13, 0.45, 0.32),
    }
    for year, rect in slots.items():
        png = static.render_map(conn, s.area.slug, year, "png", dpi=MAP_DPI).content
        ax = fig.add_axes(rect)
        ax.imshow(mpimg.imread(io.BytesIO(png), format="png"))
        ax.set_axis_off()
        ax.set_title(f"{year}", fontsize=10, family=FONT)
    return fig


def _trajectory_page(s: AnnualStatus) -> Figure:
    fig = _page("Andel almene familieboliger mod 40 % og 38,4 %")
    ax = fig.add_axes((0.12, 0.64, 0.8, 0.26))
    pts = [(t.year, t.total.legal_share) for t in s.trajectory.years if t.total.legal_share]
    ax.plot([p[0] for p in pts], [p[1] * 100 for p in pts], marker="o", color="#1f5fbf")
    ax.axhline(law.MAX_LEGAL_SHARE * 100, color="#c62828", linestyle="--", label="40 %-grænsen")
    ax.axhline(
        law.PLAN_TARGET_SHARE * 100,
        color="#6a1b9a",
        linestyle=":",
        label="38,4 %: udviklingsplanens mål",
    )
    ax.axvline(s.year, color="#000", linestyle=":", label=f"1. januar {s.year}")
    ax.set_ylim(0, 100)
    ax.set_ylabel("Andel (%)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    rows = [
        [
            str(t.year),
            number(t.total.total_dwellings),
            number(t.total.dwellings["almen_family"]),
            _pct(t.total.legal_share),
            "ja" if t.total.compliant else "nej",
            "–"
            if t.total.legal_share is None
            else ("ja" if t.total.legal_share <= law.PLAN_TARGET_SHARE else "nej"),
        ]
        for t in s.trajectory.years
    ]
    _table(
        fig,
        (0.07, 0.43, 0.86, 0.15),
        ["Mål", "Andel", f"1. jan. {s.year}", "Afstand", f"1. jan. {law.DEADLINE_YEAR}", "Nået"],
        [
            [
                t["name"],
                _pct(t["target"]),
                _pct(t["share"]),
                points(t["gap"]),
                _pct(t["share_at_deadline"]),
                str(t["first_year_met"] or "–"),
            ]
            for t in s.targets
        ],
        size=7,
        widths=[0.34, 0.09, 0.12, 0.2, 0.13, 0.08],
    )
    _table(
        fig,
        (0.07, 0.08, 0.86, 0.32),
        ["År (1. januar)", "Boliger", "Almene familieboliger", "Andel", "≤ 40 %", "≤ 38,4 %"],
        rows,
        size=7,
    )
    return fig


def _gantt_page(s: AnnualStatus) -> Figure:
    fig = _page("Tidslinje 2020–2030")
    items = sorted(s.progress.items, key=lambda i: (not i.decided, i.start_year, i.end_year))
    ax = fig.add_axes((0.42, 0.06, 0.55, 0.84))
    for n, i in enumerate(items):
        share = min((i.done_to_date or 0) / i.planned_quantity, 1) if i.planned_quantity else 0
        width = i.end_year + 1 - i.start_year
        ax.barh(
            n,
            width,
            left=i.start_year,
            color="#cfd8dc",
            edgecolor="#546e7a",
            linestyle="-" if i.decided else "--",
            linewidth=0.6,
        )
        ax.barh(n, width * share, left=i.start_year, color=STATUS_COLOUR[i.status], alpha=0.8)
        label = ("" if i.decided else "(ikke besluttet) ") + i.title
        label += " (illustrativ)" if i.key in s.illustrative_items else ""
        ax.text(2019.8, n, _wrap(label, 48), ha="right", va="center", fontsize=6, family=FONT)
    ax.axvline(s.year, color="#000", linestyle=":")
    ax.set_xlim(2020, 2031)
    ax.set_ylim(len(items) - 0.5, -0.5)
    ax.set_yticks([])
    ax.set_xticks(range(2020, 2031))
    ax.tick_params(labelsize=7)
    ax.grid(axis="x", alpha=0.3)
    return fig


def _progress_rows(items: list[ItemProgress]) -> tuple[list[list[str]], list[str]]:
    rows = [
        [
            _cut(i.title, 56),
            f"{i.start_year}–{i.end_year}",
            "ja" if i.decided else "nej",
            number(i.done_to_date),
            number(i.planned_to_date),
            number(i.planned_quantity),
            UNITS_DA[i.unit],
            STATUS_DA[i.status],
        ]
        for i in items
    ]
    return rows, [STATUS_COLOUR[i.status] for i in items]


def _progress_page(s: AnnualStatus) -> Figure:
    fig = _page(f"Fremdrift pr. plan-punkt, 1. januar {s.year}")
    rows, colours = _progress_rows(s.progress.items)
    header = ["Indsats", "Periode", "Besl.", "Til dato", "Plan t.d.", "I alt", "Enhed", "Status"]
    widths = [0.36, 0.1, 0.05, 0.09, 0.09, 0.09, 0.08, 0.14]
    _table(fig, (0.04, 0.05, 0.92, 0.87), header, rows, colours, size=6, widths=widths)
    return fig


def _departments_page(s: AnnualStatus) -> Figure:
    fig = _page("Afdelinger og genhusning")
    fig.text(
        0.07,
        0.915,
        "Nedrivning og renovering pr. afdeling (boliger)",
        fontsize=10,
        fontweight="bold",
        family=FONT,
        va="top",
    )
    rows = []
    for d in s.departments:
        row = [d.department, d.organisation or "–"]
        for i in (d.demolition, d.renovation):
            row += [number(i.done_to_date), number(i.planned_to_date)] if i else ["–", "–"]
        rows.append(row)
    header = ["Afdeling", "Org.", "Nedrevet", "Plan t.d.", "Renoveret", "Plan t.d."]
    _table(fig, (0.07, 0.70, 0.86, 0.2), header, rows, size=8)

    fig.text(
        0.07,
        0.66,
        "Genhusning pr. boligorganisation (husstande)",
        fontsize=10,
        fontweight="bold",
        family=FONT,
        va="top",
    )
    rows = [
        [i.title, number(i.done_to_date), number(i.planned_to_date), number(i.planned_quantity)]
        for i in s.rehousing
    ]
    header = ["Indsats", "Genhuset", "Mål t.d.", "Mål i alt"]
    _table(fig, (0.07, 0.55, 0.86, 0.1), header, rows, widths=[0.55, 0.15, 0.15, 0.15])
    fig.text(
        0.07,
        0.53,
        "Genhusningstallene er illustrative, ikke indberettede.",
        fontsize=7,
        style="italic",
        family=FONT,
        va="top",
    )

    return fig


def _criteria_page(s: AnnualStatus) -> Figure:
    years = s.criteria.years
    span = f" {years[0]['year']}–{years[-1]['year']}" if years else ""
    fig = _page(f"Områdekriterier og listestatus{span}")
    if s.criteria.unavailable:
        fig.text(0.07, 0.9, s.criteria.unavailable, fontsize=9, family=FONT, va="top")
        return fig
    rows, colours = [], []
    for c in years:
        status = c["status"] + (" (illustrativ)" if c["illustrative"] else "")
        met = ", ".join(c["met"]) if c["values"] is not None else "ingen indikatorværdier"
        rows.append(
            [
                str(c["year"]),
                _wrap(status, 26),
                _wrap(origin_da(c), 36),
                _wrap(met, 78),
            ]
        )
        colours.append("#8d6e00" if c["illustrative"] else "#000000")
    ax = _table(
        fig,
        (0.05, 0.12, 0.9, 0.8),
        ["År", "Status", "Kilde", "Opfyldte kriterier"],
        rows,
        size=6.5,
        widths=[0.05, 0.19, 0.25, 0.51],
    )
    table = ax.tables[0] if ax.tables else None
    if table is not None:
        for r, colour in enumerate(colours, start=1):
            lines = max(str(table[r, k].get_text().get_text()).count("\n") for k in range(4))
            for k in range(4):
                table[r, k].set_height(table[r, k].get_height() * (1 + lines * 0.6))
                table[r, k].get_text().set_color(colour)
    fig.text(
        0.07,
        0.085,
        _wrap(
            "Illustrativ: værdierne er opfundet til demonstration, ikke offentliggjorte tal "
            "(markeret og i brun). Kun Vollsmoses værdier for 2012 (listen pr. 1.10.2012, "
            "seed 000/002) og 2019 (Ghettolisten 2019, Realiseringsplanen) er offentliggjorte; "
            "for 2010–2014 følger status af planens oplysning om, at Vollsmose har været på "
            "listen siden den første liste i 2010. År uden tal står som 'ingen "
            "indikatorværdier', aldrig med opfundne tal.",
            120,
        ),
        fontsize=7,
        style="italic",
        family=FONT,
        va="top",
    )
    return fig


def _rehousing_page(conn: Connection, s: AnnualStatus) -> Figure:
    """Rehousing across Odense (households by year and organisation, where they moved, the
    list rule) and the replacement dwellings, with a vector map of Odense."""
    fig = _page("Genhusning i Odense og erstatningsboliger")
    rep, reh = s.replacement, s.odense_rehousing
    rows = []
    for y in reh["years"] if reh else []:
        if y["year"] >= s.year or (y["recorded"] is None and not y["destinations"]):
            continue
        where = "; ".join(
            f"{d['name']} "
            + (f"under {reh['suppress_below']}" if d["suppressed"] else str(d["households"]))
            for d in y["destinations"]
        )
        rows.append(
            [
                str(y["year"]),
                (y["organisation"] or "") + (" (illustrativ)" if y["illustrative"] else ""),
                number(y["planned"]),
                f"under {reh['suppress_below']}" if y["suppressed"] else number(y["recorded"]),
                _wrap(where or "–", 62),
                "overtrådt" if y["rule_breached"] else "overholdt",
            ]
        )
    fig.text(
        0.07,
        0.915,
        f"Genhusede husstande pr. år mod planen, og hvor de flyttede hen (før 1. januar {s.year})",
        fontsize=10,
        fontweight="bold",
        family=FONT,
        va="top",
    )
    ax = _table(
        fig,
        (0.05, 0.6, 0.9, 0.3),
        ["År", "Org.", "Mål", "Indb.", "Flyttet til (husstande)", "Regel"],
        rows,
        size=6,
        widths=[0.06, 0.16, 0.06, 0.06, 0.54, 0.12],
    )
    if ax.tables:
        t = ax.tables[0]
        for r in range(1, len(rows) + 1):
            lines = str(t[r, 4].get_text().get_text()).count("\n")
            for k in range(6):
                t[r, k].set_height(t[r, k].get_height() * (1 + lines * 0.8))
            if rows[r - 1][5] == "overtrådt":
                t[r, 5].get_text().set_color("#c62828")
    if rep:
        fig.text(
            0.07,
            0.5,
            _wrap(
                f"Nye almene boliger andre steder i Odense: {number(rep['built_to_date'])} taget "
                f"i brug før 1. januar {s.year} af planens {number(rep['target'])}; nedrevet i "
                f"{s.area.name} til dato: {number(rep['demolished_to_date'])}.",
                100,
            ),
            fontsize=8.5,
            family=FONT,
            va="top",
        )
        _odense_map(conn, fig, (0.07, 0.1, 0.5, 0.32), s, rep)
        prows = [
            [
                _cut(p["name"].replace("Almene familieboliger, ", ""), 18),
                str(p["year"]),
                number(p["dwellings"]),
                "ja" if p["decided"] else "nej",
            ]
            for p in rep["projects"]
        ]
        _table(fig, (0.6, 0.1, 0.35, 0.32), ["Projekt", "År", "Boliger", "Besl."], prows, size=6)
    fig.text(
        0.07,
        0.075,
        _wrap(
            "Illustrativt: genhusningstal, modtagende områder og erstatningsbyggerier er "
            "opfundet til demonstration; planens mål er fra Realiseringsplanen. Tal under "
            f"{reh['suppress_below'] if reh else 5} vises ikke. En flytning kontrolleres mod "
            "listen offentliggjort året før; udsatte områder og forebyggelsesområder må ikke "
            "modtage genhusede.",
            120,
        ),
        fontsize=7,
        style="italic",
        family=FONT,
        va="top",
    )
    return fig


def _odense_map(conn: Connection, fig: Figure, rect, s: AnnualStatus, rep: dict) -> None:
    """Vector map: the monitored areas by list status, the projects as circles by size."""
    colour = {k: st["colour"] for st in STATUS_STYLE for k in st["keys"]}
    label = {k: st["label"] for st in STATUS_STYLE for k in st["keys"]}
    ax = fig.add_axes(rect)
    found = areas_status(conn, s.year - 1)
    shown = sorted({a["status_key"] for a in found})
    handles = [
        Patch(facecolor=colour.get(k, "#cccccc"), edgecolor="#333", label=label.get(k, k))
        for k in shown
    ] + [Line2D([], [], marker="o", linestyle="", color="#1f5fbf", label="erstatningsbyggeri")]
    for a in found:
        for poly in a["geometry"]["coordinates"]:
            ax.add_patch(
                Polygon(
                    poly[0],
                    closed=True,
                    facecolor=colour.get(a["status_key"], "#cccccc"),
                    edgecolor="#333",
                    linewidth=0.4,
                )
            )
    for p in rep["projects"]:
        ax.scatter(
            p["lon"],
            p["lat"],
            s=p["dwellings"] / 2,
            facecolor="#1f5fbf55",
            edgecolor="#1f5fbf",
            linestyle="-" if p["decided"] else "--",
        )
    ax.set_xlim(10.28, 10.52)
    ax.set_ylim(55.32, 55.445)
    ax.set_aspect(1 / 0.568)  # cos(55.4°): metres east and north alike
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(handles=handles, fontsize=5, loc="lower left", frameon=True)
    ax.set_title(
        f"Odense: erstatningsboliger (cirkler) og listestatus {s.year - 1}",
        fontsize=7,
        family=FONT,
    )


def render_report(
    conn: Connection, area: str, year: int, *, today: dt.date | None = None
) -> RenderedReport:
    """The annual status report of `area` for the state of 1 January `year`, as A4 PDF."""
    s = annual_status(conn, area, year)
    version = record.shown(conn).label_da()
    today = today or dt.date.today()
    map_years = [2020, year, 2030] if year not in (2020, 2030) else [2020, 2025, 2030]
    builders: list[Callable[[], Figure]] = [
        lambda: _summary_page(s, today),
        lambda: _maps_page(conn, s, map_years),
        lambda: _trajectory_page(s),
        lambda: _gantt_page(s),
        lambda: _progress_page(s),
        lambda: _departments_page(s),
        lambda: _criteria_page(s),
        lambda: _rehousing_page(conn, s),
    ]
    buf = io.BytesIO()
    with PdfPages(
        buf,
        metadata={
            "Title": f"Statusrapport {year} – {s.area.name}" + (f" – {version}" if version else ""),
            "Subject": REFERENCE_NOTE,
            "Creator": "Fremtidens Vollsmose",
        },
    ) as pdf:
        for n, build in enumerate(builders, start=1):
            fig = build()
            fig.text(
                0.07, 0.02, _wrap(REFERENCE_NOTE, 110), fontsize=6.5, family=FONT, color="#555"
            )
            fig.text(
                0.93, 0.02, f"Side {n} af {len(builders)}", fontsize=7, ha="right", family=FONT
            )
            if version:
                # Another version than the adopted plan now: on every page, in red.
                fig.text(0.93, 0.975, version, fontsize=8, ha="right", family=FONT, color="#b3261e")
            pdf.savefig(fig)
    return RenderedReport(buf.getvalue(), f"statusrapport-{s.area.slug}-{year}.pdf", len(builders))
