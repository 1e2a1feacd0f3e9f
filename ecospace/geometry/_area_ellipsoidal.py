"""Ellipsoidal areas: the official 2008 series and GeographicLib's geodesic cross-check.

:func:`ecospace.geometry.area.areas` flattens a layer to its rings; here every vertex is
taken back to geodetic latitude and longitude on the datum ellipsoid of the layer's CRS
(one transformer call), long edges drawn in a projected CRS are split first
(:data:`MAX_EDGE_M`), and each ring's area is summed by the series of
国土调查办发〔2008〕32号 (``ellipsoid``) or by :class:`pyproj.Geod` (``geodesic``).
All areas are square metres.
"""

from __future__ import annotations

import numpy as np
import pyproj
import shapely

from ecospace.errors import CRSError, GeometryError


def _ellipsoid(crs: pyproj.CRS) -> tuple[float, float]:
    """Semi-major and semi-minor axes (m) of the datum ellipsoid of ``crs``."""
    ell = crs.ellipsoid
    if ell is None:
        raise CRSError(
            f"CRS {crs.name!r} has no ellipsoid (engineering or local CRS?); "
            "areas need a geographic or projected CRS"
        )
    return ell.semi_major_metre, ell.semi_minor_metre


def series_coefficients(a: float, b: float) -> tuple[float, float, float, float, float]:
    """The coefficients A, B, C, D, E of the official ellipsoidal-area series.

    Parameters
    ----------
    a, b : float
        Semi-major and semi-minor axes of the ellipsoid in metres.

    Returns
    -------
    tuple of float
        ``(A, B, C, D, E)`` as in 国土调查办发〔2008〕32号, with ``e² = (a² − b²)/a²``.

    Examples
    --------
    >>> A, B, C, D, E = series_coefficients(6378137.0, 6378137.0)  # a sphere
    >>> (A, B, C, D, E)
    (1.0, 0.0, 0.0, 0.0, 0.0)
    """
    e2 = (a * a - b * b) / (a * a)
    e4, e6, e8 = e2 * e2, e2**3, e2**4
    return (
        1 + 3 / 6 * e2 + 30 / 80 * e4 + 35 / 112 * e6 + 630 / 2304 * e8,
        1 / 6 * e2 + 15 / 80 * e4 + 21 / 112 * e6 + 420 / 2304 * e8,
        3 / 80 * e4 + 7 / 112 * e6 + 180 / 2304 * e8,
        1 / 112 * e6 + 45 / 2304 * e8,
        5 / 2304 * e8,
    )


def _polygon_rings(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flatten to rings: (rings, feature index of each ring, True for exterior rings)."""
    parts, feature = geoms, np.arange(len(geoms))
    # collections may nest (a GeometryCollection holding a MultiPolygon): flatten fully
    while True:
        types = shapely.get_type_id(parts)
        multi = types >= 4
        if not multi.any():
            break
        sub, at = shapely.get_parts(parts[multi], return_index=True)
        parts = np.concatenate([parts[~multi], sub])
        feature = np.concatenate([feature[~multi], feature[multi][at]])
    polygons = shapely.get_type_id(parts) == 3
    parts, feature = parts[polygons], feature[polygons]
    rings, poly = shapely.get_rings(parts, return_index=True)
    exterior = np.ones(len(rings), dtype=bool)
    exterior[1:] = poly[1:] != poly[:-1]
    return rings, feature[poly], exterior


def _bad_features(bad: np.ndarray, vertex_feature: np.ndarray) -> str:
    ids = np.unique(vertex_feature[bad])
    more = f" and {len(ids) - 10} more" if len(ids) > 10 else ""
    return f"(features {ids[:10].tolist()}{more})"


_TO_DEGREES = " step proj=unitconvert xy_in=rad xy_out=deg"


def _to_radians(crs: pyproj.CRS) -> tuple[pyproj.Transformer, float]:
    """A transformer from ``crs`` to longitude/latitude on its datum, and its output unit.

    PROJ's pipeline from a projection to degrees ends in a radians → degrees step; the
    series wants radians, so that step is left out when it is the last one (about a
    quarter of the transformation's time).  Returns the unit in radians (1 or π/180).
    """
    geodetic = crs.geodetic_crs
    if geodetic is None or any(ax.unit_name != "degree" for ax in geodetic.axis_info[:2]):
        geodetic = pyproj.crs.GeographicCRS(datum=crs.datum)
    transformer = pyproj.Transformer.from_crs(crs, geodetic, always_xy=True)
    definition = transformer.definition
    if definition.startswith("proj=pipeline ") and definition.endswith(_TO_DEGREES):
        return pyproj.Transformer.from_pipeline(definition[: -len(_TO_DEGREES)]), 1.0
    return transformer, np.pi / 180.0


def _geodetic(
    xy: np.ndarray, crs: pyproj.CRS, vertex_feature: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Longitude and latitude on the datum of ``crs`` (one transformer call), and their unit.

    The unit (radians per unit: 1, or π/180 for degrees) is applied later, to differences:
    converting degrees to radians first would cost small parcels digits.
    """
    if not np.isfinite(xy.sum()):  # fast test first; the sum overflows only if one is bad
        bad = ~np.isfinite(xy).all(axis=1)
        raise GeometryError(
            f"{int(bad.sum())} vertices have non-finite coordinates "
            f"{_bad_features(bad, vertex_feature)}; repair or drop those features"
        )
    lon, lat = xy.T.copy()  # two contiguous rows, transformed in place
    if crs.is_geographic and all(ax.unit_name == "degree" for ax in crs.axis_info[:2]):
        unit = np.pi / 180.0
    else:
        transformer, unit = _to_radians(crs)
        transformer.transform(lon, lat, inplace=True, radians=unit == 1.0)
        if not np.isfinite(lon.sum() + lat.sum()):
            bad = ~(np.isfinite(lon) & np.isfinite(lat))
            raise GeometryError(
                f"{int(bad.sum())} vertices lie outside the valid area of {crs.name!r} and "
                f"cannot be converted to latitude/longitude {_bad_features(bad, vertex_feature)}; "
                "is the layer's CRS right?"
            )
    return lon, lat, unit


#: Edges longer than this (metres, in a projected CRS) are split into an even number of
#: equal parts before the official series.  The series takes an edge as a straight line
#: in latitude and longitude; an edge drawn straight in a Gauss–Krüger plane is a curve
#: there, bending with curvature κ ≈ tan B / N ≈ 1.6e-7 m⁻¹ at 45° N (2.1e-7 at 53.5° N),
#: and the lens between the two lines is κ s³ / 12 for an edge of length s: ~0.04 m² for
#: 140 m, ~1 600 m² for a 5 km edge.  Because it grows with s³, the series over the parts
#: (error E) and over every second point (error 4E) give it away, and
#: :func:`_ellipsoid_ring_areas` removes it (Richardson: fine + (fine − coarse)/3), leaving
#: a term in s⁵.  Measured at 45° N, 60 km off the central meridian against PROJ's
#: ellipsoidal equal-area projection of the densely drawn region: a 7 km diagonal left
#: in two 3.5 km parts is off by 1.4e-4 m²; with parts ≤ 500 m every shape tried is
#: within 1e-11 relative, the reference's own noise (``tests/test_long_edges.py``).
#: Edges shared by two features are split at the same points on both sides, so pieces
#: cut from a feature add up to it.
MAX_EDGE_M = 500.0


def _densify(
    xy: np.ndarray, starts: np.ndarray, counts: np.ndarray, max_len: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split every ring edge longer than ``max_len`` into an even number of equal parts.

    ``xy`` holds closed rings back to back (``starts``, ``counts``); returns the same for
    the densified rings, and a mask of the points at odd positions along a split edge
    (the middle of each pair of parts, for :func:`_ellipsoid_ring_areas`' correction).
    Points are interpolated linearly in the coordinates given, so an edge keeps the line
    it is in the CRS it is drawn in.
    """
    step = np.zeros_like(xy)
    step[:-1] = xy[1:] - xy[:-1]
    step[starts + counts - 1] = 0.0  # a ring's last vertex starts no edge
    with np.errstate(invalid="ignore"):
        half = np.ceil(np.hypot(step[:, 0], step[:, 1]) / (2 * max_len))
    # short edges stay; so do non-finite and absurd ones (> 50 000 km: _geodetic refuses them)
    half[~((half >= 1.0) & (half * max_len < 5e7))] = 0.5
    n = (2 * half).astype(np.intp)
    if not (n > 1).any():
        return xy, starts, counts, np.zeros(len(xy), dtype=bool)
    src = np.repeat(np.arange(len(xy)), n)
    k = np.arange(len(src)) - (np.cumsum(n) - n)[src]
    out = xy[src] + (k / n[src])[:, None] * step[src]
    new_counts = np.add.reduceat(n, starts)
    new_starts = np.zeros_like(starts)
    np.cumsum(new_counts[:-1], out=new_starts[1:])
    return out, new_starts, new_counts, (k % 2 == 1)


_CHUNK = 1 << 14  # vertices per block: keeps the series' temporaries in the CPU cache


def _series(
    lat: np.ndarray, lat0: np.ndarray, unit: float, coef: tuple[float, ...], out: np.ndarray
) -> None:
    """``out`` = (F(B) − F(B0)) / 2b² for latitudes ``lat`` against ``lat0`` (in ``unit`` rad)."""
    A, B, C, D, E = coef
    # sin kB − sin kB0 = 2 sin kη cos kμ, η = (B − B0)/2, μ = (B + B0)/2: no cancellation
    half = 0.5 * unit
    s1 = np.subtract(lat, lat0)
    s1 *= half
    np.sin(s1, out=s1)
    c1 = np.add(lat, lat0)
    c1 *= half
    np.cos(c1, out=c1)
    # odd multiples: sin(k+2)η = 2cos2η sin kη − sin(k−2)η, and likewise for cos kμ
    t = s1 * s1
    t *= -4.0
    t += 2.0
    u = c1 * c1
    u *= 4.0
    u -= 2.0
    # (s, c) of orders k−2, k: s_{k+2} = t s_k − s_{k−2}; the first step is s3 = (t + 1) s1
    s_prev, c_prev = s1, c1
    s_k = t + 1.0
    s_k *= s1
    c_k = u - 1.0
    c_k *= c1
    np.multiply(s1, c1, out=out)
    out *= A
    tmp = np.empty_like(out)
    for weight in (-B, C, -D, E):
        np.multiply(s_k, c_k, out=tmp)
        tmp *= weight
        out += tmp
        if weight == E:
            break
        # next order, reusing the arrays of order k−2
        np.multiply(t, s_k, out=tmp)
        tmp -= s_prev
        s_prev, s_k, tmp = s_k, tmp, s_prev
        np.multiply(u, c_k, out=tmp)
        tmp -= c_prev
        c_prev, c_k, tmp = c_k, tmp, c_prev


def _ellipsoid_ring_areas(
    lon: np.ndarray,
    lat: np.ndarray,
    unit: float,
    starts: np.ndarray,
    counts: np.ndarray,
    a: float,
    b: float,
    middle: np.ndarray | None = None,
) -> np.ndarray:
    """Unsigned area (m²) of each closed ring by the official series (angles in ``unit`` rad).

    ``middle`` marks points halfway along a pair of equal parts of a split edge (see
    :func:`_densify`).  The lens between a part drawn straight in the projected plane and
    the same part straight in (B, L) grows with the cube of its length, so the series over
    the parts (error E) and over every second point (error 8E/2 = 4E) give the edge's
    area without it: fine + (fine − coarse)/3 (Richardson), leaving O(length⁵).
    """
    coef = series_coefficients(a, b)
    n = len(lon)
    # the ring's first vertex is the reference for both latitude and longitude
    lat0 = np.repeat(lat[starts], counts)
    g = np.empty(n)
    for i in range(0, n, _CHUNK):
        _series(lat[i : i + _CHUNK], lat0[i : i + _CHUNK], unit, coef, g[i : i + _CHUNK])
    x = lon - np.repeat(lon[starts], counts)
    turn = 2 * np.pi / unit  # 360° or 2π
    if np.abs(x).max() > turn / 2:  # a ring across the antimeridian
        x = np.where(x > turn / 2, x - turn, np.where(x < -turn / 2, x + turn, x))
    terms = np.zeros(n)
    if middle is not None and middle.any():
        m = np.flatnonzero(middle)
        # the two parts' terms minus the term of the chord over both, computed before
        # ``x`` is overwritten below: (x₋ + x₊)(g₊ − g₋)
        chord = (x[m - 1] + x[m + 1]) * (g[m + 1] - g[m - 1])
    # edge term ½ΔL·ΔF with F = 2b²g: (x_i + x_{i+1})(g_{i+1} − g_i) b²
    np.add(x[:-1], x[1:], out=terms[:-1])
    np.subtract(g[1:], g[:-1], out=x[:-1])
    terms[:-1] *= x[:-1]
    terms[starts + counts - 1] = 0.0  # a ring's last vertex starts no edge
    if middle is not None and middle.any():
        terms[m] += (terms[m - 1] + terms[m] - chord) / 3.0
    return np.abs(np.add.reduceat(terms, starts)) * (b * b * unit)


def _geodesic_ring_areas(
    lon: np.ndarray,
    lat: np.ndarray,
    unit: float,
    starts: np.ndarray,
    counts: np.ndarray,
    a: float,
    b: float,
) -> np.ndarray:
    geod = pyproj.Geod(a=a, b=b)
    radians = unit == 1.0
    out = np.zeros(len(starts))
    for i, (lo, m) in enumerate(zip(starts.tolist(), counts.tolist(), strict=True)):
        # the cross-check: GeographicLib works one ring at a time
        ring = slice(lo, lo + m)
        out[i] = abs(geod.polygon_area_perimeter(lon[ring], lat[ring], radians=radians)[0])
    return out
