"""Static map annexes (附图) for plan appendices: PDF or PNG pages drawn with matplotlib.

One page per theme — the three control lines, protected areas against the red line, the
conflicts — each with title, legend, scale bar, north arrow, labelled coordinate grid and a
source note, drawn in the layers' projected working CRS (a Gauss–Krüger zone), never in
degrees.  Chinese text is drawn in Noto Sans CJK SC, installed with ecospace from PyPI
(see :func:`ecospace.rendering._fonts.find_cjk_font` for the order: ``ECOSPACE_CJK_FONT``, a system
CJK font, the bundled one).
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import matplotlib
import numpy as np
import pyproj
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ecospace._escape import terminal_text
from ecospace._output import OutputSet, refuse_overwrite
from ecospace._version import __version__
from ecospace.errors import EcospaceError, RoleError
from ecospace.geometry.crs import to_working
from ecospace.rendering._annex_layout import (
    M_PER_INCH,
    place_labels,
    polygon_path,
    print_scale,
    scale_text,
    wrap_to_width,
)
from ecospace.rendering._conflict_table import conflict_table
from ecospace.rendering._display import _NAME_FIELDS, _pick
from ecospace.rendering._fonts import CJK_FAMILIES, find_cjk_font
from ecospace.rendering.styles import (
    CONFLICT_COLOURS,
    NOT_CONFLICTS,
    ROLE_STYLES,
    conflict_kind,
    conflict_label,
)
from ecospace.vocabulary import DPI_RANGE, ORIENTATIONS, PAPER_SIZES

__all__ = ["CJK_FAMILIES", "LANGS", "PAPER_SIZES", "THEMES", "find_cjk_font", "make_annex"]

log = logging.getLogger("ecospace")

#: Page themes: key -> (Chinese title, English title).
THEMES: dict[str, tuple[str, str]] = {
    "control_lines": ("三条控制线", "Three control lines"),
    "protected_areas": ("自然保护地与生态保护红线", "Protected areas and the ecological red line"),
    "conflicts": ("冲突图斑", "Conflicts"),
}
#: Languages of titles and legend: Chinese with English, or Chinese only.
LANGS: tuple[str, ...] = ("bilingual", "zh")


def make_annex(
    layers: Mapping[str, Any],
    path: str | os.PathLike,
    *,
    conflicts: Mapping[str, gpd.GeoDataFrame] | None = None,
    paper: Literal["A4", "A3"] = "A4",
    orientation: Literal["auto", "portrait", "landscape"] = "auto",
    title: str | None = None,
    sources: Sequence[str] = (),
    themes: Sequence[str] = tuple(THEMES),
    figure_number: str | None = None,
    unit: str | None = None,
    date: _dt.date | str | None = None,
    lang: Literal["zh", "bilingual"] = "bilingual",
    dpi: int = 300,
    overwrite: bool = False,
) -> list[Path]:
    """Write the map annex: a multi-page PDF, or one PNG per page.

    Each page carries what a planning map annex (附图) carries: title, figure number (图号),
    the map at a round print scale (``1:250 000`` beside the graphic scale bar), labelled
    coordinate grid, north arrow, township names placed so that they do not overlap,
    legend, conflicts numbered as in :func:`ecospace.rendering._conflict_table.conflict_table` (the
    numbering of the web map and the reports), compiling unit (编制单位), date and sources.
    Fonts are embedded as CID fonts (``pdf.fonttype`` 42), never as Type 3.

    Parameters
    ----------
    layers
        Role → GeoDataFrame (or :class:`ecospace.loading.layers.Layer`), any CRS; drawn in the
        working CRS of :func:`ecospace.geometry.crs.working_crs` (projected, metres).
    path
        ``*.pdf`` (all pages in one file) or ``*.png`` (``NAME-1.png``, ``NAME-2.png``, …).
    conflicts
        Conflict name → pieces, as in ``measure_county(...).conflicts``.
    paper, orientation
        ISO paper size; ``"auto"`` turns the page to the county's shape.
    title
        Page title (e.g. the county and plan); the theme is added under it.
    sources
        Data sources for the note at the foot of each page.
    themes
        Which pages, in order (keys of :data:`THEMES`).
    figure_number
        图号 of the first page; the pages are numbered ``{figure_number}-1``, ``-2`` …
        (default ``附图1``, ``附图2`` …).
    unit
        编制单位, the compiling unit printed at the foot of each page.
    date
        编制日期 (default: today).
    lang
        ``"bilingual"`` (Chinese with English) or ``"zh"`` (Chinese only) titles and legend.
    dpi
        Resolution of PNG pages (print: 300).
    overwrite
        Replace existing files (otherwise an existing file is an error).

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> import tempfile, geopandas as gpd
    >>> from shapely import box
    >>> county = gpd.GeoDataFrame(geometry=[box(0, 0, 9e3, 6e3)], crs="EPSG:4530")
    >>> out = make_annex({"boundary": county}, Path(tempfile.mkdtemp()) / "annex.pdf")
    >>> [p.suffix for p in out]
    ['.pdf']
    """
    path = Path(path)
    if paper not in PAPER_SIZES:
        raise EcospaceError(f"paper={paper!r} is not known; use one of {list(PAPER_SIZES)}")
    if orientation not in ORIENTATIONS:
        raise EcospaceError(f"orientation={orientation!r}; use 'auto', 'portrait' or 'landscape'")
    if not DPI_RANGE[0] <= dpi <= DPI_RANGE[1]:
        raise EcospaceError(f"dpi={dpi!r} is out of range; use {DPI_RANGE[0]} to {DPI_RANGE[1]}")
    if lang not in LANGS:
        raise EcospaceError(f"lang={lang!r} is not known; use one of {list(LANGS)}")
    bad = [t for t in themes if t not in THEMES]
    if bad:
        raise EcospaceError(f"unknown annex theme(s) {bad}; use some of {list(THEMES)}")
    unknown = sorted(set(layers) - set(ROLE_STYLES))
    if unknown:
        raise RoleError(f"unknown layer role(s) {unknown}; the annex knows {list(ROLE_STYLES)}")
    if not layers:
        raise RoleError("make_annex: no layers given")
    suffix = path.suffix.lower()
    if suffix not in (".pdf", ".png"):
        raise EcospaceError(f"{path}: the annex is written as .pdf or .png, not {suffix!r}")
    targets = (
        [path]
        if suffix == ".pdf"
        else [path.with_name(f"{path.stem}-{i}.png") for i in range(1, len(themes) + 1)]
    )
    refuse_overwrite(targets, overwrite=overwrite)

    font = find_cjk_font()
    # a title from the data is drawn as written, but a font has no glyph for ESC or BEL
    title = terminal_text(title) if title else title
    gdfs = {r: getattr(g, "gdf", g) for r, g in layers.items()}
    work = to_working({**gdfs, **{f"conflict:{k}": v for k, v in (conflicts or {}).items()}})
    crs = pyproj.CRS.from_user_input(next(iter(work.values())).crs)
    drawn = {r: work[r] for r in ROLE_STYLES if r in gdfs and r != "land_use"}
    conf = {
        k.split(":", 1)[1]: v
        for k, v in work.items()
        if k.startswith("conflict:") and len(v) and k.split(":", 1)[1] not in NOT_CONFLICTS
    }
    numbered = conflict_table(conf)

    extent = _extent(drawn)
    width, height = PAPER_SIZES[paper]
    if orientation == "landscape" or (
        orientation == "auto" and extent[2] - extent[0] > extent[3] - extent[1]
    ):
        width, height = height, width
    when = date if isinstance(date, str) else (date or _dt.date.today()).isoformat()
    foot = _Foot(
        unit=unit,
        date=when,
        note=_source_note(sources or _sources_of(layers), crs, lang),
    )
    numbers = (
        [f"{figure_number}-{i}" for i in range(1, len(themes) + 1)]
        if figure_number and len(themes) > 1
        else [figure_number]
        if figure_number
        else [f"附图{i}" for i in range(1, len(themes) + 1)]
    )
    # Type 42: the CJK font is embedded as a CID font (subset), not as Type 3 glyph procedures
    rc = {
        "font.family": [font.get_name()],
        "axes.unicode_minus": False,
        "pdf.fonttype": 42,
        "text.parse_math": False,  # titles, names, labels come from data: draw them literally
        "text.usetex": False,
    }
    _PATHS.clear()
    try:
        # every page staged, then renamed into place together: Ctrl-C never leaves 1 of 3 pages
        with matplotlib.rc_context(rc), OutputSet(overwrite=overwrite) as staged:
            pages = [
                _page(
                    _PageSpec(theme, number, title, lang, (width, height), dpi),
                    drawn,
                    conf,
                    numbered,
                    extent,
                    foot,
                )
                for theme, number in zip(themes, numbers, strict=True)
            ]
            if suffix == ".pdf":
                meta = {"Title": title or "ecospace annex", "Creator": f"ecospace {_version()}"}
                with PdfPages(staged.path(path), metadata=meta) as pdf:
                    for fig in pages:
                        pdf.savefig(fig)
            else:
                for fig, target in zip(pages, targets, strict=True):
                    FigureCanvasAgg(fig).print_png(
                        staged.path(target), metadata={"Software": "ecospace"}
                    )
    finally:
        _PATHS.clear()
    log.info(
        "annex written: %s (%d pages, %s %s)",
        ", ".join(map(str, targets)),
        len(pages),
        paper,
        "landscape" if width > height else "portrait",
    )
    return targets


# --- one page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PageSpec:
    theme: str
    number: str
    title: str | None
    lang: str
    size: tuple[float, float]  # inches
    dpi: int


@dataclass(frozen=True)
class _Foot:
    unit: str | None
    date: str
    note: str


#: Page margin (inches): nothing is drawn closer to the paper's edge.
MARGIN_IN = 12 / 25.4


def _page(spec: _PageSpec, drawn, conf, numbered, extent, foot: _Foot) -> Figure:
    width, height = spec.size
    fig = Figure(figsize=spec.size, dpi=spec.dpi)
    FigureCanvasAgg(fig)  # a renderer to measure text with (labels, wrapping)
    big = width >= 12
    zh_only = spec.lang == "zh"
    m = MARGIN_IN

    # header: title, theme, figure number
    fig.text(
        0.5,
        1 - m / height,
        spec.title or "三区三线核查附图",
        ha="center",
        va="top",
        fontsize=20 if big else 16,
        weight="normal",  # the bundled CJK font has one weight: "bold" falls back, and warns
    )
    zh, en = THEMES[spec.theme]
    fig.text(
        0.5,
        1 - (m + (0.42 if big else 0.36)) / height,
        zh if zh_only else f"{zh}  {en}",
        ha="center",
        va="top",
        fontsize=15 if big else 12,
    )
    fig.text(
        1 - m / width,
        1 - m / height,
        f"图号：{spec.number}" if zh_only else f"图号 Fig. {spec.number}",
        ha="right",
        va="top",
        fontsize=11 if big else 9,
    )
    header_in = 0.95 if big else 0.8

    # footer: compiling unit and date, then the source note wrapped between the margins
    foot_size = 8 if big else 7
    renderer = fig.canvas.get_renderer()
    measure = _text_width(fig, renderer, foot_size)
    credit = [
        ("编制单位：" if zh_only else "编制单位 Compiled by: ") + (foot.unit or "—"),
        ("编制日期：" if zh_only else "编制日期 Date: ") + foot.date,
    ]
    note = wrap_to_width(foot.note, (width - 2 * m) * fig.dpi, measure)
    measure.probe.remove()
    lines = ["        ".join(credit), *note]
    line_in = foot_size * 1.45 / 72
    fig.text(
        m / width,
        m / height,
        "\n".join(lines),
        ha="left",
        va="bottom",
        fontsize=foot_size,
        color="#333333",
        linespacing=1.45,
    )
    footer_in = len(lines) * line_in + 0.12

    # the map frame (room for tick labels left and below) and the legend beside or below it
    handles = getattr(_THEME_DRAW, spec.theme)  # drawn below, once the frame is known
    n_entries = _legend_entries(spec.theme, drawn, conf)
    landscape = width > height
    ticks_l, ticks_b = 0.42, 0.40
    if landscape:
        legend_w = 0.27 * width
        frame = (m + ticks_l, m + footer_in + ticks_b, width - 2 * m - ticks_l - legend_w, 0.0)
        frame = (*frame[:3], height - m - header_in - frame[1])
        legend_at = ((width - m - legend_w + 0.15) / width, 1 - (m + header_in) / height)
        ncol = 1
    else:
        ncol = 3 if big else 2
        rows = -(-max(n_entries, 1) // ncol) + 1  # + the legend's title
        legend_h = rows * (0.24 if big else 0.2) + 0.2
        bottom = m + footer_in + legend_h + ticks_b
        frame = (m + ticks_l, bottom, width - 2 * m - ticks_l - 0.05, 0.0)
        frame = (*frame[:3], height - m - header_in - bottom)
        legend_at = ((m + 0.05) / width, (m + footer_in + legend_h) / height)
    x, y, fw, fh = frame
    ax = fig.add_axes([x / width, y / height, fw / width, fh / height])

    # a round print scale, the extent centred in the frame at exactly that scale
    x0, y0, x1, y1 = extent
    denominator = print_scale((x1 - x0, y1 - y0), (fw, fh))
    m_per_in = denominator * M_PER_INCH
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    xlim = (cx - m_per_in * fw / 2, cx + m_per_in * fw / 2)
    ylim = (cy - m_per_in * fh / 2, cy + m_per_in * fh / 2)
    # half a printed pixel: finer detail cannot show, and the PDF stays small
    tol = m_per_in / spec.dpi / 2

    legend = handles(ax, drawn, conf, tol, zh_only)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal", adjustable="box")
    _grid(ax, drawn, zh_only)
    furniture = [_scale_bar(ax, denominator), _north_arrow(ax)]
    renderer = fig.canvas.get_renderer()
    avoid = [a.get_window_extent(renderer) for a in furniture]
    _township_labels(ax, drawn, big, avoid)
    if spec.theme in _NUMBERED_THEMES:
        rows = numbered[numbered["name"].map(_NUMBERED_THEMES[spec.theme])]
        _conflict_numbers(ax, rows, big, avoid)
    if legend:
        fig.legend(
            handles=legend,
            loc="upper left",
            bbox_to_anchor=legend_at,
            frameon=True,
            fontsize=10 if big else 8,
            title="图例" if zh_only else "图例 Legend",
            title_fontsize=12 if big else 10,
            ncol=ncol,
        )
    return fig


def _text_width(fig, renderer, size):
    probe = fig.text(0, 0, "", fontsize=size)

    def measure(s: str) -> float:
        probe.set_text(s)
        return probe.get_window_extent(renderer).width

    measure.probe = probe
    return measure


def _legend_entries(theme, drawn, conf) -> int:
    roles = {
        "control_lines": ("basic_farmland", "red_line", "urban_boundary"),
        "protected_areas": ("red_line", "protected_area"),
        "conflicts": ("basic_farmland", "red_line", "urban_boundary", "protected_area"),
    }[theme]
    n = sum(r in drawn for r in (*roles, "townships", "boundary"))
    if theme == "conflicts":
        n += len(conf)
    elif theme == "protected_areas":
        n += sum(k.startswith("outside_protected_area") for k in conf)
    return n


#: Pages that number conflict pieces, and which conflict types they show.
_NUMBERED_THEMES = {
    "conflicts": lambda name: True,
    "protected_areas": lambda name: name.startswith("outside_protected_area"),
}


def _township_labels(ax, drawn, big: bool, avoid) -> None:
    tw = drawn.get("townships")
    if tw is None or not len(tw):
        return
    names = _pick(tw, _NAME_FIELDS["townships"])
    if names is None:
        return
    order = np.argsort(-tw.geometry.area.to_numpy(), kind="stable")  # large towns first
    pts = shapely.get_coordinates(shapely.point_on_surface(tw.geometry.values[order]))
    texts = [terminal_text(str(v)) for v in names.to_numpy()[order]]
    _, unplaced = place_labels(
        ax, [tuple(p) for p in pts], texts, fontsize=9 if big else 7, avoid=avoid, color="#222222"
    )
    if unplaced:
        log.warning("annex: no free place for township label(s) %s", "、".join(unplaced))


def _conflict_numbers(ax, rows, big: bool, avoid) -> None:
    if not len(rows):
        return
    pts = shapely.get_coordinates(rows.geometry.values)
    place_labels(
        ax,
        [(x + 0, y) for x, y in pts],
        [str(n) for n in rows["no"]],
        fontsize=7 if big else 6,
        avoid=avoid,
        force=True,
        color="#8e008e",
        weight="normal",  # the bundled CJK font has one weight: "bold" falls back, and warns
    )


#: Compound paths of the layers being drawn, by (id of the frame, tolerance): every page of
#: one annex has the same scale, so farmland is simplified and traced once, not per page.
#: Filled and emptied by make_annex.
_PATHS: dict[tuple[int, float], Any] = {}


def _plot(ax, gdf, tol, **style):
    key = (id(gdf), tol)
    if key not in _PATHS:
        g = gdf.geometry.values
        # plain Douglas-Peucker: half a printed pixel moves nothing visible
        g = shapely.simplify(g, tol, preserve_topology=False) if tol else g
        _PATHS[key] = polygon_path(g[~shapely.is_empty(g)])
    path = _PATHS[key]
    if path is not None:
        # add_artist, not add_patch: the limits are set by the print scale, and add_patch
        # would walk every segment of 200 000 patches to update them (seconds per layer)
        ax.add_artist(PathPatch(path, **style))


def _role_style(role: str, *, faint: bool = False) -> dict:
    s = ROLE_STYLES[role]["style"]
    if s.get("fill", True) is False:
        return {
            "facecolor": "none",
            "edgecolor": s["color"],
            "linewidth": 1.2 if role == "boundary" else 0.5,
            "linestyle": "--" if s.get("dashArray") else "-",
        }
    # many small patches (farmland): their outlines would cover the fill at county scale
    # and turn yellow into ochre, so they are drawn as fill only, as their swatch shows
    edge = "none" if role in _FILL_ONLY else s["color"]
    return {
        "facecolor": s.get("fillColor", s["color"]),
        "edgecolor": edge,
        "linewidth": 0 if edge == "none" else 0.3,
        "alpha": 0.25 if faint else min(1.0, s["fillOpacity"] + 0.3),
    }


#: Roles drawn as fill only (patches too small at print scale for an outline).
_FILL_ONLY = ("basic_farmland",)


def _protected_style() -> dict:
    """Green outline and hatch, no fill: drawn over the red line, a green fill turns brown."""
    colour = ROLE_STYLES["protected_area"]["style"]["color"]
    return {"facecolor": "none", "edgecolor": colour, "linewidth": 0.8, "hatch": "\\\\\\"}


def _role_handle(role: str, style: dict, zh_only: bool) -> Patch:
    """A legend swatch drawn exactly as the layer is: same fill, outline, opacity, hatch."""
    spec = ROLE_STYLES[role]
    keys = ("facecolor", "edgecolor", "linestyle", "alpha", "hatch", "linewidth")
    return Patch(
        label=spec["zh"] if zh_only else f"{spec['zh']} {spec['short']}",
        **{k: v for k, v in style.items() if k in keys},
    )


def _outlines(ax, drawn, tol, zh_only) -> list:
    handles = []
    for role in ("townships", "boundary"):
        if role in drawn:
            st = _role_style(role)
            _plot(ax, drawn[role], tol, **st)
            handles.append(_role_handle(role, st, zh_only))
    return handles


def _missing(ax, roles: Sequence[str], drawn, zh_only) -> None:
    missing = [ROLE_STYLES[r]["zh"] for r in roles if r not in drawn]
    if missing:
        ax.text(
            0.5,
            0.02,
            f"{'缺少图层：' if zh_only else '缺少图层 missing layer: '}{'、'.join(missing)}",
            transform=ax.transAxes,
            ha="center",
            va="bottom",
            fontsize=9,
            color="#b00000",
            bbox={"facecolor": "white", "edgecolor": "#b00000", "alpha": 0.9},
        )


def _draw_control_lines(ax, drawn, conf, tol, zh_only) -> list:
    handles = []
    roles = ("basic_farmland", "red_line", "urban_boundary")
    for role in roles:
        if role in drawn:
            st = _role_style(role)
            _plot(ax, drawn[role], tol, **st)
            handles.append(_role_handle(role, st, zh_only))
    _missing(ax, roles, drawn, zh_only)
    return handles + _outlines(ax, drawn, tol, zh_only)


def _draw_protected(ax, drawn, conf, tol, zh_only) -> list:
    handles = []
    if "red_line" in drawn:
        st = _role_style("red_line")
        _plot(ax, drawn["red_line"], tol, **st)
        handles.append(_role_handle("red_line", st, zh_only))
    if "protected_area" in drawn:
        st = _protected_style()
        _plot(ax, drawn["protected_area"], tol, **st)
        handles.append(_role_handle("protected_area", st, zh_only))
    for name, gdf in conf.items():
        if name.startswith("outside_protected_area"):
            handles.append(_draw_conflict(ax, name, gdf, tol))
    _missing(ax, ("red_line", "protected_area"), drawn, zh_only)
    return handles + _outlines(ax, drawn, tol, zh_only)


def _draw_conflicts(ax, drawn, conf, tol, zh_only) -> list:
    handles = []
    for role in ("basic_farmland", "red_line", "urban_boundary", "protected_area"):
        if role in drawn:
            st = _protected_style() if role == "protected_area" else _role_style(role, faint=True)
            _plot(ax, drawn[role], tol, **st)
            handles.append(_role_handle(role, st, zh_only))
    handles += _outlines(ax, drawn, tol, zh_only)
    for name, gdf in conf.items():
        handles.append(_draw_conflict(ax, name, gdf, tol))
    if not conf:
        ax.text(
            0.5,
            0.5,
            "未发现冲突图斑" if zh_only else "未发现冲突图斑 No conflicts found",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=14,
            color="#1b7837",
            bbox={"facecolor": "white", "edgecolor": "#1b7837"},
        )
    return handles


def _draw_conflict(ax, name, gdf, tol) -> Patch:
    colour = CONFLICT_COLOURS[conflict_kind(name)]
    _plot(ax, gdf, tol, facecolor="none", edgecolor=colour, linewidth=0.8, hatch="////")
    # pieces too small to see at county scale are marked at a point inside them (and
    # numbered there, as in the conflict table)
    pts = shapely.get_coordinates(shapely.point_on_surface(gdf.geometry.values))
    ax.scatter(
        pts[:, 0],
        pts[:, 1],
        s=14,
        marker="o",
        facecolors="none",
        edgecolors=colour,
        linewidths=0.9,
        zorder=5,
    )
    zh, _ = conflict_label(name)
    return Patch(
        facecolor="none",
        edgecolor=colour,
        linewidth=0.8,
        hatch="////",
        label=f"{zh}（{len(gdf)} 处）",
    )


class _THEME_DRAW:
    control_lines = staticmethod(_draw_control_lines)
    protected_areas = staticmethod(_draw_protected)
    conflicts = staticmethod(_draw_conflicts)


# --- map furniture ----------------------------------------------------------------------------


def _extent(drawn: Mapping[str, gpd.GeoDataFrame]) -> tuple[float, float, float, float]:
    pick = [drawn["boundary"]] if "boundary" in drawn else list(drawn.values())
    b = np.array([g.total_bounds for g in pick if len(g)])
    if not len(b):
        raise RoleError("make_annex: the layers hold no features to draw")
    x0, y0, x1, y1 = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
    pad = 0.04 * max(x1 - x0, y1 - y0, 1.0)
    return x0 - pad, y0 - pad, x1 + pad, y1 + pad


def _grid(ax, drawn, zh_only: bool) -> None:
    """Labelled grid of projected coordinates (metres); the axis names the CRS."""
    crs = next(iter(drawn.values())).crs
    fmt = FuncFormatter(lambda v, _: f"{v:,.0f}".replace(",", " "))
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(MaxNLocator(5))
        axis.set_major_formatter(fmt)
    ax.tick_params(labelsize=6, direction="in", top=True, right=True)
    for label in ax.get_yticklabels():
        label.set_rotation(90)
        label.set_va("center")
    ax.set_axisbelow(True)
    ax.grid(True, color="#888888", linewidth=0.3, linestyle=":")
    unit = crs.axis_info[0].unit_name if crs.axis_info else "metre"
    if zh_only:
        unit_zh = "米" if unit == "metre" else unit
        ax.set_xlabel(f"X 东坐标（{unit_zh}）", fontsize=7)
        ax.set_ylabel(f"Y 北坐标（{unit_zh}）", fontsize=7)
    else:
        ax.set_xlabel(f"X 东坐标 Easting ({unit})", fontsize=7)
        ax.set_ylabel(f"Y 北坐标 Northing ({unit})", fontsize=7)


def _nice(length: float) -> float:
    """The largest 1, 2 or 5 × 10^k not above ``length``."""
    k = 10 ** math.floor(math.log10(length))
    return max(m * k for m in (1, 2, 5) if m * k <= length)


def _scale_bar(ax, denominator: int) -> Rectangle:
    """Alternating black/white bar in metres, the numeric scale 1:N beside it.

    Returns the white panel behind both (labels keep clear of it).
    """
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    length = _nice((x1 - x0) / 5)
    h = (y1 - y0) * 0.008
    bx, by = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.05
    ratio = scale_text(denominator)
    panel = Rectangle(
        (bx - (x1 - x0) * 0.015, by - h * 2.5),
        length + (x1 - x0) * (0.05 + 0.018 * len(ratio)),
        h * 7,
        facecolor="white",
        edgecolor="none",
        alpha=0.85,
        zorder=9,
    )
    ax.add_patch(panel)
    for i in range(4):
        ax.add_patch(
            Rectangle(
                (bx + i * length / 4, by),
                length / 4,
                h,
                zorder=10,
                facecolor="black" if i % 2 == 0 else "white",
                edgecolor="black",
                linewidth=0.6,
            )
        )
    km = length >= 1000
    for frac in (0, 0.5, 1):
        v = length * frac / (1000 if km else 1)
        label = f"{v:g}" + (" km" if frac == 1 and km else " m" if frac == 1 else "")
        ax.text(
            bx + length * frac, by + h * 1.6, label, ha="center", va="bottom", fontsize=7, zorder=10
        )
    ax.text(
        bx + length + (x1 - x0) * 0.025,
        by + h / 2,
        ratio,
        ha="left",
        va="center",
        fontsize=8,
        zorder=10,
    )
    return panel


def _north_arrow(ax):
    ax.annotate(
        "",
        xy=(0.95, 0.96),
        xytext=(0.95, 0.86),
        xycoords="axes fraction",
        arrowprops={
            "facecolor": "black",
            "edgecolor": "black",
            "width": 3,
            "headwidth": 11,
            "headlength": 12,
        },
        zorder=10,
    )
    ax.text(
        0.95,
        0.845,
        "N 北",
        transform=ax.transAxes,
        ha="center",
        va="top",
        fontsize=9,
        weight="normal",  # the bundled CJK font has one weight: "bold" falls back, and warns
        zorder=10,
    )
    # an invisible box over the arrow and its letter: the region labels keep clear of
    return ax.add_patch(
        Rectangle(
            (0.92, 0.81),
            0.06,
            0.16,
            transform=ax.transAxes,
            facecolor="none",
            edgecolor="none",
        )
    )


def _sources_of(layers: Mapping[str, Any]) -> list[str]:
    out = []
    for layer in layers.values():
        src = getattr(layer, "source", None)
        if src and src not in out:
            out.append(Path(src).name)
    return out


def _version() -> str:
    return __version__


def _source_note(sources: Sequence[str], crs: pyproj.CRS, lang: str) -> str:
    epsg = crs.to_epsg()
    crs_text = f"{crs.name}" + (f" (EPSG:{epsg})" if epsg else "")
    src = "、".join(dict.fromkeys(sources)) or (
        "用户提供" if lang == "zh" else "用户提供 user supplied"
    )
    if lang == "zh":
        return f"数据来源：{src}    坐标系：{crs_text}    ecospace {_version()}"
    return f"数据来源 Source: {src}    坐标系 CRS: {crs_text}    ecospace {_version()}"
