"""What each annex page draws: the layers of its theme, their legend entries, township names
and conflict numbers (private; used by :func:`ecospace.rendering.annex.make_annex`).

Farmland is drawn fill only (outlines of small patches would turn its yellow ochre) and its
legend swatch is made from the same style, so the swatch matches what is drawn.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from matplotlib.patches import Patch, PathPatch

from ecospace._escape import terminal_text
from ecospace.rendering._annex_layout import (
    place_labels,
    polygon_path,
)
from ecospace.rendering._display import _NAME_FIELDS, _pick
from ecospace.rendering.styles import (
    CONFLICT_COLOURS,
    ROLE_STYLES,
    conflict_kind,
    conflict_label,
)

log = logging.getLogger("ecospace")


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
