"""Tests of ecospace.measuring.overlap on tiny shapes of known area.

Planar expectations are hand-computed box areas (method="planar" in EPSG:4529, a
Gauss–Krüger zone); ellipsoidal ones come from pyproj.Geod on the same shapes.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyogrio
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import box

from ecospace.errors import CRSError, OutputExistsError
from ecospace.geometry.area import areas
from ecospace.measuring.overlap import (
    coverage,
    dissolve_overlaps,
    outside_pieces,
    overlap_area,
    overlap_matrix,
    overlap_pieces,
    self_overlaps,
    union_area,
    write_conflicts,
)

CRS = "EPSG:4529"  # CGCS2000 / 3-degree Gauss-Kruger zone 41 (CM 123°E)
X0, Y0 = 41_500_000.0, 5_000_000.0  # about 123°E, 45°N


def b(x0, y0, x1, y1):
    """A box offset into zone 41, coordinates in metres from (X0, Y0)."""
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def gdf(*geoms, **cols):
    return gpd.GeoDataFrame(cols or None, geometry=list(geoms), crs=CRS)


def geod_area(geom) -> float:
    """Independent ellipsoidal area: project to CGCS2000 lon/lat, measure with pyproj.Geod."""
    tr = pyproj.Transformer.from_crs(CRS, "EPSG:4490", always_xy=True)
    ll = shapely.transform(geom, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))
    return abs(pyproj.Geod(ellps="GRS80").geometry_area_perimeter(ll)[0])


# ----------------------------------------------------------------------------- coverage
def test_union_area_counts_overlap_once():
    g = gdf(b(0, 0, 100, 100), b(50, 0, 150, 100), b(300, 300, 310, 310))
    assert union_area(g, method="planar") == pytest.approx(15_000 + 100)


def test_coverage_union_beside_sum():
    pa = gdf(b(0, 0, 100, 100), b(50, 0, 150, 100))
    red = gdf(b(0, 0, 10, 10))
    c = coverage({"protected_area": pa, "red_line": red}, denominator_m2=60_000, method="planar")
    row = c.set_index("role").loc["protected_area"]
    assert row["features"] == 2
    assert row["union_m2"] == pytest.approx(15_000)
    assert row["sum_m2"] == pytest.approx(20_000)
    assert row["double_counted_m2"] == pytest.approx(5_000)
    assert row["share"] == pytest.approx(0.25)
    assert c.set_index("role").loc["red_line", "double_counted_m2"] == pytest.approx(0)


def test_three_way_overlap_inclusion_exclusion():
    # A=[0,100]², B shifted 50 right, C shifted 50 up: pairwise 5000, 5000, 2500; triple 2500
    g = gdf(b(0, 0, 100, 100), b(50, 0, 150, 100), b(0, 50, 100, 150))
    expected = 3 * 10_000 - (5_000 + 5_000 + 2_500) + 2_500
    assert union_area(g, method="planar") == pytest.approx(expected)
    # overlap with another layer counts the triple area once
    other = gdf(b(40, 40, 60, 60))
    assert overlap_area(g, other, method="planar") == pytest.approx(400)
    # ... whereas the per-pair pieces count it three times
    assert overlap_pieces(g, other, method="planar")["area_m2"].sum() == pytest.approx(
        400 + 200 + 200
    )


def test_cluster_through_a_chain_and_touching_features_stay_apart():
    # a–b overlap, b–c overlap, a and c disjoint: one cluster; d only touches c
    g = gdf(b(0, 0, 10, 10), b(8, 0, 20, 10), b(18, 0, 30, 10), b(30, 0, 40, 10))
    d = dissolve_overlaps(g, method="planar")
    assert sorted(d["fids"].tolist()) == [(0, 1, 2), (3,)]
    assert sorted(d["area_m2"].round(9)) == [100.0, 300.0]
    assert len(self_overlaps(g, method="planar")) == 2


def test_union_area_geodesic_matches_geod():
    shapes = [b(0, 0, 1000, 800), b(500, 200, 1600, 1200), b(5000, 5000, 5300, 5100)]
    expected = geod_area(shapely.union_all(shapes))
    assert union_area(gdf(*shapes), method="geodesic") == pytest.approx(expected, rel=1e-9)


def test_union_area_ellipsoid_is_area_of_the_union():
    # the union is built by shapely here; its area by ecospace.geometry.area (the official series)
    shapes = [b(0, 0, 1000, 800), b(500, 200, 1600, 1200), b(5000, 5000, 5300, 5100)]
    u = gpd.GeoSeries([shapely.union_all(shapes)], crs=CRS)
    expected = float(areas(u, method="ellipsoid")[0])
    assert union_area(gdf(*shapes)) == pytest.approx(expected, rel=1e-9)
    # and it is close to the geodesic area (straight (B, L) edges vs geodesics)
    assert expected == pytest.approx(geod_area(u.iloc[0]), rel=1e-5)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(1, 30), st.integers(1, 30)),
        min_size=1,
        max_size=12,
    )
)
def test_union_area_equals_area_of_shapely_union(rects):
    shapes = [b(x, y, x + w, y + h) for x, y, w, h in rects]
    expected = shapely.area(shapely.union_all(shapes))
    assert union_area(gdf(*shapes), method="planar") == pytest.approx(expected, rel=1e-9)


def test_large_tiling_layer_finds_nested_duplicate_and_partial_overlaps():
    # 100 touching 10 m cells (a coverage: no overlaps) plus a nested box, a duplicated
    # cell and a box straddling two cells: > 64 features takes the coverage-validator path
    cells = [b(10 * i, 10 * k, 10 * i + 10, 10 * k + 10) for i in range(10) for k in range(10)]
    extra = [b(2, 2, 4, 4), b(50, 50, 60, 60), b(95, 0, 105, 10)]
    g = gdf(*cells, *extra)
    expected = shapely.area(shapely.union_all(cells + extra))
    assert union_area(g, method="planar") == pytest.approx(expected)
    so = self_overlaps(g, method="planar")
    assert so["area_m2"].sum() == pytest.approx(4 + 100 + 50)
    assert so["duplicate"].sum() == 1
    assert len(self_overlaps(gdf(*cells), method="planar")) == 0
    assert union_area(gdf(*cells), method="planar") == pytest.approx(10_000)


# ----------------------------------------------------------------------------- overlaps
def test_overlap_matrix_values_and_rule():
    red = gdf(b(0, 0, 100, 100))
    farm = gdf(b(90, 0, 200, 100), b(90, 0, 200, 100))  # a duplicated patch
    urban = gdf(b(190, 0, 300, 50))
    pa = gdf(b(0, 0, 50, 100), b(40, 0, 120, 100))  # overlap each other
    m = overlap_matrix(
        {"red_line": red, "basic_farmland": farm, "urban_boundary": urban, "protected_area": pa},
        method="planar",
        denominator_m2=1e6,
    )
    m = m.set_index(["role_a", "role_b"])
    assert len(m) == 6
    rf = m.loc[("red_line", "basic_farmland")]
    assert rf["area_m2"] == pytest.approx(1_000)
    assert rf["share_of_a"] == pytest.approx(0.1)
    assert rf["share_of_b"] == pytest.approx(1_000 / 11_000)
    assert rf["share_of_total"] == pytest.approx(1e-3)
    assert bool(rf["must_not_overlap"])
    assert m.loc[("basic_farmland", "urban_boundary"), "area_m2"] == pytest.approx(500)
    assert m.loc[("red_line", "urban_boundary"), "area_m2"] == pytest.approx(0)
    assert m.loc[("red_line", "protected_area"), "area_m2"] == pytest.approx(10_000)
    assert m.loc[("basic_farmland", "protected_area"), "area_m2"] == pytest.approx(3_000)
    assert not bool(m.loc[("red_line", "protected_area"), "must_not_overlap"])
    assert m["must_not_overlap"].sum() == 3


def test_overlap_pieces_keep_source_ids():
    red = gdf(b(0, 0, 100, 100), b(200, 0, 300, 100), HXMC=["甲", "乙"])
    farm = gpd.GeoDataFrame(
        {"fid": [7, 9], "YJJBNTTBBH": ["F7", "F9"]},
        geometry=[b(50, 50, 60, 60), b(250, 90, 260, 110)],
        crs=CRS,
    )
    p = overlap_pieces(red, farm, method="planar")
    assert p["a_fid"].tolist() == [0, 1]
    assert p["b_fid"].tolist() == [7, 9]
    assert p["b_YJJBNTTBBH"].tolist() == ["F7", "F9"]
    assert p["a_HXMC"].tolist() == ["甲", "乙"]
    assert p["area_m2"].tolist() == pytest.approx([100, 100])
    assert p["area_ha"].tolist() == pytest.approx([0.01, 0.01])


def test_touching_layers_do_not_overlap():
    a = gdf(b(0, 0, 10, 10))
    c = gdf(b(10, 0, 20, 10))
    assert overlap_area(a, c, method="planar") == 0
    assert len(overlap_pieces(a, c, method="planar")) == 0


# ----------------------------------------------------------------------------- containment
def test_outside_pieces_partly_outside_split_outer():
    # the red line is two touching features: no single one covers the protected area
    red = gdf(b(0, 0, 50, 100), b(50, 0, 100, 100))
    pa = gdf(b(10, 10, 20, 20), b(40, 40, 120, 60), b(500, 500, 510, 520))
    o = outside_pieces(pa, red, method="planar")
    assert o["fid"].tolist() == [1, 2]
    assert o["area_m2"].tolist() == pytest.approx([20 * 20, 200])
    assert o["feature_m2"].tolist() == pytest.approx([80 * 20, 200])
    assert shapely.equals(o.geometry.iloc[0], b(100, 40, 120, 60))


@pytest.mark.parametrize("strips", [8, 30])  # one rank at a time / merged first
def test_outside_pieces_with_many_candidates(strips):
    red = gdf(*[b(10 * i, 0, 10 * i + 10, 10) for i in range(strips)])  # touching strips
    length = 10 * strips
    pa = gdf(b(5, 2, length + 10, 8), b(-5, 2, 5, 8))
    o = outside_pieces(pa, red, method="planar")
    assert o["fid"].tolist() == [0, 1]
    assert o["area_m2"].tolist() == pytest.approx([10 * 6, 5 * 6])
    assert o["feature_m2"].tolist() == pytest.approx([(length + 5) * 6, 10 * 6])


# ----------------------------------------------------------------------------- self overlaps
def test_self_overlaps_and_duplicates():
    g = gpd.GeoDataFrame(
        {"YJJBNTTBBH": ["A", "B", "C", "D"]},
        geometry=[
            b(0, 0, 10, 10),
            shapely.Polygon(  # same square, other start vertex and orientation
                [(X0 + 10, Y0 + 10), (X0 + 10, Y0), (X0, Y0), (X0, Y0 + 10)]
            ),
            b(5, 0, 15, 10),
            b(100, 100, 110, 110),
        ],
        crs=CRS,
    )
    so = self_overlaps(g, method="planar")
    assert list(zip(so["fid_a"], so["fid_b"], strict=True)) == [(0, 1), (0, 2), (1, 2)]
    assert so["duplicate"].tolist() == [True, False, False]
    assert so["area_m2"].tolist() == pytest.approx([100, 50, 50])
    assert so["YJJBNTTBBH_a"].tolist() == ["A", "A", "B"]


# ----------------------------------------------------------------------------- errors, output
def test_crs_mismatch_names_both():
    a = gdf(b(0, 0, 1, 1))
    c = gpd.GeoDataFrame(geometry=[box(123, 45, 123.001, 45.001)], crs="EPSG:4490")
    with pytest.raises(CRSError, match=r"EPSG:4529.*EPSG:4490.*to_working"):
        overlap_area(a, c, method="planar")
    with pytest.raises(CRSError, match=r"'red_line'.*'basic_farmland'"):
        overlap_matrix({"red_line": a, "basic_farmland": c})


def test_missing_crs_is_an_error():
    with pytest.raises(CRSError, match="has no CRS"):
        union_area(gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)]))


def test_write_conflicts(tmp_path):
    red = gdf(b(0, 0, 100, 100))
    farm = gdf(b(90, 0, 200, 100), b(300, 0, 310, 10), YJJBNTTBBH=["F1", "F2"])
    pieces = overlap_pieces(red, farm, method="planar")
    path = tmp_path / "conflicts.gpkg"
    out = write_conflicts(
        path, {"overlap_red_line__basic_farmland": pieces, "duplicate_basic_farmland": farm[:0]}
    )
    assert out == path
    assert [n for n, _ in pyogrio.list_layers(path)] == ["overlap_red_line__basic_farmland"]
    back = gpd.read_file(path, layer="overlap_red_line__basic_farmland")
    assert back["b_YJJBNTTBBH"].tolist() == ["F1"]
    assert back["area_ha"].tolist() == pytest.approx([0.1])
    assert back.crs.to_epsg() == 4529
    with pytest.raises(OutputExistsError, match=r"conflicts.gpkg already exists.*--overwrite"):
        write_conflicts(path, {"x": pieces})
    write_conflicts(path, {"again": pieces}, overwrite=True)
    assert [n for n, _ in pyogrio.list_layers(path)] == ["again"]


@pytest.mark.parametrize(
    ("conflicts", "crs", "epsg"),
    [
        ({}, CRS, 4529),  # the working CRS given by the caller
        ({"duplicate_red_line": gdf(b(0, 0, 1, 1))[:0]}, None, 4529),  # from an empty frame
        ({}, None, None),  # not known: no CRS, and no warning (warnings are errors)
    ],
)
def test_write_conflicts_without_conflicts_leaves_a_note(tmp_path, conflicts, crs, epsg):
    path = write_conflicts(tmp_path / "c.gpkg", conflicts, crs=crs)
    assert [n for n, _ in pyogrio.list_layers(path)] == ["no_conflicts"]
    back = gpd.read_file(path, layer="no_conflicts")
    assert back["note"].tolist() == ["no conflicts found"]
    assert (back.crs.to_epsg() if back.crs else None) == epsg


# ----------------------------------------------------------------------------- CLI
@pytest.fixture
def small_gpkg(tmp_path):
    path = tmp_path / "county.gpkg"
    layers = {
        "XZQ": gdf(b(0, 0, 1000, 1000), XZQMC=["示范县"]),
        "STBHHX": gdf(b(0, 0, 500, 1000), HXMC=["红线"]),
        "YJJBNTBHTB": gdf(b(400, 0, 600, 100), b(700, 0, 800, 100), YJJBNTTBBH=["F1", "F2"]),
        "ZRBHD": gdf(b(100, 100, 200, 200), b(450, 450, 550, 550), ZRBHDMC=["甲", "乙"]),
    }
    for name, g in layers.items():
        g.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    return path


def test_cli_overlaps_table_and_conflicts(small_gpkg, tmp_path):
    from click.testing import CliRunner

    from ecospace.cli.main import cli

    out = tmp_path / "conflicts.gpkg"
    args = [
        "overlaps",
        str(small_gpkg),
        "--method",
        "planar",
        "--conflicts",
        str(out),
        "--lang",
        "en",
    ]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    assert "method: planar" in r.output and "unit: ha" in r.output
    assert "denominator: computed area of the county boundary layer" in r.output
    # red line × farmland = 100 × 100 m² = 1 ha; 0.5 ha of protected area outside the red line
    row = next(
        line.split()
        for line in r.output.splitlines()
        if "basic_farmland  " in line and line.split()[0] == "red_line"
    )
    assert row[2] == "1.00" and row[-2:] == ["yes", "violated"]
    assert "CRS (overlay): EPSG:4529 CGCS2000 / 3-degree Gauss-Kruger zone 41" in r.output
    cont = next(
        line.split()
        for line in r.output.splitlines()
        if line.split()[:2] == ["protected_area", "red_line"]
    )
    assert cont[4] == "0.50"
    # the feature outside, by name, row and area: 乙 is half outside (50 m × 100 m)
    assert "protected_area outside red_line: 1 feature(s)" in r.output
    # a new GeoPackage numbers features from 1: row 1 is fid 2, as QGIS shows it
    assert "  乙 (fid 2)  0.50 ha of 1.00 ha" in r.output
    layers = [n for n, _ in pyogrio.list_layers(out)]
    assert "overlap_red_line__basic_farmland" in layers
    assert "outside_protected_area__red_line" in layers
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 2
    assert "--overwrite" in again.output
    assert CliRunner().invoke(cli, [*args, "--overwrite"]).exit_code == 0


def test_cli_overlaps_json(small_gpkg):
    import json

    from click.testing import CliRunner

    from ecospace.cli.main import cli

    r = CliRunner().invoke(
        cli, ["overlaps", str(small_gpkg), "--method", "planar", "--format", "json"]
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    m = {(x["role_a"], x["role_b"]): x["area_m2"] for x in d["overlaps"]}
    assert m[("red_line", "basic_farmland")] == pytest.approx(10_000)
    status = {(x["role_a"], x["role_b"]): x["status"] for x in d["overlaps"]}
    assert status[("red_line", "basic_farmland")] == "violated"
    assert status[("red_line", "protected_area")] == ""
    assert d["crs"].startswith("EPSG:4529 ")
    (feat,) = d["outside_features"]["outside_protected_area__red_line"]
    assert feat["ZRBHDMC"] == "乙" and feat["area_m2"] == pytest.approx(5_000)
    out = {(x["inner"], x["outer"]): x["outside_m2"] for x in d["containment"]}
    assert out[("protected_area", "red_line")] == pytest.approx(5_000)
    assert d["denominator_m2"] == pytest.approx(1e6)


def test_slivers_thinner_than_a_millimetre_are_noise_not_overlap():
    # Two boxes in GK zone 41 that share an edge; b's edge is 0.0001 m inside a
    # (the kind of offset a 4490 ↔ 4529 round trip leaves).  Planar overlap by hand:
    # 400 m × 0.0001 m = 0.04 m²; the official series alone would give it ~1 m².
    x0, y0 = 41_600_000.0, 4_980_000.0
    a = gpd.GeoDataFrame(geometry=[box(x0, y0, x0 + 400, y0 + 400)], crs="EPSG:4529")
    b_sliver = box(x0 + 400 - 1e-4, y0, x0 + 800, y0 + 400)
    b_real = box(x0 + 300, y0 + 500, x0 + 500, y0 + 600)  # no overlap with a
    b = gpd.GeoDataFrame(geometry=[b_sliver, b_real], crs="EPSG:4529")
    assert overlap_area(a, b, method="ellipsoid") == 0.0
    assert overlap_pieces(a, b, method="planar").empty
    # a real overlap 1 cm wide (4 m²) is kept, at its planar area by hand
    c = gpd.GeoDataFrame(geometry=[box(x0 + 400 - 0.01, y0, x0 + 800, y0 + 400)], crs="EPSG:4529")
    assert overlap_area(a, c, method="planar") == pytest.approx(400 * 0.01, rel=1e-6)


# ----------------------------------------------------------------------------- rule status
@pytest.mark.parametrize(
    ("farm_width", "tolerance", "status"),
    [
        (0.5, 100.0, "ok"),  # 0.5 m × 100 m = 50 m² < 100 m²
        (1.0, 100.0, "violated"),  # 100 m²: at least the tolerance
        (2.0, 100.0, "violated"),  # 200 m²
        (0.5, 10.0, "violated"),  # 50 m² ≥ a 10 m² tolerance
    ],
)
def test_overlap_status_against_tolerance(farm_width, tolerance, status):
    red = gdf(b(0, 0, 100, 100))
    farm = gdf(b(100 - farm_width, 0, 200, 100))
    pa = gdf(b(0, 0, 10, 10))
    m = overlap_matrix(
        {"red_line": red, "basic_farmland": farm, "protected_area": pa},
        method="planar",
        tolerance_m2=tolerance,
    ).set_index(["role_a", "role_b"])
    assert m.loc[("red_line", "basic_farmland"), "area_m2"] == pytest.approx(farm_width * 100)
    assert m.loc[("red_line", "basic_farmland"), "status"] == status
    # no rule for protected areas: empty status, whatever the overlap
    assert m.loc[("red_line", "protected_area"), "status"] == ""


# ----------------------------------------------------------------------------- coverage
def test_coverage_counts_only_the_area_inside_the_boundary():
    county = gdf(b(0, 0, 100, 100))  # 10 000 m²
    farm = gdf(b(200, 0, 300, 10))  # 1 000 m², all outside the county
    red = gdf(b(50, 0, 150, 20))  # 2 000 m², half inside
    c = coverage(
        {"basic_farmland": farm, "red_line": red},
        boundary=county,
        denominator_m2=10_000,
        method="planar",
    ).set_index("role")
    assert c.loc["basic_farmland", ["union_m2", "inside_m2", "outside_m2", "share"]].tolist() == (
        pytest.approx([1_000, 0, 1_000, 0])
    )
    assert c.loc["red_line", ["inside_m2", "outside_m2", "share"]].tolist() == pytest.approx(
        [1_000, 1_000, 0.1]
    )
    # without a boundary the share is of the whole union, and inside/outside are unknown
    n = coverage({"basic_farmland": farm}, denominator_m2=10_000, method="planar")
    assert n.loc[0, "share"] == pytest.approx(0.1) and np.isnan(n.loc[0, "inside_m2"])


# ----------------------------------------------------------------------------- conflict file
def test_conflict_file_ids_are_not_swallowed_as_the_gpkg_fid(tmp_path):
    """0-based rows under their own names; native ids by offset or by an id array."""
    red = gdf(b(0, 0, 100, 100), b(500, 500, 600, 600), HXMC=["红线一", "红线二"])
    pa = gdf(
        b(0, 0, 10, 10), b(550, 550, 650, 650), b(90, 90, 120, 120), ZRBHDMC=["甲", "乙", "丙"]
    )
    out = outside_pieces(pa, red, method="planar")
    assert out["fid"].tolist() == [1, 2]  # the in-memory frame keeps its column name
    path = write_conflicts(
        tmp_path / "c.gpkg",
        {"outside_protected_area__red_line": out},
        fids={"protected_area": np.array([11, 12, 20])},  # a source with a gap in its fids
        method="planar",
    )
    back = pyogrio.read_dataframe(path, fid_as_index=True)
    assert "fid" not in back.columns
    assert back["src_row"].tolist() == [1, 2]
    assert back["src_fid"].tolist() == [12, 20]
    assert back["ZRBHDMC"].tolist() == ["乙", "丙"]
    assert back["method"].tolist() == ["planar", "planar"]
    # the GeoPackage numbers its own features 1, 2: not the source's
    assert back.index.tolist() == [1, 2]
    so = self_overlaps(gdf(b(0, 0, 2, 2), b(1, 1, 3, 3)), method="planar")
    p2 = write_conflicts(tmp_path / "s.gpkg", {"self_overlap_red_line": so}, fids={"red_line": 1})
    back = pyogrio.read_dataframe(p2, read_geometry=False)
    assert back[["a_row", "b_row", "a_src_fid", "b_src_fid"]].values.tolist() == [[0, 1, 1, 2]]
    assert "method" not in back.columns  # not known: not made up


def test_conflict_frames_carry_src_fid_into_the_file(tmp_path):
    """Layers read by read_layer have src_fid (gaps where features were deleted): the
    frames carry it beside the 0-based row, and the file writes it without ``fids=``."""
    red = gdf(b(0, 0, 100, 100), b(500, 500, 600, 600), HXMC=["红线一", "红线二"])
    red["fid"], red["src_fid"] = [0, 1], [3, 9]
    farm = gdf(b(90, 0, 110, 10), b(590, 590, 610, 600), b(590, 590, 610, 600))
    farm["fid"], farm["src_fid"] = [0, 1, 2], [1, 5, 6]
    p = overlap_pieces(red, farm, method="planar")
    assert p[["a_fid", "a_src_fid", "b_fid", "b_src_fid"]].values.tolist() == [
        [0, 3, 0, 1],
        [1, 9, 1, 5],
        [1, 9, 2, 6],
    ]
    o = outside_pieces(farm, red, method="planar")
    assert o[["fid", "src_fid"]].values.tolist() == [[0, 1], [1, 5], [2, 6]]
    so = self_overlaps(farm, method="planar")
    assert so[["fid_a", "src_fid_a", "fid_b", "src_fid_b"]].values.tolist() == [[1, 5, 2, 6]]
    path = write_conflicts(
        tmp_path / "c.gpkg",
        {
            "overlap_red_line__basic_farmland": p,
            "outside_basic_farmland__red_line": o,
            "duplicate_basic_farmland": so,
        },
        fids={"red_line": 100, "basic_farmland": 100},  # the frames' own columns win
    )

    def back(layer):
        return pyogrio.read_dataframe(path, layer=layer, read_geometry=False)

    ov = back("overlap_red_line__basic_farmland")
    assert list(ov.columns[:4]) == ["a_row", "a_src_fid", "b_row", "b_src_fid"]
    assert ov[["a_src_fid", "b_src_fid"]].values.tolist() == [[3, 1], [9, 5], [9, 6]]
    assert back("outside_basic_farmland__red_line")["src_fid"].tolist() == [1, 5, 6]
    dup = back("duplicate_basic_farmland")
    assert dup[["a_row", "a_src_fid", "b_row", "b_src_fid"]].values.tolist() == [[1, 5, 2, 6]]
    assert not {"src_fid_a", "src_fid_b"} & set(dup.columns)
