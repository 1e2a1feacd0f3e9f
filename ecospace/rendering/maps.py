"""Interactive maps of the planning layers: one self-contained HTML file that works offline.

:func:`make_map` draws every layer role in its conventional colour (生态保护红线 red, 永久基本农田
yellow, 城镇开发边界 purple, 自然保护地 green, county and townships as outlines), the conflicts on
top (magenta hatching), a legend, a (collapsed) layer control and a scale bar, fitted to the
county.  Protected areas are drawn above the red line as a green outline over a light hatch,
so that where the two overlap both stay recognisable.
Tooltips and popups give each feature's name, type, code and area; the area is computed with
:func:`ecospace.geometry.area.areas` on the full-resolution geometry in the layer's own CRS,
while the geometry drawn is a display copy (reprojected to EPSG:4326, simplified to a size budget,
coordinates rounded to 6 decimals; a large layer is grouped only when simplification alone
cannot meet the budget).

Leaflet is inlined from the copy vendored in ``ecospace/_static`` (see its README): the page
makes no request when it opens.  Base maps (天地图, OpenStreetMap) are added only on request.
"""

from __future__ import annotations

import contextlib
import functools
import html
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import folium
import geopandas as gpd
import numpy as np
from branca.element import Element

from ecospace._output import OutputSet, refuse_overwrite
from ecospace.errors import EcospaceError, MethodError, RoleError
from ecospace.geometry.area import METHODS
from ecospace.rendering._conflict_table import conflict_table
from ecospace.rendering._display import (
    _FIELD_ALIASES,
    _GRID_CELLS,
    _NEVER_GROUPED,
    _as_gdf,
    _conflict_copy,
    _Display,
    _display_copy,
    _feature_collection,
    _fit_displays,
    _grouped_copy,
)
from ecospace.rendering._map_data import pack_layers
from ecospace.rendering._map_overlays import _ConflictNumbers, _DataScript, _Layers, _TownshipLabels
from ecospace.rendering._map_page import (  # the versions: public here, as before the split
    _HATCH_SVG,
    FLATBUSH_VERSION,  # noqa: F401
    LEAFLET_VERSION,  # noqa: F401
    SUPERCLUSTER_VERSION,  # noqa: F401
    _add_basemap,
    _inline_assets,
    _Legend,
    _legend_rank,
    _ScaleBar,
    _Title,
)
from ecospace.rendering.styles import (
    CONFLICT_STYLE,
    LAND_USE_CLASSES,
    LAYER_ORDER,
    NOT_CONFLICTS,
    ROLE_STYLES,
    conflict_label,
)

__all__ = [
    "CONFLICT_STYLE",
    "NOT_CONFLICTS",
    "ROLE_STYLES",
    "conflict_label",
    "make_map",
    "save_map",
]

log = logging.getLogger("ecospace")

Basemap = Literal[None, "none", "tianditu", "osm"]

_PANES = {"ecospace-protected": 410, "ecospace-outlines": 420, "ecospace-conflicts": 450}
_ROLE_PANES = {
    "protected_area": "ecospace-protected",
    "townships": "ecospace-outlines",
    "boundary": "ecospace-outlines",
}

#: Roles drawn as canvas patch layers when large (see ``canvas_from``).
_PATCH_ROLES = ("red_line", "basic_farmland", "urban_boundary", "land_use")
#: Packed data above this size (bytes, base64) is written beside the page as NAME.data.js.
INLINE_MAX_BYTES = 40_000_000
#: SVG budget left at least, whatever the packed layers take.
_MIN_SVG_BYTES = 2_000_000


def make_map(
    layers: Mapping[str, Any],
    *,
    conflicts: Mapping[str, gpd.GeoDataFrame] | None = None,
    title: str | None = None,
    basemap: Basemap = None,
    tianditu_key: str | None = None,
    max_bytes: int = 15_000_000,
    max_features: int | None = None,
    land_use: bool = False,
    method: str = "ellipsoid",
    canvas_from: int = 2_000,
) -> folium.Map:
    """An offline Leaflet map of the planning layers and their conflicts.

    Parameters
    ----------
    layers
        Role → GeoDataFrame (or :class:`ecospace.loading.layers.Layer`), in any CRS.  Roles:
        ``boundary``, ``townships``, ``red_line``, ``basic_farmland``, ``urban_boundary``,
        ``protected_area``, ``land_use``.
    conflicts
        Conflict name → GeoDataFrame of conflict pieces (as in ``measure_county(...).conflicts``):
        drawn on top, magenta and hatched.
    title
        Shown at the top of the map (escaped).
    basemap
        ``None``/``"none"`` (default: no tiles, works offline), ``"tianditu"`` (天地图 vector and
        imagery, needs ``tianditu_key`` or the environment variable ``TIANDITU_KEY``) or ``"osm"``.
    max_bytes
        Size budget of the embedded GeoJSON: display copies are simplified until they fit.
        Features are drawn one by one, each with its popup, as long as they fit simplified at
        up to 10 m; otherwise the largest layers are drawn grouped (per township, else per
        grid cell; land use per class), their popups giving each group's count and total area.
    max_features
        Also group any layer with more features than this (default: group only to meet
        ``max_bytes``).
    land_use
        Include the ``land_use`` layer (coloured by first-level class, hidden until ticked).
    method
        Area method for the popups (see :func:`ecospace.geometry.area.areas`).
    canvas_from
        Red line, farmland, urban boundary and land-use layers with more features than this are
        drawn on canvas tiles from a packed copy (``rendering._map_data``): every feature
        stays clickable, with its popup, up to millions of patches.  Smaller layers are
        SVG, one path per feature.

    Returns
    -------
    folium.Map
        Shows inline in Jupyter; write it with :func:`save_map`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> county = gpd.GeoDataFrame({"XZQMC": ["示范县"]}, geometry=[box(126, 45, 126.1, 45.1)],
    ...                           crs="EPSG:4490")
    >>> m = make_map({"boundary": county}, title="示范县")
    >>> "示范县" in m.get_root().render()
    True
    """
    if method not in METHODS:
        raise MethodError(f"method={method!r} is not an area method; use one of {METHODS}")
    unknown = sorted(set(layers) - set(ROLE_STYLES))
    if unknown:
        raise RoleError(f"unknown layer role(s) {unknown}; the map knows {list(ROLE_STYLES)}")
    if basemap == "none":
        basemap = None
    if basemap not in (None, "tianditu", "osm"):
        raise EcospaceError(f"basemap={basemap!r} is not known; use None, 'tianditu' or 'osm'")
    if basemap == "tianditu":
        tianditu_key = tianditu_key or os.environ.get("TIANDITU_KEY")
        if not tianditu_key:
            raise EcospaceError(
                "basemap='tianditu' needs a key: pass tianditu_key=... (--tianditu-key) or set "
                "TIANDITU_KEY; get one at console.tianditu.gov.cn"
            )

    gdfs = {role: _as_gdf(layers[role], role) for role in ROLE_STYLES if role in layers}
    if not land_use:
        gdfs.pop("land_use", None)
    townships = gdfs.get("townships")
    cells = min(max_features or _GRID_CELLS, _GRID_CELLS)
    drawn: list[tuple[str, str]] = []  # (kind, role or conflict name)
    displays: list[_Display] = []
    regroup: dict[int, Any] = {}
    patches = {
        role: gdf for role, gdf in gdfs.items() if role in _PATCH_ROLES and len(gdf) > canvas_from
    }
    packed = pack_layers(patches, method) if patches else None
    if packed is not None:
        max_bytes = max(max_bytes - len(packed), _MIN_SVG_BYTES)
    for role, gdf in gdfs.items():
        if role in patches:
            continue
        disp = _display_copy(gdf, role, method)
        if role not in _NEVER_GROUPED and len(disp):
            regroup[len(displays)] = functools.partial(
                _grouped_copy, gdf, disp, role, method, townships, cells
            )
            if max_features is not None and len(disp) > max_features:
                disp = regroup.pop(len(displays))()
        drawn.append(("role", role))
        displays.append(disp)
    for name, gdf in (conflicts or {}).items():
        if name in NOT_CONFLICTS:
            log.info("%s: not drawn as a conflict (protected areas may nest)", name)
            continue
        gdf = _as_gdf(gdf, f"conflicts[{name!r}]")
        drawn.append(("conflict", name))
        displays.append(_conflict_copy(gdf, name, method))
    displays, tol = _fit_displays(displays, regroup, max_bytes)

    # scale bar added below (metric only): folium's control_scale adds miles too
    # no fade-in of tiles: the patch layers draw at once, and what a screenshot or a print
    # shows is the map as it stands, not a tile half faded in
    m = folium.Map(
        location=None, tiles=None, control_scale=False, zoom_control=True, fade_animation=False
    )
    # Only the inlined Leaflet below: folium's template would pull jQuery, Bootstrap,
    # Font Awesome and Leaflet itself from CDNs.
    m.default_js = []
    m.default_css = []
    root = m.get_root()
    root.header.add_child(Element(_inline_assets()), name="ecospace_leaflet", index=0)
    root.html.add_child(Element(_HATCH_SVG), name="ecospace_hatch")
    _add_basemap(m, basemap, tianditu_key)
    # Panes fix the stacking whatever the layer control toggles: area fills (overlayPane,
    # 400), protected areas (hatched, so the red line under them shows), outlines, conflicts.
    for pane, z in _PANES.items():
        folium.map.CustomPane(pane, z_index=z, pointer_events=True).add_to(m)

    legend: list[tuple[str, str, dict]] = []
    # role or conflict name -> (label, JS variable of an SVG layer, key of a patch layer)
    entries: dict[str, tuple[str, str, str]] = {}
    for (kind, key), disp in zip(drawn, displays, strict=True):
        if not len(disp):
            continue
        geo = _feature_collection(disp, tol)
        if kind == "role":
            spec = ROLE_STYLES[key]
            label = f"{spec['zh']} {spec['short']}"
            style = dict(spec["style"])
            if key == "land_use":
                style["className"] = "ecospace-land-use"
            pane = _ROLE_PANES.get(key, "overlayPane")
            legend.append((spec["zh"], spec["en"], style))
            show = key != "land_use"
        else:
            label = f"冲突：{conflict_label(key)[0]} Conflict"
            style, pane, show = dict(CONFLICT_STYLE), "ecospace-conflicts", True
        fields = [f for f in _FIELD_ALIASES if f in disp.props.columns]
        aliases = [_FIELD_ALIASES[f] for f in fields]
        layer = folium.GeoJson(
            geo,
            name=html.escape(label),
            show=show,
            tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True),
            popup=folium.GeoJsonPopup(fields=fields, aliases=aliases),
            style=_land_use_style() if key == "land_use" and kind == "role" else style,
            pane=pane,
        )
        layer.add_to(m)
        entries[key] = (html.escape(label), layer.get_name(), "")
    for role in patches:
        spec = ROLE_STYLES[role]
        legend.append((spec["zh"], spec["en"], dict(spec["style"])))
        entries[role] = (html.escape(f"{spec['zh']} {spec['short']}"), "", role)
    # the same pieces, in the same order, as the annex numbers them
    numbered = conflict_table(
        {k: getattr(v, "gdf", v) for k, v in (conflicts or {}).items()}, townships=townships
    )
    if any(kind == "conflict" and len(d) for (kind, _), d in zip(drawn, displays, strict=True)):
        legend.append(("冲突区域（重叠/超出/重复）", "Conflicts (overlap/outside/duplicate)", {}))
    if "land_use" in gdfs:
        legend.append(("土地利用（按一级类）", "Land use by class", {"color": "#8c8c8c"}))

    # legend and layer list in the order of the annex
    legend.sort(key=lambda e: _legend_rank(e[0]))
    order = [r for r in LAYER_ORDER if r in entries] + [k for k in entries if k not in LAYER_ORDER]
    _TownshipLabels(gdfs.get("townships")).add_to(m)
    markers = _ConflictNumbers(numbered)
    markers.add_to(m)
    layer_list = _Layers(m, packed, [entries[k] for k in order], markers)
    layer_list.add_to(m)
    # in the body, so defined before the map's script at its end runs
    root.html.add_child(_DataScript(layer_list), name="ecospace_data")
    _ScaleBar().add_to(m)
    _Legend(legend).add_to(m)
    _Title(title or "三区三线核查图 Planning layers check").add_to(m)
    bounds = _bounds(gdfs)
    if bounds is not None:
        m.fit_bounds(bounds)
    return m


def save_map(
    m: folium.Map,
    path: str | os.PathLike,
    *,
    overwrite: bool = False,
    inline_max_bytes: int = INLINE_MAX_BYTES,
    output_set: OutputSet | None = None,
) -> Path:
    """Write the map as one self-contained HTML file (or HTML + data file when very large).

    Parameters
    ----------
    m
        A map from :func:`make_map`.
    path
        Output file; missing parent folders are created.
    overwrite
        Replace existing files (otherwise an existing file is an error).
    inline_max_bytes
        Packed patch data larger than this goes to ``NAME.data.js`` beside the page, which
        loads it with a ``<script>`` tag (still offline; keep the two files together).
    output_set
        Stage the page (and data file) in this set, moved into place with the other outputs
        of a check; by default they form a set of their own.

    Returns
    -------
    Path
        The HTML file written.

    Examples
    --------
    >>> import tempfile, geopandas as gpd
    >>> from shapely import box
    >>> county = gpd.GeoDataFrame(geometry=[box(126, 45, 126.1, 45.1)], crs="EPSG:4490")
    >>> out = save_map(make_map({"boundary": county}), Path(tempfile.mkdtemp()) / "m.html")
    >>> out.stat().st_size > 100_000
    True
    """
    path = Path(path)
    layers = next((c for c in m._children.values() if isinstance(c, _Layers)), None)
    split = layers is not None and len(layers.data) > inline_max_bytes
    data_path = path.with_name(f"{path.stem}.data.js")
    refuse_overwrite([path, data_path] if split else [path], overwrite=overwrite)
    # the page and its data file are written as one set (or into the caller's set)
    with (
        contextlib.nullcontext(output_set)
        if output_set
        else OutputSet(overwrite=overwrite) as staged
    ):
        if not split:
            page = m.get_root().render()
        else:
            layers.data_src = data_path.name
            try:
                page = m.get_root().render()
            finally:
                layers.data_src = None
            staged.path(data_path).write_text(
                f'window.ecospaceData = "{layers.data}";\n', encoding="ascii"
            )
            log.info("map data written beside the page: %s", data_path)
        staged.path(path).write_text(page, encoding="utf-8")
    log.info("map written: %s (%.1f MB)", path, len(page.encode()) / 1e6)
    return path


def _bounds(gdfs: Mapping[str, gpd.GeoDataFrame]) -> list[list[float]] | None:
    pick = [gdfs["boundary"]] if "boundary" in gdfs else list(gdfs.values())
    boxes = [g.to_crs("EPSG:4326").total_bounds for g in pick if len(g)]
    if not boxes:
        return None
    b = np.array(boxes)
    return [
        [float(b[:, 1].min()), float(b[:, 0].min())],
        [float(b[:, 3].max()), float(b[:, 2].max())],
    ]


def _land_use_style() -> folium.utilities.JsCode:
    colours = {k: c for k, (_, c) in LAND_USE_CLASSES.items()}
    base = ROLE_STYLES["land_use"]["style"]
    return folium.utilities.JsCode(
        f"function(f) {{ var c = {json.dumps(colours)}[String(f.properties.code).slice(0, 2)]"
        f" || '#cccccc'; return Object.assign({json.dumps(base)}, {{fillColor: c}}); }}"
    )
