"""A missing CRS recognised from the coordinates: degrees, or which Gauss–Krüger zone.

Degrees in China's extent are CGCS2000 (EPSG:4490), also when stored lat/lon.  An
8-digit easting carries its zone number (``41 512 345.6`` → zone 41, EPSG:4529).  A
6-digit easting (false easting 500 000) fits every zone: the zone is the one near the
county that puts the data on it.  Every inference says how it was made.
"""

from __future__ import annotations

import functools
import math

import geopandas as gpd
import numpy as np
import pyproj

from ecospace.errors import CRSError, GeometryError, ZoneError
from ecospace.geometry._crs_codes import (
    CGCS2000,
    CHINA_LONLAT,
    HUGE,
    SUPPLY_HINT,
    SUPPLY_HINT_6,
    CRSResolution,
    gk_cm_epsg,
    gk_zone_epsg,
)


def _fmt(v: float) -> str:
    return f"{v:,.6g}" if abs(v) < 1e3 else f"{v:,.0f}"


def _in_degrees(b) -> bool:
    return -180 <= b[0] and b[2] <= 180 and -90 <= b[1] and b[3] <= 90


def _in_china(b) -> bool:
    lon0, lat0, lon1, lat1 = CHINA_LONLAT
    return lon0 <= b[0] and b[2] <= lon1 and lat0 <= b[1] and b[3] <= lat1


def _swapped(b) -> tuple[float, float, float, float]:
    return (b[1], b[0], b[3], b[2])


def _near_box(near) -> tuple[tuple[float, float, float, float], bool] | None:
    """Where the county lies, in CGCS2000 degrees: (lon/lat box, True if only a point).

    ``near`` is (lon, lat), a GeoDataFrame/GeoSeries, or an object with ``.gdf``.
    """
    if near is None:
        return None
    near = getattr(near, "gdf", near)
    if isinstance(near, gpd.GeoDataFrame | gpd.GeoSeries):
        if near.crs is None or len(near) == 0:
            return None
        b = near.to_crs(CGCS2000).total_bounds
        if not np.all(np.isfinite(b)):
            return None
        return (float(b[0]), float(b[1]), float(b[2]), float(b[3])), False
    lon, lat = float(near[0]), float(near[1])
    return (lon, lat, lon, lat), True


#: how far (degrees) data may reach beyond the county's box and still "lie on" it
COUNTY_MARGIN = 0.2
#: share of the data's sample points that must lie on the county's box for a zone to fit
FIT_SHARE = 0.95


def _cm_candidates(box) -> list[tuple[int, int, str]]:
    """(CM, EPSG, "3°"/"6°") of every no-prefix CGCS2000 GK zone the lon/lat box touches.

    3° zones span CM ± 1.5°, 6° zones CM ± 3°.  Every 6° CM is also a 3° CM with the same
    projection (EPSG:4510 CM 123E ≡ EPSG:4550): such a 6° zone adds nothing, so a 6° code
    appears only where its wider zone reaches a CM the 3° zones do not.
    """
    lon0, lon1 = box[0], box[2]
    out = {
        cm: (cm, gk_cm_epsg(cm), "3°")
        for cm in range(75, 136, 3)
        if cm - 1.5 <= lon1 and lon0 <= cm + 1.5
    }
    for cm in range(75, 136, 6):
        if cm not in out and cm - 3 <= lon1 and lon0 <= cm + 3:
            out[cm] = (cm, 4502 + (cm - 75) // 6, "6°")
    return [out[k] for k in sorted(out)]


@functools.lru_cache(maxsize=64)
def _to_lonlat(epsg: int) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(epsg, CGCS2000, always_xy=True)


def _sample_points(b, points) -> np.ndarray:
    """Points standing for the data: the given ones (finite), else the box's corners and centre."""
    if points is not None:
        pts = np.asarray(points, dtype=float).reshape(-1, 2)
        pts = pts[np.isfinite(pts).all(axis=1)]
        if len(pts):
            return pts
    x0, y0, x1, y1 = b
    return np.array([(x0, y0), (x0, y1), (x1, y0), (x1, y1), ((x0 + x1) / 2, (y0 + y1) / 2)])


def _zones_that_fit(b, points, where) -> tuple[list[tuple[int, int, str]], list]:
    """Of the zones near the county, those that put the data on it (and all candidates).

    For a county given as a GeoDataFrame, ≥ :data:`FIT_SHARE` of the sample points must
    fall in its lon/lat box widened by :data:`COUNTY_MARGIN`.  For a point (lon, lat) the
    data's centre must lie within 1.5° of longitude of it: candidate CMs are ≥ 3° apart, so
    at most one can.
    """
    box, is_point = where
    cands = _cm_candidates(box)
    pts = _sample_points(b, points)
    fits = []
    for cm, epsg, kind in cands:
        if is_point:
            clon, _ = _to_lonlat(epsg).transform((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
            ok = abs(clon - box[0]) < 1.5
        else:
            lon, lat = _to_lonlat(epsg).transform(pts[:, 0], pts[:, 1])
            m = COUNTY_MARGIN
            inside = (
                (lon >= box[0] - m)
                & (lon <= box[2] + m)
                & (lat >= box[1] - m)
                & (lat <= box[3] + m)
            )
            ok = inside.mean() >= FIT_SHARE
        if ok:
            fits.append((cm, epsg, kind))
    return fits, cands


def _check_huge(b, label: str) -> None:
    worst = max(abs(v) for v in b)
    if not math.isfinite(worst) or worst > HUGE:
        raise GeometryError(
            f"{label}: coordinates reach {worst:.4g}, outside the range of any coordinate "
            f"system used in China (degrees or Gauss–Krüger metres); the layer is corrupt or "
            f"was exported with wrong units — re-export it"
        )


def _infer_no_prefix(b, near, label, points, swap, order) -> CRSResolution:
    """The zone of eastings without prefix: the one zone near the county that fits."""
    x0, x1 = b[0], b[2]
    where = _near_box(near)
    if where is None:
        raise ZoneError(
            f"{label}: no coordinate system, and the eastings ({_fmt(x0)}–{_fmt(x1)}) "
            f"have no zone prefix (false easting 500 000), so the zone is unknown; "
            f"{SUPPLY_HINT_6}, or load it with the county boundary or another layer of the county"
        )
    if swap and points is not None:
        points = np.asarray(points, dtype=float).reshape(-1, 2)[:, ::-1]
    fits, cands = _zones_that_fit(b, points, where)
    lon = (where[0][0] + where[0][2]) / 2
    listed = ", ".join(f"EPSG:{e} ({k} CM {cm}E)" for cm, e, k in cands)
    if len(fits) != 1:
        head = (
            f"{label}: no coordinate system, and the eastings ({_fmt(x0)}–{_fmt(x1)}) have no "
            f"zone prefix (false easting 500 000)"
        )
        if not fits:
            raise CRSError(
                f"{head}; none of the zones near the county ({lon:.1f}°E: {listed}) puts the "
                f"data on it — check that the layer belongs to this county, or "
                f"{SUPPLY_HINT_6}"
            )
        either = " or ".join(f"--crs EPSG:{e}" for _, e, _ in fits)
        raise CRSError(
            f"{head}; several zones put the data on the county "
            f"({', '.join(f'EPSG:{e} ({k} CM {cm}E)' for cm, e, k in fits)}), so the zone "
            f"cannot be told; supply the right one with {either}"
        )
    cm, epsg, kind = fits[0]
    how = (
        f"inferred:{order} 6-digit easting near {lon:.1f}°E → {kind} Gauss–Krüger "
        f"CM {cm}E (EPSG:{epsg})"
    )
    if len(cands) > 1:
        others = ", ".join(f"EPSG:{e}" for _, e, _ in cands if e != epsg)
        how += f"; {others} would put the data off the county"
    return CRSResolution(pyproj.CRS.from_epsg(epsg), how, swap_xy=swap)


def infer_crs(bounds, *, near=None, label: str = "layer", points=None) -> CRSResolution:
    """Infer a missing CRS from the coordinate range; always says how.

    Parameters
    ----------
    bounds : sequence of 4 floats
        ``(minx, miny, maxx, maxy)`` of the layer's (finite) coordinates.
    near : (lon, lat) or GeoDataFrame, optional
        Where the county lies: needed for 6-digit eastings (no zone prefix).
    label : str
        ``"file:layer"`` for messages.
    points : (n, 2) array, optional
        Points standing for the data (e.g. the centres of the features' boxes), used to
        test which zone puts 6-digit eastings on the county; default: the box's corners
        and centre.

    Returns
    -------
    CRSResolution

    Raises
    ------
    CRSError
        The zone of 6-digit eastings cannot be told: no ``near``, or no zone near the
        county (or several) puts the data on it.

    Notes
    -----
    Eastings without zone prefix (false easting 500 000) fit every zone.  Every
    no-prefix zone whose band touches the county (3°: CM ± 1.5°; 6°: CM ± 3°) is tried,
    and the one that puts the data on the county kept.  Rounding the county's centre to
    the nearest CM is wrong for a county on a zone edge: its data may be in either zone.

    Examples
    --------
    >>> infer_crs((41_500_000, 5_000_000, 41_510_000, 5_010_000)).crs.to_epsg()
    4529
    >>> infer_crs((126.1, 44.5, 127.9, 45.4)).how
    'inferred: coordinates in degrees → CGCS2000 (EPSG:4490)'
    """
    b = tuple(float(v) for v in bounds)
    _check_huge(b, label)
    if _in_degrees(b) and not (_in_china(_swapped(b)) and not _in_china(b)):
        return CRSResolution(
            pyproj.CRS.from_epsg(CGCS2000),
            "inferred: coordinates in degrees → CGCS2000 (EPSG:4490)",
        )
    if _in_degrees(_swapped(b)):
        return CRSResolution(
            pyproj.CRS.from_epsg(CGCS2000),
            "inferred: coordinates in degrees stored lat/lon (y beyond ±90) → swapped to lon/lat, "
            "CGCS2000 (EPSG:4490)",
            swap_xy=True,
        )
    for swap in (False, True):
        x0, y0, x1, y1 = _swapped(b) if swap else b
        if not (-1e6 <= y0 and y1 <= 1e7):  # a northing in the northern hemisphere
            continue
        order = " stored northing-first → swapped," if swap else ""
        if 1.3e7 <= x0 and x1 < 4.6e7:
            zone0, zone1 = int(x0 // 1e6), int(x1 // 1e6)
            if zone0 != zone1:
                raise CRSError(
                    f"{label}: eastings {_fmt(x0)}–{_fmt(x1)} carry two zone prefixes "
                    f"({zone0} and {zone1}); {SUPPLY_HINT}"
                )
            epsg = gk_zone_epsg(zone0)
            kind = "3°" if zone0 >= 25 else "6°"
            return CRSResolution(
                pyproj.CRS.from_epsg(epsg),
                f"inferred:{order} 8-digit easting → {kind} zone {zone0} (EPSG:{epsg})",
                swap_xy=swap,
            )
        if 0 < x0 and x1 < 1e6:
            return _infer_no_prefix((x0, y0, x1, y1), near, label, points, swap, order)
    raise CRSError(
        f"{label}: no coordinate system, and the coordinates (x {_fmt(b[0])}–{_fmt(b[2])}, "
        f"y {_fmt(b[1])}–{_fmt(b[3])}) are neither degrees nor Gauss–Krüger metres; {SUPPLY_HINT}"
    )
