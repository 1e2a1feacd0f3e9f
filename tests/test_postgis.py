"""PostGIS as a source, against a real server (the ``pg_server`` fixture in conftest.py).

Expected values come from the demo GeoPackage read as a file — the server holds the same
layers, loaded with psycopg independently of ecospace's reader — and from pyproj.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from _pgserver import PASSWORD, USER, free_port
from click.testing import CliRunner
from shapely.geometry import box

from ecospace.cli import cli
from ecospace.errors import LayerNotFoundError, LayerReadError
from ecospace.loading import _postgis
from ecospace.loading.layers import read_layer, read_sources
from ecospace.loading.tiled_sources import GeoParquetDataset, PostGISTable

ROOT = Path(__file__).resolve().parent.parent
DEMO = str(ROOT / "layers" / "demo.gpkg")

pytestmark = [
    # the demo's planted defects, reported by the reader (tested in test_layers*)
    pytest.mark.filterwarnings("ignore::ecospace.loading.validate.RepairWarning"),
    pytest.mark.filterwarnings("ignore::ecospace.loading.validate.ValidationWarning"),
]


def _run(args):
    r = CliRunner().invoke(cli, args)
    return r


def _json(args, exit_code=0):
    r = _run(args)
    assert r.exit_code == exit_code, r.output
    start = r.output.index("{")
    return json.JSONDecoder().raw_decode(r.output[start:])[0]


def _areas(obj, path=""):
    """Every numeric ``*_m2`` figure of a JSON report, by its path."""
    out = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(_areas(v, f"{path}/{k}"))
            if k.endswith("_m2") and isinstance(v, int | float):
                out[f"{path}/{k}"] = float(v)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            key = v.get("role") or v.get("name") or i if isinstance(v, dict) else i
            if isinstance(v, dict) and "role_a" in v:
                key = f"{v['role_a']}|{v['role_b']}"
            out.update(_areas(v, f"{path}[{key}]"))
    return out


@pytest.mark.parametrize("command", ["stats", "overlaps"])
def test_demo_county_from_postgis_equals_the_geopackage(pg_server, command):
    args = [command, "--format", "json"] + (["--by-township"] if command == "stats" else [])
    from_file = _areas(_json([*args[:1], DEMO, *args[1:]]))
    from_db = _areas(_json([*args[:1], pg_server.url, *args[1:]]))
    assert len(from_file) > 20
    assert set(from_db) == set(from_file)
    far = {k: (from_file[k], from_db[k]) for k in from_file if abs(from_file[k] - from_db[k]) > 100}
    assert not far, far  # every figure to 0.01 ha (100 m²)


def test_feature_ids_are_the_source_fids(pg_server):
    db = read_layer(f"{pg_server.url}?table=public.yjjbntbhtb")
    gpkg = read_layer(f"{DEMO}:YJJBNTBHTB")
    assert db.role == gpkg.role == "basic_farmland"
    np.testing.assert_array_equal(db.gdf["src_fid"].to_numpy(), gpkg.gdf["src_fid"].to_numpy())
    assert db.gdf["src_fid"].min() == 1


@pytest.mark.parametrize(
    "suffix",
    ["?table=public.stbhhx", ":public.stbhhx", ":STBHHX", "?table=public.STBHHX"],
)
def test_one_table_by_url_any_case(pg_server, suffix):
    layer = read_layer(pg_server.url + suffix)
    assert layer.name == "public.stbhhx"
    assert layer.role == "red_line"
    assert layer.crs.to_epsg() == 4490  # the table's SRID
    assert layer.crs_how == "PostGIS SRID 4490"
    assert len(layer.gdf) == len(gpd.read_file(DEMO, layer="STBHHX"))


def test_gdal_pg_string(pg_server):
    spec = (
        f"PG:dbname=province host={pg_server.folder} port={pg_server.port} user=postgres "
        "tables=public.zrbhd"
    )
    layer = read_layer(spec)
    assert layer.role == "protected_area"
    host = str(pg_server.folder).replace("/", "%2F")
    assert layer.source == f"postgresql://postgres@{host}:{pg_server.port}/province"


def test_password_from_pgpassword(pg_server, monkeypatch):
    monkeypatch.setattr(_postgis, "_PASSWORDS", {})  # forget the URLs of earlier tests
    with pytest.raises(LayerReadError, match="check the user and password"):
        read_sources([f"{pg_server.url_nopw}:public.czkfbj"])
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    layers = read_sources([f"{pg_server.url_nopw}:public.czkfbj"])
    assert [x.role for x in layers] == ["urban_boundary"]


def test_srid_wins_over_what_a_file_reader_would_infer(pg_server, tmp_path):
    """Degree-range coordinates with SRID 4326: a file without CRS would be taken as CGCS2000."""
    gdf = gpd.GeoDataFrame(
        {"name": ["甲"]}, geometry=[box(126.5, 45.0, 126.51, 45.01)], crs="EPSG:4326"
    )
    pg_server.load(gdf, "wgs.lonlat", srid=4326)
    try:
        db = read_layer(f"{pg_server.url}?table=wgs.lonlat")
    finally:  # the other tests see the demo's tables only
        pg_server.sql("DROP SCHEMA wgs CASCADE")
    assert db.crs.to_epsg() == 4326
    assert db.crs_how == "PostGIS SRID 4326"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)
        gdf.set_crs(None, allow_override=True).to_file(tmp_path / "nocrs.shp", engine="pyogrio")
    shp = read_layer(str(tmp_path / "nocrs.shp"))  # logs the inference
    assert shp.crs.to_epsg() == 4490 and shp.crs_how.startswith("inferred")


def _error_line(args):
    r = _run(args)
    assert r.exit_code == 2, r.output
    errors = [line for line in r.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, r.output
    assert PASSWORD not in r.output
    return errors[0]


def test_bad_url(pg_server):
    line = _error_line(["layers", f"postgresql://{USER}:{PASSWORD}@127.0.0.1:notaport/province"])
    assert "not a usable PostgreSQL URL" in line and "***" in line


def test_refused_connection():
    port = free_port()
    line = _error_line(["layers", f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{port}/province"])
    assert f"postgresql://{USER}@127.0.0.1:{port}/province: cannot connect" in line
    assert "is the server running" in line


def test_missing_table(pg_server):
    line = _error_line(["stats", f"{pg_server.url}?table=public.no_such_table"])
    assert "no geometry table 'public.no_such_table'" in line
    assert "public.stbhhx" in line  # what the database holds


def test_wrong_credentials(pg_server):
    url = pg_server.url.replace(PASSWORD, "wrong-" + PASSWORD[::-1])
    line = _error_line(["layers", url])
    assert "check the user and password" in line
    assert "wrong-" not in line


def test_no_password_in_a_report(pg_server):
    r = _run(["layers", pg_server.url, "--details"])
    assert r.exit_code == 0, r.output
    assert "public.stbhhx" in r.output and PASSWORD not in r.output


def test_errors_are_ecospace_errors(pg_server):
    with pytest.raises(LayerNotFoundError, match=r"no geometry table 'public\.nope'"):
        read_layer(f"{pg_server.url}:public.nope")
    with pytest.raises(LayerReadError, match="name one as"):
        read_layer(pg_server.url)


def test_a_plan_file_may_name_postgis_tables(pg_server, tmp_path, monkeypatch):
    plan = (ROOT / "plans" / "demo.yaml").read_text(encoding="utf-8")
    assert "  - {path: ../layers/demo.gpkg}\n" in plan
    db = f"{pg_server.url_nopw}"
    plan = plan.replace(
        "  - {path: ../layers/demo.gpkg}\n",
        f"  - {{path: '{db}'}}\n",
    )
    (tmp_path / "db.yaml").write_text(plan, encoding="utf-8")
    monkeypatch.setattr(_postgis, "_PASSWORDS", {})  # forget the URLs of earlier tests
    monkeypatch.setenv("PGPASSWORD", PASSWORD)  # the plan file holds no password
    by_db = _json(
        [
            "check",
            str(tmp_path / "db.yaml"),
            "--format",
            "json",
            "--no-map",
            "--out",
            str(tmp_path / "db"),
        ],
        exit_code=1,  # the demo's planted defects fail five figures
    )
    by_file = _json(
        [
            "check",
            str(ROOT / "plans" / "demo.yaml"),
            "--format",
            "json",
            "--no-map",
            "--out",
            str(tmp_path / "file"),
        ],
        exit_code=1,
    )
    statuses = {f["id"]: f["status"] for f in by_file["figures"]}
    assert {f["id"]: f["status"] for f in by_db["figures"]} == statuses
    for a, b in zip(by_file["figures"], by_db["figures"], strict=True):
        if a["measured"] is not None:
            assert b["measured"] == pytest.approx(a["measured"], abs=0.01)
    assert "public.stbhhx" in json.dumps(by_db["layers"], ensure_ascii=False)


def test_tiled_table_reads_one_box_in_another_process(pg_server):
    import pickle

    src = pyogrio.read_dataframe(DEMO, layer="YJJBNTBHTB", fid_as_index=True)
    x0, y0, x1, y1 = src.total_bounds
    q = (x0, y0, x0 + 0.2 * (x1 - x0), y0 + 0.3 * (y1 - y0))
    b = shapely.bounds(src.geometry.values)
    meets = ~((b[:, 0] > q[2]) | (b[:, 2] < q[0]) | (b[:, 1] > q[3]) | (b[:, 3] < q[1]))
    table = PostGISTable(f"{pg_server.url}:public.YJJBNTBHTB")
    assert PASSWORD not in repr(table) and PASSWORD not in table.label
    again = pickle.loads(pickle.dumps(table))  # what a Dask worker receives
    got = again.read_bbox(*q)
    assert sorted(got["src_fid"]) == sorted(src.index[meets])
    assert again.crs.to_epsg() == 4529 and again.role == "basic_farmland"
    assert "DLBM" in got.columns  # laundered names restored to upper case
    assert again.total_bounds() == pytest.approx(tuple(src.total_bounds))


def test_convert_a_postgis_table(pg_server, tmp_path):
    r = _run(["convert", f"{pg_server.url}:public.stbhhx", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert PASSWORD not in r.output
    src = pyogrio.read_dataframe(DEMO, layer="STBHHX", fid_as_index=True)
    got = GeoParquetDataset(str(tmp_path / "public.stbhhx.parquet")).read()
    got = got.sort_values("src_fid").reset_index(drop=True)
    assert got.crs.to_epsg() == 4490
    np.testing.assert_array_equal(got["src_fid"], src.index)
    assert shapely.equals_exact(got.geometry.values, src.geometry.values, tolerance=0).all()


def test_map_of_postgis_tables(pg_server, tmp_path):
    out = tmp_path / "m.html"
    r = _run(
        ["map", f"{pg_server.url}:public.xzq", f"{pg_server.url}:public.zrbhd", "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    assert json.dumps("自然保护地")[1:-1] in html  # the layer, as folium escapes it
    assert PASSWORD not in html and PASSWORD not in r.output
