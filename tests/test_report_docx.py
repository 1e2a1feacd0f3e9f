"""The Word 核查表: opened with python-docx, its tables, findings and annex figures found."""

import docx
import geopandas as gpd
import pytest
from docx.shared import Cm
from shapely import box

from ecospace.checking.check import check
from ecospace.plan import validate_plan_data
from ecospace.rendering.outputs import write_outputs
from ecospace.rendering.report import to_docx

X0, Y0 = 41_500_000.0, 5_000_000.0  # EPSG:4529, 3° Gauss–Krüger zone 41


@pytest.fixture(scope="module")
def result():
    """A 1000 m × 1000 m county (100 ha), a 300 m wide red line (30 ha) and farmland
    overlapping it on 100 m × 1000 m (10 ha): planar areas, hand-calculated."""
    plan = validate_plan_data(
        {
            "plan": "示例县国土空间规划",
            "region": {"name": "示例县", "code": "230184"},
            "method": "planar",
            "figures": [
                {"id": "red_share", "label": "生态保护红线占比", "measure": "share",
                 "role": "red_line", "op": ">=", "value": 30, "unit": "%"},
                {"id": "red_area", "label": "生态保护红线面积", "measure": "area",
                 "role": "red_line", "op": ">=", "value": 35, "unit": "ha"},
                {"id": "no_overlap", "label": "红线与永久基本农田不重叠", "measure": "overlap",
                 "roles": ["red_line", "basic_farmland"], "op": "=", "value": 0, "unit": "ha"},
            ],
        }
    )  # fmt: skip
    layers = {
        "boundary": gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000)], crs=4529),
        "red_line": gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 300, Y0 + 1000)], crs=4529),
        "basic_farmland": gpd.GeoDataFrame(
            geometry=[box(X0 + 200, Y0, X0 + 600, Y0 + 1000)], crs=4529
        ),
    }
    return check(plan, layers=layers, progress=False)


@pytest.fixture(scope="module")
def document(result, tmp_path_factory):
    path = tmp_path_factory.mktemp("docx") / "report.docx"
    to_docx(result, path, annex_dpi=60)
    return docx.Document(path)


def _rows(table):
    return [[c.text for c in row.cells] for row in table.rows]


def test_header_names_plan_region_method_and_denominator(document):
    assert document.paragraphs[0].text == "规划指标核查表"
    header = dict(_rows(document.tables[0])[1:])
    assert header["规划"] == "示例县国土空间规划"
    assert header["行政区"] == "示例县 230184"
    assert header["面积算法"].startswith("平面面积")
    assert header["占比分母"] == "行政区图层计算面积 100.00 公顷"
    assert header["结论"].startswith("有约束性指标不符合")


def test_verification_table_holds_every_figure(document):
    rows = _rows(document.tables[1])
    assert rows[0] == [
        "编号", "指标", "规划值", "实测值", "差值", "差值（%）",
        "结论", "约束性", "分母", "面积算法",
    ]  # fmt: skip
    body = {r[0]: r for r in rows[1:]}
    # 30 ha / 100 ha = 30 %; 30 ha against >= 35 ha; the overlap is 100 m × 1000 m = 10 ha
    assert body["red_share"][2:4] == [">= 30 %", "30.00 %"] and body["red_share"][6] == "符合"
    assert body["red_area"][2:7] == [">= 35 公顷", "30.00 公顷", "-5.00", "-14.29", "不符合"]
    assert body["no_overlap"][3] == "10.00 公顷" and body["no_overlap"][6] == "不符合"
    assert body["red_share"][8] == "行政区图层计算面积"


def test_status_cells_are_shaded(document):
    cells = document.tables[1].rows
    fills = {
        row.cells[0].text: row.cells[6]._element.tcPr.xpath("./w:shd/@w:fill")[0]
        for row in cells[1:]
    }
    assert fills == {"red_share": "E3F4E3", "red_area": "FBE0E0", "no_overlap": "FBE0E0"}


def test_findings_state_each_failure_and_the_conflict(document):
    text = [p.text for p in document.paragraphs]
    start = text.index("核查发现")
    findings = text[start + 1 : text.index("附图")]
    assert any("red_area" in f and "实测 30.00 公顷" in f and "不符合" in f for f in findings)
    assert any("生态保护红线与永久基本农田重叠：1 处，合计 10.00 公顷" in f for f in findings)
    assert not any("red_share" in f for f in findings)  # a passing figure is no finding


def test_annex_pages_are_figures(document):
    shapes = document.inline_shapes
    assert len(shapes) == 3
    assert all(abs(s.height - Cm(14.5)) < Cm(0.01) for s in shapes)
    images = [r.target_part for r in document.part.rels.values() if "image" in r.reltype]
    assert len(images) == 3 and all(p.blob.startswith(b"\x89PNG") for p in images)
    captions = [p.text for p in document.paragraphs if p.text.startswith("附图")]
    assert captions == ["附图", "附图1\u3000三条控制线", "附图2\u3000自然保护地与生态保护红线",
                        "附图3\u3000冲突图斑"]  # fmt: skip


def test_page_is_landscape_a4(document):
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (29.7, 21.0)


def test_english_report(result, tmp_path):
    path = to_docx(result, tmp_path / "r.docx", "en", annex=False)
    d = docx.Document(path)
    assert d.paragraphs[0].text == "Plan verification sheet"
    assert _rows(d.tables[1])[0][:3] == ["ID", "Figure", "Stated"]
    assert not d.inline_shapes


def test_write_outputs_writes_docx_and_keeps_it(result, tmp_path):
    only_docx = {"formats": ("docx",), "conflicts": False, "map_path": False}
    paths = write_outputs(result, tmp_path, **only_docx)
    assert paths["docx"].name == "report.docx"
    with pytest.raises(FileExistsError, match=r"report\.docx already exists"):
        write_outputs(result, tmp_path, **only_docx)
