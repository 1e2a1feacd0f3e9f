"""The ``ecospace areas`` command, on a small GeoPackage written in tmp_path.

Expected areas are hand-computed planar areas or GeographicLib (pyproj.Geod) values.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from click.testing import CliRunner
from shapely import box

from ecospace.cli.main import cli
from ecospace.geometry.area import AreaDistortionWarning

pytestmark = [
    # the fixture's planted overlap, reported by read_layer (tested in test_layers*)
    pytest.mark.filterwarnings(
        r"ignore:.*overlaps 1 \(2,500.0 m²\):ecospace.loading.validate.ValidationWarning"
    ),
]

X0, Y0 = 41_500_000.0, 5_000_000.0  # EPSG:4529, zone 41 with prefix


def square(dx: float, dy: float, side: float):
    return box(X0 + dx, Y0 + dy, X0 + dx + side, Y0 + dy + side)


@pytest.fixture
def gpkg(tmp_path):
    """Three parcels of 1 ha, 1 ha and 4 ha; the last two overlap by 0.25 ha."""
    path = tmp_path / "parcels.gpkg"
    gdf = gpd.GeoDataFrame(
        {
            "DLBM": ["0101", "0301", "0301"],
            "TBMJ": [10000.0, 10000.0, 39000.0],
            "MJ": [1.0, 1.0, 4.0],
            "ZONE": ["A", "A", "B"],  # the overlapping pair is split across values
        },
        geometry=[square(0, 0, 100), square(1000, 0, 100), square(1050, 50, 200)],
        crs=4529,
    )
    gdf.to_file(path, layer="DLTB")
    return path


def run(*args, lang="en"):
    """``ecospace areas ARGS`` (in English unless ``lang`` says otherwise)."""
    return CliRunner().invoke(cli, ["areas", *map(str, args), "--lang", lang])


def test_planar_union_and_sum(gpkg):
    res = run(f"{gpkg}:DLTB", "--method", "planar")
    assert res.exit_code == 0, res.output
    # union: 1 + 1 + 4 − 0.25 = 5.75 ha; sum 6 ha
    assert "area (union of features)" in res.output
    assert "5.75 ha" in res.output
    assert "6.00 ha" in res.output
    assert "features overlap: 0.25 ha" in res.output
    assert "EPSG:4529" in res.output
    assert "planar" in res.output


def test_ellipsoid_json_full_precision(gpkg):
    res = run(f"{gpkg}:DLTB", "--format", "json", "--unit", "m2")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["method"] == "ellipsoid"
    assert doc["unit"] == "m2"
    assert doc["crs"]["id"] == "EPSG:4529"
    assert "国土调查办发〔2008〕32号" in doc["method_label"]["zh"]
    # reference: GeographicLib on the parcels sent to longitude/latitude, densified
    t = pyproj.Transformer.from_crs(4529, 4490, always_xy=True)
    geod = pyproj.Geod(a=6378137.0, rf=298.257222101)

    def geod_area(g):
        g = shapely.segmentize(g, 1.0)
        g = shapely.transform(g, lambda c: np.column_stack(t.transform(*c.T)))
        return abs(geod.geometry_area_perimeter(g)[0])

    ref_sum = sum(
        geod_area(g) for g in [square(0, 0, 100), square(1000, 0, 100), square(1050, 50, 200)]
    )
    assert doc["sum"] == pytest.approx(ref_sum, rel=1e-7)
    assert doc["overlap"] == pytest.approx(2500.0, rel=1e-3)
    assert doc["union"] == pytest.approx(doc["sum"] - doc["overlap"], rel=1e-12)


def test_by_field_balanced_table_and_csv(gpkg):
    res = run(f"{gpkg}:DLTB", "--method", "planar", "--by", "DLBM")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    row = {ln.split()[0]: ln.split() for ln in lines if ln[:4] in ("0101", "0301", "tota")}
    assert row["0101"][1:3] == ["1", "1.00"]
    assert row["0301"][1:4] == ["2", "5.00", "4.75"]  # sum, union
    assert row["total"][1:] == ["(sum", "of", "features)", "3", "6.00"]
    # the overlap lies within 0301: the layer's union row says 5.75
    union = [ln for ln in lines if ln.startswith("union of features")]
    assert union and union[0].split()[3:] == ["3", "5.75"]
    res = run(
        f"{gpkg}:DLTB", "--method", "planar", "--by", "DLBM", "--format", "csv", "--unit", "mu"
    )
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[0] == "value,features,sum_mu,union_mu"
    assert res.output.splitlines()[1].startswith("0101,1,15.0")  # 1 ha = 15 亩
    # the row of all features: sum 6 ha = 90 亩, union 5.75 ha = 86.25 亩
    assert res.output.splitlines()[-1] == "(all),3,90.0,86.25"


def test_by_field_overlap_across_values_shows_sum_and_union(gpkg):
    # ZONE A: 1 + 1 ha; B: 4 ha overlapping A's second parcel by 0.25 ha
    res = run(f"{gpkg}:DLTB", "--method", "planar", "--by", "ZONE")
    assert res.exit_code == 0, res.output
    rows = {ln.split()[0]: ln.split()[1:] for ln in res.output.splitlines() if ln}
    assert rows["A"] == ["2", "2.00"] and rows["B"] == ["1", "4.00"]  # no union column
    assert rows["total"] == ["(sum", "of", "features)", "3", "6.00"]
    assert rows["union"] == ["of", "features", "3", "5.75"]
    assert "the layer's area is the union, 0.25 ha less than the sum" in res.output
    doc = json.loads(run(f"{gpkg}:DLTB", "--method", "planar", "--by", "ZONE", "--format",
                         "json").output)  # fmt: skip
    assert (doc["sum"], doc["union"]) == pytest.approx((6.0, 5.75), rel=1e-12)
    assert [g["sum"] for g in doc["groups"]] == pytest.approx([2.0, 4.0], rel=1e-12)


def test_compare_field_lists_differences_and_exits_1(gpkg):
    res = run(f"{gpkg}:DLTB", "--method", "planar", "--compare-field", "TBMJ")
    assert res.exit_code == 1, res.output
    assert "1 of 3 features differ" in res.output
    assert "-1,000.00" in res.output  # 39 000 stored vs 40 000 computed
    res = run(f"{gpkg}:DLTB", "--method", "planar", "--compare-field", "MJ", "--field-unit", "ha")
    assert res.exit_code == 0, res.output
    assert "0 of 3 features differ" in res.output


def test_compare_field_csv(gpkg):
    res = run(f"{gpkg}:DLTB", "--method", "planar", "--compare-field", "TBMJ", "--format", "csv")
    assert res.exit_code == 1
    header, first = res.output.splitlines()[:2]
    assert header.startswith("fid,stored,stored_m2,computed_m2,difference_m2")
    assert first.startswith("2,39000.0,39000.0,40000.0,-1000.0")


@pytest.fixture
def geo_gpkg(tmp_path):
    """A 100 m Gauss–Krüger square (zone 41, 1 m edges) stored in EPSG:4490."""
    path = tmp_path / "geo.gpkg"
    sq = shapely.segmentize(square(0, 0, 100), 1.0)
    t = pyproj.Transformer.from_crs(4529, 4490, always_xy=True)
    geo = shapely.transform(sq, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))
    gpd.GeoDataFrame({"NAME": ["甲"]}, geometry=[geo], crs=4490).to_file(path)
    return path


def test_planar_in_named_crs(geo_gpkg):
    res = run(geo_gpkg, "--method", "planar")
    assert res.exit_code == 2
    assert "square degrees" in res.output
    res = run(
        geo_gpkg, "--method", "planar", "--planar-crs", "4529", "--unit", "m2", "--format", "json"
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["crs"]["id"] == "EPSG:4490"  # the file's CRS, not the one measured in
    assert doc["crs"]["how"] == "file"
    assert doc["planar_crs"] == {
        "id": "EPSG:4529",
        "name": "CGCS2000 / 3-degree Gauss-Kruger zone 41",
    }
    assert "EPSG:4529" in doc["method_label"]["zh"]
    # back in zone 41 the vertices are the square's again: 100 m × 100 m by hand
    assert doc["union"] == pytest.approx(10_000.0, rel=1e-9)
    assert doc["sum"] == pytest.approx(10_000.0, rel=1e-9)
    res = run(geo_gpkg, "--method", "planar", "--planar-crs", "EPSG:4529", "--unit", "m2")
    assert res.exit_code == 0, res.output
    assert "CRS     EPSG:4490  China Geodetic Coordinate System 2000  (file)" in res.output
    assert "planar  EPSG:4529  CGCS2000 / 3-degree Gauss-Kruger zone 41  (--planar-crs)" in (
        res.output
    )
    assert "10,000.00 m2" in res.output


@pytest.mark.filterwarnings("always::ecospace.geometry.area.AreaDistortionWarning")
def test_planar_crs_outside_its_zone_warns(geo_gpkg):
    # the square lies at 123°E: 3° from the central meridian of zone 42 (126°E)
    res = run(geo_gpkg, "--method", "planar", "--planar-crs", "4530")
    assert res.exit_code == 0, res.output
    warned = [ln for ln in res.output.splitlines() if ln.startswith("WARNING:")]
    assert len(warned) == 1  # once, though the union is measured too
    assert warned[0].startswith(f"WARNING: {AreaDistortionWarning.__name__}: planar area in")
    assert "central meridian 126°E" in warned[0] and "(EPSG:4529)" in warned[0]


@pytest.mark.parametrize("bad", ["99999", "foo"])
def test_bad_planar_crs_is_a_usage_error(geo_gpkg, bad):
    res = run(geo_gpkg, "--method", "planar", "--planar-crs", bad)
    assert res.exit_code == 2
    assert f"Error: --planar-crs: '{bad}' is not a coordinate reference system" in res.output
    assert "Traceback" not in res.output and isinstance(res.exception, SystemExit)


def test_mercator_planar_crs_is_blamed_not_the_layer(geo_gpkg):
    res = run(geo_gpkg, "--method", "planar", "--planar-crs", "3857")
    assert res.exit_code == 2
    assert "Invalid value for --planar-crs" in res.output
    assert "Pseudo-Mercator' is refused" in res.output
    assert "the layer's CRS" not in res.output


@pytest.mark.parametrize("decimals", ["-3", "11"])
def test_decimals_out_of_range(gpkg, decimals):
    res = run(f"{gpkg}:DLTB", "--decimals", decimals)
    assert res.exit_code == 2
    assert "'--decimals'" in res.output and "0<=x<=10" in res.output


def test_text_compare_field_is_a_usage_error(gpkg):
    res = run(f"{gpkg}:DLTB", "--method", "planar", "--compare-field", "ZONE")
    assert res.exit_code == 2
    assert (
        "field 'ZONE' is not numeric (text, e.g. 'A'); pick an area field such as TBMJ, MJ"
        in res.output
    )


def test_crs_given_for_a_file_with_a_crs_is_reported(geo_gpkg):
    res = run(geo_gpkg, "--crs", "4529", "--unit", "m2")
    assert res.exit_code == 0, res.output
    assert "--crs EPSG:4529" in res.output and "ignored" in res.output
    assert "CRS     EPSG:4490" in res.output


def test_errors_are_usage_errors(gpkg):
    res = run(f"{gpkg}:DLTB", "--by", "NOPE")
    assert res.exit_code == 2
    assert "no field 'NOPE'" in res.output and "DLBM" in res.output
    res = run(f"{gpkg}:DLTB", "--unit", "acre")
    assert res.exit_code == 2
    assert "unknown area unit 'acre'" in res.output
    res = run(f"{gpkg}:DLTB", "--planar-crs", "4529")
    assert res.exit_code == 2
    assert "only with --method planar" in res.output


@pytest.mark.parametrize(
    ("flag", "expected_rows"),
    [
        # strips of 1000 m × 333.33/333.33/333.34 m = 33.333 + 33.333 + 33.334 = 100.000 ha.
        # 强制调平 hands the missing 0.01 ha to the largest remainder (0.4, the third);
        # rounded each on its own they add up to 99.99 ha, 0.01 ha short of the sum.
        ("--balance", ["33.33", "33.33", "33.34"]),
        ("--no-balance", ["33.33", "33.33", "33.33"]),
    ],
)
def test_by_rows_balanced_or_rounded_on_their_own(tmp_path, flag, expected_rows):
    path = tmp_path / "strips.gpkg"
    heights = [333.33, 333.33, 333.34]
    strips = [box(X0, Y0 + i * 400, X0 + 1000, Y0 + i * 400 + h) for i, h in enumerate(heights)]
    gpd.GeoDataFrame({"XZQMC": ["甲镇", "乙乡", "丙乡"]}, geometry=strips, crs=4529).to_file(path)
    res = run(path, "--method", "planar", "--by", "XZQMC", flag)
    assert res.exit_code == 0, res.output
    rows = {ln.split()[0]: ln.split()[-1] for ln in res.output.splitlines() if ln.strip()}
    assert [rows["甲镇"], rows["乙乡"], rows["丙乡"]] == expected_rows
    assert rows["total"] == "100.00"
