"""County statistics: every figure of a county's layers at once (:func:`measure_county`).

Like :mod:`ecospace.measuring.overlap`, every function is pure over GeoDataFrames in one
CRS and all areas are square metres from :func:`ecospace.geometry.area.areas`.  Shares
always state their denominator: the computed area of the county boundary by default, or a
total the caller states (``denominator_source`` says which).

The parts are measured elsewhere and re-exported here, where callers import them from:
what :func:`measure_county` returns (:class:`CountyFigures`, :func:`checked_denominator`)
in ``_county_figures``; the township table (:func:`township_table`) in ``_townships``;
land cover from parcels and from classified rasters (:data:`CLASS_SETS`,
:func:`land_cover`, :func:`raster_land_cover`…) in ``_land_cover``; the text tables
(:func:`format_county`) in ``_stats_text``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from ecospace.geometry.area import Method
from ecospace.measuring._county_figures import (  # noqa: F401 - re-exported
    DENOMINATOR_SOURCES,
    CountyFigures,
    checked_denominator,
)
from ecospace.measuring._land_cover import (  # noqa: F401 - the land-cover API is imported from here
    CLASS_LABELS,
    CLASS_SETS,
    _select,  # scripts/bench_overlap.py
    land_cover,
    land_cover_area,
    raster_class_shares,
    raster_land_cover,
    read_class_map,
)
from ecospace.measuring._pairs import (
    _areas,
    _Clean,
    _clean,
    _outside_geoms,
    _pieces,
    _source_pieces,
)
from ecospace.measuring._stats_text import LIST_OUTSIDE, SECTIONS, format_county  # noqa: F401 - re-exported
from ecospace.measuring._townships import _balanced, township_table  # noqa: F401 - re-exported
from ecospace.measuring.overlap import (
    CONTAINMENT,
    OVERLAP_ROLES,
    _coverage_frame,
    _crs_name,
    _outside,
    _pieces_frame,
    _self_overlap_frame,
    check_same_crs,
    overlap_matrix,
)
from ecospace.vocabulary import DenominatorSource

__all__ = [
    "CLASS_SETS",
    "SECTIONS",
    "CountyFigures",
    "format_county",
    "land_cover",
    "land_cover_area",
    "measure_county",
    "raster_class_shares",
    "raster_land_cover",
    "read_class_map",
    "township_table",
]

log = logging.getLogger("ecospace")


def measure_county(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    method: Method = "ellipsoid",
    denominator_m2: float | None = None,
    classes: Mapping[str, Sequence[str]] | None = None,
    name_field: str = "XZQMC",
    land_use_field: str = "DLBM",
    min_conflict_m2: float = 1.0,
    by_township: bool = True,
    denominator_source: DenominatorSource | None = None,
) -> CountyFigures:
    """Measure every figure of a county's layers in one pass.

    Each layer is cleaned once (overlapping clusters dissolved) and reused for coverage,
    the overlap matrix, containment and the township table.

    Parameters
    ----------
    layers : mapping of role to GeoDataFrame
        Roles as in :data:`ecospace.loading.layers.ROLES`; all in one CRS.
    method : {"ellipsoid", "geodesic", "planar"}
    denominator_m2 : float, optional
        A total given by the caller; by default the computed area of the ``boundary``
        layer.
    classes : mapping, optional
        Land-cover class overrides (see :data:`CLASS_SETS`).
    name_field : str, default "XZQMC"
        Township name field.
    land_use_field : str, default "DLBM"
    min_conflict_m2 : float, default 1.0
        Conflict pieces smaller than this are slivers, left out of ``conflicts`` and of
        ``features_outside`` (the areas in the tables are not filtered).  Reprojecting a
        layer between EPSG:4490 and a Gauss–Krüger zone moves shared edges by fractions
        of a millimetre, leaving pieces of up to a few hundredths of a m² along every
        shared boundary; pass 0 to keep everything.
    by_township : bool, default True
        Build the township table when a ``townships`` layer is given.
    denominator_source : {"boundary", "stated", "survey"}, optional
        What ``denominator_m2`` is, as every share table then says: the plan's stated
        total (the default when ``denominator_m2`` is given), its survey area, or the
        boundary's area (computed here when ``denominator_m2`` is not given; without a
        boundary layer and without ``denominator_m2`` there is no denominator, ``"none"``).

    Returns
    -------
    CountyFigures

    Raises
    ------
    PlanError
        ``denominator_source`` is not one of the three, or is ``"stated"``/``"survey"``
        without ``denominator_m2``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> crs = "EPSG:4529"
    >>> county = gpd.GeoDataFrame(geometry=[box(0, 0, 10, 10)], crs=crs)
    >>> red = gpd.GeoDataFrame(geometry=[box(0, 0, 5, 10)], crs=crs)
    >>> farm = gpd.GeoDataFrame(geometry=[box(4, 0, 6, 1)], crs=crs)
    >>> f = measure_county({"boundary": county, "red_line": red, "basic_farmland": farm},
    ...                    method="planar")
    >>> f.denominator_m2, f.denominator_source, f.overlaps["area_m2"].tolist()
    (100.0, 'boundary', [1.0])
    >>> sorted(f.conflicts)
    ['overlap_red_line__basic_farmland']
    """
    denominator_m2 = checked_denominator(denominator_m2, denominator_source)
    crs = check_same_crs(layers)
    cleaned = {role: _clean(gdf, crs, method) for role, gdf in layers.items()}
    denominator_m2, source = _denominator(cleaned, denominator_m2, denominator_source)
    log.debug("denominator %s m² (%s), method %s", denominator_m2, source, method)
    pieces = _pair_pieces(cleaned, crs, method)
    roles = tuple(r for r in OVERLAP_ROLES if r in layers)
    matrix = overlap_matrix(
        layers,
        method=method,
        denominator_m2=denominator_m2,
        roles=roles,
        _cleaned=cleaned,
        _pieces_of=pieces,
    )
    overlapping = _overlap_conflicts(layers, cleaned, matrix, pieces, crs, method, min_conflict_m2)
    containment, outside_boundary, outside = _containment(
        layers, cleaned, crs, method, min_conflict_m2
    )
    cov = _coverage_frame(
        cleaned, cleaned.get("boundary"), denominator_m2, crs, method, outside_boundary
    )
    self_ov, within = _self_overlap_table(layers, cleaned, crs, method, min_conflict_m2)
    townships = None
    if "townships" in layers and by_township:
        townships = township_table(
            layers["townships"],
            {r: layers[r] for r in roles},
            name_field=name_field,
            method=method,
            boundary=layers.get("boundary"),
            _cleaned=cleaned,
        )
    lc = None
    if "land_use" in layers:
        lc = land_cover(
            layers["land_use"],
            classes=classes,
            field=land_use_field,
            method=method,
            denominator_m2=denominator_m2 if denominator_m2 else None,
            denominator_source=source,
            _cleaned=cleaned["land_use"],
        )
    conflicts = {**overlapping, **outside, **within}
    for frame in conflicts.values():
        frame.attrs["area_method"] = method
    return CountyFigures(
        crs=_crs_name(crs),
        denominator_m2=denominator_m2,
        denominator_source=source,
        method=method,
        coverage=cov,
        overlaps=matrix,
        containment=containment,
        self_overlaps=self_ov,
        townships=townships,
        land_cover=lc,
        conflicts=conflicts,
    )


def _denominator(
    cleaned: Mapping[str, _Clean],
    denominator_m2: float | None,
    denominator_source: DenominatorSource | None,
) -> tuple[float | None, str]:
    """The area shares divide by and what it is: stated by the caller, the boundary's, or none."""
    if denominator_m2 is not None:
        return denominator_m2, denominator_source or "stated"
    if "boundary" in cleaned:
        return float(cleaned["boundary"].area.sum()), "boundary"
    return None, "none"


def _pair_pieces(cleaned: Mapping[str, _Clean], crs, method: Method):
    """``pieces(ra, rb)``: the overlap pieces of two cleaned roles, searched once per pair."""
    pair_cache: dict[tuple[str, str], tuple] = {}

    def pieces(ra: str, rb: str):
        if (ra, rb) not in pair_cache:
            ca, cb = cleaned[ra], cleaned[rb]
            pair_cache[(ra, rb)] = _pieces(ca.geoms, cb.geoms, ca.area, cb.area, crs, method)
        return pair_cache[(ra, rb)]

    return pieces


def _overlap_conflicts(
    layers, cleaned, matrix: pd.DataFrame, pieces, crs, method: Method, min_conflict_m2: float
) -> dict[str, gpd.GeoDataFrame]:
    """The pieces of every must-not-overlap pair that overlaps, by source feature pair."""
    conflicts: dict[str, gpd.GeoDataFrame] = {}
    for row in matrix.itertuples():
        if not row.must_not_overlap or row.area_m2 <= 0:
            continue
        ra, rb = row.role_a, row.role_b
        ca, cb = cleaned[ra], cleaned[rb]
        ia, jb, g, a = pieces(ra, rb)
        src = _source_pieces(ca, cb, ia, jb, crs, method)
        if src is None:
            # cleaned geometries are the source features: reuse the matrix' pieces
            src = ca.src[ia], cb.src[jb], g, a
        frame = _pieces_frame(layers[ra], layers[rb], *src, crs)
        frame = frame[frame["area_m2"] >= min_conflict_m2]
        if len(frame):
            conflicts[f"overlap_{ra}__{rb}"] = frame
    return conflicts


_CONTAINMENT_COLUMNS = [
    "inner",
    "outer",
    "inner_m2",
    "inside_m2",
    "outside_m2",
    "share_outside",
    "features_outside",
]


def _containment(
    layers, cleaned, crs, method: Method, min_conflict_m2: float
) -> tuple[pd.DataFrame, dict[str, float], dict[str, gpd.GeoDataFrame]]:
    """The containment table, each role's m² outside the boundary, and the outside pieces."""
    outside_boundary: dict[str, float] = {}
    conflicts: dict[str, gpd.GeoDataFrame] = {}
    cont_rows = []
    for inner, outer in CONTAINMENT:
        if inner not in layers or outer not in layers:
            continue
        inner_m2 = float(cleaned[inner].area.sum())
        # the area of the geometric difference, not union − intersection: under the
        # vertex-based ellipsoidal formula the two differ by ~1e-6 of the area
        _, rest = _outside_geoms(cleaned[inner].geoms, cleaned[outer].geoms)
        outside = float(_areas(rest, crs, method).sum())
        if outer == "boundary":
            outside_boundary[inner] = outside
        inside = inner_m2 - outside
        out_p = None
        if outside >= min_conflict_m2:
            out_p = _outside(layers[inner], cleaned[inner], cleaned[outer], crs, method)
            out_p = out_p[out_p["area_m2"] >= min_conflict_m2]
            if len(out_p):
                conflicts[f"outside_{inner}__{outer}"] = out_p
        cont_rows.append(
            {
                "inner": inner,
                "outer": outer,
                "inner_m2": inner_m2,
                "inside_m2": inside,
                "outside_m2": outside,
                "share_outside": outside / inner_m2 if inner_m2 else np.nan,
                "features_outside": 0 if out_p is None else len(out_p),
            }
        )
    return pd.DataFrame(cont_rows, columns=_CONTAINMENT_COLUMNS), outside_boundary, conflicts


def _self_overlap_table(
    layers, cleaned, crs, method: Method, min_conflict_m2: float
) -> tuple[pd.DataFrame, dict[str, gpd.GeoDataFrame]]:
    """Per role the pairs of features overlapping each other, and those pairs' pieces."""
    conflicts: dict[str, gpd.GeoDataFrame] = {}
    so_rows = []
    for role, c in cleaned.items():
        frame = _self_overlap_frame(layers[role], c, crs, method)
        dup = frame["duplicate"].to_numpy(dtype=bool)
        so_rows.append(
            {
                "role": role,
                "pairs": len(frame),
                "duplicate_pairs": int(dup.sum()),
                "pair_overlap_m2": float(frame["area_m2"].sum()),
                "double_counted_m2": c.member_area_sum - float(c.area.sum()),
            }
        )
        big = frame["area_m2"].to_numpy() >= min_conflict_m2
        if (big & ~dup).any():
            conflicts[f"self_overlap_{role}"] = frame[big & ~dup]
        if dup.any():
            conflicts[f"duplicate_{role}"] = frame[dup]
    columns = ["role", "pairs", "duplicate_pairs", "pair_overlap_m2", "double_counted_m2"]
    return pd.DataFrame(so_rows, columns=columns), conflicts
