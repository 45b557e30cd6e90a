"""The fremtidsbillede as a print map (PNG, PDF): A3 landscape with title, legend, scale bar,
north arrow, date, data source and the note that the reference geometry is approximate.

Drawn with matplotlib in EPSG:25832 (metres), from the same layers and classes as the viewer
(`gis.mapdata`, `gis.styles`).
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib import patheffects  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import FancyArrow, PathPatch, Rectangle  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402
from shapely.geometry import shape  # noqa: E402
from sqlalchemy import Connection  # noqa: E402

from gis import mapdata, record  # noqa: E402
from gis.areas import get_area  # noqa: E402
from gis.errors import InvalidParameter, InvalidQuery  # noqa: E402

# The limits a route checks before any I/O: kept where it checks them without matplotlib.
from gis.render.params import (  # noqa: E402
    EXTENT_REACH_M,
    FORMATS,
    MAX_DPI,
    MAX_SCALE,
    MIN_DPI,
    MIN_SCALE,
    PDF_DPI,
    PNG_DPI,
)
from gis.styles import DATA_SOURCE, LAYER_STYLES, REFERENCE_NOTE, Style, danish  # noqa: E402
from gis.tenure import check_year  # noqa: E402

# A3 landscape, in inches.
A3 = (420 / 25.4, 297 / 25.4)
# The map frame in the A3 sheet (axes fractions), in inches.
FRAME_W, FRAME_H = A3[0] * 0.70, A3[1] * 0.92
# Screen pixels (the styles' unit) to points.
PX = 0.75
FONT = "DejaVu Sans"


@dataclass(frozen=True)
class RenderedMap:
    content: bytes
    media_type: str
    filename: str


def _dashes(style: Style) -> tuple | str:
    if not style.dash:
        return "solid"
    width = max(style.width * PX, 0.1)
    return (0, tuple(float(v) * PX / width for v in style.dash.split()))


def _polygon_path(geom) -> MplPath:
    verts, codes = [], []
    polys = getattr(geom, "geoms", [geom])
    for poly in polys:
        for ring in [poly.exterior, *poly.interiors]:
            xy = list(ring.coords)
            verts.extend(xy)
            codes.extend([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY])
    return MplPath(verts, codes)


def _colour(layer: str, style: Style, props: dict) -> tuple[str | None, str | None]:
    stroke, fill = style.stroke, style.fill
    if layer == "quarters" and style.key == "quarter":
        stroke = fill = props.get("colour") or fill
    elif layer == "buildings" and style.key.startswith("new"):
        fill = props.get("colour") or fill
    return stroke, fill


@dataclass(frozen=True)
class Label:
    text: str
    x: float
    y: float
    # Higher first when labels compete for room.
    priority: float


# Where a point's label may go, tried in turn: right, left, above, below (points).
LABEL_OFFSETS = (
    (6, 0, "left", "center"),
    (-6, 0, "right", "center"),
    (0, 6, "center", "bottom"),
    (0, -6, "center", "top"),
)
LABEL_SIZE = 6.5


def place_labels(ax, labels: list[Label], renderer) -> list:
    """Annotate the labels that fit: each at the first offset where it overlaps no label
    already placed and lies wholly inside the map frame; one that fits nowhere is left out
    (a label cut at the frame or printed over another reads as neither)."""
    frame = ax.get_window_extent(renderer)
    placed, kept = [], []
    for label in sorted(labels, key=lambda lb: -lb.priority):
        for dx, dy, ha, va in LABEL_OFFSETS:
            a = ax.annotate(
                label.text,
                (label.x, label.y),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=LABEL_SIZE,
                zorder=150,
                family=FONT,
                path_effects=[patheffects.withStroke(linewidth=2, foreground="white")],
            )
            box = a.get_window_extent(renderer)
            inside = (
                box.x0 >= frame.x0
                and box.x1 <= frame.x1
                and box.y0 >= frame.y0
                and box.y1 <= frame.y1
            )
            if inside and not any(box.overlaps(b) for b in placed):
                placed.append(box)
                kept.append(a)
                break
            a.remove()
    return kept


def _draw_layer(ax, layer: str, fc: dict, labels: list[Label]) -> None:
    ls = LAYER_STYLES[layer]
    z = 10 + ls.z * 10
    for f in fc["features"]:
        props = f["properties"]
        style = ls.style(props["style"])
        geom = shape(f["geometry"])
        stroke, fill = _colour(layer, style, props)
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            path = _polygon_path(geom)
            if fill and style.fill_opacity > 0:
                ax.add_patch(
                    PathPatch(
                        path, facecolor=fill, alpha=style.fill_opacity, edgecolor="none", zorder=z
                    )
                )
            if style.hatch:
                ax.add_patch(
                    PathPatch(
                        path,
                        facecolor="none",
                        edgecolor=stroke,
                        hatch="//////",
                        linewidth=0,
                        zorder=z + 0.5,
                    )
                )
            if stroke:
                ax.add_patch(
                    PathPatch(
                        path,
                        facecolor="none",
                        edgecolor=stroke,
                        linewidth=style.width * PX,
                        linestyle=_dashes(style),
                        zorder=z + 1,
                    )
                )
        elif geom.geom_type in ("LineString", "MultiLineString"):
            for line in getattr(geom, "geoms", [geom]):
                xs, ys = line.xy
                ax.plot(
                    xs,
                    ys,
                    color=stroke,
                    linewidth=style.width * PX,
                    linestyle=_dashes(style),
                    solid_capstyle="round",
                    zorder=z,
                )
        elif geom.geom_type == "Point":
            ax.scatter(
                [geom.x],
                [geom.y],
                s=(2 * (style.radius or 5) * PX) ** 2,
                c=fill,
                edgecolors=stroke,
                linewidths=style.width * PX,
                zorder=z + 2,
            )
            if ls.label and props.get(ls.label):
                labels.append(Label(str(props[ls.label]), geom.x, geom.y, ls.z))


def _nice_length(span_m: float) -> float:
    target = span_m / 5
    exp = 10 ** math.floor(math.log10(target))
    return max(m * exp for m in (1, 2, 2.5, 5) if m * exp <= target)


def _scale_bar(ax, x0, y0, x1, y1) -> None:
    length = _nice_length(x1 - x0)
    bx, by = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.04
    h = (y1 - y0) * 0.008
    for i in range(4):
        ax.add_patch(
            Rectangle(
                (bx + i * length / 4, by),
                length / 4,
                h,
                facecolor="black" if i % 2 == 0 else "white",
                edgecolor="black",
                linewidth=0.6,
                zorder=200,
            )
        )
    for frac, text in ((0, "0"), (0.5, f"{length / 2:g}"), (1, f"{length:g} m")):
        ax.text(
            bx + frac * length,
            by + h * 1.8,
            text,
            ha="center",
            va="bottom",
            fontsize=7,
            zorder=200,
            family=FONT,
        )


def _north_arrow(ax, x0, y0, x1, y1) -> None:
    w, h = x1 - x0, y1 - y0
    x, y = x1 - w * 0.05, y1 - h * 0.16
    ax.add_patch(
        FancyArrow(
            x,
            y,
            0,
            h * 0.08,
            width=w * 0.006,
            head_width=w * 0.02,
            head_length=h * 0.035,
            length_includes_head=True,
            color="black",
            zorder=200,
        )
    )
    ax.text(
        x,
        y + h * 0.095,
        "N",
        ha="center",
        va="bottom",
        fontsize=12,
        fontweight="bold",
        zorder=200,
        family=FONT,
    )


def _legend_handles(layers: dict[str, dict]) -> list[tuple[str, list]]:
    sections = []
    for layer in sorted(layers, key=lambda k: -LAYER_STYLES[k].z):
        ls = LAYER_STYLES[layer]
        present = {f["properties"]["style"] for f in layers[layer]["features"]}
        handles = []
        if layer == "quarters" and "quarter" in present:
            for f in layers[layer]["features"]:
                c = f["properties"].get("colour")
                handles.append(
                    Rectangle(
                        (0, 0),
                        1,
                        1,
                        facecolor=c,
                        alpha=0.5,
                        edgecolor=c,
                        label=f["properties"]["name"],
                    )
                )
        else:
            for st in ls.classes:
                if st.key not in present:
                    continue
                if st.radius:
                    handles.append(
                        Line2D(
                            [],
                            [],
                            marker="o",
                            linestyle="none",
                            markersize=st.radius * 1.4 * PX * 1.5,
                            markerfacecolor=st.fill,
                            markeredgecolor=st.stroke,
                            markeredgewidth=st.width * PX,
                            label=st.label,
                        )
                    )
                elif st.fill:
                    handles.append(
                        Rectangle(
                            (0, 0),
                            1,
                            1,
                            facecolor=st.fill,
                            edgecolor=st.stroke or "none",
                            hatch="/////" if st.hatch else None,
                            linewidth=0.6,
                            label=st.label,
                            linestyle=_dashes(st),
                        )
                    )
                else:
                    handles.append(
                        Line2D(
                            [],
                            [],
                            color=st.stroke,
                            linewidth=st.width * PX,
                            linestyle=_dashes(st),
                            label=st.label,
                        )
                    )
        if handles:
            sections.append((ls.title, handles))
    return sections


def _frame_extent(
    base: tuple[float, float, float, float], scale: int | None
) -> tuple[float, float, float, float]:
    """The frame's extent: `base` at `scale` (1:N, centred on it), or `base` grown to the
    frame's aspect so the scale is the same both ways."""
    x0, y0, x1, y1 = base
    if scale is not None:
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        half_w, half_h = FRAME_W * 0.0254 * scale / 2, FRAME_H * 0.0254 * scale / 2
        return cx - half_w, cy - half_h, cx + half_w, cy + half_h
    if (x1 - x0) / (y1 - y0) < FRAME_W / FRAME_H:
        grow = ((y1 - y0) * FRAME_W / FRAME_H - (x1 - x0)) / 2
        return x0 - grow, y0, x1 + grow, y1
    grow = ((x1 - x0) * FRAME_H / FRAME_W - (y1 - y0)) / 2
    return x0, y0 - grow, x1, y1 + grow


def render_map(
    conn: Connection,
    area: str,
    year: int,
    fmt: str,
    *,
    dpi: int | None = None,
    today: dt.date | None = None,
    extent: tuple[float, float, float, float] | None = None,
    scale: int | None = None,
) -> RenderedMap:
    """The fremtidsbillede of `area` in `year` (as of 1 January) as PNG or PDF, A3 landscape:
    the whole area, or a chosen `extent` (EPSG:25832), at a chosen `scale` (1:N) or filling
    the frame."""
    if fmt not in FORMATS:
        raise InvalidParameter("format", f"Format must be one of {', '.join(FORMATS)}.")
    check_year(year)
    dpi = dpi or (PDF_DPI if fmt == "pdf" else PNG_DPI)
    if not MIN_DPI <= dpi <= MAX_DPI:
        raise InvalidParameter("dpi", f"'dpi' must be from {MIN_DPI} to {MAX_DPI}, not {dpi}.")
    if scale is not None and not MIN_SCALE <= scale <= MAX_SCALE:
        raise InvalidQuery("scale", f"scale must be from {MIN_SCALE} to {MAX_SCALE} (1:N).")
    info = get_area(conn, area)
    if extent is not None:
        ax0, ay0, ax1, ay1 = info.bbox_25832
        r = EXTENT_REACH_M
        if extent[2] < ax0 - r or extent[0] > ax1 + r or extent[3] < ay0 - r or extent[1] > ay1 + r:
            raise InvalidQuery("bbox", f"bbox must lie within {r // 1000} km of the area.")
    version = record.shown(conn)
    today = today or dt.date.today()
    layers = {
        layer: mapdata.map_layer(conn, layer, year)
        for layer in mapdata.MAP_LAYERS
        if LAYER_STYLES[layer].default_on
    }

    fig = Figure(figsize=A3, dpi=dpi)
    fig.patch.set_facecolor("white")
    # Map frame on the left, a panel for title and legend on the right.
    ax = fig.add_axes((0.02, 0.04, 0.70, 0.92))
    if extent is None:
        x0, y0, x1, y1 = info.bbox_25832
        margin = max(x1 - x0, y1 - y0) * 0.06
        base = (x0 - margin, y0 - margin, x1 + margin, y1 + margin)
    else:
        base = extent
    x0, y0, x1, y1 = _frame_extent(base, scale)
    frame_w = FRAME_W
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_facecolor("#f4f1ea")
    ax.set_xticks([])
    ax.set_yticks([])
    labels: list[Label] = []
    for layer, fc in layers.items():
        _draw_layer(ax, layer, fc, labels)
    place_labels(ax, labels, FigureCanvasAgg(fig).get_renderer())
    _scale_bar(ax, x0, y0, x1, y1)
    _north_arrow(ax, x0, y0, x1, y1)
    shown_scale = scale or _round_scale((x1 - x0) / (frame_w * 0.0254))
    ax.text(
        x1 - (x1 - x0) * 0.01,
        y0 + (y1 - y0) * 0.01,
        f"EPSG:25832 (ETRS89 / UTM 32N) · 1:{shown_scale:,} i A3".replace(",", "."),
        ha="right",
        va="bottom",
        fontsize=7,
        family=FONT,
        zorder=200,
    )

    panel = fig.add_axes((0.74, 0.04, 0.24, 0.92))
    panel.axis("off")
    panel.text(
        0, 1, f"Fremtidsbillede {year}", fontsize=22, fontweight="bold", va="top", family=FONT
    )
    panel.text(
        0, 0.955, f"{info.name} · tilstand pr. 1. januar {year}", fontsize=11, va="top", family=FONT
    )
    y = 0.91
    if not version.is_current_adopted:
        # Another version than the adopted plan now: said at the top, never only in a URL.
        panel.text(
            0,
            0.925,
            _wrap(version.label_da(), 48),
            fontsize=10,
            va="top",
            family=FONT,
            color="#b3261e",
            fontweight="bold",
        )
        y = 0.87
    renderer = FigureCanvasAgg(fig).get_renderer()
    for title, handles in _legend_handles(layers):
        leg = panel.legend(
            handles=handles,
            title=title,
            loc="upper left",
            bbox_to_anchor=(0, y),
            frameon=False,
            fontsize=8,
            title_fontsize=9,
            alignment="left",
            handlelength=2.6,
            prop={"family": FONT, "size": 8},
        )
        leg._legend_box.align = "left"
        # Drawn once, as an artist: `panel.legend` would also keep the last one as the axes'
        # own legend and draw it twice.
        panel.legend_ = None
        panel.add_artist(leg)
        # Stack the next section under this one, measured as drawn.
        box = leg.get_window_extent(renderer).transformed(panel.transAxes.inverted())
        y = box.y0 - 0.01
    # The area says where its data comes from; the platform's reference dataset otherwise.
    source = danish(info.data_source) or DATA_SOURCE
    footer = (
        f"{_wrap('Kilde: ' + source.rstrip('.') + '.', 58)}\n{_wrap(REFERENCE_NOTE, 58)}\n"
        f"Dato: {today.isoformat()} · Fremtidens Vollsmose"
    )
    panel.text(0, 0, footer, fontsize=7.5, va="bottom", family=FONT, linespacing=1.4)

    buf = io.BytesIO()
    metadata = (
        {
            "Title": f"Fremtidsbillede {year} – {info.name}"
            + (f" – {version.label_da()}" if version.label_da() else ""),
            "Subject": REFERENCE_NOTE,
            "Creator": "Fremtidens Vollsmose",
        }
        if fmt == "pdf"
        else {
            "Title": f"Fremtidsbillede {year} – {info.name}"
            + (f" – {version.label_da()}" if version.label_da() else ""),
            "Source": source,
            "Disclaimer": REFERENCE_NOTE,
        }
    )
    fig.savefig(buf, format=fmt, dpi=dpi, metadata=metadata)
    media = "application/pdf" if fmt == "pdf" else "image/png"
    suffix = "" if version.scenario == record.ADOPTED else f"-{version.scenario}"
    if version.recorded is not None:
        suffix += f"-registreret-{version.recorded.astimezone(record.LOCAL):%Y%m%d}"
    return RenderedMap(buf.getvalue(), media, f"fremtidsbillede-{info.slug}-{year}{suffix}.{fmt}")


def _round_scale(scale: float) -> int:
    exp = 10 ** max(int(math.log10(scale)) - 1, 0)
    return int(round(scale / exp) * exp)


def _wrap(text: str, width: int) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if len(line) + len(w) + 1 > width and line:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "\n".join(lines)
