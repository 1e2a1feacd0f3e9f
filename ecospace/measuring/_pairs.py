"""The vectorised engine under :mod:`ecospace.overlap` and :mod:`ecospace.stats` (private).

Geometry arrays in, geometry arrays and areas out: candidate pairs, interior-disjoint
("cleaned") layers, intersection pieces and the parts outside another layer, all in one
projected CRS with areas by :func:`ecospace.geometry.area.areas`.

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

Areas of cut pieces: the official series takes each edge as drawn in the projected plane
(long edges are split, :data:`ecospace.geometry.area.MAX_EDGE_M`), so a feature cut in two (at a
township edge, say) has pieces whose areas add up to its own; tables that must add up
still say how much is left (``method_residue``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pyproj
import shapely

from ecospace.geometry._interior import interior_pairs as _interior_pairs
from ecospace.geometry.area import Method, areas

log = logging.getLogger("ecospace")


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
    dropped_m2 = float(shapely.area(parts[noise]).sum())
    # shown with -v; said without -v only when the noise adds up to something (≥ 1 m²)
    log.log(
        logging.INFO if dropped_m2 >= 1.0 else logging.DEBUG,
        "%s: dropped %d sliver parts thinner than %g mm (coordinate noise; %.3g m² planar)",
        what,
        int(noise.sum()),
        NOISE_WIDTH_M * 1000,
        dropped_m2,
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


def _pieces(ga, gb, area_a, area_b, crs, method: Method, *, drop_noise: bool = True):
    """Intersection pieces of every pair (i in a, j in b) whose interiors meet.

    ``drop_noise=False`` keeps slivers thinner than :data:`NOISE_WIDTH_M` (a table of
    parts that must add up to a whole, such as the township table, keeps every part).

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
        inter = _polygonal(shapely.intersection(gq[q[r]], gt[t[r]]))
        if drop_noise:
            inter = _drop_noise(inter, crs, "overlap")
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
