"""A county's delivery as a bureau receives it, generated here: folders, zips, no .prj.

The county is the latitude–longitude rectangle 126.9–127.3°E × 44.8–45.1°N (near 五常市),
in CGCS2000 3° Gauss–Krüger zone CM 126°E without zone prefix (EPSG:4551) where a layer
is projected.  Expected areas come from the closed-form ellipsoidal zone
(tests/_reference.py) and pyproj, never from ecospace.
"""

import json
import warnings
import zipfile

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
import yaml
from _reference import zone_area
from click.testing import CliRunner
from shapely.geometry import box

from ecospace import CRSError, read_layer
from ecospace.cli.main import cli
from ecospace.loading.layers import load_layers, read_sources, search_sources

# the lead's cli.py calls click.get_text_stream, deprecated in click 8.3 (REQUESTS.md)
CLI_WARNING = pytest.mark.filterwarnings("ignore:'get_text_stream':DeprecationWarning")
# the delivery's layers carry planted facts (a GBK shapefile, CRS inferences): warnings
QUIET = pytest.mark.filterwarnings("ignore::UserWarning")

COUNTY = (126.9, 44.8, 127.3, 45.1)
#: three townships: west to east strips of the county (codes deliberately not in name order)
TOWNS = [
    ("230184103", "乙镇", (126.9, 44.8, 127.0, 45.1)),
    ("230184101", "甲镇", (127.0, 44.8, 127.15, 45.1)),
    ("230184102", "丙乡", (127.15, 44.8, 127.3, 45.1)),
]
RED = [(127.02, 44.85, 127.08, 44.9), (127.2, 45.0, 127.25, 45.05)]
PROTECTED = (127.03, 44.86, 127.06, 44.89)  # inside the first red-line patch
GK = 4551  # CGCS2000 / 3-degree Gauss-Kruger CM 126E (no zone prefix)


def _to_gk(geom_lonlat):
    """A lon/lat polygon, densified every 0.001° (straight in lon/lat), in EPSG:4551."""
    t = pyproj.Transformer.from_crs(4490, GK, always_xy=True)
    dense = shapely.segmentize(geom_lonlat, 0.001)
    return shapely.transform(dense, lambda c: np.column_stack(t.transform(*c.T)))


class _CP936Name(zipfile.ZipInfo):
    """A zip member written as Chinese Windows writes it: CP936 bytes, no UTF-8 flag."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("cp936"), self.flag_bits


def _zip_cp936(zip_path, folder, stem):
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.glob(f"{stem}.*")):
            info = _CP936Name(f"自然保护地/{f.name}", date_time=(2023, 5, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, f.read_bytes())


def make_delivery(root, *, boundary=True):
    """The delivery folder: nested folders, a GBK 6-digit boundary without .prj, a FileGDB,
    a CP936-named zip, a township-level XZQ in a GeoPackage, and files that are no layers."""
    d = root / "交付成果"
    (d / "01行政区" / "县界").mkdir(parents=True)
    (d / "02三区三线").mkdir()
    (d / "03自然保护地").mkdir()
    (d / "04三调").mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # writing a layer without CRS
        if boundary:
            county = gpd.GeoDataFrame(
                {"XZQDM": ["230184"], "XZQMC": ["五常市"]}, geometry=[_to_gk(box(*COUNTY))]
            )
            shp = d / "01行政区" / "县界" / "XZQ.shp"
            county.to_file(shp, encoding="GBK", engine="pyogrio")
            shp.with_suffix(".cpg").unlink()
        red = gpd.GeoDataFrame(
            {"BSM": ["HX001", "HX002"]}, geometry=[box(*b) for b in RED], crs=4490
        )
        red.to_file(
            d / "02三区三线" / "三区三线.gdb",
            layer="生态保护红线",
            driver="OpenFileGDB",
            engine="pyogrio",
        )
        pa_dir = root / "pa"
        pa_dir.mkdir()
        pa = gpd.GeoDataFrame({"MC": ["青山自然保护区"]}, geometry=[box(*PROTECTED)], crs=4490)
        pa.to_file(pa_dir / "自然保护地.shp", encoding="GBK", engine="pyogrio")
        _zip_cp936(d / "03自然保护地" / "自然保护地.zip", pa_dir, "自然保护地")
        towns = gpd.GeoDataFrame(
            {"XZQDM": [t[0] for t in TOWNS], "XZQMC": [t[1] for t in TOWNS]},
            geometry=[box(*t[2]) for t in TOWNS],
            crs=4490,
        )
        towns.to_file(d / "04三调" / "三调.gpkg", layer="XZQ", engine="pyogrio")
    (d / "说明.docx").write_bytes(b"PK not really a document")
    (d / "04三调" / "影像.tif").write_bytes(b"II*\x00")
    (d / "02三区三线" / "metadata.json").write_text('{"note": "x"}', encoding="utf-8")
    return d


@pytest.fixture
def delivery(tmp_path):
    return make_delivery(tmp_path)


def test_the_zip_is_made_as_chinese_windows_makes_it(delivery):
    z = delivery / "03自然保护地" / "自然保护地.zip"
    with zipfile.ZipFile(z) as plain:  # read as the zip spec says: CP437
        infos = plain.infolist()
    assert all(not i.flag_bits & 0x800 for i in infos)
    raw = z.read_bytes()
    assert "自然保护地".encode("cp936") in raw and "自然保护地".encode() not in raw


def test_search_lists_taken_and_skipped(delivery):
    found = {f.path.relative_to(delivery).as_posix(): f for f in search_sources([str(delivery)])}
    taken = sorted(k for k, f in found.items() if f.taken)
    assert taken == [
        "01行政区/县界/XZQ.shp",
        "02三区三线/三区三线.gdb",
        "03自然保护地/自然保护地.zip",
        "04三调/三调.gpkg",
    ]
    skipped = {k: f.what for k, f in found.items() if not f.taken}
    assert skipped == {
        "说明.docx": "document",
        "04三调/影像.tif": "raster or image",
        "02三区三线/metadata.json": "JSON without features (metadata, not a layer)",
    }
    assert found["03自然保护地/自然保护地.zip"].flags == (
        "member names decoded as CP936 (no UTF-8 flag)",
    )
    assert found["01行政区/县界/XZQ.shp"].what == "shapefile (no .prj)"


@QUIET
@pytest.mark.parametrize("engine", ["pyogrio", "fiona"])
def test_delivery_reads_with_roles_crs_and_areas(delivery, engine):
    layers = {lay.role: lay for lay in read_sources([str(delivery)], engine=engine)}
    assert set(layers) == {"boundary", "townships", "red_line", "protected_area"}
    # the CP936 member name gives the zipped layer its role
    assert layers["protected_area"].name == "自然保护地"
    assert any("CP936" in n for n in layers["protected_area"].report.notes)
    assert layers["protected_area"].gdf["MC"].tolist() == ["青山自然保护区"]
    # the 6-digit boundary without .prj is placed by the other layers of the delivery
    county = layers["boundary"]
    assert county.gdf.crs.to_epsg() == GK and county.crs_how.startswith("inferred")
    assert county.gdf["XZQMC"].tolist() == ["五常市"]  # GBK attributes without .cpg
    from ecospace.geometry.area import areas

    assert areas(county.gdf).sum() == pytest.approx(zone_area(*COUNTY), rel=1e-6)
    assert areas(layers["red_line"].gdf).sum() == pytest.approx(
        sum(zone_area(*b) for b in RED), rel=1e-9
    )
    # nothing lies outside the county
    assert all("outside_boundary" not in lay.report.counts for lay in layers.values())


@QUIET
def test_township_xzq_becomes_the_county(tmp_path):
    d = make_delivery(tmp_path, boundary=False)
    layers = load_layers([str(d)])
    assert list(layers) == ["boundary", "townships", "red_line", "protected_area"]
    county = layers["boundary"]
    assert county.name == "XZQ (dissolved)" and county.gdf["XZQDM"].tolist() == ["230184"]
    assert any("dissolved from the 3 township features" in n for n in county.report.notes)
    from ecospace.geometry.area import areas

    assert areas(county.gdf).sum() == pytest.approx(zone_area(*COUNTY), rel=1e-9)
    assert len(layers["townships"].gdf) == 3


@QUIET
def test_wrong_user_crs_is_an_error_naming_that_layer(delivery):
    wrong = r"县界:XZQ: the given CRS EPSG:4550 .* at 123\.90–124\.31°E, .* away from every other"
    with pytest.raises(CRSError, match=wrong + r".* use --crs EPSG:4551$"):
        read_sources([str(delivery)], crs="EPSG:4550")
    # the right one is accepted, and reported as given
    layers = {lay.role: lay for lay in read_sources([str(delivery)], crs="EPSG:4551")}
    assert layers["boundary"].crs_how == "user"


@QUIET
def test_six_digit_boundary_alone_still_needs_a_crs(delivery):
    shp = delivery / "01行政区" / "县界" / "XZQ.shp"
    with pytest.raises(CRSError, match="no zone prefix"):
        read_layer(str(shp))


# ---------------------------------------------------------------- the commands on the delivery

RED_HA = sum(zone_area(*b) for b in RED) / 1e4
COUNTY_HA = zone_area(*COUNTY) / 1e4


def _plan(path, layers, *, red_ha=RED_HA):
    """A plan stating the red line's area and share as the layers hold them (2 decimals)."""
    doc = {
        "plan": "五常市国土空间总体规划（测试）",
        "region": {"name": "五常市", "code": "230184"},
        "layers": layers,
        "figures": [
            {"id": "red_area", "measure": "area", "role": "red_line", "op": ">=",
             "value": round(red_ha, 2) - 0.01, "unit": "ha"},
            {"id": "red_share", "measure": "share", "role": "red_line", "op": ">=",
             "value": round(100 * RED_HA / COUNTY_HA, 2) - 0.01, "unit": "%"},
            {"id": "pa_in_red", "measure": "outside", "role": "protected_area",
             "within": "red_line", "op": "=", "value": 0, "unit": "ha"},
        ],
    }  # fmt: skip
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@CLI_WARNING
@QUIET
def test_cli_layers_lists_the_delivery(delivery):
    res = CliRunner().invoke(cli, ["layers", str(delivery), "--lang", "en"])
    assert res.exit_code == 0, res.output
    out = res.output
    assert (
        "taken    03自然保护地/自然保护地.zip: zip of 1 shapefile; member names decoded as CP936"
        in out
    )
    assert "skipped  04三调/影像.tif: raster or image" in out
    assert "skipped  说明.docx: document" in out
    assert "自然保护地.zip:自然保护地" in out and "protected_area" in out
    assert "inferred: 6-digit easting" in out and "EPSG:4551" in out


@CLI_WARNING
@QUIET
def test_cli_wrong_crs_names_the_layer_it_misplaces(delivery):
    res = CliRunner().invoke(cli, ["layers", str(delivery), "--crs", "XZQ=EPSG:4550"])
    assert res.exit_code == 2
    assert "县界:XZQ: the given CRS EPSG:4550" in res.output
    assert "use --crs EPSG:4551" in res.output
    assert "outside county" not in res.output  # the other layers are not blamed


@CLI_WARNING
@QUIET
def test_check_on_the_delivery_folder_named_once(delivery, tmp_path):
    plan = _plan(tmp_path / "plan.yaml", [{"path": str(delivery)}])
    res = CliRunner().invoke(cli, ["check", str(plan), "--out", str(tmp_path / "out"), "--no-map",
                                   "--format", "json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    figs = {f["id"]: f for f in doc["figures"]}
    assert figs["red_area"]["measured"] == pytest.approx(RED_HA, rel=1e-9)
    assert figs["red_share"]["measured"] == pytest.approx(100 * RED_HA / COUNTY_HA, rel=1e-6)
    assert {f["status"] for f in figs.values()} == {"pass"}


@CLI_WARNING
@QUIET
def test_check_with_plan_crs_and_cli_options(delivery, tmp_path):
    shp = delivery / "01行政区" / "县界" / "XZQ.shp"
    others = [str(delivery / d) for d in ("02三区三线", "03自然保护地", "04三调")]
    # the plan gives the boundary's CRS and encoding
    plan = _plan(
        tmp_path / "plan.yaml",
        [{"path": str(shp), "crs": "EPSG:4551", "encoding": "GBK"}, *({"path": o} for o in others)],
    )
    res = CliRunner().invoke(cli, ["check", str(plan), "--out", str(tmp_path / "a"), "--no-map"])
    assert res.exit_code == 0, res.output
    # a wrong zone in the plan is an error naming the boundary
    plan = _plan(tmp_path / "wrong.yaml", [{"path": str(shp), "crs": "EPSG:4550"},
                                          *({"path": o} for o in others)])  # fmt: skip
    res = CliRunner().invoke(cli, ["check", str(plan), "--out", str(tmp_path / "b"), "--no-map"])
    assert res.exit_code == 2 and "XZQ.shp:XZQ: the given CRS EPSG:4550" in res.output
    # --layers replaces the plan's list; --role ignores a layer
    res = CliRunner().invoke(
        cli,
        ["check", str(plan), "--layers", str(delivery), "--role", "自然保护地=none",
         "--out", str(tmp_path / "c"), "--no-map", "--format", "json"],
    )  # fmt: skip
    assert res.exit_code == 1, res.output  # pa_in_red cannot be measured without the layer
    figs = {f["id"]: f["status"] for f in json.loads(res.stdout)["figures"]}
    assert figs == {"red_area": "pass", "red_share": "pass", "pa_in_red": "not measured"}


@CLI_WARNING
@QUIET
def test_areas_of_the_six_digit_boundary_with_crs(delivery):
    shp = delivery / "01行政区" / "县界" / "XZQ.shp"
    res = CliRunner().invoke(cli, ["areas", str(shp), "--crs", "EPSG:4551", "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["crs"]["id"] == "EPSG:4551" and doc["crs"]["how"] == "user"
    assert doc["union"] == pytest.approx(COUNTY_HA, rel=1e-6)


@CLI_WARNING
@QUIET
def test_stats_township_table_of_a_township_xzq_in_code_order(tmp_path):
    d = make_delivery(tmp_path, boundary=False)
    res = CliRunner().invoke(cli, ["stats", str(d), "--by-township", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = [r for r in json.loads(res.stdout)["townships"] if r["kind"] == "township"]
    by_code = sorted(TOWNS)  # 101 甲镇, 102 丙乡, 103 乙镇: not the names' code-point order
    assert [r["name"] for r in rows] == [name for _, name, _ in by_code]
    for row, (_, _, b) in zip(rows, by_code, strict=True):
        assert row["area_m2"] == pytest.approx(zone_area(*b), rel=1e-9)


@QUIET
def test_a_layer_outside_the_late_placed_county_is_reported(delivery):
    # farmland of the neighbour county, 0.5° east: the county is placed after it was read
    far = gpd.GeoDataFrame(geometry=[box(127.8, 44.9, 127.9, 45.0)], crs=4490)
    far.to_file(delivery / "02三区三线" / "JBNTBHTB.gpkg", layer="JBNTBHTB", engine="pyogrio")
    layers = {lay.role: lay for lay in read_sources([str(delivery)])}
    assert layers["boundary"].gdf.crs.to_epsg() == GK  # still placed by the townships
    farm = layers["basic_farmland"].report
    assert farm.counts["outside_boundary"] == 1
    assert farm.areas_m2["outside_boundary"] == pytest.approx(zone_area(127.8, 44.9, 127.9, 45.0))
    assert "the whole layer lies outside the county boundary: check its CRS" in farm.notes


@QUIET
def test_map_popups_give_the_fid_qgis_shows(delivery):
    import folium

    from ecospace.rendering.maps import make_map

    layers = load_layers([str(delivery)])
    m = make_map(layers)
    data = {c.layer_name: c.data for c in m._children.values() if isinstance(c, folium.GeoJson)}
    red = next(d for name, d in data.items() if name.startswith("生态保护红线"))
    # a FileGDB numbers its features from 1, as QGIS shows them
    assert sorted(f["properties"]["fid"] for f in red["features"]) == ["1", "2"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"path": "x.shp", "crs": "4551"}, r"field 'layers\.0\.crs': got '4551'; must match"),
        ({"path": "x.shp", "encoding": "GBKK"}, r"unknown encoding 'GBKK'"),
        ({"path": "x.shp", "prj": "EPSG:4551"}, r"unknown field\(s\) 'prj'"),
    ],
)
def test_plan_layer_entries_are_checked(tmp_path, entry, message):
    from ecospace import PlanError
    from ecospace.plan import load_plan

    plan = _plan(tmp_path / "p.yaml", [entry])
    with pytest.raises(PlanError, match=message):
        load_plan(plan)


def test_plan_layer_crs_and_encoding_round_trip(tmp_path):
    from ecospace.plan import dump_plan, load_plan

    entry = {"path": "县界/XZQ.shp", "role": "boundary", "crs": 4551, "encoding": "GBK"}
    plan = load_plan(_plan(tmp_path / "p.yaml", [entry]))
    (spec,) = plan.layers
    assert (spec.crs, spec.encoding) == ("EPSG:4551", "GBK")
    assert plan.layer_options() == {
        str((tmp_path / "县界/XZQ.shp").resolve()): {"crs": "EPSG:4551", "encoding": "GBK"}
    }
    dump_plan(plan, tmp_path / "again.yaml")
    assert load_plan(tmp_path / "again.yaml").layers == plan.layers


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["EPSG:4490", "EPSG:4551"], r"--crs EPSG:4551: a CRS for every layer is already given"),
        (["XZQ=EPSG:0"], r"--crs XZQ=EPSG:0: 'EPSG:0' is not a coordinate reference system"),
    ],
)
def test_crs_option_mistakes(values, message):
    from ecospace.geometry.crs import parse_crs_option

    with pytest.raises(CRSError, match=message):
        parse_crs_option(values)


@CLI_WARNING
@QUIET
def test_layers_details_name_problem_features_by_src_fid_and_bsm(tmp_path):
    patch = box(*RED[0])
    red = gpd.GeoDataFrame({"BSM": ["HX001", "HX002"]}, geometry=[patch, patch], crs=4490)
    red.to_file(tmp_path / "hx.gpkg", layer="STBHHX", engine="pyogrio")
    res = CliRunner().invoke(
        cli, ["layers", str(tmp_path / "hx.gpkg"), "--details", "--lang", "en"]
    )
    assert res.exit_code == 0, res.output
    header, row = [line.split() for line in res.stdout.splitlines() if "duplicates" in line or
                   line.strip().startswith("src_fid")][-2:]  # fmt: skip
    assert header[:3] == ["src_fid", "BSM", "fid"]
    # the second feature: GeoPackage FID 2, row 1
    assert row[:4] == ["2", "HX002", "1", "duplicates"]
    doc = json.loads(
        CliRunner().invoke(cli, ["layers", str(tmp_path / "hx.gpkg"), "--format", "json"]).stdout
    )
    (feature,) = doc[0]["problems"]["features"]
    assert doc[0]["id_field"] == "BSM" and (feature["src_fid"], feature["id"]) == (2, "HX002")


@pytest.mark.parametrize(
    ("codes", "role"),
    [
        (["230184", "230184"], "boundary"),  # a county with an exclave: two features, one code
        (["230184100", "230184101"], "townships"),
        (["230184100001", "230184101001"], "townships"),  # 12-digit township codes (三调)
    ],
)
def test_xzq_level_from_its_codes(tmp_path, codes, role):
    g = gpd.GeoDataFrame(
        {"XZQDM": codes}, geometry=[box(*TOWNS[0][2]), box(*TOWNS[1][2])], crs=4490
    )
    g.to_file(tmp_path / "x.gpkg", layer="XZQ", engine="pyogrio")
    assert read_layer(str(tmp_path / "x.gpkg")).role == role


@CLI_WARNING
@QUIET
def test_map_takes_crs_and_role(delivery, tmp_path):
    out = tmp_path / "m.html"
    shp = delivery / "01行政区" / "县界" / "XZQ.shp"
    pa = "\\u9752\\u5c71"  # 青山(自然保护区), the protected area's name in the page's JSON
    res = CliRunner().invoke(
        cli, ["map", str(delivery), "-o", str(out), "--crs", f"{shp}=EPSG:4551"]
    )
    assert res.exit_code == 0, res.output
    assert pa in out.read_text(encoding="utf-8")
    res = CliRunner().invoke(
        cli,
        ["map", str(delivery), "-o", str(out), "--overwrite", "--role", "自然保护地=none"],
    )
    assert res.exit_code == 0, res.output
    assert pa not in out.read_text(encoding="utf-8")
    # "XZQ" names both XZQ layers: the townships' own EPSG:4490 is overridden, and refused
    res = CliRunner().invoke(
        cli, ["map", str(delivery), "-o", str(out), "--overwrite", "--crs", "XZQ=EPSG:4551"]
    )
    assert res.exit_code == 2
    assert (
        "三调.gpkg:XZQ: the given CRS EPSG:4551" in res.output
        and "use --crs EPSG:4490" in res.output
    )


@QUIET
def test_a_zipped_filegdb_with_a_cp936_folder_name(delivery, tmp_path):
    gdb = delivery / "02三区三线" / "三区三线.gdb"
    (tmp_path / "zipped").mkdir()
    z = tmp_path / "zipped" / "三区三线成果.zip"
    with zipfile.ZipFile(z, "w") as out:
        for f in sorted(gdb.iterdir()):
            out.writestr(_CP936Name(f"成果/三区三线.gdb/{f.name}"), f.read_bytes())
    (found,) = search_sources([str(tmp_path / "zipped")])
    assert found.taken and found.what == "zip of a FileGDB or GeoPackage"
    assert found.flags == ("member names decoded as CP936 (no UTF-8 flag)",)
    (red,) = read_sources([str(z)])
    assert (red.name, red.role) == ("生态保护红线", "red_line")
    assert sorted(red.gdf["BSM"]) == ["HX001", "HX002"]
    from ecospace.geometry.area import areas

    assert areas(red.gdf).sum() == pytest.approx(sum(zone_area(*b) for b in RED), rel=1e-9)


@QUIET
def test_map_conflict_popups_give_both_fids_qgis_shows(delivery):
    import folium

    from ecospace.measuring.county import County
    from ecospace.rendering.maps import make_map

    # farmland over the second red-line patch (FileGDB FID 2); the farmland is GeoPackage FID 1
    farm = gpd.GeoDataFrame({"YJJBNTTBBH": ["F1"]}, geometry=[box(127.22, 45.0, 127.3, 45.05)],
                            crs=4490)  # fmt: skip
    farm.to_file(
        delivery / "02三区三线" / "永久基本农田.gpkg", layer="YJJBNTBHTB", engine="pyogrio"
    )
    county = County.from_inputs([str(delivery)])
    m = make_map(county.layers, conflicts=county.conflicts)
    layers = {c.layer_name: c.data for c in m._children.values() if isinstance(c, folium.GeoJson)}
    (name,) = [n for n in layers if "生态保护红线与永久基本农田" in n]
    (feature,) = layers[name]["features"]
    assert feature["properties"]["fid"] == "2 × 1"
