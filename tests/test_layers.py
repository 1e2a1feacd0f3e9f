"""Reading layers in every delivered form, roles, inventory and the ``layers`` command.

Formats are checked against each other (same features, attributes and areas), and the demo
county against the planted defects recorded independently in ``layers/demo_truth.json``.
"""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import Point, box

from ecospace import LayerReadError, RoleError
from ecospace.cli.main import cli
from ecospace.loading.layers import (
    ROLES,
    format_inventory,
    inventory,
    list_layers,
    load_layers,
    read_layer,
    read_sources,
    role_of,
    split_spec,
)
from ecospace.loading.validate import ValidationWarning, validate_layer

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "layers" / "demo.gpkg"
GEOD = pyproj.Geod(a=6378137.0, f=1 / 298.257222101)


@pytest.fixture(params=["pyogrio", "fiona"])
def engine(request):
    return request.param


def geod_area(geom_lonlat) -> float:
    return sum(abs(GEOD.geometry_area_perimeter(p)[0]) for p in shapely.get_parts(geom_lonlat))


# ---------------------------------------------------------------- roles


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("STBHHX", "red_line"),
        ("230184STBHHX_2023", "red_line"),
        ("YJJBNTBHTB", "basic_farmland"),
        ("JBNTBHTB", "basic_farmland"),
        ("jbnttb", "basic_farmland"),
        ("CZKFBJ", "urban_boundary"),
        ("CSKFBJ", "urban_boundary"),
        ("ZRBHD", "protected_area"),
        ("XZQ", "boundary"),
        ("XZQ_XZ", "townships"),
        ("XZ", "townships"),
        ("DLTB", "land_use"),
        ("DLTB.shp", "land_use"),
        ("生态保护红线", "red_line"),
        ("五常市生态红线", "red_line"),
        ("永久基本农田", "basic_farmland"),
        ("城镇开发边界", "urban_boundary"),
        ("自然保护地", "protected_area"),
        ("国家级自然保护区", "protected_area"),
        ("自然保护区", "protected_area"),
        ("森林公园", "protected_area"),
        ("龙凤山国家森林公园", "protected_area"),
        ("湿地公园", "protected_area"),
        ("风景名胜区", "protected_area"),
        ("地质公园", "protected_area"),
        ("国家公园", "protected_area"),
        ("东北虎豹国家公园_2023", "protected_area"),
        ("城市公园", None),
        ("行政区", "boundary"),
        ("县界", "boundary"),
        ("乡镇界", "townships"),
        ("乡镇行政区", "townships"),
        ("地类图斑", "land_use"),
        ("XZQJX", None),
        ("roads", None),
        ("STBHHXX", None),
    ],
)
def test_role_of(name, role):
    assert role_of(name) == role


def test_aliases_override():
    assert role_of("STBHHX", aliases={"stbhhx": "protected_area"}) == "protected_area"
    assert role_of("绿地", aliases={"绿地": "protected_area"}) == "protected_area"
    assert role_of("STBHHX", aliases={"STBHHX": "none"}) is None
    with pytest.raises(RoleError, match=r"alias '绿地': unknown role 'park'; roles are boundary"):
        role_of("绿地", aliases={"绿地": "park"})


def test_roles_constant():
    assert ROLES == (
        "boundary",
        "townships",
        "red_line",
        "basic_farmland",
        "urban_boundary",
        "protected_area",
        "land_use",
    )


# ---------------------------------------------------------------- PATH[:LAYER]


def test_split_spec(tmp_path):
    odd = tmp_path / "data:2024"  # a folder whose name holds a colon
    odd.mkdir()
    gpkg = odd / "a.gpkg"
    gpkg.write_bytes(b"x")
    assert split_spec(f"{gpkg}:STBHHX") == (str(gpkg), "STBHHX")
    assert split_spec(str(gpkg)) == (str(gpkg), None)
    assert split_spec(f"{odd}") == (str(odd), None)
    assert split_spec("missing.gpkg:STBHHX") == ("missing.gpkg:STBHHX", None)
    assert split_spec(f"{gpkg}:生态保护红线:2020") == (f"{gpkg}:生态保护红线:2020", None)


# ---------------------------------------------------------------- one layer, every format

LON, LAT = 124.5, 45.1


@pytest.fixture(scope="module")
def sample():
    """Three red-line patches in EPSG:4529 with Chinese attributes; areas from Geod."""
    to_gk = pyproj.Transformer.from_crs(4490, 4529, always_xy=True)
    ll = [box(LON + i * 0.01, LAT, LON + i * 0.01 + 0.008, LAT + 0.008) for i in range(3)]
    gk = [shapely.transform(g, lambda c: np.column_stack(to_gk.transform(*c.T))) for g in ll]
    gdf = gpd.GeoDataFrame(
        {"HXMC": ["青山红线", "白水红线", "黑土红线"], "MJ": [1.0, 2.0, 3.0]}, geometry=gk, crs=4529
    )
    return gdf, [geod_area(g) for g in ll]


def write_forms(gdf, folder: Path) -> dict[str, str]:
    """The same layer as GeoPackage, FileGDB, GBK shapefile (no .cpg), zip, GeoJSON, Parquet."""
    forms = {}
    gdf.to_file(folder / "d.gpkg", layer="STBHHX", engine="pyogrio")
    gdf.to_file(folder / "d.gpkg", layer="other", engine="pyogrio")
    forms["gpkg"] = f"{folder / 'd.gpkg'}:STBHHX"
    gdf.to_file(
        folder / "三区三线.gdb", layer="生态保护红线", driver="OpenFileGDB", engine="pyogrio"
    )
    forms["gdb"] = str(folder / "三区三线.gdb")
    shp_dir = folder / "shp"
    shp_dir.mkdir()
    gdf.to_file(shp_dir / "STBHHX.shp", encoding="GBK", engine="pyogrio")
    (shp_dir / "STBHHX.cpg").unlink()
    forms["shp"] = str(shp_dir / "STBHHX.shp")
    forms["shp folder"] = f"{shp_dir}:STBHHX"
    with zipfile.ZipFile(folder / "STBHHX.zip", "w") as z:
        for f in shp_dir.iterdir():
            z.write(f, f.name)
    forms["zip"] = str(folder / "STBHHX.zip")
    gdf.to_crs(4326).to_file(folder / "STBHHX.geojson", engine="pyogrio")
    forms["geojson"] = str(folder / "STBHHX.geojson")
    gdf.to_parquet(folder / "STBHHX.parquet")
    forms["parquet"] = str(folder / "STBHHX.parquet")
    return forms


@pytest.fixture(scope="module")
def forms(sample, tmp_path_factory):
    return write_forms(sample[0], tmp_path_factory.mktemp("forms"))


@pytest.mark.parametrize("form", ["gpkg", "gdb", "shp", "shp folder", "zip", "geojson", "parquet"])
def test_every_form_reads_the_same(forms, sample, form, engine):
    _, expected = sample
    layer = read_layer(forms[form], engine=engine)
    assert layer.role == "red_line"
    assert layer.gdf["fid"].tolist() == [0, 1, 2]
    assert layer.gdf["HXMC"].tolist() == ["青山红线", "白水红线", "黑土红线"]
    assert layer.report.problems == []
    # GeoJSON is WGS 84 lon/lat; the area must not depend on the form
    assert layer.gdf.crs.to_epsg() == (4326 if form == "geojson" else 4529)
    back = layer.gdf.to_crs(4490).geometry
    measured = [geod_area(g) for g in back]
    assert measured == pytest.approx(expected, rel=1e-7)
    if form in ("shp", "zip", "shp folder"):
        assert layer.encoding == "GBK"


def test_list_layers(forms):
    assert list_layers(forms["gpkg"].rsplit(":", 1)[0]) == ["STBHHX", "other"]
    assert list_layers(forms["gdb"]) == ["生态保护红线"]
    assert list_layers(forms["shp folder"].rsplit(":", 1)[0]) == ["STBHHX"]
    assert list_layers(forms["zip"]) == ["STBHHX"]


def test_role_picks_the_layer_in_a_multi_layer_source(forms, engine):
    layer = read_layer(forms["gpkg"].rsplit(":", 1)[0], role="red_line", engine=engine)
    assert layer.name == "STBHHX"


def test_read_layer_rejects_unknown_engine(forms):
    with pytest.raises(LayerReadError, match=r"engine 'gdal' is not available"):
        read_layer(forms["gpkg"], engine="gdal")


# ---------------------------------------------------------------- several layers


def county_source(tmp_path) -> Path:
    """A county (XZQ), its townships given as plain XZQ layer in a second file, red line, roads."""
    county = gpd.GeoDataFrame(
        {"XZQDM": ["220799"], "XZQMC": ["示范县"]}, geometry=[box(124, 45, 124.2, 45.2)], crs=4490
    )
    county.to_file(tmp_path / "d.gpkg", layer="XZQ", engine="pyogrio")
    red = gpd.GeoDataFrame(geometry=[box(124.05, 45.05, 124.06, 45.06)], crs=4490)
    red.to_file(tmp_path / "d.gpkg", layer="STBHHX", engine="pyogrio")
    roads = gpd.GeoDataFrame(geometry=[box(124.1, 45.1, 124.11, 45.11)], crs=4490)
    roads.to_file(tmp_path / "d.gpkg", layer="道路面", engine="pyogrio")
    towns = gpd.GeoDataFrame(
        {"XZQDM": ["220799100"], "XZQMC": ["新城镇"]},
        geometry=[box(124, 45, 124.1, 45.2)],
        crs=4490,
    )
    (tmp_path / "towns").mkdir()
    towns.to_file(tmp_path / "towns" / "XZQ.gpkg", layer="XZQ", engine="pyogrio")
    return tmp_path


def test_load_layers_by_role(tmp_path, engine):
    src = county_source(tmp_path)
    layers = load_layers([str(src / "d.gpkg"), str(src / "towns" / "XZQ.gpkg")], engine=engine)
    # one XZQ feature with a 9-digit XZQDM is a township layer, not a second county
    assert list(layers) == ["boundary", "townships", "red_line"]
    assert layers["townships"].gdf["XZQMC"].tolist() == ["新城镇"]


def test_load_layers_user_roles_and_aliases(tmp_path, engine):
    src = county_source(tmp_path)
    layers = load_layers([str(src / "d.gpkg")], roles={"道路面": "urban_boundary"}, engine=engine)
    assert layers["urban_boundary"].name == "道路面"
    layers = load_layers([str(src / "d.gpkg")], aliases={"道路面": "protected_area"}, engine=engine)
    assert layers["protected_area"].name == "道路面"
    with pytest.raises(RoleError, match=r"--role 道路面=park: unknown role 'park'"):
        load_layers([str(src / "d.gpkg")], roles={"道路面": "park"}, engine=engine)


def test_load_layers_plan_style_specs(tmp_path, engine):
    # a plan lists the whole source and one of its layers again with a role: read once
    src = county_source(tmp_path)
    gpkg = src / "d.gpkg"
    specs = [str(gpkg), f"{gpkg}:STBHHX", f"{gpkg.resolve()}:STBHHX"]
    layers = load_layers(specs, roles={f"{gpkg}:STBHHX": "red_line"}, engine=engine)
    assert list(layers) == ["boundary", "red_line"]
    # a role keyed by the path of a one-layer source
    one = src / "towns" / "XZQ.gpkg"
    layers = load_layers([str(one)], roles={str(one.resolve()): "boundary"}, engine=engine)
    assert layers["boundary"].gdf["XZQMC"].tolist() == ["新城镇"]


def test_delivery_folder_expands_to_its_sources(tmp_path, engine):
    src = county_source(tmp_path)  # d.gpkg, towns/ (a sub-folder: not entered)
    farm = gpd.GeoDataFrame(geometry=[box(124.1, 45.0, 124.11, 45.01)], crs=4490)
    farm.to_file(src / "JBNTBHTB.shp", engine="pyogrio")
    (src / "说明.json").write_text('{"note": "metadata, not a layer"}', encoding="utf-8")
    found = read_sources([str(src)], engine=engine)
    assert [(Path(lay.source).name, lay.name, lay.role) for lay in found] == [
        ("d.gpkg", "XZQ", "boundary"),
        (src.name, "JBNTBHTB", "basic_farmland"),
        ("d.gpkg", "STBHHX", "red_line"),
        ("d.gpkg", "道路面", None),
    ]


def test_read_sources_lists_unrecognised_layers(tmp_path):
    src = county_source(tmp_path)
    found = read_sources([str(src / "d.gpkg")])
    assert [(lay.name, lay.role) for lay in found] == [
        ("XZQ", "boundary"),
        ("STBHHX", "red_line"),
        ("道路面", None),
    ]


def test_read_sources_collects_errors(tmp_path):
    src = county_source(tmp_path)
    pts = gpd.GeoDataFrame(geometry=[Point(124.1, 45.1)], crs=4490)
    pts.to_file(src / "d.gpkg", layer="井位", engine="pyogrio")
    errors: list = []
    found = read_sources([str(src / "d.gpkg")], errors=errors)
    assert len(found) == 3
    assert errors[0][0].endswith("d.gpkg:井位") and "no polygons to measure" in str(errors[0][1])


def test_inventory(tmp_path):
    src = county_source(tmp_path)
    dup = gpd.GeoDataFrame(geometry=[box(124, 45, 124.01, 45.01)] * 2, crs=4490)
    dup.to_file(src / "d.gpkg", layer="ZRBHD", engine="pyogrio")
    with pytest.warns(ValidationWarning, match="duplicates 1"):
        found = read_sources([str(src / "d.gpkg")])
    table = inventory(found)
    assert list(table.columns) == [
        "source",
        "layer",
        "role",
        "features",
        "geometry_type",
        "epsg",
        "crs_name",
        "crs_how",
        "encoding",
        "problems",
    ]
    row = table.set_index("layer").loc["ZRBHD"]
    area = geod_area(box(124, 45, 124.01, 45.01))
    assert row.problems == f"duplicates 1 ({area / 1e4:,.2f} ha)"
    assert (row.epsg, row.crs_how, row.features) == (4490, "file", 2)
    text = format_inventory(table, "en")
    assert "d.gpkg:ZRBHD" in text and "problems:" in text and "duplicates 1" in text
    zh = format_inventory(table)
    assert "问题：" in zh and "重复图斑 1" in zh and "自然保护地" in zh and "（文件）" in zh


def test_township_role_from_content(tmp_path, engine):
    towns = gpd.GeoDataFrame(
        {"XZQMC": ["甲镇", "乙乡"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4529
    ).set_geometry(
        [box(41_500_000, 5e6, 41_501_000, 5.001e6), box(41_501_000, 5e6, 41_502_000, 5.001e6)]
    )
    towns.to_file(tmp_path / "XZQ.gpkg", layer="XZQ", engine="pyogrio")
    assert read_layer(str(tmp_path / "XZQ.gpkg"), engine=engine).role == "townships"


# ---------------------------------------------------------------- validate_layer directly


def test_validate_without_repair_reports_only():
    bow = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    g = gpd.GeoDataFrame(geometry=[bow, box(5, 5, 6, 6)], crs=32650)
    with pytest.warns(ValidationWarning, match="invalid NOT repaired 1"):
        out, rep = validate_layer(g, layer_label="t:bow", repair=False)
    assert not out.geometry.iloc[0].is_valid and rep.counts == {"invalid": 1}


def test_validate_outside_boundary_geoseries():
    g = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), box(1000, 0, 1001, 1)], crs=32650)
    county = gpd.GeoSeries([box(-10, -10, 10, 10)], crs=32650)
    with pytest.warns(ValidationWarning, match=r"outside county 1 \(1\.0 m²\)"):
        _, rep = validate_layer(g, layer_label="t:o", boundary=county)
    assert rep.table.iloc[0].detail == "990 m from the county boundary"


def test_validate_clean_layer_is_silent():
    g = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=32650)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, rep = validate_layer(g, layer_label="t:clean")
    assert rep.problems == [] and out["fid"].tolist() == [0, 1]
    assert "2 features read, 2 kept" in rep.summary()


# ---------------------------------------------------------------- the command

# the lead's cli.py calls click.get_text_stream, deprecated in click 8.3 (REQUESTS.md)
CLI_WARNING = pytest.mark.filterwarnings("ignore:'get_text_stream':DeprecationWarning")


@CLI_WARNING
def test_cli_layers_table_and_json(tmp_path):
    src = county_source(tmp_path)
    runner = CliRunner()
    res = runner.invoke(
        cli, ["layers", str(src / "d.gpkg"), "--role", "道路面=urban_boundary", "--lang", "en"]
    )
    assert res.exit_code == 0, res.output
    assert "urban_boundary" in res.output and "EPSG:4490 China Geodetic" in res.output
    res = runner.invoke(cli, ["layers", str(src / "d.gpkg"), "--format", "json"])
    rows = json.loads(res.output)
    assert [r["role"] for r in rows] == ["boundary", "red_line", None]


@CLI_WARNING
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["layers", "no/such.gpkg"], "no/such.gpkg: no such file or folder"),
        (["layers", "{src}", "--role", "道路面"], "--role '道路面': write LAYER=ROLE"),
        (["layers", "{src}", "--role", "道路面=park"], "unknown role 'park'"),
        (["layers", "{shp}", "--crs", "EPSG:0"], "--crs: 'EPSG:0' is not a coordinate"),
    ],
)
def test_cli_layers_usage_errors(tmp_path, args, message):
    src = county_source(tmp_path)
    shp = tmp_path / "x.shp"
    _write_no_crs(shp)
    args = [a.format(src=src / "d.gpkg", shp=shp) for a in args]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 2 and message in res.output


def _write_no_crs(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        gpd.GeoDataFrame(geometry=[box(41_500_000, 5e6, 41_501_000, 5.001e6)]).to_file(
            path, engine="pyogrio"
        )


# ---------------------------------------------------------------- the demo county in three forms

SMALL = ["XZQ", "XZQ_XZ", "STBHHX", "CZKFBJ", "ZRBHD"]
DEMO_LAYERS = [*SMALL, "YJJBNTBHTB"]


@pytest.fixture(scope="session")
def demo_forms(tmp_path_factory):
    """The committed GeoPackage converted to FileGDB and to GBK shapefiles without .cpg."""
    out = tmp_path_factory.mktemp("demo")
    gdb, shp = out / "demo.gdb", out / "shp"
    shp.mkdir()
    for name in DEMO_LAYERS:
        meta, _, geom, fields = pyogrio.raw.read(DEMO, layer=name)
        kw = {"geometry_type": "MultiPolygon", "crs": meta["crs"]}
        pyogrio.raw.write(gdb, geom, fields, meta["fields"], layer=name, driver="OpenFileGDB", **kw)
        pyogrio.raw.write(shp / f"{name}.shp", geom, fields, meta["fields"], encoding="GBK", **kw)
        (shp / f"{name}.cpg").unlink(missing_ok=True)
    return {"gpkg": str(DEMO), "gdb": str(gdb), "shp": str(shp)}


def _load_demo(source, names, engine):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ValidationWarning)
        return {
            lay.name: lay for lay in read_sources([f"{source}:{n}" for n in names], engine=engine)
        }


def as_multi(gdf):
    """Normalised MultiPolygons (a shapefile gives one-part multipolygons back as polygons)."""
    parts, idx = shapely.get_parts(gdf.geometry.values, return_index=True)
    return shapely.normalize(shapely.multipolygons(parts, indices=idx))


@pytest.fixture(scope="module")
def demo_ref():
    return _load_demo(DEMO, DEMO_LAYERS, "pyogrio")


@pytest.mark.parametrize("form", ["gdb", "shp"])
def test_demo_forms_agree(demo_ref, demo_forms, form, engine):
    names = DEMO_LAYERS if engine == "pyogrio" else SMALL  # fiona is slow on 10⁴ patches
    got = _load_demo(demo_forms[form], names, engine)
    for name in names:
        a, b = demo_ref[name], got[name]
        assert (b.role, len(b.gdf)) == (a.role, len(a.gdf)), name
        assert b.gdf.crs.equals(a.gdf.crs)
        assert b.report.counts == a.report.counts, name
        # FileGDB snaps coordinates to its XY resolution (1e-4 m, 1e-9°)
        tol = 1e-3 if a.gdf.crs.is_projected else 1e-8
        same = shapely.equals_exact(as_multi(a.gdf), as_multi(b.gdf), tol)
        assert same.all(), (name, np.flatnonzero(~same)[:5])
        text = [c for c in a.gdf.columns if a.gdf[c].dtype == object and c != "geometry"]
        pd.testing.assert_frame_equal(
            a.gdf[text].reset_index(drop=True), b.gdf[text].reset_index(drop=True)
        )
    if form == "shp":
        assert {lay.encoding for lay in got.values()} == {"GBK"}
        assert got["XZQ"].encoding_how == "no .cpg; text is not UTF-8 but decodes as GBK (CP936)"


def test_demo_gpkg_with_fiona_matches_pyogrio(demo_ref):
    got = _load_demo(DEMO, SMALL, "fiona")
    for name in SMALL:
        assert (
            got[name]
            .gdf.drop(columns="geometry")
            .equals(demo_ref[name].gdf.drop(columns="geometry"))
        )
        assert got[name].gdf.geometry.geom_equals_exact(demo_ref[name].gdf.geometry, 0).all()


def test_demo_planted_defects_found(demo_ref):
    truth = json.loads((ROOT / "layers" / "demo_truth.json").read_text())["defects"]
    assert [demo_ref[n].role for n in DEMO_LAYERS] == [
        "boundary",
        "townships",
        "red_line",
        "urban_boundary",
        "protected_area",
        "basic_farmland",
    ]
    farm = demo_ref["YJJBNTBHTB"]
    t = farm.report.table
    bow = truth["invalid_bowtie"]
    assert sorted(t.query("problem == 'invalid_repaired'").fid) == sorted(bow["fids"])
    dup = truth["duplicated_farmland"]
    assert sorted(t.query("problem == 'duplicates'").fid) == sorted(dup["duplicate_fids"])
    assert farm.report.areas_m2["duplicates"] == pytest.approx(dup["total"]["m2"], rel=1e-6)
    repaired = farm.gdf.set_index("fid").geometry.loc[bow["fids"]].to_crs(4490)
    expected = [a["m2"] for a in bow["make_valid_areas"]]
    assert [geod_area(g) for g in repaired] == pytest.approx(expected, rel=1e-6)


@CLI_WARNING
def test_demo_inventory_from_the_command():
    truth = json.loads((ROOT / "layers" / "demo_truth.json").read_text())["defects"]
    res = CliRunner().invoke(cli, ["layers", f"{DEMO}:YJJBNTBHTB", f"{DEMO}:ZRBHD", "--lang", "en"])
    assert res.exit_code == 0, res.output
    dup_ha = truth["duplicated_farmland"]["total"]["m2"] / 1e4
    assert f"invalid repaired {len(truth['invalid_bowtie']['fids'])}" in res.output
    assert f"duplicates 2 ({dup_ha:,.2f} ha)" in res.output


# ---------------------------------------------------------------- details, notes, --crs


def problem_source(tmp_path) -> Path:
    """A county, a red line with a bow-tie and a duplicate, and protected areas 3° east."""
    gpkg = tmp_path / "p.gpkg"
    county = gpd.GeoDataFrame(geometry=[box(124, 45, 124.2, 45.2)], crs=4490)
    county.to_file(gpkg, layer="XZQ", engine="pyogrio")
    s = 0.01
    bow = shapely.Polygon([(124.05, 45.05), (124.05 + 2 * s, 45.05 + s), (124.05 + 2 * s, 45.05),
                           (124.05, 45.05 + s)])  # fmt: skip
    patch = box(124.1, 45.1, 124.11, 45.11)
    red = gpd.GeoDataFrame(geometry=[patch, bow, patch], crs=4490)
    red.to_file(gpkg, layer="STBHHX", engine="pyogrio")
    far = gpd.GeoDataFrame(geometry=[box(127.1, 45.1, 127.11, 45.11)], crs=4490)
    far.to_file(gpkg, layer="ZRBHD", engine="pyogrio")
    return gpkg


def bow_lobes():
    s, x, y = 0.01, 124.05, 45.05
    return shapely.MultiPolygon(
        [
            shapely.Polygon([(x, y), (x + s, y + s / 2), (x, y + s)]),
            shapely.Polygon([(x + 2 * s, y), (x + s, y + s / 2), (x + 2 * s, y + s)]),
        ]
    )


@CLI_WARNING
@pytest.mark.parametrize("engine_name", ["pyogrio", "fiona"])
def test_cli_layers_details(tmp_path, engine_name):
    gpkg = problem_source(tmp_path)
    res = CliRunner().invoke(
        cli, ["layers", str(gpkg), "--engine", engine_name, "--details", "--lang", "en"]
    )
    assert res.exit_code == 0, res.output
    out = res.output
    # notes in the default part, under "problems:"
    problems = out.split("problems:")[1].split("details:")[0]
    assert f"{gpkg}:ZRBHD: outside county 1 (" in problems
    assert "the whole layer lies outside the county boundary: check its CRS" in problems
    details = out.split("details:")[1]
    assert "src_fid  fid  problem" in details
    # bow-tie: row 1, GeoPackage fid 2; its repair changed the area by the lobes' area
    change = geod_area(bow_lobes())  # signed area of a bow-tie with equal lobes is 0
    line = next(ln for ln in details.splitlines() if "invalid_repaired" in ln)
    assert line.split()[:4] == ["2", "1", "invalid_repaired", f"+{change / 1e4:,.2f}"]
    line = next(ln for ln in details.splitlines() if "duplicates" in ln)
    assert line.split()[:3] == ["3", "2", "duplicates"]
    assert line.endswith("same geometry as fid 0 (src_fid 1)")
    assert "· CRS EPSG:4490 China Geodetic Coordinate System 2000 (file)" in details


@CLI_WARNING
def test_cli_layers_json_structured(tmp_path):
    gpkg = problem_source(tmp_path)
    res = CliRunner().invoke(cli, ["layers", str(gpkg), "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = {r["layer"]: r for r in json.loads(res.output)}
    red = rows["STBHHX"]["problems"]
    assert red["counts"] == {"invalid_repaired": 1, "duplicates": 1}
    assert red["areas_m2"]["invalid_repaired"] == pytest.approx(geod_area(bow_lobes()), rel=1e-6)
    patch = geod_area(box(124.1, 45.1, 124.11, 45.11))
    assert red["areas_m2"]["duplicates"] == pytest.approx(patch, rel=1e-6)
    feats = {f["problem"]: f for f in red["features"]}
    assert (feats["invalid_repaired"]["src_fid"], feats["invalid_repaired"]["fid"]) == (2, 1)
    assert (feats["duplicates"]["src_fid"], feats["duplicates"]["fid"]) == (3, 2)
    assert red["summary"][0].startswith("invalid repaired 1 (+")
    far = rows["ZRBHD"]["problems"]
    assert (
        far["features"][0]["src_fid"] == 1 and far["features"][0]["problem"] == "outside_boundary"
    )
    assert "the whole layer lies outside the county boundary: check its CRS" in far["notes"]
    assert rows["XZQ"]["problems"]["features"] == []


@CLI_WARNING
@pytest.mark.parametrize("engine_name", ["pyogrio", "fiona"])
def test_cli_wrong_prj_corrected_with_crs(tmp_path, engine_name):
    to42 = pyproj.Transformer.from_crs(4490, 4530, always_xy=True)
    g = shapely.transform(
        box(126.5, 45, 126.51, 45.01), lambda c: np.column_stack(to42.transform(*c.T))
    )
    shp = tmp_path / "wrongprj.shp"
    gpd.GeoDataFrame(geometry=[g], crs=4490).to_file(shp, engine="pyogrio")  # .prj says degrees
    runner = CliRunner()
    res = runner.invoke(cli, ["layers", str(shp), "--engine", engine_name])
    assert res.exit_code == 2
    assert "the .prj/CRS is wrong — supply it with --crs EPSG:4530" in res.output
    res = runner.invoke(
        cli, ["layers", str(shp), "--engine", engine_name, "--crs", "EPSG:4530", "--lang", "en"]
    )
    assert res.exit_code == 0, res.output
    assert "EPSG:4530 CGCS2000 / 3-degree Gauss-Kruger zone 42 " in res.output
    assert "(user (file said EPSG:4490, coordinates disagree))" in res.output
    res = runner.invoke(cli, ["layers", str(shp), "--engine", engine_name, "--crs", "EPSG:4529"])
    assert res.exit_code == 2 and "do not fit the given CRS EPSG:4529" in res.output
    # a file CRS that fits the coordinates is kept: --crs only fills in what is missing
    ok = tmp_path / "ok.shp"
    gpd.GeoDataFrame(geometry=[g], crs=4530).to_file(ok, engine="pyogrio")
    res = runner.invoke(
        cli, ["layers", str(ok), "--engine", engine_name, "--crs", "EPSG:4490", "--lang", "en"]
    )
    assert res.exit_code == 0 and "zone 42 (file)" in res.output


def test_mojibake_names_shown_in_the_inventory(tmp_path):
    from ecospace.loading.layers import format_details

    shp = tmp_path / "STBHHX.shp"
    attrs = {"生态保护红线名称": ["一号"]}
    with pytest.warns(RuntimeWarning, match="laundered"):
        gpd.GeoDataFrame(attrs, geometry=[box(124, 45, 124.01, 45.01)], crs=4490).to_file(
            shp, engine="pyogrio"
        )
    shp.with_suffix(".cpg").unlink()
    with pytest.warns(ValidationWarning, match="mojibake field names"):
        layer = read_layer(str(shp))
    text = format_inventory(inventory([layer]), "en")
    assert "problems:\n" in text
    assert "mojibake field names (cut mid-character at 10 bytes): 生态保" in text
    details = format_details([layer], "en")
    assert "· mojibake field names (cut mid-character at 10 bytes)" in details
