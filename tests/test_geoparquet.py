"""`ecospace convert` and partitioned GeoParquet datasets read by box.

Expected values come from the sources read with pyogrio directly, from shapely's boxes
and from hand-written strings, never from the dataset reader under test.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow.parquet as pq
import pyogrio
import pyproj
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import box

from ecospace.cli import cli
from ecospace.loading.convert import convert, write_dataset
from ecospace.loading.layers import read_layer
from ecospace.loading.tiled_sources import GeoParquetDataset, open_tiled

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "layers" / "demo.gpkg"

pytestmark = [
    # the demo's planted defects, reported by the reader (tested in test_layers*)
    pytest.mark.filterwarnings("ignore::ecospace.loading.validate.RepairWarning"),
    pytest.mark.filterwarnings("ignore::ecospace.loading.validate.ValidationWarning"),
]


@pytest.fixture(scope="module")
def demo_dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("gpq")
    convert([str(DEMO)], out, rows_per_file=3000, row_group_size=500)
    return out


def test_round_trip_keeps_geometry_crs_attributes_and_fids(demo_dataset):
    for name in ("STBHHX", "YJJBNTBHTB", "XZQ_XZ"):
        src = pyogrio.read_dataframe(DEMO, layer=name, fid_as_index=True)
        ds = GeoParquetDataset(str(demo_dataset / f"{name}.parquet"))
        got = ds.read().sort_values("src_fid").reset_index(drop=True)
        assert ds.crs.equals(pyproj.CRS.from_user_input(src.crs))
        np.testing.assert_array_equal(got["src_fid"].to_numpy(), src.index.to_numpy())
        # the geometry as the source holds it, vertex for vertex
        assert shapely.equals_exact(got.geometry.values, src.geometry.values, tolerance=0).all()
        for col in src.columns.drop("geometry"):
            assert got[col].tolist() == src[col].tolist(), col


def test_dataset_is_partitioned_sorted_and_has_bbox_columns(demo_dataset):
    folder = demo_dataset / "YJJBNTBHTB.parquet"
    files = sorted(folder.glob("*.parquet"))
    assert len(files) == 5  # 12 030 patches, 3 000 per file
    geo = json.loads(pq.read_schema(files[0]).metadata[b"geo"])
    assert geo["version"] == "1.1.0"
    assert geo["columns"]["geometry"]["covering"]["bbox"]["xmin"] == ["bbox", "xmin"]
    # Hilbert order: the files' boxes are compact — far smaller than the layer's extent
    ext = GeoParquetDataset(str(folder)).total_bounds()
    full = (ext[2] - ext[0]) * (ext[3] - ext[1])
    for f in files:
        b = gpd.read_parquet(f).total_bounds
        assert (b[2] - b[0]) * (b[3] - b[1]) < 0.6 * full


def test_read_bbox_returns_the_features_whose_box_meets_it(demo_dataset):
    src = pyogrio.read_dataframe(DEMO, layer="YJJBNTBHTB", fid_as_index=True)
    x0, y0, x1, y1 = src.total_bounds
    q = (x0 + 0.3 * (x1 - x0), y0 + 0.3 * (y1 - y0), x0 + 0.45 * (x1 - x0), y0 + 0.5 * (y1 - y0))
    b = shapely.bounds(src.geometry.values)
    meets = ~((b[:, 0] > q[2]) | (b[:, 2] < q[0]) | (b[:, 1] > q[3]) | (b[:, 3] < q[1]))
    expected = set(src.index[meets])
    ds = GeoParquetDataset(str(demo_dataset / "YJJBNTBHTB.parquet"))
    got = ds.read_bbox(*q)
    assert set(got["src_fid"]) == expected and len(got) == len(expected)
    # only some row groups (and files) are read
    groups = ds.row_groups(q)
    assert 0 < len(groups) < len(ds.row_groups()) / 2
    assert len({f for f, _ in groups}) < len(ds.files)


def test_partitions_one_file_at_a_time(demo_dataset):
    ds = GeoParquetDataset(str(demo_dataset / "YJJBNTBHTB.parquet"))
    sizes = [len(p) for p in ds.partitions()]
    assert sizes == [3000, 3000, 3000, 3000, 30]


def test_gbk_shapefile_text_survives(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"HXMC": ["松花江生态保护红线", "张广才岭水源涵养区"], "MJ": [1.5, 2.5]},
        geometry=[box(41_500_000, 5_000_000, 41_500_100, 5_000_100), box(0, 0, 1, 1)],
        crs="EPSG:4529",
    )
    gdf = gdf.iloc[:1]
    gdf.to_file(tmp_path / "STBHHX.shp", encoding="GBK", engine="pyogrio")
    (tmp_path / "STBHHX.cpg").unlink()
    raw = (tmp_path / "STBHHX.dbf").read_bytes()
    assert "松花江".encode("gbk") in raw  # really GBK on disk
    convert([str(tmp_path / "STBHHX.shp")], tmp_path / "out")
    got = gpd.read_parquet(tmp_path / "out" / "STBHHX.parquet" / "part-00000.parquet")
    assert got["HXMC"].tolist() == ["松花江生态保护红线"]
    assert got.crs.to_epsg() == 4529
    assert got["src_fid"].tolist() == [0]  # a shapefile counts from 0


def test_converted_folder_is_a_source_with_the_same_figures(demo_dataset):
    def figures(source):
        r = CliRunner().invoke(cli, ["stats", str(source), "--format", "json", "--by-township"])
        assert r.exit_code == 0, r.output
        return json.loads(r.output[r.output.index("{") :])

    a, b = figures(DEMO), figures(demo_dataset)
    assert a["denominator_m2"] == pytest.approx(b["denominator_m2"], abs=100)
    for x, y in zip(a["coverage"], b["coverage"], strict=True):
        assert x["role"] == y["role"]
        for k in ("area_m2", "sum_m2"):
            if k in x and x[k] is not None:
                assert y[k] == pytest.approx(x[k], abs=100), (x["role"], k)  # 0.01 ha
    assert [t["name"] for t in a["townships"]] == [t["name"] for t in b["townships"]]
    layer = read_layer(str(demo_dataset / "YJJBNTBHTB.parquet"))
    assert layer.role == "basic_farmland" and layer.gdf["src_fid"].min() == 1


def test_a_converted_folder_lists_each_layer_once(demo_dataset):
    r = CliRunner().invoke(cli, ["layers", str(demo_dataset), "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = json.JSONDecoder().raw_decode(r.output[r.output.index("[") :])[0]
    assert sorted(row["layer"] for row in rows) == sorted(
        ["XZQ", "XZQ_XZ", "STBHHX", "YJJBNTBHTB", "CZKFBJ", "ZRBHD", "DLTB"]
    )


def test_open_tiled_finds_every_dataset(demo_dataset):
    tiles = open_tiled([str(demo_dataset)])
    assert {t.name: t.role for t in tiles} == {
        "XZQ": "boundary",
        "XZQ_XZ": "townships",
        "STBHHX": "red_line",
        "YJJBNTBHTB": "basic_farmland",
        "CZKFBJ": "urban_boundary",
        "ZRBHD": "protected_area",
        "DLTB": "land_use",
    }


def test_convert_refuses_to_overwrite(demo_dataset):
    r = CliRunner().invoke(cli, ["convert", f"{DEMO}:XZQ", str(demo_dataset)])
    assert r.exit_code == 2
    errors = [line for line in r.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "XZQ.parquet already exists; pass --overwrite" in errors[0]


def test_write_dataset_of_a_plain_frame(tmp_path):
    g = gpd.GeoDataFrame(
        {"n": [0, 1, 2]}, geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:4490"
    )
    write_dataset(g, tmp_path / "x.parquet", rows_per_file=2)
    ds = GeoParquetDataset(str(tmp_path / "x.parquet"))
    assert ds.crs.to_epsg() == 4490
    assert sorted(ds.read_bbox(1.5, 0, 1.6, 1)["n"]) == [1]
    assert sorted(ds.read()["n"]) == [0, 1, 2]
