"""Area of polygons, the way Chinese land statistics compute it.

PLACEHOLDER: the signatures below are the contract other modules rely on; the full
implementation (official ellipsoidal series, geodesic and planar methods) lands with
issue #3.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pyproj
import shapely

Method = Literal["ellipsoid", "geodesic", "planar"]
METHODS: tuple[str, ...] = ("ellipsoid", "geodesic", "planar")


def areas(geoms, crs=None, *, method: Method = "ellipsoid", planar_crs=None) -> np.ndarray:
    """Area in square metres of each geometry (placeholder: geodesic for every method)."""
    crs = pyproj.CRS.from_user_input(crs if crs is not None else geoms.crs)
    geoms = np.asarray(getattr(geoms, "values", geoms), dtype=object)
    geog = crs.geodetic_crs
    tr = pyproj.Transformer.from_crs(crs, geog, always_xy=True)
    geod = geog.get_geod()
    out = np.zeros(len(geoms))
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            continue
        g2 = shapely.transform(g, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))
        out[i] = abs(geod.geometry_area_perimeter(g2)[0])
    return out
