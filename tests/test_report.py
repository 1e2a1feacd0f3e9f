"""Reports opened back: Excel with openpyxl, JSON against its schema, HTML with html.parser.

The result comes from check() on the synthetic county of test_check.py, whose areas are
hand calculations; each report must carry those numbers, as numbers.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from html.parser import HTMLParser

import jsonschema
import openpyxl
import pandas as pd
import pytest
from test_check import (
    BOUNDARY_HA,
    FIGURES,
    PA_OUTSIDE_RED_HA,
    RED_FARM_HA,
    RED_HA,
    STATED_TOTAL_KM2,
    make_county,
    write_plan,
)

from ecospace import EcospaceError
from ecospace.checking.check import check
from ecospace.rendering.outputs import write_outputs
from ecospace.rendering.report import (
    display_width,
    report_schema,
    text_table,
    to_dict,
)

ZH_SHEETS = ["概况", "核查结果", "覆盖", "重叠", "包含", "冲突图斑", "乡镇", "土地覆盖", "规划自检",
             "图层"]  # fmt: skip
EN_SHEETS = ["Summary", "Figures", "Coverage", "Overlaps", "Containment", "Conflicts", "Townships",
             "Land cover", "Plan audit", "Layers"]  # fmt: skip


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return check(
        write_plan(tmp_path_factory.mktemp("plan"), FIGURES), layers=make_county(), progress=False
    )


@pytest.fixture(scope="module")
def written(result, tmp_path_factory):
    return write_outputs(
        result, tmp_path_factory.mktemp("zh"), conflicts=False, map_path=False, annex=True
    )


def _sheet_rows(ws):
    rows = list(ws.iter_rows(values_only=True))
    return rows[0], rows[1:]


# ----------------------------------------------------------------------------- terminal


def test_display_width_counts_cjk_as_two():
    assert display_width("abc") == 3
    assert display_width("生态红线") == 8
    assert display_width("（公顷）") == 8  # full-width brackets
    assert display_width("e\u0301") == 1  # a combining accent takes no column


def test_text_table_aligns_chinese_columns():
    table = text_table(["名称", "面积"], [["甲镇", "1.00"], ["Abc", "10.00"]], ["left", "right"])
    assert table.splitlines() == [
        "名称   面积",
        "────  ─────",
        "甲镇   1.00",
        "Abc   10.00",
    ]


def test_terminal_table_header_and_rows(result):
    text = result.to_table()
    lines = text.splitlines()
    # plan total beside the computed boundary area, with method and denominator
    assert "行政区图层计算面积: 10,000.00 公顷（100.00 平方公里）" in lines
    assert "规划所述总面积: 101 平方公里（10,100.00 公顷）" in lines
    assert any(line.startswith("面积算法: ") for line in lines)
    assert "占比分母: 行政区图层计算面积 10,000.00 公顷" in lines
    row = next(line for line in lines if line.startswith("red_share "))
    # a share stated to 0.01 % is measured to 0.001 %: 30.725 shows why it is within precision
    assert ">= 30.73 %" in row and "30.725 %" in row and "-0.005" in row and "精度内符合" in row
    red_ha = next(line for line in lines if line.startswith("red_ha "))
    assert "3,072.50 公顷" in red_ha  # hectares to 0.01, not 3,072.5000
    # every row of the table has its status column starting at the same display column
    table = lines[lines.index(next(x for x in lines if x.startswith("编号"))) :]
    starts = set()
    for line in table[2:]:
        for status in ("精度内符合", "不符合", "符合"):
            if status in line:
                starts.add(display_width(line[: line.index(status)]))
                break
    assert len(starts) == 1


def test_terminal_table_english(result):
    text = result.to_table("en")
    assert "Computed boundary area: 10,000.00 ha (100.00 km²)" in text
    assert "Total area stated in the plan: 101 km² (10,100.00 ha)" in text
    assert "within precision" in text and "FAIL" in text
    assert "公顷" not in text


# ----------------------------------------------------------------------------- Excel


def test_excel_sheets_headers_and_numbers(result, written):
    wb = openpyxl.load_workbook(written["xlsx"])
    assert wb.sheetnames == ZH_SHEETS
    ws = wb["核查结果"]
    assert ws.freeze_panes == "A2"
    header, rows = _sheet_rows(ws)
    col = {name: i for i, name in enumerate(header)}
    for name in (
        "编号",
        "指标",
        "规划值",
        "实测值",
        "差值",
        "差值（%）",
        "结论",
        "约束性",
        "面积算法",
        "分母",
    ):
        assert name in col, name
    measured = result.figures.set_index("id")["measured"]
    assert [r[col["编号"]] for r in rows] == [f[0] for f in FIGURES]
    for r in rows:
        value = r[col["实测值"]]
        assert isinstance(value, (int, float)) and not isinstance(value, bool)
        assert value == pytest.approx(measured[r[col["编号"]]], rel=1e-12, abs=1e-12)
    by_id = {r[col["编号"]]: r for r in rows}
    assert by_id["red_ha"][col["实测值"]] == pytest.approx(RED_HA)
    assert by_id["red_farm"][col["实测值"]] == pytest.approx(RED_FARM_HA)
    assert by_id["red_share"][col["结论"]] == "精度内符合"
    assert by_id["red_share"][col["分母面积（公顷）"]] == pytest.approx(BOUNDARY_HA)
    # a number format, not text: 0.00 for the stated value, finer for the measurement
    cell = ws.cell(row=2 + [f[0] for f in FIGURES].index("red_share"), column=col["实测值"] + 1)
    assert cell.data_type == "n" and cell.number_format == "0.000"
    assert ws.column_dimensions["B"].width > 8


def test_excel_section_sheets(written):
    wb = openpyxl.load_workbook(written["xlsx"])
    header, rows = _sheet_rows(wb["覆盖"])
    assert header[:3] == ("图层角色", "要素数", "合并面积（公顷）")
    red = next(r for r in rows if r[0] == "生态保护红线")
    assert red[2] == pytest.approx(RED_HA) and red[3] == pytest.approx(RED_HA + 100)
    header, rows = _sheet_rows(wb["包含"])
    pa = next(r for r in rows if r[0] == "自然保护地" and r[1] == "生态保护红线")
    assert pa[header.index("范围外面积（公顷）")] == pytest.approx(PA_OUTSIDE_RED_HA)
    header, rows = _sheet_rows(wb["乡镇"])
    total = next(r for r in rows if r[0] == "合计")
    assert total[header.index("面积（公顷）")] == pytest.approx(BOUNDARY_HA)
    header, rows = _sheet_rows(wb["规划自检"])
    assert header == ("级别", "类型", "相关指标", "说明")
    assert any(r[0] == "错误" for r in rows)
    for name in ZH_SHEETS:
        assert wb[name].freeze_panes == "A2"


def test_excel_english(result, tmp_path):
    path = result.to_excel(tmp_path / "r.xlsx", lang="en")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == EN_SHEETS
    header, rows = _sheet_rows(wb["Figures"])
    assert header[:3] == ("ID", "Figure", "Measure")
    assert {r[header.index("Status")] for r in rows} == {"pass", "FAIL", "within precision"}


# ----------------------------------------------------------------------------- JSON


def test_json_validates_against_schema(result, written):
    doc = json.loads(written["json"].read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(report_schema())
    jsonschema.validate(doc, report_schema(), cls=jsonschema.Draft202012Validator)
    assert doc["passed"] is False
    assert doc["denominator"]["used"] == "boundary"
    assert doc["denominator"]["boundary_m2"] == pytest.approx(BOUNDARY_HA * 1e4)
    assert doc["denominator"]["stated_m2"] == pytest.approx(STATED_TOTAL_KM2 * 1e6)
    assert doc["plan"]["total_area"] == {
        "value": 101.0, "unit": "km2", "quote": "总面积101平方公里", "line": 3,
    }  # fmt: skip
    figs = {f["id"]: f for f in doc["figures"]}
    # full precision: the very float the result holds
    for fid, m in result.figures.set_index("id")["measured"].items():
        assert figs[fid]["measured"] == m
    assert figs["red_share"]["status"] == "within precision"
    assert figs["red_farm"]["difference_pct"] is None  # stated 0: no relative difference
    assert figs["pa_count"]["method"] is None
    cov = {r["role"]: r for r in doc["coverage"]}
    assert cov["red_line"]["union_m2"] == pytest.approx(RED_HA * 1e4)
    assert doc["summary"]["within precision"] == 4


def test_schema_rejects_a_bad_report(result):
    doc = to_dict(result)
    doc["figures"][0]["status"] = "ok"
    with pytest.raises(jsonschema.ValidationError, match="'ok' is not one of"):
        jsonschema.validate(doc, report_schema(), cls=jsonschema.Draft202012Validator)


def test_json_has_no_nan(result):
    text = result.to_json()
    assert "NaN" not in text and "Infinity" not in text


# ----------------------------------------------------------------------------- HTML


class _Cells(HTMLParser):
    """Collects, per <section id>, the data-value numbers and texts of table cells."""

    def __init__(self):
        super().__init__()
        self.section = None
        self.values: dict[str, list[float]] = {}
        self.texts: dict[str, list[str]] = {}
        self.external: list[str] = []
        self.scripts = 0
        self._in_td = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.section = a.get("id")
        if tag == "td":
            self._in_td = True
            if "data-value" in a:
                self.values.setdefault(self.section, []).append(float(a["data-value"]))
        for key in ("src", "href"):
            if a.get(key, "").startswith(("http:", "https:", "//")):
                self.external.append(a[key])
        if (tag == "script" and "src" in a) or tag == "link":
            self.external.append(tag)
        if tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag):
        if tag == "td":
            self._in_td = False

    def handle_data(self, data):
        if self._in_td:
            self.texts.setdefault(self.section, []).append(data)


def test_html_report_numbers_and_offline(result, written):
    page = written["html"].read_text(encoding="utf-8")
    parser = _Cells()
    parser.feed(page)
    assert parser.external == []  # self-contained: no remote script, stylesheet or asset
    assert parser.scripts == 0  # no map here, so not even the inline map-link script
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    values = parser.values["figures"]
    for m in result.figures["measured"]:
        if not math.isnan(m):
            assert m in values
    assert RED_HA in values and PA_OUTSIDE_RED_HA in values
    texts = parser.texts["figures"]
    assert "精度内符合" in texts and "不符合" in texts
    assert "10,000.00 公顷（100.00 平方公里）" in page
    assert "101 平方公里（10,100.00 公顷）" in page
    assert "生态保护红线" in parser.texts["coverage"]


def test_html_escapes_text(result, tmp_path):
    result.plan.name, name = "<script>alert(1)</script>", result.plan.name
    try:
        page = result.to_html()
    finally:
        result.plan.name = name
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_html_english_and_jupyter(result):
    page = result.to_html("en")
    assert 'lang="en"' in page and "Plan verification report" in page
    snippet = result._repr_html_()
    assert snippet.startswith('<div class="ecospace-report">') and "red_share" in snippet


# ----------------------------------------------------------------------------- Markdown, files


def test_markdown_tables(result, written):
    md = written["md"].read_text(encoding="utf-8")
    assert md.startswith("# 规划指标核查报告")
    for title in ("## 核查结果", "## 覆盖", "## 重叠", "## 包含", "## 冲突图斑", "## 乡镇",
                  "## 土地覆盖", "## 规划自检", "## 图层"):  # fmt: skip
        assert title in md
    row = next(line for line in md.splitlines() if line.startswith("| red_farm |"))
    assert "7.25 公顷" in row and "不符合" in row


def test_write_outputs_refuses_to_overwrite(result, written):
    folder = written["md"].parent
    with pytest.raises(EcospaceError, match="--overwrite"):
        write_outputs(result, folder, conflicts=False, map_path=False)
    again = write_outputs(result, folder, overwrite=True, conflicts=False, map_path=False)
    assert again["json"].exists()


def test_write_outputs_with_map_and_conflicts(result, tmp_path):
    paths = write_outputs(result, tmp_path)
    assert set(paths) == {
        "conflicts", "conflicts_shp", "conflicts_gdb", "conflicts_styles",
        "map", "md", "html", "xlsx", "json", "docx",
    }  # fmt: skip
    page = paths["html"].read_text(encoding="utf-8")
    assert "<iframe" in page and "srcdoc=" in page  # the offline map, embedded
    # the link opens the embedded copy, so it works when report.html travels alone
    assert 'href="map.html"' not in page
    assert '<a id="ecospace-map-link" href="#ecospace-map"' in page
    parser = _Cells()
    parser.feed(page)
    assert parser.external == [] and parser.scripts == 1  # one inline script, no src
    assert "URL.createObjectURL(new Blob([f.srcdoc]" in page
    assert re.search(r"https?://", page.split("<iframe", 1)[0]) is None
    import pyogrio

    layers = [name for name, _ in pyogrio.list_layers(paths["conflicts"])]
    assert "overlap_red_line__basic_farmland" in layers
    assert "outside_protected_area__red_line" in layers


def test_unknown_language(result):
    with pytest.raises(EcospaceError, match="'fr'"):
        result.to_markdown("fr")


# ----------------------------------------------------------------------------- labels, numbers


def test_township_kinds_residue_and_containment_headings(result):
    md = result.to_markdown()
    rows = {line.split(" | ")[0].lstrip("| "): line for line in md.splitlines()}
    assert rows["甲镇"].split(" | ")[1] == "镇" and rows["乙乡"].split(" | ")[1] == "乡"
    assert rows["面积计算余差"].split(" | ")[1] == "面积计算余差"
    assert "method_residue" not in md
    assert "| 被包含图层 | 包含图层 |" in md and "应在内" not in md and "外包" not in md
    en = result.to_markdown("en")
    assert "| Contained layer | Containing layer |" in en and "| method residue |" in en


@pytest.mark.parametrize(
    ("name", "zh", "en"),
    [
        ("山河镇", "镇", "town"),
        ("民乐朝鲜族乡", "乡", "township"),
        ("五常街道", "街道", "subdistrict"),
        ("城区街道办事处", "街道", "subdistrict"),
        ("红旗", "乡镇", "township"),
    ],
)
def test_township_kind_from_the_name(name, zh, en):
    from ecospace.rendering.report import display_frame

    df = display_frame(pd.DataFrame({"name": [name, "合计"], "kind": ["township", "total"]}))
    assert df["kind"].tolist() == [zh, "合计"]
    df = display_frame(pd.DataFrame({"name": [name], "kind": ["township"]}), "en")
    assert df["kind"].tolist() == [en]


def test_no_negative_zero_in_the_header(result):
    # a boundary 1e-6 m² smaller than the stated total: the gap rounds to zero, unsigned
    r = dataclasses.replace(result, boundary_m2=1e8, stated_total_m2=1e8 + 1e-6)
    text = r.to_table()
    assert "两者之差: 0.00 公顷（0.000 %）" in text
    negative_zero = re.compile(r"-0\.0+(?![0-9])")
    assert not negative_zero.search(text) and not negative_zero.search(r.to_markdown())


def test_json_years_and_lines_are_integers(tmp_path):
    figs = [
        ("with_year", {**FIGURES[0][1], "year": 2035, "line": 12}, None, None),
        ("no_year", FIGURES[0][1], None, None),
    ]
    r = check(write_plan(tmp_path, figs), layers=make_county(), progress=False)
    text = r.to_json()
    doc = json.loads(text)
    years = {f["id"]: f["year"] for f in doc["figures"]}
    assert years == {"with_year": 2035, "no_year": None}
    assert type(years["with_year"]) is int and '"year": 2035,' in text
    assert re.search(r'"line": 12\s', text) and "2035.0" not in text


def test_survey_area_in_the_json_report(tmp_path):
    survey = {"value": 90, "unit": "km2", "line": 4, "source": "第三次全国国土调查"}
    path = write_plan(tmp_path, FIGURES[:6], extra={"survey_area": survey, "denominator": "survey"})
    doc = to_dict(check(path, layers=make_county(), progress=False))
    jsonschema.validate(doc, report_schema(), cls=jsonschema.Draft202012Validator)
    assert doc["denominator"]["used"] == "survey"
    assert doc["denominator"]["survey_m2"] == pytest.approx(90e6)
    assert doc["denominator"]["area_m2"] == pytest.approx(90e6)
    assert doc["plan"]["survey_area"] == {
        "value": 90.0, "unit": "km2", "quote": None, "line": 4, "source": "第三次全国国土调查",
    }  # fmt: skip


def test_clean_check_writes_conflicts_with_a_crs_and_no_warning(tmp_path):
    """No conflicts: the placeholder GeoPackage carries the working CRS (warnings are errors)."""
    import pyogrio

    county = make_county()
    layers = {"boundary": county["boundary"], "red_line": county["red_line"].iloc[:1]}
    r = check(write_plan(tmp_path, FIGURES[:1]), layers=layers, progress=False)
    paths = write_outputs(r, tmp_path / "out", map_path=False)
    assert [name for name, _ in pyogrio.list_layers(paths["conflicts"])] == ["no_conflicts"]
    info = pyogrio.read_info(paths["conflicts"], layer="no_conflicts")
    assert info["crs"] == "EPSG:4529"


def test_map_linked_not_embedded_says_it_must_travel(result, tmp_path):
    m = tmp_path / "map.html"
    m.write_text("<!DOCTYPE html><title>m</title>", encoding="utf-8")
    page = result.to_html(map_path=m, embed_map=False)
    assert '<a href="map.html">' in page and "地图文件 map.html 须与本报告放在同一文件夹" in page
    assert "<script" not in page


@pytest.mark.browser
def test_map_link_opens_the_embedded_map_when_the_report_travels_alone(result, tmp_path):
    """report.html copied alone to another folder: the link still opens the map."""
    import shutil

    from playwright.sync_api import sync_playwright

    m = tmp_path / "made" / "map.html"
    m.parent.mkdir()
    m.write_text(
        '<!DOCTYPE html><html><body><p id="inside">地图内容</p></body></html>', encoding="utf-8"
    )
    alone = tmp_path / "alone" / "report.html"
    alone.parent.mkdir()
    alone.write_text(result.to_html(map_path=m), encoding="utf-8")
    shutil.rmtree(m.parent)  # the map file is gone: only the embedded copy is left
    exe = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--headless", "--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(alone.as_uri(), wait_until="load")
            href = page.get_attribute("#ecospace-map-link", "href")
            assert href.startswith("blob:")
            with page.expect_popup() as popup_info:
                page.click("#ecospace-map-link")
            popup = popup_info.value
            popup.wait_for_load_state()
            assert popup.text_content("#inside") == "地图内容"
        finally:
            browser.close()
