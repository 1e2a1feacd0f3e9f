"""Words of the reports: table columns, report text, why a figure was not measured,
notes under the township table.

Part of the label table that :mod:`ecospace.labels` gathers; the report, Excel, Word and
the terminal tables take their column names from :func:`_col_label`.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ecospace._labels_codes import _ROLES, Lang, _i, role_label

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
    # conflicts (the numbers of the map and the annex)
    "conflict_no": ("冲突编号", "No."),
    "conflict": ("冲突类型", "Conflict"),
    "src_fids": ("要素FID", "Feature FID"),
    "feature_codes": ("要素标识码", "Feature code"),
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
    # the Word report (核查表)
    "sheet_title": ("规划指标核查表", "Plan verification sheet"),
    "figures_title": ("核查结果", "Verification table"),
    "findings": ("核查发现", "Findings"),
    "no_findings": ("全部指标符合，未发现冲突图斑。", "Every figure passes; no conflicts found."),
    "annex": ("附图", "Annex maps"),
    "annex_missing": ("附图未能绘制：{error}", "The annex maps could not be drawn: {error}"),
    # the township table's correction row, explained wherever the table is shown
    "residue_note": (
        "面积计算余差：官方椭球面积公式按顶点计算，图斑在乡镇界处被切分时增加了顶点，"
        "各乡镇分块面积之和与图层整体面积因此相差约百万分之一；本行列出该差值"
        "（{detail}），使各行相加等于合计行。",
        "Method residue: the official ellipsoidal formula works on vertices; cutting features "
        "at township edges adds vertices, so the township parts add up to the layer's own "
        "area only to about one part in a million. This row holds that difference "
        "({detail}) so that the rows add up to the total.",
    ),
}


def _t(key: str, lang: str) -> str:
    return _TEXT[key][_i(lang)]


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


#: Why a figure was not measured (``CheckResult.figures["reason"]``): pattern → text.
_REASONS: tuple[tuple[str, tuple[str, str]], ...] = (
    (r"stated only: no layer measures this figure",
     ("仅规划陈述：无图层可量测此指标", "stated only: no layer measures this figure")),
    (r"no (?P<role>\w+) layer", ("缺少{role}图层", "no {role} layer")),
    (r"no land-cover classes given", ("未给出地类", "no land-cover classes given")),
    (r"unknown land-cover class set (?P<name>.+); known: (?P<known>.+)",
     ("未知地类组 {name}；可用：{known}", "unknown land-cover class set {name}; known: {known}")),
    (r"no denominator: no boundary layer and no stated area",
     ("无分母：既无行政区图层，也无规划所述总面积",
      "no denominator: no boundary layer and no stated area")),
    (r"unit (?P<unit>.+) is not an area unit, %, or count",
     ("单位 {unit} 不是面积单位、% 或个数", "unit {unit} is not an area unit, %, or count")),
    (r"a share must be stated in %, not (?P<unit>.+)",
     ("占比须以 % 表示，不能用 {unit}", "a share must be stated in %, not {unit}")),
)  # fmt: skip


#: Notes under the township table (``township_table(...).attrs["notes"]``): pattern → text.
_TOWNSHIP_NOTES: tuple[tuple[str, str], ...] = (
    (r"townships overlap each other on (?P<a>[\d.]+) ha .*",
     "乡镇之间重叠 {a} 公顷（合计中只计一次）"),
    (r"(?P<a>[\d.]+) ha of the county boundary lies in no township .*",
     "县域内有 {a} 公顷不属于任何乡镇（乡镇未覆盖县域）"),
    (r"(?P<a>[\d.]+) ha of townships lies outside the county boundary .*",
     "乡镇有 {a} 公顷超出县界"),
    (r"(?P<role>\w+): (?P<a>[\d.]+) ha lies in no township", "{role}：{a} 公顷不属于任何乡镇"),
    (r"(?P<role>\w+): township parts add up to the county figure within (?P<r>\S+) m² .*",
     "{role}：各乡镇分块之和与全县数值相差 {r} 平方米（面积计算余差：椭球面积按顶点计算，"
     "在乡镇界处切分图斑会增加顶点）"),
    (r"(?P<role>\w+): (?P<a>[\d.]+) ha lies in two townships at once",
     "{role}：{a} 公顷同时位于两个乡镇"),
)  # fmt: skip


def township_note(note: str, lang: Lang = "zh") -> str:
    """A note under the township table in ``lang`` (the table keeps the English text).

    Examples
    --------
    >>> township_note("red_line: 0.2500 ha lies in no township")
    '生态保护红线：0.2500 公顷不属于任何乡镇'
    """
    if _i(lang) == 1:
        return note
    for pattern, zh in _TOWNSHIP_NOTES:
        m = re.fullmatch(pattern, note)
        if m:
            parts = dict(m.groupdict())
            if "role" in parts:
                parts["role"] = role_label(parts["role"])
            return zh.format(**parts)
    return note


def reason_label(reason: Any, lang: Lang = "zh") -> str:
    """Why a figure was not measured, in ``lang`` (the result keeps the English text).

    Examples
    --------
    >>> reason_label("no red_line layer")
    '缺少生态保护红线图层'
    >>> reason_label("stated only: no layer measures this figure")
    '仅规划陈述：无图层可量测此指标'
    """
    if reason is None or (isinstance(reason, float) and math.isnan(reason)):
        return ""
    text = str(reason)
    for pattern, pair in _REASONS:
        m = re.fullmatch(pattern, text)
        if m:
            parts = dict(m.groupdict())
            if "role" in parts:
                parts["role"] = role_label(parts["role"], lang)
            return pair[_i(lang)].format(**parts)
    return text
