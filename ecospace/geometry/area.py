"""Area of polygons, the way Chinese land statistics compute it.

Three methods, always named next to the figure they produced:

``ellipsoid`` (default)
    The official 椭球面积 of 国土调查办发〔2008〕32号: every vertex is taken back to
    geodetic latitude and longitude on the datum ellipsoid of the layer's CRS (CGCS2000,
    Xian 80, Beijing 54, WGS 84 …) and the signed trapezoids between each edge and a
    reference meridian are summed.  Vectorised over all vertices of a layer.
``geodesic``
    GeographicLib through :class:`pyproj.Geod` on the same ellipsoid (edges are
    geodesics); the independent cross-check.
``planar``
    Shoelace area in a projected CRS (a Gauss–Krüger zone or an equal-area projection),
    converted to m² from the CRS's axis unit (US survey feet, …).  Refused for geographic
    CRSs and Mercator projections (Web Mercator overstates area by about 1/cos²φ); an
    :class:`AreaDistortionWarning` when the data lie outside the zone of a transverse
    Mercator CRS, or where another projection's area scale is off by more than 0.1 %.

All areas are square metres; convert with :mod:`ecospace.units` for display.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyproj
import shapely

from ecospace.errors import CRSError, FieldError, GeometryError, MethodError
from ecospace.units import UNITS, normalize_unit

__all__ = [
    "MAX_EDGE_M",
    "METHODS",
    "METHOD_LABELS",
    "METHOD_SHORT",
    "AreaDistortionWarning",
    "areas",
    "compare_area_field",
    "method_label",
    "series_coefficients",
    "total_area",
]

log = logging.getLogger("ecospace")

from ecospace.vocabulary import METHOD_LABELS, METHOD_SHORT, METHODS, Method  # noqa: E402


class AreaDistortionWarning(UserWarning):
    """Planar area taken where the projection's area scale is noticeably off 1."""


# (normal) Mercator projections: area grows like 1/cos²φ; transverse Mercator is fine
_MERCATOR_METHODS = ("pseudo mercator", "pseudo-mercator", "popular visualisation")
_WEB_MERCATOR_CODES = {3857, 3785, 900913, 102100, 102113}


def _check_method(method: str) -> str:
    if method not in METHODS:
        raise MethodError(f"unknown area method {method!r}; choose one of {', '.join(METHODS)}")
    return method


def _as_crs(crs: Any, what: str = "crs") -> pyproj.CRS:
    try:
        return pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(
            f"{what} {crs!r} is not a CRS pyproj knows; give an EPSG code such as 4490 "
            "(CGCS2000 geographic) or 4529 (CGCS2000 3° Gauss–Krüger zone 41)"
        ) from exc


def _geometry_array(geoms: Any) -> np.ndarray:
    if hasattr(geoms, "geometry") and hasattr(geoms, "columns"):  # a GeoDataFrame
        geoms = geoms.geometry
    if isinstance(geoms, shapely.Geometry):
        geoms = [geoms]
    return np.asarray(getattr(geoms, "values", geoms), dtype=object).ravel()


def _layer_crs(geoms: Any, crs: Any) -> pyproj.CRS:
    if crs is None:
        crs = getattr(geoms, "crs", None)
    if crs is None:
        raise CRSError(
            "the geometries have no CRS; pass crs= (e.g. crs=4490 for CGCS2000 "
            "longitude/latitude, crs=4529 for Gauss–Krüger zone 41 with zone prefix)"
        )
    return _as_crs(crs)


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


def _refuse_for_planar(crs: pyproj.CRS, what: str) -> None:
    if crs.is_geographic:
        raise MethodError(
            f"planar area in {what} {crs.name!r} would be in square degrees; "
            "give planar_crs= a projected CRS (e.g. the Gauss–Krüger zone EPSG:4529 for "
            "123°E, or EPSG:4513–4554 for other zones) or use method='ellipsoid'"
        )
    if not crs.is_projected:
        raise MethodError(
            f"planar area needs a projected CRS; {what} {crs.name!r} is not one; "
            "use method='ellipsoid' or give planar_crs= a Gauss–Krüger zone (EPSG:45xx)"
        )
    op = crs.coordinate_operation
    method_name = (op.method_name if op is not None else "").lower()
    if (
        crs.to_epsg() in _WEB_MERCATOR_CODES
        or "pseudo-mercator" in crs.name.lower()
        or method_name.startswith("mercator")
        or any(m in method_name for m in _MERCATOR_METHODS)
    ):
        raise MethodError(
            f"planar area in {what} {crs.name!r} is refused: Mercator projections (Web "
            "Mercator EPSG:3857 included) overstate area by about 1/cos²(latitude), ~2× "
            "at 45°N; use method='ellipsoid', or planar_crs= a Gauss–Krüger zone (EPSG:45xx)"
        )


_TM_METHODS = ("transverse mercator", "gauss-kruger", "gauss-krüger")
_MAX_SCALE_ERROR = 1e-3  # non-TM projections: warn beyond 0.1 % area scale error
_SAMPLE = 2048  # vertices whose area scale is looked at (plus the extreme ones)


def _sample_vertices(geoms: np.ndarray) -> np.ndarray:
    """A few vertices of ``geoms``: the extremes in x, y, x ± y and an even stride."""
    xy = shapely.get_coordinates(geoms)
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) <= _SAMPLE:
        return xy
    x, y = xy[:, 0], xy[:, 1]
    extremes = [f(v) for v in (x, y, x + y, x - y) for f in (np.argmin, np.argmax)]
    stride = np.linspace(0, len(xy) - 1, _SAMPLE).astype(np.intp)
    return xy[np.unique(np.r_[stride, extremes])]


def _zone_meridian(lon: float, half: float) -> int:
    """Central meridian of the 3° (``half`` 1.5) or 6° zone holding longitude ``lon``."""
    if half < 2:  # 3° zones: CM = 3 × zone
        return 3 * round(lon / 3)
    return 6 * int(np.floor(lon / 6)) + 3  # 6° zones: CM = 6 × zone − 3


def _gk_epsg(crs: pyproj.CRS, cm: int, half: float) -> str:
    """The CGCS2000 Gauss–Krüger CRS of the same kind as ``crs`` for meridian ``cm``."""
    code = crs.to_epsg() or 0
    if not 4491 <= code <= 4554 or not 75 <= cm <= 135:  # not a CGCS2000 GK zone
        return ""
    prefix = code <= 4501 or 4513 <= code <= 4533  # zone number in the false easting
    if half < 2:
        new = 4513 + cm // 3 - 25 if prefix else 4534 + (cm - 75) // 3
    else:
        new = (4491 if prefix else 4502) + (cm + 3) // 6 - 13
    return f" (EPSG:{new})"


def _east(lon: float) -> str:
    return f"{lon:g}°E" if lon >= 0 else f"{-lon:g}°W"


def _warn_distortion(geoms: np.ndarray, crs: pyproj.CRS, what: str) -> None:
    """Warn when planar area in ``crs`` is noticeably off for these geometries.

    Transverse Mercator (Gauss–Krüger, UTM): when vertices lie farther from the central
    meridian than half the zone (1.5° for 3° zones, 3° otherwise).  Other projections:
    when the area scale at the vertices differs from 1 by more than 0.1 % (an equal-area
    projection never does).
    """
    xy = _sample_vertices(geoms)
    if len(xy) == 0:
        return
    op = crs.coordinate_operation
    method_name = op.method_name if op is not None else "?"
    geodetic = crs.geodetic_crs
    try:
        to_geo = pyproj.Transformer.from_crs(crs, geodetic, always_xy=True)
        lon, lat = to_geo.transform(xy[:, 0], xy[:, 1])
        ok = np.isfinite(lon) & np.isfinite(lat)
        lon, lat = lon[ok], lat[ok]
        scale = np.asarray(pyproj.Proj(crs).get_factors(lon, lat).areal_scale, dtype=float)
    except (pyproj.exceptions.ProjError, pyproj.exceptions.CRSError) as exc:
        log.debug("area scale of %s not known: %s", crs.name, exc)
        return
    if len(lon) == 0:
        return
    if any(m in method_name.lower() for m in _TM_METHODS):
        params = {p.name.lower(): p.value for p in op.params}
        cm = float(params.get("longitude of natural origin", np.nan))
        offset = np.abs((lon - cm + 180.0) % 360.0 - 180.0)
        far = float(np.nanmax(offset))
        half = 1.5 if "3-degree" in crs.name.lower() else 3.0
        if not far > half:
            return
        worst = float(scale[np.nanargmax(offset)])
        west, east = float(lon.min()), float(lon.max())
        best = _zone_meridian((west + east) / 2, half)
        if max(east - best, best - west) > half:
            fix = (
                f"the data ({_east(round(west, 2))}–{_east(round(east, 2))}) do not fit in "
                "one standard zone: use method='ellipsoid' (the official 椭球面积)"
            )
        else:
            fix = (
                "use method='ellipsoid' (the official 椭球面积) or the zone of central "
                f"meridian {_east(best)}{_gk_epsg(crs, best, half)}"
            )
        warnings.warn(
            f"planar area in {what} {crs.name!r} (transverse Mercator, central meridian "
            f"{_east(cm)}): the data reach {far:.2f}° of longitude from it, beyond the "
            f"{2 * half:g}° zone, where the projection's area scale is {worst:.6f} "
            f"({worst - 1:+.3%}); {fix}",
            AreaDistortionWarning,
            stacklevel=4,
        )
        return
    lo, hi = float(np.nanmin(scale)), float(np.nanmax(scale))
    err = max(abs(lo - 1), abs(hi - 1))
    if err > _MAX_SCALE_ERROR:
        warnings.warn(
            f"planar area in {what} {crs.name!r} ({method_name} projection, not equal-area): "
            f"its area scale over the data is {lo:.4f}–{hi:.4f}, so planar areas are off by "
            f"about {err:.1%}; use method='ellipsoid' (the official 椭球面积), an equal-area "
            "projection or a Gauss–Krüger zone (EPSG:45xx)",
            AreaDistortionWarning,
            stacklevel=4,
        )


def _planar_areas(geoms: np.ndarray, crs: pyproj.CRS, planar_crs: Any) -> np.ndarray:
    target = crs if planar_crs is None else _as_crs(planar_crs, "planar_crs")
    what = "the layer's CRS" if planar_crs is None else "planar_crs"
    _refuse_for_planar(target, what)
    if not target.equals(crs):
        transformer = pyproj.Transformer.from_crs(crs, target, always_xy=True)
        geoms = shapely.transform(
            geoms, lambda c: np.column_stack(transformer.transform(c[:, 0], c[:, 1]))
        )
    _warn_distortion(geoms, target, what)
    # the shoelace area is in squared axis units (US survey feet for EPSG:2263 …)
    metre = target.axis_info[0].unit_conversion_factor
    out = shapely.area(geoms) * (metre * metre)
    return np.nan_to_num(out, nan=0.0)


def areas(
    geoms: Any,
    crs: Any = None,
    *,
    method: Method = "ellipsoid",
    planar_crs: Any = None,
) -> np.ndarray:
    """Area in square metres of each geometry.

    Parameters
    ----------
    geoms : GeoSeries, GeoDataFrame, array-like of shapely geometries or one geometry
        Polygons and multipolygons (holes subtract; ring orientation does not matter).
        Points, lines, ``None`` and empty geometries have area 0; collections count
        their polygonal parts.
    crs : CRS-like, optional
        CRS of the coordinates; by default ``geoms.crs``.
    method : {"ellipsoid", "geodesic", "planar"}, default "ellipsoid"
        ``ellipsoid``: the official series of 国土调查办发〔2008〕32号 on the datum
        ellipsoid of ``crs``; ``geodesic``: GeographicLib (:class:`pyproj.Geod`) on the
        same ellipsoid; ``planar``: area in ``planar_crs`` (default: ``crs`` if projected).
    planar_crs : CRS-like, optional
        Projected CRS for ``method="planar"``; Mercator projections are refused.

    Returns
    -------
    numpy.ndarray
        One float per geometry, m².

    Raises
    ------
    CRSError
        No CRS is given or known.
    MethodError
        Unknown method, or planar area asked for in degrees or Web Mercator.
    GeometryError
        Non-finite coordinates, or vertices outside the CRS's domain.

    Notes
    -----
    With geodetic latitude :math:`B` and longitude :math:`L` (radians) of every vertex,

    .. math::

        F(B) = b^2 (A\\sin B - B'\\sin 3B + C\\sin 5B - D\\sin 7B + E\\sin 9B),
        \\qquad S_\\text{ring} = \\Bigl|\\sum_i \\tfrac12 (L_i + L_{i+1} - 2L_0)
        \\,\\bigl(F(B_{i+1}) - F(B_i)\\bigr)\\Bigr|

    where A, B′, C, D, E are :func:`series_coefficients` and :math:`L_0` is the ring's
    first longitude.  Since :math:`2\\sin(k\\Delta B/2)\\cos(kB_m) = \\sin kB_2 - \\sin kB_1`,
    each edge term equals the official trapezoid
    :math:`2b^2\\Delta L\\,[A\\sin\\tfrac{\\Delta B}{2}\\cos B_m
    - B'\\sin\\tfrac{3\\Delta B}{2}\\cos 3B_m + \\dots]`,
    but needs one :math:`F` per vertex.  :math:`F` is evaluated against the ring's first
    vertex, :math:`F(B) - F(B_0)` by the same identity, so small parcels keep their digits
    (1e-13 relative to the formula evaluated in extended precision, 1 m to 100 km).  A
    polygon's area is its exterior ring minus its holes; a multipolygon's is the sum of its
    parts.  The series and GeographicLib differ on long edges (straight in (L, F(B)) vs
    geodesic): by ~1e-6 relative for an undensified 300 m parcel, by < 1e-8 once edges are
    ~10 m long.

    Examples
    --------
    One degree of longitude by one of latitude just north of the equator, on CGCS2000:

    >>> from shapely import box
    >>> float(areas([box(120, 0, 121, 1)], crs=4490)[0].round(0))
    12308463894.0

    Planar area of a 100 m square in Gauss–Krüger zone 41:

    >>> sq = box(41500000, 5000000, 41500100, 5000100)
    >>> areas([sq], crs=4529, method="planar").tolist()
    [10000.0]
    """
    _check_method(method)
    crs = _layer_crs(geoms, crs)
    geoms = _geometry_array(geoms)
    if method == "planar":
        return _planar_areas(geoms, crs, planar_crs)
    a, b = _ellipsoid(crs)
    out = np.zeros(len(geoms))
    if len(geoms) == 0:
        return out
    rings, ring_feature, exterior = _polygon_rings(geoms)
    if len(rings) == 0:
        return out
    counts = shapely.get_num_coordinates(rings)
    keep = counts >= 4  # a ring of fewer points encloses nothing
    rings, ring_feature, exterior, counts = (
        rings[keep],
        ring_feature[keep],
        exterior[keep],
        counts[keep],
    )
    if len(rings) == 0:
        return out
    starts = np.zeros(len(rings), dtype=np.intp)
    np.cumsum(counts[:-1], out=starts[1:])
    xy = shapely.get_coordinates(rings)
    middle = None
    if method == "ellipsoid" and not crs.is_geographic:
        # an edge drawn straight in a projected plane is no straight line in (B, L)
        max_len = MAX_EDGE_M / crs.axis_info[0].unit_conversion_factor
        xy, starts, counts, middle = _densify(xy, starts, counts, max_len)
    lon, lat, unit = _geodetic(xy, crs, np.repeat(ring_feature, counts))
    if method == "geodesic":
        ring_area = _geodesic_ring_areas(lon, lat, unit, starts, counts, a, b)
    else:
        ring_area = _ellipsoid_ring_areas(lon, lat, unit, starts, counts, a, b, middle)
    signed = np.where(exterior, ring_area, -ring_area)
    return np.bincount(ring_feature, weights=signed, minlength=len(geoms))


def total_area(
    geoms: Any,
    crs: Any = None,
    *,
    method: Method = "ellipsoid",
    planar_crs: Any = None,
) -> float:
    """Sum of the areas (m²) of all geometries; overlaps are counted twice.

    For the area covered by a layer (overlaps once) use ``overlap.union_area``.

    Examples
    --------
    >>> from shapely import box
    >>> total_area([box(0, 0, 100, 100), box(0, 0, 50, 50)], crs=4529, method="planar")
    12500.0
    """
    return float(areas(geoms, crs, method=method, planar_crs=planar_crs).sum())


def method_label(
    method: str,
    crs: Any = None,
    lang: Literal["zh", "en"] = "zh",
    *,
    planar_crs: Any = None,
) -> str:
    """Name of an area method for reports: the ellipsoid, or the projection for planar.

    Parameters
    ----------
    method : {"ellipsoid", "geodesic", "planar"}
    crs : CRS-like, optional
        The layer's CRS: names the ellipsoid (``ellipsoid``, ``geodesic``), or the
        projection (``planar`` without ``planar_crs``).
    lang : {"zh", "en"}
    planar_crs : CRS-like, optional
        The projected CRS planar areas were taken in, when not the layer's own.

    Examples
    --------
    >>> method_label("ellipsoid", 4490)
    '椭球面积（国土调查办发〔2008〕32号，CGCS2000椭球）'
    >>> method_label("ellipsoid", 4610, "en")
    'ellipsoidal area (2008 national land survey formula, IAG 1975 ellipsoid)'
    >>> method_label("planar", 4490, planar_crs=4529)
    '平面面积（投影坐标，EPSG:4529 CGCS2000 / 3-degree Gauss-Kruger zone 41）'
    """
    _check_method(method)
    label = METHOD_LABELS[method][lang]
    if method == "planar":
        target = planar_crs if planar_crs is not None else crs
        if target is None:
            return label
        target = _as_crs(target, "planar_crs" if planar_crs is not None else "crs")
        if not target.is_projected:
            return label
        code = target.to_epsg()
        name = f"EPSG:{code} {target.name}" if code else target.name
        if lang == "zh":
            return f"平面面积（投影坐标，{name}）"
        return f"planar area (projected coordinates, {name})"
    if crs is None:
        return label
    ell = _as_crs(crs).ellipsoid
    name = "?" if ell is None else ell.name
    if method == "ellipsoid":
        if lang == "zh":
            return f"椭球面积（国土调查办发〔2008〕32号，{name}椭球）"
        return f"ellipsoidal area (2008 national land survey formula, {name} ellipsoid)"
    if lang == "zh":
        return f"测地线面积（GeographicLib，边为{name}椭球面上的大地线）"
    return f"geodesic area (GeographicLib, edges are geodesics on the {name} ellipsoid)"


def _numeric_field(gdf: Any, field: str) -> np.ndarray:
    """The values of ``field`` as floats (NaN where missing); text that is no number is refused."""
    values = gdf[field]
    stored = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    given = values.notna().to_numpy()
    if given.any() and not np.isfinite(stored[given]).any():
        numeric = [
            str(c)
            for c in gdf.columns
            if c not in (gdf.geometry.name, "fid") and pd.api.types.is_numeric_dtype(gdf[c])
        ]
        hint = f"such as {', '.join(numeric)}" if numeric else "(the layer has no numeric field)"
        kind = "text" if pd.api.types.is_string_dtype(values) else values.dtype.name
        raise FieldError(
            f"field {field!r} is not numeric ({kind}, e.g. {values[given].iloc[0]!r}); "
            f"pick an area field {hint}"
        )
    return stored


#: ArcGIS's own geometry fields: area and length in the units of the layer's CRS
_ARCGIS_AREA_FIELDS = ("shape_area", "shape.area", "st_area(shape)")


def _refuse_degree_areas(gdf: Any, field: str, stored: np.ndarray) -> None:
    """Refuse a stored area of a geographic layer that is in square degrees.

    ArcGIS keeps ``Shape_Area`` in the units of the layer's CRS: in EPSG:4490 that is
    degrees², some 1e-10 of the area in m².  Refused by its name, and for any field whose
    values are the features' planar areas in degrees (within 1 %).
    """
    crs = gdf.crs
    if crs is None or not pyproj.CRS.from_user_input(crs).is_geographic:
        return
    deg2 = shapely.area(np.asarray(gdf.geometry.values, dtype=object))
    ok = np.isfinite(stored) & (deg2 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.median(stored[ok] / deg2[ok]) if ok.any() else np.nan
    if str(field).lower() in _ARCGIS_AREA_FIELDS or abs(ratio - 1) < 0.01:
        raise FieldError(
            f"field {field!r} holds areas in square degrees (the layer's CRS "
            f"{pyproj.CRS.from_user_input(crs).name} is geographic, and ArcGIS stores "
            f"{field} in its units), not m² or ha; compare a surveyed area field (TBMJ, MJ …) "
            f"instead"
        )


def compare_area_field(
    gdf: Any,
    field: str,
    *,
    method: Method = "ellipsoid",
    unit: str = "m2",
    tolerance_m2: float = 1.0,
    tolerance_rel: float = 1e-4,
    planar_crs: Any = None,
) -> pd.DataFrame:
    """Features whose stored area field differs from the recomputed area.

    Parameters
    ----------
    gdf : GeoDataFrame
        The layer, with its CRS set.
    field : str
        Name of the stored-area column (``TBMJ``, ``YJJBNTTBMJ`` are m²; ``MJ`` is often ha).
    method : {"ellipsoid", "geodesic", "planar"}, default "ellipsoid"
        How to recompute (see :func:`areas`).
    unit : str, default "m2"
        Unit of the stored values (m2, ha, km2, mu, wanmu or 公顷 …).
    tolerance_m2, tolerance_rel : float
        A feature is listed when ``|stored − computed| > max(tolerance_m2,
        tolerance_rel × computed)``, or when its stored value is missing or not a number.
    planar_crs : CRS-like, optional
        For ``method="planar"``.

    Raises
    ------
    FieldError
        ``field`` is not in the layer, holds text that is not numbers (a name field), or
        holds areas in square degrees (``Shape_Area`` of a geographic layer).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``gdf``, one row per listed feature, with columns ``src_fid`` (the
        source's feature id QGIS shows) and ``fid`` (when ``gdf`` has them), ``stored``
        (as written, in ``unit``), ``stored_m2``, ``computed_m2``, ``difference_m2``
        (stored − computed), ``difference_rel`` (difference / computed) and ``problem``
        (``"differs"`` or ``"missing"``).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> gdf = gpd.GeoDataFrame({"MJ": [1.0, 2.0]}, crs=4529,
    ...     geometry=[box(41500000, 5e6, 41500100, 5e6 + 100)] * 2)
    >>> compare_area_field(gdf, "MJ", unit="ha", method="planar")[["stored", "difference_m2"]]
       stored  difference_m2
    1     2.0        10000.0
    """
    if field not in gdf.columns:
        fields = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
        raise FieldError(f"no field {field!r} in the layer; its fields are: {fields}")
    factor = UNITS[normalize_unit(unit)]
    stored = _numeric_field(gdf, field)
    _refuse_degree_areas(gdf, field, stored)
    computed = areas(gdf.geometry, method=method, planar_crs=planar_crs)
    stored_m2 = stored * factor
    diff = stored_m2 - computed
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(computed > 0, diff / computed, np.nan)
    missing = ~np.isfinite(stored_m2)
    differs = np.abs(diff) > np.maximum(tolerance_m2, tolerance_rel * computed)
    listed = missing | differs
    out = pd.DataFrame(
        {
            "stored": gdf[field].to_numpy(),
            "stored_m2": stored_m2,
            "computed_m2": computed,
            "difference_m2": diff,
            "difference_rel": rel,
            "problem": np.where(missing, "missing", "differs"),
        },
        index=gdf.index,
    )
    if "fid" in gdf.columns:
        out.insert(0, "fid", gdf["fid"].to_numpy())
    if "src_fid" in gdf.columns:
        out.insert(0, "src_fid", gdf["src_fid"].to_numpy())
    out = out[listed]
    if len(out):
        log.debug("%d of %d features: %s differs from the computed area", len(out), len(gdf), field)
    return out
