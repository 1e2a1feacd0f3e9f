"""Plain-text tables that line up with Chinese text (ecospace._text_table) and their users."""

from __future__ import annotations

import geopandas as gpd
import pytest
from click.testing import CliRunner
from shapely import box

from ecospace._text_table import display_width, pad, text_table
from ecospace.cli.main import cli


@pytest.mark.parametrize(
    ("text", "width", "align", "expected"),
    [
        ("红线", 6, "left", "红线  "),
        ("红线", 6, "right", "  红线"),
        ("ha", 4, "right", "  ha"),
        ("太长的名字", 4, "left", "太长的名字"),  # never cut
    ],
)
def test_pad_counts_wide_characters_twice(text, width, align, expected):
    assert pad(text, width, align) == expected


def test_table_without_rule_and_default_alignment():
    table = text_table(["名称", "n"], [["甲", "1"], ["Abcde", "22"]], rule=None)
    assert table.splitlines() == ["名称   n", "甲     1", "Abcde  22"]


def test_areas_by_chinese_values_line_up(tmp_path):
    path = tmp_path / "towns.gpkg"
    x0, y0 = 41_500_000.0, 5_000_000.0  # EPSG:4529, zone 41 with prefix
    gpd.GeoDataFrame(
        {"XZQMC": ["东风乡", "Town", "省级"]},
        geometry=[box(x0 + dx, y0, x0 + dx + 100, y0 + 100) for dx in (0, 200, 400)],
        crs=4529,
    ).to_file(path)
    res = CliRunner().invoke(cli, ["areas", str(path), "--method", "planar", "--by", "XZQMC"])
    assert res.exit_code == 0, res.output
    rows = [ln for ln in res.output.splitlines() if ln.endswith(("1.00", "3.00"))]
    assert [ln.split()[0] for ln in rows] == ["Town", "东风乡", "省级", "合计（要素面积之和）"]
    # each 1 ha parcel is 1.00 ha: the area column ends at the same terminal column
    assert len({display_width(ln) for ln in rows}) == 1
