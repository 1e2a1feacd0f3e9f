"""One vocabulary: every choice ecospace knows, defined once.

Roles of layers, area methods, denominators, measures, operators, statuses and units are
named here and imported everywhere else — the loader, the plan schema, the CLI's
``click.Choice`` lists and the reports.  Labels in Chinese and English for the reports live
beside the names (the rendering stage's label table builds on them).

>>> from ecospace.vocabulary import CONTROL_LINES, METHODS
>>> CONTROL_LINES
('red_line', 'basic_farmland', 'urban_boundary')
>>> METHODS[0]
'ellipsoid'
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "AREA_UNITS",
    "CLASS_LABELS",
    "CLASS_SETS",
    "CONTROL_LINES",
    "DENOMINATORS",
    "DPI_RANGE",
    "FIGURE_COLUMNS",
    "FIGURE_ONLY_ROLES",
    "ID_FIELDS",
    "MEASURES",
    "METHODS",
    "METHOD_LABELS",
    "METHOD_SHORT",
    "OPS",
    "ORIENTATIONS",
    "PAPER_SIZES",
    "ROLES",
    "ROLE_LABELS",
    "STATUSES",
    "DenominatorSource",
    "Method",
]

#: Roles of a county's layers (DOMAIN.md §1).
ROLES: tuple[str, ...] = (
    "boundary",
    "townships",
    "red_line",
    "basic_farmland",
    "urban_boundary",
    "protected_area",
    "land_use",
)
#: Roles a plan figure may name although no layer of a county carries them: the marine
#: red line (海洋生态保护红线) lies at sea, beyond the land layers; `check` reports its
#: figures as not measurable from the layers.  A layer is never given one of these.
FIGURE_ONLY_ROLES: tuple[str, ...] = ("marine_red_line",)
#: The three control lines (三条控制线): "不交叉、不重叠、不冲突".
CONTROL_LINES: tuple[str, ...] = ("red_line", "basic_farmland", "urban_boundary")
ROLE_LABELS: dict[str, dict[str, str]] = {
    "boundary": {"zh": "行政区（县界）", "en": "county boundary"},
    "townships": {"zh": "乡镇界", "en": "townships"},
    "red_line": {"zh": "生态保护红线", "en": "ecological protection red line"},
    "basic_farmland": {"zh": "永久基本农田", "en": "permanent basic farmland"},
    "urban_boundary": {"zh": "城镇开发边界", "en": "urban development boundary"},
    "protected_area": {"zh": "自然保护地", "en": "protected areas"},
    "land_use": {"zh": "地类图斑", "en": "land-use parcels"},
    "marine_red_line": {"zh": "海洋生态保护红线", "en": "marine ecological protection red line"},
}

#: Area methods (DOMAIN.md §3): the official 2008 series, GeographicLib, planar.
Method = Literal["ellipsoid", "geodesic", "planar"]
METHODS: tuple[str, ...] = ("ellipsoid", "geodesic", "planar")
#: How each method is named in reports.
METHOD_LABELS: dict[str, dict[str, str]] = {
    "ellipsoid": {
        "zh": "椭球面积（国土调查办发〔2008〕32号，CGCS2000椭球）",
        "en": "ellipsoidal area (2008 national land survey formula)",
    },
    "geodesic": {
        "zh": "测地线面积（GeographicLib，边为椭球面上的大地线）",
        "en": "geodesic area (GeographicLib, edges are geodesics on the ellipsoid)",
    },
    "planar": {
        "zh": "平面面积（投影坐标）",
        "en": "planar area (projected coordinates)",
    },
}
#: Short method names for table cells and map popups (the full name is in the header).
METHOD_SHORT: dict[str, dict[str, str]] = {
    "ellipsoid": {"zh": "椭球面积", "en": "ellipsoidal area"},
    "geodesic": {"zh": "测地线面积", "en": "geodesic area"},
    "planar": {"zh": "平面面积", "en": "planar area"},
}

#: What a share divides by: the boundary layer's computed area, the plan's stated total,
#: or its survey area.
DenominatorSource = Literal["boundary", "stated", "survey"]
DENOMINATORS: tuple[str, ...] = ("boundary", "stated", "survey")

#: What a plan figure measures.
MEASURES: tuple[str, ...] = ("area", "share", "overlap", "outside", "land_cover", "count", "stated")
#: Comparison operators of a plan figure (canonical forms).
OPS: tuple[str, ...] = (">=", "<=", "=", ">", "<")
#: Verdicts of a checked figure.
STATUSES: tuple[str, ...] = ("pass", "fail", "within precision", "not measured")
#: Area units a plan may state a figure in.
AREA_UNITS: tuple[str, ...] = ("m2", "ha", "km2", "mu", "wanmu")

#: Columns of a check result's figure table (``CheckResult.figures``), in order.
FIGURE_COLUMNS: tuple[str, ...] = (
    "id",
    "label",
    "measure",
    "roles",
    "op",
    "stated",
    "unit",
    "precision",
    "measured",
    "difference",
    "difference_pct",
    "status",
    "binding",
    "method",
    "method_dependent",
    "denominator",
    "denominator_m2",
    "measured_alt",
    "measured_m2",
    "method_other",
    "measured_other_method",
    "status_other_method",
    "reason",
    "year",
    "quote",
    "line",
)

#: Default land-cover class sets: 三调 DLBM codes (DOMAIN.md §1); a plan may override them.
CLASS_SETS: dict[str, list[str]] = {
    "forest": ["0301", "0302", "0305", "0307"],
    "forest_grass": ["0301", "0302", "0305", "0307", "04"],
    "wetland": ["0303", "0304", "0306", "0402", "0603", "1105", "1106", "1108"],
    "cropland": ["0101", "0102", "0103"],
}

CLASS_LABELS: dict[str, dict[str, str]] = {
    "forest": {"zh": "森林覆盖率", "en": "forest cover"},
    "forest_grass": {"zh": "林草覆盖率", "en": "forest and grass cover"},
    "wetland": {"zh": "湿地", "en": "wetland"},
    "cropland": {"zh": "耕地", "en": "cropland"},
}

#: Paper sizes of the map annex in inches, portrait (ISO 216: A4 210 × 297 mm, A3 297 × 420 mm).
PAPER_SIZES: dict[str, tuple[float, float]] = {
    "A4": (210 / 25.4, 297 / 25.4),
    "A3": (297 / 25.4, 420 / 25.4),
}
#: Page orientations of the map annex (``auto`` turns the page to the county's shape).
ORIENTATIONS: tuple[str, ...] = ("auto", "portrait", "landscape")
#: Resolutions (dots per inch) accepted for annex pages: screen to fine print; an A3 page
#: at 1200 dpi is already ~280 megapixels.
DPI_RANGE: tuple[int, int] = (50, 1200)

#: Attribute fields that identify a source feature to GIS staff, first match wins.
ID_FIELDS: tuple[str, ...] = (
    "YJJBNTTBBH",
    "TBBH",
    "BSM",
    "HXBH",
    "HXMC",
    "ZRBHDMC",
    "XZQDM",
    "XZQMC",
    "GHFQDM",
    "MC",
    "NAME",
    "name",
)
