"""Long edges keep the line their own CRS means (ecospace.geometry.area.MAX_EDGE_M, crs.reproject).

The reference is independent of the official series: the region is drawn densely (a
vertex every 0.5 m along its straight Gauss–Krüger edges), projected by PROJ into the
ellipsoidal cylindrical equal-area projection on the same ellipsoid (GRS80 = CGCS2000's
shape), where the shoelace area *is* the ellipsoidal area.
"""

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from shapely import Polygon, box

from ecospace.geometry.area import MAX_EDGE_M, areas
from ecospace.geometry.crs import reproject
from ecospace.measuring.overlap import overlap_area

GK41 = 4529  # CGCS2000 / 3-degree Gauss-Kruger zone 41, CM 123°E
X0, Y0 = 41_560_000.0, 5_000_000.0  # ~124.1°E, 45.1°N: 60 km east of the central meridian
_CEA = pyproj.Transformer.from_crs(
    GK41, "+proj=cea +lon_0=124 +lat_ts=0 +ellps=GRS80 +units=m", always_xy=True
)


def _equal_area_reference(geom) -> float:
    dense = shapely.segmentize(geom, 0.5)
    return shapely.transform(
        dense, lambda c: np.column_stack(_CEA.transform(c[:, 0], c[:, 1]))
    ).area


LONG_EDGED = {
    "rectangle 20 km × 8 km": box(X0, Y0, X0 + 20_000, Y0 + 8_000),
    "rectangle 5 km × 5 km": box(X0 - 90_000, Y0 + 30_000, X0 - 85_000, Y0 + 35_000),
    "triangle, 7 km diagonal": Polygon([(X0, Y0), (X0 + 5_000, Y0), (X0 + 5_000, Y0 + 5_000)]),
}


@pytest.mark.parametrize("name", list(LONG_EDGED))
def test_long_edged_polygon_gets_the_area_its_straight_gk_edges_bound(name):
    geom = LONG_EDGED[name]
    ref = _equal_area_reference(geom)
    got = areas([geom], crs=GK41)[0]
    assert got == pytest.approx(ref, rel=1e-9)


def test_vertices_alone_would_miss_it():
    """The test above can fail: the series fed only the 4 corners misses by ~1e-7."""
    tri = LONG_EDGED["triangle, 7 km diagonal"]
    ref = _equal_area_reference(tri)
    lonlat = pyproj.Transformer.from_crs(GK41, 4490, always_xy=True)
    corners = shapely.transform(tri, lambda c: np.column_stack(lonlat.transform(*c.T)))
    undensified = areas([corners], crs=4490)[0]  # edges straight in (B, L)
    assert abs(undensified - ref) > 1000  # m²: 5 km edges
    assert abs(undensified - ref) / ref > 1e-6


def test_pieces_of_a_feature_add_up_to_it():
    """Cut by a long diagonal and a vertical line (township edges), the pieces' areas add up."""
    feature = box(X0, Y0, X0 + 12_000, Y0 + 9_000)
    cutters = [
        Polygon([(X0 - 1, Y0 - 1), (X0 + 13_000, Y0 + 9_500), (X0 - 1, Y0 + 9_500)]),
        Polygon([(X0 - 1, Y0 - 1), (X0 + 13_000, Y0 + 9_500), (X0 + 13_000, Y0 - 1)]),
    ]
    halves = [shapely.intersection(feature, c) for c in cutters]
    pieces = []
    for h in halves:
        pieces += [
            shapely.intersection(h, box(X0 - 1, Y0 - 1, X0 + 7_000, Y0 + 9_500)),
            shapely.intersection(h, box(X0 + 7_000, Y0 - 1, X0 + 13_000, Y0 + 9_500)),
        ]
    whole = areas([feature], crs=GK41)[0]
    parts = areas(pieces, crs=GK41)
    assert parts.sum() == pytest.approx(whole, abs=1e-3)  # m²: no method residue
    for p, a in zip(pieces, parts, strict=True):
        assert a == pytest.approx(_equal_area_reference(p), rel=1e-9)


def test_short_edges_are_left_alone():
    small = box(X0, Y0, X0 + MAX_EDGE_M / 2, Y0 + MAX_EDGE_M / 2)
    assert areas([small], crs=GK41)[0] == pytest.approx(_equal_area_reference(small), rel=1e-9)


def test_reprojected_long_edges_keep_their_line():
    """A red line drawn in EPSG:4490 with 0.15° edges, overlaid in zone 41 with farmland
    drawn exactly on it: no area moves between inside and outside."""
    red = gpd.GeoDataFrame(geometry=[box(124.05, 45.0, 124.2, 45.1)], crs=4490)
    # the same region, every 0.00001° (~1 m) in (B, L), then projected: follows the true lines
    exact = shapely.segmentize(red.geometry.iloc[0], 1e-5)
    farm = gpd.GeoDataFrame(geometry=[exact], crs=4490).to_crs(GK41)
    red_gk = reproject(red, GK41)
    assert len(red_gk.geometry.iloc[0].exterior.coords) > 100
    farm_m2 = areas(farm)[0]
    assert overlap_area(red_gk, farm) == pytest.approx(farm_m2, abs=1.0)
    # the old way, two corners projected per edge, moves thousands of m²
    naive = red.to_crs(GK41)
    assert farm_m2 - overlap_area(naive, farm) > 1000
    # and the reprojected red line keeps its own area (straight edges in (B, L))
    assert areas(red_gk)[0] == pytest.approx(areas(red)[0], rel=1e-8)
