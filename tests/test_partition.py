"""The partitioned engine gives the figures of the one-process engine, on real Dask workers.

Hand-built county in Gauss–Krüger zone 41 (EPSG:4529), tiles of 2.5 km: township and
layer edges lie on tile edges (x = 41 505 000), a red line with a hole spans many tiles,
farmland patches, a duplicate pair and conflicts straddle tile edges and corners.  The
reference is :func:`ecospace.measuring.stats.measure_county` on the same layers; a few figures are
also checked against hand calculation (planar area).
"""

import io
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from distributed import Client, LocalCluster
from shapely import Polygon, box

from ecospace.errors import EcospaceError, PlanError
from ecospace.measuring.partition import measure_partitioned, tile_grid
from ecospace.measuring.stats import measure_county

CRS = "EPSG:4529"
X, Y = 41_500_000.0, 5_000_000.0
TILE = 2_500.0


def _gdf(geoms, **cols):
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=CRS)


@pytest.fixture(scope="module")
def county():
    b = Polygon(
        [(X, Y), (X + 10_000, Y), (X + 10_000, Y + 10_000), (X, Y + 10_000)],
        [
            [
                (X + 8_000, Y + 8_000),
                (X + 9_000, Y + 8_000),
                (X + 9_000, Y + 9_000),
                (X + 8_000, Y + 9_000),
            ]
        ],
    )
    boundary = _gdf([b], XZQMC=["示范县"])
    # three townships: a vertical edge on a tile edge (x = X + 5000), a long diagonal edge
    west = shapely.intersection(b, box(X, Y, X + 5_000, Y + 10_000))
    east = shapely.intersection(b, box(X + 5_000, Y, X + 10_000, Y + 10_000))
    diag = Polygon([(X + 5_000, Y), (X + 10_000, Y), (X + 10_000, Y + 6_300)])
    townships = _gdf(
        [west, shapely.difference(east, diag), shapely.intersection(east, diag)],
        XZQMC=["西乡", "东镇", "南镇"],
    )
    red_outer = Polygon(
        [
            (X + 1_200, Y + 1_300),
            (X + 8_700, Y + 1_900),
            (X + 7_600, Y + 7_100),
            (X + 900, Y + 6_400),
        ],
        [
            [
                (X + 3_000, Y + 3_000),
                (X + 4_000, Y + 3_000),
                (X + 4_000, Y + 4_000),
                (X + 3_000, Y + 4_000),
            ]
        ],
    )
    red = _gdf(
        [red_outer, box(X + 5_000, Y + 8_200, X + 7_500, Y + 9_700)],  # edges on tile edges
        HXMC=["甲区", "乙区"],
    )
    rng = np.random.default_rng(7)
    cx = rng.uniform(X + 200, X + 9_800, 180)
    cy = rng.uniform(Y + 200, Y + 9_800, 180)
    patches = [box(x - 90, y - 60, x + 90, y + 60) for x, y in zip(cx, cy, strict=True)]
    # straddling a tile corner, a duplicate pair on a tile edge, an overlapping pair across one
    patches += [box(X + 2_400, Y + 2_400, X + 2_600, Y + 2_600)] * 2
    patches += [
        box(X + 4_900, Y + 600, X + 5_100, Y + 700),
        box(X + 5_000, Y + 650, X + 5_200, Y + 750),
    ]
    farm = _gdf(patches, YJJBNTTBBH=[f"T{i:04d}" for i in range(len(patches))])
    urban = _gdf([box(X + 4_000, Y + 500, X + 6_000, Y + 1_500)], GHFQDM=["10"])
    protected = _gdf(
        [
            box(X + 2_000, Y + 2_000, X + 6_000, Y + 5_000),  # across four tiles
            box(X + 4_500, Y + 4_500, X + 9_500, Y + 7_500),  # partly outside the red line
        ],
        ZRBHDMC=["甲保护区", "乙公园"],
    )
    cells = [
        shapely.intersection(
            b, box(X + i * 1_000, Y + j * 1_000, X + (i + 1) * 1_000, Y + (j + 1) * 1_000)
        )
        for j in range(10)
        for i in range(10)
    ]
    codes = np.array(["0301", "0101", "0404", "0303", "1001"])[np.arange(100) % 5]
    keep = [c.area > 0 for c in cells]
    land_use = _gdf(np.array(cells, dtype=object)[keep], DLBM=codes[keep])
    return {
        "boundary": boundary,
        "townships": townships,
        "red_line": red,
        "basic_farmland": farm,
        "urban_boundary": urban,
        "protected_area": protected,
        "land_use": land_use,
    }


@pytest.fixture(scope="module")
def threads():
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as c:
        with Client(c) as client:
            yield client


def _numbers(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    num = [c for c in df.columns if c not in keys and pd.api.types.is_numeric_dtype(df[c])]
    return df.set_index(keys)[num].astype(float)


def _assert_same(a, b, tol_m2=100.0):
    """Every figure equal to 0.01 ha (areas) and 1e-6 (shares); counts exactly."""
    for name, keys in [
        ("coverage", ["role"]),
        ("overlaps", ["role_a", "role_b"]),
        ("containment", ["inner", "outer"]),
        ("self_overlaps", ["role"]),
        ("townships", ["name", "kind"]),
        ("land_cover", ["class"]),
    ]:
        x, y = _numbers(getattr(a, name), keys), _numbers(getattr(b, name), keys)
        y = y.loc[x.index, x.columns]
        for col in x.columns:
            tol = 1e-6 if "share" in col else tol_m2
            np.testing.assert_allclose(y[col], x[col], atol=tol, err_msg=f"{name}.{col}")
    assert a.denominator_m2 == pytest.approx(b.denominator_m2, abs=tol_m2)
    assert sorted(a.conflicts) == sorted(b.conflicts)
    for name, frame in a.conflicts.items():
        other = b.conflicts[name]
        id_cols = [c for c in frame.columns if c.endswith("fid") or c.startswith("fid")]
        assert frame[id_cols].values.tolist() == other[id_cols].values.tolist(), name
        np.testing.assert_allclose(other["area_m2"], frame["area_m2"], atol=0.01, err_msg=name)


@pytest.mark.parametrize("method", ["ellipsoid", "planar"])
def test_partitioned_equals_unpartitioned(county, threads, method):
    one = measure_county(county, method=method)
    tiled = measure_partitioned(county, method=method, client=threads, tile_size_m=TILE)
    _assert_same(one, tiled, tol_m2=1.0)


def test_township_method_residue_under_one_square_metre(county, threads):
    tiled = measure_partitioned(county, client=threads, tile_size_m=TILE)
    residue = tiled.townships.loc[tiled.townships["kind"] == "method_residue"]
    m2 = residue[[c for c in residue.columns if c.endswith("_m2")]].to_numpy()
    assert np.abs(m2).max() <= 1.0


def test_hand_calculated_figures(county, threads):
    """Planar figures a person can check on paper."""
    f = measure_partitioned(county, method="planar", client=threads, tile_size_m=TILE)
    cov = f.coverage.set_index("role")
    assert cov.loc["boundary", "union_m2"] == pytest.approx(100e6 - 1e6)
    assert f.denominator_m2 == pytest.approx(99e6)
    # the duplicate pair counts once in the union, twice in the sum
    farm = cov.loc["basic_farmland"]
    assert farm["features"] == 184
    assert farm["double_counted_m2"] >= 200 * 200
    so = f.self_overlaps.set_index("role")
    assert so.loc["basic_farmland", "duplicate_pairs"] == 1
    dup = f.conflicts["duplicate_basic_farmland"]
    assert len(dup) == 1 and dup["area_m2"].iloc[0] == pytest.approx(200 * 200)
    # the overlapping pair across x = X + 5000: 100 × 50 m, one conflict, not two pieces
    pair = f.conflicts["self_overlap_basic_farmland"]
    across = pair[(pair["fid_a"] == 182) & (pair["fid_b"] == 183)]
    assert len(across) == 1 and across["area_m2"].iloc[0] == pytest.approx(100 * 50)
    # the protected areas overlap on 1.5 km × 0.5 km, across tile edges
    pa = f.conflicts["self_overlap_protected_area"]
    assert pa["area_m2"].tolist() == pytest.approx([1_500 * 500])
    # townships: 西乡 is the west half minus nothing (the hole is in the east)
    tt = f.townships.set_index("name")
    assert tt.loc["西乡", "area_m2"] == pytest.approx(50e6)
    assert tt.loc["南镇", "area_m2"] == pytest.approx(5_000 * 6_300 / 2)


def test_conflicts_are_merged_back_across_tiles(county, threads):
    f = measure_partitioned(county, client=threads, tile_size_m=TILE)
    for name, frame in f.conflicts.items():
        ids = [c for c in frame.columns if c in ("a_fid", "b_fid", "fid", "fid_a", "fid_b")]
        assert not frame.duplicated(ids).any(), name
    # the urban boundary spans two tiles and overlaps many patches: one row per pair
    urban = f.conflicts["overlap_basic_farmland__urban_boundary"]
    assert set(urban["b_fid"]) == {0}


def test_tiled_source_on_worker_processes(county):
    """Layers read by bounding box on each worker (the tiled-source protocol), in processes."""
    layers = dict(county)
    layers["basic_farmland"] = _BoxSource(county["basic_farmland"])
    layers["land_use"] = _BoxSource(county["land_use"])
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as c:
        with Client(c) as client:
            tiled = measure_partitioned(layers, client=client, tile_size_m=TILE)
    one = measure_county(county)
    _assert_same(one, tiled, tol_m2=1.0)


def test_one_worker_runs_in_process(county):
    one = measure_county(county, by_township=False)
    tiled = measure_partitioned(county, workers=1, tile_size_m=3_000.0, by_township=False)
    assert tiled.townships is None
    for name, keys in [("coverage", ["role"]), ("overlaps", ["role_a", "role_b"])]:
        x, y = _numbers(getattr(one, name), keys), _numbers(getattr(tiled, name), keys)
        np.testing.assert_allclose(y.loc[x.index, x.columns], x, atol=1.0)


def test_tile_grid_is_anchored_on_round_numbers():
    tiles = tile_grid((X + 10.0, Y + 20.0, X + 4_000.0, Y + 2_000.0), TILE)
    assert tiles == [(X, Y, X + TILE, Y + TILE), (X + TILE, Y, X + 2 * TILE, Y + TILE)]


def test_a_tiled_source_needs_src_fid(county):
    layers = dict(county)
    layers["basic_farmland"] = _BoxSource(county["basic_farmland"], with_ids=False)
    with pytest.raises(EcospaceError, match="src_fid"):
        measure_partitioned(layers, workers=1, tile_size_m=TILE)


class _BoxSource:
    """A minimal tiled source: features whose bounding box meets the box asked for."""

    def __init__(self, gdf: gpd.GeoDataFrame, with_ids: bool = True):
        self._gdf = gdf.assign(src_fid=np.arange(len(gdf))) if with_ids else gdf
        self.crs = gdf.crs

    def total_bounds(self):
        return tuple(self._gdf.total_bounds)

    def read_bbox(self, minx, miny, maxx, maxy):
        hit = self._gdf.sindex.query(box(minx, miny, maxx, maxy), predicate="intersects")
        return self._gdf.iloc[np.sort(hit)].reset_index(drop=True)


# the county's planted duplicates, overlaps and parts outside, reported by read_layer
@pytest.mark.filterwarnings(
    r"ignore:.*duplicates/overlaps are kept:ecospace.loading.validate.ValidationWarning"
)
def test_cli_stats_with_workers_gives_the_same_figures(county, tmp_path, monkeypatch):
    """`ecospace stats --by-township` (tiles by default, `--workers N`) prints the figures of
    the one-process engine."""
    import json

    from click.testing import CliRunner

    from ecospace.cli import cli
    from ecospace.measuring import partition

    path = tmp_path / "county.gpkg"
    codes = {
        "boundary": "XZQ",
        "townships": "XZQ_XZ",
        "red_line": "STBHHX",
        "basic_farmland": "YJJBNTBHTB",
        "urban_boundary": "CZKFBJ",
        "protected_area": "ZRBHD",
        "land_use": "DLTB",
    }
    for role, layer in codes.items():
        county[role].to_file(path, layer=layer, driver="GPKG")
    one = measure_county(county)
    # a county this small is one task; 50 features a tile makes the commands cut tiles
    monkeypatch.setattr(partition, "MIN_FEATURES_PER_TILE", 50)
    tiles = []
    real = partition._measure_tile
    monkeypatch.setattr(partition, "_measure_tile", lambda *a: tiles.append(a[0]) or real(*a))
    args = ["-q", "stats", str(path), "--by-township", "--format", "json"]
    for extra in ([], ["--workers", "1"], ["--workers", "2"]):
        tiles.clear()
        r = CliRunner().invoke(cli, args + extra)
        assert r.exit_code == 0, r.output
        assert len(tiles) >= 4, extra
        run = json.loads(r.stdout)
        for table, key in [("coverage", "role"), ("townships", "name"), ("land_cover", "class")]:
            a = getattr(one, table).set_index(key)
            for row in run[table]:
                for col, v in row.items():
                    if col.endswith("_m2") and v is not None:
                        want = a.loc[row[key], col]
                        assert v == pytest.approx(want, abs=1.0), (extra, table, col)


def test_a_small_county_is_one_task_measured_whole(county, monkeypatch):
    """Without tile_size_m a county of a few hundred features is not cut: the figures are
    exactly those of the one-process engine, and no tile is measured."""
    from ecospace.measuring import partition

    tiles = []
    real = partition._measure_tile
    monkeypatch.setattr(partition, "_measure_tile", lambda *a: tiles.append(a) or real(*a))
    one = measure_county(county, method="planar")
    whole = measure_partitioned(county, method="planar", workers=2)
    assert tiles == []
    pd.testing.assert_frame_equal(whole.coverage, one.coverage)
    pd.testing.assert_frame_equal(whole.townships, one.townships)
    # the hand calculation: the county is 10 km × 10 km less a 1 km × 1 km hole
    assert whole.denominator_m2 == pytest.approx(99e6)


def test_tiles_run_on_dask_threads_without_a_cluster(county, monkeypatch):
    """Default scheduler: dask's local threads, several tiles at once, none in this thread."""
    import threading

    from ecospace.measuring import partition

    threads = set()
    real = partition._measure_tile

    def spy(*a):
        threads.add(threading.get_ident())
        return real(*a)

    monkeypatch.setattr(partition, "_measure_tile", spy)
    tiled = measure_partitioned(county, method="planar", workers=2, tile_size_m=TILE)
    assert threads and threading.get_ident() not in threads
    _assert_same(measure_county(county, method="planar"), tiled, tol_m2=1.0)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("progress", [True, False])
def test_progress_bar_on_a_terminal_only_when_asked(county, monkeypatch, progress):
    from ecospace.measuring import _partition_run

    monkeypatch.setattr(_partition_run, "PROGRESS_AFTER_S", 0.0)
    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    measure_partitioned(
        county, method="planar", workers=2, tile_size_m=TILE, by_township=False,
        progress=progress,
    )  # fmt: skip
    n = len(tile_grid(_bounds(county), TILE))
    if progress:
        assert err.getvalue().rstrip().endswith(f"] {n}/{n}")
    else:
        assert err.getvalue() == ""


def _bounds(layers):
    b = np.array([g.total_bounds for g in layers.values()])
    return (*b[:, :2].min(axis=0), *b[:, 2:].max(axis=0))


def test_cli_refuses_zero_workers(tmp_path):
    from click.testing import CliRunner

    from ecospace.cli import cli

    r = CliRunner().invoke(cli, ["stats", "layers/demo.gpkg", "--workers", "0"])
    assert r.exit_code == 2
    assert "--workers" in r.output and "0" in r.output


def test_stated_denominator_and_its_check(county):
    layers = {r: county[r] for r in ("boundary", "red_line", "land_use")}
    one = measure_county(layers, denominator_m2=1e8, method="planar")
    tiled = measure_partitioned(layers, denominator_m2=1e8, method="planar", workers=1)
    assert tiled.denominator_source == "stated"
    np.testing.assert_allclose(tiled.coverage["share"], one.coverage["share"], atol=1e-9)
    np.testing.assert_allclose(tiled.land_cover["share"], one.land_cover["share"], atol=1e-9)
    with pytest.raises(PlanError, match="needs denominator_m2"):
        measure_partitioned(layers, denominator_source="survey", workers=1)
    with pytest.raises(EcospaceError, match="tile_size_m must be a positive length"):
        measure_partitioned(layers, tile_size_m=0, workers=1)
