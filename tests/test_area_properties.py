"""Property tests (hypothesis) of the ellipsoidal area: additivity, invariance, degeneracy.

These hold exactly for the official trapezoid sum (up to rounding), whatever the shape:
pieces that share their cut edges add up, the sum does not depend on where a ring starts
or which way it turns, and a ring that encloses nothing has area 0.
"""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from shapely import Polygon, box

from ecospace.geometry.area import areas

settings.register_profile("ecospace_area", max_examples=60, deadline=None)
settings.load_profile("ecospace_area")

lon = st.floats(73.0, 135.0)
lat = st.floats(-60.0, 60.0)
size = st.floats(1e-4, 2.0)  # 10 m to 200 km


@st.composite
def rectangles(draw):
    x, y, w, h = draw(lon), draw(lat), draw(size), draw(size)
    return x, y, x + w, y + h


@st.composite
def convex_polygons(draw):
    """A convex polygon: the hull of random points in a small lat-lon box."""
    x, y, s = draw(lon), draw(lat), draw(size)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    pts = rng.uniform(0, s, (draw(st.integers(6, 30)), 2)) + np.array([x, y])
    hull = shapely.convex_hull(shapely.multipoints(pts))
    return hull if isinstance(hull, Polygon) else box(x, y, x + s, y + s)


def area(*geoms):
    return areas(list(geoms), crs=4490)


@given(rectangles(), st.floats(0.01, 0.99), st.booleans())
def test_rectangle_split_by_meridian_or_parallel_is_additive(rect, t, vertical):
    x1, y1, x2, y2 = rect
    if vertical:
        xm = x1 + t * (x2 - x1)
        parts = box(x1, y1, xm, y2), box(xm, y1, x2, y2)
    else:
        ym = y1 + t * (y2 - y1)
        parts = box(x1, y1, x2, ym), box(x1, ym, x2, y2)
    whole, a, b = area(box(*rect), *parts)
    assert abs(a + b - whole) <= 1e-11 * whole


@given(convex_polygons(), st.data())
def test_polygon_split_along_a_chord_is_additive(poly, data):
    ring = np.asarray(poly.exterior.coords)[:-1]
    n = len(ring)
    assume(n >= 4)  # a triangle has no chord
    i = data.draw(st.integers(0, n - 3))
    j = data.draw(st.integers(i + 2, n - 1 if i > 0 else n - 2))
    # the chord i–j cuts the convex polygon into two polygons sharing that edge
    left = Polygon(ring[i : j + 1])
    right = Polygon(np.vstack([ring[j:], ring[: i + 1]]))
    whole, a, b = area(poly, left, right)
    assert abs(a + b - whole) <= 1e-10 * whole + 1e-6


@given(convex_polygons(), st.integers(0, 1000), st.booleans())
def test_invariant_to_start_vertex_and_orientation(poly, shift, reverse):
    ring = np.asarray(poly.exterior.coords)[:-1]
    ring = np.roll(ring, shift % len(ring), axis=0)
    if reverse:
        ring = ring[::-1]
    before, after = area(poly, Polygon(ring))
    assert abs(after - before) <= 1e-10 * before + 1e-6


@given(convex_polygons(), st.booleans())
def test_hole_subtracts_in_either_orientation(poly, reverse_hole):
    inner = shapely.affinity.scale(poly, 0.5, 0.5)
    hole = np.asarray(inner.exterior.coords)
    if reverse_hole:
        hole = hole[::-1]
    with_hole = Polygon(poly.exterior.coords, [hole])
    outer, inner_area, holed = area(poly, inner, with_hole)
    assert abs(holed - (outer - inner_area)) <= 1e-10 * outer + 1e-6


@given(
    st.lists(st.tuples(lon, lat), min_size=2, max_size=12),
)
def test_ring_retracing_its_path_is_zero(points):
    # out along a path and back the same way: encloses nothing
    path = np.array(points)
    ring = np.vstack([path, path[-2::-1]])
    if len(ring) < 4:
        ring = np.vstack([ring, ring[:1]])
    (a,) = areas([shapely.polygons(ring)], crs=4490)
    # rounding only: relative to the size of the terms summed (~ the bounding box, m²)
    span = np.ptp(path, axis=0)
    assert abs(a) <= 1e-12 * (span[0] * span[1] + span.max() ** 2) * 1.24e10 + 1e-9


@given(lon, lat, st.lists(st.floats(0, 1), min_size=3, max_size=10), st.booleans())
def test_ring_along_a_meridian_or_parallel_is_zero(x, y, steps, along_meridian):
    t = np.cumsum(steps)
    pts = (
        np.column_stack([np.full_like(t, x), y + t * 10 / len(t)])
        if along_meridian
        else np.column_stack([x + t, np.full_like(t, y)])
    )
    (a,) = areas([shapely.polygons(np.vstack([pts, pts[:1]]))], crs=4490)
    assert abs(a) <= 1e-6


@given(lon, lat)
def test_repeated_point_ring_is_zero(x, y):
    (a,) = areas([Polygon([(x, y)] * 4)], crs=4490)
    assert a == 0.0
