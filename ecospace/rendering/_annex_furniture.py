"""Map furniture of the annex pages: extent, labelled Gauss–Krüger grid, scale bar, north
arrow and the source note (private; used by :func:`ecospace.rendering.annex.make_annex`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ecospace._version import __version__
from ecospace.errors import RoleError
from ecospace.rendering._annex_layout import (
    scale_text,
)


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
