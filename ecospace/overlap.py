"""Coverage, overlaps, containment and within-layer conflicts of planning layers.

Every function is pure over GeoDataFrames that share one projected CRS (bring them
there with :func:`ecospace.crs.to_working`); areas are square metres computed by
:func:`ecospace.area.areas` with the ``method`` asked for.  Nothing here keeps global
state, so the functions can run per spatial partition: union areas, overlap areas and
areas outside of partitions that do not overlap simply add up.

How the work is kept vectorised
-------------------------------
* Candidate pairs come from one :class:`shapely.STRtree` query with a predicate
  (the input geometry is prepared by GEOS).
* Pairs where one geometry *covers* the other are found by a second prepared query;
  their intersection is the smaller geometry, whose area is already known, so no
  overlay is run for them (the usual case: a farmland patch inside one township).
* Only the remaining pairs go through :func:`shapely.intersection` on arrays.
* A layer whose features overlap is made interior-disjoint ("cleaned") by dissolving
  only the clusters of features whose interiors meet (connected components found with
  a small union–find in numpy); isolated features keep their own geometry and area.
  Overlaps between two cleaned layers then never count an area twice.
* Features that may overlap a neighbour are found with GEOS' coverage validator
  (:func:`shapely.coverage_invalid_edges`), one linear pass, so layers that tile the
  county (land-use parcels, townships) are not tested pair by pair along every shared
  edge.

Slivers: layers that share edges (a red line moved between EPSG:4490 and a Gauss–Krüger
zone, say) intersect in parts a fraction of a millimetre wide.  Their planar area is
~0.01 m², but the official series, which takes edges as straight lines in latitude and
longitude, gives such a 400 m sliver ~0.8 m².  Parts of cut pieces whose mean width
(2·area/perimeter in the projected working CRS) is under :data:`NOISE_WIDTH_M` are
therefore dropped as coordinate noise, and how many is logged.

Areas of cut pieces: the official ellipsoidal formula is evaluated on vertices, so a
feature cut in two (at a township edge, say) has pieces whose areas add up to its own
only to ~1e-6; tables that must add up say how much is left (``method_residue``).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ._errors import CRSError, GeometryError
from ._output import refuse_overwrite
from .area import Method, areas
from .layers import CONTROL_LINES

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
#: Attribute fields that identify a source feature to GIS staff, first match wins.
ID_FIELDS: tuple[str, ...] = (
    "YJJBNTTBBH",
    "TBBH",
    "BSM",
    "HXBH",
    "HXMC",
    "ZRBHDMC",
    "XZQDM",
    "XZQMC",
    "GHFQDM",
    "MC",
    "NAME",
    "name",
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
                "ecospace.crs.to_working(...) or GeoDataFrame.to_crs(...)"
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


def _geoms(gdf) -> np.ndarray:
    """Geometry array with None/empty kept as None and invalid polygons repaired."""
    g = np.asarray(getattr(gdf, "geometry", gdf).values, dtype=object).copy()
    missing = shapely.is_missing(g) | shapely.is_empty(g)
    g[missing] = None
    bad = ~missing & ~shapely.is_valid(g)
    if bad.any():
        log.warning("repairing %d invalid geometries before overlay", int(bad.sum()))
        g[bad] = _polygonal(shapely.make_valid(g[bad]))
    return g


def _polygonal(g: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of each geometry (intersections may add lines/points)."""
    g = np.asarray(g, dtype=object)
    out = g.copy()
    tid = shapely.get_type_id(g)
    mixed = tid == 7  # GeometryCollection
    lower = np.isin(tid, (0, 1, 2, 4, 5))  # points / lines: no area
    out[lower] = None
    if mixed.any():
        idx = np.flatnonzero(mixed)
        parts, which = shapely.get_parts(g[idx], return_index=True)
        pt = shapely.get_type_id(parts)
        keep = (pt == 3) | (pt == 6)
        polys, pwhich = shapely.get_parts(parts[keep], return_index=True)
        pwhich = which[keep][pwhich]
        rebuilt = np.full(len(idx), None, dtype=object)
        if len(polys):
            uniq = np.unique(pwhich)
            built = shapely.multipolygons(polys, indices=np.searchsorted(uniq, pwhich))
            rebuilt[uniq] = built
        out[idx] = rebuilt
    return out


#: Parts of cut pieces thinner than this (mean width 2·area/perimeter, metres) are noise.
NOISE_WIDTH_M = 0.001


def _drop_noise(g: np.ndarray, crs, what: str) -> np.ndarray:
    """Remove the parts of ``g`` thinner than :data:`NOISE_WIDTH_M`; log how many.

    Only in a projected CRS (metres); the width is the mean width 2·area/perimeter of
    each polygon part, so a real overlap with a sliver attached keeps its real part.
    """
    g = np.asarray(g, dtype=object)
    if len(g) == 0 or not pyproj.CRS.from_user_input(crs).is_projected:
        return g
    parts, which = shapely.get_parts(g, return_index=True)
    if len(parts) == 0:
        return g
    noise = 2.0 * shapely.area(parts) < NOISE_WIDTH_M * shapely.length(parts)
    if not noise.any():
        return g
    log.info(
        "%s: dropped %d sliver parts thinner than %g mm (coordinate noise; %.3g m² planar)",
        what,
        int(noise.sum()),
        NOISE_WIDTH_M * 1000,
        float(shapely.area(parts[noise]).sum()),
    )
    out = g.copy()
    touched = np.unique(which[noise])
    out[touched] = None
    keep = ~noise & np.isin(which, touched)
    if keep.any():
        kept_which = which[keep]
        uniq = np.unique(kept_which)
        built = shapely.multipolygons(parts[keep], indices=np.searchsorted(uniq, kept_which))
        single = shapely.get_num_geometries(built) == 1
        built[single] = shapely.get_geometry(built[single], 0)
        out[uniq] = built
    return out


def _areas(g: np.ndarray, crs, method: Method) -> np.ndarray:
    g = np.asarray(g, dtype=object)
    if len(g) == 0:
        return np.zeros(0)
    ok = ~(shapely.is_missing(g) | shapely.is_empty(g))
    out = np.zeros(len(g))
    if ok.any():
        out[ok] = areas(g[ok], crs, method=method)
    return out


def _components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Connected-component label (smallest member index) of each of ``n`` nodes.

    A vectorised union–find: hook the larger root onto the smaller one for every edge
    at once, then compress paths by pointer jumping; repeat until every edge joins
    two nodes with the same root (a few rounds, logarithmic in the component size).
    """
    parent = np.arange(n)
    if len(i) == 0:
        return parent
    while True:
        ri, rj = parent[i], parent[j]
        diff = ri != rj
        if not diff.any():
            return parent
        lo, hi = np.minimum(ri[diff], rj[diff]), np.maximum(ri[diff], rj[diff])
        np.minimum.at(parent, hi, lo)
        while True:
            nxt = parent[parent]
            if np.array_equal(nxt, parent):
                break
            parent = nxt


def _interior_pairs(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of features of one layer whose interiors meet (touching excluded).

    Land-use parcels and township boundaries tile the county: nearly every feature
    touches several others, and testing each touching pair is what costs.  GEOS'
    coverage validator finds, in one pass, the features with an edge that is not
    matched by a neighbour (every pair whose interiors meet has at least one such
    feature: either some edge of one runs inside the other, or the two are identical,
    whose edges are then matched more than once), so only those are paired and tested.
    """
    if len(g) > 64:
        suspect = np.flatnonzero(~shapely.is_empty(shapely.coverage_invalid_edges(g)))
    else:
        suspect = np.arange(len(g))
    if len(suspect) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    tree = shapely.STRtree(g)
    k, j = tree.query(g[suspect], predicate="intersects")
    i = suspect[k]
    i, j = np.minimum(i, j), np.maximum(i, j)
    keep = i < j
    pairs = np.unique(np.column_stack((i[keep], j[keep])), axis=0)
    i, j = pairs[:, 0], pairs[:, 1]
    if len(i):
        meet = shapely.relate_pattern(g[i], g[j], "T********")
        i, j = i[meet], j[meet]
    return i, j


@dataclass
class _Clean:
    """An interior-disjoint version of a layer: overlapping clusters dissolved."""

    geoms: np.ndarray  # one geometry per cluster (isolated features as they were)
    area: np.ndarray  # m² of each
    member_area_sum: float  # Σ areas of the source features
    n_features: int
    src: np.ndarray  # source position of each output geometry (-1 for a dissolved cluster)
    pair_i: np.ndarray  # source positions (i < j) of features whose interiors meet
    pair_j: np.ndarray
    feature_area: np.ndarray  # m² of every source feature (0 for missing geometries)
    source: np.ndarray  # the source geometries, repaired (None where missing)
    labels: np.ndarray  # index into ``geoms`` of each source feature (-1 where missing)

    @property
    def has_clusters(self) -> bool:
        return bool(len(self.pair_i))


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
        Area method passed to :func:`ecospace.area.areas`.

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


def _clean(gdf, crs, method: Method, *, feature_area=None, return_labels=False):
    g = _geoms(gdf)
    a = _areas(g, crs, method) if feature_area is None else feature_area
    present = np.flatnonzero(g != None)  # noqa: E711 (object array comparison)
    gp = g[present]
    i, j = _interior_pairs(gp)
    lab = _components(len(gp), i, j)
    isolated = np.ones(len(gp), dtype=bool)
    isolated[i] = False
    isolated[j] = False
    roots = np.unique(lab[~isolated])
    out_g = list(gp[isolated])
    out_a = list(a[present][isolated])
    if len(roots):
        # one union per cluster: clusters are few and small; isolated features skip this
        order = np.argsort(lab, kind="stable")
        order = order[~isolated[order]]
        bounds = np.flatnonzero(np.diff(lab[order])) + 1
        unions = [shapely.union_all(gp[idx]) for idx in np.split(order, bounds)]
        unions = _polygonal(np.asarray(unions, dtype=object))
        out_g.extend(unions)
        out_a.extend(_areas(unions, crs, method))
    src = np.r_[present[isolated], np.full(len(roots), -1)].astype(np.int64)
    # output order: isolated features first (in input order), then clusters by root
    labels = np.full(len(g), -1)
    out_idx = np.empty(len(gp), dtype=np.int64)
    iso_pos = np.flatnonzero(isolated)
    out_idx[iso_pos] = np.arange(len(iso_pos))
    if len(roots):
        nonisolated = ~isolated
        out_idx[nonisolated] = len(iso_pos) + np.searchsorted(roots, lab[nonisolated])
    labels[present] = out_idx
    clean = _Clean(
        geoms=np.asarray(out_g, dtype=object),
        area=np.asarray(out_a, dtype=float),
        member_area_sum=float(a.sum()),
        n_features=len(gp),
        src=src,
        pair_i=present[i],
        pair_j=present[j],
        feature_area=a,
        source=g,
        labels=labels,
    )
    if return_labels:
        return clean, labels
    return clean


def _pair_key(i: np.ndarray, j: np.ndarray, nb: int) -> np.ndarray:
    return i.astype(np.int64) * max(nb, 1) + j.astype(np.int64)


def _pieces(ga, gb, area_a, area_b, crs, method: Method):
    """Intersection pieces of every pair (i in a, j in b) whose interiors meet.

    Returns (i, j, geometry, area).  The side with fewer (hence larger) features is
    the prepared query input and the other side fills the tree, so each test runs
    against a prepared big polygon rather than re-reading it for every small one.
    Pairs where one side covers the other reuse the covered geometry and its known
    area instead of running the overlay.
    """
    ga = np.asarray(ga, dtype=object)
    gb = np.asarray(gb, dtype=object)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, object), np.zeros(0))
    if len(ga) == 0 or len(gb) == 0:
        return empty
    swap = len(ga) > len(gb)
    gq, gt = (gb, ga) if swap else (ga, gb)
    aq, at = (area_b, area_a) if swap else (area_a, area_b)
    shapely.prepare(gq)
    tree = shapely.STRtree(gt)
    q, t = tree.query(gq, predicate="intersects")
    if len(q) == 0:
        return empty
    nt = len(gt)
    key = _pair_key(q, t, nt)
    cq, ct = tree.query(gq, predicate="covers")  # query geometry covers tree geometry
    q_covers = np.isin(key, _pair_key(cq, ct, nt))
    # a tree geometry can cover the query geometry only if its box holds the other box
    bq, bt = shapely.bounds(gq[q]), shapely.bounds(gt[t])
    maybe = ~q_covers & np.all(bt[:, :2] <= bq[:, :2], axis=1) & np.all(bt[:, 2:] >= bq[:, 2:], 1)
    t_covers = np.zeros(len(q), dtype=bool)
    if maybe.any():
        m = np.flatnonzero(maybe)
        t_covers[m] = shapely.covers(gt[t[m]], gq[q[m]])
    rest = ~(q_covers | t_covers)
    geom = np.empty(len(q), dtype=object)
    area = np.zeros(len(q))
    geom[q_covers] = gt[t[q_covers]]
    area[q_covers] = at[t[q_covers]]
    geom[t_covers] = gq[q[t_covers]]
    area[t_covers] = aq[q[t_covers]]
    if rest.any():
        r = np.flatnonzero(rest)
        inter = _drop_noise(_polygonal(shapely.intersection(gq[q[r]], gt[t[r]])), crs, "overlap")
        geom[r] = inter
        area[r] = _areas(inter, crs, method)
    keep = area > 0
    ia, jb = (t, q) if swap else (q, t)
    return ia[keep], jb[keep], geom[keep], area[keep]


def _subset_union_area(c: _Clean, mask: np.ndarray, crs, method: Method) -> float:
    """Union area of the source features selected by ``mask``, reusing the layer's pairs."""
    mask = np.asarray(mask, dtype=bool) & (c.labels >= 0)
    both = mask[c.pair_i] & mask[c.pair_j]
    pi, pj = c.pair_i[both], c.pair_j[both]
    in_pair = np.zeros(len(mask), dtype=bool)
    in_pair[pi] = True
    in_pair[pj] = True
    total = float(c.feature_area[mask & ~in_pair].sum())
    if len(pi):
        nodes = np.unique(np.r_[pi, pj])
        lab = _components(len(nodes), np.searchsorted(nodes, pi), np.searchsorted(nodes, pj))
        order = np.argsort(lab, kind="stable")
        bounds = np.flatnonzero(np.diff(lab[order])) + 1
        unions = [shapely.union_all(c.source[nodes[idx]]) for idx in np.split(order, bounds)]
        total += float(_areas(_polygonal(np.asarray(unions, dtype=object)), crs, method).sum())
    return total


def _source_pieces(ca: _Clean, cb: _Clean, ia: np.ndarray, jb: np.ndarray, crs, method):
    """Pieces between the *source* features behind the cleaned pieces (ia, jb)."""
    if not ca.has_clusters and not cb.has_clusters:
        return None
    sa = np.flatnonzero(np.isin(ca.labels, np.unique(ia)))
    sb = np.flatnonzero(np.isin(cb.labels, np.unique(jb)))
    i, j, g, a = _pieces(
        ca.source[sa], cb.source[sb], ca.feature_area[sa], cb.feature_area[sb], crs, method
    )
    return sa[i], sb[j], g, a


# ----------------------------------------------------------------------------- public API
def union_area(gdf: gpd.GeoDataFrame, *, method: Method = "ellipsoid") -> float:
    """Area of the union of a layer's features in m² (overlaps counted once).

    Parameters
    ----------
    gdf : GeoDataFrame
        Polygonal features with a CRS.
    method : {"ellipsoid", "geodesic", "planar"}
        Area method of :func:`ecospace.area.areas`.

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
        :func:`ecospace.layers.read_layer`), ``a_<ID>``/``b_<ID>`` for an id field such as
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


def _outside_geoms(gi: np.ndarray, go: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Part of each geometry of ``gi`` outside the interior-disjoint ``go``.

    Returns (positions in ``gi`` not covered by a single ``go`` geometry, their parts
    outside ``go``); geometries covered by one ``go`` geometry have nothing outside.
    """
    present = np.flatnonzero(gi != None)  # noqa: E711
    todo = present
    if len(go) and len(present):
        shapely.prepare(go)
        _, covered = shapely.STRtree(gi[present]).query(go, predicate="covers")
        todo = np.setdiff1d(present, present[covered])
    result = gi[todo].copy()
    if len(go) and len(todo):
        ti, oj = shapely.STRtree(go).query(result, predicate="intersects")
        order = np.lexsort((oj, ti))
        ti, oj = ti[order], oj[order]
        counts = np.bincount(ti, minlength=len(todo))
        many = counts > 8
        # few candidates: difference one candidate rank at a time across all features
        sel_few = ~many[ti]
        tf, of = ti[sel_few], oj[sel_few]
        if len(tf):
            start = np.r_[0, np.flatnonzero(np.diff(tf)) + 1]
            rank = np.arange(len(tf)) - np.repeat(start, np.diff(np.r_[start, len(tf)]))
            for k in range(int(rank.max()) + 1):
                sel = rank == k
                result[tf[sel]] = shapely.difference(result[tf[sel]], go[of[sel]])
        # many candidates (a large feature over a finely split layer): merge them first;
        # cleaned features do not overlap, so a coverage union is exact and fast
        for f in np.flatnonzero(many):
            merged = shapely.coverage_union_all(go[oj[ti == f]])
            result[f] = shapely.difference(result[f], merged)
        result = _polygonal(result)
    return todo, result


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


#: Columns of the in-memory conflict frames holding 0-based source rows, and their names
#: in the GeoPackage.  A column called ``fid`` would be taken by pyogrio/GDAL as the
#: GeoPackage's own feature id (and renumbered), so none is written under that name.
ROW_COLUMNS: dict[str, str] = {
    "a_fid": "a_row",
    "b_fid": "b_row",
    "fid_a": "a_row",
    "fid_b": "b_row",
    "fid": "src_row",
}
#: Columns of the conflict frames holding the sources' own feature ids, by side.
SRC_FID_COLUMNS: dict[str, str] = {
    "a_src_fid": "a_",
    "b_src_fid": "b_",
    "src_fid_a": "a_",
    "src_fid_b": "b_",
    "src_fid": "",
}


def _conflict_roles(name: str) -> dict[str, str]:
    """Role behind each side of a conflict layer (``"a_"``, ``"b_"``, ``""``), by its name."""
    for kind in ("overlap_", "outside_"):
        if name.startswith(kind) and "__" in name:
            ra, rb = name[len(kind) :].split("__", 1)
            return {"a_": ra, "b_": rb, "": ra}
    for kind in ("self_overlap_", "duplicate_"):
        if name.startswith(kind):
            role = name[len(kind) :]
            return {"a_": role, "b_": role, "": role}
    return {}


def write_conflicts(
    path: str | Path,
    conflicts: Mapping[str, gpd.GeoDataFrame],
    *,
    overwrite: bool = False,
    fids: Mapping[str, np.ndarray | int | None] | None = None,
    method: str | None = None,
    crs: pyproj.CRS | str | int | None = None,
) -> Path:
    """Write conflicts as a GeoPackage, one layer per conflict type.

    Empty conflict types are skipped (a GeoPackage layer needs at least its schema; an
    empty layer would only say "nothing here").  When every type is empty the file holds
    one table, ``no_conflicts``, saying so, so that "no conflicts" is visible in QGIS.

    Each feature names its source features twice, so GIS staff find them:

    * ``a_row``/``b_row`` (``src_row`` for containment) — the 0-based row in the source
      layer as read by ecospace (the ``a_fid``/``b_fid``/``fid`` columns of the frames);
    * ``a_src_fid``/``b_src_fid`` (``src_fid``) — the source's own feature id, the one
      QGIS and ArcGIS show (GeoPackage/FileGDB count from 1): the frame's own
      ``a_src_fid``/``b_src_fid``/``src_fid`` (``src_fid_a``/``src_fid_b``) column, which
      the frames of this module carry when the layers have the ``src_fid`` column of
      :func:`ecospace.layers.read_layer`; otherwise from ``fids`` when it gives the role:
      ``src_fid = fids[role][row]``, or ``row + fids[role]`` for an int;

    beside the id field (``YJJBNTTBBH``, ``ZRBHDMC``…), ``area_m2``/``area_ha`` and
    ``method``, the area method of ``area_m2``.

    Parameters
    ----------
    path : str or Path
        The ``.gpkg`` file to create.
    conflicts : mapping of layer name to GeoDataFrame
        E.g. ``overlap_red_line__basic_farmland``, ``outside_protected_area__red_line``,
        ``self_overlap_basic_farmland``, ``duplicate_basic_farmland``; the roles in the
        name say which source each side comes from.
    overwrite : bool, default False
        Replace an existing file; otherwise an existing file is an error.
    fids : mapping of role to array or int, optional
        For frames without a ``src_fid`` column (layers that did not come from
        :func:`ecospace.layers.read_layer`): native feature ids by row, or the offset to
        add to the row (1 for a GeoPackage/FileGDB whose features were never deleted).
        Roles with neither get no ``src_fid`` column.
    method : str, optional
        Area method of ``area_m2``; default ``attrs["area_method"]`` of each frame (set
        by :func:`ecospace.stats.measure_county`).
    crs : CRS or str, optional
        CRS of the ``no_conflicts`` table written when there are no conflicts (the
        working CRS of the layers checked, so the file opens beside them); default the
        CRS of the empty frames given, if any.  Conflict layers keep their frame's CRS.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    OutputExistsError
        The file exists and ``overwrite`` is false.

    Examples
    --------
    >>> import geopandas as gpd, tempfile, os, pyogrio
    >>> from shapely import box
    >>> g = gpd.GeoDataFrame({"a_fid": [4], "b_fid": [0], "area_m2": [1.0]},
    ...                      geometry=[box(0, 0, 1, 1)], crs="EPSG:4529")
    >>> p = write_conflicts(os.path.join(tempfile.mkdtemp(), "c.gpkg"),
    ...                     {"overlap_red_line__basic_farmland": g},
    ...                     fids={"red_line": 1}, method="ellipsoid")
    >>> back = pyogrio.read_dataframe(p, read_geometry=False)
    >>> back[["a_row", "a_src_fid", "b_row", "method"]].values.tolist()
    [[4, 5, 0, 'ellipsoid']]
    """
    path = Path(path)
    refuse_overwrite([path], overwrite=overwrite)
    if path.exists():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    fids = dict(fids or {})
    written = 0
    for name, gdf in conflicts.items():
        if gdf is None or len(gdf) == 0:
            continue
        geoms = shapely.force_2d(np.asarray(gdf.geometry.values, dtype=object))
        # GeoPackage wants one geometry type per layer: promote polygons to multipolygons
        polys = shapely.get_type_id(geoms) == 3
        if polys.any():
            geoms[polys] = shapely.multipolygons(geoms[polys], indices=np.arange(polys.sum()))
        df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        roles = _conflict_roles(name)
        carried = {side: col for col, side in SRC_FID_COLUMNS.items() if col in df.columns}
        cols: dict[str, object] = {}
        for col in df.columns:
            if col not in ROW_COLUMNS:
                continue
            new = ROW_COLUMNS[col]
            cols[new] = df[col].to_numpy()
            side = new[:2] if new[1] == "_" else ""
            if side in carried:
                cols[f"{side}src_fid"] = df[carried[side]].to_numpy(dtype=np.int64)
                continue
            known = fids.get(roles.get(side, ""))
            if known is None:
                continue
            row = df[col].to_numpy(dtype=np.int64)
            if np.isscalar(known):
                cols[f"{side}src_fid"] = row + int(known)
            else:
                cols[f"{side}src_fid"] = np.asarray(known, dtype=np.int64)[row]
        for side, col in carried.items():
            cols.setdefault(f"{side}src_fid", df[col].to_numpy(dtype=np.int64))
        rest = df.drop(columns=[c for c in df.columns if c in ROW_COLUMNS or c in SRC_FID_COLUMNS])
        out = pd.concat([pd.DataFrame(cols, index=df.index), rest], axis=1)
        m = method or gdf.attrs.get("area_method")
        if m and "area_m2" in out.columns:
            out["method"] = m
        out = gpd.GeoDataFrame(out, geometry=geoms, crs=gdf.crs)
        out.to_file(
            path,
            layer=name,
            driver="GPKG",
            engine="pyogrio",
            layer_options={"DESCRIPTION": _CONFLICT_NOTE},
        )
        written += 1
    if written == 0:
        if crs is None:
            crs = next(
                (g.crs for g in conflicts.values() if getattr(g, "crs", None) is not None), None
            )
        note = gpd.GeoDataFrame({"note": ["no conflicts found"]}, geometry=[None], crs=crs)
        with warnings.catch_warnings():
            # a table without geometry has nothing to project: no CRS is no loss here
            warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)
            note.to_file(path, layer="no_conflicts", driver="GPKG", engine="pyogrio")
    log.info("wrote %d conflict layers to %s", written, path)
    return path


_CONFLICT_NOTE = (
    "ecospace conflicts. a_row/b_row/src_row: 0-based row of the source feature as read; "
    "a_src_fid/b_src_fid/src_fid: the source's own feature id (GeoPackage/FileGDB fid, "
    "from 1; shapefile FID, from 0), as shown in QGIS/ArcGIS; area_m2 by the area method "
    "in 'method'."
)
