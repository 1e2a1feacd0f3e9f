"""Pairs of features of one layer whose interiors meet (private).

One search for both stages that need it: validation reports a layer's overlaps
(:mod:`ecospace.validate`) and measurement dissolves them (``_pairs``).  Geometry only
(numpy and shapely), so both may import it.
"""

from __future__ import annotations

import numpy as np
import shapely


def interior_pairs(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of features of one layer whose interiors meet (touching excluded).

    Land-use parcels and township boundaries tile the county: nearly every feature
    touches several others, and testing each touching pair is what costs.  GEOS'
    coverage validator finds, in one pass, the features with an edge that is not
    matched by a neighbour (every pair whose interiors meet has at least one such
    feature: either some edge of one runs inside the other, or the two are identical,
    whose edges are then matched more than once), so only those are paired and tested.
    The geometries must be valid (the coverage validator needs valid polygons).

    Examples
    --------
    >>> from shapely import box
    >>> g = np.array([box(0, 0, 2, 2), box(2, 0, 4, 2), box(1, 1, 3, 3)], dtype=object)
    >>> [p.tolist() for p in interior_pairs(g)]   # 0 and 1 only touch
    [[0, 1], [2, 2]]
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
