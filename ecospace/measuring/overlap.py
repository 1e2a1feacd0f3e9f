"""Coverage, overlaps, containment and within-layer conflicts of planning layers.

Every function is pure over GeoDataFrames that share one projected CRS (bring them
there with :func:`ecospace.geometry.crs.to_working`); areas are square metres computed by
:func:`ecospace.geometry.area.areas` with the ``method`` asked for.  Nothing here keeps global
state, so the functions can run per spatial partition: union areas, overlap areas and
areas outside of partitions that do not overlap simply add up.

The vectorised pair search, the cleaning of self-overlapping layers and the dropping
of sliver noise live in ``_pairs``; the conflicts GeoPackage is written by ``_conflicts``
(:func:`write_conflicts`, re-exported here).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from itertools import combinations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ecospace._limits import check_denominator
from ecospace.errors import CRSError, GeometryError
from ecospace.geometry.area import Method
from ecospace.loading.layers import CONTROL_LINES
from ecospace.measuring._pairs import (
    NOISE_WIDTH_M,  # noqa: F401 - re-exported: the width below which pieces are noise
    _areas,
    _Clean,
    _clean,
    _drop_noise,
    _geoms,
    _outside_geoms,
    _pieces,
    _polygonal,
)
from ecospace.rendering.conflicts import ROW_COLUMNS, SRC_FID_COLUMNS, write_conflicts  # noqa: F401 - re-exported
from ecospace.vocabulary import ID_FIELDS

__all__ = [
    "CONTAINMENT",
    "CONTROL_LINES",
    "ID_FIELDS",
    "MUST_NOT_OVERLAP",
    "OVERLAP_ROLES",
    "OVERLAP_TOLERANCE_M2",
    "coverage",
    "dissolve_overlaps",
    "outside_pieces",
    "overlap_area",
    "overlap_matrix",
    "overlap_pieces",
    "self_overlaps",
    "union_area",
    "write_conflicts",
]

log = logging.getLogger("ecospace")

#: Pairs of roles that must not overlap at all.
MUST_NOT_OVERLAP: frozenset[frozenset[str]] = frozenset(
    frozenset(p) for p in combinations(CONTROL_LINES, 2)
)
#: A must-not-overlap pair is "violated" when it overlaps on at least this much (m²):
#: 0.01 ha, the precision plan tables state areas to.  Smaller overlaps are reported with
#: their area but pass ("ok"); slivers under 1 mm wide are already dropped as noise.
OVERLAP_TOLERANCE_M2 = 100.0
#: Roles that enter the overlap matrix, in this order.
OVERLAP_ROLES: tuple[str, ...] = ("red_line", "basic_farmland", "urban_boundary", "protected_area")
#: (inner, outer): the inner role must lie inside the outer one (integrated protected
#: areas inside the red line; every layer inside the county boundary).
CONTAINMENT: tuple[tuple[str, str], ...] = (
    ("protected_area", "red_line"),
    ("red_line", "boundary"),
    ("basic_farmland", "boundary"),
    ("urban_boundary", "boundary"),
    ("protected_area", "boundary"),
    ("townships", "boundary"),
)


# ----------------------------------------------------------------------------- helpers
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


def _fids(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Source feature ids: the ``fid`` column kept by read_layer, else the 0-based position."""
    if "fid" in gdf.columns:
        return gdf["fid"].to_numpy()
    return np.arange(len(gdf), dtype=np.int64)


def _src_fids(gdf: gpd.GeoDataFrame) -> np.ndarray | None:
    """The source's own feature ids (``src_fid`` kept by read_layer), ``None`` without them."""
    if "src_fid" in gdf.columns:
        return gdf["src_fid"].to_numpy()
    return None


def id_field(gdf: gpd.GeoDataFrame) -> str | None:
    """The first of :data:`ID_FIELDS` present in ``gdf`` (``None`` when none is)."""
    for f in ID_FIELDS:
        if f in gdf.columns:
            return f
    return None


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


# ----------------------------------------------------------------------------- public API
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


def _attach_ids(df: pd.DataFrame, gdf: gpd.GeoDataFrame, pos: np.ndarray, prefix: str) -> None:
    df[f"{prefix}fid"] = _fids(gdf)[pos]
    src = _src_fids(gdf)
    if src is not None:
        df[f"{prefix}src_fid"] = src[pos]
    f = id_field(gdf)
    if f is not None and f != "fid":
        df[f"{prefix}{f}"] = gdf[f].to_numpy()[pos]


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


def overlap_area(
    a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, *, method: Method = "ellipsoid"
) -> float:
    """Area of ``union(a) ∩ union(b)`` in m², overlaps inside either layer counted once.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> a = gpd.GeoDataFrame(geometry=[box(0, 0, 2, 2), box(0, 0, 2, 2)], crs="EPSG:4529")
    >>> b = gpd.GeoDataFrame(geometry=[box(1, 0, 3, 2)], crs="EPSG:4529")
    >>> overlap_area(a, b, method="planar")
    2.0
    """
    crs = check_same_crs({"a": a, "b": b})
    ca, cb = _clean(a, crs, method), _clean(b, crs, method)
    return float(_pieces(ca.geoms, cb.geoms, ca.area, cb.area, crs, method)[3].sum())


def overlap_matrix(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    method: Method = "ellipsoid",
    denominator_m2: float | None = None,
    roles: tuple[str, ...] | None = None,
    tolerance_m2: float = OVERLAP_TOLERANCE_M2,
    _cleaned: Mapping[str, _Clean] | None = None,
    _pieces_of=None,
) -> pd.DataFrame:
    """Overlap of every pair of layers, with the three control lines' rule flagged.

    Parameters
    ----------
    layers : mapping of role to GeoDataFrame
    method : {"ellipsoid", "geodesic", "planar"}
    denominator_m2 : float, optional
        Adds ``share_of_total`` (overlap / denominator).
    roles : tuple of str, optional
        Roles to pair, in order; default: those of :data:`OVERLAP_ROLES` present, or all
        given layers when none of them is.
    tolerance_m2 : float, default :data:`OVERLAP_TOLERANCE_M2` (100 m² = 0.01 ha)
        A must-not-overlap pair overlapping on at least this much is ``"violated"``.

    Returns
    -------
    DataFrame
        One row per unordered pair: ``role_a, role_b, area_m2, share_of_a, share_of_b,
        share_of_total, must_not_overlap, status`` (shares are fractions of each layer's
        union; ``status`` is ``"violated"`` or ``"ok"`` for pairs under the
        三条控制线不交叉、不重叠 rule, empty for the others).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> red = gpd.GeoDataFrame(geometry=[box(0, 0, 4, 1)], crs="EPSG:4529")
    >>> farm = gpd.GeoDataFrame(geometry=[box(3, 0, 5, 1)], crs="EPSG:4529")
    >>> m = overlap_matrix({"red_line": red, "basic_farmland": farm}, method="planar")
    >>> m[["area_m2", "share_of_a", "share_of_b", "must_not_overlap", "status"]].values.tolist()
    [[1.0, 0.25, 0.5, True, 'ok']]
    >>> overlap_matrix({"red_line": red, "basic_farmland": farm}, method="planar",
    ...                tolerance_m2=1)["status"].tolist()
    ['violated']
    """
    denominator_m2 = check_denominator(denominator_m2)
    crs = check_same_crs(layers)
    if roles is None:
        roles = tuple(r for r in OVERLAP_ROLES if r in layers) or tuple(layers)
    cleaned = dict(_cleaned or {})
    for r in roles:
        if r not in cleaned:
            cleaned[r] = _clean(layers[r], crs, method)
    rows = []
    for ra, rb in combinations(roles, 2):
        ca, cb = cleaned[ra], cleaned[rb]
        if _pieces_of is not None:
            area = float(_pieces_of(ra, rb)[3].sum())
        else:
            area = float(_pieces(ca.geoms, cb.geoms, ca.area, cb.area, crs, method)[3].sum())
        ua, ub = float(ca.area.sum()), float(cb.area.sum())
        rule = frozenset((ra, rb)) in MUST_NOT_OVERLAP
        rows.append(
            {
                "role_a": ra,
                "role_b": rb,
                "area_m2": area,
                "share_of_a": area / ua if ua else np.nan,
                "share_of_b": area / ub if ub else np.nan,
                "share_of_total": area / denominator_m2 if denominator_m2 else np.nan,
                "must_not_overlap": rule,
                "status": ("violated" if area >= tolerance_m2 else "ok") if rule else "",
            }
        )
    cols = [
        "role_a",
        "role_b",
        "area_m2",
        "share_of_a",
        "share_of_b",
        "share_of_total",
        "must_not_overlap",
        "status",
    ]
    return pd.DataFrame(rows, columns=cols)


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
