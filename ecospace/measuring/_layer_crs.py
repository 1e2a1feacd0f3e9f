"""The one CRS the layers being measured share, and its name as the tables print it.

Every measuring function takes GeoDataFrames in one projected CRS (bring them there with
:func:`ecospace.geometry.crs.to_working`); :func:`check_same_crs` refuses layers without a
CRS or in different ones before anything is measured.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import pyproj

from ecospace.errors import CRSError, GeometryError

__all__ = ["check_same_crs"]


def _crs_name(crs) -> str:
    if crs is None:
        return "no CRS"
    crs = pyproj.CRS.from_user_input(crs)
    epsg = crs.to_epsg()
    return f"EPSG:{epsg} {crs.name}" if epsg else crs.name


def check_same_crs(layers: Mapping[str, gpd.GeoDataFrame]) -> pyproj.CRS:
    """Return the CRS all layers share; raise :class:`CRSError` naming the first mismatch."""
    first_name, first_crs = None, None
    for name, gdf in layers.items():
        if gdf.crs is None:
            raise CRSError(
                f"layer {name!r} has no CRS; set one (read_layer(..., crs=...)) "
                "before measuring areas"
            )
        if first_crs is None:
            first_name, first_crs = name, gdf.crs
        elif not gdf.crs.equals(first_crs):
            raise CRSError(
                f"layers {first_name!r} ({_crs_name(first_crs)}) and {name!r} "
                f"({_crs_name(gdf.crs)}) are in different CRSs; bring them to one with "
                "ecospace.geometry.crs.to_working(...) or GeoDataFrame.to_crs(...)"
            )
    if first_crs is None:
        raise GeometryError("no layers given")
    return first_crs
