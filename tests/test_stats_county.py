"""County figures: shares inside the boundary, printed tables and the stats/overlaps CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner
from shapely import box

from ecospace.cli.main import cli
from ecospace.measuring.stats import format_county, measure_county, township_table

# warnings about the layers (farmland outside the county, the demo's planted defects) are
# tested with the readers; here they would only be logged or raised depending on test order
QUIET = pytest.mark.filterwarnings("ignore::ecospace.loading.validate.ValidationWarning")

ROOT = Path(__file__).resolve().parents[1]
CRS = "EPSG:4529"
X0, Y0 = 41_500_000.0, 5_000_000.0


def b(x0, y0, x1, y1):
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def gdf(*geoms, **cols):
    return gpd.GeoDataFrame(cols or None, geometry=list(geoms), crs=CRS)


@pytest.fixture
def outside_county():
    """County 100 m × 100 m; farmland wholly outside it, red line half outside."""
    return {
        "boundary": gdf(b(0, 0, 100, 100)),  # 10 000 m²
        "townships": gdf(b(0, 0, 50, 100), b(50, 0, 100, 100), XZQMC=["甲镇", "乙乡"]),
        "basic_farmland": gdf(b(200, 0, 300, 10), YJJBNTTBBH=["F1"]),  # 1 000 m², outside
        "red_line": gdf(b(50, 0, 150, 20), HXMC=["红线"]),  # 2 000 m², 1 000 inside 乙乡
    }


def test_share_counts_only_the_area_inside_the_county(outside_county):
    f = measure_county(outside_county, method="planar")
    cov = f.coverage.set_index("role")
    assert cov.loc["basic_farmland", ["union_m2", "inside_m2", "outside_m2"]].tolist() == (
        pytest.approx([1_000, 0, 1_000])
    )
    assert cov.loc["basic_farmland", "share"] == 0
    assert cov.loc["red_line", "share"] == pytest.approx(1_000 / 10_000)
    assert cov.loc["boundary", ["inside_m2", "outside_m2", "share"]].tolist() == pytest.approx(
        [10_000, 0, 1]
    )
    text = format_county(f, unit="m2", sections=("coverage",), lang="en")
    assert "share = area inside the county boundary" in text
    row = next(line.split() for line in text.splitlines() if line.startswith("basic_farmland"))
    assert row[-3:] == ["0.00", "1,000.00", "0.00"]  # inside, outside, share %


def test_township_total_share_uses_the_area_inside(outside_county):
    layers = {r: outside_county[r] for r in ("basic_farmland", "red_line")}
    t = township_table(
        outside_county["townships"],
        layers,
        method="planar",
        unit="m2",
        boundary=outside_county["boundary"],
    ).set_index("name")
    # the 合计 row still adds up to the whole union, but its share is of the part inside
    assert t.loc["合计", "basic_farmland_m2"] == pytest.approx(1_000)
    assert t.loc["合计", "basic_farmland_share"] == 0
    assert t.loc["合计", "red_line_m2"] == pytest.approx(2_000)
    assert t.loc["合计", "red_line_share"] == pytest.approx(0.1)
    assert t.loc["乙乡", "red_line_share"] == pytest.approx(1_000 / 5_000)
    # without a boundary: the part inside the townships
    t2 = township_table(outside_county["townships"], layers, method="planar", unit="m2").set_index(
        "name"
    )
    assert t2.loc["合计", "red_line_share"] == pytest.approx(0.1)


def test_printed_tables_name_codes_crs_status_and_features_outside():
    layers = {
        "boundary": gdf(b(0, 0, 1000, 1000)),
        "red_line": gdf(b(0, 0, 500, 1000)),
        "basic_farmland": gdf(b(490, 0, 600, 100), YJJBNTTBBH=["F1"]),  # 10 m × 100 m in red
        "protected_area": gdf(b(400, 0, 700, 100), ZRBHDMC=["青山风景名胜区"]),  # 2 ha out
        "land_use": gdf(b(0, 0, 1000, 500), b(0, 500, 1000, 1000), DLBM=["0301", "0404"]),
    }
    f = measure_county(layers, method="planar")
    assert f.crs == "EPSG:4529 CGCS2000 / 3-degree Gauss-Kruger zone 41"
    assert f.to_dict()["crs"] == f.crs
    text = format_county(f, lang="en")
    assert "\nCRS (overlay): EPSG:4529 CGCS2000 / 3-degree Gauss-Kruger zone 41\n" in text
    red_farm = next(
        line.split()
        for line in text.splitlines()
        if line.split()[:2] == ["red_line", "basic_farmland"]
    )
    assert red_farm[2] == "0.10" and red_farm[-2:] == ["yes", "violated"]
    red_pa = next(
        line for line in text.splitlines() if line.split()[:2] == ["red_line", "protected_area"]
    )
    assert "violated" not in red_pa and "ok" not in red_pa
    assert "protected_area outside red_line: 1 feature(s)" in text
    assert "  青山风景名胜区 (row 0)  2.00 ha of 3.00 ha" in text
    lc = next(line for line in text.splitlines() if line.startswith("forest "))
    assert "0301 0302 0305 0307" in lc and "50.00" in lc  # codes, then share %
    assert re.search(r"forest_grass\s+0301 0302 0305 0307 04\s", text)


def test_cjk_columns_line_up(outside_county):
    from ecospace._text_table import display_width

    f = measure_county(outside_county, method="planar")
    block = format_county(f, sections=("townships",)).split("==\n", 1)[1].split("\n\n")[0]
    lines = block.splitlines()
    # the column after the name starts at the same terminal column on every line
    starts = {
        display_width(line[: line.index(line.split()[1], len(line.split()[0]))])
        for line in lines[2:]
    }
    assert len(starts) == 1


@pytest.fixture
def small_gpkg(tmp_path):
    path = tmp_path / "county.gpkg"
    layers = {
        "XZQ": gdf(b(0, 0, 200, 100), XZQMC=["示范县"]),
        "STBHHX": gdf(b(50, 0, 150, 50), HXMC=["红线"]),
        "YJJBNTBHTB": gdf(b(300, 0, 310, 10), YJJBNTTBBH=["F1"]),  # outside the county
    }
    for name, g in layers.items():
        g.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    return path


@QUIET
@pytest.mark.parametrize("engine", ["pyogrio", "fiona"])
def test_cli_engine_option(small_gpkg, engine):
    for command in ("overlaps", "stats"):
        r = CliRunner().invoke(
            cli,
            [
                command,
                str(small_gpkg),
                "--engine",
                engine,
                "--method",
                "planar",
                "--format",
                "json",
            ],
        )
        assert r.exit_code == 0, r.output
        cov = {x["role"]: x for x in json.loads(r.output)["coverage"]}
        assert cov["red_line"]["share"] == pytest.approx(5_000 / 20_000)
        assert cov["basic_farmland"]["share"] == 0  # 100 % outside the county
        assert cov["basic_farmland"]["outside_m2"] == pytest.approx(100)


def test_cli_bad_engine(small_gpkg):
    r = CliRunner().invoke(cli, ["stats", str(small_gpkg), "--engine", "gdal"])
    assert r.exit_code == 2
    assert re.search(r"Invalid value for '--engine'.*'gdal' is not one of", r.output)


def test_cli_classes_needs_landcover(small_gpkg):
    yml = ROOT / "layers" / "demo_landcover_classes.yaml"
    r = CliRunner().invoke(cli, ["stats", str(small_gpkg), "--classes", str(yml)])
    assert r.exit_code == 2
    assert "Invalid value for --classes: needs --landcover TIF" in r.output


def test_cli_landcover_without_class_map(small_gpkg, tmp_path):
    tif = tmp_path / "cover.tif"
    tif.write_bytes(b"")
    r = CliRunner().invoke(cli, ["stats", str(small_gpkg), "--landcover", str(tif)])
    assert r.exit_code == 2
    assert re.search(r"cover_classes\.yaml does not exist; pass --classes YAML", r.output)


def test_cli_malformed_class_map(small_gpkg, tmp_path):
    yml = tmp_path / "c.yaml"
    yml.write_text("classes:\n  1: {name: 耕地, dlbm_prefixes: [1]}\n", encoding="utf-8")
    tif = ROOT / "layers" / "demo_landcover.tif"
    r = CliRunner().invoke(
        cli, ["stats", str(small_gpkg), "--landcover", str(tif), "--classes", str(yml)]
    )
    assert r.exit_code == 2
    assert re.search(r"c\.yaml: classes\.1\.dlbm_prefixes: code 1 is a number", r.output)


@QUIET
def test_cli_stats_landcover_demo():
    """Raster shares beside the parcels', same denominator; forest within 0.5 pp of DLTB."""
    truth = json.loads((ROOT / "layers" / "demo_truth.json").read_text(encoding="utf-8"))
    args = [
        "stats",
        str(ROOT / "layers" / "demo.gpkg"),
        "--landcover",
        str(ROOT / "layers" / "demo_landcover.tif"),  # class map found beside it
    ]

    def run(*extra):
        return CliRunner().invoke(cli, [*args, *extra, "--lang", "en"])

    r = run("--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output[r.output.index("{") :])
    rl = {x["class"]: x for x in d["land_cover_raster"]}
    assert rl["forest"]["share"] * 100 == pytest.approx(
        truth["land_cover"]["forest"]["share_pct"], abs=0.5
    )
    assert rl["forest"]["denominator_m2"] == pytest.approx(d["denominator_m2"])
    assert rl["forest"]["denominator_source"] == "boundary"
    assert rl["wetland"]["share"] is None  # no raster class maps to wetland
    r = run()
    assert r.exit_code == 0, r.output
    assert "ellipsoidal pixel areas" in r.output
    assert "no raster class maps to wetland" in r.output
    raster_part = r.output.split("Land cover from the classified raster", 1)[1]
    row = next(line.split() for line in raster_part.splitlines() if line.startswith("forest "))
    # class, label, 4 codes, parcels ha, parcels %, raster class, raster code, raster ha, %, pp
    assert row[1] == "森林覆盖率" and row[7] == "28.54" and row[8:10] == ["林地", "03"]
    assert float(row[11]) == pytest.approx(float(row[7]), abs=0.5)
