"""Printable names, in Chinese and English: the one label table of every report and command.

Every table maps a code (a status, a role, a column name…) to ``(中文, English)``.  The
reports, the terminal tables of ``layers``, ``areas``, ``overlaps`` and ``stats`` and the
Word 核查表 all take their words from here, so Chinese output holds no English left over.
"""

from __future__ import annotations

import math
import re
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


#: Words of the terminal tables of ``layers``, ``areas``, ``overlaps`` and ``stats``.
_TERMS: dict[str, tuple[str, str]] = {
    # layers
    "no_layers": ("无图层", "no layers"),
    "problems": ("问题", "problems"),
    "no_problems": ("未发现问题", "no problems found"),
    "inv_layer": ("图层", "layer"),
    "inv_role": ("角色", "role"),
    "inv_features": ("要素数", "features"),
    "inv_geometry": ("几何类型", "geometry"),
    "inv_crs": ("坐标系（确定方式）", "CRS (how determined)"),
    "inv_encoding": ("编码", "encoding"),
    "details": ("明细", "details"),
    "read_kept": (
        "{label}：读入 {n:,} 个要素，保留 {kept:,} 个",
        "{label}: {n:,} features read, {kept:,} kept",
    ),
    "area_change": ("面积（变化）", "area (change)"),
    "detail": ("详情", "detail"),
    "no_problem_features": ("无问题要素", "no problem features"),
    # problem names of the validation report's feature table
    "invalid_repaired": ("无效几何已修复", "invalid_repaired"),
    "invalid": ("无效几何未修复", "invalid"),
    "invalid_dropped": ("无效且无面状部分", "invalid_dropped"),
    "empty": ("空几何", "empty"),
    "non_finite": ("非有限坐标", "non_finite"),
    "non_polygonal": ("点/线要素", "non_polygonal"),
    "collection": ("几何集合", "collection"),
    "z_m_flattened": ("Z/M 值已去除", "z_m_flattened"),
    "curved": ("曲线已线性化", "curved"),
    "swapped_xy": ("x/y 坐标互换", "swapped_xy"),
    "duplicates": ("重复图斑", "duplicates"),
    "overlaps": ("要素重叠", "overlaps"),
    "outside_boundary": ("超出县界", "outside_boundary"),
    # areas
    "features_n": ("{n} 个要素", "{n} features"),
    "map_written": ("地图      {path}（{mb:.1f} MB）", "map       {path} ({mb:.1f} MB)"),
    "annex_written": ("附图      {path}", "annex     {path}"),
    "drafted": (
        "已从 {text} 起草 {n} 项指标；请逐项核对",
        "drafted {n} figure(s) from {text}; review each one",
    ),
    "drafted_into": (
        "已从 {text} 起草 {n} 项指标，写入 {out}；请逐项核对",
        "drafted {n} figure(s) from {text} into {out}; review each one",
    ),
    "crs": ("坐标系", "CRS"),
    "planar": ("平面坐标系", "planar"),
    "method": ("面积算法", "method"),
    "unit": ("单位", "unit"),
    "area_union": ("面积（要素合并）", "area (union of features)"),
    "sum_features": ("要素面积之和", "sum of features"),
    "counted_twice": (
        "（要素重叠：{area} {unit} 被重复计算）",
        "(features overlap: {area} {unit} counted more than once)",
    ),
    "total_sum": ("合计（要素面积之和）", "total (sum of features)"),
    "union_of": ("要素合并面积", "union of features"),
    "area_col": ("面积（{unit}）", "area ({unit})"),
    "union_col": ("合并面积（{unit}）", "union ({unit})"),
    "balanced": (
        "（各行保留 {d} 位小数并强制调平，相加等于合计）",
        "(parts rounded to {d} decimals to add up to their sum: 强制调平)",
    ),
    "unbalanced": (
        "（各行各自保留 {d} 位小数，--no-balance；相加为 {sum}，与合计相差 {off}）",
        "(parts rounded each on its own to {d} decimals, --no-balance; they add up to {sum}, "
        "{off} from the sum)",
    ),
    "overlap_note": (
        "（要素重叠：图层面积取合并面积，比要素面积之和少 {area} {unit}）",
        "(features overlap: the layer's area is the union, {area} {unit} less than the sum)",
    ),
    "compare_head": (
        "{field}（{fu}）与计算面积比较：{n} / {total} 个要素差值超过 {allow}",
        "{field} ({fu}) vs computed: {n} of {total} features differ by more than {allow}",
    ),
    "stored": ("存储值", "stored"),
    "computed_col": ("计算面积（{fu}）", "computed ({fu})"),
    "difference_col": ("差值（{fu}）", "difference ({fu})"),
    "relative": ("相对差", "relative"),
    "problem": ("问题", "problem"),
    "differs": ("不符", "differs"),
    "missing": ("缺失", "missing"),
    "more_rows": (
        "… 另有 {n} 个（--format csv 列出全部）",
        "… {n} more (use --format csv for all)",
    ),
    # overlaps and stats
    "county_method": ("面积算法：{label}", "method: {method} — {label}"),
    "county_crs": ("叠加坐标系：{crs}", "CRS (overlay): {crs}"),
    "county_unit": (
        "单位：{unit}　占比：占分母的 %",
        "unit: {unit}   shares: % of the denominator",
    ),
    "county_den": ("分母：{den}", "denominator: {den}"),
    "den_boundary": ("行政区边界计算面积", "computed area of the county boundary layer"),
    "den_stated": ("规划给定总面积", "stated total"),
    "den_survey": ("调查面积", "survey area"),
    "den_none": (
        "无（无行政区图层，也无给定总面积）",
        "none (no boundary layer and no stated total)",
    ),
    "t_coverage": (
        "各图层覆盖面积（合并计算，重叠只计一次）",
        "Coverage of each layer (union: overlaps counted once)",
    ),
    "t_coverage_clip": (
        "；占比 = 县界内面积 / 分母",
        "; share = area inside the county boundary / denominator",
    ),
    "t_overlaps": (
        "图层间重叠（状态：三条控制线不交叉不重叠，{tol} {unit} 起为违反）",
        "Overlaps between layers (status: the three control lines must not overlap, "
        "violated from {tol} {unit})",
    ),
    "t_containment": (
        "包含关系（内层图层超出外层图层的面积）",
        "Containment (area of the inner layer outside the outer one)",
    ),
    "t_self_overlaps": ("图层内重叠与重复", "Overlaps and duplicates within a layer"),
    "t_land_cover": (
        "地类覆盖率（地类图斑 DLBM 编码）",
        "Land cover from land-use parcels (DLBM codes)",
    ),
    "t_land_cover_raster": (
        "栅格地类覆盖率（栅格为椭球像元面积；分母相同）",
        "Land cover from the classified raster beside the parcels "
        "(raster: ellipsoidal pixel areas; same denominator)",
    ),
    "t_townships": (
        "分乡镇统计（各行相加等于合计；间隙与重叠单列）",
        "By township (rows add up to the total; gaps and overlaps as own rows)",
    ),
    "outside_head": (
        "超出范围的要素（fid：数据源自身的要素号，与 QGIS 显示一致；row：无要素号时的 0 起行号）：",
        "features outside (fid: the source's own feature id, as QGIS shows it; "
        "row: 0-based position when the source has none):",
    ),
    "outside_pair": ("{inner}超出{outer}：{n} 个要素", "{inner} outside {outer}: {n} feature(s)"),
    "outside_of": ("{area} {unit}（要素共 {whole} {unit}）", "{area} {unit} of {whole} {unit}"),
    "outside_more": ("… 另有 {n} 个，共 {area} {unit}", "… {n} more, {area} {unit}"),
    "raster_src": ("栅格：{raster}　分类表：{classes}", "raster: {raster}  classes: {classes}"),
    "raster_missing": (
        "没有栅格类别对应 {names}（此栅格无法量测；请在分类表中添加含 dlbm_prefixes "
        "或 counts_as 的类别）",
        "no raster class maps to {names} (not measurable from this raster; add a "
        "class with dlbm_prefixes or counts_as to the class map)",
    ),
    "notes": ("说明", "notes"),
    "no_layer_role": (
        "{sources} 中没有可识别角色的图层",
        "no layer with a known role in {sources}",
    ),
    "conflicts_written": (
        "冲突图斑：{n} 个图层已写入 {path}",
        "conflicts: {n} layer(s) written to {path}",
    ),
}


def term(key: str, lang: Lang = "zh", **values: Any) -> str:
    """A word or sentence of the terminal tables in ``lang``, with ``values`` filled in.

    Examples
    --------
    >>> term("features_n", "zh", n=385), term("features_n", "en", n=385)
    ('385 个要素', '385 features')
    """
    text = _TERMS[key][_i(lang)]
    return text.format(**values) if values else text


def term_or(key: Any, lang: Lang = "zh") -> str:
    """:func:`term` for a known key, else ``key`` itself (a code the table has no word for)."""
    return term(str(key), lang) if str(key) in _TERMS else str(key)


#: The validation report's short problem words (``ecospace.validate``), longest first.
_PROBLEM_WORDS: tuple[tuple[str, str], ...] = (
    (
        "mojibake field names (cut mid-character at 10 bytes)",
        "字段名乱码（在 10 字节处截断了汉字）",
    ),
    (
        "the whole layer lies outside the county boundary: check its CRS",
        "整个图层位于县界之外：请检查其坐标系",
    ),
    ("unreadable geometries (NaN rings) dropped", "无法读取的几何（NaN 环）已删除"),
    ("invalid, nothing polygonal left", "无效且无面状部分"),
    ("collections reduced to polygons", "几何集合已转为面"),
    ("no attributes (.dbf missing)", "无属性表（缺 .dbf）"),
    ("invalid NOT repaired", "无效几何未修复"),
    ("mojibake field names", "字段名乱码"),
    ("NaN/inf coordinates", "非有限坐标"),
    ("curves linearised", "曲线已线性化"),
    ("invalid repaired", "无效几何已修复"),
    ("outside county", "超出县界"),
    ("Z/M flattened", "Z/M 值已去除"),
    ("points/lines", "点/线要素"),
    ("x/y swapped", "x/y 坐标互换"),
    ("duplicates", "重复图斑"),
    ("empty/null", "空几何"),
    ("overlaps", "要素重叠"),
    ("dropped", "已删除"),
)
_CLAIMED = re.compile(r"role (\w+) claimed by (\d+) layers")
_OLD_DATUM = re.compile(r"(.+?) is on the (.+?) datum, not CGCS2000; .*? before comparing")
_DATUMS_ZH = {"Beijing 1954": "北京54", "Xian 1980": "西安80"}


def problem_label(text: str, lang: Lang = "zh") -> str:
    """A layer's problem summary (``invalid repaired 4 (+2.40 ha)``) in ``lang``.

    Examples
    --------
    >>> problem_label("invalid repaired 4 (+2.40 ha); duplicates 2 (25.57 ha)")
    '无效几何已修复 4 (+2.40 公顷); 重复图斑 2 (25.57 公顷)'
    """
    if _i(lang) == 1:
        return text
    text = _CLAIMED.sub(lambda m: f"{role_label(m[1])}由 {m[2]} 个图层同时认领", text)
    text = _OLD_DATUM.sub(
        lambda m: (
            f"{m[1]} 采用{_DATUMS_ZH.get(m[2], m[2])}坐标系而非 CGCS2000：其椭球面积（按其自身"
            "椭球）无误，但与 CGCS2000 图层叠加需要 pyproj 无精确格网的基准转换（偏移约数十米）"
            "——请先取得该图层的 CGCS2000 版本（EPSG:4490/4513–4554）再比较"
        ),
        text,
    )
    for en, zh in _PROBLEM_WORDS:
        text = text.replace(en, zh)
    return re.sub(
        r"(?<=\d) (ha|m²)\b", lambda m: " " + ("公顷" if m[1] == "ha" else "平方米"), text
    )


def overlap_status(value: Any, lang: Lang = "zh") -> str:
    """违反 / 符合 for a must-not-overlap pair (``violated`` / ``ok``)."""
    return _lookup(OVERLAP_STATUS, value, lang)


def crs_how_label(how: Any, lang: Lang = "zh") -> str:
    """How a layer's CRS was determined (``file``, ``user …``, ``inferred …``), in ``lang``.

    Examples
    --------
    >>> crs_how_label("file"), crs_how_label("user (overrides the file's EPSG:4490)", "en")
    ('文件', "user (overrides the file's EPSG:4490)")
    """
    text = "" if how is None or (isinstance(how, float) and math.isnan(how)) else str(how)
    if _i(lang) == 1:
        return text
    for en, zh in (("file", "文件"), ("user", "用户指定"), ("inferred", "推断")):
        if text == en or text.startswith(en + " "):
            return zh + text[len(en) :]
    return text


#: What a delivery folder's listing says of a file, in Chinese: (English pattern, Chinese).
_FOUND_ZH: tuple[tuple[str, str], ...] = (
    (r"^zip of (\d+) shapefiles?$", r"压缩包，含 \1 个 shapefile"),
    (r"^zip of a FileGDB or GeoPackage$", "压缩包，含 FileGDB 或 GeoPackage"),
    (r"^zip holds no layers \((.*)\)$", r"压缩包中没有图层（\1）"),
    (r"^not a readable zip archive \((.*)\)$", r"无法读取的压缩包（\1）"),
    (
        r"^member names decoded as (\S+) \(no UTF-8 flag\)$",
        r"成员文件名按 \1 解码（无 UTF-8 标志）",
    ),
    (r"^unreadable \((.*)\)$", r"无法读取（\1）"),
    (r"^JSON without features \(metadata, not a layer\)$", "不含要素的 JSON（元数据，不是图层）"),
    (
        r"^shapefile without its index (.*)\.shx \(copy all parts\)$",
        r"shapefile 缺少索引文件 \1.shx（请复制全部组成文件）",
    ),
    (r"^shapefile \(no (.*)\)$", r"shapefile（缺少 \1）"),
    (r"^shapefile$", "shapefile"),
    (r"^attribute table \(\.dbf\) without a \.shp$", "属性表（.dbf）缺少 .shp"),
    (r"^raster or image$", "栅格或图片"),
    (r"^document$", "文档"),
    (r"^map project$", "地图工程文件"),
    (r"^archive ecospace cannot open \(unpack it\)$", "ecospace 无法打开的压缩格式（请先解压）"),
    (r"^not a layer format \((.*)\)$", r"不是图层格式（\1）"),
    (r"^hidden or system file$", "隐藏或系统文件"),
    (r"^GeoParquet dataset$", "GeoParquet 数据集"),
    (r"^database$", "数据库"),
    (r"^named$", "指定的数据源"),
)
#: The two verdicts of the listing, and its heading.
_FOUND_WORDS = {
    "taken": ("采用", "taken"),
    "skipped": ("跳过", "skipped"),
    "searched": ("已连同子文件夹一并搜索", "searched with its sub-folders"),
}


def found_label(text: str, lang: Lang = "zh") -> str:
    """What the delivery listing says of a file (``"raster or image"``) in ``lang``.

    Examples
    --------
    >>> found_label("zip of 2 shapefiles"), found_label("document", "en")
    ('压缩包，含 2 个 shapefile', 'document')
    """
    if lang == "en":
        return text
    for pattern, zh in _FOUND_ZH:
        if re.fullmatch(pattern, text):
            return re.sub(pattern, zh, text)
    return text


def found_word(key: str, lang: Lang = "zh") -> str:
    """``taken``, ``skipped`` or the listing's heading ``searched`` in ``lang``.

    Examples
    --------
    >>> found_word("skipped"), found_word("taken", "en")
    ('跳过', 'taken')
    """
    return _FOUND_WORDS[key][_i(lang)]
