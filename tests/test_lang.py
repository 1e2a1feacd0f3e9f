"""Chinese by default, English with --lang en: no English words left in Chinese output."""

import re

import geopandas as gpd
import pytest
from click.testing import CliRunner
from shapely import box

from ecospace.checking.check import check
from ecospace.cli import cli
from ecospace.plan import validate_plan_data
from ecospace.rendering.report import to_html, to_markdown, to_table

X0, Y0 = 41_500_000.0, 5_000_000.0  # EPSG:4529

#: English words the tables used to print; none may appear in Chinese output (paths, EPSG
#: names such as "CGCS2000 / 3-degree Gauss-Kruger zone 41" and codes are removed first).
ENGLISH = re.compile(
    r"\b(features?|union|method|unit|denominator|problems?|violated|ok|share|sum|total|"
    r"coverage|overlaps?|townships?|stated only|ratio|not measured|pass|fail|inside|outside|"
    r"role|geometry|encoding|found|counted|differ|stored|computed|relative|missing|file)\b",
    re.IGNORECASE,
)


def _english_words(text: str, *, allowed: tuple[str, ...] = ()) -> list[str]:
    text = re.sub(r"\S*/\S*\.(gpkg|shp|yaml)\S*", "", text)  # paths
    text = re.sub(r"EPSG:\d+ [^\n（]*", "", text)  # CRS names are official English names
    for word in allowed:
        text = text.replace(word, "")
    return sorted({m.group(0) for m in ENGLISH.finditer(text)})


@pytest.fixture
def delivery(tmp_path):
    """A 2 ha county of two 1 ha townships, a 0.5 ha red line and farmland overlapping it."""
    path = tmp_path / "county.gpkg"
    crs = 4529
    layers = {
        "XZQ": gpd.GeoDataFrame(
            {"XZQMC": ["示例县"]}, geometry=[box(X0, Y0, X0 + 200, Y0 + 100)], crs=crs
        ),
        "XZQ_XZ": gpd.GeoDataFrame(
            {"XZQMC": ["甲镇", "乙乡"], "XZQDM": ["001", "002"]},
            geometry=[box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 100, Y0, X0 + 200, Y0 + 100)],
            crs=crs,
        ),
        "STBHHX": gpd.GeoDataFrame(
            {"HXMC": ["红线一"], "MJ": [0.6]},
            geometry=[box(X0 + 50, Y0, X0 + 100, Y0 + 100)],
            crs=crs,
        ),
        "YJJBNTBHTB": gpd.GeoDataFrame(
            {"YJJBNTTBBH": ["N1"]}, geometry=[box(X0 + 90, Y0, X0 + 150, Y0 + 100)], crs=crs
        ),
    }
    for name, gdf in layers.items():
        gdf.to_file(path, layer=name)
    return path


@pytest.mark.parametrize(
    ("args", "chinese"),
    [
        (["layers", "{p}"], ["图层", "角色", "要素数", "生态保护红线", "（文件）", "未发现问题"]),
        (
            ["areas", "{p}:STBHHX", "--method", "planar", "--compare-field", "MJ",
             "--field-unit", "ha"],
            ["坐标系", "面积算法", "面积（要素合并）", "0.50 公顷", "与计算面积比较", "不符"],
        ),
        (
            ["overlaps", "{p}", "--method", "planar"],
            ["面积算法：平面面积", "图层间重叠", "违反", "生态保护红线", "合并面积（公顷）"],
        ),
        (
            ["stats", "{p}", "--by-township", "--method", "planar"],
            ["分乡镇统计", "甲镇", "合计", "面积计算余差", "占比（%）"],
        ),
    ],
)  # fmt: skip
def test_commands_print_chinese_by_default(delivery, args, chinese):
    args = [a.format(p=delivery) for a in args]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code in (0, 1), res.output
    for word in chinese:
        assert word in res.output, word
    assert _english_words(res.output) == []


@pytest.mark.parametrize(
    ("args", "english"),
    [
        (["layers", "{p}"], "no problems found"),
        (["areas", "{p}:STBHHX", "--method", "planar"], "area (union of features)"),
        (["overlaps", "{p}", "--method", "planar"], "violated"),
        (["stats", "{p}", "--by-township", "--method", "planar"], "By township"),
    ],
)
def test_commands_print_english_with_lang_en(delivery, args, english):
    args = [a.format(p=delivery) for a in args] + ["--lang", "en"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert english in res.output
    assert not re.search(r"[面积图层违反合计]", res.output.replace("甲镇", "").replace("乙乡", ""))


@pytest.fixture
def stated_result():
    """A plan with a figure no layer measures (扩展倍数 1.21 倍) and one whose layer is missing."""
    plan = validate_plan_data(
        {
            "plan": "示例",
            "method": "planar",
            "figures": [
                {"id": "expansion", "label": "扩展倍数", "measure": "stated", "op": "<=",
                 "value": 1.21, "unit": "倍"},
                {"id": "urban", "label": "城镇开发边界面积", "measure": "area",
                 "role": "urban_boundary", "op": "<=", "value": 5, "unit": "ha"},
                {"id": "red", "label": "红线与农田不重叠", "measure": "overlap",
                 "roles": ["red_line", "basic_farmland"], "op": "=", "value": 0, "unit": "ha"},
            ],
        }
    )  # fmt: skip
    layers = {
        "boundary": gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000)], crs=4529),
        "red_line": gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 300, Y0 + 1000)], crs=4529),
        "basic_farmland": gpd.GeoDataFrame(
            geometry=[box(X0 + 200, Y0, X0 + 400, Y0 + 1000)], crs=4529
        ),
    }
    return check(plan, layers=layers, progress=False)


def test_reports_say_ratio_reasons_and_status_in_chinese(stated_result):
    table = to_table(stated_result)
    assert "<= 1.21 倍" in table
    assert "仅规划陈述：无图层可量测此指标" in table and "缺少城镇开发边界图层" in table
    md = to_markdown(stated_result)
    assert "| 违反 |" in md  # the overlap matrix's status
    for text in (table, md, to_html(stated_result)):
        assert "ratio" not in text and "stated only" not in text and "violated" not in text
    en = to_table(stated_result, "en")
    assert (
        "stated only: no layer measures this figure" in en
        and "no urban development boundary layer" in en
    )


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("invalid repaired 4 (+2.40 ha); duplicates 2 (25.57 ha); overlaps 2 (0.2 m²)",
         "无效几何已修复 4 (+2.40 公顷); 重复图斑 2 (25.57 公顷); 要素重叠 2 (0.2 平方米)"),
        ("mojibake field names (cut mid-character at 10 bytes): 生态保",
         "字段名乱码（在 10 字节处截断了汉字）: 生态保"),
        ("the whole layer lies outside the county boundary: check its CRS",
         "整个图层位于县界之外：请检查其坐标系"),
        ("role red_line claimed by 2 layers", "生态保护红线由 2 个图层同时认领"),
    ],
)  # fmt: skip
def test_layer_problems_and_notes_in_chinese(english, chinese):
    from ecospace.labels import problem_label

    assert problem_label(english) == chinese
    assert problem_label(english, "en") == english


def test_old_datum_note_in_chinese():
    from ecospace.geometry.crs import datum_warning
    from ecospace.labels import problem_label

    note = datum_warning(2417, "f.shp:XZQ").split(": ", 1)[1]  # as layers keeps it
    zh = problem_label(note)
    assert zh.startswith("EPSG:2417 Beijing 1954 / 3-degree Gauss-Kruger zone 41 采用北京54坐标系")
    assert _english_words(zh) == []
