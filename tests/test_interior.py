"""The one search for overlapping features, shared by validation and measurement."""

import numpy as np
import shapely
from shapely import box

from ecospace.geometry._interior import interior_pairs


def _brute_force(g):
    """Every pair whose intersection has area: the definition, pair by pair."""
    n = len(g)
    return sorted(
        (i, j)
        for i in range(n)
        for j in range(i + 1, n)
        if shapely.intersection(g[i], g[j]).area > 0
    )


def test_matches_the_pairwise_definition_on_a_tiling_with_overlaps():
    # 10 × 10 squares that touch their neighbours (a coverage, like parcels), plus a
    # duplicate, a square over four corners, and one that only touches the edge
    cells = [box(x, y, x + 1, y + 1) for y in range(10) for x in range(10)]
    extra = [box(3, 3, 4, 4), box(5.5, 5.5, 6.5, 6.5), box(10, 0, 11, 1)]
    g = np.array(cells + extra, dtype=object)
    i, j = interior_pairs(g)
    got = sorted(zip(i.tolist(), j.tolist(), strict=True))
    assert got == _brute_force(g)
    assert (33, 100) in got  # the duplicate
    assert not any(102 in p for p in got)  # touching only


def test_small_layers_take_the_direct_path():
    g = np.array([box(0, 0, 2, 2), box(1, 1, 3, 3), box(3, 3, 4, 4)], dtype=object)
    assert [p.tolist() for p in interior_pairs(g)] == [[0], [1]]
