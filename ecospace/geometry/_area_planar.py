"""Planar areas: shoelace area in a projected CRS, refused or warned about where it misleads.

Refused in degrees and in Mercator projections (Web Mercator overstates area by about
1/cos²φ); an :class:`AreaDistortionWarning` when the data lie outside the zone of a
transverse Mercator CRS (Gauss–Krüger, UTM), or where another projection's area scale is
off by more than 0.1 %.  Areas are converted to m² from the CRS's axis unit.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pyproj
import shapely

from ecospace.errors import MethodError

log = logging.getLogger("ecospace")


class AreaDistortionWarning(UserWarning):
    """Planar area taken where the projection's area scale is noticeably off 1."""


# (normal) Mercator projections: area grows like 1/cos²φ; transverse Mercator is fine
_MERCATOR_METHODS = ("pseudo mercator", "pseudo-mercator", "popular visualisation")
_WEB_MERCATOR_CODES = {3857, 3785, 900913, 102100, 102113}


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


def _planar_areas(geoms: np.ndarray, crs: pyproj.CRS, target: pyproj.CRS, what: str) -> np.ndarray:
    """Area (m²) of each geometry, drawn in ``crs``, taken in the projected CRS ``target``."""
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
