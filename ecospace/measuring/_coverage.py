"""How much ground each layer covers: unions without double counting, and the coverage table.

A layer's features may overlap each other; every figure here counts such ground once, by
dissolving only the clusters of features whose interiors meet (``_pairs._clean``).  With a
county boundary the part of each union inside it is what a share counts.  Public from
:mod:`ecospace.measuring.overlap`, where callers import these functions from.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from ecospace._limits import check_denominator
from ecospace.geometry.area import Method
from ecospace.measuring._feature_ids import _fids
from ecospace.measuring._layer_crs import check_same_crs
from ecospace.measuring._pairs import _areas, _Clean, _clean, _outside_geoms

__all__ = ["COVERAGE_COLUMNS", "coverage", "dissolve_overlaps", "union_area"]


def dissolve_overlaps(
    gdf: gpd.GeoDataFrame, *, method: Method = "ellipsoid", _area=None
) -> gpd.GeoDataFrame:
    """Dissolve only the clusters of features whose interiors overlap.

    Features that overlap no other feature are returned unchanged; each group of
    features connected by overlaps becomes one (multi)polygon.  The result covers the
    same area as the input and its features no longer overlap, so their areas add up
    to the area of the union.

    Parameters
    ----------
    gdf : GeoDataFrame
        Polygonal features in a CRS with known area method.
    method : {"ellipsoid", "geodesic", "planar"}
        Area method passed to :func:`ecospace.geometry.area.areas`.

    Returns
    -------
    GeoDataFrame
        Columns ``fids`` (tuple of source fids in the cluster), ``area_m2``, ``geometry``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> g = gpd.GeoDataFrame(geometry=[box(0, 0, 2, 2), box(1, 0, 3, 2), box(5, 5, 6, 6)],
    ...                      crs="EPSG:4529")
    >>> d = dissolve_overlaps(g, method="planar")
    >>> d["fids"].tolist(), d["area_m2"].round(6).tolist()
    ([(2,), (0, 1)], [1.0, 6.0])
    """
    check_same_crs({"layer": gdf})
    c, labels = _clean(gdf, gdf.crs, method, return_labels=True)
    fids = _fids(gdf)
    valid = np.flatnonzero(labels >= 0)
    groups = pd.Series(fids[valid]).groupby(labels[valid]).agg(tuple)
    return gpd.GeoDataFrame(
        {"fids": groups.to_list(), "area_m2": c.area}, geometry=c.geoms, crs=gdf.crs
    )


def union_area(gdf: gpd.GeoDataFrame, *, method: Method = "ellipsoid") -> float:
    """Area of the union of a layer's features in m² (overlaps counted once).

    Parameters
    ----------
    gdf : GeoDataFrame
        Polygonal features with a CRS.
    method : {"ellipsoid", "geodesic", "planar"}
        Area method of :func:`ecospace.geometry.area.areas`.

    Returns
    -------
    float
        :math:`|\\bigcup_i F_i| = \\sum_i |F_i|` over isolated features plus
        :math:`|\\bigcup C|` over each cluster :math:`C` of features whose interiors meet.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> g = gpd.GeoDataFrame(geometry=[box(0, 0, 2, 2), box(1, 1, 3, 3)], crs="EPSG:4529")
    >>> union_area(g, method="planar")
    7.0
    """
    check_same_crs({"layer": gdf})
    return float(_clean(gdf, gdf.crs, method).area.sum())


def coverage(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    denominator_m2: float | None = None,
    method: Method = "ellipsoid",
    boundary: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Area covered by each layer: the union (no double counting) beside the plain sum.

    Parameters
    ----------
    layers : mapping of role to GeoDataFrame
        Layers in one CRS.
    denominator_m2 : float, optional
        Total area the shares refer to (e.g. the county boundary's computed area);
        shares are NaN without it.
    method : {"ellipsoid", "geodesic", "planar"}
    boundary : GeoDataFrame, optional
        The county boundary: only the part of each union inside it counts toward the
        share (``inside_m2``); the rest is ``outside_m2``.  Default: the ``"boundary"``
        layer of ``layers`` when there is one.

    Returns
    -------
    DataFrame
        Columns ``role, features, union_m2, sum_m2, double_counted_m2, inside_m2,
        outside_m2, share``.  With a boundary ``share = inside_m2 / denominator_m2`` (a
        layer lying outside the county adds nothing to the county's share); without
        one ``inside_m2``/``outside_m2`` are NaN and ``share = union_m2 / denominator_m2``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> pa = gpd.GeoDataFrame(geometry=[box(0, 0, 2, 2), box(1, 1, 3, 3)], crs="EPSG:4529")
    >>> c = coverage({"protected_area": pa}, denominator_m2=14, method="planar")
    >>> c[["union_m2", "sum_m2", "double_counted_m2", "share"]].values.tolist()
    [[7.0, 8.0, 1.0, 0.5]]
    >>> county = gpd.GeoDataFrame(geometry=[box(0, 0, 2, 7)], crs="EPSG:4529")
    >>> c = coverage({"protected_area": pa}, boundary=county, denominator_m2=14, method="planar")
    >>> c[["union_m2", "inside_m2", "outside_m2", "share"]].values.tolist()
    [[7.0, 5.0, 2.0, 0.35714285714285715]]
    """
    denominator_m2 = check_denominator(denominator_m2)
    named = dict(layers)
    if boundary is not None:
        named["boundary"] = boundary
    crs = check_same_crs(named)
    cleaned = {role: _clean(gdf, crs, method) for role, gdf in named.items()}
    return _coverage_frame(
        {r: cleaned[r] for r in layers}, cleaned.get("boundary"), denominator_m2, crs, method
    )


COVERAGE_COLUMNS = [
    "role",
    "features",
    "union_m2",
    "sum_m2",
    "double_counted_m2",
    "inside_m2",
    "outside_m2",
    "share",
]


def _coverage_frame(cleaned, boundary: _Clean | None, denominator_m2, crs, method, outside=None):
    """Coverage rows from cleaned layers; ``outside`` caches {role: m² outside the boundary}."""
    outside = dict(outside or {})
    rows = []
    for role, c in cleaned.items():
        u = float(c.area.sum())
        if boundary is None:
            inside = out = np.nan
        else:
            if role not in outside:
                outside[role] = (
                    0.0
                    if c is boundary
                    else float(
                        _areas(_outside_geoms(c.geoms, boundary.geoms)[1], crs, method).sum()
                    )
                )
            out = outside[role]
            inside = u - out
        rows.append(
            {
                "role": role,
                "features": c.n_features,
                "union_m2": u,
                "sum_m2": c.member_area_sum,
                "double_counted_m2": c.member_area_sum - u,
                "inside_m2": inside,
                "outside_m2": out,
                "share": (u if boundary is None else inside) / denominator_m2
                if denominator_m2
                else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=COVERAGE_COLUMNS)
