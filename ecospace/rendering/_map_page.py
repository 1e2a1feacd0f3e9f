"""The map page's furniture: inlined Leaflet and plugins, hatch patterns, base maps, legend,
scale bar and title (private; used by :func:`ecospace.rendering.maps.make_map`).

Leaflet, Flatbush and Supercluster are inlined from the copies vendored in
``ecospace/_static`` (see its README), so the page makes no request when it opens.
"""

from __future__ import annotations

import base64
import html
import re
from importlib import resources

import folium
from branca.element import MacroElement
from folium.template import Template

from ecospace.rendering.styles import (
    LAYER_ORDER,
    ROLE_STYLES,
)

LEAFLET_VERSION = "1.9.4"
FLATBUSH_VERSION = "4.7.0"
SUPERCLUSTER_VERSION = "9.1.0"

_TIANDITU = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)


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
        # the id: the patch layers' worker runs the same source
        f'<script id="ecospace-flatbush">{bush}</script>\n<script>{patches}</script>\n'
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
