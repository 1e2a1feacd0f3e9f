"""A corpus of bad inputs, each built in tmp_path: the exact error, or the warning and the counts.

Every case that reads a file runs with both engines (pyogrio and fiona).  Expected areas
come from pyproj.Geod on the CGCS2000 ellipsoid, never from ecospace.
"""

from __future__ import annotations

import logging
import math
import shutil
import struct
import warnings
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from ecospace import CRSError, GeometryError, LayerNotFoundError, LayerReadError, RoleError
from ecospace.loading.layers import load_layers, read_layer
from ecospace.loading.validate import RepairWarning, ValidationWarning

GEOD = pyproj.Geod(a=6378137.0, f=1 / 298.257222101)  # CGCS2000
TO_GK42 = pyproj.Transformer.from_crs(4490, 4530, always_xy=True)  # 3° zone 42, CM 126E
LON, LAT = 126.5, 45.0


@pytest.fixture(params=["pyogrio", "fiona"])
def engine(request):
    return request.param


def geod_area(geom_lonlat) -> float:
    """Geodesic area of a (multi)polygon in lon/lat, parts measured one by one."""
    parts = shapely.get_parts(shapely.normalize(geom_lonlat))
    return sum(abs(GEOD.geometry_area_perimeter(p)[0]) for p in parts)


def ll_box(i: int, j: int = 0, size: float = 0.01):
    """A small lon/lat square near the county (126.5°E, 45°N)."""
    x, y = LON + i * size, LAT + j * size
    return box(x, y, x + size, y + size)


def gk(geom):
    """The same vertices in Gauss–Krüger zone 42 (8-digit eastings)."""
    return shapely.transform(geom, lambda c: np.column_stack(TO_GK42.transform(c[:, 0], c[:, 1])))


def gk6(geom):
    """Gauss–Krüger zone 42 without the zone prefix (6-digit eastings)."""
    return shapely.transform(gk(geom), lambda c: c - [42_000_000, 0])


def write(gdf, path, layer=None, **kw):
    with warnings.catch_warnings():
        # writing a layer without a CRS is the point of several cases
        warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)
        gdf.to_file(path, layer=layer, engine="pyogrio", **kw)
    return path


def make_shp(tmp_path, geoms, *, name="STBHHX", crs=None, attrs=None, encoding="UTF-8", drop=()):
    folder = tmp_path / name
    folder.mkdir()
    gdf = gpd.GeoDataFrame(attrs or {"id": list(range(len(geoms)))}, geometry=geoms, crs=crs)
    write(gdf, folder / f"{name}.shp", encoding=encoding)
    for ext in drop:
        (folder / f"{name}{ext}").unlink(missing_ok=True)
    return folder / f"{name}.shp"


# ---------------------------------------------------------------- unreadable sources


def test_missing_file(tmp_path, engine):
    with pytest.raises(LayerReadError, match="no such file or folder; check the path"):
        read_layer(str(tmp_path / "nope.gpkg:STBHHX"), engine=engine)


def test_empty_file(tmp_path, engine):
    (tmp_path / "empty.gpkg").write_bytes(b"")
    with pytest.raises(LayerReadError, match=r"empty\.gpkg: the file is empty \(0 bytes\)"):
        read_layer(str(tmp_path / "empty.gpkg"), engine=engine)


def test_truncated_geopackage(tmp_path, engine):
    good = write(gpd.GeoDataFrame(geometry=[ll_box(0)], crs=4490), tmp_path / "a.gpkg", "STBHHX")
    (tmp_path / "cut.gpkg").write_bytes(good.read_bytes()[:3000])
    with pytest.raises(LayerReadError, match=r"cut\.gpkg.*cannot be read .*export it again"):
        read_layer(str(tmp_path / "cut.gpkg"), engine=engine)


def test_not_a_gis_file(tmp_path, engine):
    (tmp_path / "notes.gpkg").write_text("这不是地理数据库\n" * 50, encoding="utf-8")
    with pytest.raises(LayerReadError, match="cannot be read"):
        read_layer(str(tmp_path / "notes.gpkg"), engine=engine)


def test_shapefile_without_shx(tmp_path, engine):
    shp = make_shp(tmp_path, [gk(ll_box(0))], crs=4530, drop=(".shx",))
    with pytest.raises(LayerReadError, match=r"index STBHHX\.shx is missing; copy all parts"):
        read_layer(str(shp), engine=engine)


def test_shapefile_without_dbf(tmp_path, engine):
    shp = make_shp(tmp_path, [gk(ll_box(0))], crs=4530, drop=(".dbf",))
    with pytest.warns(ValidationWarning, match=r"no attributes \(\.dbf missing\)"):
        layer = read_layer(str(shp), engine=engine)
    assert layer.report.counts["no_attributes"] == 1
    assert len(layer.gdf) == 1 and layer.encoding is None


def test_bad_zip(tmp_path, engine):
    (tmp_path / "data.zip").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(LayerReadError, match=r"data\.zip: not a readable zip archive"):
        read_layer(str(tmp_path / "data.zip"), engine=engine)


def test_folder_without_shapefiles(tmp_path, engine):
    (tmp_path / "docs").mkdir()
    with pytest.raises(
        LayerReadError, match=r"holds no shapefiles \(\.shp\), GeoPackages or \.gdb"
    ):
        read_layer(str(tmp_path / "docs"), engine=engine)


def test_unknown_layer_lists_the_layers(tmp_path, engine):
    gpkg = tmp_path / "d.gpkg"
    write(gpd.GeoDataFrame(geometry=[ll_box(0)], crs=4490), gpkg, "STBHHX")
    write(gpd.GeoDataFrame(geometry=[ll_box(1)], crs=4490), gpkg, "ZRBHD")
    with pytest.raises(
        LayerNotFoundError, match="no layer 'CZKFBJ'; the source holds: STBHHX, ZRBHD"
    ):
        read_layer(f"{gpkg}:CZKFBJ", engine=engine)
    with pytest.raises(LayerReadError, match=r"holds 2 layers \(STBHHX, ZRBHD\); name one"):
        read_layer(str(gpkg), engine=engine)


def test_attribute_table_is_not_a_layer(tmp_path, engine):
    gpkg = tmp_path / "t.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"HXMC": ["a"]}), gpkg, layer="STBHHX_TABLE")
    with pytest.raises(GeometryError, match="has no geometry column"):
        read_layer(str(gpkg), engine=engine)


# ---------------------------------------------------------------- text encoding


def test_gbk_without_cpg(tmp_path, engine):
    attrs = {"HXMC": ["生态红线一号", "五常市"]}
    shp = make_shp(
        tmp_path,
        [gk(ll_box(0)), gk(ll_box(1))],
        crs=4530,
        attrs=attrs,
        encoding="GBK",
        drop=(".cpg",),
    )
    layer = read_layer(str(shp), engine=engine)
    assert layer.encoding == "GBK"
    assert "not UTF-8 but decodes as GBK" in layer.encoding_how
    assert layer.gdf["HXMC"].tolist() == ["生态红线一号", "五常市"]


def test_cpg_says_utf8_but_text_is_gbk(tmp_path, engine):
    shp = make_shp(
        tmp_path, [gk(ll_box(0))], crs=4530, attrs={"HXMC": ["生态红线"]}, encoding="GBK"
    )
    shp.with_suffix(".cpg").write_text("UTF-8")
    layer = read_layer(str(shp), engine=engine)
    assert layer.encoding_how == ".cpg says UTF-8 but the text is GBK: read as GBK"
    assert layer.gdf["HXMC"].tolist() == ["生态红线"]


def test_utf8_without_cpg(tmp_path, engine):
    shp = make_shp(tmp_path, [gk(ll_box(0))], crs=4530, attrs={"HXMC": ["红线"]}, drop=(".cpg",))
    layer = read_layer(str(shp), engine=engine)
    assert (layer.encoding, layer.encoding_how) == ("UTF-8", "no .cpg; text decodes as UTF-8")
    assert layer.gdf["HXMC"].tolist() == ["红线"]


def test_mojibake_field_names(tmp_path, engine):
    # 生态保护红线名称 in UTF-8 is 24 bytes: the .dbf keeps 10, cutting 护 after its first byte
    attrs = {"生态保护红线名称": ["一号"], "永久基本农田面积": [1.5]}
    with pytest.warns(RuntimeWarning, match="laundered"):
        shp = make_shp(tmp_path, [gk(ll_box(0))], crs=4530, attrs=attrs, drop=(".cpg",))
    with pytest.warns(ValidationWarning, match="mojibake field names"):
        layer = read_layer(str(shp), engine=engine)
    assert layer.report.counts["mojibake_field_names"] == 2
    assert list(layer.gdf.columns[:2]) == ["生态保", "永久基"]
    assert layer.gdf["生态保"].tolist() == ["一号"]


# ---------------------------------------------------------------- roles and geometry types


def test_wrong_role_for_layer_name(tmp_path, engine):
    gpkg = write(
        gpd.GeoDataFrame(geometry=[ll_box(0)], crs=4490), tmp_path / "d.gpkg", "YJJBNTBHTB"
    )
    with pytest.raises(RoleError, match=r"the layer name says basic_farmland .*but role red_line"):
        read_layer(f"{gpkg}:YJJBNTBHTB", role="red_line", engine=engine)


def test_unknown_role(tmp_path, engine):
    gpkg = write(gpd.GeoDataFrame(geometry=[ll_box(0)], crs=4490), tmp_path / "d.gpkg", "STBHHX")
    with pytest.raises(RoleError, match="unknown role 'redline'; roles are boundary"):
        read_layer(str(gpkg), role="redline", engine=engine)


def test_points_given_a_polygon_role(tmp_path, engine):
    pts = gpd.GeoDataFrame(geometry=[Point(LON, LAT), Point(LON + 0.1, LAT)], crs=4490)
    gpkg = write(pts, tmp_path / "p.gpkg", "sites")
    with pytest.raises(
        RoleError, match=r"role red_line \(生态保护红线\) needs polygons, .*2 Point"
    ):
        read_layer(str(gpkg), role="red_line", engine=engine)


def test_no_polygons(tmp_path, engine):
    lines = gpd.GeoDataFrame(geometry=[LineString([(LON, LAT), (LON + 0.1, LAT)])], crs=4490)
    gpkg = write(lines, tmp_path / "l.gpkg", "STBHHX")
    with pytest.raises(
        GeometryError, match=r"l\.gpkg:STBHHX: no polygons to measure \(found: 1 LineString\)"
    ):
        read_layer(str(gpkg), engine=engine)


def test_two_layers_claim_one_role(tmp_path, engine):
    gpkg = tmp_path / "d.gpkg"
    write(gpd.GeoDataFrame(geometry=[ll_box(0)], crs=4490), gpkg, "STBHHX")
    write(gpd.GeoDataFrame(geometry=[ll_box(1)], crs=4490), gpkg, "生态保护红线_2020")
    with pytest.raises(
        RoleError, match=r"two layers claim role red_line .*STBHHX and .*生态保护红线_2020"
    ):
        load_layers([str(gpkg)], engine=engine)
    kept = load_layers([str(gpkg)], roles={"生态保护红线_2020": "none"}, engine=engine)
    assert kept["red_line"].name == "STBHHX"


# ---------------------------------------------------------------- invalid geometry


def test_all_invalid_geometries(tmp_path, engine):
    flat = [Polygon([(LON, LAT), (LON + 0.01, LAT), (LON + 0.02, LAT)]) for _ in range(3)]
    gpkg = write(gpd.GeoDataFrame(geometry=flat, crs=4490), tmp_path / "f.gpkg", "STBHHX")
    with pytest.raises(
        GeometryError, match=r"every geometry is invalid and nothing polygonal is left .*3 features"
    ):
        read_layer(str(gpkg), engine=engine)


def test_bow_tie_repaired(tmp_path, engine):
    s = 0.01  # lobes side by side at the same latitudes: their signed areas cancel
    bow = Polygon([(LON, LAT), (LON + 2 * s, LAT + s), (LON + 2 * s, LAT), (LON, LAT + s)])
    gdf = gpd.GeoDataFrame(geometry=[bow, ll_box(5)], crs=4490)
    gpkg = write(gdf, tmp_path / "b.gpkg", "STBHHX")
    with pytest.warns(RepairWarning, match=r"invalid repaired 1 \(\+"):
        layer = read_layer(str(gpkg), engine=engine)
    lobes = shapely.MultiPolygon(
        [
            Polygon([(LON, LAT), (LON + s, LAT + s / 2), (LON, LAT + s)]),
            Polygon([(LON + 2 * s, LAT), (LON + s, LAT + s / 2), (LON + 2 * s, LAT + s)]),
        ]
    )
    assert layer.report.counts["invalid_repaired"] == 1
    row = layer.report.table.query("problem == 'invalid_repaired'").iloc[0]
    assert row.fid == 0 and "Self-intersection" in row.detail
    assert row.area_change_m2 == pytest.approx(geod_area(lobes), rel=1e-3)
    assert layer.gdf.geometry.iloc[0].geom_type == "MultiPolygon"


def test_spike_repaired_without_area_change(tmp_path, engine):
    x, y, s = LON, LAT, 0.01
    spike = Polygon(
        [(x, y), (x + s, y), (x + s, y + s), (x + s, y + 3 * s), (x + s, y + s), (x, y + s)]
    )
    gpkg = write(gpd.GeoDataFrame(geometry=[spike], crs=4490), tmp_path / "s.gpkg", "STBHHX")
    with pytest.warns(RepairWarning, match="invalid repaired 1"):
        layer = read_layer(str(gpkg), engine=engine)
    assert layer.gdf.geometry.iloc[0].equals(box(x, y, x + s, y + s))
    assert abs(layer.report.areas_m2["invalid_repaired"]) < 1e-6 * geod_area(
        box(x, y, x + s, y + s)
    )


def test_empty_and_null_geometries_dropped(tmp_path, engine):
    gdf = gpd.GeoDataFrame({"n": [0, 1, 2]}, geometry=[ll_box(0), None, Polygon()], crs=4490)
    gpkg = write(gdf, tmp_path / "e.gpkg", "STBHHX")
    with pytest.warns(RepairWarning, match=r"dropped 2 \(2 empty/null\)"):
        layer = read_layer(str(gpkg), engine=engine)
    assert layer.gdf["fid"].tolist() == [0]
    assert sorted(layer.report.table.query("problem == 'empty'").fid) == [1, 2]


def test_points_and_lines_mixed_in(tmp_path, engine):
    geoms = [ll_box(0), Point(LON, LAT), LineString([(LON, LAT), (LON + 1, LAT)]), ll_box(2)]
    gdf = gpd.GeoDataFrame(geometry=geoms, crs=4490)
    path = write(gdf, tmp_path / "m.geojson")
    with pytest.warns(RepairWarning, match=r"dropped 2 \(2 points/lines\)"):
        layer = read_layer(str(path), engine=engine)
    assert layer.gdf["fid"].tolist() == [0, 3]


def test_geometry_collection_reduced_to_polygons(tmp_path, engine):
    coll = shapely.GeometryCollection([ll_box(0), LineString([(LON, LAT), (LON - 1, LAT)])])
    path = write(gpd.GeoDataFrame(geometry=[coll, ll_box(3)], crs=4490), tmp_path / "c.geojson")
    with pytest.warns(RepairWarning, match="collections reduced to polygons 1"):
        layer = read_layer(str(path), engine=engine)
    assert layer.gdf.geometry.iloc[0].equals(ll_box(0))


def wkb_polygon(pts) -> bytes:
    """ISO WKB of a one-ring polygon, byte by byte (GEOS refuses to build some of these)."""
    return struct.pack("<BIII", 1, 3, 1, len(pts)) + b"".join(struct.pack("<dd", *p) for p in pts)


def write_wkb(path, layer, wkbs, crs="EPSG:4490"):
    pyogrio.raw.write(
        path,
        np.array(wkbs, dtype=object),
        [np.arange(len(wkbs))],
        ["n"],
        layer=layer,
        driver="GPKG",
        geometry_type="Polygon",
        crs=crs,
    )
    return path


def test_nan_and_inf_coordinates_dropped(tmp_path, engine):
    nan, inf = math.nan, math.inf
    wkbs = [
        shapely.to_wkb(ll_box(0)),
        wkb_polygon([(126, 45), (126.01, nan), (126.01, 45.01), (126, 45)]),
        wkb_polygon([(126, 45), (126.01, inf), (126.01, 45.01), (126, 45)]),
        wkb_polygon([(nan, nan), (126.01, nan), (126.01, 45.01), (nan, nan)]),
    ]
    gpkg = write_wkb(tmp_path / "n.gpkg", "STBHHX", wkbs)
    dropped = r"dropped 3 \(1 unreadable \(NaN rings.*\), 2 NaN/inf coordinates 0\.0 m²\)"
    with pytest.warns(RepairWarning, match=dropped):
        layer = read_layer(str(gpkg), engine=engine)
    assert layer.gdf["fid"].tolist() == [0]
    assert layer.report.counts["unreadable"] == 1


@pytest.mark.parametrize(
    ("ring", "message"),
    [
        (
            [(math.nan, 45), (126.01, math.nan), (126.01, 45.01), (126, 45)],
            r"no usable coordinates \(found: 1 null; 1 unreadable \(a ring GEOS cannot build",
        ),
        (
            [(126, 45), (126.01, math.nan), (126.01, 45.01), (126, 45)],
            r"no usable geometry left \(found: 1 Polygon\); re-export the layer",
        ),
    ],
)
def test_only_nan_coordinates(tmp_path, engine, ring, message):
    gpkg = write_wkb(tmp_path / "n.gpkg", "STBHHX", [wkb_polygon(ring)])
    with pytest.raises(GeometryError, match=message):
        read_layer(str(gpkg), engine=engine)


def test_huge_coordinates(tmp_path, engine):
    huge = box(1e15, 1e15, 1e15 + 1000, 1e15 + 1000)
    gdf = gpd.GeoDataFrame(geometry=[gk(ll_box(0)), huge], crs=4530)
    gpkg = write(gdf, tmp_path / "h.gpkg", "STBHHX")
    with pytest.raises(
        GeometryError, match=r"fid 1 have coordinates up to 1e\+15, outside any coordinate system"
    ):
        read_layer(str(gpkg), engine=engine)


def test_3d_flattened(tmp_path, engine):
    poly_z = shapely.force_3d(ll_box(0), z=120.0)
    gpkg = write(
        gpd.GeoDataFrame(geometry=[poly_z, ll_box(2)], crs=4490), tmp_path / "z.gpkg", "STBHHX"
    )
    with pytest.warns(RepairWarning, match="Z/M flattened 1"):
        layer = read_layer(str(gpkg), engine=engine)
    assert not shapely.has_z(layer.gdf.geometry.values).any()


def test_curved_filegdb(tmp_path, engine):
    # a circle of radius 1 km stored as two arcs (ISO WKB MultiSurface/CurvePolygon/CircularString)
    x0, y0, r = 42_539_000.0, 4_985_000.0, 1000.0
    pts = [(x0 - r, y0), (x0, y0 + r), (x0 + r, y0), (x0, y0 - r), (x0 - r, y0)]
    ring = struct.pack("<BII", 1, 8, len(pts)) + b"".join(struct.pack("<dd", *p) for p in pts)
    wkb = struct.pack("<BII", 1, 10, 1) + ring
    gdb = tmp_path / "三区三线.gdb"
    pyogrio.raw.write(
        gdb,
        np.array([wkb], dtype=object),
        [np.array(["一号"], dtype=object)],
        ["HXMC"],
        layer="生态保护红线",
        driver="OpenFileGDB",
        geometry_type="Polygon",
        crs="EPSG:4530",
    )
    with pytest.warns(RepairWarning, match="curves linearised 1"):
        layer = read_layer(str(gdb), engine=engine)
    assert layer.role == "red_line" and layer.report.counts["curved"] == 1
    # linearised at 0.5° per vertex: the chord polygon of 720 sides, area = n/2 r² sin(2π/n)
    n = 720
    chords = n / 2 * r * r * math.sin(2 * math.pi / n)
    assert layer.gdf.geometry.iloc[0].area == pytest.approx(chords, rel=1e-6)


# ---------------------------------------------------------------- coordinate systems


def test_no_prj_8_digit_eastings_inferred(tmp_path, engine, caplog):
    shp = make_shp(tmp_path, [gk(ll_box(0))], drop=(".prj",))
    with caplog.at_level(logging.WARNING, logger="ecospace"):
        layer = read_layer(str(shp), engine=engine)
    assert layer.gdf.crs.to_epsg() == 4530
    assert layer.crs_how == "inferred: 8-digit easting → 3° zone 42 (EPSG:4530)"
    assert "no CRS in the file; inferred: 8-digit easting" in caplog.text


def test_no_prj_6_digit_eastings_need_a_zone(tmp_path, engine):
    shp = make_shp(tmp_path, [gk6(ll_box(0))], drop=(".prj",))
    with pytest.raises(
        CRSError,
        match=r"no zone prefix .*supply it with --crs EPSG:xxxx \(3° zone without prefix: "
        r"EPSG = 4534 \+ \(CM − 75\) / 3, e\.g\. EPSG:4550 for CM 123E\)",
    ):
        read_layer(str(shp), engine=engine)
    layer = read_layer(str(shp), engine=engine, near=(126.4, 45.1))
    assert layer.gdf.crs.to_epsg() == 4551  # CGCS2000 / 3-degree Gauss-Kruger CM 126E
    assert "6-digit easting near 126.4°E" in layer.crs_how


def test_6_digit_eastings_located_by_the_county_boundary(tmp_path, engine):
    county = gpd.GeoDataFrame(geometry=[box(126.4, 44.9, 126.6, 45.1)], crs=4490)
    write(county, tmp_path / "XZQ.gpkg", "XZQ")
    shp = make_shp(tmp_path, [gk6(ll_box(0))], drop=(".prj",))
    layers = load_layers([str(shp), str(tmp_path / "XZQ.gpkg")], engine=engine)
    assert layers["red_line"].gdf.crs.to_epsg() == 4551  # county centre 126.5°E → CM 126E
    assert layers["red_line"].crs_how.startswith("inferred: 6-digit easting near 126.5°E")


def test_no_crs_degrees_inferred(tmp_path, engine):
    gpkg = write(gpd.GeoDataFrame(geometry=[ll_box(0)]), tmp_path / "d.gpkg", "STBHHX")
    layer = read_layer(str(gpkg), engine=engine)
    assert layer.gdf.crs.to_epsg() == 4490
    assert layer.crs_how == "inferred: coordinates in degrees → CGCS2000 (EPSG:4490)"


def test_swapped_lat_lon(tmp_path, engine):
    swapped = shapely.transform(ll_box(0), lambda c: c[:, ::-1])
    gpkg = write(gpd.GeoDataFrame(geometry=[swapped]), tmp_path / "s.gpkg", "STBHHX")
    with pytest.warns(RepairWarning, match="x/y swapped"):
        layer = read_layer(str(gpkg), engine=engine)
    assert "stored lat/lon (y beyond ±90) → swapped to lon/lat" in layer.crs_how
    assert layer.gdf.geometry.iloc[0].normalize().equals(ll_box(0).normalize())


def test_northing_first_gauss_kruger(tmp_path, engine):
    swapped = shapely.transform(gk(ll_box(0)), lambda c: c[:, ::-1])
    shp = make_shp(tmp_path, [swapped], drop=(".prj",))
    with pytest.warns(RepairWarning, match="x/y swapped"):
        layer = read_layer(str(shp), engine=engine)
    assert (
        layer.crs_how
        == "inferred: stored northing-first → swapped, 8-digit easting → 3° zone 42 (EPSG:4530)"
    )
    assert layer.gdf.geometry.iloc[0].bounds[0] > 42_000_000


def test_prj_contradicts_coordinates(tmp_path, engine):
    gdf = gpd.GeoDataFrame(geometry=[gk(ll_box(0))], crs=4490)  # wrong: degrees stated
    gpkg = write(gdf, tmp_path / "w.gpkg", "STBHHX")
    with pytest.raises(
        CRSError, match=r"do not fit the stated CRS EPSG:4490 .*look like EPSG:4530"
    ):
        read_layer(str(gpkg), engine=engine)


def test_two_zone_prefixes(tmp_path, engine):
    geoms = [
        box(41_500_000, 5e6, 41_501_000, 5e6 + 1000),
        box(42_500_000, 5e6, 42_501_000, 5e6 + 1000),
    ]
    shp = make_shp(tmp_path, geoms, drop=(".prj",))
    with pytest.raises(CRSError, match=r"carry two zone prefixes \(41 and 42\)"):
        read_layer(str(shp), engine=engine)


def test_unknown_custom_crs(tmp_path, engine):
    custom = pyproj.CRS.from_proj4(
        "+proj=tmerc +lat_0=0 +lon_0=126.75 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m"
    )
    shp = make_shp(tmp_path, [box(500_000, 4_984_000, 501_000, 4_985_000)], crs=custom)
    layer = read_layer(str(shp), engine=engine)
    assert layer.gdf.crs.to_epsg(min_confidence=70) is None
    assert layer.crs_how == "file: custom CRS without EPSG code (WKT kept)"


def test_esri_prj_without_epsg_code_identified(tmp_path, engine):
    shp = make_shp(tmp_path, [gk(ll_box(0))], drop=(".prj",))
    shp.with_suffix(".prj").write_text(pyproj.CRS.from_epsg(4530).to_wkt("WKT1_ESRI"))
    layer = read_layer(str(shp), engine=engine)
    assert (layer.gdf.crs.to_epsg(), layer.crs_how) == (4530, "file")


def test_mixed_crs_across_layers(tmp_path, engine):
    from ecospace.geometry.crs import to_working

    gpkg = tmp_path / "d.gpkg"
    write(gpd.GeoDataFrame(geometry=[ll_box(0, 0, 0.1)], crs=4490), gpkg, "XZQ")
    write(gpd.GeoDataFrame(geometry=[ll_box(0)], crs=4490), gpkg, "STBHHX")
    write(gpd.GeoDataFrame(geometry=[gk(ll_box(1))], crs=4530), gpkg, "YJJBNTBHTB")
    write(gpd.GeoDataFrame(geometry=[gk(ll_box(2))], crs=4530), gpkg, "CZKFBJ")
    layers = load_layers([str(gpkg)], engine=engine)
    assert {r: lay.gdf.crs.to_epsg() for r, lay in layers.items()} == {
        "boundary": 4490,
        "red_line": 4490,
        "basic_farmland": 4530,
        "urban_boundary": 4530,
    }
    work = to_working(layers)
    assert {g.crs.to_epsg() for g in work.values()} == {4530}
    assert layers["red_line"].gdf.crs.to_epsg() == 4490  # originals untouched


# ---------------------------------------------------------------- reported, not removed


def test_duplicated_features(tmp_path, engine):
    gdf = gpd.GeoDataFrame(
        geometry=[ll_box(0), ll_box(1), ll_box(0).reverse(), ll_box(0)], crs=4490
    )
    gpkg = write(gdf, tmp_path / "d.gpkg", "STBHHX")
    with pytest.warns(ValidationWarning, match=r"duplicates 2 .*a sum of areas counts them twice"):
        layer = read_layer(str(gpkg), engine=engine)
    assert len(layer.gdf) == 4  # kept
    dups = layer.report.table.query("problem == 'duplicates'")
    assert dups.fid.tolist() == [2, 3] and dups.src_fid.tolist() == [3, 4]  # GeoPackage: from 1
    assert set(dups.detail) == {"same geometry as fid 0 (src_fid 1)"}
    assert layer.report.areas_m2["duplicates"] == pytest.approx(2 * geod_area(ll_box(0)), rel=1e-6)
    assert "overlaps" not in layer.report.counts


def test_overlap_within_layer(tmp_path, engine):
    a, b = ll_box(0), shapely.affinity.translate(ll_box(0), 0.004, 0.0)
    gpkg = write(
        gpd.GeoDataFrame(geometry=[a, b, ll_box(3)], crs=4490), tmp_path / "o.gpkg", "STBHHX"
    )
    with pytest.warns(ValidationWarning, match=r"overlaps 1 \("):
        layer = read_layer(str(gpkg), engine=engine)
    expected = geod_area(a.intersection(b))
    assert layer.report.counts["overlaps"] == 1
    assert layer.report.areas_m2["overlaps"] == pytest.approx(expected, rel=1e-6)


def test_layer_entirely_outside_the_county(tmp_path, engine):
    gpkg = tmp_path / "d.gpkg"
    write(gpd.GeoDataFrame(geometry=[ll_box(0, 0, 0.1)], crs=4490), gpkg, "XZQ")
    far = [shapely.affinity.translate(ll_box(i), 3.0, 0) for i in range(2)]  # 3° east
    write(gpd.GeoDataFrame(geometry=[gk(g) for g in far], crs=4530), gpkg, "ZRBHD")
    with pytest.warns(
        ValidationWarning, match="the whole layer lies outside the county boundary: check its CRS"
    ):
        layers = load_layers([str(gpkg)], engine=engine)
    rep = layers["protected_area"].report
    assert rep.counts["outside_boundary"] == 2
    assert rep.areas_m2["outside_boundary"] == pytest.approx(sum(map(geod_area, far)), rel=1e-6)


def test_zip_of_shapefile_with_gbk(tmp_path, engine):
    shp = make_shp(
        tmp_path,
        [gk(ll_box(0))],
        name="YJJBNTBHTB",
        crs=4530,
        attrs={"DLMC": ["水田"]},
        encoding="GBK",
        drop=(".cpg",),
    )
    with zipfile.ZipFile(tmp_path / "农田.zip", "w") as z:
        for f in shp.parent.iterdir():
            z.write(f, f"交付/{f.name}")
    layer = read_layer(str(tmp_path / "农田.zip"), engine=engine)
    assert (layer.role, layer.encoding, layer.gdf["DLMC"].tolist()) == (
        "basic_farmland",
        "GBK",
        ["水田"],
    )
    shutil.rmtree(shp.parent)


# ---------------------------------------------------------------- acceptance review 45

DEMO = str(__import__("pathlib").Path(__file__).resolve().parent.parent / "layers" / "demo.gpkg")
# the demo county spans 124.10–124.93°E: across the edge of zones CM 123E / CM 126E (124.5°E)
EDGE_BOXES = [box(124.6 + 0.02 * i, 45.0, 124.61 + 0.02 * i, 45.01) for i in range(3)]


def tm_no_prefix(cm: int, ellps: str = "GRS80") -> pyproj.CRS:
    """A Gauss–Krüger zone without prefix from PROJ parameters (independent of EPSG codes)."""
    return pyproj.CRS.from_proj4(
        f"+proj=tmerc +lat_0=0 +lon_0={cm} +k=1 +x_0=500000 +y_0=0 +ellps={ellps} +units=m"
    )


def project(geoms, src, dst):
    t = pyproj.Transformer.from_crs(src, dst, always_xy=True)
    return [
        shapely.transform(g, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))
        for g in geoms
    ]


@pytest.mark.parametrize(("cm", "epsg"), [(123, 4550), (126, 4551)])
def test_6_digit_eastings_on_a_zone_edge(tmp_path, engine, cm, epsg):
    # the county's centre (124.5°E) rounds to CM 126E; the data may be in either zone
    shp = make_shp(tmp_path, project(EDGE_BOXES, 4490, tm_no_prefix(cm)), drop=(".prj",))
    layers = load_layers([str(shp), f"{DEMO}:XZQ"], engine=engine)
    red = layers["red_line"]
    assert red.gdf.crs.to_epsg() == epsg
    p = {q.name: q.value for q in pyproj.CRS.from_epsg(epsg).coordinate_operation.params}
    assert (p["Longitude of natural origin"], p["False easting"]) == (cm, 500_000)
    other = {4550: 4551, 4551: 4550}[epsg]
    assert red.crs_how == (
        f"inferred: 6-digit easting near 124.5°E → 3° Gauss–Krüger CM {cm}E (EPSG:{epsg}); "
        f"EPSG:{other} would put the data off the county"
    )
    assert "outside_boundary" not in red.report.counts
    back = red.gdf.to_crs(4490).geometry
    assert [geod_area(g) for g in back] == pytest.approx(
        [geod_area(g) for g in EDGE_BOXES], rel=1e-6
    )


def test_6_digit_eastings_off_the_county_name_the_candidates(tmp_path, engine):
    far = [shapely.affinity.translate(g, 2.0, 0) for g in EDGE_BOXES]  # 126.6°E, another county
    shp = make_shp(tmp_path, project(far, 4490, tm_no_prefix(126)), drop=(".prj",))
    with pytest.raises(
        CRSError,
        match=r"none of the zones near the county \(124\.5°E: EPSG:4550 \(3° CM 123E\), "
        r"EPSG:4551 \(3° CM 126E\)\) puts the data on it",
    ):
        load_layers([str(shp), f"{DEMO}:XZQ"], engine=engine)


def test_crs_override_of_a_file_crs(tmp_path, engine, caplog):
    # the file says zone 42 (EPSG:4530) but the eastings carry zone 41's prefix
    to41 = pyproj.Transformer.from_crs(4490, 4529, always_xy=True)
    g41 = shapely.transform(ll_box(0), lambda c: np.column_stack(to41.transform(c[:, 0], c[:, 1])))
    gpkg = write(gpd.GeoDataFrame(geometry=[g41], crs=4530), tmp_path / "z.gpkg", "STBHHX")
    with pytest.raises(
        CRSError,
        match=r"do not fit the stated CRS EPSG:4530 .*\(they look like EPSG:4529 .*\); "
        r"the \.prj/CRS is wrong — supply it with --crs EPSG:4529$",
    ):
        read_layer(str(gpkg), engine=engine)
    with caplog.at_level(logging.WARNING, logger="ecospace"):
        layer = read_layer(str(gpkg), engine=engine, crs="EPSG:4529")
    assert layer.gdf.crs.to_epsg() == 4529
    assert layer.crs_how == "user (overrides the file's EPSG:4530)"
    assert "overrides the file's EPSG:4530" in caplog.text
    assert layer.report.notes[0].endswith("(user (overrides the file's EPSG:4530))")
    assert geod_area(layer.gdf.to_crs(4490).geometry.iloc[0]) == pytest.approx(
        geod_area(ll_box(0)), rel=1e-6
    )


def test_crs_override_of_the_demo_county(engine, caplog):
    # the reviewer's case: a raw geopandas "CRS mismatch" ValueError before the fix
    with caplog.at_level(logging.WARNING, logger="ecospace"):
        layer = read_layer(f"{DEMO}:XZQ", engine=engine, crs="EPSG:2417")
    assert layer.gdf.crs.to_epsg() == 2417
    assert layer.crs_how == "user (overrides the file's EPSG:4529)"
    assert "is on the Beijing 1954 datum, not CGCS2000" in caplog.text
    file = gpd.read_file(DEMO, layer="XZQ", engine="pyogrio")
    assert shapely.get_coordinates(layer.gdf.geometry.values) == pytest.approx(
        shapely.get_coordinates(file.geometry.values)
    )  # same numbers, only the CRS changed
    with pytest.raises(CRSError, match=r"do not fit the given CRS EPSG:4530 .*the --crs is wrong"):
        read_layer(f"{DEMO}:XZQ", engine=engine, crs="EPSG:4530")


@pytest.mark.parametrize(
    ("prj", "datum"),
    [
        (pyproj.CRS.from_epsg(2417).to_wkt("WKT1_ESRI"), "Beijing 1954"),
        (pyproj.CRS.from_epsg(2383).to_wkt("WKT1_ESRI"), "Xian 1980"),
    ],
)
def test_old_datum_loads_with_a_warning(tmp_path, engine, caplog, prj, datum):
    crs = pyproj.CRS.from_wkt(prj)
    geo = crs.geodetic_crs  # Beijing 1954 / Xian 1980 degrees: no datum shift involved
    lon = 123.5 if datum == "Beijing 1954" else 114.5
    boxes = [box(lon + 0.02 * i, 40.0, lon + 0.02 * i + 0.01, 40.01) for i in range(2)]
    shp = make_shp(tmp_path, project(boxes, geo, crs), drop=(".prj",))
    shp.with_suffix(".prj").write_text(prj)
    with caplog.at_level(logging.WARNING, logger="ecospace"):
        layer = read_layer(str(shp), engine=engine)
    assert layer.crs_how == "file" and layer.gdf.crs.ellipsoid.name == crs.ellipsoid.name
    assert f"is on the {datum} datum, not CGCS2000" in caplog.text
    assert "needs a datum transformation" in caplog.text
    note = [n for n in layer.report.notes if "datum" in n]
    assert len(note) == 1 and note[0].startswith(f"{describe_crs(layer.gdf.crs)} is on the {datum}")
    # areas on the layer's own ellipsoid (Krassowsky 1940 / IAG 1975), by pyproj.Geod
    e = crs.ellipsoid
    geod = pyproj.Geod(a=e.semi_major_metre, b=e.semi_minor_metre)
    expected = [abs(geod.geometry_area_perimeter(g)[0]) for g in boxes]
    from ecospace import areas

    got = areas(layer.gdf.geometry.values, layer.gdf.crs, method="ellipsoid")
    assert list(got) == pytest.approx(expected, rel=1e-8)
    # on CGCS2000's ellipsoid the same box measures differently (IAG 1975 is close: 1e-6)
    assert abs(expected[0] / geod_area(boxes[0]) - 1) > 1e-7


def describe_crs(crs):
    from ecospace.geometry.crs import describe

    return describe(crs)


# ---------------------------------------------------------------- native feature ids


def _gpkg_with_gaps(tmp_path):
    """A GeoPackage whose fids 2 and 4 were deleted (as editing in QGIS leaves it)."""
    import sqlite3

    gdf = gpd.GeoDataFrame({"n": list(range(5))}, geometry=[ll_box(i) for i in range(5)], crs=4490)
    gdf.loc[5] = [9, ll_box(0)]  # a duplicate of the first patch
    gpkg = write(gdf, tmp_path / "g.gpkg", "STBHHX")
    with sqlite3.connect(gpkg) as con:
        con.execute('DELETE FROM "STBHHX" WHERE fid IN (2, 4)')
    return gpkg


def test_src_fid_is_the_geopackage_fid(tmp_path, engine):
    gpkg = _gpkg_with_gaps(tmp_path)
    with pytest.warns(ValidationWarning, match="duplicates 1"):
        layer = read_layer(str(gpkg), engine=engine)
    native = pyogrio.read_dataframe(gpkg, fid_as_index=True)
    assert native.index.tolist() == [1, 3, 5, 6]
    assert layer.gdf["src_fid"].tolist() == [1, 3, 5, 6]
    assert layer.gdf["fid"].tolist() == [0, 1, 2, 3]  # the 0-based row, as before
    for row in layer.gdf.itertuples():
        assert row.geometry.equals(native.loc[row.src_fid].geometry)
        assert row.n == native.loc[row.src_fid, "n"]
    dup = layer.report.table.query("problem == 'duplicates'")
    assert (dup.fid.tolist(), dup.src_fid.tolist()) == ([3], [6])
    assert dup.detail.tolist() == ["same geometry as fid 0 (src_fid 1)"]


@pytest.mark.parametrize(
    ("form", "first"), [("shp", 0), ("gdb", 1), ("geojson", 0), ("parquet", 0)]
)
def test_src_fid_of_other_formats(tmp_path, engine, form, first):
    n = np.array([10, 11, 12], dtype=np.int32)  # FileGDB has no Integer64 by default
    gdf = gpd.GeoDataFrame({"n": n}, geometry=[ll_box(i) for i in range(3)], crs=4490)
    if form == "shp":
        path = make_shp(tmp_path, list(gdf.geometry), crs=4490, attrs={"n": [10, 11, 12]})
    elif form == "gdb":
        path = write(gdf, tmp_path / "d.gdb", "STBHHX", driver="OpenFileGDB")
    elif form == "geojson":
        path = write(gdf, tmp_path / "STBHHX.geojson", driver="GeoJSON")
    else:
        path = tmp_path / "STBHHX.parquet"
        gdf.to_parquet(path)
    layer = read_layer(str(path), engine=engine)
    assert layer.gdf["src_fid"].tolist() == [first, first + 1, first + 2]
    if form != "parquet":
        native = pyogrio.read_dataframe(path, fid_as_index=True)
        assert native.index.tolist() == layer.gdf["src_fid"].tolist()
        assert (native.loc[layer.gdf["src_fid"], "n"].to_numpy() == layer.gdf["n"]).all()


def test_src_fid_when_a_geometry_cannot_be_built(tmp_path, engine):
    # a NaN ring makes both engines fail; the tolerant re-read must keep the native ids
    nan = math.nan
    unbuildable = wkb_polygon([(nan, nan), (126.01, nan), (126.01, 45.01), (nan, nan)])
    gpkg = write_wkb(tmp_path / "n.gpkg", "STBHHX", [shapely.to_wkb(ll_box(0)), unbuildable])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ValidationWarning)
        layer = read_layer(str(gpkg), engine=engine)
    assert layer.gdf["src_fid"].tolist() == [1]
    dropped = layer.report.table.query("problem == 'unreadable'")
    assert dropped.src_fid.tolist() == [2]
