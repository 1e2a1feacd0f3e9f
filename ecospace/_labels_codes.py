"""Printable names of the library's codes: statuses, measures, roles, denominators, area
methods, units, audit severities and kinds, township kinds, overlap statuses.

Each table maps a code to ``(中文, English)``; :func:`_lookup` reads one in a language
and leaves a code the table does not know as it is.  Part of the label table that
:mod:`ecospace.labels` gathers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from ecospace.errors import EcospaceError
from ecospace.units import UNIT_LABELS
from ecospace.vocabulary import METHOD_LABELS
from ecospace.vocabulary import METHOD_SHORT as _AREA_METHOD_SHORT

Lang = Literal["zh", "en"]

_STATUS = {
    "pass": ("符合", "pass"),
    "fail": ("不符合", "FAIL"),
    "within precision": ("精度内符合", "within precision"),
    "not measured": ("未核查", "not measured"),
}

_MEASURES = {
    "area": ("面积", "area"),
    "share": ("占比", "share"),
    "overlap": ("重叠", "overlap"),
    "outside": ("范围外面积", "outside"),
    "land_cover": ("地类覆盖", "land cover"),
    "count": ("数量", "count"),
    "stated": ("仅规划陈述", "stated only"),
}

_ROLES = {
    "boundary": ("行政区", "county boundary"),
    "townships": ("乡镇", "townships"),
    "red_line": ("生态保护红线", "ecological red line"),
    "basic_farmland": ("永久基本农田", "permanent basic farmland"),
    "urban_boundary": ("城镇开发边界", "urban development boundary"),
    "protected_area": ("自然保护地", "protected areas"),
    "land_use": ("地类图斑", "land-use parcels"),
    "marine_red_line": ("海洋生态保护红线", "marine red line"),
}

_DENOMINATORS = {
    "boundary": ("行政区图层计算面积", "computed area of the boundary layer"),
    "stated": ("规划所述总面积", "total area stated in the plan"),
    "survey": ("调查面积", "survey area"),
}

# method names come from the single source, ecospace.vocabulary
_METHODS = {m: (names["zh"], names["en"]) for m, names in METHOD_LABELS.items()}

#: Short method names for table cells (the header gives the full name and its source).
METHOD_SHORT = {m: (names["zh"], names["en"]) for m, names in _AREA_METHOD_SHORT.items()}

_SEVERITY = {"error": ("错误", "error"), "warning": ("警告", "warning"), "info": ("提示", "info")}


def _i(lang: str) -> int:
    if lang not in ("zh", "en"):
        raise EcospaceError(f"unknown report language {lang!r}; use 'zh' (Chinese) or 'en'")
    return 0 if lang == "zh" else 1


def _lookup(table: Mapping[str, tuple[str, str]], key: Any, lang: str) -> str:
    if key is None or (isinstance(key, float) and math.isnan(key)):
        return ""
    pair = table.get(str(key))
    return pair[_i(lang)] if pair else str(key)


def role_label(role: str, lang: Lang = "zh") -> str:
    """Printable name of a layer role (``red_line`` → 生态保护红线)."""
    return _lookup(_ROLES, role, lang)


def method_label(method: str, lang: Lang = "zh") -> str:
    """Printable name of an area method (:data:`ecospace.vocabulary.METHOD_LABELS`)."""
    try:
        return METHOD_LABELS[method][lang]
    except (KeyError, TypeError):
        return _lookup(_METHODS, method, lang)


def unit_label(unit: Any, lang: Lang = "zh") -> str:
    """Printable name of a figure unit (ha → 公顷; % and count stay as they are)."""
    if unit is None or (isinstance(unit, float) and math.isnan(unit)):
        return ""
    if unit == "count":
        return "个" if lang == "zh" else "count"
    if unit == "ratio":  # a dimensionless multiple, 扩展倍数 1.21倍
        return "倍" if lang == "zh" else "×"
    return UNIT_LABELS.get(str(unit), {}).get(lang, str(unit))


_KINDS = {
    "township": ("乡镇", "township"),
    "townships_overlap": ("乡镇间重叠", "townships overlap"),
    "not_in_townships": ("不属于任何乡镇", "in no township"),
    "townships_outside_boundary": ("超出县界", "outside the county"),
    "method_residue": ("面积计算余差", "method residue"),
    "total": ("合计", "total"),
}

#: What a township row is, from the end of its name: 镇, 乡 (民族乡 too) or 街道.
_TOWNSHIP_SUFFIXES = (
    ("街道办事处", ("街道", "subdistrict")),
    ("街道", ("街道", "subdistrict")),
    ("办事处", ("街道", "subdistrict")),
    ("镇", ("镇", "town")),
    ("乡", ("乡", "township")),
)


def township_kind(name: Any, lang: Lang = "zh") -> str:
    """镇, 乡 or 街道 from the end of a township's name; 乡镇 when the name does not say.

    Examples
    --------
    >>> township_kind("山河镇"), township_kind("民乐朝鲜族乡"), township_kind("五常街道")
    ('镇', '乡', '街道')
    >>> township_kind("红旗", "en")
    'township'
    """
    text = str(name or "").strip()
    for suffix, pair in _TOWNSHIP_SUFFIXES:
        if text.endswith(suffix):
            return pair[_i(lang)]
    return _KINDS["township"][_i(lang)]


#: Status of a must-not-overlap pair in the overlap matrix (``ecospace.overlap``).
OVERLAP_STATUS = {"violated": ("违反", "violated"), "ok": ("符合", "ok"), "": ("", "")}

#: Kinds of the plan audit's findings (``ecospace.audit``).
AUDIT_KINDS = {
    "share_mismatch": ("面积与占比不符", "share mismatch"),
    "implied_total": ("占比隐含的总面积", "implied total"),
    "implied_total_is_survey": ("隐含总面积即调查面积", "implied total is the survey area"),
    "implied_totals_disagree": ("隐含总面积互相矛盾", "implied totals disagree"),
    "survey_mismatch": ("与调查面积不符", "survey area mismatch"),
    "restated": ("同一指标前后不一", "restated"),
    "restated_coarser": ("同一指标精度不同", "restated at a coarser precision"),
    "weaker_target": ("目标前后不一", "weaker target"),
    "contradictory": ("相互矛盾", "contradictory"),
    "control_lines_exceed_total": ("三条控制线之和超过总面积", "control lines exceed the total"),
    "part_exceeds_total": ("部分大于总面积", "part exceeds the total"),
    "part_exceeds_whole": ("部分大于整体", "part exceeds the whole"),
    "not_measurable": ("无法由图层量测", "not measurable"),
}


def overlap_status(value: Any, lang: Lang = "zh") -> str:
    """违反 / 符合 for a must-not-overlap pair (``violated`` / ``ok``)."""
    return _lookup(OVERLAP_STATUS, value, lang)
