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
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import matplotlib
import pyproj
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from ecospace._escape import terminal_text
from ecospace._output import OutputSet, refuse_overwrite
from ecospace.errors import EcospaceError, RoleError
from ecospace.geometry.crs import to_working
from ecospace.rendering._annex_draw import (
    _NUMBERED_THEMES,
    _PATHS,
    _THEME_DRAW,
    _conflict_numbers,
    _legend_entries,
    _township_labels,
)
from ecospace.rendering._annex_furniture import (
    _extent,
    _grid,
    _north_arrow,
    _scale_bar,
    _source_note,
    _sources_of,
    _version,
)
from ecospace.rendering._annex_layout import (
    M_PER_INCH,
    print_scale,
    wrap_to_width,
)
from ecospace.rendering._conflict_table import conflict_table
from ecospace.rendering._fonts import CJK_FAMILIES, find_cjk_font
from ecospace.rendering.styles import (
    NOT_CONFLICTS,
    ROLE_STYLES,
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
