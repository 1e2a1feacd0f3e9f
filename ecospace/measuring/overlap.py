"""Coverage, overlaps, containment and within-layer conflicts of planning layers.

Every function is pure over GeoDataFrames that share one projected CRS (bring them
there with :func:`ecospace.geometry.crs.to_working`); areas are square metres computed by
:func:`ecospace.geometry.area.areas` with the ``method`` asked for.  Nothing here keeps global
state, so the functions can run per spatial partition: union areas, overlap areas and
areas outside of partitions that do not overlap simply add up.

This module holds the rules (which roles must not overlap, which must lie inside which)
and the overlap of layers (:func:`overlap_area`, :func:`overlap_matrix`).  The rest is
re-exported here, where callers import it from: unions and the coverage table from
``_coverage``; the conflict pieces themselves (:func:`overlap_pieces`,
:func:`outside_pieces`, :func:`self_overlaps`) from ``_conflict_pieces``; the CRS check from
``_layer_crs``; the vectorised pair search, the cleaning of self-overlapping layers and the
dropping of sliver noise from ``_pairs``; the conflicts GeoPackage
(:func:`write_conflicts`) from :mod:`ecospace.rendering.conflicts`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from itertools import combinations

import geopandas as gpd
import numpy as np
import pandas as pd

from ecospace._limits import check_denominator
from ecospace.geometry.area import Method
from ecospace.loading.layers import CONTROL_LINES
from ecospace.measuring._conflict_pieces import (  # noqa: F401 - re-exported
    _outside,
    _pieces_frame,
    _self_overlap_frame,
    outside_pieces,
    overlap_pieces,
    self_overlaps,
)
from ecospace.measuring._coverage import (  # noqa: F401 - re-exported
    COVERAGE_COLUMNS,
    _coverage_frame,
    coverage,
    dissolve_overlaps,
    union_area,
)
from ecospace.measuring._feature_ids import _attach_ids, _fids, _src_fids, id_field  # noqa: F401
from ecospace.measuring._layer_crs import _crs_name, check_same_crs  # noqa: F401 - re-exported
from ecospace.measuring._pairs import (
    NOISE_WIDTH_M,  # noqa: F401 - re-exported: the width below which pieces are noise
    _Clean,
    _clean,
    _pieces,
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
