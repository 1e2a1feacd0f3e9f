"""CRS inference, identification and the working CRS; expected codes checked against pyproj."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import box

from ecospace import CRSError, GeometryError
from ecospace.geometry.crs import (
    describe,
    gk_cm_epsg,
    gk_zone_epsg,
    infer_crs,
    parse_crs,
    resolve_crs,
    to_working,
    working_crs,
)


def tm_params(epsg: int) -> dict[str, float]:
    """Central meridian and false easting of a CGCS2000 GK CRS, straight from the EPSG database."""
    op = pyproj.CRS.from_epsg(epsg).coordinate_operation
    return {p.name: p.value for p in op.params}


@pytest.mark.parametrize("zone", [25, 33, 41, 42, 45])
def test_3_degree_zone_codes(zone):
    epsg = gk_zone_epsg(zone)
    p = tm_params(epsg)
    assert p["Longitude of natural origin"] == 3 * zone
    assert p["False easting"] == zone * 1_000_000 + 500_000
    assert pyproj.CRS.from_epsg(epsg).name == f"CGCS2000 / 3-degree Gauss-Kruger zone {zone}"


@pytest.mark.parametrize("zone", [13, 18, 23])
def test_6_degree_zone_codes(zone):
    p = tm_params(gk_zone_epsg(zone))
    assert p["Longitude of natural origin"] == 6 * zone - 3
    assert p["False easting"] == zone * 1_000_000 + 500_000


@pytest.mark.parametrize("cm", [75, 99, 117, 126, 135])
def test_central_meridian_codes(cm):
    p = tm_params(gk_cm_epsg(cm))
    assert (p["Longitude of natural origin"], p["False easting"]) == (cm, 500_000)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: gk_zone_epsg(24), r"easting prefix 24 is not a CGCS2000 Gauss–Krüger zone"),
        (lambda: gk_zone_epsg(46), r"3° zones 25–45, 6° zones 13–23\); supply it with --crs"),
        (lambda: gk_cm_epsg(10.0), r"central meridian 10.0°E is outside China"),
    ],
)
def test_zone_errors(call, message):
    with pytest.raises(CRSError, match=message):
        call()


@pytest.mark.parametrize(
    ("bounds", "near", "epsg", "how", "swap"),
    [
        (
            (126.1, 44.5, 127.9, 45.4),
            None,
            4490,
            "inferred: coordinates in degrees → CGCS2000 (EPSG:4490)",
            False,
        ),
        ((44.5, 126.1, 45.4, 127.9), None, 4490, "stored lat/lon (y beyond ±90) → swapped", True),
        # lat/lon of western China: y stays below 90 but only the swapped order lies in China
        ((35.0, 80.0, 36.0, 81.0), None, 4490, "swapped to lon/lat", True),
        (
            (41_480_000, 4_980_000, 41_560_000, 5_060_000),
            None,
            4529,
            "8-digit easting → 3° zone 41 (EPSG:4529)",
            False,
        ),
        (
            (20_400_000, 3_000_000, 20_600_000, 3_100_000),
            None,
            4498,
            "8-digit easting → 6° zone 20 (EPSG:4498)",
            False,
        ),
        (
            (4_980_000, 41_480_000, 5_060_000, 41_560_000),
            None,
            4529,
            "stored northing-first → swapped, 8-digit easting → 3° zone 41",
            True,
        ),
        (
            (480_000, 4_980_000, 560_000, 5_060_000),
            (127.2, 45.0),
            4551,
            "6-digit easting near 127.2°E → 3° Gauss–Krüger CM 126E (EPSG:4551)",
            False,
        ),
        (
            (480_000, 4_980_000, 560_000, 5_060_000),
            (117.3, 39.0),
            4548,
            "CM 117E (EPSG:4548)",
            False,
        ),
    ],
)
def test_infer_crs(bounds, near, epsg, how, swap):
    res = infer_crs(bounds, near=near)
    assert res.crs.to_epsg() == epsg
    assert how in res.how and res.how.startswith("inferred:")
    assert res.swap_xy is swap


def test_infer_crs_near_a_boundary_layer():
    county = gpd.GeoDataFrame(geometry=[box(126.1, 44.5, 127.9, 45.4)], crs=4490).to_crs(4530)
    res = infer_crs((520_000, 4_980_000, 560_000, 5_020_000), near=county)
    assert res.crs.to_epsg() == 4551  # CM 126E puts it on the county, CM 129E does not
    assert res.how.endswith("EPSG:4552 would put the data off the county")


def _six_digit(lonlat_box, cm):
    """(x0, y0, x1, y1) of a lon/lat box in the no-prefix 3° zone with central meridian cm.

    The transformation is built from PROJ parameters (not an EPSG code), independently of
    ecospace's code table.
    """
    tm = pyproj.CRS.from_proj4(
        f"+proj=tmerc +lat_0=0 +lon_0={cm} +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m"
    )
    t = pyproj.Transformer.from_crs(4490, tm, always_xy=True)
    return gpd.GeoSeries([box(*lonlat_box)], crs=4490).to_crs(tm).total_bounds, t


# the demo county spans 124.10–124.93°E, across the edge of zones CM 123E and CM 126E (124.5°E)
DEMO_XZQ = "layers/demo.gpkg"


@pytest.fixture(scope="module")
def demo_county():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    return gpd.read_file(root / DEMO_XZQ, layer="XZQ", engine="pyogrio")


@pytest.mark.parametrize(
    ("lonlat", "cm"),
    [
        ((124.15, 45.0, 124.3, 45.1), 123),  # west of the zone edge, in CM 123E
        ((124.6, 45.0, 124.8, 45.1), 123),  # east of the edge, still delivered in CM 123E
        ((124.15, 45.0, 124.3, 45.1), 126),  # west of the edge, delivered in CM 126E
        ((124.6, 45.0, 124.8, 45.1), 126),
    ],
)
def test_infer_6_digit_zone_on_a_zone_edge(demo_county, lonlat, cm):
    bounds, _ = _six_digit(lonlat, cm)
    res = infer_crs(bounds, near=demo_county, label="gk6.shp:gk6")
    p = tm_params(res.crs.to_epsg())
    assert (p["Longitude of natural origin"], p["False easting"]) == (cm, 500_000)
    assert res.crs.to_epsg() == {123: 4550, 126: 4551}[cm]
    assert f"CM {cm}E (EPSG:{res.crs.to_epsg()})" in res.how


def test_infer_6_digit_zone_from_feature_centres(demo_county):
    # one stray feature far off does not spoil the fit: 1 of 40 centres off is < 5 %
    _, t = _six_digit((124.6, 45.0, 124.8, 45.1), 123)
    pts = np.array([t.transform(124.6 + i * 0.005, 45.05) for i in range(39)] + [(900_000, 5e6)])
    b = (*pts.min(axis=0), *pts.max(axis=0))
    assert infer_crs(b, near=demo_county, points=pts).crs.to_epsg() == 4550
    with pytest.raises(CRSError, match=r"none of the zones near the county"):
        infer_crs(b, near=demo_county)  # the box alone reaches far off the county


def test_infer_6_digit_zone_off_the_county(demo_county):
    bounds, _ = _six_digit((126.5, 45.0, 126.7, 45.1), 126)  # another county, 2° east
    with pytest.raises(
        CRSError,
        match=r"none of the zones near the county \(124\.5°E: EPSG:4550 \(3° CM 123E\), "
        r"EPSG:4551 \(3° CM 126E\)\) puts the data on it .*--crs EPSG:xxxx",
    ):
        infer_crs(bounds, near=demo_county, label="gk6.shp:gk6")


def test_infer_6_digit_zone_ambiguous_for_a_wide_area():
    # an area 7° wide holds the data read in CM 117E, 120E and 123E alike
    wide = gpd.GeoDataFrame(geometry=[box(117.0, 30.0, 124.0, 32.0)], crs=4490)
    bounds, _ = _six_digit((120.4, 31.0, 120.6, 31.1), 120)
    with pytest.raises(
        CRSError,
        match=r"several zones put the data on the county \(EPSG:4548 \(3° CM 117E\), "
        r"EPSG:4549 \(3° CM 120E\), EPSG:4550 \(3° CM 123E\)\), so the zone cannot be told; "
        r"supply the right one with --crs EPSG:4548 or --crs EPSG:4549 or --crs EPSG:4550$",
    ):
        infer_crs(bounds, near=wide)


def test_cm_candidates_include_6_degree_zones():
    from ecospace.geometry._zone_inference import _cm_candidates

    # 121.2°E: 3° zones CM 120E (118.5–121.5); 6° zone CM 123E (120–126) reaches it too
    got = _cm_candidates((121.2, 30.0, 121.3, 30.1))
    assert got == [(120, 4549, "3°"), (123, 4510, "6°")]
    p = tm_params(4510)
    assert (p["Longitude of natural origin"], p["False easting"]) == (123, 500_000)


@pytest.mark.parametrize(
    ("bounds", "error", "message"),
    [
        (
            (480_000, 4_980_000, 560_000, 5_060_000),
            CRSError,
            r"no zone prefix \(false easting 500 000\), so the zone is unknown; "
            r"supply it with --crs EPSG:xxxx \(3° zone without prefix: "
            r"EPSG = 4534 \+ \(CM − 75\) / 3, e\.g\. EPSG:4550 for CM 123E\)",
        ),
        ((41_999_000, 5e6, 42_001_000, 5.1e6), CRSError, r"carry two zone prefixes \(41 and 42\)"),
        ((24_100_000, 5e6, 24_200_000, 5.1e6), CRSError, r"easting prefix 24 is not a CGCS2000"),
        (
            (-5000.0, -5000.0, 5000.0, 5000.0),
            CRSError,
            r"neither degrees nor Gauss–Krüger metres; supply it with --crs",
        ),
        (
            (0.0, 0.0, 1e12, 10.0),
            GeometryError,
            r"coordinates reach 1e\+12, outside the range of any coordinate system",
        ),
    ],
)
def test_infer_crs_refuses(bounds, error, message):
    with pytest.raises(error, match=message):
        infer_crs(bounds, label="x.shp:STBHHX")


GK41 = (41_480_000, 4_980_000, 41_560_000, 5_060_000)


def test_resolve_file_crs():
    res = resolve_crs(pyproj.CRS.from_epsg(4529), GK41)
    assert (res.crs.to_epsg(), res.how, res.swap_xy) == (4529, "file", False)


def test_resolve_esri_wkt_identified():
    esri = pyproj.CRS.from_wkt(pyproj.CRS.from_epsg(4529).to_wkt("WKT1_ESRI"))
    assert resolve_crs(esri, GK41).crs.to_epsg() == 4529


def test_resolve_user_overrides_file(caplog):
    with caplog.at_level(logging.WARNING, logger="ecospace"):
        res = resolve_crs(pyproj.CRS.from_epsg(4530), GK41, user_crs="EPSG:4529", label="a:b")
    assert (res.crs.to_epsg(), res.how) == (4529, "user (overrides the file's EPSG:4530)")
    assert "a:b: --crs EPSG:4529" in caplog.text and "overrides the file's EPSG:4530" in caplog.text


def test_resolve_user_fallback_keeps_file():
    res = resolve_crs(pyproj.CRS.from_epsg(4529), GK41, user_crs=4490, user_is_fallback=True)
    assert (res.crs.to_epsg(), res.how) == (4529, "file")
    res = resolve_crs(None, GK41, user_crs=4529, user_is_fallback=True)
    assert (res.crs.to_epsg(), res.how) == (4529, "user")


def test_resolve_fallback_replaces_a_contradicted_file_crs(caplog):
    with caplog.at_level(logging.WARNING, logger="ecospace"):
        res = resolve_crs(4490, GK41, user_crs="EPSG:4529", user_is_fallback=True, label="w:w")
    assert res.crs.to_epsg() == 4529
    assert res.how == "user (file said EPSG:4490, coordinates disagree)"
    assert "w:w: the file's EPSG:4490 does not fit the coordinates" in caplog.text
    with pytest.raises(CRSError, match=r"do not fit the given CRS EPSG:4530 .*the --crs is wrong"):
        resolve_crs(4490, GK41, user_crs="EPSG:4530", user_is_fallback=True)


def test_resolve_misfit_suggests_the_code_it_looks_like():
    with pytest.raises(CRSError, match=r"the \.prj/CRS is wrong — supply it with --crs EPSG:4529$"):
        resolve_crs(4490, GK41)
    with pytest.raises(CRSError, match=r"e\.g\. EPSG:4550 for CM 123E\)$"):
        resolve_crs(4490, (480_000, 4_980_000, 560_000, 5_020_000))


@pytest.mark.parametrize(
    ("crs", "datum"),
    [
        (2417, "Beijing 1954"),
        (4214, "Beijing 1954"),
        (2383, "Xian 1980"),
        (pyproj.CRS.from_epsg(2417).to_wkt("WKT1_ESRI"), "Beijing 1954"),
        ("+proj=tmerc +lon_0=123 +x_0=41500000 +ellps=krass +units=m", "Beijing 1954"),
    ],
)
def test_datum_warning_for_old_datums(crs, datum):
    from ecospace.geometry.crs import datum_warning

    text = datum_warning(crs, "x.shp:XZQ")
    assert text.startswith("x.shp:XZQ: ") and f"is on the {datum} datum, not CGCS2000" in text
    assert "needs a datum transformation" in text


@pytest.mark.parametrize("crs", [4490, 4529, 4550, 4326])
def test_no_datum_warning_for_cgcs2000(crs):
    from ecospace.geometry.crs import datum_warning

    assert datum_warning(crs) is None


def test_resolve_geojson_default_does_not_fit():
    res = resolve_crs(pyproj.CRS.from_epsg(4326), GK41, file_crs_is_default=True)
    assert res.crs.to_epsg() == 4529
    assert res.how.endswith("(the format's default WGS 84 does not fit)")


def test_resolve_northing_first_with_stated_crs():
    swapped = (GK41[1], GK41[0], GK41[3], GK41[2])
    res = resolve_crs(pyproj.CRS.from_epsg(4529), swapped)
    assert (
        res.swap_xy
        and res.how == "file; coordinates stored northing-first → swapped to easting-first"
    )


def test_resolve_user_crs_that_does_not_fit():
    with pytest.raises(
        CRSError, match=r"do not fit the given CRS EPSG:4490 .*\(they look like EPSG:4529"
    ):
        resolve_crs(None, GK41, user_crs="EPSG:4490", label="a:b")


def test_parse_crs_rejects_nonsense():
    with pytest.raises(
        CRSError, match=r"--crs: 'EPSG:99999999' is not a coordinate reference system"
    ):
        parse_crs("EPSG:99999999")


@pytest.mark.parametrize(
    ("crs", "text"),
    [
        (4529, "EPSG:4529 CGCS2000 / 3-degree Gauss-Kruger zone 41"),
        ("EPSG:4490", "EPSG:4490 China Geodetic Coordinate System 2000"),
        ("+proj=tmerc +lon_0=126.75 +x_0=500000 +ellps=GRS80 +units=m", "custom: unknown"),
        (None, "none"),
    ],
)
def test_describe(crs, text):
    assert describe(crs) == text


def gdf(bounds, crs):
    return gpd.GeoDataFrame(geometry=[box(*bounds)], crs=crs)


def test_working_crs_most_common_projected():
    items = [
        gdf((126, 45, 126.1, 45.1), 4490),
        gdf(GK41, 4529),
        gdf(GK41, 4529),
        gdf((4e5, 5e6, 5e5, 5.1e6), 4551),
    ]
    assert working_crs(items).to_epsg() == 4529


def test_working_crs_from_geographic_data():
    # all in degrees: the 3° zone (with prefix) of the centre, 127.0°E → zone 42
    items = [gdf((126.1, 44.5, 127.9, 45.4), 4490), gdf((126.5, 45.0, 126.6, 45.1), 4490)]
    assert working_crs(items).to_epsg() == 4530


def test_working_crs_needs_coordinates_when_all_geographic():
    with pytest.raises(CRSError, match="all CRSs are geographic and no coordinates were given"):
        working_crs(["EPSG:4490", "EPSG:4326"])


def test_to_working_reprojects_copies():
    red = gdf((126.5, 45.0, 126.6, 45.1), 4490)
    farm = gdf((42_500_000, 4_990_000, 42_510_000, 5_000_000), 4530)
    out = to_working({"red_line": red, "basic_farmland": farm})
    assert out["red_line"].crs.to_epsg() == 4530 and out["basic_farmland"].crs.to_epsg() == 4530
    expected = pyproj.Transformer.from_crs(4490, 4530, always_xy=True).transform(126.5, 45.0)
    coords = shapely.get_coordinates(out["red_line"].geometry.values)
    assert min(abs(coords - expected).sum(axis=1)) < 1e-3
    assert red.crs.to_epsg() == 4490 and out["basic_farmland"] is not farm
