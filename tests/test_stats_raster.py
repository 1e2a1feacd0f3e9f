"""Land cover from a classified raster: class maps, cover sets, ellipsoidal pixel areas."""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import rasterio
import shapely
from _reference import zone_area as _zone_area
from affine import Affine
from shapely import box

from ecospace.errors import EcospaceError, PlanError
from ecospace.loading._raster import ClassMap, RasterClass, cover_values, parse_class_map
from ecospace.measuring.stats import (
    CLASS_SETS,
    raster_class_shares,
    raster_land_cover,
    read_class_map,
)

ROOT = Path(__file__).resolve().parents[1]
GRS80 = pyproj.Geod(ellps="GRS80")

CLASS_YAML = """\
nodata: 0
source_field: DLBM
classes:
  1: {name: 耕地, name_en: cropland, dlbm_prefixes: ["01"]}
  2: {name: 林地, name_en: forest, dlbm_prefixes: ["03"]}
  3: {name: 草地, name_en: grassland, dlbm_prefixes: ["04"]}
  4: {name: 水域, name_en: water, dlbm_prefixes: ["11"]}
  7: {name: 沼泽地, dlbm_prefixes: ["1108"]}
"""


def zone_area(lat1, lat2, dlon):
    """Closed-form area of a lat-lon rectangle of width ``dlon`` on the CGCS2000 ellipsoid."""
    return _zone_area(0.0, lat1, dlon, lat2)


@pytest.fixture
def geographic(tmp_path):
    """A 3 × 4 raster of 0.01° cells at 45° N: pixel areas by the closed form per row."""
    path = tmp_path / "cover.tif"
    data = np.array([[1, 2, 2, 0], [2, 3, 7, 4], [1, 1, 3, 3]], dtype="uint8")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=4,
        height=3,
        count=1,
        dtype="uint8",
        crs="EPSG:4490",
        transform=Affine(0.01, 0, 127.0, 0, -0.01, 45.0),
    ) as dst:  # no nodata in the file: the class map's nodata 0 must apply
        dst.write(data, 1)
    yml = tmp_path / "cover_classes.yaml"
    yml.write_text(CLASS_YAML, encoding="utf-8")
    rows = [zone_area(45.0 - 0.01 * (r + 1), 45.0 - 0.01 * r, 0.01) for r in range(3)]
    return path, yml, rows


def test_raster_land_cover_by_hand(geographic):
    path, yml, (r0, r1, r2) = geographic
    valid = 3 * r0 + 4 * r1 + 4 * r2  # the 0 in row 0 is nodata by the class map
    lc = raster_land_cover(path, yml).set_index("class")
    # forest = 林地 (value 2): two pixels in row 0, one in row 1
    assert lc.loc["forest", "area_m2"] == pytest.approx(2 * r0 + r1, rel=1e-9)
    assert lc.loc["forest", "share"] == pytest.approx((2 * r0 + r1) / valid, rel=1e-9)
    # forest_grass = 林地 + 草地 (3): + one pixel in row 1, two in row 2
    assert lc.loc["forest_grass", "area_m2"] == pytest.approx(2 * r0 + 2 * r1 + 2 * r2, rel=1e-9)
    # wetland = only the 沼泽地 class (1108): 林地/草地/水域 share only wetland codes with it
    assert lc.loc["wetland", "area_m2"] == pytest.approx(r1, rel=1e-9)
    assert lc.loc["wetland", "raster_values"] == "7"
    assert lc.loc["cropland", "area_m2"] == pytest.approx(r0 + 2 * r2, rel=1e-9)
    assert lc.loc["forest", "codes"] == "0301 0302 0305 0307"
    assert lc.loc["forest", "raster_codes"] == "03"
    assert lc.loc["forest_grass", "raster_classes"] == "林地 草地"
    assert set(lc["denominator_source"]) == {"raster"}
    assert lc.attrs["method"] == "ellipsoid pixel areas"


def test_raster_land_cover_boundary_and_stated_denominator(geographic):
    path, yml, (r0, r1, r2) = geographic
    # the left two columns: centres inside; denominator = closed-form area of the box
    boundary = gpd.GeoDataFrame(geometry=[box(127.0, 44.97, 127.02, 45.0)], crs="EPSG:4490")
    lc = raster_land_cover(path, yml, boundary=boundary).set_index("class")
    assert lc.loc["forest", "area_m2"] == pytest.approx(r0 + r1, rel=1e-9)
    assert lc.loc["forest", "denominator_m2"] == pytest.approx(
        zone_area(44.97, 45.0, 0.02), rel=1e-7
    )
    assert lc.loc["forest", "denominator_source"] == "boundary"
    st = raster_land_cover(path, yml, denominator_m2=1e7, denominator_source="boundary").set_index(
        "class"
    )
    assert st.loc["cropland", "share"] == pytest.approx((r0 + 2 * r2) / 1e7, rel=1e-9)
    assert st.loc["cropland", "denominator_source"] == "boundary"


def test_raster_land_cover_custom_sets(geographic):
    path, yml, (r0, r1, _r2) = geographic
    # a local forest definition of all 林地 (03): 林地 now lies wholly inside it
    lc = raster_land_cover(path, yml, classes={"forest": ["03"], "water": ["11"]})
    lc = lc.set_index("class")
    assert lc.loc["forest", "area_m2"] == pytest.approx(2 * r0 + r1, rel=1e-9)
    # water (11) holds 水域 and, wholly inside it, 沼泽地 (1108): one pixel each in row 1
    assert lc.loc["water", "area_m2"] == pytest.approx(2 * r1, rel=1e-9)


def test_unmapped_set_is_nan_not_zero(geographic, tmp_path):
    path, _, _ = geographic
    yml = tmp_path / "c.yaml"
    yml.write_text('classes:\n  2: {name: 林地, dlbm_prefixes: ["03"]}\n', encoding="utf-8")
    lc = raster_land_cover(path, yml).set_index("class")
    assert math.isnan(lc.loc["wetland", "area_m2"]) and math.isnan(lc.loc["wetland", "share"])
    assert lc.loc["wetland", "raster_values"] == ""


def test_class_shares_accept_the_parsed_yaml(geographic):
    import yaml

    path, yml, (_r0, r1, _r2) = geographic
    parsed = yaml.safe_load(yml.read_text(encoding="utf-8"))
    s = raster_class_shares(path, parsed)
    # one row per class: no rows for the 'nodata' or 'source_field' keys
    assert s["class"].tolist() == ["耕地", "林地", "草地", "水域", "沼泽地"]
    assert s.set_index("class").loc["水域", "area_m2"] == pytest.approx(r1, rel=1e-9)
    # the file path works the same
    assert raster_class_shares(path, yml)["area_m2"].tolist() == s["area_m2"].tolist()


@pytest.mark.parametrize(
    ("prefixes", "expected"),
    [
        (("03",), {"forest", "forest_grass"}),  # shares 0301 (not wetland) with forest
        (("04",), {"forest_grass"}),  # shares 0402 only with wetland
        (("0402",), {"forest_grass", "wetland"}),  # wholly inside both
        (("11",), set()),  # shares only 1105/1106/1108 with wetland
        (("1105", "1106", "1108"), {"wetland"}),
        (("01",), {"cropland"}),
        (("05", "06", "07"), set()),  # 0603 盐田 is wetland-only
        (("0305",), {"forest", "forest_grass"}),
        (("0303",), {"wetland"}),  # 红树林地: wetland, not in the default forest set
        ((), set()),
    ],
)
def test_cover_mapping_rule(prefixes, expected):
    cm = ClassMap(classes={1: RasterClass(1, "c", dlbm_prefixes=prefixes)})
    got = cover_values(cm, CLASS_SETS, wetland=CLASS_SETS["wetland"])
    assert {k for k, v in got.items() if v} == expected


def test_counts_as_overrides_the_codes():
    cm = parse_class_map(
        {"classes": {9: {"name": "红树林", "dlbm_prefixes": ["0303"], "counts_as": ["forest"]}}}
    )
    got = cover_values(cm, CLASS_SETS, wetland=CLASS_SETS["wetland"])
    assert {k for k, v in got.items() if v} == {"forest"}


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("nodata: 0\n", r"bad\.yaml: key 'classes' must map pixel values"),
        ("- 1\n- 2\n", r"bad\.yaml: expected a mapping with a 'classes' key, got list"),
        ("classes:\n  x: {name: 林地}\n", r"bad\.yaml: classes\.x: pixel values must be integers"),
        ("classes:\n  1: {dlbm_prefixes: ['03']}\n", r"classes\.1\.name: a class name is required"),
        (
            "classes:\n  1: {name: 耕地, dlbm_prefixes: [101]}\n",
            r"classes\.1\.dlbm_prefixes.*quote",
        ),
        ("classes:\n  1: {name: 耕地, dlbm_prefix: ['01']}\n", r"classes\.1: unknown key.*prefix"),
        ("nodata: x\nclasses: {1: 耕地}\n", r"key 'nodata' must be a number"),
        ("nodata: 1\nclasses: {1: 耕地}\n", r"classes\.1: pixel value 1 is also the nodata"),
        ("classes: {1: 耕地}\nextra: 1\n", r"unknown key\(s\) extra; accepted"),
        ("classes: [\n", r"bad\.yaml: not valid YAML"),
    ],
)
def test_class_map_validation(tmp_path, text, match):
    p = tmp_path / "bad.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError, match=match):
        read_class_map(p)


def test_class_map_missing_file(tmp_path):
    with pytest.raises(OSError, match=r"cannot read class map .*none\.yaml"):
        read_class_map(tmp_path / "none.yaml")


def test_bad_short_class_map(geographic):
    path, _, _ = geographic
    with pytest.raises(EcospaceError, match=r"entry 'forest': 'x' is neither"):
        raster_class_shares(path, {"forest": "x"})


def test_projected_pixel_areas_vary_along_the_row(tmp_path):
    """Pixels far from the central meridian: every one measured with pyproj.Geod."""
    path = tmp_path / "wide.tif"
    nx, ny, px = 60, 3, 1000.0
    x0, y0 = 41_700_000.0, 5_000_000.0  # 200–260 km east of 123° E: scale changes 1e-4
    data = np.ones((ny, nx), dtype="uint8")
    data[:, nx // 2 :] = 2  # left half 1, right half 2
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=nx,
        height=ny,
        count=1,
        dtype="uint8",
        crs="EPSG:4529",
        transform=Affine(px, 0, x0, 0, -px, y0),
    ) as dst:
        dst.write(data, 1)
    tr = pyproj.Transformer.from_crs("EPSG:4529", "EPSG:4490", always_xy=True)

    def cell(r, c):
        # densified, so the geodesic edges follow the grid lines closely
        poly = shapely.segmentize(
            box(x0 + c * px, y0 - (r + 1) * px, x0 + (c + 1) * px, y0 - r * px), 100
        )
        ll = shapely.transform(poly, lambda p: np.column_stack(tr.transform(p[:, 0], p[:, 1])))
        return abs(GRS80.geometry_area_perimeter(ll)[0])

    left = sum(cell(r, c) for r in range(ny) for c in range(nx // 2))
    s = raster_class_shares(path, {"left": [1], "right": [2]}).set_index("class")
    assert s.loc["left", "area_m2"] == pytest.approx(left, rel=1e-7)
    # one area per row (the middle pixel's) would be off by the scale change, ~1e-5
    per_row = sum(cell(r, nx // 2) * (nx // 2) for r in range(ny))
    assert abs(per_row / left - 1) > 1e-6


def test_demo_raster_agrees_with_the_land_use_parcels():
    """The demo raster is DLTB rasterised at 30 m: its forest share is the parcels' ±0.5 pp."""
    truth = json.loads((ROOT / "layers" / "demo_truth.json").read_text(encoding="utf-8"))
    boundary = gpd.read_file(ROOT / "layers" / "demo.gpkg", layer="XZQ", engine="pyogrio")
    lc = raster_land_cover(
        ROOT / "layers" / "demo_landcover.tif",
        ROOT / "layers" / "demo_landcover_classes.yaml",
        boundary=boundary,
        denominator_m2=truth["county"]["m2"],
        denominator_source="boundary",
    ).set_index("class")
    lct = truth["land_cover"]
    assert lc.loc["forest", "share"] * 100 == pytest.approx(lct["forest"]["share_pct"], abs=0.5)
    assert lc.loc["forest_grass", "share"] * 100 == pytest.approx(
        lct["forest_grass"]["share_pct"], abs=0.5
    )
    crop_ha = sum(v for k, v in lct["by_dlbm_ha"].items() if k.startswith("01"))
    assert lc.loc["cropland", "area_m2"] / 1e4 == pytest.approx(crop_ha, rel=0.01)
