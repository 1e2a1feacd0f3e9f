"""Printable names for reports, in Chinese and English (private to :mod:`ecospace.report`).

Every table maps a code (a status, a role, a column name…) to ``(中文, English)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from ecospace.errors import EcospaceError
from ecospace.units import UNIT_LABELS
from ecospace.vocabulary import CLASS_LABELS, METHOD_LABELS
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

# column labels of every table a report shows; unknown columns keep their own name
_COLUMNS: dict[str, tuple[str, str]] = {
    # figures
    "id": ("编号", "ID"),
    "label": ("指标", "Figure"),
    "measure": ("核查方式", "Measure"),
    "roles": ("图层", "Layers"),
    "op": ("比较", "Op"),
    "stated": ("规划值", "Stated"),
    "unit": ("单位", "Unit"),
    "precision": ("精度", "Precision"),
    "measured": ("实测值", "Measured"),
    "measured_alt": ("另一分母下实测值", "Measured, other denominator"),
    "difference": ("差值", "Difference"),
    "difference_pct": ("差值（%）", "Difference (%)"),
    "status": ("结论", "Status"),
    "binding": ("约束性", "Binding"),
    "method": ("面积算法", "Method"),
    "denominator": ("分母", "Denominator"),
    "denominator_ha": ("分母面积（公顷）", "Denominator (ha)"),
    "reason": ("说明", "Note"),
    "method_dependent": ("结论因面积算法而异", "Verdict depends on the method"),
    "method_other": ("复核算法", "Cross-check method"),
    "measured_other_method": ("复核算法实测值", "Measured, cross-check method"),
    "status_other_method": ("复核算法结论", "Status, cross-check method"),
    "year": ("年份", "Year"),
    "quote": ("规划原文", "Quote"),
    "line": ("行号", "Line"),
    # coverage / overlaps / containment / townships / land cover
    "role": ("图层角色", "Role"),
    "role_a": ("图层甲", "Layer A"),
    "role_b": ("图层乙", "Layer B"),
    "inner": ("被包含图层", "Contained layer"),
    "outer": ("包含图层", "Containing layer"),
    "features": ("要素数", "Features"),
    "union_ha": ("合并面积（公顷）", "Union area (ha)"),
    "sum_ha": ("要素面积之和（公顷）", "Sum of features (ha)"),
    "area_ha": ("面积（公顷）", "Area (ha)"),
    "outside_ha": ("范围外面积（公顷）", "Area outside (ha)"),
    "inside_ha": ("范围内面积（公顷）", "Area inside (ha)"),
    "share": ("占比（%）", "Share (%)"),
    "share_of_a": ("占甲比例（%）", "Share of A (%)"),
    "share_of_b": ("占乙比例（%）", "Share of B (%)"),
    "must_not_overlap": ("不得重叠", "Must not overlap"),
    "township": ("乡镇", "Township"),
    "name": ("名称", "Name"),
    "code": ("代码", "Code"),
    "classes": ("地类", "Classes"),
    "codes": ("地类编码", "Class codes"),
    # audit
    "severity": ("级别", "Severity"),
    "kind": ("类型", "Kind"),
    "figure_ids": ("相关指标", "Figures"),
    "message": ("说明", "Message"),
    # layers
    "source": ("数据源", "Source"),
    "layer": ("图层名", "Layer"),
    "crs": ("坐标系", "CRS"),
    "crs_how": ("坐标系来源", "CRS from"),
    "encoding": ("编码", "Encoding"),
    "repairs": ("修复", "Repairs"),
    "geometry_type": ("几何类型", "Geometry"),
    "epsg": ("EPSG", "EPSG"),
    "crs_name": ("坐标系", "CRS"),
    "problems": ("问题", "Problems"),
    "double_counted_ha": ("重复计算面积（公顷）", "Counted twice (ha)"),
    "share_of_total": ("占总面积比例（%）", "Share of total (%)"),
    "inner_ha": ("被包含图层面积（公顷）", "Contained layer area (ha)"),
    "share_outside": ("范围外比例（%）", "Share outside (%)"),
    "features_outside": ("范围外要素数", "Features outside"),
    "class": ("地类组", "Class set"),
    "denominator_source": ("分母来源", "Denominator"),
}

_TEXT = {
    "title": ("规划指标核查报告", "Plan verification report"),
    "plan": ("规划", "Plan"),
    "region": ("行政区", "Region"),
    "method": ("面积算法", "Area method"),
    "denominator": ("占比分母", "Share denominator"),
    "boundary_area": ("行政区图层计算面积", "Computed boundary area"),
    "stated_total": ("规划所述总面积", "Total area stated in the plan"),
    "survey_area": ("调查面积", "Survey area"),
    "gap": ("两者之差", "Difference"),
    "verdict": ("结论", "Verdict"),
    "passed": ("约束性指标全部符合", "all binding figures pass"),
    "failed": ("有约束性指标不符合", "a binding figure fails"),
    "counts": (
        "符合 {pass} 项，精度内符合 {within} 项，不符合 {fail} 项，未核查 {nm} 项",
        "{pass} pass, {within} within precision, {fail} fail, {nm} not measured",
    ),
    "generated": ("生成时间", "Generated"),
    "map": ("核查地图", "Map"),
    "open_map": ("在新窗口打开地图", "open the map on its own"),
    "map_travels": (
        "（地图文件 {name} 须与本报告放在同一文件夹）",
        "(the map file {name} must stay in the same folder as this report)",
    ),
    "none": ("（无）", "(none)"),
    "method_flip": (
        "（结论因面积算法而异：按{method}为{status}）",
        " (verdict depends on the method: {status} by {method})",
    ),
    "not_given": ("未给出", "not given"),
    "binding": ("约束性", "binding"),
    "reference": ("参考性", "reference"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "summary": ("概况", "Summary"),
    "item": ("项目", "Item"),
    "value": ("内容", "Value"),
    "outputs": ("输出文件", "Output files"),
    "ha": ("公顷", "ha"),
    "km2": ("平方公里", "km²"),
}

_SEVERITY = {"error": ("错误", "error"), "warning": ("警告", "warning"), "info": ("提示", "info")}


def _i(lang: str) -> int:
    if lang not in ("zh", "en"):
        raise EcospaceError(f"unknown report language {lang!r}; use 'zh' (Chinese) or 'en'")
    return 0 if lang == "zh" else 1


def _t(key: str, lang: str) -> str:
    return _TEXT[key][_i(lang)]


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


def _class_label(name: Any, lang: str) -> Any:
    try:
        return CLASS_LABELS[name][lang]
    except (KeyError, TypeError):
        return name


def _col_label(col: str, lang: str) -> str:
    if col in _COLUMNS:
        return _COLUMNS[col][_i(lang)]
    for suffix, unit in (("_ha", _t("ha", lang)), ("_share", "%")):
        if col.endswith(suffix):
            head = col[: -len(suffix)]
            name = role_label(head, lang) if head in _ROLES else head
            if suffix == "_share":
                return f"{name}占比（%）" if lang == "zh" else f"{name} share (%)"
            return f"{name}（{unit}）" if lang == "zh" else f"{name} ({unit})"
    return col
