"""The demo county's findings equal the defects planted in layers/demo_truth.json.

The truth file's areas were computed by scripts/make_demo_layers.py with pyproj.Geod, so
whole-layer figures are compared with method="geodesic" (the official ellipsoidal series
differs from the geodesic area by ~1e-6 relative on long edges, ~0.3 ha on the whole
county).  The planted defects are small, so they must also come out right, within
0.01 ha, with the default ellipsoidal method that `ecospace check` uses — which needs the
reprojection slivers along shared edges to be dropped, not measured by the series.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecospace.geometry.crs import to_working
from ecospace.loading.layers import load_layers
from ecospace.loading.validate import RepairWarning, ValidationWarning
from ecospace.measuring.stats import measure_county

ROOT = Path(__file__).resolve().parents[1]
TOL_HA = 0.01


@pytest.fixture(scope="module")
def truth():
    return json.loads((ROOT / "layers" / "demo_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def working():
    # reading reports the planted bow-ties (repaired), duplicates and overlapping reserves
    with (
        pytest.warns(RepairWarning, match=r"YJJBNTBHTB: invalid repaired 4.*duplicates 2"),
        pytest.warns(ValidationWarning, match=r"ZRBHD: overlaps 1"),
    ):
        layers = load_layers([str(ROOT / "layers" / "demo.gpkg")])
    return to_working(layers)


@pytest.fixture(scope="module")
def figures(working):
    return measure_county(working, method="geodesic")


@pytest.fixture(scope="module")
def figures_ellipsoid(working):
    return measure_county(working, method="ellipsoid")


def test_planted_defects_with_the_official_ellipsoidal_method(figures_ellipsoid, truth):
    d = truth["defects"]
    m = figures_ellipsoid.overlaps.set_index(["role_a", "role_b"])["area_m2"]
    cont = figures_ellipsoid.containment.set_index(["inner", "outer"])["outside_m2"]
    assert ha(m[("red_line", "basic_farmland")]) == pytest.approx(
        d["farmland_in_red_line"]["total"]["ha"], abs=TOL_HA
    )
    assert ha(m[("basic_farmland", "urban_boundary")]) == pytest.approx(
        d["urban_over_farmland"]["total"]["ha"], abs=TOL_HA
    )
    assert ha(m[("red_line", "urban_boundary")]) == pytest.approx(0, abs=TOL_HA)
    assert ha(cont[("protected_area", "red_line")]) == pytest.approx(
        d["protected_area_outside_red_line"]["outside"]["ha"], abs=TOL_HA
    )


def ha(m2) -> float:
    return float(m2) / 1e4


ROLE_LAYERS = {
    "boundary": "XZQ",
    "townships": "XZQ_XZ",
    "red_line": "STBHHX",
    "basic_farmland": "YJJBNTBHTB",
    "urban_boundary": "CZKFBJ",
    "protected_area": "ZRBHD",
    "land_use": "DLTB",
}


@pytest.mark.parametrize("role", list(ROLE_LAYERS))
def test_coverage_union_and_sum(figures, truth, role):
    t = truth["layers"][ROLE_LAYERS[role]]
    row = figures.coverage.set_index("role").loc[role]
    assert row["features"] == t["count"]
    assert ha(row["union_m2"]) == pytest.approx(t["union"]["ha"], abs=TOL_HA)
    assert ha(row["sum_m2"]) == pytest.approx(t["sum"]["ha"], abs=TOL_HA)


def test_denominator_is_the_county(figures, truth):
    assert figures.denominator_source == "boundary"
    assert ha(figures.denominator_m2) == pytest.approx(truth["county"]["ha"], abs=TOL_HA)


def test_farmland_in_red_line(figures, truth):
    d = truth["defects"]["farmland_in_red_line"]
    m = figures.overlaps.set_index(["role_a", "role_b"])
    assert ha(m.loc[("red_line", "basic_farmland"), "area_m2"]) == pytest.approx(
        d["total"]["ha"], abs=TOL_HA
    )
    c = figures.conflicts["overlap_red_line__basic_farmland"]
    assert sorted(c["b_fid"]) == sorted(d["fids"])
    assert sorted(c["b_YJJBNTTBBH"]) == sorted(d["YJJBNTTBBH"])
    assert c["area_ha"].sum() == pytest.approx(d["total"]["ha"], abs=TOL_HA)


def test_urban_over_farmland(figures, truth):
    d = truth["defects"]["urban_over_farmland"]
    m = figures.overlaps.set_index(["role_a", "role_b"])
    assert ha(m.loc[("basic_farmland", "urban_boundary"), "area_m2"]) == pytest.approx(
        d["total"]["ha"], abs=TOL_HA
    )
    c = figures.conflicts["overlap_basic_farmland__urban_boundary"]
    assert sorted(c["a_fid"]) == sorted(d["farmland_fids"])
    assert set(c["b_fid"]) == {d["urban_fid"]}
    # only reprojection slivers between the red line (EPSG:4490) and the urban boundary
    assert ha(m.loc[("red_line", "urban_boundary"), "area_m2"]) == pytest.approx(0, abs=TOL_HA)
    assert "overlap_red_line__urban_boundary" not in figures.conflicts


def test_protected_area_outside_red_line(figures, truth):
    d = truth["defects"]["protected_area_outside_red_line"]
    cont = figures.containment.set_index(["inner", "outer"]).loc[("protected_area", "red_line")]
    assert ha(cont["outside_m2"]) == pytest.approx(d["outside"]["ha"], abs=TOL_HA)
    assert cont["features_outside"] == 1
    c = figures.conflicts["outside_protected_area__red_line"]
    assert c["fid"].tolist() == [d["fid"]]
    assert c["ZRBHDMC"].tolist() == [d["ZRBHDMC"]]
    assert c["feature_m2"].iloc[0] / 1e4 == pytest.approx(d["pa_area"]["ha"], abs=TOL_HA)


def test_duplicated_farmland(figures, truth):
    d = truth["defects"]["duplicated_farmland"]
    c = figures.conflicts["duplicate_basic_farmland"]
    pairs = sorted(zip(c["fid_a"], c["fid_b"], strict=True))
    assert pairs == sorted(zip(d["original_fids"], d["duplicate_fids"], strict=True))
    so = figures.self_overlaps.set_index("role").loc["basic_farmland"]
    assert so["duplicate_pairs"] == 2
    assert ha(so["double_counted_m2"]) == pytest.approx(d["total"]["ha"], abs=TOL_HA)


def test_everything_inside_the_county(figures):
    cont = figures.containment.set_index(["inner", "outer"])
    for inner in ("red_line", "basic_farmland", "urban_boundary", "protected_area", "townships"):
        assert ha(cont.loc[(inner, "boundary"), "outside_m2"]) == pytest.approx(0, abs=TOL_HA)


def test_land_cover(figures, truth):
    lc = figures.land_cover.set_index("class")
    for cls in ("forest", "forest_grass"):
        t = truth["land_cover"][cls]
        assert ha(lc.loc[cls, "area_m2"]) == pytest.approx(t["ha"], abs=TOL_HA)
        assert lc.loc[cls, "share"] * 100 == pytest.approx(t["share_pct"], abs=1e-4)


def test_townships_add_up(figures, truth):
    t = figures.townships
    towns = t[t["kind"] == "township"].set_index("name")
    for tw in truth["townships"]:
        assert ha(towns.loc[tw["XZQMC"], "area_m2"]) == pytest.approx(tw["ha"], abs=TOL_HA)
    total = t[t["kind"] == "total"].iloc[0]
    cov = figures.coverage.set_index("role")
    for role in ("red_line", "basic_farmland", "urban_boundary", "protected_area"):
        assert ha(towns[f"{role}_m2"].sum()) == pytest.approx(
            ha(cov.loc[role, "union_m2"]), abs=TOL_HA
        )
        assert total[f"{role}_m2"] == pytest.approx(cov.loc[role, "union_m2"])
        assert towns[f"{role}_ha"].sum() == pytest.approx(total[f"{role}_ha"], abs=1e-9)


def test_conflict_file_names_the_features_qgis_shows(figures_ellipsoid, tmp_path):
    """src_fid in the conflicts GeoPackage is the fid of the source feature in demo.gpkg.

    The conflict frames carry the layers' src_fid column: no second read of the source.
    """
    import pyogrio

    from ecospace.measuring.overlap import write_conflicts

    src = ROOT / "layers" / "demo.gpkg"
    path = write_conflicts(tmp_path / "c.gpkg", figures_ellipsoid.conflicts)

    def source(layer):
        return pyogrio.read_dataframe(src, layer=layer, read_geometry=False, fid_as_index=True)

    out = pyogrio.read_dataframe(
        path, layer="outside_protected_area__red_line", read_geometry=False, fid_as_index=True
    )
    assert "fid" not in out.columns
    (row,) = out.itertuples()
    assert row.src_row == 7 and row.src_fid == 8  # GeoPackage fids count from 1
    assert source("ZRBHD").loc[row.src_fid, "ZRBHDMC"] == "青山省级风景名胜区" == row.ZRBHDMC
    assert row.method == "ellipsoid"

    farm = source("YJJBNTBHTB")
    ov = pyogrio.read_dataframe(path, layer="overlap_red_line__basic_farmland", read_geometry=False)
    assert (ov["b_src_fid"] == ov["b_row"] + 1).all()
    assert farm.loc[ov["b_src_fid"], "YJJBNTTBBH"].tolist() == ov["b_YJJBNTTBBH"].tolist()
    red = source("STBHHX")
    assert red.loc[ov["a_src_fid"], "HXMC"].tolist() == ov["a_HXMC"].tolist()
    dup = pyogrio.read_dataframe(path, layer="duplicate_basic_farmland", read_geometry=False)
    assert farm.loc[dup["a_src_fid"], "YJJBNTTBBH"].tolist() == dup["YJJBNTTBBH_a"].tolist()
    assert farm.loc[dup["b_src_fid"], "YJJBNTTBBH"].tolist() == dup["YJJBNTTBBH_b"].tolist()


@pytest.fixture(scope="module")
def county_default(working):
    """The demo county measured as every command measures it: the County's default engine
    (tiles on every core of this machine; two threads where the machine has one core)."""
    from ecospace.measuring import partition
    from ecospace.measuring.county import County

    tiles = []
    real = partition._measure_tile
    partition._measure_tile = lambda *a: tiles.append(a[0]) or real(*a)
    try:
        county = County(working, method="ellipsoid", workers=max(2, partition.CPU_COUNT))
        figures = county.figures
    finally:
        partition._measure_tile = real
    return figures, tiles


def test_default_engine_measures_the_demo_by_tiles_to_the_hundredth_of_a_hectare(
    county_default, figures_ellipsoid, truth
):
    """Every figure of the partitioned default equals the one-process one to 0.01 ha."""
    tiled, tiles = county_default
    assert len(tiles) >= 4
    for name, keys in [
        ("coverage", ["role"]),
        ("overlaps", ["role_a", "role_b"]),
        ("containment", ["inner", "outer"]),
        ("self_overlaps", ["role"]),
        ("townships", ["name", "kind"]),
        ("land_cover", ["class"]),
    ]:
        one = getattr(figures_ellipsoid, name).set_index(keys)
        other = getattr(tiled, name).set_index(keys).loc[one.index]
        for col in [c for c in one.columns if c.endswith("_m2")]:
            diff = (other[col].astype(float) - one[col].astype(float)).abs().max()
            assert diff / 1e4 <= TOL_HA, (name, col)
        for col in [c for c in one.columns if c == "share" or c.endswith("_share")]:
            diff = (other[col].astype(float) - one[col].astype(float)).abs().max()
            assert not diff > 1e-6, (name, col)  # NaN where both are NaN
        for col in [c for c in one.columns if c in ("features", "pairs", "duplicate_pairs")]:
            assert other[col].tolist() == one[col].tolist(), (name, col)
    assert sorted(tiled.conflicts) == sorted(figures_ellipsoid.conflicts)
    for name, frame in figures_ellipsoid.conflicts.items():
        ids = [c for c in frame.columns if c.endswith("fid") or c.startswith("fid")]
        got = tiled.conflicts[name]
        assert sorted(map(tuple, got[ids].values.tolist())) == sorted(
            map(tuple, frame[ids].values.tolist())
        ), name
    test_planted_defects_with_the_official_ellipsoidal_method(tiled, truth)
