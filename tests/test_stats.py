"""Tests of ecospace.measuring.stats: township tables, land cover, raster shares, measure_county."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import rasterio
import shapely
from _reference import zone_area as _zone_area
from affine import Affine
from shapely import box

from ecospace.errors import CRSError, EcospaceError
from ecospace.measuring.stats import (
    CLASS_SETS,
    land_cover,
    land_cover_area,
    measure_county,
    raster_class_shares,
    township_table,
)

CRS = "EPSG:4529"
X0, Y0 = 41_500_000.0, 5_000_000.0


def b(x0, y0, x1, y1):
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def gdf(*geoms, **cols):
    return gpd.GeoDataFrame(cols or None, geometry=list(geoms), crs=CRS)


# ----------------------------------------------------------------------------- townships
@pytest.fixture
def county():
    """Townships 甲 and 乙 overlap (1 000 m²), a 2 000 m² strip of the county is in no
    township, and 丙 reaches 900 m² beyond the county edge."""
    towns = gdf(
        b(0, 0, 100, 100), b(90, 0, 200, 100), b(0, 110, 210, 200), XZQMC=["甲", "乙", "丙"]
    )
    boundary = gdf(b(0, 0, 200, 200))
    red = gdf(b(50, 50, 150, 150))
    return towns, boundary, red


def test_township_table_reports_gap_and_overlap(county):
    towns, boundary, red = county
    t = township_table(
        towns, {"red_line": red}, method="planar", boundary=boundary, unit="m2"
    ).set_index("kind", append=True)
    by_name = t.reset_index("kind").set_index("name")
    assert by_name.loc[["甲", "乙", "丙"], "area_m2"].tolist() == pytest.approx(
        [10_000, 11_000, 18_900]
    )
    assert by_name.loc[["甲", "乙", "丙"], "red_line_m2"].tolist() == pytest.approx(
        [2_500, 3_000, 4_000]
    )
    assert by_name.loc[["甲", "乙", "丙"], "red_line_share"].tolist() == pytest.approx(
        [0.25, 3_000 / 11_000, 4_000 / 18_900]
    )
    kinds = t.reset_index("kind").set_index("kind")
    assert kinds.loc["townships_overlap", "area_m2"] == pytest.approx(-1_000)
    assert kinds.loc["townships_overlap", "red_line_m2"] == pytest.approx(-500)
    assert kinds.loc["not_in_townships", "area_m2"] == pytest.approx(2_000)
    assert kinds.loc["not_in_townships", "red_line_m2"] == pytest.approx(1_000)
    assert kinds.loc["townships_outside_boundary", "area_m2"] == pytest.approx(-900)
    assert kinds.loc["total", "area_m2"] == pytest.approx(40_000)
    assert kinds.loc["total", "red_line_m2"] == pytest.approx(10_000)
    notes = " ".join(t.attrs["notes"])
    assert "0.1000 ha" in notes and "0.2000 ha" in notes and "0.0900 ha" in notes


def test_township_rows_add_up_to_county_totals(county):
    towns, boundary, red = county
    farm = gdf(b(10, 10, 20, 20), b(95, 10, 105, 20), b(0, 95, 10, 105))
    t = township_table(
        towns, {"red_line": red, "basic_farmland": farm}, method="planar", boundary=boundary
    )
    parts, total = t[t["kind"] != "total"], t[t["kind"] == "total"].iloc[0]
    for col in ("area_m2", "red_line_m2", "basic_farmland_m2"):
        assert parts[col].sum() == pytest.approx(total[col])
    # farmland: 100 + 100 (straddles 甲/乙, counted 50 twice) + 100 (half in the gap)
    assert total["basic_farmland_m2"] == pytest.approx(300)
    assert total["area_ha"] == pytest.approx(4.0)


def test_township_table_forced_balance():
    towns = gdf(b(0, 0, 100, 100), b(100, 0, 200, 100), b(200, 0, 300, 100), XZQMC=list("ABC"))
    role = gdf(b(0, 0, 300, 100 / 3))  # 3333.33 m² = 0.3333 ha in each township
    t = township_table(towns, {"red_line": role}, method="planar", decimals=2)
    rounded = t.loc[t["kind"] == "township", "red_line_ha"].tolist()
    assert sorted(rounded) == [0.33, 0.33, 0.34]
    assert sum(t.loc[t["kind"] != "total", "red_line_ha"]) == pytest.approx(1.0)
    assert t.loc[t["kind"] == "total", "red_line_ha"].item() == 1.0
    assert t.loc[t["kind"] == "township", "name"].tolist() == ["A", "B", "C"]


def test_township_table_crs_mismatch():
    towns = gdf(b(0, 0, 10, 10))
    red = gpd.GeoDataFrame(geometry=[box(123, 45, 123.01, 45.01)], crs="EPSG:4490")
    with pytest.raises(CRSError, match=r"'townships'.*EPSG:4529.*'red_line'.*EPSG:4490"):
        township_table(towns, {"red_line": red})


# ----------------------------------------------------------------------------- land cover
@pytest.fixture
def land_use():
    codes = ["0101", "0102", "0301", "0303", "0305", "0307", "0404", "0402", "1106", "0301K"]
    return gdf(*[b(10 * i, 0, 10 * i + 10, 10 * (i + 1)) for i in range(10)], DLBM=codes)


def test_land_cover_area_by_hand(land_use):
    # parcel i is 10 × 10(i+1) m²
    area = {c: 100 * (i + 1) for i, c in enumerate(land_use["DLBM"])}
    forest = area["0301"] + area["0305"] + area["0307"] + area["0301K"]
    assert land_cover_area(land_use, "forest", method="planar") == pytest.approx(forest)
    assert land_cover_area(land_use, "03", method="planar") == pytest.approx(forest + area["0303"])
    assert land_cover_area(land_use, ["0404", "0402"], method="planar") == pytest.approx(
        area["0404"] + area["0402"]
    )
    wet = area["0303"] + area["0402"] + area["1106"]
    assert land_cover_area(land_use, "wetland", method="planar") == pytest.approx(wet)


def test_land_cover_shares_by_hand(land_use):
    total = sum(100 * (i + 1) for i in range(10))  # 5 500 m²
    lc = land_cover(land_use, method="planar").set_index("class")
    assert lc.loc["cropland", "area_m2"] == pytest.approx(300)
    assert lc.loc["cropland", "share"] == pytest.approx(300 / total)
    forest = 300 + 500 + 600 + 1000
    assert lc.loc["forest", "share"] == pytest.approx(forest / total)
    assert lc.loc["forest_grass", "area_m2"] == pytest.approx(forest + 700 + 800)
    assert (lc["denominator_source"] == "land_use").all()
    stated = land_cover(
        land_use, method="planar", denominator_m2=11_000, classes={"forest": ["03"]}
    ).set_index("class")
    assert stated.loc["forest", "share"] == pytest.approx((forest + 400) / 11_000)
    assert stated.loc["forest", "denominator_source"] == "stated"


def test_land_cover_numeric_codes_and_missing_field():
    lu = gdf(b(0, 0, 10, 10), b(10, 0, 20, 10), DLBM=[301, 101])
    assert land_cover_area(lu, "forest", method="planar") == pytest.approx(100)
    with pytest.raises(EcospaceError, match=r"no field 'DLBM'.*pass field="):
        land_cover_area(gdf(b(0, 0, 1, 1), CODE=["0301"]), "forest")


def test_class_sets_defaults():
    assert CLASS_SETS["forest"] == ["0301", "0302", "0305", "0307"]
    assert set(CLASS_SETS["wetland"]) == {
        "0303",
        "0304",
        "0306",
        "0402",
        "0603",
        "1105",
        "1106",
        "1108",
    }


# ----------------------------------------------------------------------------- raster
GRS80 = pyproj.Geod(ellps="GRS80")


def zone_area(lat1, lat2, dlon):
    """Closed-form area of a lat-lon rectangle of width ``dlon`` on the CGCS2000 ellipsoid."""
    return _zone_area(0.0, lat1, dlon, lat2)


def test_raster_shares_geographic(tmp_path):
    path = tmp_path / "cover.tif"
    data = np.array([[1, 1, 2, 0], [1, 3, 3, 255], [2, 2, 2, 2]], dtype="uint8")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=4,
        height=3,
        count=1,
        dtype="uint8",
        nodata=255,
        crs="EPSG:4490",
        transform=Affine(0.01, 0, 127.0, 0, -0.01, 45.0),
    ) as dst:
        dst.write(data, 1)
    row = [zone_area(45.0 - 0.01 * (r + 1), 45.0 - 0.01 * r, 0.01) for r in range(3)]
    valid = 4 * row[0] + 3 * row[1] + 4 * row[2]
    s = raster_class_shares(path, {"forest": [1], "grass": [2, 3]}).set_index("class")
    assert s.loc["forest", "pixels"] == 3
    assert s.loc["forest", "area_m2"] == pytest.approx(2 * row[0] + row[1], rel=1e-9)
    assert s.loc["grass", "area_m2"] == pytest.approx(row[0] + 2 * row[1] + 4 * row[2], rel=1e-9)
    assert s.loc["forest", "share"] == pytest.approx((2 * row[0] + row[1]) / valid, rel=1e-9)
    assert s.loc["forest", "denominator_source"] == "raster"
    # {value: name} works too, and a boundary keeps the left two columns' centres
    boundary = gpd.GeoDataFrame(geometry=[box(127.0, 44.97, 127.02, 45.0)], crs="EPSG:4490")
    sb = raster_class_shares(path, {1: "forest", 2: "grass", 3: "grass"}, boundary=boundary)
    sb = sb.set_index("class")
    assert sb.loc["forest", "area_m2"] == pytest.approx(2 * row[0] + row[1], rel=1e-9)
    assert sb.loc["grass", "area_m2"] == pytest.approx(row[1] + 2 * row[2], rel=1e-9)
    assert sb.loc["forest", "denominator_source"] == "boundary"
    assert sb.loc["forest", "denominator_m2"] == pytest.approx(
        zone_area(44.97, 45.0, 0.02), rel=1e-7
    )
    st = raster_class_shares(path, {"forest": 1}, denominator_m2=1e7)
    assert st.loc[0, "share"] == pytest.approx((2 * row[0] + row[1]) / 1e7, rel=1e-9)
    assert st.loc[0, "denominator_source"] == "stated"


def test_raster_shares_projected_use_ellipsoidal_pixel_area(tmp_path):
    path = tmp_path / "gk.tif"
    data = np.ones((4, 5), dtype="uint8")
    data[0, :] = 2
    x0, y0, px = 41_600_000.0, 5_100_000.0, 100.0  # ~100 km east of the central meridian
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=5,
        height=4,
        count=1,
        dtype="uint8",
        crs=CRS,
        transform=Affine(px, 0, x0, 0, -px, y0),
    ) as dst:
        dst.write(data, 1)
    tr = pyproj.Transformer.from_crs(CRS, "EPSG:4490", always_xy=True)

    def cell(r, c):
        poly = box(x0 + c * px, y0 - (r + 1) * px, x0 + (c + 1) * px, y0 - r * px)
        ll = shapely.transform(poly, lambda p: np.column_stack(tr.transform(p[:, 0], p[:, 1])))
        return abs(GRS80.geometry_area_perimeter(ll)[0])

    forest = sum(cell(r, c) for r in range(1, 4) for c in range(5))
    s = raster_class_shares(path, {"forest": [1]})
    assert s.loc[0, "area_m2"] == pytest.approx(forest, rel=1e-6)
    # the planar pixel size (10 000 m²) would be off by the scale factor, ~1.2e-4 here
    assert abs(s.loc[0, "area_m2"] / (15 * px * px) - 1) > 5e-5


def test_raster_missing_file(tmp_path):
    with pytest.raises(OSError, match=r"cannot open raster .*nope\.tif"):
        raster_class_shares(tmp_path / "nope.tif", {"forest": [1]})


# ----------------------------------------------------------------------------- county
def test_measure_county_all_figures(county):
    towns, boundary, red = county
    farm = gdf(
        b(140, 50, 160, 60),  # 200 m², 100 m² of it in the red line
        b(10, 10, 20, 20),
        b(10, 10, 20, 20),  # duplicate of the one before
        b(195, 190, 205, 200),  # half outside the county
        YJJBNTTBBH=["F1", "F2", "F3", "F4"],
    )
    urban = gdf(b(0, 180, 40, 200))
    pa = gdf(b(60, 60, 80, 80), b(140, 140, 160, 160), b(70, 70, 90, 90))  # 300 m² out
    lu = gdf(b(0, 0, 200, 100), b(0, 100, 200, 200), DLBM=["0301", "0101"])
    layers = {
        "boundary": boundary,
        "townships": towns,
        "red_line": red,
        "basic_farmland": farm,
        "urban_boundary": urban,
        "protected_area": pa,
        "land_use": lu,
    }
    f = measure_county(layers, method="planar")
    assert f.denominator_m2 == pytest.approx(40_000)
    assert f.denominator_source == "boundary"
    cov = f.coverage.set_index("role")
    assert cov.loc["basic_farmland", "union_m2"] == pytest.approx(400)
    assert cov.loc["basic_farmland", "sum_m2"] == pytest.approx(500)
    assert cov.loc["red_line", "share"] == pytest.approx(0.25)
    m = f.overlaps.set_index(["role_a", "role_b"])
    assert m.loc[("red_line", "basic_farmland"), "area_m2"] == pytest.approx(100)
    cont = f.containment.set_index(["inner", "outer"])
    assert cont.loc[("protected_area", "red_line"), "outside_m2"] == pytest.approx(300)
    assert cont.loc[("protected_area", "red_line"), "features_outside"] == 1
    assert cont.loc[("basic_farmland", "boundary"), "outside_m2"] == pytest.approx(50)
    assert cont.loc[("townships", "boundary"), "outside_m2"] == pytest.approx(900)
    so = f.self_overlaps.set_index("role")
    assert so.loc["basic_farmland", "duplicate_pairs"] == 1
    assert so.loc["protected_area", "pairs"] == 1
    assert so.loc["protected_area", "double_counted_m2"] == pytest.approx(100)
    assert set(f.conflicts) == {
        "overlap_red_line__basic_farmland",
        "outside_protected_area__red_line",
        "outside_basic_farmland__boundary",
        "outside_townships__boundary",
        "duplicate_basic_farmland",
        "self_overlap_protected_area",
        "self_overlap_townships",
    }
    ov = f.conflicts["overlap_red_line__basic_farmland"]
    assert ov["b_YJJBNTTBBH"].tolist() == ["F1"]
    assert f.conflicts["duplicate_basic_farmland"]["YJJBNTTBBH_a"].tolist() == ["F2"]
    lc = f.land_cover.set_index("class")
    assert lc.loc["forest", "share"] == pytest.approx(0.5)
    assert lc.loc["forest", "denominator_source"] == "boundary"
    t = f.townships
    total = t[t["kind"] == "total"].iloc[0]
    for role in ("red_line", "basic_farmland", "urban_boundary", "protected_area"):
        assert total[f"{role}_m2"] == pytest.approx(cov.loc[role, "union_m2"])
        assert t.loc[t["kind"] != "total", f"{role}_m2"].sum() == pytest.approx(total[f"{role}_m2"])
    d = f.to_dict()
    assert d["conflicts"]["overlap_red_line__basic_farmland"]["features"] == 1


def test_measure_county_stated_denominator():
    f = measure_county({"red_line": gdf(b(0, 0, 10, 10))}, method="planar", denominator_m2=400)
    assert f.denominator_source == "stated"
    assert f.coverage.loc[0, "share"] == pytest.approx(0.25)
    assert f.townships is None and f.land_cover is None


@pytest.mark.parametrize(
    ("kwargs", "den", "source"),
    [
        ({}, 400.0, "boundary"),  # the boundary's computed area, 20 m × 20 m
        ({"denominator_source": "boundary"}, 400.0, "boundary"),
        ({"denominator_m2": 500}, 500.0, "stated"),
        ({"denominator_m2": 500, "denominator_source": "stated"}, 500.0, "stated"),
        ({"denominator_m2": 800, "denominator_source": "survey"}, 800.0, "survey"),
    ],
)
def test_measure_county_names_its_denominator(kwargs, den, source):
    layers = {
        "boundary": gdf(b(0, 0, 20, 20)),
        "red_line": gdf(b(0, 0, 10, 10)),
        "land_use": gdf(b(0, 0, 10, 20), DLBM=["0301"]),
    }
    f = measure_county(layers, method="planar", **kwargs)
    assert (f.denominator_m2, f.denominator_source) == (pytest.approx(den), source)
    assert f.coverage.set_index("role").loc["red_line", "share"] == pytest.approx(100 / den)
    lc = f.land_cover.set_index("class")
    assert lc.loc["forest", "share"] == pytest.approx(200 / den)
    assert lc.loc["forest", "denominator_source"] == source
    assert f.to_dict()["denominator_source"] == source


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"denominator_source": "survey"}, r"denominator_source='survey' needs denominator_m2"),
        ({"denominator_source": "stated"}, r"denominator_source='stated' needs denominator_m2"),
        ({"denominator_source": "census"}, r"'census' is not known; use one of 'boundary'"),
    ],
)
def test_measure_county_denominator_source_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        measure_county({"red_line": gdf(b(0, 0, 10, 10))}, method="planar", **kwargs)


# ----------------------------------------------------------------------------- CLI
def test_cli_stats_by_township(tmp_path):
    import json

    from click.testing import CliRunner

    from ecospace.cli.main import cli

    path = tmp_path / "county.gpkg"
    layers = {
        "XZQ": gdf(b(0, 0, 200, 100), XZQMC=["示范县"]),
        "XZQ_XZ": gdf(
            b(0, 0, 100, 100),
            b(100, 0, 200, 100),
            XZQMC=["甲镇", "乙乡"],
            XZQDM=["220799100", "220799200"],
        ),
        "STBHHX": gdf(b(50, 0, 150, 50), HXMC=["红线"]),
        "DLTB": gdf(b(0, 0, 200, 50), b(0, 50, 200, 100), DLBM=["0301", "0103"]),
    }
    for name, g in layers.items():
        g.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    args = ["stats", str(path), "--by-township", "--method", "planar", "--unit", "m2"]
    r = CliRunner().invoke(cli, [*args, "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert "unit: m2" in r.output and "method: planar" in r.output
    assert "By township" in r.output and "甲镇" in r.output
    r = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    rows = {x["name"]: x for x in d["townships"]}
    assert rows["甲镇"]["red_line_m2"] == pytest.approx(2_500)
    assert rows["合计"]["red_line_m2"] == pytest.approx(5_000)
    lc = {x["class"]: x for x in d["land_cover"]}
    assert lc["forest"]["share"] == pytest.approx(0.5)
    assert lc["forest"]["denominator_source"] == "boundary"
