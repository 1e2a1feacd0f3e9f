"""Coordinate reference systems: read them, infer them when missing, pick one for overlay.

Chinese survey data are in CGCS2000: geographic (EPSG:4490) or Gauss–Krüger projected.
A 3° zone number is written in front of the easting (``41 512 345.6`` → zone 41,
EPSG = 4513 + (zone − 25)); a 6° zone likewise (zones 13–23, EPSG 4491–4501).  Without
the prefix (false easting 500 000) the zone must come from the county's location:
EPSG = 4534 + (CM − 75) / 3 for the 3° zone with central meridian CM.

Every inference is reported (a ``logging`` WARNING and the ``how`` text), never silent.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from pyproj.exceptions import CRSError as _PyprojCRSError

from ecospace.errors import CRSError, GeometryError, ZoneError

__all__ = [
    "CRSResolution",
    "datum_warning",
    "describe",
    "gk_cm_epsg",
    "gk_zone_epsg",
    "infer_crs",
    "parse_crs",
    "parse_crs_option",
    "reproject",
    "resolve_crs",
    "to_working",
    "working_crs",
]

log = logging.getLogger("ecospace")

#: hint appended to every "cannot tell the CRS" error
SUPPLY_HINT = "supply it with --crs EPSG:xxxx (e.g. EPSG:4529 for 3° zone 41)"
#: the same for eastings without zone prefix: the code follows from the central meridian
SUPPLY_HINT_6 = (
    "supply it with --crs EPSG:xxxx (3° zone without prefix: EPSG = 4534 + (CM − 75) / 3, "
    "e.g. EPSG:4550 for CM 123E)"
)
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


def parse_crs_option(values: Iterable[str]) -> tuple[pyproj.CRS | None, dict[str, pyproj.CRS]]:
    """``--crs`` values: a CRS for every layer lacking one, and ``LAYER=CRS`` for one layer.

    ``LAYER`` is a layer name or ``PATH:LAYER`` (as for ``--role``); a PROJ string
    (``+proj=…``) is a CRS, not a ``LAYER=CRS`` pair.

    Examples
    --------
    >>> default, per_layer = parse_crs_option(["EPSG:4490", "XZQ=EPSG:4551"])
    >>> default.to_epsg(), {k: v.to_epsg() for k, v in per_layer.items()}
    (4490, {'XZQ': 4551})
    """
    default, per_layer = None, {}
    for value in values:
        value = str(value).strip()
        layer, sep, crs = value.partition("=")
        if sep and layer and not layer.lstrip().startswith("+"):
            per_layer[layer.strip()] = parse_crs(crs.strip(), what=f"--crs {value}")
        elif default is not None:
            raise CRSError(
                f"--crs {value}: a CRS for every layer is already given ({describe(default)}); "
                "give one --crs EPSG, and LAYER=EPSG for single layers"
            )
        else:
            default = parse_crs(value)
    return default, per_layer


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
    # eastings lie within 500 km of the false easting: a zone prefix must match the zone
    ok = fe - 5e5 <= b[0] and b[2] <= fe + 5e5 and -1e6 <= b[1] and b[3] <= 1e7
    sb = _swapped(b)
    ok_swapped = fe - 5e5 <= sb[0] and sb[2] <= fe + 5e5 and -1e6 <= sb[1] and sb[3] <= 1e7
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
    points=None,
) -> CRSResolution:
    """Decide a layer's CRS from the file, the user and the coordinates.

    Parameters
    ----------
    file_crs : pyproj.CRS or None
        What the file says (``.prj``, GeoPackage SRS …).
    bounds : sequence of 4 floats
        ``(minx, miny, maxx, maxy)`` of the finite coordinates.
    user_crs : CRS-like, optional
        Given by the user (``--crs``): overrides the file (``how`` names the file's CRS),
        or with ``user_is_fallback`` fills in a missing one and replaces one the
        coordinates contradict.
    near : (lon, lat) or GeoDataFrame, optional
        The county's location, for eastings without zone prefix.
    label : str
        ``"file:layer"`` for messages.
    file_crs_is_default : bool
        The file's CRS is a format default (GeoJSON's WGS 84), not a statement.
    user_is_fallback : bool
        The user's CRS does not override a file CRS the coordinates fit.
    points : (n, 2) array, optional
        Points standing for the data (see :func:`infer_crs`).

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
    >>> resolve_crs(4490, (41_500_000, 5_000_000, 41_510_000, 5_010_000),
    ...             user_crs="EPSG:4529", user_is_fallback=True).how
    'user (file said EPSG:4490, coordinates disagree)'
    """
    b = tuple(float(v) for v in bounds)
    _check_huge(b, label)
    if file_crs is not None and not isinstance(file_crs, pyproj.CRS):
        file_crs = parse_crs(file_crs, what=f"{label}: the file's CRS")
    user = parse_crs(user_crs) if user_crs is not None else None
    stated = None  # what the file says, as (CRS, how)
    if file_crs is not None and not (file_crs_is_default and user is not None):
        code = file_crs.to_epsg(min_confidence=70)
        stated = (
            (pyproj.CRS.from_epsg(code), "file")
            if code
            else (file_crs, "file: custom CRS without EPSG code (WKT kept)")
        )
    said = _said(file_crs)
    if user is not None and (stated is None or not user_is_fallback):
        how = "user"
        if stated is not None and not stated[0].equals(user):
            how = f"user (overrides the file's {said})"
            log.warning("%s: --crs %s overrides the file's %s", label, describe(user), said)
        return _fitting(user, how, b, label, near, points)
    if stated is None:
        res = infer_crs(b, near=near, label=label, points=points)
        log.warning("%s: no CRS in the file; %s", label, res.how)
        return res
    crs, how = stated
    fit = _check_fit(crs, how, b, label, default=file_crs_is_default)
    if fit is not None:
        if fit.swap_xy:
            log.warning("%s: %s", label, fit.how)
        return fit
    if file_crs_is_default:
        res = infer_crs(b, near=near, label=label, points=points)
        res = CRSResolution(
            res.crs, res.how + " (the format's default WGS 84 does not fit)", res.swap_xy
        )
        log.warning("%s: %s", label, res.how)
        return res
    if user is not None:  # a fallback --crs replaces a file CRS the coordinates contradict
        res = _fitting(
            user, f"user (file said {said}, coordinates disagree)", b, label, near, points
        )
        log.warning("%s: the file's %s does not fit the coordinates; %s", label, said, res.how)
        return res
    raise _misfit(crs, "stated", b, label, near, points)


def _said(crs) -> str:
    """Short name of a file's CRS for ``how`` texts: ``"EPSG:4490"`` or the CRS name."""
    if crs is None:
        return "none"
    code = crs.to_epsg(min_confidence=70)
    return f"EPSG:{code}" if code else f"custom CRS {crs.name!r}"


def _fitting(crs, how, b, label, near, points) -> CRSResolution:
    fit = _check_fit(crs, how, b, label, default=False)
    if fit is None:
        raise _misfit(crs, "given", b, label, near, points)
    if fit.swap_xy:
        log.warning("%s: %s", label, fit.how)
    return fit


def _misfit(crs, which, b, label, near, points) -> CRSError:
    """The error for coordinates that contradict a CRS, naming what they look like."""
    hint, supply = "", SUPPLY_HINT
    try:
        guess = infer_crs(b, near=near, label=label, points=points)
    except CRSError:
        if 0 < b[0] and b[2] < 1e6:
            supply = SUPPLY_HINT_6
    else:
        hint = f" (they look like {describe(guess.crs)})"
        supply = f"supply it with --crs EPSG:{guess.crs.to_epsg()}"
    return CRSError(
        f"{label}: the coordinates (x {_fmt(b[0])}–{_fmt(b[2])}, y {_fmt(b[1])}–{_fmt(b[3])}) "
        f"do not fit the {which} CRS {describe(crs)}{hint}; the "
        f"{'--crs' if which == 'given' else '.prj/CRS'} is wrong — {supply}"
    )


_OLD_DATUMS = {
    "beijing1954": "Beijing 1954",
    "krassowsky": "Beijing 1954",
    "krasovsky": "Beijing 1954",
    "krassovsky": "Beijing 1954",
    "xian1980": "Xian 1980",
    "iag1975": "Xian 1980",
}


def datum_warning(crs, label: str = "layer") -> str | None:
    """A warning text when ``crs`` is on Beijing 1954 or Xian 1980 rather than CGCS2000.

    Such data load and measure correctly on their own ellipsoid (the ellipsoidal area uses
    the CRS's ellipsoid), but overlaying them with CGCS2000 layers needs a datum
    transformation pyproj has no exact grid for: the layers sit some tens of metres apart.

    Examples
    --------
    >>> datum_warning(4490) is None
    True
    >>> datum_warning(2417, "f.shp:XZQ").split(";")[0].split(" is ")[1]
    'on the Beijing 1954 datum, not CGCS2000'
    """
    crs = parse_crs(crs)
    geo = crs.geodetic_crs
    names = [crs.name, geo.name if geo else "", crs.datum.name if crs.datum else ""]
    names.append(crs.ellipsoid.name if crs.ellipsoid else "")
    keys = {re.sub(r"[^a-z0-9]", "", n.lower()) for n in names}
    old = next((v for k, v in _OLD_DATUMS.items() if any(k in n for n in keys)), None)
    if old is None:
        return None
    return (
        f"{label}: {describe(crs)} is on the {old} datum, not CGCS2000; its areas (ellipsoid "
        f"method, on its own ellipsoid) are right, but overlaying it with CGCS2000 layers "
        f"needs a datum transformation pyproj has no exact grid for (shifts of some tens of "
        f"metres) — ask for the layer in CGCS2000 (EPSG:4490/4513–4554) before comparing"
    )


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


#: metres per degree of latitude (CGCS2000, mean): a degree of longitude is never longer
METRES_PER_DEGREE = 111_320.0
#: :func:`reproject` splits edges to at most this length (metres) in the source CRS.  A
#: part straight in the source CRS becomes a chord of a curve of curvature κ ≤ 2.1e-7 m⁻¹
#: in the target (tan B / N, China's north), off it by the lens κ s³ / 12: ≤ 2.2e-3 m² per
#: 50 m part, ≤ 4.4e-5 m² per metre of outline (a 1 000 km red line: ≤ 44 m², 0.0044 ha,
#: and far less since opposite edges bend alike and cancel); an edge of 10 km left whole
#: is off its line by ~1 m and moves thousands of m² across a shared boundary.
REPROJECT_EDGE_M = 50.0


def reproject(gdf: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:
    """``gdf`` in ``crs``, its edges first split where they are long, so each keeps its line.

    An edge is straight in the CRS it is drawn in: straight in latitude/longitude for
    EPSG:4490, straight in the plane for a Gauss–Krüger zone.  Projecting only its two
    ends would make it straight in the target CRS instead, moving area from one side of
    a shared boundary to the other (a 10 km edge: ~1 m off its line, thousands of m²).
    Edges are therefore split with :func:`shapely.segmentize` in the source CRS to
    :data:`REPROJECT_EDGE_M` (50 m; in degrees for a geographic CRS:
    ``50 / 111 320``) before the vertices are transformed; the chords left in the target
    CRS bound the error as described there.

    Parameters
    ----------
    gdf : GeoDataFrame
        With a CRS.
    crs : CRS-like
        Target CRS.

    Returns
    -------
    GeoDataFrame
        A copy in ``crs`` (unchanged geometries when the CRS is already ``crs``).

    Examples
    --------
    A 1° edge along the 45th parallel becomes a curve of many vertices in zone 41:

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> g = gpd.GeoDataFrame(geometry=[box(123, 45, 124, 45.01)], crs=4490)
    >>> int(reproject(g, 4529).geometry.iloc[0].exterior.coords.__len__()) > 100
    True
    """
    target = parse_crs(crs)
    if gdf.crs is None:
        raise CRSError("reproject: the layer has no CRS; set one (read_layer(..., crs=...))")
    source = pyproj.CRS.from_user_input(gdf.crs)
    if source.equals(target):
        return gdf.copy()
    if source.is_geographic:
        max_len = REPROJECT_EDGE_M / METRES_PER_DEGREE
    else:
        max_len = REPROJECT_EDGE_M / source.axis_info[0].unit_conversion_factor
    out = gdf.copy()
    out.geometry = shapely.segmentize(np.asarray(gdf.geometry.values, dtype=object), max_len)
    return out.to_crs(target)


def to_working(layers: Mapping, crs=None) -> dict[str, gpd.GeoDataFrame]:
    """Reprojected copies of layers in one CRS, for overlay (see :func:`reproject`).

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
        out[key] = gdf.copy() if same else reproject(gdf, target)
    return out
