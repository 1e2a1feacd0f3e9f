"""How planning layers and their conflicts look and are named on the maps (private).

Shared by :mod:`ecospace.maps` (web map) and :mod:`ecospace.annex` (printed annex), which
re-export the public names; nothing here needs folium or matplotlib.
"""

from __future__ import annotations

from typing import Any

from ecospace.geometry.area import METHOD_SHORT as _AREA_METHOD_SHORT

#: Drawing order (bottom to top), colours and bilingual labels of the layer roles.
ROLE_STYLES: dict[str, dict[str, Any]] = {
    "land_use": {
        "zh": "土地利用现状",
        "en": "Land use",
        "short": "Land use",
        "style": {"color": "#8c8c8c", "weight": 0.3, "fillOpacity": 0.45},
    },
    "red_line": {
        "zh": "生态保护红线",
        "en": "Ecological protection red line",
        "short": "Red line",
        "style": {"color": "#e31a1c", "fillColor": "#e31a1c", "weight": 1.5, "fillOpacity": 0.35},
    },
    "basic_farmland": {
        "zh": "永久基本农田",
        "en": "Permanent basic farmland",
        "short": "Basic farmland",
        "style": {"color": "#b8860b", "fillColor": "#ffd700", "weight": 0.5, "fillOpacity": 0.6},
    },
    "urban_boundary": {
        "zh": "城镇开发边界",
        "en": "Urban development boundary",
        "short": "Urban boundary",
        "style": {"color": "#7b2cbf", "fillColor": "#9d4edd", "weight": 2, "fillOpacity": 0.3},
    },
    # above the area fills, as a green outline over a light hatch (the ecospace-protected
    # class): a green fill over the red line would blend into brown
    "protected_area": {
        "zh": "自然保护地",
        "en": "Protected areas",
        "short": "Protected areas",
        "style": {
            "color": "#1b7837",
            "fillColor": "#5aae61",
            "weight": 2.5,
            "fillOpacity": 0.15,
            "className": "ecospace-protected",
        },
    },
    "townships": {
        "zh": "乡镇界",
        "en": "Township boundaries",
        "short": "Townships",
        "style": {"color": "#555555", "weight": 1, "dashArray": "4 3", "fill": False},
    },
    "boundary": {
        "zh": "县级行政区界",
        "en": "County boundary",
        "short": "County",
        "style": {"color": "#000000", "weight": 2.5, "fill": False},
    },
}

#: Order of the layer list and legend on the web map and the annex pages (top to bottom):
#: the three control lines, protected areas, boundaries, then land use.
LAYER_ORDER: tuple[str, ...] = (
    "basic_farmland",
    "red_line",
    "urban_boundary",
    "protected_area",
    "townships",
    "boundary",
    "land_use",
)

#: Entries of ``measure_county(...).conflicts`` that are not conflicts: protected areas
#: legitimately overlap each other (a forest park inside a nature reserve).
NOT_CONFLICTS: tuple[str, ...] = ("self_overlap_protected_area",)

#: Style of conflict pieces (overlaps, containment failures, duplicates): magenta, hatched.
CONFLICT_STYLE: dict[str, Any] = {
    "color": "#ff00ff",
    "fillColor": "#ff00ff",
    "weight": 2,
    "fillOpacity": 0.5,
    "className": "ecospace-conflict",
}

#: Colours of conflict pieces on the annex and in exported layer styles, by kind:
#: overlaps magenta, parts outside what must contain them orange, the rest (duplicates,
#: overlaps within a layer) blue.
CONFLICT_COLOURS: dict[str, str] = {"overlap": "#ff00ff", "outside": "#ff7f00", "other": "#1f78b4"}


def conflict_kind(name: str) -> str:
    """Key of :data:`CONFLICT_COLOURS` for a conflict layer named as by ``measure_county``.

    Examples
    --------
    >>> conflict_kind("overlap_red_line__urban_boundary"), conflict_kind("duplicate_red_line")
    ('overlap', 'other')
    """
    kind = name.split("_", 1)[0]
    return kind if kind in CONFLICT_COLOURS else "other"


#: 三调 first-level land-use classes (GB/T 21010-2017 work classification) and display colours.
LAND_USE_CLASSES: dict[str, tuple[str, str]] = {
    "01": ("耕地", "#f5e17a"),
    "02": ("园地", "#d9b44a"),
    "03": ("林地", "#3f8f3f"),
    "04": ("草地", "#a6d96a"),
    "05": ("商业服务业用地", "#e6550d"),
    "06": ("工矿用地", "#bc80bd"),
    "07": ("住宅用地", "#fb8072"),
    "08": ("公共管理与公共服务用地", "#fdb462"),
    "09": ("特殊用地", "#b3b3b3"),
    "10": ("交通运输用地", "#969696"),
    "11": ("水域及水利设施用地", "#6baed6"),
    "12": ("其他土地", "#d9d9d9"),
}

#: Short Chinese method names for popups, from the single source in ecospace.geometry.area.
METHOD_SHORT: dict[str, str] = {m: names["zh"] for m, names in _AREA_METHOD_SHORT.items()}


def conflict_label(name: str) -> tuple[str, str]:
    """Bilingual label of a conflict layer named as by ``measure_county``.

    Examples
    --------
    >>> conflict_label("overlap_basic_farmland__urban_boundary")[0]
    '永久基本农田与城镇开发边界重叠'
    >>> conflict_label("outside_protected_area__red_line")[1]
    'Protected areas outside Ecological protection red line'
    """
    kind, roles = "", []
    for prefix in ("self_overlap", "duplicate", "overlap", "outside"):
        if name.startswith(prefix + "_"):
            kind, rest = prefix, name[len(prefix) + 1 :]
            roles = rest.split("__")
            break
    if not kind or not all(r in ROLE_STYLES for r in roles):
        return name, name
    zh = [ROLE_STYLES[r]["zh"] for r in roles]
    en = [ROLE_STYLES[r]["en"] for r in roles]
    if kind == "outside" and len(roles) == 2:
        return f"{zh[0]}超出{zh[1]}", f"{en[0]} outside {en[1]}"
    if kind == "overlap" and len(roles) == 2:
        return f"{zh[0]}与{zh[1]}重叠", f"{en[0]} overlapping {en[1]}"
    if kind == "duplicate" and len(roles) == 1:
        return f"{zh[0]}重复图斑", f"duplicated {en[0]} features"
    if kind == "self_overlap" and len(roles) == 1:
        return f"{zh[0]}内部重叠", f"{en[0]} overlapping itself"
    return name, name
