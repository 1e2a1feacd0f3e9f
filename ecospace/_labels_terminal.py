"""Words of the commands' terminal output: the tables of ``layers``, ``areas``,
``overlaps`` and ``stats``, layer problems, how a CRS was found, the delivery listing.

Part of the label table that :mod:`ecospace.labels` gathers.  The library keeps its own
English texts (problem summaries, listing notes); these functions put them in Chinese.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ecospace._labels_codes import Lang, _i, role_label

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
