"""Conflicts and differing features as GeoPackage, GBK shapefiles and FileGDB, with QGIS styles."""

import sqlite3
from xml.etree import ElementTree as ET

import geopandas as gpd
import pyogrio
import pytest
from shapely import box

from ecospace.errors import EcospaceError, OutputExistsError
from ecospace.rendering.export import (
    conflict_paths,
    differing_qml,
    shapefile_field_names,
    write_conflict_files,
    write_layers,
)

# The role colours of the maps and the annex, written out here (not read from the code):
# red line #e31a1c, farmland fill #ffd700 with outline #b8860b, protected areas #1b7837.
RED = "227,26,28"
GOLD = "255,215,0"
PROTECTED_GREEN = "27,120,55"
MAGENTA, ORANGE, BLUE = "255,0,255", "255,127,0", "31,120,180"


@pytest.fixture
def conflicts():
    crs = "EPSG:4529"
    overlap = gpd.GeoDataFrame(
        {
            "a_fid": [4],
            "a_src_fid": [5],
            "a_HXMC": ["青山红线"],
            "b_fid": [0],
            "b_src_fid": [1],
            "b_YJJBNTTBBH": ["永农0001"],
            "area_m2": [100.0],
            "area_ha": [0.01],
        },
        geometry=[box(41_500_000, 5e6, 41_500_010, 5e6 + 10)],
        crs=crs,
    )
    overlap.attrs["area_method"] = "ellipsoid"
    outside = gpd.GeoDataFrame(
        {"fid": [7], "src_fid": [8], "ZRBHDMC": ["青山省级风景名胜区"], "area_m2": [400.0]},
        geometry=[box(41_500_100, 5e6, 41_500_120, 5e6 + 20)],
        crs=crs,
    )
    dup = gpd.GeoDataFrame(
        {
            "fid_a": [1],
            "fid_b": [2],
            "src_fid_a": [2],
            "src_fid_b": [3],
            "YJJBNTTBBH_a": ["甲"],
            "YJJBNTTBBH_b": ["乙"],
            "area_m2": [25.0],
        },
        geometry=[box(41_500_200, 5e6, 41_500_205, 5e6 + 5)],
        crs=crs,
    )
    return {
        "overlap_red_line__basic_farmland": overlap,
        "outside_protected_area__red_line": outside,
        "duplicate_basic_farmland": dup,
    }


def _fill_colours(qml: str) -> tuple[str, str]:
    """(fill colour, outline colour) of the SimpleFill layer, RGB part only."""
    doc = ET.fromstring(qml.split("\n", 1)[1])
    fill = doc.find(".//layer[@class='SimpleFill']")
    opts = {o.get("name"): o.get("value") for o in fill.find("Option")}
    return opts["color"].rsplit(",", 1)[0], opts["outline_color"].rsplit(",", 1)[0]


def test_shapefiles_keep_gbk_attributes_and_say_so(tmp_path, conflicts):
    out = write_conflict_files(tmp_path, conflicts)
    shp = out["conflicts_shp"]
    assert (shp / "outside_protected_area__red_line.cpg").read_text() == "GBK"
    # the .dbf bytes are GBK, not UTF-8: read them back by hand, not through the writer
    raw = (shp / "outside_protected_area__red_line.dbf").read_bytes()
    assert "青山省级风景名胜区".encode("gbk") in raw
    assert "青山省级风景名胜区".encode() not in raw
    back = pyogrio.read_dataframe(shp / "outside_protected_area__red_line.shp")
    assert back["ZRBHDMC"].tolist() == ["青山省级风景名胜区"]
    assert back["src_fid"].tolist() == [8] and back["src_row"].tolist() == [7]
    assert back.crs.to_epsg() == 4529
    # field names cut to the shapefile's 10 bytes, still unique
    over = pyogrio.read_dataframe(shp / "overlap_red_line__basic_farmland.shp")
    assert over[["a_src_fid", "b_src_fid", "a_HXMC", "b_YJJBNTTB"]].values.tolist() == [
        [5, 1, "青山红线", "永农0001"]
    ]
    dup = pyogrio.read_dataframe(shp / "duplicate_basic_farmland.shp", read_geometry=False)
    assert dup[["YJJBNTTBBH", "YJJBNTTB_1"]].values.tolist() == [["甲", "乙"]]


def test_filegdb_holds_every_conflict_layer_with_ids(tmp_path, conflicts):
    out = write_conflict_files(tmp_path, conflicts)
    gdb = out["conflicts_gdb"]
    assert gdb.name == "conflicts.gdb" and gdb.is_dir()
    assert pyogrio.read_info(gdb, layer="overlap_red_line__basic_farmland")["driver"] == (
        "OpenFileGDB"
    )
    assert sorted(pyogrio.list_layers(gdb)[:, 0]) == sorted(conflicts)
    over = pyogrio.read_dataframe(gdb, layer="overlap_red_line__basic_farmland")
    assert over[["a_src_fid", "b_YJJBNTTBBH", "method"]].values.tolist() == [
        [5, "永农0001", "ellipsoid"]
    ]
    assert over.geometry.area.tolist() == pytest.approx([100.0])


@pytest.mark.parametrize(
    ("layer", "colour"),
    [
        ("overlap_red_line__basic_farmland", MAGENTA),
        ("outside_protected_area__red_line", ORANGE),
        ("duplicate_basic_farmland", BLUE),
    ],
)
def test_every_format_carries_the_annex_colour_of_each_conflict(tmp_path, conflicts, layer, colour):
    out = write_conflict_files(tmp_path, conflicts)
    beside_shp = (out["conflicts_shp"] / f"{layer}.qml").read_text(encoding="utf-8")
    in_folder = (out["conflicts_styles"] / f"{layer}.qml").read_text(encoding="utf-8")
    with sqlite3.connect(out["conflicts"]) as db:
        (embedded, default) = db.execute(
            "SELECT styleQML, useAsDefault FROM layer_styles WHERE f_table_name = ?", (layer,)
        ).fetchone()
    db.close()
    assert default == 1
    for qml in (beside_shp, in_folder, embedded):
        assert _fill_colours(qml)[1] == colour
        doc = ET.fromstring(qml.split("\n", 1)[1])
        assert doc.tag == "qgis" and doc.find("renderer-v2").get("type") == "singleSymbol"
        hatch = doc.find(".//layer[@class='LinePatternFill']//layer[@class='SimpleLine']")
        line = {o.get("name"): o.get("value") for o in hatch.find("Option")}
        assert line["line_color"].startswith(colour)


@pytest.mark.parametrize(
    ("role", "fill", "outline"),
    [("red_line", RED, RED), ("basic_farmland", GOLD, "184,134,11")],
)
def test_role_styles_use_the_role_colours(role, fill, outline):
    assert _fill_colours(differing_qml(role)) == (fill, outline)


def test_protected_area_style_is_green_outline_over_hatch():
    qml = differing_qml("protected_area")
    assert _fill_colours(qml)[1] == PROTECTED_GREEN
    assert "LinePatternFill" in qml


def test_no_conflicts_is_a_table_saying_so_in_every_format(tmp_path):
    out = write_conflict_files(tmp_path, {}, crs="EPSG:4529")
    assert pyogrio.list_layers(out["conflicts"])[:, 0].tolist() == ["no_conflicts"]
    assert pyogrio.list_layers(out["conflicts_gdb"])[:, 0].tolist() == ["no_conflicts"]
    note = pyogrio.read_dataframe(out["conflicts_shp"] / "no_conflicts.dbf", read_geometry=False)
    assert note["note"].tolist() == ["未发现冲突图斑 no conflicts found"]


def test_existing_outputs_are_kept_without_overwrite(tmp_path, conflicts):
    write_conflict_files(tmp_path, conflicts)
    with pytest.raises(OutputExistsError, match=r"conflicts\.gpkg.*--overwrite"):
        write_conflict_files(tmp_path, conflicts)
    write_conflict_files(tmp_path, conflicts, overwrite=True)


def test_write_layers_refuses_an_unknown_format(tmp_path, conflicts):
    with pytest.raises(EcospaceError, match=r"\.kml.*\.gpkg file, a \.gdb folder"):
        write_layers(tmp_path / "x.kml", conflicts)


def test_conflict_paths_names():
    assert {k: p.name for k, p in conflict_paths("o", ["shp"]).items()} == {
        "conflicts_shp": "conflicts_shp"
    }


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["area_m2"], ["area_m2"]),
        (["difference_m2", "difference_rel"], ["diff_m2", "diff_rel"]),
        (["a_YJJBNTTBBH"], ["a_YJJBNTTB"]),
        (["名称名称名称"], ["名称名称名"]),  # 2 bytes a character in GBK: 5 characters fit
        (["ABCDEFGHIJK", "ABCDEFGHIJL"], ["ABCDEFGHIJ", "ABCDEFGH_1"]),
    ],
)
def test_shapefile_field_names(names, expected):
    assert list(shapefile_field_names(names).values()) == expected


# ----------------------------------------------------------------------------- areas --differing


@pytest.fixture
def red_line_gpkg(tmp_path):
    """Three red-line patches of 1 ha; the third's MJ says 1.5 ha (it differs by 0.5 ha)."""
    x0, y0 = 41_500_000.0, 5_000_000.0
    gdf = gpd.GeoDataFrame(
        {
            "BSM": ["HX001", "HX002", "HX003"],
            "HXMC": ["甲", "乙", "青山红线"],
            "MJ": [1.0, 1.0, 1.5],
        },
        geometry=[box(x0 + i * 200, y0, x0 + i * 200 + 100, y0 + 100) for i in range(3)],
        crs=4529,
    )
    path = tmp_path / "layers.gpkg"
    gdf.to_file(path, layer="STBHHX")
    return path


@pytest.mark.parametrize("target", ["differing", "differing.gdb", "differing.gpkg"])
def test_areas_writes_differing_features_styled_in_the_role_colour(red_line_gpkg, tmp_path, target):
    from click.testing import CliRunner

    from ecospace.cli import cli

    out = tmp_path / target
    args = ["areas", f"{red_line_gpkg}:STBHHX", "--method", "planar", "--compare-field", "MJ",
            "--field-unit", "ha", "--differing", str(out)]  # fmt: skip
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 1, res.output  # a feature differs
    if out.suffix:
        back = pyogrio.read_dataframe(out, layer="differing_MJ")
        qml = (tmp_path / f"{out.stem}_styles" / "differing_MJ.qml").read_text(encoding="utf-8")
    else:
        back = pyogrio.read_dataframe(out / "differing_MJ.shp")
        qml = (out / "differing_MJ.qml").read_text(encoding="utf-8")
        assert (out / "differing_MJ.cpg").read_text() == "GBK"
        back = back.rename(columns={"diff_m2": "difference_m2"})  # 10-byte field names
    # the third feature: GeoPackage fid 3 (QGIS), row 2; 1.5 ha stored, 100 m × 100 m computed
    assert back[["src_fid", "row", "BSM"]].values.tolist() == [[3, 2, "HX003"]]
    assert back["difference_m2"].tolist() == pytest.approx([5000.0])
    assert _fill_colours(qml)[1] == RED
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 2 and "--overwrite" in again.output


def test_areas_differing_needs_compare_field(red_line_gpkg, tmp_path):
    from click.testing import CliRunner

    from ecospace.cli import cli

    res = CliRunner().invoke(
        cli, ["areas", f"{red_line_gpkg}:STBHHX", "--differing", str(tmp_path / "d.gpkg")]
    )
    assert res.exit_code == 2 and "needs --compare-field" in res.output
