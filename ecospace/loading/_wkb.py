"""Polygons read straight from WKB bytes, for geometries GEOS refuses to build.

A ring whose first vertex is NaN cannot be closed (NaN ≠ NaN), so GEOS — and with it
shapely, pyogrio and fiona — cannot build the feature at all.  To say how much area
dropping it removes, :func:`finite_polygon` reads the polygon's vertices from the bytes
and keeps the finite ones.
"""

from __future__ import annotations

import struct

import numpy as np
import shapely

__all__ = ["finite_polygon"]


def _rings(buf: bytes, pos: int) -> tuple[list[list[np.ndarray]], int]:
    """Polygons (lists of rings, each an (n, 2) array) of the WKB geometry at ``pos``."""
    order = "<" if buf[pos] == 1 else ">"
    code = struct.unpack_from(order + "I", buf, pos + 1)[0]
    pos += 5
    dims = 2 + bool(code & 0x80000000) + bool(code & 0x40000000)  # EWKB Z / M flags
    if code & 0x20000000:  # EWKB SRID
        pos += 4
    code &= 0x0FFFFFFF
    dims += {1: 1, 2: 1, 3: 2}.get(code // 1000, 0)  # ISO 1003 (Z), 2003 (M), 3003 (ZM)
    kind = code % 1000
    if kind == 3:
        n_rings = struct.unpack_from(order + "I", buf, pos)[0]
        pos += 4
        rings = []
        for _ in range(n_rings):
            n = struct.unpack_from(order + "I", buf, pos)[0]
            pos += 4
            xy = np.frombuffer(buf, dtype=order + "f8", count=n * dims, offset=pos)
            rings.append(xy.reshape(n, dims)[:, :2])
            pos += 8 * n * dims
        return [rings], pos
    if kind in (6, 7):  # MultiPolygon, GeometryCollection
        n = struct.unpack_from(order + "I", buf, pos)[0]
        pos += 4
        polys = []
        for _ in range(n):
            part, pos = _rings(buf, pos)
            polys.extend(part)
        return polys, pos
    raise ValueError(f"WKB geometry type {kind} is not polygonal")


def finite_polygon(wkb: bytes | None):
    """The polygon(s) of WKB ``wkb`` made of their finite vertices only, or None.

    Rings keeping fewer than three finite vertices are left out; a shell that does is
    closed and made valid.  Bytes that are not a (multi)polygon give None.

    Examples
    --------
    >>> wkb = struct.pack("<bII", 1, 3, 1) + struct.pack("<I", 5) + np.array(
    ...     [np.nan, 0, 2, 0, 2, 2, 0, 2, np.nan, 0]).tobytes()
    >>> finite_polygon(wkb).area
    2.0
    """
    if not wkb:
        return None
    try:
        polys, _ = _rings(bytes(wkb), 0)
    except (ValueError, struct.error):
        return None
    kept = []
    for rings in polys:
        rings = [r[np.isfinite(r).all(axis=1)] for r in rings]
        if rings and len(rings[0]) >= 3:
            holes = [r for r in rings[1:] if len(r) >= 3]
            kept.append(shapely.make_valid(shapely.Polygon(rings[0], holes)))
    if not kept:
        return None
    return shapely.union_all(kept)
