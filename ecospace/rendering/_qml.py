"""QGIS layer styles (``.qml``) that colour exported layers as the annex does (private).

Used by :mod:`ecospace.gis_export`.  A role's layer (differing features of the red line,
of farmland …) is drawn in the role's colour from :data:`ecospace.rendering.styles.ROLE_STYLES`;
a conflict layer (overlaps, protected areas outside the red line, duplicates) is hatched
in the colour of its kind from :data:`ecospace.rendering.styles.CONFLICT_COLOURS`, as on the
annex's conflicts page.  Styles are written as QGIS 3 writes them: ``<Option>`` maps, with
the older ``<prop k v>`` pairs beside them so that QGIS 3.10–3.20 reads them too.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from ecospace.rendering.styles import CONFLICT_COLOURS, ROLE_STYLES, conflict_kind


def _rgba(hex_colour: str, opacity: float = 1.0) -> str:
    """``'#e31a1c'`` → ``'227,26,28,255'``, the colour notation of QGIS styles."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(opacity * 255)}"


def _symbol_layer(parent: ET.Element, cls: str, props: dict[str, str]) -> ET.Element:
    layer = ET.SubElement(parent, "layer", {"class": cls, "enabled": "1", "locked": "0"})
    options = ET.SubElement(layer, "Option", {"type": "Map"})
    for k, v in props.items():
        ET.SubElement(options, "Option", {"type": "QString", "name": k, "value": v})
    for k, v in props.items():
        ET.SubElement(layer, "prop", {"k": k, "v": v})
    return layer


def _fill(parent: ET.Element, fill: str, outline: str, width_mm: float, *, hollow=False) -> None:
    _symbol_layer(
        parent,
        "SimpleFill",
        {
            "color": fill,
            "style": "no" if hollow else "solid",
            "outline_color": outline,
            "outline_style": "solid",
            "outline_width": f"{width_mm:g}",
            "outline_width_unit": "MM",
        },
    )


def _hatch(parent: ET.Element, colour: str, width_mm: float) -> None:
    layer = _symbol_layer(
        parent,
        "LinePatternFill",
        {
            "angle": "45",
            "color": colour,
            "distance": "1.2",
            "distance_unit": "MM",
            "line_width": f"{width_mm:g}",
            "line_width_unit": "MM",
        },
    )
    line = ET.SubElement(
        layer, "symbol", {"type": "line", "name": "@0@1", "alpha": "1", "clip_to_extent": "1"}
    )
    _symbol_layer(
        line,
        "SimpleLine",
        {
            "line_color": colour,
            "line_style": "solid",
            "line_width": f"{width_mm:g}",
            "line_width_unit": "MM",
        },
    )


def _document(build) -> str:
    root = ET.Element("qgis", {"version": "3.28.0", "styleCategories": "Symbology"})
    renderer = ET.SubElement(
        root, "renderer-v2", {"type": "singleSymbol", "symbollevels": "0", "forceraster": "0"}
    )
    symbols = ET.SubElement(renderer, "symbols")
    symbol = ET.SubElement(
        symbols, "symbol", {"type": "fill", "name": "0", "alpha": "1", "clip_to_extent": "1"}
    )
    build(symbol)
    ET.SubElement(root, "layerGeometryType").text = "2"  # polygons
    ET.indent(root)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        root, encoding="unicode"
    )


def role_qml(role: str) -> str:
    """The style of a role's features: its fill and outline as on the maps and the annex.

    Examples
    --------
    >>> from xml.etree import ElementTree as ET
    >>> doc = ET.fromstring(role_qml("red_line").split("\\n", 1)[1])
    >>> doc.find(".//layer[@class='SimpleFill']/prop[@k='outline_color']").get("v")
    '227,26,28,255'
    """
    style = ROLE_STYLES[role]["style"]
    line = style.get("color", "#000000")
    fill = style.get("fillColor", line)
    opacity = float(style.get("fillOpacity", 0.3))
    width = max(0.26, 0.26 * float(style.get("weight", 1)))

    def build(symbol: ET.Element) -> None:
        hollow = style.get("fill") is False
        _fill(symbol, _rgba(fill, opacity), _rgba(line), width, hollow=hollow)
        if role == "protected_area":  # green outline over a light hatch, as on the annex
            _hatch(symbol, _rgba(fill), 0.2)

    return _document(build)


def conflict_qml(name: str) -> str:
    """The style of a conflict layer (``overlap_red_line__basic_farmland`` …): hatched in
    the colour of its kind, as on the annex's conflicts page.

    Examples
    --------
    >>> "255,0,255,255" in conflict_qml("overlap_red_line__basic_farmland")  # magenta
    True
    """
    colour = CONFLICT_COLOURS[conflict_kind(name)]

    def build(symbol: ET.Element) -> None:
        _fill(symbol, _rgba(colour, 0.15), _rgba(colour), 0.4)
        _hatch(symbol, _rgba(colour), 0.25)

    return _document(build)
