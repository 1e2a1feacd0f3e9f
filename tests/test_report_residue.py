"""The township table: full precision in Excel, the 面积计算余差 row explained in every format."""

import json

import docx
import geopandas as gpd
import openpyxl
import pytest
from shapely import box

from ecospace.checking.check import check
from ecospace.plan import validate_plan_data
from ecospace.rendering.outputs import write_outputs
from ecospace.rendering.report import section_text, to_html, to_markdown

X0, Y0 = 41_500_000.0, 5_000_000.0  # EPSG:4529


@pytest.fixture(scope="module")
def result():
    """Two 100 m × 100 m townships; a red line 123.456 m × 100 m = 1.23456 ha (hand-made)."""
    plan = validate_plan_data(
        {
            "plan": "示例",
            "method": "planar",
            "figures": [{"id": "red", "measure": "area", "role": "red_line", "op": ">=",
                         "value": 1, "unit": "ha"}],
        }
    )  # fmt: skip
    crs = 4529
    layers = {
        "boundary": gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 200, Y0 + 100)], crs=crs),
        "townships": gpd.GeoDataFrame(
            {"XZQMC": ["甲镇", "乙乡"], "XZQDM": ["001", "002"]},
            geometry=[box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 100, Y0, X0 + 200, Y0 + 100)],
            crs=crs,
        ),
        "red_line": gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 123.456, Y0 + 100)], crs=crs),
    }
    return check(plan, layers=layers, progress=False)


@pytest.fixture(scope="module")
def written(result, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    return write_outputs(result, out, conflicts=False, map_path=False)


def test_excel_township_sheet_keeps_full_precision(written):
    ws = openpyxl.load_workbook(written["xlsx"])["乡镇"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = rows[0]
    col = header.index("生态保护红线（公顷）")
    by_name = {r[0]: r for r in rows[1:] if r and r[0]}
    # 甲镇 holds 100 m × 100 m of the red line, 乙乡 23.456 m × 100 m; the county 1.23456 ha
    assert by_name["甲镇"][col] == pytest.approx(1.0, abs=1e-9)
    assert by_name["乙乡"][col] == pytest.approx(0.23456, abs=1e-9)  # not rounded to 0.23
    assert by_name["合计"][col] == pytest.approx(1.23456, abs=1e-9)


RESIDUE_ZH = "面积计算余差：官方椭球面积公式按顶点计算"
RESIDUE_EN = "Method residue: the official ellipsoidal formula works on vertices"


def test_residue_row_explained_in_every_format(result, written):
    md = written["md"].read_text(encoding="utf-8")
    townships_md = md.split("## 乡镇", 1)[1].split("## ", 1)[0]
    assert "| 面积计算余差 |" in townships_md and RESIDUE_ZH in townships_md
    page = written["html"].read_text(encoding="utf-8")
    assert '<p class="residue">' + RESIDUE_ZH in page.split('id="townships"', 1)[1]
    ws = openpyxl.load_workbook(written["xlsx"])["乡镇"]
    assert any(str(r[0].value or "").startswith(RESIDUE_ZH) for r in ws.iter_rows())
    doc = json.loads(written["json"].read_text(encoding="utf-8"))
    (note,) = doc["notes"]["townships"]
    assert note["zh"].startswith(RESIDUE_ZH) and note["en"].startswith(RESIDUE_EN)
    paragraphs = [p.text for p in docx.Document(written["docx"]).paragraphs]
    assert any(p.startswith(RESIDUE_ZH) for p in paragraphs)
    assert RESIDUE_ZH in section_text(result, "townships")
    assert RESIDUE_EN in section_text(result, "townships", "en")
    assert RESIDUE_EN in to_markdown(result, "en") and RESIDUE_EN in to_html(result, "en")
