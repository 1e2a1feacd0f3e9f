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

import base64
import contextlib
import functools
import html
import json
import logging
import os
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, MacroElement
from folium.template import Template

from ecospace._output import OutputSet, refuse_overwrite
from ecospace.errors import EcospaceError, MethodError, RoleError
from ecospace.geometry.area import METHODS
from ecospace.rendering._conflict_table import conflict_table
from ecospace.rendering._display import (
    _FIELD_ALIASES,
    _GRID_CELLS,
    _NAME_FIELDS,
    _NEVER_GROUPED,
    _area_text,
    _as_gdf,
    _conflict_copy,
    _Display,
    _display_copy,
    _feature_collection,
    _fit_displays,
    _grouped_copy,
    _pick,
)
from ecospace.rendering._map_data import PackedLayers, pack_layers
from ecospace.rendering.styles import (
    CONFLICT_STYLE,
    LAND_USE_CLASSES,
    LAYER_ORDER,
    METHOD_SHORT,
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

LEAFLET_VERSION = "1.9.4"
FLATBUSH_VERSION = "4.7.0"
SUPERCLUSTER_VERSION = "9.1.0"
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

_TIANDITU = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)


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


# --- page furniture ---------------------------------------------------------------------------


def _static(name: str) -> bytes:
    return (resources.files("ecospace") / "_static" / name).read_bytes()


def _inline_assets() -> str:
    css = _static("leaflet.css").decode("utf-8")

    def data_uri(mo: re.Match) -> str:
        b64 = base64.b64encode(_static(mo.group(1))).decode("ascii")
        return f"url(data:image/png;base64,{b64})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", data_uri, css)
    js = _static("leaflet.js").decode("utf-8").replace("</script", "<\\/script")
    bush = _static("flatbush.js").decode("utf-8").replace("</script", "<\\/script")
    cluster = _static("supercluster.min.js").decode("utf-8").replace("</script", "<\\/script")
    patches = _static("ecospace-patches.js").decode("utf-8").replace("</script", "<\\/script")
    return (
        f"<!-- Leaflet {LEAFLET_VERSION} (BSD-2-Clause), inlined by ecospace -->\n"
        f"<style>{css}</style>\n<script>{js}</script>\n"
        f"<!-- Flatbush {FLATBUSH_VERSION} (ISC), inlined by ecospace -->\n"
        f"<script>{bush}</script>\n<script>{patches}</script>\n"
        f"<!-- Supercluster {SUPERCLUSTER_VERSION} with KDBush (ISC), inlined by ecospace -->\n"
        f"<script>{cluster}</script>\n"
        "<style>.ecospace-conflict{fill:url(#ecospace-hatch);fill-opacity:1}"
        ".ecospace-protected{fill:url(#ecospace-protected-hatch);fill-opacity:1}"
        # clicks inside a protected area reach the red line and farmland under it
        ".leaflet-pane>svg path.leaflet-interactive.ecospace-protected"
        "{pointer-events:visibleStroke}"
        ".leaflet-container{background:#ffffff}</style>"
    )


_HATCH_SVG = (
    '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
    '<pattern id="ecospace-hatch" patternUnits="userSpaceOnUse" width="8" height="8" '
    'patternTransform="rotate(45)"><rect width="8" height="8" fill="#ff00ff" '
    'fill-opacity="0.15"/><line x1="0" y1="0" x2="0" y2="8" stroke="#ff00ff" '
    'stroke-width="3"/></pattern>'
    # protected areas: green lines only, no wash (green over the red line's pink is brown)
    '<pattern id="ecospace-protected-hatch" patternUnits="userSpaceOnUse" width="10" height="10" '
    'patternTransform="rotate(-45)"><line x1="0" y1="0" x2="0" y2="10" stroke="#1b7837" '
    'stroke-width="1.5"/></pattern></defs></svg>'
)


def _add_basemap(m: folium.Map, basemap: str | None, key: str | None) -> None:
    if basemap == "osm":
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap 底图", overlay=False).add_to(m)
    elif basemap == "tianditu":
        attr = "© 天地图 国家地理信息公共服务平台 (tianditu.gov.cn)"
        for layer, name, overlay in (
            ("vec", "天地图 矢量 Tianditu vector", False),
            ("img", "天地图 影像 Tianditu imagery", False),
            ("cva", "天地图 注记 Tianditu labels", True),
        ):
            folium.TileLayer(
                _TIANDITU.format(layer=layer, key=key),
                name=name,
                attr=attr,
                overlay=overlay,
                subdomains="01234567",
                max_zoom=18,
                show=layer != "img",
            ).add_to(m)


class _Legend(MacroElement):
    """A Leaflet control listing the layers drawn, Chinese label with English."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .ecospace-legend {background: rgba(255,255,255,0.92); padding: 6px 10px; font: 12px/1.5
          "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; border-radius: 4px;
          box-shadow: 0 1px 4px rgba(0,0,0,0.3);}
        .ecospace-legend h4 {margin: 0 0 4px; font-size: 13px;}
        .ecospace-legend i {display: inline-block; width: 18px; height: 12px; margin-right: 6px;
          vertical-align: middle; box-sizing: border-box;}
        .ecospace-legend .en {color: #666;}
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: "bottomright"});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", "ecospace-legend");
            div.innerHTML = {{ this.html|tojson }};
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, entries: list[tuple[str, str, dict]]):
        super().__init__()
        self._name = "Legend"
        rows = ["<h4>图例 Legend</h4>"]
        for zh, en, style in entries:
            if not style:  # conflicts: the hatch
                swatch = (
                    "background: repeating-linear-gradient(45deg, #ff00ff 0 3px, "
                    "rgba(255,0,255,0.15) 3px 8px); border: 2px solid #ff00ff"
                )
            elif style.get("className") == "ecospace-protected":
                swatch = (
                    f"background: repeating-linear-gradient(-45deg, {style['color']} 0 2px, "
                    f"transparent 2px 6px); border: 2px solid {style['color']}"
                )
            elif style.get("fill", True):
                swatch = (
                    f"background: {style.get('fillColor', style['color'])}; "
                    f"border: 2px solid {style['color']}"
                )
            else:
                border = "dashed" if style.get("dashArray") else "solid"
                swatch = f"border: 2px {border} {style['color']}"
            rows.append(
                f'<div><i style="{swatch}"></i>{html.escape(zh)} '
                f'<span class="en">{html.escape(en)}</span></div>'
            )
        self.html = "".join(rows)


class _ScaleBar(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false, maxWidth: 150})
            .addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "ScaleBar"


class _Title(MacroElement):
    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .ecospace-title {position: absolute; z-index: 1000; top: 10px; left: 50%;
          transform: translateX(-50%); background: rgba(255,255,255,0.9); padding: 4px 12px;
          font: bold 16px "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; border-radius: 4px;
          box-shadow: 0 1px 4px rgba(0,0,0,0.3); pointer-events: none; white-space: nowrap;}
        .leaflet-top {top: 44px;}
        </style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
        <div class="ecospace-title">{{ this.text }}</div>
        {% endmacro %}
        """
    )

    def __init__(self, title: str):
        super().__init__()
        self._name = "Title"
        self.text = html.escape(title)


def _legend_rank(zh: str) -> int:
    ranks = {ROLE_STYLES[r]["zh"]: i for i, r in enumerate(LAYER_ORDER)}
    return ranks.get(zh, len(ranks))


class _TownshipLabels(MacroElement):
    """Township names as permanent labels at a point inside each township."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .ecospace-township-label {background: transparent; border: none; box-shadow: none;
          color: #333; font: 13px "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
          text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; padding: 0;}
        .ecospace-township-label::before {display: none;}
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        {{ this.labels|tojson }}.forEach(function (t) {
            L.tooltip({permanent: true, direction: "center", interactive: false,
                       className: "ecospace-township-label"})
                .setLatLng([t[1], t[2]]).setContent(t[0]).addTo({{ this._parent.get_name() }});
        });
        {% endmacro %}
        """
    )

    def __init__(self, townships: gpd.GeoDataFrame | None):
        super().__init__()
        self._name = "TownshipLabels"
        self.labels: list = []
        if townships is None or not len(townships):
            return
        names = _pick(townships, _NAME_FIELDS["townships"])
        if names is None:
            return
        pts = shapely.point_on_surface(townships.to_crs("EPSG:4326").geometry.values)
        xy = shapely.get_coordinates(pts)
        self.labels = [
            [html.escape(str(n)), round(float(y), 6), round(float(x), 6)]
            for n, (x, y) in zip(names, xy, strict=True)
            if n is not None and str(n)
        ]


class _ConflictNumbers(MacroElement):
    """A numbered marker on every conflict piece, the numbers of :func:`conflict_table`.

    Markers keep their size at every zoom, so the conflicts show at county scale too;
    markers that would cover each other are gathered (Supercluster) into one showing how
    many they are (``12处``), which zooms in when clicked.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .ecospace-conflict-no {background: #ff00ff; color: #fff; border: 2px solid #fff;
          border-radius: 11px; font: bold 11px/18px sans-serif; text-align: center;
          box-shadow: 0 0 3px rgba(0,0,0,0.6);}
        .ecospace-conflict-cluster {background: #fff; color: #b000b0; border: 3px solid #ff00ff;
          font: bold 11px/16px sans-serif;}
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.layerGroup();
        (function (group, map, rows) {
            var index = new Supercluster({radius: 28, maxZoom: 17}).load(rows.map(
                function (c, i) { return {type: "Feature", properties: {i: i},
                    geometry: {type: "Point", coordinates: [c[2], c[1]]}}; }));
            function marker(ll, text, cls, title) {
                var w = 12 + 7 * text.length;
                return L.marker(ll, {icon: L.divIcon({className: cls, html: text,
                    iconSize: [w, 22], iconAnchor: [w / 2, 11]}), title: title,
                    keyboard: false});
            }
            function update() {
                group.clearLayers();
                var b = map.getBounds(), z = Math.round(map.getZoom());
                index.getClusters([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], z)
                .forEach(function (f) {
                    var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]], m;
                    if (f.properties.cluster) {
                        var id = f.properties.cluster_id, n = f.properties.point_count;
                        m = marker(ll, n + "处", "ecospace-conflict-no ecospace-conflict-cluster",
                                   n + " 处冲突，点击放大 " + n + " conflicts: click to zoom in");
                        m.on("click", function () {
                            map.setView(ll, index.getClusterExpansionZoom(id));
                        });
                    } else {
                        var c = rows[f.properties.i];
                        m = marker(ll, String(c[0]), "ecospace-conflict-no", "冲突 " + c[0])
                            .bindPopup(c[3]);
                    }
                    m.addTo(group);
                });
            }
            map.on("moveend", update);
            map.whenReady(update);
        })({{ this.get_name() }}, {{ this._parent.get_name() }}, {{ this.rows|tojson }});
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, table: gpd.GeoDataFrame):
        super().__init__()
        self._name = "ConflictNumbers"
        self.rows: list = []
        if not len(table):
            return
        xy = shapely.get_coordinates(table.to_crs("EPSG:4326").geometry.values)
        for (x, y), row in zip(xy, table.itertuples(index=False), strict=True):
            cells = [
                ("冲突编号 No.", str(row.no)),
                ("类型 Type", row.label_zh),
                ("要素号 FID", row.ids),
                ("标识码 Code", row.codes),
                ("面积 Area", _conflict_area(row.area_m2, row.method)),
                ("乡镇 Township", row.township),
            ]
            popup = (
                "<table>"
                + "".join(
                    f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
                    for k, v in cells
                    if v
                )
                + "</table>"
            )
            self.rows.append([int(row.no), round(float(y), 6), round(float(x), 6), popup])


def _conflict_area(m2: float, method: str) -> str:
    if not np.isfinite(m2) or method not in METHOD_SHORT:
        return f"{m2 / 1e4:,.2f} 公顷" if np.isfinite(m2) else ""
    return str(_area_text(np.array([m2]), method)[0])


class _DataScript(Element):
    """``window.ecospaceData``: the packed layers, inline or from the file beside the page.

    Rendered as is: going through a Jinja template, tens of MB of base64 would be lexed
    as template text (seconds per page).
    """

    def __init__(self, layers: _Layers):
        super().__init__()
        self._layers = layers

    def render(self, **kwargs) -> str:
        src = self._layers.data_src
        if src:
            return f'<script src="{html.escape(src)}"></script>'
        return f'<script>window.ecospaceData = "{self._layers.data}";</script>'


class _Layers(MacroElement):
    """Packed patch layers (if any), then the layer list in the annex's order.

    Sets ``window.ecospaceReady`` once every layer has drawn its first tiles.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this.map_name }};
            var metas = {{ this.metas|tojson }};
            var entries = {{ this.entries|tojson }};
            function finish(patchLayers) {
                var overlays = {};
                entries.forEach(function (e) {
                    var layer = e[1] ? window[e[1]] : patchLayers[e[2]];
                    if (layer) overlays[e[0]] = layer;
                });
                {% if this.markers %}
                overlays["冲突编号 Conflict numbers"] = {{ this.markers }};
                {% endif %}
                // collapsed: expanded, the list of ten layers covers a third of the county
                L.control.layers(null, overlays, {collapsed: true, position: "topright"})
                    .addTo(map);
            }
            if (!metas.length) { finish({}); window.ecospaceReady = true; return; }
            window.ecospacePatches.load(window.ecospaceData, metas).then(function (data) {
                var layers = {}, list = [];
                var waiting = metas.filter(function (m) { return m.show; }).length;
                if (!waiting) window.ecospaceReady = true;
                metas.forEach(function (m, i) {
                    var pane = map.createPane("ecospace-patches-" + m.key);
                    pane.style.zIndex = 380 + i;
                    var layer = new window.ecospacePatches.PatchLayer(data[m.key], m.style,
                        {pane: "ecospace-patches-" + m.key});
                    if (m.show) layer.once("load", function () {
                        if (--waiting) return;
                        var t = window.ecospaceTiming;
                        t.drawn = performance.now() - t.start;
                        window.ecospaceReady = true;
                    });
                    if (m.show) layer.addTo(map);
                    layers[m.key] = layer;
                    list.push(layer);
                });
                window.ecospacePatches.enableClicks(map, list);
                window.ecospaceLayers = layers;
                finish(layers);
            }).catch(function (err) { console.error("ecospace: map data not readable", err); });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, m, packed: PackedLayers | None, entries, markers):
        super().__init__()
        self._name = "Layers"
        self.map_name = m.get_name()
        self.metas = packed.meta if packed is not None else []
        self.data = packed.data if packed is not None else ""
        self.data_src: str | None = None  # set by save_map: the data file beside the page
        self.entries = [list(e) for e in entries]
        self.markers = markers.get_name() if markers.rows else ""
