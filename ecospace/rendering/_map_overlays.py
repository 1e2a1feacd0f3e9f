"""What the map draws over its layers: township names, numbered conflict markers, the packed
patch layers and the layer list (private; used by :func:`ecospace.rendering.maps.make_map`).
"""

from __future__ import annotations

import html

import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, MacroElement
from folium.template import Template

from ecospace.rendering._display import (
    _NAME_FIELDS,
    _area_text,
    _pick,
)
from ecospace.rendering._map_data import PackedLayers
from ecospace.rendering.styles import (
    METHOD_SHORT,
)


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


#: Base64 characters per inline data block (a multiple of 4: each block decodes alone).
PIECE_CHARS = 4_000_000


class _DataScript(Element):
    """The packed layers: inline, or ``window.ecospaceData`` from the file beside the page.

    Rendered as is: going through a Jinja template, tens of MB of base64 would be lexed
    as template text (seconds per page).  Inline, the base64 sits in data blocks (a
    ``<script>`` of a non-JavaScript type, read through ``textContent``), not in a string
    literal: Chromium then only tokenises it, where V8 would also parse a 40 MB literal
    (measured on the 827 000-patch page: 0.6 s instead of 1.4–2.7 s).  Base64 holds no
    ``<``, so a block cannot end early.  The blocks are pieces of :data:`PIECE_CHARS`
    (whole base64 quanta), each followed by a call handing it to the page's inflating
    worker, so that inflating overlaps reading the rest of the page.
    """

    def __init__(self, layers: _Layers):
        super().__init__()
        self._layers = layers

    def render(self, **kwargs) -> str:
        src = self._layers.data_src
        if src:
            return f'<script src="{html.escape(src)}"></script>'
        data = self._layers.data
        if not data:
            return ""
        blocks = [
            f'<script type="application/octet-stream" id="ecospace-data-{k}">'
            f"{data[i : i + PIECE_CHARS]}</script>"
            f'<script>window.ecospacePatches.feed("ecospace-data-{k}");</script>'
            for k, i in enumerate(range(0, len(data), PIECE_CHARS))
        ]
        return "\n".join([*blocks, "<script>window.ecospacePatches.feed(null);</script>"])


class _Layers(MacroElement):
    """Packed patch layers (if any), then the layer list in the annex's order.

    Sets ``window.ecospaceReady`` once every layer has drawn its first tiles, then builds
    the layers' click indexes and sets ``window.ecospaceIndexed`` (clicks are answered
    before that too, by a scan of the features' boxes).
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
            if (!metas.length) {
                finish({});
                window.ecospaceReady = window.ecospaceIndexed = true;
                return;
            }
            window.ecospacePatches.load(window.ecospaceData, metas).then(function (data) {
                var layers = {}, list = [];
                var waiting = metas.filter(function (m) { return m.show; }).length;
                function drawn() {
                    window.ecospaceReady = true;
                    window.ecospacePatches.indexAll(list);
                }
                metas.forEach(function (m, i) {
                    var pane = map.createPane("ecospace-patches-" + m.key);
                    pane.style.zIndex = 380 + i;
                    var layer = new window.ecospacePatches.PatchLayer(data[m.key], m.style,
                        {pane: "ecospace-patches-" + m.key});
                    if (m.show) layer.once("load", function () {
                        if (--waiting) return;
                        window.ecospacePatches.mark("drawn");
                        drawn();
                    });
                    if (m.show) layer.addTo(map);
                    layers[m.key] = layer;
                    list.push(layer);
                });
                window.ecospacePatches.enableClicks(map, list);
                window.ecospaceLayers = layers;
                finish(layers);
                if (!waiting) drawn();
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
