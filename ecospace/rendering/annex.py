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
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ecospace._escape import terminal_text
from ecospace._output import OutputSet, refuse_overwrite
from ecospace._version import __version__
from ecospace.errors import EcospaceError, RoleError
from ecospace.geometry.crs import to_working
from ecospace.rendering._fonts import CJK_FAMILIES, find_cjk_font
from ecospace.rendering.styles import (
    CONFLICT_COLOURS,
    NOT_CONFLICTS,
    ROLE_STYLES,
    conflict_kind,
    conflict_label,
)
from ecospace.vocabulary import DPI_RANGE, ORIENTATIONS, PAPER_SIZES

__all__ = ["CJK_FAMILIES", "PAPER_SIZES", "THEMES", "find_cjk_font", "make_annex"]

log = logging.getLogger("ecospace")

#: Page themes: key -> (Chinese title, English title).
THEMES: dict[str, tuple[str, str]] = {
    "control_lines": ("三条控制线", "Three control lines"),
    "protected_areas": ("自然保护地与生态保护红线", "Protected areas and the ecological red line"),
    "conflicts": ("冲突图斑", "Conflicts"),
}


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
    dpi: int = 300,
    overwrite: bool = False,
) -> list[Path]:
    """Write the map annex: a multi-page PDF, or one PNG per page.

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

    extent = _extent(drawn)
    width, height = PAPER_SIZES[paper]
    if orientation == "landscape" or (
        orientation == "auto" and extent[2] - extent[0] > extent[3] - extent[1]
    ):
        width, height = height, width
    note = _source_note(sources or _sources_of(layers), crs)
    rc = {
        "font.family": [font.get_name()],
        "axes.unicode_minus": False,
        "pdf.fonttype": 3,
        "text.parse_math": False,  # titles, names, labels come from data: draw them literally
        "text.usetex": False,
    }
    # every page staged, then renamed into place together: Ctrl-C never leaves 1 of 3 pages
    with matplotlib.rc_context(rc), OutputSet(overwrite=overwrite) as staged:
        pages = [
            _page(theme, drawn, conf, extent, (width, height), title, note, dpi) for theme in themes
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
    log.info(
        "annex written: %s (%d pages, %s %s)",
        ", ".join(map(str, targets)),
        len(pages),
        paper,
        "landscape" if width > height else "portrait",
    )
    return targets


# --- one page ---------------------------------------------------------------------------------


def _page(theme, drawn, conf, extent, size, title, note, dpi) -> Figure:
    width, height = size
    fig = Figure(figsize=size, dpi=dpi)
    landscape = width > height
    # map frame and legend column (landscape) or legend band (portrait), in figure fractions
    m_in = 0.55  # margins in inches
    if landscape:
        map_box = [m_in / width + 0.04, 0.13, 0.62, 0.74]
        legend_anchor = (0.725, 0.87)
    else:
        map_box = [m_in / width + 0.06, 0.27, 0.84, 0.60]
        legend_anchor = (0.10, 0.235)
    ax = fig.add_axes(map_box)
    zh, en = THEMES[theme]
    fig.text(
        0.5,
        1 - 0.45 / height,
        title or "三区三线核查附图",
        ha="center",
        va="top",
        fontsize=16 if width < 12 else 20,
        weight="bold",
    )
    fig.text(
        0.5,
        1 - 0.85 / height,
        f"{zh}  {en}",
        ha="center",
        va="top",
        fontsize=12 if width < 12 else 15,
    )

    # widen the extent to the frame's shape, so that one metre is as long across as up
    x0, y0, x1, y1 = extent
    frame_w, frame_h = map_box[2] * width, map_box[3] * height
    scale = max((x1 - x0) / frame_w, (y1 - y0) / frame_h)  # metres per inch
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    xlim = (cx - scale * frame_w / 2, cx + scale * frame_w / 2)
    ylim = (cy - scale * frame_h / 2, cy + scale * frame_h / 2)
    # half a printed pixel: finer detail cannot show, and the PDF stays small
    tol = scale / dpi / 2

    handles = getattr(_THEME_DRAW, theme)(ax, drawn, conf, tol)
    # after drawing: GeoSeries.plot rescales the axes to its data
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal", adjustable="box")
    _grid(ax, drawn)
    _scale_bar(ax)
    _north_arrow(ax)
    if handles:
        fig.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=legend_anchor,
            frameon=True,
            fontsize=8 if width < 12 else 10,
            title="图例 Legend",
            title_fontsize=10 if width < 12 else 12,
            ncol=1 if landscape else 2,
        )
    fig.text(
        m_in / width,
        0.3 / height,
        note,
        ha="left",
        va="bottom",
        fontsize=7,
        color="#333333",
        wrap=True,
    )
    return fig


def _plot(ax, gdf, tol, **style):
    g = gdf.geometry.values
    g = shapely.simplify(g, tol, preserve_topology=True) if tol else g
    gpd.GeoSeries(g[~shapely.is_empty(g)], crs=gdf.crs).plot(ax=ax, **style)


def _role_style(role: str, *, faint: bool = False) -> dict:
    s = ROLE_STYLES[role]["style"]
    if s.get("fill", True) is False:
        return {
            "facecolor": "none",
            "edgecolor": s["color"],
            "linewidth": 1.2 if role == "boundary" else 0.5,
            "linestyle": "--" if s.get("dashArray") else "-",
        }
    return {
        "facecolor": s.get("fillColor", s["color"]),
        "edgecolor": s["color"],
        "linewidth": 0.3,
        "alpha": 0.25 if faint else min(1.0, s["fillOpacity"] + 0.3),
    }


def _protected_style() -> dict:
    """Green outline and hatch, no fill: drawn over the red line, a green fill turns brown."""
    colour = ROLE_STYLES["protected_area"]["style"]["color"]
    return {"facecolor": "none", "edgecolor": colour, "linewidth": 0.8, "hatch": "\\\\\\"}


def _role_handle(role: str, style: dict | None = None) -> Patch:
    style = style or _role_style(role)
    spec = ROLE_STYLES[role]
    return Patch(
        label=f"{spec['zh']} {spec['short']}",
        **{
            k: v
            for k, v in style.items()
            if k in ("facecolor", "edgecolor", "linestyle", "alpha", "hatch")
        },
        linewidth=1,
    )


def _outlines(ax, drawn, tol) -> list:
    handles = []
    for role in ("townships", "boundary"):
        if role in drawn:
            st = _role_style(role)
            _plot(ax, drawn[role], tol, **st)
            handles.append(_role_handle(role, st))
    return handles


def _missing(ax, roles: Sequence[str], drawn) -> None:
    missing = [ROLE_STYLES[r]["zh"] for r in roles if r not in drawn]
    if missing:
        ax.text(
            0.5,
            0.02,
            f"缺少图层 missing layer: {'、'.join(missing)}",
            transform=ax.transAxes,
            ha="center",
            va="bottom",
            fontsize=9,
            color="#b00000",
            bbox={"facecolor": "white", "edgecolor": "#b00000", "alpha": 0.9},
        )


def _draw_control_lines(ax, drawn, conf, tol) -> list:
    handles = []
    roles = ("basic_farmland", "red_line", "urban_boundary")
    for role in roles:
        if role in drawn:
            st = _role_style(role)
            _plot(ax, drawn[role], tol, **st)
            handles.append(_role_handle(role, st))
    _missing(ax, roles, drawn)
    return handles + _outlines(ax, drawn, tol)


def _draw_protected(ax, drawn, conf, tol) -> list:
    handles = []
    if "red_line" in drawn:
        st = _role_style("red_line")
        _plot(ax, drawn["red_line"], tol, **st)
        handles.append(_role_handle("red_line", st))
    if "protected_area" in drawn:
        st = _protected_style()
        _plot(ax, drawn["protected_area"], tol, **st)
        handles.append(_role_handle("protected_area", st))
    for name, gdf in conf.items():
        if name.startswith("outside_protected_area"):
            handles.append(_draw_conflict(ax, name, gdf, tol))
    _missing(ax, ("red_line", "protected_area"), drawn)
    return handles + _outlines(ax, drawn, tol)


def _draw_conflicts(ax, drawn, conf, tol) -> list:
    handles = []
    for role in ("basic_farmland", "red_line", "urban_boundary", "protected_area"):
        if role in drawn:
            st = _protected_style() if role == "protected_area" else _role_style(role, faint=True)
            _plot(ax, drawn[role], tol, **st)
            handles.append(_role_handle(role, st))
    handles += _outlines(ax, drawn, tol)
    for name, gdf in conf.items():
        handles.append(_draw_conflict(ax, name, gdf, tol))
    if not conf:
        ax.text(
            0.5,
            0.5,
            "未发现冲突图斑 No conflicts found",
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
    # pieces too small to see at county scale are marked at a point inside them
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
    return Patch(facecolor="none", edgecolor=colour, hatch="////", label=f"{zh}（{len(gdf)} 处）")


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


def _grid(ax, drawn) -> None:
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
    ax.set_xlabel(f"X 东坐标 Easting ({unit})", fontsize=7)
    ax.set_ylabel(f"Y 北坐标 Northing ({unit})", fontsize=7)


def _nice(length: float) -> float:
    """The largest 1, 2 or 5 × 10^k not above ``length``."""
    k = 10 ** math.floor(math.log10(length))
    return max(m * k for m in (1, 2, 5) if m * k <= length)


def _scale_bar(ax) -> None:
    """Alternating black/white scale bar, its length in metres of the projected CRS."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    length = _nice((x1 - x0) / 5)
    h = (y1 - y0) * 0.008
    bx, by = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.05
    ax.add_patch(
        Rectangle(
            (bx - (x1 - x0) * 0.015, by - h * 2.5),
            length + (x1 - x0) * 0.05,
            h * 7,
            facecolor="white",
            edgecolor="none",
            alpha=0.85,
            zorder=9,
        )
    )
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


def _north_arrow(ax) -> None:
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
        weight="bold",
        zorder=10,
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


def _source_note(sources: Sequence[str], crs: pyproj.CRS) -> str:
    epsg = crs.to_epsg()
    crs_text = f"{crs.name}" + (f" (EPSG:{epsg})" if epsg else "")
    src = "、".join(dict.fromkeys(sources)) or "用户提供 user supplied"
    if len(src) > 120:
        src = src[:117] + "…"
    return (
        f"数据来源 Source: {src}    坐标系 CRS: {crs_text}    "
        f"制图日期 Date: {_dt.date.today().isoformat()}    ecospace {_version()}"
    )
