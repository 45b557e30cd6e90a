"""The annual status report as a PDF the Realiseringsbestyrelse can send to Transport- og
Boligministeriet: A4 pages drawn with matplotlib (PdfPages), in Danish.

In order: a title page with the contents, the summary, the legal share against 40 % and
38.4 % with the year each is first met, each delprogram's indicators and milestones with
their status and, where one is behind, the planner's explanation (gis.monitoring.texts),
progress per plan item (explained where behind), the decisions taken and the earlier years'
texts as history, departments and rehousing, rehousing across Odense and the replacement
dwellings, the area criteria, full-page maps of the year and of 2030, the timeline with its
colour key, the provenance notes and a sign-off block.

The maps are the print maps themselves (`gis.render.static.render_map` as PDF, vector paths
and text, no raster image), placed on A4 landscape pages with pypdf. Text that may run long
(titles, explanations) is wrapped in flowing tables (`Flow`) that continue on the next page,
never cut. Every page carries the reference-data note and its page number.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch, Polygon, Rectangle  # noqa: E402
from pypdf import PdfReader, PdfWriter  # noqa: E402
from pypdf.generic import (  # noqa: E402
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
)
from sqlalchemy import Connection  # noqa: E402

from gis import law, record, styles  # noqa: E402
from gis.criteria import areas_status  # noqa: E402
from gis.criteria.labels import STATUS_STYLE  # noqa: E402
from gis.monitoring.criteria import origin_da  # noqa: E402
from gis.monitoring.status import AnnualStatus, annual_status  # noqa: E402
from gis.monitoring.summary import STATUS_DA, UNITS_DA, number, points  # noqa: E402
from gis.monitoring.texts import for_report  # noqa: E402
from gis.program import labels as program_labels  # noqa: E402
from gis.program import query as program_query  # noqa: E402
from gis.render import static  # noqa: E402
from gis.styles import DATA_SOURCE, REFERENCE_NOTE, danish  # noqa: E402

A4 = (210 / 25.4, 297 / 25.4)
A4_LANDSCAPE = (A4[1], A4[0])
FONT = "DejaVu Sans"
POINTS = 72
# The print map (A3 landscape) on an A4 landscape page, a margin left for the page's footer.
MAP_SCALE = 0.66
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
    ax = fig.add_axes((0.42, 0.16, 0.55, 0.75))
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
    ax.set_ylim(max(len(items), 1) - 0.5, -0.5)
    ax.set_yticks([])
    ax.set_xticks(range(2020, 2031))
    ax.tick_params(labelsize=7)
    ax.grid(axis="x", alpha=0.3)
    _gantt_key(fig, s)
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


# ---- flowing pages: headings, paragraphs and tables that wrap and continue -------------

LEFT, RIGHT, TOP, BOTTOM = 0.07, 0.93, 0.915, 0.06
# DejaVu Sans's mean character width, in ems: a cell wraps at the characters that fit.
CHAR_EM = 0.56


def _line(size: float) -> float:
    """The height of one line of `size` points, as a fraction of an A4 portrait page."""
    return size * 1.3 / POINTS / A4[1]


class Flow:
    """Pages of one section, filled top to bottom; what does not fit goes on a new page
    (a table repeats its header there). Nothing is cut: cells wrap to their column."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.pages: list[Figure] = []
        self._new()

    def _new(self) -> None:
        self.fig = _page(self.title + (" (fortsat)" if self.pages else ""))
        self.pages.append(self.fig)
        self.y = TOP

    def _room(self, height: float) -> None:
        if self.y - height < BOTTOM and self.y < TOP:
            self._new()

    def space(self, height: float = 0.01) -> None:
        self.y -= height

    def heading(self, text: str, size: float = 11) -> None:
        self._room(_line(size) + 0.06)  # keep a heading with what follows it
        self.fig.text(LEFT, self.y, text, fontsize=size, fontweight="bold", family=FONT, va="top")
        self.y -= _line(size) + 0.006

    def paragraph(
        self, text: str, size: float = 8, *, indent: float = 0, style: str = "normal", colour="#000"
    ) -> None:
        width = int((RIGHT - LEFT - indent) * A4[0] * POINTS / (size * CHAR_EM))
        for chunk in text.split("\n"):
            lines = _wrap(chunk, width).split("\n")
            self._room(len(lines) * _line(size))
            self.fig.text(
                LEFT + indent,
                self.y,
                "\n".join(lines),
                fontsize=size,
                family=FONT,
                va="top",
                style=style,
                color=colour,
                linespacing=1.15,
            )
            self.y -= len(lines) * _line(size) + 0.003

    def table(
        self,
        header: list[str],
        rows: list[list[str]],
        widths: list[float],
        *,
        size: float = 7,
        colours: list[str | None] | None = None,
    ) -> None:
        """`widths`: the columns' shares of the text width; `colours`: per row, the colour of
        its last cell (a status)."""
        total = RIGHT - LEFT
        xs = [LEFT + total * sum(widths[:k]) for k in range(len(widths))]
        chars = [max(int(w * total * A4[0] * POINTS / (size * CHAR_EM)) - 1, 4) for w in widths]
        pad = 0.004

        def draw(cells: list[str], bold: bool, colour: str | None) -> None:
            wrapped = [_wrap(str(c), n) for c, n in zip(cells, chars, strict=True)]
            lines = max(w.count("\n") + 1 for w in wrapped)
            height = lines * _line(size) + 2 * pad
            self._room(height + (0 if bold else _line(size) + 2 * pad))
            if bold:
                self.fig.add_artist(
                    Rectangle(
                        (LEFT, self.y - height),
                        total,
                        height,
                        color="#eceff1",
                        zorder=0,
                        transform=self.fig.transFigure,
                    )
                )
            for k, (x, cell) in enumerate(zip(xs, wrapped, strict=True)):
                last = k == len(wrapped) - 1
                self.fig.text(
                    x + 0.004,
                    self.y - pad,
                    cell,
                    fontsize=size,
                    family=FONT,
                    va="top",
                    fontweight="bold" if bold else "normal",
                    color=colour if (last and colour) else "#000",
                    linespacing=1.15,
                )
            self.y -= height
            self.fig.add_artist(
                Line2D([LEFT, RIGHT], [self.y, self.y], linewidth=0.3, color="#90a4ae")
            )

        draw(header, True, None)
        for n, row in enumerate(rows):
            if self.y - _line(size) - 2 * pad < BOTTOM:
                self._new()
                draw(header, True, None)
            draw(row, False, colours[n] if colours else None)
        self.y -= 0.008


# ---- the title page, the program, progress, decisions -----------------------------------


def _title_page(s: AnnualStatus, today: dt.date, version: str, contents: list) -> Figure:
    fig = Figure(figsize=A4)
    fig.add_artist(Rectangle((0, 0.78), 1, 0.22, color="#1f3a5f", transform=fig.transFigure))
    fig.text(0.08, 0.94, "Fremtidens Vollsmose", fontsize=13, color="white", family=FONT)
    fig.text(
        0.08,
        0.87,
        f"Statusrapport {s.year}",
        fontsize=30,
        fontweight="bold",
        color="white",
        family=FONT,
    )
    fig.text(
        0.08, 0.815, f"Udviklingsplanen for {s.area.name}", fontsize=14, color="white", family=FONT
    )
    lines = [
        "Afrapportering fra Realiseringsbestyrelsen til Transport- og Boligministeriet",
        "om status på den lovbestemte udviklingsplan (almenboligloven § 168 a).",
        "",
        f"Tilstand pr. 1. januar {s.year}; året, der afrapporteres: {s.year - 1}.",
        f"Udarbejdet {today.isoformat()} af Fremtidens Vollsmose-platformen.",
    ]
    if version:
        lines.append(version)
    fig.text(0.08, 0.74, "\n".join(lines), fontsize=10, family=FONT, va="top", linespacing=1.5)
    fig.text(0.08, 0.54, "Indhold", fontsize=13, fontweight="bold", family=FONT, va="top")
    y = 0.5
    for title, page in contents:
        fig.text(0.1, y, title, fontsize=9.5, family=FONT, va="top")
        fig.text(0.86, y, str(page), fontsize=9.5, family=FONT, va="top", ha="right")
        fig.add_artist(Line2D([0.1, 0.86], [y - 0.017, y - 0.017], lw=0.2, color="#b0bec5"))
        y -= 0.024
    return fig


def _explained(flow: Flow, text: dict | None, behind: bool, indent: float = 0.02) -> None:
    if text:
        by = text["author"] or text["author_role"]
        flow.paragraph(
            f"Forklaring ({by}, {styles.danish_date(text['written_at'])}): " + text["text"],
            7.5,
            indent=indent,
        )
    elif behind:
        flow.paragraph(
            "Forklaring mangler: planlæggerne har ikke skrevet, hvorfor det er bagud.",
            7.5,
            indent=indent,
            style="italic",
            colour="#c62828",
        )


def _earlier(flow: Flow, history: list[dict], subject: str) -> None:
    for t in history:
        if t["kind"] == "explanation" and t["subject"] == subject:
            flow.paragraph(
                f"Forklaring i rapporten {t['year']}: {t['text']}",
                7,
                indent=0.02,
                style="italic",
                colour="#455a64",
            )


COMPARISON_DA = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}


def _target_text(t: dict, unit: str) -> str:
    kind = program_labels.KIND.get(t["kind"], t["kind"])
    mark = " (illustrativt)" if t["illustrative"] else ""
    value = program_labels.number(t["value"], unit)
    return f"{kind} {t['year']}: {COMPARISON_DA[t['comparison']]} {value}{mark}"


def _indicator_rows(ind: dict, year: int) -> tuple[list[str], str, bool]:
    """The indicator as of the report: values of the years before `year` (the program's
    years are ends of years, the report's state is 1 January `year`)."""
    values = [v for v in ind["values"] if v["year"] < year]
    a = program_query.assess(ind["better"], values, ind["targets"])
    latest = a["latest"]
    if latest is None:
        shown = "ingen data"
    elif latest["suppressed"]:
        shown = f"{latest['year']}: undertrykt (under 5)"
    else:
        mark = " (illustrativt)" if latest["provenance"] == "illustrative" else ""
        shown = f"{latest['year']}: {program_labels.number(latest['value'], ind['unit'])}{mark}"
    targets = "; ".join(_target_text(t, ind["unit"]) for t in ind["targets"]) or "–"
    status = program_labels.STATUS.get(a["status"], a["status"])
    trend = program_labels.TREND.get(a["trend"], "–")
    behind = a["status"] == "not_met"
    colour = {"met": "#2e7d32", "not_met": "#c62828"}.get(a["status"], "#555555")
    return [ind["name"], shown, targets, trend, status], colour, behind


def _program_flow(
    conn: Connection, s: AnnualStatus, texts: dict, programs: list[dict]
) -> list[Figure]:
    flow = Flow(f"Delprogrammer: indikatorer og milepæle pr. 1. januar {s.year}")
    if not programs:
        flow.paragraph(f"{s.area.name} har ingen udviklingsplan med delprogrammer i platformen.", 9)
        return flow.pages
    indsatser = program_query.indsatser_by_slug(conn)
    flow.paragraph(
        "Hver indikators seneste værdi før 1. januar, dens mål og delmål (milepæle), status i "
        "den seneste værdis år og tendensen. Hvor en indikator er bagud, står planlæggernes "
        "forklaring; tidligere års forklaringer står som historik. "
        + program_labels.ILLUSTRATIVE_DA,
        7.5,
        style="italic",
    )
    for d in programs:
        flow.heading(f"{d['number']}. {d['name']}", 10.5)
        done = indsatser.get(d["slug"], [])
        statuses = {}
        for i in done:
            label = program_labels.INDSATS_STATUS.get(i["status"], i["status"])
            statuses[label] = statuses.get(label, 0) + 1
        flow.paragraph(
            f"Omfang: {program_labels.SCOPE.get(d['scope'], d['scope'])}. Udvalg: "
            f"{', '.join(d['committees']) or '–'}. Indsatser: {len(done)} "
            f"({sum(1 for i in done if i['decided'])} besluttede; "
            + ", ".join(f"{n} {k}" for k, n in sorted(statuses.items()))
            + ").",
            7.5,
        )
        rows, colours, notes = [], [], []
        for ind in d["indicators"]:
            row, colour, behind = _indicator_rows(ind, s.year)
            rows.append(row)
            colours.append(colour)
            notes.append((ind, behind))
        flow.table(
            ["Indikator", "Seneste værdi", "Mål og delmål", "Tendens", "Status"],
            rows,
            [0.34, 0.17, 0.29, 0.08, 0.12],
            size=6.5,
            colours=colours,
        )
        for ind, behind in notes:
            text = texts["explanations"].get(ind["key"])
            if behind or text:
                flow.paragraph(ind["name"], 7.5, indent=0.01)
                _explained(flow, text, behind)
            _earlier(flow, texts["history"], ind["key"])
    return flow.pages


def _progress_flow(s: AnnualStatus, texts: dict) -> list[Figure]:
    flow = Flow(f"Fremdrift pr. plan-punkt, 1. januar {s.year}")
    rows, colours = [], []
    for i in s.progress.items:
        mark = " (illustrativ)" if i.key in s.illustrative_items else ""
        rows.append(
            [
                i.title + mark,
                f"{i.start_year}–{i.end_year}",
                "ja" if i.decided else "nej",
                number(i.done_to_date),
                number(i.planned_to_date),
                number(i.planned_quantity),
                UNITS_DA[i.unit],
                STATUS_DA[i.status],
            ]
        )
        colours.append(STATUS_COLOUR[i.status])
    flow.table(
        ["Indsats", "Periode", "Besl.", "Til dato", "Plan t.d.", "I alt", "Enhed", "Status"],
        rows,
        [0.36, 0.1, 0.06, 0.09, 0.09, 0.09, 0.09, 0.12],
        size=6.5,
        colours=colours,
    )
    explained = [
        i for i in s.progress.items if i.status == "behind" or i.key in texts["explanations"]
    ]
    if explained:
        flow.heading("Forklaringer, hvor det er bagud", 10)
    for i in explained:
        flow.paragraph(f"{i.title} ({STATUS_DA[i.status]})", 7.5, indent=0.01)
        _explained(flow, texts["explanations"].get(i.key), i.status == "behind")
        _earlier(flow, texts["history"], i.key)
    return flow.pages


def _decisions_flow(s: AnnualStatus, texts: dict, names: dict[str, str]) -> list[Figure]:
    flow = Flow(f"Beslutninger truffet i {s.year - 1}")
    decisions = texts["decisions"]
    if decisions:
        flow.table(
            ["Dato", "Beslutning", "Indhold", "Skrevet af"],
            [
                [
                    styles.danish_date(t["decided_on"]),
                    t["title"],
                    t["text"],
                    f"{t['author'] or t['author_role']}, {styles.danish_date(t['written_at'])}",
                ]
                for t in decisions
            ],
            [0.15, 0.23, 0.42, 0.20],
            size=7,
        )
    else:
        flow.paragraph(
            f"Der er ikke registreret beslutninger til rapporten for {s.year}.",
            8.5,
            style="italic",
        )
    flow.heading("Historik: tidligere rapporters forklaringer og beslutninger", 10)
    history = texts["history"]
    if not history:
        flow.paragraph("Ingen tidligere rapporter har tekster fra planlæggerne.", 8, style="italic")
        return flow.pages
    rows = []
    for t in history:
        if t["kind"] == "decision":
            what = f"Beslutning {styles.danish_date(t['decided_on'])}: {t['title']}"
        elif t["kind"] == "explanation":
            what = f"Forklaring: {names.get(t['subject'], t['subject'])}"
        else:
            continue
        rows.append([str(t["year"]), what, t["text"]])
    flow.table(["Rapport", "Emne", "Tekst"], rows, [0.09, 0.33, 0.58], size=7)
    return flow.pages


def _gantt_key(fig: Figure, s: AnnualStatus) -> None:
    """The timeline's colour key: what each colour, edge and line means."""
    handles = [
        Patch(facecolor=STATUS_COLOUR[k], alpha=0.8, label=f"Udført andel: {STATUS_DA[k]}")
        for k in ("on_plan", "ahead", "behind", "not_due")
    ] + [
        Patch(facecolor="#cfd8dc", edgecolor="#546e7a", label="Planlagt periode (besluttet)"),
        Patch(
            facecolor="#cfd8dc",
            edgecolor="#546e7a",
            linestyle="--",
            label="Planlagt periode (ikke besluttet)",
        ),
        Line2D([], [], color="#000", linestyle=":", label=f"1. januar {s.year}"),
    ]
    fig.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.035),
        ncol=3,
        fontsize=6.5,
        frameon=True,
        title="Farveforklaring",
        title_fontsize=7,
    )


def _provenance_flow(s: AnnualStatus, version: str, programs: list[dict]) -> list[Figure]:
    flow = Flow("Kilder og datagrundlag")
    flow.paragraph(
        "Hvert tal i rapporten har sin kilde: planen (Realiseringsplanen 2020 og den "
        "lovbestemte udviklingsplan), et register, en indlæsning eller illustrativt "
        "(opfundet til demonstration). Illustrative tal er markeret, hvor de står.",
        8.5,
    )
    flow.heading("Kort og boligtal", 10)
    flow.paragraph(f"Kilde: {danish(s.area.data_source) or DATA_SOURCE}.", 8)
    flow.paragraph(REFERENCE_NOTE, 8)
    if version:
        flow.paragraph(f"Version: {version}.", 8, colour="#b3261e")
    flow.heading("Illustrative tal i rapporten", 10)
    invented = [i.title for i in s.progress.items if i.key in s.illustrative_items]
    flow.paragraph(
        "Indberetninger med opfundne tal: " + ("; ".join(invented) if invented else "ingen") + ".",
        8,
    )
    if programs:
        flow.paragraph(program_labels.ILLUSTRATIVE_DA, 8)
    flow.paragraph(
        "Genhusningstal, modtagende områder og erstatningsbyggerier er illustrative; planens "
        "mål er fra Realiseringsplanen. Områdekriterierne er offentliggjorte for 2012 og "
        "2019; øvrige år er illustrative eller uden tal, som anført på siden.",
        8,
    )
    rows = []
    for d in programs:
        for ind in d["indicators"]:
            kinds = sorted(
                {
                    program_labels.PROVENANCE.get(v["provenance"], v["provenance"])
                    for v in ind["values"]
                }
            )
            rows.append([f"{d['number']}. {ind['name']}", ind["source"], ", ".join(kinds) or "–"])
    if rows:
        flow.heading("Indikatorernes kilder", 10)
        flow.table(["Indikator", "Kilde", "Værdiernes art"], rows, [0.38, 0.46, 0.16], size=6.5)
    return flow.pages


SIGNATORIES = [
    "Formand for Realiseringsbestyrelsen",
    "Odense Kommune",
    "Civica",
    "FAB",
]


def _signoff_page(s: AnnualStatus, texts: dict) -> Figure:
    fig = _page("Godkendelse")
    fig.text(
        0.07,
        0.91,
        _wrap(
            f"Statusrapporten for {s.year} er godkendt af Realiseringsbestyrelsen for "
            f"{s.area.name} og sendes til Transport- og Boligministeriet.",
            95,
        ),
        fontsize=9.5,
        family=FONT,
        va="top",
    )
    signers = texts.get("signatories") or [{"title": r, "text": ""} for r in SIGNATORIES]
    y = 0.82
    for sg in signers:
        fig.text(0.07, y, "Navn:", fontsize=9, family=FONT, va="top")
        fig.text(0.17, y, sg["text"] or "", fontsize=9, family=FONT, va="top")
        fig.text(0.55, y, "Rolle:", fontsize=9, family=FONT, va="top")
        fig.text(0.64, y, _wrap(sg["title"], 40), fontsize=9, family=FONT, va="top")
        for x0, x1, label in ((0.07, 0.4, "Dato"), (0.48, 0.93, "Underskrift")):
            fig.add_artist(Line2D([x0, x1], [y - 0.075, y - 0.075], lw=0.6, color="#000"))
            fig.text(x0, y - 0.08, label, fontsize=7.5, family=FONT, va="top", color="#555")
        y -= 0.14
    return fig


# ---- the maps, and the whole --------------------------------------------------------------


def _map_frame(year: int) -> Figure:
    """An A4 landscape page for a print map, drawn on it later (`_place_maps`): only its
    footer here, on a transparent page, so the map drawn first is not covered."""
    fig = Figure(figsize=A4_LANDSCAPE)
    fig.patch.set_alpha(0)
    fig.text(
        0.05,
        0.045,
        f"Fremtidsbillede {year}, gengivet fra A3 i A4 ({MAP_SCALE:.0%}): målestokslinjen "
        "gælder, målestoksforholdet for A3 ikke.".replace(".", ",", 1),
        fontsize=7,
        family=FONT,
    )
    return fig


def _form(writer: PdfWriter, page) -> object:
    """A page as a form XObject of `writer`: its content stream and resources as they are,
    not parsed (pypdf's page merge parses and rewrites every operator: some 10 s a map)."""
    contents = page["/Contents"].get_object()
    streams = contents if isinstance(contents, ArrayObject) else [contents]
    form = DecodedStreamObject()
    form.set_data(b"\n".join(st.get_object().get_data() for st in streams))
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = ArrayObject(FloatObject(v) for v in page.mediabox)
    form[NameObject("/Resources")] = page["/Resources"].get_object().clone(writer)
    return writer._add_object(form.flate_encode())


def _place_maps(pdf: bytes, maps: dict[int, bytes]) -> bytes:
    """Draws each print map (page index: PDF) onto its frame page, scaled and centred, under
    the frame's footer; the rest of the report as it is."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for index, content in maps.items():
        frame = writer.pages[index]
        w, h = float(frame.mediabox.width), float(frame.mediabox.height)
        src = PdfReader(io.BytesIO(content)).pages[0]
        sw, sh = float(src.mediabox.width) * MAP_SCALE, float(src.mediabox.height) * MAP_SCALE
        x, y = (w - sw) / 2, h - sh - (w - sw) / 4
        # matplotlib's pages share one resource dictionary: this page gets its own.
        resources = DictionaryObject(frame["/Resources"].get_object())
        xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
        xobjects[NameObject("/VmMap")] = _form(writer, src)
        resources[NameObject("/XObject")] = xobjects
        frame[NameObject("/Resources")] = resources
        draw = DecodedStreamObject()
        draw.set_data(f"q {MAP_SCALE} 0 0 {MAP_SCALE} {x:.2f} {y:.2f} cm /VmMap Do Q\n".encode())
        old = frame["/Contents"]
        old = list(old.get_object()) if isinstance(old.get_object(), ArrayObject) else [old]
        frame[NameObject("/Contents")] = ArrayObject([writer._add_object(draw), *old])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_report(
    conn: Connection, area: str, year: int, *, today: dt.date | None = None
) -> RenderedReport:
    """The annual status report of `area` for the state of 1 January `year`, as A4 PDF."""
    s = annual_status(conn, area, year)
    version = record.shown(conn).label_da()
    today = today or dt.date.today()
    texts = for_report(conn, s.area.slug, year)
    map_years = sorted({year, law.DEADLINE_YEAR})
    # The program is the development plan's: shown for an area with plan items.
    programs = program_query.delprogrammer(conn, with_values=True) if s.progress.items else []
    names = {i["key"]: i["name"] for d in programs for i in d["indicators"]}
    names |= {i.key: i.title for i in s.progress.items}
    sections: list[tuple[str, list[Figure]]] = [
        ("Sammenfatning og nøgletal", [_summary_page(s, today)]),
        ("Andel almene familieboliger mod 40 % og 38,4 %", [_trajectory_page(s)]),
        ("Delprogrammer: indikatorer og milepæle", _program_flow(conn, s, texts, programs)),
        ("Fremdrift pr. plan-punkt", _progress_flow(s, texts)),
        (f"Beslutninger truffet i {year - 1} og historik", _decisions_flow(s, texts, names)),
        ("Afdelinger og genhusning", [_departments_page(s)]),
        ("Genhusning i Odense og erstatningsboliger", [_rehousing_page(conn, s)]),
        ("Områdekriterier og listestatus", [_criteria_page(s)]),
        *((f"Kort: fremtidsbillede {y}", [_map_frame(y)]) for y in map_years),
        ("Tidslinje 2020–2030 med farveforklaring", [_gantt_page(s)]),
        ("Kilder og datagrundlag", _provenance_flow(s, version, programs)),
        ("Godkendelse", [_signoff_page(s, texts)]),
    ]
    contents, figures, map_pages, page = [], [], {}, 2
    for title, figs in sections:
        contents.append((title, page))
        for fig in figs:
            if title.startswith("Kort: "):
                map_pages[page - 1] = int(title.rsplit(" ", 1)[1])
            figures.append(fig)
            page += 1
    figures.insert(0, _title_page(s, today, version, contents))
    total = len(figures)
    buf = io.BytesIO()
    with PdfPages(
        buf,
        metadata={
            "Title": f"Statusrapport {year} – {s.area.name}" + (f" – {version}" if version else ""),
            "Subject": REFERENCE_NOTE,
            "Creator": "Fremtidens Vollsmose",
        },
    ) as pdf:
        for n, fig in enumerate(figures, start=1):
            wide = n - 1 in map_pages
            fig.text(
                0.05 if wide else 0.07,
                0.02,
                _wrap(REFERENCE_NOTE, 160 if wide else 110),
                fontsize=6.5,
                family=FONT,
                color="#555",
            )
            fig.text(
                0.95 if wide else 0.93,
                0.02,
                f"Side {n} af {total}",
                fontsize=7,
                ha="right",
                family=FONT,
            )
            if version and not wide:
                # Another version than the adopted plan now: on every page, in red (the
                # print maps say it themselves).
                fig.text(0.93, 0.975, version, fontsize=8, ha="right", family=FONT, color="#b3261e")
            pdf.savefig(fig)
    maps = {
        index: static.render_map(conn, s.area.slug, y, "pdf", today=today).content
        for index, y in map_pages.items()
    }
    content = _place_maps(buf.getvalue(), maps)
    return RenderedReport(content, f"statusrapport-{s.area.slug}-{year}.pdf", total)
