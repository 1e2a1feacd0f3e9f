"""Coordinate reference systems: read them, infer them when missing, pick one for overlay.

Chinese survey data are in CGCS2000: geographic (EPSG:4490) or Gauss–Krüger projected.
A 3° zone number is written in front of the easting (``41 512 345.6`` → zone 41,
EPSG = 4513 + (zone − 25)); a 6° zone likewise (zones 13–23, EPSG 4491–4501).  Without
the prefix (false easting 500 000) the zone must come from the county's location:
EPSG = 4534 + (CM − 75) / 3 for the 3° zone with central meridian CM.

Every inference is reported (a ``logging`` WARNING and the ``how`` text), never silent.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pyproj
from pyproj.exceptions import CRSError as _PyprojCRSError

from ._errors import CRSError, GeometryError

__all__ = [
    "CRSResolution",
    "describe",
    "gk_cm_epsg",
    "gk_zone_epsg",
    "infer_crs",
    "parse_crs",
    "resolve_crs",
    "to_working",
    "working_crs",
]

log = logging.getLogger("ecospace")

#: hint appended to every "cannot tell the CRS" error
SUPPLY_HINT = "supply it with --crs EPSG:xxxx (e.g. EPSG:4529 for 3° zone 41)"
CGCS2000 = 4490
#: beyond this no coordinate of any Chinese CRS can lie (a GK northing is < 1e7, easting < 4.6e7)
HUGE = 1e8
#: China's extent in degrees (lon_min, lat_min, lon_max, lat_max), generous
CHINA_LONLAT = (73.0, 3.0, 136.0, 54.0)


@dataclass(frozen=True)
class CRSResolution:
    """The CRS of a layer and how it was determined.

    Attributes
    ----------
    crs : pyproj.CRS
    how : str
        ``"file"``, ``"user"``, ``"inferred: …"`` or ``"file: custom …"``.
    swap_xy : bool
        The coordinates are stored y-first and must be swapped to x-first.
    """

    crs: pyproj.CRS
    how: str
    swap_xy: bool = False


def parse_crs(value, *, what: str = "--crs") -> pyproj.CRS:
    """A :class:`pyproj.CRS` from user input (``"EPSG:4529"``, ``4529``, WKT, a CRS).

    Examples
    --------
    >>> parse_crs("EPSG:4529").to_epsg()
    4529
    """
    if isinstance(value, pyproj.CRS):
        return value
    try:
        return pyproj.CRS.from_user_input(value)
    except (_PyprojCRSError, TypeError, ValueError) as exc:
        raise CRSError(
            f"{what}: {value!r} is not a coordinate reference system; "
            f"give an EPSG code such as EPSG:4490 (CGCS2000 degrees) or EPSG:4529 (3° zone 41)"
        ) from exc


def describe(crs) -> str:
    """One line naming a CRS: ``"EPSG:4529 CGCS2000 / 3-degree Gauss-Kruger zone 41"``.

    A CRS without an EPSG code is called ``"custom: <name>"``.

    Examples
    --------
    >>> describe(4490)
    'EPSG:4490 China Geodetic Coordinate System 2000'
    """
    if crs is None:
        return "none"
    crs = parse_crs(crs)
    code = crs.to_epsg(min_confidence=70)
    return f"EPSG:{code} {crs.name}" if code else f"custom: {crs.name}"


def gk_zone_epsg(zone: int) -> int:
    """EPSG code of the CGCS2000 Gauss–Krüger zone whose number prefixes the easting.

    3° zones 25–45 → 4513 + (zone − 25); 6° zones 13–23 → 4491 + (zone − 13).

    Examples
    --------
    >>> gk_zone_epsg(41)
    4529
    """
    if 25 <= zone <= 45:
        return 4513 + zone - 25
    if 13 <= zone <= 23:
        return 4491 + zone - 13
    raise CRSError(
        f"easting prefix {zone} is not a CGCS2000 Gauss–Krüger zone (3° zones 25–45, "
        f"6° zones 13–23); {SUPPLY_HINT}"
    )


def gk_cm_epsg(cm: float) -> int:
    """EPSG code of the CGCS2000 3° Gauss–Krüger zone (no prefix) with central meridian ``cm``.

    EPSG = 4534 + (CM − 75) / 3, CM = 75°E … 135°E.

    Examples
    --------
    >>> gk_cm_epsg(126)
    4551
    """
    cm3 = 3 * round(cm / 3)
    if not 75 <= cm3 <= 135:
        raise CRSError(f"central meridian {cm}°E is outside China (75°E–135°E); {SUPPLY_HINT}")
    return 4534 + (cm3 - 75) // 3


def _fmt(v: float) -> str:
    return f"{v:,.6g}" if abs(v) < 1e3 else f"{v:,.0f}"


def _in_degrees(b) -> bool:
    return -180 <= b[0] and b[2] <= 180 and -90 <= b[1] and b[3] <= 90


def _in_china(b) -> bool:
    lon0, lat0, lon1, lat1 = CHINA_LONLAT
    return lon0 <= b[0] and b[2] <= lon1 and lat0 <= b[1] and b[3] <= lat1


def _swapped(b) -> tuple[float, float, float, float]:
    return (b[1], b[0], b[3], b[2])


def _near_lon(near) -> float | None:
    """Longitude of a hint: (lon, lat), a GeoDataFrame/GeoSeries, or an object with ``.gdf``."""
    if near is None:
        return None
    near = getattr(near, "gdf", near)
    if isinstance(near, gpd.GeoDataFrame | gpd.GeoSeries):
        if near.crs is None:
            return None
        b = near.to_crs(CGCS2000).total_bounds
        return float((b[0] + b[2]) / 2)
    return float(near[0])


def _check_huge(b, label: str) -> None:
    worst = max(abs(v) for v in b)
    if not math.isfinite(worst) or worst > HUGE:
        raise GeometryError(
            f"{label}: coordinates reach {worst:.4g}, outside the range of any coordinate "
            f"system used in China (degrees or Gauss–Krüger metres); the layer is corrupt or "
            f"was exported with wrong units — re-export it"
        )


def infer_crs(bounds, *, near=None, label: str = "layer") -> CRSResolution:
    """Infer a missing CRS from the coordinate range; always says how.

    Parameters
    ----------
    bounds : sequence of 4 floats
        ``(minx, miny, maxx, maxy)`` of the layer's (finite) coordinates.
    near : (lon, lat) or GeoDataFrame, optional
        Where the county lies: needed for 6-digit eastings (no zone prefix).
    label : str
        ``"file:layer"`` for messages.

    Returns
    -------
    CRSResolution

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
            lon = _near_lon(near)
            if lon is None:
                raise CRSError(
                    f"{label}: no coordinate system, and the eastings ({_fmt(x0)}–{_fmt(x1)}) "
                    f"have no zone prefix (false easting 500 000), so the zone is unknown; "
                    f"{SUPPLY_HINT}, or load the county boundary with it"
                )
            epsg = gk_cm_epsg(lon)
            return CRSResolution(
                pyproj.CRS.from_epsg(epsg),
                f"inferred:{order} 6-digit easting near {lon:.1f}°E → 3° Gauss–Krüger "
                f"CM {3 * round(lon / 3)}E (EPSG:{epsg})",
                swap_xy=swap,
            )
    raise CRSError(
        f"{label}: no coordinate system, and the coordinates (x {_fmt(b[0])}–{_fmt(b[2])}, "
        f"y {_fmt(b[1])}–{_fmt(b[3])}) are neither degrees nor Gauss–Krüger metres; {SUPPLY_HINT}"
    )


def _tm_false_easting(crs: pyproj.CRS) -> float | None:
    op = crs.coordinate_operation
    if op is None or "Transverse Mercator" not in op.method_name:
        return None
    for p in op.params:
        if p.name == "False easting":
            return float(p.value)
    return None


def _check_fit(crs: pyproj.CRS, how: str, b, label: str, *, default: bool) -> CRSResolution | None:
    """Check coordinates against a stated CRS; swap if stored y-first; None if they do not fit."""
    if crs.is_geographic:
        if _in_degrees(b) and not (_in_china(_swapped(b)) and not _in_china(b)):
            return CRSResolution(crs, how)
        if _in_degrees(_swapped(b)):
            return CRSResolution(
                crs, f"{how}; coordinates stored lat/lon → swapped to lon/lat", swap_xy=True
            )
        return None
    fe = _tm_false_easting(crs)
    if fe is None:
        return CRSResolution(crs, how)
    ok = fe - 1e6 <= b[0] and b[2] <= fe + 1e6 and -1e6 <= b[1] and b[3] <= 1e7
    sb = _swapped(b)
    ok_swapped = fe - 1e6 <= sb[0] and sb[2] <= fe + 1e6 and -1e6 <= sb[1] and sb[3] <= 1e7
    if ok:
        return CRSResolution(crs, how)
    if ok_swapped:
        return CRSResolution(
            crs, f"{how}; coordinates stored northing-first → swapped to easting-first", True
        )
    return None


def resolve_crs(
    file_crs,
    bounds,
    *,
    user_crs=None,
    near=None,
    label: str = "layer",
    file_crs_is_default: bool = False,
    user_is_fallback: bool = False,
) -> CRSResolution:
    """Decide a layer's CRS from the file, the user and the coordinates.

    Parameters
    ----------
    file_crs : pyproj.CRS or None
        What the file says (``.prj``, GeoPackage SRS …).
    bounds : sequence of 4 floats
        ``(minx, miny, maxx, maxy)`` of the finite coordinates.
    user_crs : CRS-like, optional
        Given by the user (``--crs``): overrides the file, or only fills in a missing
        one when ``user_is_fallback``.
    near : (lon, lat) or GeoDataFrame, optional
        The county's location, for eastings without zone prefix.
    file_crs_is_default : bool
        The file's CRS is a format default (GeoJSON's WGS 84), not a statement.

    Returns
    -------
    CRSResolution

    Raises
    ------
    CRSError
        The CRS cannot be determined, or the coordinates contradict it.

    Examples
    --------
    >>> r = resolve_crs(None, (41_500_000, 5_000_000, 41_510_000, 5_010_000))
    >>> r.how
    'inferred: 8-digit easting → 3° zone 41 (EPSG:4529)'
    """
    b = tuple(float(v) for v in bounds)
    _check_huge(b, label)
    if file_crs is not None and not isinstance(file_crs, pyproj.CRS):
        file_crs = parse_crs(file_crs, what=f"{label}: the file's CRS")
    candidates: list[tuple[pyproj.CRS, str]] = []
    if user_crs is not None:
        user = parse_crs(user_crs)
        if file_crs is not None and not user_is_fallback and not file_crs.equals(user):
            log.warning(
                "%s: --crs %s overrides the file's %s", label, describe(user), describe(file_crs)
            )
        if file_crs is None or not user_is_fallback or file_crs_is_default:
            candidates.append((user, "user"))
    if file_crs is not None and not (file_crs_is_default and candidates):
        code = file_crs.to_epsg(min_confidence=70)
        if code:
            candidates.append((pyproj.CRS.from_epsg(code), "file"))
        else:
            candidates.append((file_crs, "file: custom CRS without EPSG code (WKT kept)"))
    if candidates:
        crs, how = candidates[0]
        fit = _check_fit(crs, how, b, label, default=file_crs_is_default)
        if fit is not None:
            if fit.swap_xy:
                log.warning("%s: %s", label, fit.how)
            return fit
        if how == "file" and file_crs_is_default:
            res = infer_crs(b, near=near, label=label)
            res = CRSResolution(
                res.crs, res.how + " (the format's default WGS 84 does not fit)", res.swap_xy
            )
            log.warning("%s: %s", label, res.how)
            return res
        hint = ""
        try:
            guess = infer_crs(b, near=near, label=label)
            hint = f" (they look like {describe(guess.crs)})"
        except CRSError:
            pass
        raise CRSError(
            f"{label}: the coordinates (x {_fmt(b[0])}–{_fmt(b[2])}, y {_fmt(b[1])}–{_fmt(b[3])}) "
            f"do not fit the {'given' if how == 'user' else 'stated'} CRS {describe(crs)}{hint}; "
            f"the .prj/CRS is wrong — {SUPPLY_HINT}"
        )
    res = infer_crs(b, near=near, label=label)
    log.warning("%s: no CRS in the file; %s", label, res.how)
    return res


def _crs_and_bounds(item):
    item = getattr(item, "gdf", item)
    if isinstance(item, gpd.GeoDataFrame | gpd.GeoSeries):
        return item.crs, (item.total_bounds if len(item) else None)
    return parse_crs(item), None


def working_crs(items: Iterable) -> pyproj.CRS:
    """One projected CRS in which to overlay layers.

    The most common projected CRS among the items; when all are geographic, the
    CGCS2000 3° Gauss–Krüger zone (with zone prefix) of the data's centre.

    Parameters
    ----------
    items : iterable of GeoDataFrame, Layer or CRS-like
        CRS-likes alone cannot give a centre: pass GeoDataFrames when all are geographic.

    Returns
    -------
    pyproj.CRS

    Examples
    --------
    >>> working_crs(["EPSG:4490", "EPSG:4529", "EPSG:4529"]).to_epsg()
    4529
    """
    crss, boxes = [], []
    for item in items:
        crs, b = _crs_and_bounds(item)
        if crs is None:
            raise CRSError("working_crs: a layer has no CRS; read layers with ecospace.read_layer")
        crss.append(pyproj.CRS.from_user_input(crs))
        if b is not None and np.all(np.isfinite(b)):
            boxes.append(gpd.GeoSeries.from_xy([b[0], b[2]], [b[1], b[3]], crs=crs).to_crs(4490))
    if not crss:
        raise CRSError("working_crs: no layers given")
    projected = Counter(c.to_wkt() for c in crss if c.is_projected)
    if projected:
        best = max(projected.values())
        for c in crss:  # first one among the most common
            if c.is_projected and projected[c.to_wkt()] == best:
                return c
    if not boxes:
        raise CRSError(
            "working_crs: all CRSs are geographic and no coordinates were given to find the "
            "Gauss–Krüger zone; pass GeoDataFrames or Layers"
        )
    b = gpd.GeoSeries(np.concatenate([s.values for s in boxes]), crs=4490).total_bounds
    zone = round((b[0] + b[2]) / 2 / 3)
    return pyproj.CRS.from_epsg(gk_zone_epsg(zone))


def to_working(layers: Mapping, crs=None) -> dict[str, gpd.GeoDataFrame]:
    """Reprojected copies of layers in one CRS, for overlay (never for area: measure originals).

    Parameters
    ----------
    layers : mapping of role -> Layer or GeoDataFrame
    crs : CRS-like, optional
        Default: :func:`working_crs` of the layers.

    Returns
    -------
    dict of role -> GeoDataFrame

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame(geometry=[box(126, 45, 126.1, 45.1)], crs=4490)
    >>> to_working({"red_line": g})["red_line"].crs.to_epsg()
    4530
    """
    gdfs = {k: getattr(v, "gdf", v) for k, v in layers.items()}
    target = parse_crs(crs) if crs is not None else working_crs(gdfs.values())
    out = {}
    for key, gdf in gdfs.items():
        same = gdf.crs is not None and pyproj.CRS.from_user_input(gdf.crs).equals(target)
        out[key] = gdf.copy() if same else gdf.to_crs(target)
    return out
