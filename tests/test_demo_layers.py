"""Tests of the committed demo county (layers/) and of its generator scripts/make_demo_layers.py.

Expected values come from layers/demo_truth.json and are re-derived here independently of
``ecospace``: shapely in EPSG:4529, vertices to EPSG:4490 with pyproj, areas with
``pyproj.Geod(ellps="GRS80")``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import operator
from pathlib import Path

import numpy as np
import pyogrio
import pyproj
import pytest
import rasterio
import shapely
import yaml

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ROOT / "layers"
GPKG = LAYERS / "demo.gpkg"
CODES = ["XZQ", "XZQ_XZ", "STBHHX", "YJJBNTBHTB", "CZKFBJ", "ZRBHD", "DLTB"]
GEOD = pyproj.Geod(ellps="GRS80")
TO_GEO = pyproj.Transformer.from_crs("EPSG:4529", "EPSG:4490", always_xy=True)
TO_GK = pyproj.Transformer.from_crs("EPSG:4490", "EPSG:4529", always_xy=True)
HA = 1e4


def _tf(tr: pyproj.Transformer):
    def f(xy):
        a, b = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([a, b])

    return f


def geod_areas(geoms, *, geographic: bool = False) -> np.ndarray:
    """Geodesic areas (m²) of EPSG:4529 (or EPSG:4490) polygons."""
    geoms = np.asarray(geoms, dtype=object)
    if not geographic:
        geoms = shapely.transform(geoms, _tf(TO_GEO))
    geoms = shapely.orient_polygons(geoms)
    return np.array([GEOD.geometry_area_perimeter(g)[0] if not g.is_empty else 0.0 for g in geoms])


def geod_area(geom) -> float:
    return float(geod_areas([geom])[0])


def load_script():
    spec = importlib.util.spec_from_file_location(
        "make_demo_layers", ROOT / "scripts" / "make_demo_layers.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((LAYERS / "demo_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def gdfs() -> dict:
    return {c: pyogrio.read_dataframe(GPKG, layer=c) for c in CODES}


@pytest.fixture(scope="module")
def red_gk(gdfs) -> np.ndarray:
    """The red line (delivered in EPSG:4490) back in EPSG:4529."""
    return shapely.transform(gdfs["STBHHX"].geometry.to_numpy(), _tf(TO_GK))


@pytest.fixture(scope="module")
def dltb_areas(gdfs) -> np.ndarray:
    return geod_areas(gdfs["DLTB"].geometry.to_numpy())


def test_layers_present_with_expected_crs(gdfs):
    assert [name for name, _ in pyogrio.list_layers(GPKG)] == CODES
    for code in CODES:
        epsg = gdfs[code].crs.to_epsg()
        assert epsg == (4490 if code == "STBHHX" else 4529), code
    # zone-prefixed Gauss–Krüger eastings (zone 41) everywhere except the red line
    x0, _, x1, _ = gdfs["DLTB"].total_bounds
    assert 41_000_000 < x0 < x1 < 42_000_000


def test_feature_counts(gdfs, truth):
    counts = {c: len(g) for c, g in gdfs.items()}
    assert counts == truth["counts"]
    assert counts["YJJBNTBHTB"] >= 10_000
    assert counts["STBHHX"] >= 300
    assert 20_000 <= counts["DLTB"] <= 40_000
    assert counts["XZQ"] == 1 and counts["XZQ_XZ"] == 12
    assert 5 <= gdfs["ZRBHD"]["ZRBHDMC"].nunique() <= 8


def test_attributes_are_chinese_and_coded(gdfs):
    xzq = gdfs["XZQ"].iloc[0]
    assert (xzq["XZQDM"], xzq["XZQMC"]) == ("220799", "示范县")
    xz = gdfs["XZQ_XZ"]
    assert xz["XZQDM"].str.fullmatch(r"220799\d{3}").all()
    assert xz["XZQMC"].str.fullmatch(r".+[镇乡]").all()
    farm = gdfs["YJJBNTBHTB"]
    assert set(farm["DLBM"]) <= {"0101", "0102", "0103"}
    assert set(farm["DLMC"]) <= {"水田", "水浇地", "旱地"}
    np.testing.assert_allclose(farm["YJJBNTMJ"], farm["YJJBNTTBMJ"] - farm["KCMJ"], atol=0.011)
    assert set(gdfs["CZKFBJ"]["GHFQDM"]) == {"10", "20", "30"}
    pairs = set(zip(gdfs["CZKFBJ"]["GHFQDM"], gdfs["CZKFBJ"]["GHFQMC"], strict=True))
    assert pairs == {("10", "集中建设区"), ("20", "弹性发展区"), ("30", "特别用途区")}
    assert set(gdfs["ZRBHD"]["JB"]) <= {"国家级", "省级", "市县级"}
    assert set(gdfs["ZRBHD"]["GNFQ"]) == {"核心保护区", "一般控制区"}
    assert set(gdfs["STBHHX"]["HXLX"]) >= {"水源涵养", "生物多样性维护", "水土保持"}
    dltb = gdfs["DLTB"]
    np.testing.assert_allclose(dltb["TBDLMJ"], dltb["TBMJ"] - dltb["KCMJ"], atol=0.011)


def test_county_location_and_area(gdfs, truth):
    geo = shapely.transform(gdfs["XZQ"].geometry.iloc[0], _tf(TO_GEO))
    lon0, lat0, lon1, lat1 = geo.bounds
    assert 124.0 < lon0 < 124.5 < lon1 < 125.0  # crosses the zone-41/42 edge at 124.5°E
    assert 44.7 < lat0 < lat1 < 45.5
    area = geod_area(gdfs["XZQ"].geometry.iloc[0])
    assert 2_300e6 < area < 2_700e6
    assert area / HA == pytest.approx(truth["county"]["ha"], abs=0.01)


@pytest.mark.parametrize("code", ["XZQ", "STBHHX"])
def test_vertices_at_most_200_m_apart(gdfs, red_gk, code):
    geoms = red_gk if code == "STBHHX" else gdfs[code].geometry.to_numpy()
    rings = shapely.get_rings(shapely.get_parts(geoms))
    lengths = [np.hypot(*np.diff(shapely.get_coordinates(r), axis=0).T).max() for r in rings]
    assert max(lengths) <= 200.0


def test_townships_tile_the_county(gdfs, truth):
    county = gdfs["XZQ"].geometry.iloc[0]
    twp = gdfs["XZQ_XZ"].geometry.to_numpy()
    areas = geod_areas(twp)
    county_area = geod_area(county)
    assert areas.sum() == pytest.approx(county_area, abs=100.0)  # 0.01 ha
    assert geod_area(shapely.union_all(twp)) == pytest.approx(county_area, abs=100.0)
    assert geod_area(shapely.symmetric_difference(shapely.union_all(twp), county)) < 1.0
    assert shapely.coverage_is_valid(twp)
    assert shapely.get_num_geometries(twp).tolist() == [1] * 12  # each township in one piece
    by_code = {t["XZQDM"]: t["ha"] for t in truth["townships"]}
    for code, a in zip(gdfs["XZQ_XZ"]["XZQDM"], areas, strict=True):
        assert a / HA == pytest.approx(by_code[code], abs=0.01)


def test_land_use_parcels_cover_the_county(gdfs, truth, dltb_areas):
    assert shapely.is_valid(gdfs["DLTB"].geometry.to_numpy()).all()
    assert dltb_areas.sum() / HA == pytest.approx(truth["county"]["ha"], abs=0.01)
    np.testing.assert_allclose(gdfs["DLTB"]["TBMJ"], dltb_areas, atol=0.01)


def test_land_cover_shares(gdfs, truth, dltb_areas):
    dlbm = gdfs["DLTB"]["DLBM"].to_numpy()
    county = truth["county"]["m2"]
    lc = truth["land_cover"]
    forest = dltb_areas[np.isin(dlbm, lc["forest_codes"])].sum()
    grass = dltb_areas[np.isin(dlbm, lc["grass_codes"])].sum()
    assert forest / county * 100 == pytest.approx(lc["forest"]["share_pct"], abs=1e-3)
    assert (forest + grass) / county * 100 == pytest.approx(
        lc["forest_grass"]["share_pct"], abs=1e-3
    )


def test_layer_union_and_sum_areas(gdfs, red_gk, truth):
    red = geod_areas(red_gk)
    assert red.sum() / HA == pytest.approx(truth["layers"]["STBHHX"]["sum"]["ha"], abs=0.01)
    red_geo = geod_areas(gdfs["STBHHX"].geometry.to_numpy(), geographic=True)
    np.testing.assert_allclose(red_geo, red, atol=0.01)
    share = red.sum() / truth["county"]["m2"]
    assert 0.25 <= share <= 0.30
    assert truth["layers"]["STBHHX"]["with_holes"] >= 3
    for code in ("CZKFBJ", "ZRBHD"):
        geoms = gdfs[code].geometry.to_numpy()
        t = truth["layers"][code]
        assert geod_areas(geoms).sum() / HA == pytest.approx(t["sum"]["ha"], abs=0.01)
        assert geod_area(shapely.union_all(geoms)) / HA == pytest.approx(t["union"]["ha"], abs=0.01)
    # protected areas overlap each other: union < sum
    assert truth["layers"]["ZRBHD"]["union"]["ha"] < truth["layers"]["ZRBHD"]["sum"]["ha"]


def _overlap_m2(a: np.ndarray, b: np.ndarray) -> float:
    tree = shapely.STRtree(b)
    i, j = tree.query(a, predicate="intersects")
    pieces = shapely.intersection(a[i], b[j])
    return float(geod_areas(pieces).sum())


def test_defect_farmland_inside_red_line(gdfs, red_gk, truth):
    d = truth["defects"]["farmland_in_red_line"]
    farm = gdfs["YJJBNTBHTB"]
    patches = farm.geometry.to_numpy()[d["fids"]]
    assert farm["YJJBNTTBBH"].to_numpy()[d["fids"]].tolist() == d["YJJBNTTBBH"]
    red_union = shapely.union_all(red_gk)
    assert geod_areas(shapely.difference(patches, red_union)).max() < 0.01  # entirely inside
    assert geod_areas(patches).sum() / HA == pytest.approx(d["total"]["ha"], abs=1e-3)
    # and they are the only overlap between red line and farmland
    valid = shapely.make_valid(farm.geometry.to_numpy())
    assert _overlap_m2(valid, red_gk) / HA == pytest.approx(d["total"]["ha"], abs=0.01)


def test_defect_urban_boundary_over_farmland(gdfs, truth):
    d = truth["defects"]["urban_over_farmland"]
    urban = gdfs["CZKFBJ"].geometry.to_numpy()
    farm = shapely.make_valid(gdfs["YJJBNTBHTB"].geometry.to_numpy())
    covered = farm[d["farmland_fids"]]
    assert len(covered) >= 3
    # whole patches: nothing of them outside the urban polygon (densified edges: < 0.01 m²)
    assert geod_areas(shapely.difference(covered, urban[d["urban_fid"]])).max() < 0.01
    assert geod_areas(covered).sum() / HA == pytest.approx(d["total"]["ha"], abs=1e-3)
    assert _overlap_m2(farm, urban) / HA == pytest.approx(d["total"]["ha"], abs=0.01)


def test_no_overlap_between_urban_boundary_and_red_line(gdfs, red_gk):
    assert _overlap_m2(gdfs["CZKFBJ"].geometry.to_numpy(), red_gk) < 1.0  # m², slivers only


def test_defect_protected_area_outside_red_line(gdfs, red_gk, truth):
    d = truth["defects"]["protected_area_outside_red_line"]
    pa = gdfs["ZRBHD"]
    assert pa["ZRBHDMC"].iloc[d["fid"]] == d["ZRBHDMC"]
    outside = shapely.difference(pa.geometry.to_numpy(), shapely.union_all(red_gk))
    areas = geod_areas(outside)
    assert areas[d["fid"]] / HA == pytest.approx(d["outside"]["ha"], abs=0.01)
    others = np.delete(areas, d["fid"])
    assert others.max() < 1.0  # every other protected area lies inside the red line


def test_defect_duplicated_patches(gdfs, truth):
    d = truth["defects"]["duplicated_farmland"]
    farm = gdfs["YJJBNTBHTB"]
    for src, dup, bh in zip(d["original_fids"], d["duplicate_fids"], d["YJJBNTTBBH"], strict=True):
        assert shapely.equals_exact(farm.geometry.iloc[src], farm.geometry.iloc[dup], tolerance=0)
        a = farm.drop(columns="geometry").iloc[src].to_dict()
        assert a == farm.drop(columns="geometry").iloc[dup].to_dict()
        assert a["YJJBNTTBBH"] == bh
    assert (farm["YJJBNTTBBH"].value_counts() > 1).sum() == 2
    total = geod_areas(farm.geometry.to_numpy()[d["original_fids"]]).sum()
    assert total / HA == pytest.approx(d["total"]["ha"], abs=1e-3)


def test_defect_bowtie_polygons(gdfs, truth):
    d = truth["defects"]["invalid_bowtie"]
    assert 3 <= len(d["fids"]) <= 5
    for code in CODES:
        invalid = np.flatnonzero(~shapely.is_valid(gdfs[code].geometry.to_numpy()))
        expected = sorted(d["fids"]) if code == "YJJBNTBHTB" else []
        assert invalid.tolist() == expected, code
    geoms = gdfs["YJJBNTBHTB"].geometry.to_numpy()[d["fids"]]
    assert all("Self-intersection" in shapely.is_valid_reason(g) for g in geoms)
    fixed = shapely.make_valid(geoms)
    fixed = np.array(
        [shapely.union_all([p for p in shapely.get_parts(g) if p.area > 0]) for g in fixed]
    )
    expected = [a["m2"] for a in d["make_valid_areas"]]
    np.testing.assert_allclose(geod_areas(fixed), expected, atol=0.01)


def test_red_line_stored_area_mismatch(gdfs, truth):
    d = truth["defects"]["red_line_mj_mismatch"]
    red = gdfs["STBHHX"]
    computed = geod_areas(red.geometry.to_numpy(), geographic=True) / HA
    rel = np.abs(red["MJ"].to_numpy() / computed - 1)
    assert np.flatnonzero(rel > 1e-3).tolist() == d["fids"]
    np.testing.assert_allclose(computed[d["fids"]], d["computed_ha"], atol=1e-3)


def test_plan_figures_are_decided_by_a_clear_margin(truth):
    ids = [f["id"] for f in truth["plan_figures"]]
    assert ids == [
        "red_line_area", "red_line_share", "protected_area_area", "basic_farmland_area",
        "urban_boundary_area", "forest_cover", "forest_grass_cover", "red_line_vs_farmland",
        "urban_vs_farmland", "urban_vs_red_line", "protected_area_in_red_line",
    ]  # fmt: skip
    ops = {">=": operator.ge, "<=": operator.le, "=": lambda a, b: abs(a - b) < 0.01}
    statuses = set()
    for f in truth["plan_figures"]:
        holds = ops[f["op"]](f["measured"], f["value"])
        assert f["expected_status"] == ("pass" if holds else "fail"), f["id"]
        statuses.add(f["expected_status"])
        if f["op"] != "=":
            margin = abs(f["measured"] - f["value"]) / max(abs(f["value"]), 1.0)
            assert margin > 0.02 or f["unit"] == "%", f["id"]
        if f["op"] == "=" and not holds:
            assert f["measured"] > 1.0, f["id"]  # overlaps fail by more than 1 ha
    assert statuses == {"pass", "fail"}


def test_landcover_raster(truth):
    with rasterio.open(LAYERS / "demo_landcover.tif") as src:
        assert src.crs.to_epsg() == 4529
        assert src.dtypes == ("uint8",)
        assert src.nodata == 0
        assert src.compression.name.lower() == "deflate"
        arr = src.read(1)
        cell_area = abs(src.transform.a * src.transform.e)
    classes = yaml.safe_load((LAYERS / "demo_landcover_classes.yaml").read_text(encoding="utf-8"))
    assert sorted(classes["classes"]) == [1, 2, 3, 4, 5, 6]
    assert set(np.unique(arr).tolist()) == {0, 1, 2, 3, 4, 5, 6}
    # planar pixel area vs ellipsoidal county area: GK scale error at 1.5° from CM ≈ 0.04 %
    counted = (arr > 0).sum() * cell_area
    assert counted == pytest.approx(truth["county"]["m2"], rel=0.005)
    forest_px = (arr == 2).sum() / (arr > 0).sum() * 100
    assert forest_px == pytest.approx(truth["land_cover"]["forest"]["share_pct"], abs=0.5)


@pytest.mark.slow
def test_generator_reproduces_committed_files(tmp_path, truth):
    """Regenerating at scale 1 gives the committed files (about 15 s).

    Byte-identical with the library versions the files were made with (recorded in the truth
    file); with other GEOS/PROJ/GDAL builds the same county, counts and plan outcomes.
    """
    mod = load_script()
    paths = paths_by_name(mod.make_demo(tmp_path))
    new = json.loads(paths["demo_truth.json"].read_text(encoding="utf-8"))
    if mod.library_versions() == truth["generated_with"]:
        for name in ("demo.gpkg", "demo_landcover.tif", "demo_truth.json"):
            assert sha(paths[name]) == sha(LAYERS / name), name
    else:
        assert new["county"]["ha"] == pytest.approx(truth["county"]["ha"], rel=1e-6)
        assert new["counts"] == pytest.approx(truth["counts"], rel=0.01)
        assert [f["expected_status"] for f in new["plan_figures"]] == [
            f["expected_status"] for f in truth["plan_figures"]
        ]
    assert sha(paths["demo_landcover_classes.yaml"]) == sha(LAYERS / "demo_landcover_classes.yaml")


def paths_by_name(paths: dict) -> dict:
    return {Path(p).name: Path(p) for p in paths.values()}


def test_generator_small_variant_is_deterministic_and_writes_gdb_and_gbk_shp(tmp_path):
    mod = load_script()
    a = mod.make_demo(tmp_path / "a", n_parcels=2500, formats=("gpkg", "gdb", "shp"))
    b = mod.make_demo(tmp_path / "b", n_parcels=2500, formats=("gpkg",), raster=False)
    assert sha(a["gpkg"]) == sha(b["gpkg"])
    assert sha(a["truth"]) == sha(b["truth"])
    counts = json.loads(a["truth"].read_text(encoding="utf-8"))["counts"]
    # FileGDB: same layer names and counts
    gdb = dict(pyogrio.list_layers(a["gdb"]))
    assert sorted(gdb) == sorted(CODES)
    for code in CODES:
        assert pyogrio.read_info(a["gdb"], layer=code)["features"] == counts[code]
    # GBK shapefiles with a .cpg that says so; attributes decode back to the same text
    shp = a["shp"]
    for code in CODES:
        assert (shp / f"{code}.cpg").read_text() == "GBK"
        assert pyogrio.read_info(shp / f"{code}.shp")["features"] == counts[code]
    raw = (shp / "XZQ_XZ.dbf").read_bytes()
    assert "新城镇".encode("gbk") in raw and "新城镇".encode() not in raw
    names = pyogrio.read_dataframe(shp / "XZQ_XZ.shp")["XZQMC"].tolist()
    assert names == pyogrio.read_dataframe(a["gpkg"], layer="XZQ_XZ")["XZQMC"].tolist()
    red = pyogrio.read_dataframe(shp / "STBHHX.shp")
    assert red.crs.to_epsg() == 4490
    assert red["HXLX"].isin(["水源涵养", "生物多样性维护", "水土保持", "防风固沙"]).all()


def test_generator_rejects_unknown_format(tmp_path):
    mod = load_script()
    with pytest.raises(ValueError, match="unknown format"):
        mod.make_demo(tmp_path, formats=("kml",))
