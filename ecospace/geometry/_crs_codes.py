"""CRS codes: reading a user's CRS, naming one, and the CGCS2000 Gauss–Krüger EPSG codes.

A 3° zone number written in front of the easting gives EPSG = 4513 + (zone − 25), a 6°
zone 4491 + (zone − 13); without the prefix the 3° zone of central meridian CM is
EPSG = 4534 + (CM − 75) / 3.  :class:`CRSResolution` is what every decision about a
layer's CRS returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyproj
from pyproj.exceptions import CRSError as _PyprojCRSError

from ecospace.errors import CRSError

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
