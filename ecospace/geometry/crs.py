"""Coordinate reference systems: read them, infer them when missing, pick one for overlay.

Chinese survey data are in CGCS2000: geographic (EPSG:4490) or Gauss–Krüger projected.
A 3° zone number is written in front of the easting (``41 512 345.6`` → zone 41,
EPSG = 4513 + (zone − 25)); a 6° zone likewise (zones 13–23, EPSG 4491–4501).  Without
the prefix (false easting 500 000) the zone must come from the county's location:
EPSG = 4534 + (CM − 75) / 3 for the 3° zone with central meridian CM.

Every inference is reported (a ``logging`` WARNING and the ``how`` text), never silent.

This module decides a layer's CRS from the file, the user and the coordinates
(:func:`resolve_crs`) and warns of old datums; the codes and parsing are in
:mod:`ecospace.geometry._crs_codes`, recognition from coordinates in
:mod:`ecospace.geometry._zone_inference`, the working CRS and reprojection in
:mod:`ecospace.geometry._working_crs`.  All public names are importable from here.
"""

from __future__ import annotations

import logging
import re

import pyproj

from ecospace.errors import CRSError
from ecospace.geometry._crs_codes import (
    CGCS2000,
    CHINA_LONLAT,
    HUGE,
    SUPPLY_HINT,
    SUPPLY_HINT_6,
    CRSResolution,
    describe,
    gk_cm_epsg,
    gk_zone_epsg,
    parse_crs,
    parse_crs_option,
)
from ecospace.geometry._working_crs import (
    METRES_PER_DEGREE,
    REPROJECT_EDGE_M,
    reproject,
    to_working,
    working_crs,
)
from ecospace.geometry._zone_inference import (
    COUNTY_MARGIN,
    FIT_SHARE,
    _check_huge,
    _fmt,
    _in_china,
    _in_degrees,
    _swapped,
    infer_crs,
)

__all__ = [
    "CGCS2000",
    "CHINA_LONLAT",
    "COUNTY_MARGIN",
    "FIT_SHARE",
    "HUGE",
    "METRES_PER_DEGREE",
    "REPROJECT_EDGE_M",
    "SUPPLY_HINT",
    "SUPPLY_HINT_6",
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
