"""CRS inference, identification and the working CRS; expected codes checked against pyproj."""

from __future__ import annotations

import logging

import geopandas as gpd
import pyproj
import pytest
import shapely
from shapely.geometry import box

from ecospace import CRSError, GeometryError
from ecospace.crs import (
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
    res = infer_crs((480_000, 4_980_000, 560_000, 5_060_000), near=county)
    assert res.crs.to_epsg() == 4551  # county centre 127.0°E → CM 126E


@pytest.mark.parametrize(
    ("bounds", "error", "message"),
    [
        (
            (480_000, 4_980_000, 560_000, 5_060_000),
            CRSError,
            r"no zone prefix \(false easting 500 000\), so the zone is unknown; "
            r"supply it with --crs EPSG:xxxx \(e\.g\. EPSG:4529 for 3° zone 41\)",
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
    assert (res.crs.to_epsg(), res.how) == (4529, "user")
    assert "a:b: --crs EPSG:4529" in caplog.text and "overrides the file's EPSG:4530" in caplog.text


def test_resolve_user_fallback_keeps_file():
    res = resolve_crs(pyproj.CRS.from_epsg(4529), GK41, user_crs=4490, user_is_fallback=True)
    assert (res.crs.to_epsg(), res.how) == (4529, "file")
    res = resolve_crs(None, GK41, user_crs=4529, user_is_fallback=True)
    assert (res.crs.to_epsg(), res.how) == (4529, "user")


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
