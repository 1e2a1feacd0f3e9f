"""The conflict features themselves: overlap, outside and self-overlap pieces with their ids.

Where :mod:`ecospace.measuring.overlap` gives the area of an overlap, these functions give
its pieces, one row per pair of source features (or per feature with a part outside),
named by the source features' ids so a reviewer can find them; :func:`write_conflicts`
(:mod:`ecospace.rendering.conflicts`) writes them out.  Public from
:mod:`ecospace.measuring.overlap`, where callers import these functions from.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecospace.geometry.area import Method
from ecospace.measuring._feature_ids import _attach_ids, _fids, _src_fids, id_field
from ecospace.measuring._layer_crs import check_same_crs
from ecospace.measuring._pairs import (
    _areas,
    _Clean,
    _clean,
    _drop_noise,
    _geoms,
    _outside_geoms,
    _pieces,
    _polygonal,
)

__all__ = ["outside_pieces", "overlap_pieces", "self_overlaps"]


def overlap_pieces(
    a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, *, method: Method = "ellipsoid"
) -> gpd.GeoDataFrame:
    """Intersection of every feature of ``a`` with every feature of ``b`` that it overlaps.

    One piece per pair of source features (pieces may overlap each other when a layer
    overlaps itself; use :func:`overlap_area` for the area of the overlap of the layers).

    Returns
    -------
    GeoDataFrame
        Columns ``a_fid, b_fid`` (0-based rows), ``a_src_fid, b_src_fid`` (the sources'
        own feature ids, when the layers have a ``src_fid`` column as read by
        :func:`ecospace.loading.layers.read_layer`), ``a_<ID>``/``b_<ID>`` for an id field such as
        ``YJJBNTTBBH`` when present, ``area_m2``, ``area_ha``, ``geometry``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> a = gpd.GeoDataFrame(geometry=[box(0, 0, 2, 2)], crs="EPSG:4529")
    >>> b = gpd.GeoDataFrame(geometry=[box(1, 1, 3, 3), box(5, 5, 6, 6)], crs="EPSG:4529")
    >>> p = overlap_pieces(a, b, method="planar")
    >>> p[["a_fid", "b_fid"]].values.tolist(), p["area_m2"].tolist()
    ([[0, 0]], [1.0])
    """
    crs = check_same_crs({"a": a, "b": b})
    ga, gb = _geoms(a), _geoms(b)
    pieces = _pieces(ga, gb, _areas(ga, crs, method), _areas(gb, crs, method), crs, method)
    return _pieces_frame(a, b, *pieces, crs)


def _pieces_frame(a, b, ia, jb, geom, area, crs) -> gpd.GeoDataFrame:
    order = np.lexsort((jb, ia))
    ia, jb, geom, area = ia[order], jb[order], geom[order], area[order]
    df = pd.DataFrame(index=range(len(ia)))
    _attach_ids(df, a, ia, "a_")
    _attach_ids(df, b, jb, "b_")
    df["area_m2"] = area
    df["area_ha"] = area / 1e4
    return gpd.GeoDataFrame(df, geometry=geom, crs=crs)


def outside_pieces(
    inner: gpd.GeoDataFrame,
    outer: gpd.GeoDataFrame,
    *,
    method: Method = "ellipsoid",
    min_area_m2: float = 0.0,
) -> gpd.GeoDataFrame:
    """The part of each ``inner`` feature that lies outside the union of ``outer``.

    Features covered by a single outer feature are skipped by a prepared ``covers``
    query; the rest are differenced against only the outer features they meet, one
    candidate rank at a time across all features (a vectorised loop whose length is
    the largest number of candidates of any one feature).

    Parameters
    ----------
    inner, outer : GeoDataFrame
        Same CRS.
    method : {"ellipsoid", "geodesic", "planar"}
    min_area_m2 : float, default 0
        Pieces smaller than this are dropped (numerical slivers).

    Returns
    -------
    GeoDataFrame
        ``fid`` (0-based row), ``src_fid`` (when ``inner`` has that column), the id field
        of ``inner`` when present, ``feature_m2`` (area of the whole feature), ``area_m2``,
        ``area_ha`` and ``geometry`` of the outside part; one row per inner feature with a
        part outside.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> pa = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), box(3, 0, 5, 1)], crs="EPSG:4529")
    >>> red = gpd.GeoDataFrame(geometry=[box(0, 0, 4, 1)], crs="EPSG:4529")
    >>> o = outside_pieces(pa, red, method="planar")
    >>> o["fid"].tolist(), o["area_m2"].tolist()
    ([1], [1.0])
    """
    crs = check_same_crs({"inner": inner, "outer": outer})
    return _outside(
        inner, _clean(inner, crs, method), _clean(outer, crs, method), crs, method, min_area_m2
    )


def _outside(inner, ci: _Clean, co: _Clean, crs, method: Method, min_area_m2: float = 0.0):
    todo, result = _outside_geoms(ci.source, co.geoms)
    result = _drop_noise(result, crs, "outside")
    area = _areas(result, crs, method)
    keep = area > max(min_area_m2, 0.0)
    pos = todo[keep]
    df = pd.DataFrame(index=range(len(pos)))
    _attach_ids(df, inner, pos, "")
    df["feature_m2"] = ci.feature_area[pos]
    df["area_m2"] = area[keep]
    df["area_ha"] = area[keep] / 1e4
    return gpd.GeoDataFrame(df, geometry=result[keep], crs=crs)


def self_overlaps(gdf: gpd.GeoDataFrame, *, method: Method = "ellipsoid") -> gpd.GeoDataFrame:
    """Pairs of features of one layer whose interiors overlap, duplicates flagged.

    Returns
    -------
    GeoDataFrame
        ``fid_a, fid_b`` (0-based rows), ``src_fid_a, src_fid_b`` (when ``gdf`` has a
        ``src_fid`` column), ``<ID>_a``/``<ID>_b`` for an id field when present,
        ``area_m2``, ``area_ha``, ``duplicate`` (the two geometries are topologically
        equal) and the overlap ``geometry``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> g = gpd.GeoDataFrame(geometry=[box(0, 0, 2, 2), box(0, 0, 2, 2), box(1, 1, 3, 3)],
    ...                      crs="EPSG:4529")
    >>> so = self_overlaps(g, method="planar")
    >>> so[["fid_a", "fid_b", "area_m2", "duplicate"]].values.tolist()
    [[0, 1, 4.0, True], [0, 2, 1.0, False], [1, 2, 1.0, False]]
    """
    crs = check_same_crs({"layer": gdf})
    return _self_overlap_frame(gdf, _clean(gdf, crs, method), crs, method)


def _self_overlap_frame(gdf, clean: _Clean, crs, method: Method) -> gpd.GeoDataFrame:
    g = clean.source
    order = np.lexsort((clean.pair_j, clean.pair_i))
    i, j = clean.pair_i[order], clean.pair_j[order]
    dup = shapely.equals(g[i], g[j]) if len(i) else np.zeros(0, bool)
    inter = np.empty(len(i), dtype=object)
    inter[dup] = g[i[dup]]
    area = np.zeros(len(i))
    area[dup] = clean.feature_area[i[dup]]
    if (~dup).any():
        inter[~dup] = _polygonal(shapely.intersection(g[i[~dup]], g[j[~dup]]))
        area[~dup] = _areas(inter[~dup], crs, method)
    keep = area > 0
    df = pd.DataFrame(index=range(int(keep.sum())))
    fids = _fids(gdf)
    df["fid_a"] = fids[i[keep]]
    df["fid_b"] = fids[j[keep]]
    src = _src_fids(gdf)
    if src is not None:
        df["src_fid_a"] = src[i[keep]]
        df["src_fid_b"] = src[j[keep]]
    f = id_field(gdf)
    if f is not None and f != "fid":
        df[f"{f}_a"] = gdf[f].to_numpy()[i[keep]]
        df[f"{f}_b"] = gdf[f].to_numpy()[j[keep]]
    df["area_m2"] = area[keep]
    df["area_ha"] = area[keep] / 1e4
    df["duplicate"] = dup[keep]
    return gpd.GeoDataFrame(df, geometry=inter[keep], crs=crs)
