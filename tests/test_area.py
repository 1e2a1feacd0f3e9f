"""Tests of ecospace.geometry.area against independent references.

References: the closed-form area of an ellipsoidal zone (lat-lon rectangles), GeographicLib
(pyproj.Geod) on densified parcels, the literal per-edge trapezoid formula of
国土调查办发〔2008〕32号 in extended precision, and hand-computed planar areas.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from _reference import CGCS2000, IAG75, KRASSOWSKY, zone_area
from shapely import MultiPolygon, Point, Polygon, box

from ecospace import CRSError, EcospaceError, FieldError, GeometryError, MethodError
from ecospace.geometry.area import (
    METHOD_LABELS,
    METHOD_SHORT,
    METHODS,
    AreaDistortionWarning,
    areas,
    compare_area_field,
    method_label,
    series_coefficients,
    total_area,
)


def official_trapezoids(coords, ellipsoid=CGCS2000):
    """The 2008 formula edge by edge, as printed, in extended precision (reference)."""
    ld = np.longdouble
    a, rf = ld(ellipsoid[0]), ld(ellipsoid[1])
    b = a * (1 - 1 / rf)
    e2 = (a * a - b * b) / (a * a)
    A = 1 + ld(3) / 6 * e2 + ld(30) / 80 * e2**2 + ld(35) / 112 * e2**3 + ld(630) / 2304 * e2**4
    B = ld(1) / 6 * e2 + ld(15) / 80 * e2**2 + ld(21) / 112 * e2**3 + ld(420) / 2304 * e2**4
    C = ld(3) / 80 * e2**2 + ld(7) / 112 * e2**3 + ld(180) / 2304 * e2**4
    D = ld(1) / 112 * e2**3 + ld(45) / 2304 * e2**4
    E = ld(5) / 2304 * e2**4
    c = np.asarray(coords, dtype=ld)
    rad = ld(np.pi) / 180
    L, phi = c[:, 0] * rad, c[:, 1] * rad
    dB = phi[1:] - phi[:-1]
    Bm = (phi[1:] + phi[:-1]) / 2
    dL = (L[1:] + L[:-1]) / 2 - L[0]
    s = (
        2
        * b
        * b
        * dL
        * (
            A * np.sin(dB / 2) * np.cos(Bm)
            - B * np.sin(3 * dB / 2) * np.cos(3 * Bm)
            + C * np.sin(5 * dB / 2) * np.cos(5 * Bm)
            - D * np.sin(7 * dB / 2) * np.cos(7 * Bm)
            + E * np.sin(9 * dB / 2) * np.cos(9 * Bm)
        )
    )
    return float(abs(s.sum()))


GEOD = pyproj.Geod(a=CGCS2000[0], rf=CGCS2000[1])


# ---------------------------------------------------------------- ellipsoid: closed form
@pytest.mark.parametrize("lat", [0, 30, 45, 60, 80, -45])
@pytest.mark.parametrize("size", [0.001, 0.1, 1.0, 5.0])
def test_rectangle_matches_zone_closed_form(lat, size):
    rect = box(118.0, lat, 118.0 + size, lat + size)
    got = areas([rect], crs=4490)[0]
    assert got == pytest.approx(zone_area(118.0, lat, 118.0 + size, lat + size), rel=1e-10)


@pytest.mark.parametrize("lat", [0, 45, 80])
def test_wide_rectangle_matches_closed_form(lat):
    rect = box(73.0, lat, 135.0, lat + 0.5)  # all of China's longitudes
    assert areas([rect], crs=4490)[0] == pytest.approx(
        zone_area(73.0, lat, 135.0, lat + 0.5), rel=1e-10
    )


def test_hemisphere_quadrant():
    quadrant = box(0, 0, 90, 90)
    assert areas([quadrant], crs=4490)[0] == pytest.approx(zone_area(0, 0, 90, 90), rel=1e-10)


def test_xian80_uses_iag75_ellipsoid():
    rect = box(110, 30, 111, 31)
    got = areas([rect], crs=4610)[0]
    assert got == pytest.approx(zone_area(110, 30, 111, 31, IAG75), rel=1e-10)
    # and differs from CGCS2000 by more than the tolerance (a real ellipsoid change)
    assert abs(got / zone_area(110, 30, 111, 31) - 1) > 1e-7


def test_beijing54_uses_krassowsky_ellipsoid():
    rect = box(110, 30, 110.5, 30.5)
    assert areas([rect], crs=4214)[0] == pytest.approx(
        zone_area(110, 30, 110.5, 30.5, KRASSOWSKY), rel=1e-10
    )


def test_xian80_gauss_kruger_zone_inverse_projects_on_iag75():
    # EPSG:2360 = Xian 1980 / 3-degree GK zone 36 (CM 108°E, false easting 36 500 000)
    rect = shapely.segmentize(box(107.9, 34.0, 108.1, 34.2), 0.0005)
    to_gk = pyproj.Transformer.from_crs(4610, 2360, always_xy=True)
    gk = shapely.transform(rect, lambda c: np.column_stack(to_gk.transform(c[:, 0], c[:, 1])))
    assert areas([gk], crs=2360)[0] == pytest.approx(
        zone_area(107.9, 34.0, 108.1, 34.2, IAG75), rel=1e-9
    )


# ---------------------------------------------------------------- ellipsoid: other checks
def test_matches_literal_official_formula_on_random_polygons():
    rng = np.random.default_rng(3)
    for _ in range(20):
        lon, lat = rng.uniform(74, 134), rng.uniform(18, 53)
        size = 10 ** rng.uniform(-5, 0)  # 1 m to 100 km
        pts = rng.uniform(0, size, (9, 2)) + np.array([lon, lat])
        poly = shapely.convex_hull(shapely.multipoints(pts))
        got = areas([poly], crs=4490)[0]
        assert got == pytest.approx(official_trapezoids(poly.exterior.coords), rel=1e-12)


def test_matches_geographiclib_on_random_small_parcels():
    rng = np.random.default_rng(7)
    parcels = []
    for _ in range(25):
        lon, lat = rng.uniform(74, 134), rng.uniform(18, 53)
        size = rng.uniform(0.005, 0.02)  # 0.5–2 km
        pts = rng.uniform(0, size, (7, 2)) + np.array([lon, lat])
        # densify so both methods measure the same shape (edges: straight vs geodesic)
        parcels.append(shapely.segmentize(shapely.convex_hull(shapely.multipoints(pts)), 1e-4))
    got = areas(parcels, crs=4490)
    ref = np.array([abs(GEOD.geometry_area_perimeter(p)[0]) for p in parcels])
    np.testing.assert_allclose(got, ref, rtol=1e-8)


def test_polygon_with_holes():
    outer = box(120.0, 40.0, 120.2, 40.2)
    holes = [box(120.05, 40.05, 120.08, 40.08), box(120.1, 40.1, 120.15, 40.12)]
    poly = Polygon(outer.exterior.coords, [h.exterior.coords for h in holes])
    expected = (
        zone_area(120.0, 40.0, 120.2, 40.2)
        - zone_area(120.05, 40.05, 120.08, 40.08)
        - zone_area(120.1, 40.1, 120.15, 40.12)
    )
    assert areas([poly], crs=4490)[0] == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("method", ["ellipsoid", "geodesic", "planar"])
def test_orientation_does_not_matter(method):
    ring = shapely.segmentize(box(123.0, 45.0, 123.01, 45.02), 0.002)
    hole = box(123.002, 45.002, 123.004, 45.004)
    ccw = Polygon(ring.exterior.coords, [hole.exterior.coords[::-1]])  # exterior CCW, hole CW
    cw = Polygon(ring.exterior.coords[::-1], [hole.exterior.coords])
    same = Polygon(ring.exterior.coords, [hole.exterior.coords])  # both CCW
    kw = {"planar_crs": 4529} if method == "planar" else {}
    a = areas([ccw, cw, same], crs=4490, method=method, **kw)
    assert a[0] > 0
    np.testing.assert_allclose(a, a[0], rtol=1e-12)


def test_multipolygon_is_sum_of_parts():
    mp = MultiPolygon([box(100, 20, 100.5, 20.5), box(101, 25, 101.2, 25.1)])
    expected = zone_area(100, 20, 100.5, 20.5) + zone_area(101, 25, 101.2, 25.1)
    assert areas([mp], crs=4490)[0] == pytest.approx(expected, rel=1e-10)


def test_collection_counts_polygonal_parts_only():
    gc = shapely.GeometryCollection(
        [
            MultiPolygon([box(100, 20, 100.5, 20.5)]),
            Point(1, 1),
            shapely.LineString([(0, 0), (1, 1)]),
        ]
    )
    assert areas([gc], crs=4490)[0] == pytest.approx(zone_area(100, 20, 100.5, 20.5), rel=1e-10)


@pytest.mark.parametrize("method", METHODS)
def test_none_empty_and_non_polygons_are_zero(method):
    geoms = [None, Polygon(), Point(41500000, 5e6), shapely.from_wkt("MULTIPOLYGON EMPTY")]
    np.testing.assert_array_equal(areas(geoms, crs=4529, method=method), [0, 0, 0, 0])


def test_empty_input():
    assert areas([], crs=4490).shape == (0,)
    assert total_area([], crs=4490) == 0.0


def test_same_parcel_in_geographic_and_gauss_kruger_zones():
    # a ~300 m parcel near 123°E, 45°N, densified to ~2 m, given in three CRSs by
    # transforming its vertices exactly (pyproj here, not ecospace)
    parcel = shapely.segmentize(
        Polygon([(123.001, 45.001), (123.004, 45.0012), (123.0035, 45.0031), (123.0008, 45.0027)]),
        2e-5,
    )
    xy = shapely.get_coordinates(parcel)
    shapes = {4490: parcel}
    for epsg in (4529, 4550):  # zone 41 with prefix, CM 123°E without prefix
        t = pyproj.Transformer.from_crs(4490, epsg, always_xy=True)
        shapes[epsg] = Polygon(np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
    assert shapes[4529].bounds[0] > 41_000_000 > shapes[4550].bounds[0]
    got = {epsg: areas([g], crs=epsg)[0] for epsg, g in shapes.items()}
    ref = abs(GEOD.geometry_area_perimeter(parcel)[0])
    for value in got.values():
        assert value == pytest.approx(ref, rel=1e-8)  # series vs geodesics, 2 m edges
        # the same vertices (to PROJ's round-trip accuracy): the same area
        assert value == pytest.approx(got[4490], rel=1e-10)


def test_web_mercator_data_is_measured_on_wgs84_ellipsoid():
    rect = box(116.0, 39.0, 116.1, 39.1)
    t = pyproj.Transformer.from_crs(4326, 3857, always_xy=True)
    merc = shapely.transform(rect, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))
    wgs84 = (6378137.0, 298.257223563)
    assert areas([merc], crs=3857)[0] == pytest.approx(
        zone_area(116.0, 39.0, 116.1, 39.1, wgs84), rel=1e-9
    )


# ---------------------------------------------------------------- geodesic
def test_geodesic_equals_geographiclib_with_holes_and_parts():
    outer = shapely.segmentize(box(110.0, 30.0, 110.3, 30.2), 0.05)
    hole = box(110.1, 30.05, 110.2, 30.1)
    poly = Polygon(outer.exterior.coords, [hole.exterior.coords])
    mp = MultiPolygon([poly, box(111, 31, 111.1, 31.1)])
    ref = (
        abs(GEOD.geometry_area_perimeter(outer)[0])
        - abs(GEOD.geometry_area_perimeter(hole)[0])
        + abs(GEOD.geometry_area_perimeter(box(111, 31, 111.1, 31.1))[0])
    )
    assert areas([mp], crs=4490, method="geodesic")[0] == pytest.approx(ref, rel=1e-12)


def test_geodesic_from_gauss_kruger():
    rect = box(123.0, 45.0, 123.01, 45.01)
    t = pyproj.Transformer.from_crs(4490, 4529, always_xy=True)
    gk = shapely.transform(rect, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))
    ref = abs(GEOD.geometry_area_perimeter(rect)[0])
    assert areas([gk], crs=4529, method="geodesic")[0] == pytest.approx(ref, rel=1e-9)


# ---------------------------------------------------------------- planar
@pytest.mark.parametrize(
    ("geom", "expected"),
    [
        (box(41500000, 5000000, 41500100, 5000100), 10000.0),
        (Polygon([(41500000, 5e6), (41500300, 5e6), (41500000, 5e6 + 200)]), 30000.0),
        # L shape: 30×10 + 10×20
        (
            Polygon(
                [
                    (41500000, 5e6),
                    (41500030, 5e6),
                    (41500030, 5e6 + 10),
                    (41500010, 5e6 + 10),
                    (41500010, 5e6 + 30),
                    (41500000, 5e6 + 30),
                ]
            ),
            500.0,
        ),
        (
            box(41500000, 5e6, 41500100, 5e6 + 100).difference(
                box(41500010, 5e6 + 10, 41500030, 5e6 + 30)
            ),
            9600.0,
        ),
    ],
)
def test_planar_hand_computed(geom, expected):
    assert areas([geom], crs=4529, method="planar")[0] == pytest.approx(expected, rel=1e-12)


def test_planar_in_named_crs():
    # a 100 m GK square sent to 4490 (densified) and measured back in 4529
    sq = shapely.segmentize(box(41500000, 5000000, 41500100, 5000100), 1.0)
    t = pyproj.Transformer.from_crs(4529, 4490, always_xy=True)
    geo = shapely.transform(sq, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))
    assert areas([geo], crs=4490, method="planar", planar_crs=4529)[0] == pytest.approx(
        10000.0, rel=1e-9
    )


def test_planar_refuses_geographic_crs():
    with pytest.raises(MethodError, match=r"square degrees.*EPSG:45"):
        areas([box(120, 30, 121, 31)], crs=4490, method="planar")


@pytest.mark.parametrize("crs", [3857, "ESRI:102100", 3395, 3785])
def test_planar_refuses_mercator(crs):
    with pytest.raises(MethodError, match=r"Mercator.*1/cos².*method='ellipsoid'"):
        areas([box(0, 0, 1, 1)], crs=4326, method="planar", planar_crs=crs)


US_FOOT = 1200 / 3937  # metres per US survey foot, by definition


def test_planar_area_in_feet_is_converted_to_square_metres():
    # EPSG:2263 (NY Long Island) has US survey feet on its axes: a 1000 ft square
    x, y = 985_000.0, 200_000.0
    sq = box(x, y, x + 1000, y + 1000)
    assert areas([sq], crs=2263, method="planar")[0] == pytest.approx(1e6 * US_FOOT**2, rel=1e-12)
    # a lon/lat box measured in 2263 agrees with GeographicLib (LCC area scale ≈ 1 − 3e-6)
    rect = shapely.segmentize(box(-74, 40.7, -73.99, 40.71), 1e-4)
    ref = abs(pyproj.Geod(ellps="GRS80").geometry_area_perimeter(rect)[0])
    got = areas([rect], crs=4326, method="planar", planar_crs=2263)[0]
    assert got == pytest.approx(ref, rel=1e-5)


def test_planar_in_equidistant_cylindrical_warns_with_the_distortion():
    rect = shapely.segmentize(box(-74, 40.7, -73.99, 40.71), 1e-4)
    ref = abs(pyproj.Geod(ellps="WGS84").geometry_area_perimeter(rect)[0])
    with pytest.warns(
        AreaDistortionWarning,
        match=r"'WGS 84 / World Equidistant Cylindrical' \(Equidistant Cylindrical projection, "
        r"not equal-area\).*off by about 3[12]\.\d%.*method='ellipsoid'",
    ):
        got = areas([rect], crs=4326, method="planar", planar_crs=4087)[0]
    # PROJ's eqc applies the spherical formulas x = aλ, y = aφ to ellipsoidal λ, φ: the
    # area scale is a/(N cos φ) · a/M = (1 − e² sin²φ)² / ((1 − e²) cos φ), ~1.32 here
    e2 = (1 / 298.257223563) * (2 - 1 / 298.257223563)
    phi = np.radians(40.705)
    scale = (1 - e2 * np.sin(phi) ** 2) ** 2 / ((1 - e2) * np.cos(phi))
    assert got / ref == pytest.approx(scale, rel=1e-5)


@pytest.mark.parametrize("planar_crs", [6933, "ESRI:102025"])  # cylindrical and Albers equal-area
def test_planar_in_equal_area_projection_is_quiet_and_right(planar_crs):
    rect = shapely.segmentize(box(100, 30, 100.1, 30.1), 1e-3)
    ref = abs(pyproj.Geod(ellps="WGS84").geometry_area_perimeter(rect)[0])
    got = areas([rect], crs=4326, method="planar", planar_crs=planar_crs)[0]  # no warning
    assert got == pytest.approx(ref, rel=1e-6)


def _central_meridian(epsg: int) -> float:
    params = {p.name: p.value for p in pyproj.CRS.from_epsg(epsg).coordinate_operation.params}
    return params["Longitude of natural origin"]


@pytest.mark.parametrize(
    ("lon", "planar_crs", "suggested"),
    [
        (124.6, 4529, 4530),  # 3° zone 41 (CM 123°E, prefixed) → zone 42
        (124.6, 4550, 4551),  # 3° CM 123°E without prefix → CM 126°E without prefix
        (126.1, 4510, 4511),  # 6° CM 123°E without prefix → CM 129°E
        (126.1, 4499, 4500),  # 6° zone 21 (prefixed) → zone 22
    ],
)
def test_planar_outside_the_zone_warns_and_names_the_right_zone(lon, planar_crs, suggested):
    rect = box(lon, 45.0, lon + 0.01, 45.01)
    far = lon + 0.01 - _central_meridian(planar_crs)
    # transverse Mercator point scale ≈ 1 + (Δλ cos φ)²/2 (1 + η²): area scale its square
    k = 1 + (np.radians(far) * np.cos(np.radians(45.0))) ** 2 / 2
    with pytest.warns(AreaDistortionWarning, match=rf"{far:.2f}° of longitude") as rec:
        got = areas([rect], crs=4490, method="planar", planar_crs=planar_crs)[0]
    message = str(rec[0].message)
    assert f"EPSG:{suggested})" in message and "method='ellipsoid'" in message
    cm = _central_meridian(suggested)
    assert f"central meridian {cm:g}°E" in message
    assert abs(lon - cm) < (1.5 if planar_crs in (4529, 4550) else 3.0)
    assert got / areas([rect], crs=4490)[0] == pytest.approx(k * k, rel=2e-4)


@pytest.mark.parametrize(("lon", "planar_crs"), [(124.48, 4529), (125.98, 4510), (121.52, 4529)])
def test_planar_inside_the_zone_is_quiet(lon, planar_crs):
    areas([box(lon, 45.0, lon + 0.01, 45.01)], crs=4490, method="planar", planar_crs=planar_crs)


def test_planar_across_a_zone_boundary_says_no_zone_fits():
    # 124.1–124.9°E straddles 124.5°E, the boundary of 3° zones 41 and 42
    with pytest.warns(AreaDistortionWarning, match=r"do not fit in one standard zone"):
        areas([box(124.1, 45, 124.9, 45.1)], crs=4490, method="planar", planar_crs=4530)


def test_planar_refuses_web_mercator_layer_crs():
    with pytest.raises(MethodError, match=r"Pseudo-Mercator.*refused"):
        areas([box(0, 0, 1, 1)], crs=3857, method="planar")


# ---------------------------------------------------------------- inputs and errors
def test_geoseries_and_geodataframe_carry_their_crs():
    gs = gpd.GeoSeries([box(120, 30, 120.1, 30.1), None], crs=4490)
    expected = [zone_area(120, 30, 120.1, 30.1), 0.0]
    np.testing.assert_allclose(areas(gs), expected, rtol=1e-10)
    np.testing.assert_allclose(areas(gpd.GeoDataFrame(geometry=gs)), expected, rtol=1e-10)
    assert total_area(gs) == pytest.approx(expected[0], rel=1e-10)


def test_single_geometry_gives_one_value():
    assert areas(box(41500000, 5e6, 41500010, 5e6 + 10), crs=4529, method="planar").tolist() == [
        100.0
    ]


def test_missing_crs():
    with pytest.raises(CRSError, match="no CRS; pass crs="):
        areas([box(0, 0, 1, 1)])


def test_unknown_crs():
    with pytest.raises(CRSError, match="not a CRS pyproj knows"):
        areas([box(0, 0, 1, 1)], crs="EPSG:999999")


def test_unknown_method():
    with pytest.raises(
        MethodError, match=r"unknown area method 'flat'.*ellipsoid, geodesic, planar"
    ):
        areas([box(0, 0, 1, 1)], crs=4490, method="flat")


def test_non_finite_coordinates():
    with np.errstate(invalid="ignore"):  # shapely warns when building it
        bad = Polygon([(120, 30), (np.nan, 30), (120.1, 30.1)])
    with pytest.raises(GeometryError, match=r"non-finite coordinates \(features \[1\]\)"):
        areas([box(120, 30, 121, 31), bad], crs=4490)


def test_coordinates_outside_projection():
    # a Gauss-Krüger easting without the zone prefix in a CRS that expects one
    with pytest.raises(GeometryError, match="outside the valid area"):
        areas([box(1e30, 1e30, 2e30, 2e30)], crs=4529)


# ---------------------------------------------------------------- labels and coefficients
def test_series_coefficients_match_domain_formula():
    a, rf = CGCS2000
    e2 = (1 / rf) * (2 - 1 / rf)
    A, B, C, D, E = series_coefficients(a, a * (1 - 1 / rf))
    assert A == pytest.approx(1 + e2 / 2 + 3 / 8 * e2**2 + 5 / 16 * e2**3 + 35 / 128 * e2**4)
    assert E == pytest.approx(5 / 2304 * e2**4)
    assert (B, C, D) == pytest.approx(
        (
            e2 / 6 + 3 / 16 * e2**2 + 3 / 16 * e2**3 + 35 / 192 * e2**4,
            3 / 80 * e2**2 + 1 / 16 * e2**3 + 5 / 64 * e2**4,
            e2**3 / 112 + 5 / 256 * e2**4,
        )
    )


def test_method_labels():
    assert set(METHOD_LABELS) == set(METHODS)
    assert "国土调查办发〔2008〕32号" in METHOD_LABELS["ellipsoid"]["zh"]
    assert method_label("ellipsoid", 2360) == "椭球面积（国土调查办发〔2008〕32号，IAG 1975椭球）"
    assert method_label("geodesic", 4490, "en") == (
        "geodesic area (GeographicLib, edges are geodesics on the CGCS2000 ellipsoid)"
    )
    assert (
        method_label("geodesic", 4490)
        == "测地线面积（GeographicLib，边为CGCS2000椭球面上的大地线）"
    )
    # the official method's name is not reused for the cross-check
    assert not METHOD_LABELS["geodesic"]["zh"].startswith("椭球面积")
    assert METHOD_SHORT["geodesic"]["zh"] == "测地线面积"
    assert set(METHOD_SHORT) == set(METHODS)
    with pytest.raises(MethodError, match="unknown area method"):
        method_label("cartesian")


@pytest.mark.parametrize(
    ("crs", "planar_crs", "lang", "expected"),
    [
        (4529, None, "en", "planar area (projected coordinates, EPSG:4529 CGCS2000 / "
         "3-degree Gauss-Kruger zone 41)"),
        (4490, 4550, "zh",
         "平面面积（投影坐标，EPSG:4550 CGCS2000 / 3-degree Gauss-Kruger CM 123E）"),
        (4490, None, "en", "planar area (projected coordinates)"),  # no projection to name
        (None, None, "zh", "平面面积（投影坐标）"),
    ],
)  # fmt: skip
def test_planar_label_names_the_projection(crs, planar_crs, lang, expected):
    assert method_label("planar", crs, lang, planar_crs=planar_crs) == expected


# ---------------------------------------------------------------- stored area fields
def _parcels():
    sq = box(41500000, 5e6, 41500100, 5e6 + 100)  # 10 000 m² planar
    return gpd.GeoDataFrame(
        {
            "fid": [0, 1, 2, 3],
            "TBMJ": [10000.0, 10000.4, 12000.0, None],
            "MJ": ["1.0", "1", "1.2", "x"],
        },
        geometry=[sq] * 4,
        crs=4529,
    )


def test_compare_area_field_m2():
    out = compare_area_field(_parcels(), "TBMJ", method="planar", tolerance_m2=1.0)
    assert out["fid"].tolist() == [2, 3]
    assert out["problem"].tolist() == ["differs", "missing"]
    assert out.loc[2, "difference_m2"] == pytest.approx(2000.0)
    assert out.loc[2, "difference_rel"] == pytest.approx(0.2)


def test_compare_area_field_ha_and_tolerances():
    out = compare_area_field(_parcels(), "MJ", unit="公顷", method="planar")
    assert out["fid"].tolist() == [2, 3]
    assert out.loc[2, "stored_m2"] == pytest.approx(12000.0)
    strict = compare_area_field(
        _parcels(), "TBMJ", method="planar", tolerance_m2=0.1, tolerance_rel=0
    )
    assert strict["fid"].tolist() == [1, 2, 3]


def test_compare_area_field_ellipsoid_against_geographiclib():
    rect = box(123.0, 45.0, 123.01, 45.01)
    stored = abs(GEOD.geometry_area_perimeter(rect)[0])
    gdf = gpd.GeoDataFrame({"TBMJ": [stored, stored * 1.01]}, geometry=[rect, rect], crs=4490)
    out = compare_area_field(gdf, "TBMJ")
    assert list(out.index) == [1]
    assert isinstance(out, pd.DataFrame)


def test_compare_area_field_refuses_a_text_field():
    gdf = _parcels().assign(HXMC=["甲", "乙", "丙", None])
    with pytest.raises(
        FieldError,
        match=r"field 'HXMC' is not numeric \(text, e.g. '甲'\); pick an area field such as TBMJ$",
    ):
        compare_area_field(gdf, "HXMC", method="planar")


def test_compare_area_field_missing_field():
    with pytest.raises(EcospaceError, match=r"no field 'XMJ'.*fields are: fid, TBMJ, MJ"):
        compare_area_field(_parcels(), "XMJ")
