"""County statistics: township tables, land-cover shares and every figure at once.

Like :mod:`ecospace.overlap`, every function is pure over GeoDataFrames in one CRS and
all areas are square metres from :func:`ecospace.geometry.area.areas`.  Shares always state their
denominator: the computed area of the county boundary by default, or a total the caller
states (``denominator_source`` says which).

Land cover from parcels and from classified rasters (:data:`CLASS_SETS`,
:func:`land_cover`, :func:`raster_land_cover`…) is measured in ``_land_cover`` and the
text tables (:func:`format_county`) are made in ``_stats_text``; both are re-exported
here, where callers import them from.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecospace._limits import check_denominator
from ecospace.errors import PlanError
from ecospace.geometry.area import Method
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
    _clean,
    _outside_geoms,
    _pieces,
    _polygonal,
    _source_pieces,
)
from ecospace.measuring._stats_text import LIST_OUTSIDE, SECTIONS, format_county  # noqa: F401 - re-exported
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
from ecospace.units import UNITS, normalize_unit, round_balanced
from ecospace.vocabulary import DENOMINATORS, DenominatorSource

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

# ----------------------------------------------------------------------------- townships
_NAME_FIELDS = ("XZQMC", "NAME", "name", "MC", "XZQDM")
_NOTE_M2 = 1.0  # gaps/overlaps below 1 m² are rounding and reprojection noise, not findings


def township_table(
    townships: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    name_field: str = "XZQMC",
    method: Method = "ellipsoid",
    decimals: int = 2,
    unit: str = "ha",
    boundary: gpd.GeoDataFrame | None = None,
    _cleaned: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Each role's area inside each township, with totals that add up (Tabulate Intersection).

    Gaps and overlaps are reported as rows of their own, never absorbed into a township:

    * ``kind="township"`` — one row per township feature;
    * ``"townships_overlap"`` — area counted in two townships (negative: subtract it once);
    * ``"not_in_townships"`` — area in no township (of the county boundary, and of each role);
    * ``"townships_outside_boundary"`` — township area beyond the county boundary
      (negative; only with ``boundary``);
    * ``"method_residue"`` — what is left between the parts and the total: a check.  The
      official series takes long edges as drawn in the projected plane
      (:data:`ecospace.geometry.area.MAX_EDGE_M`), so a feature's pieces add up to it and this is
      ~1e-5 m² (before that, cutting long edges at township boundaries left ~1e-6 of the
      area here);
    * ``"total"`` — the county: the boundary's area (else the townships' union) and the
      union area of each role; its ``<role>_share`` is the part of the role inside the
      county boundary (else inside the townships) over the county's area, so a layer
      lying outside the county does not raise the county's share.

    The rows above the total add up exactly to it in every ``*_m2`` column, and the
    rounded ``*_<unit>`` columns add up to the rounded total (强制调平, largest remainder).

    Parameters
    ----------
    townships : GeoDataFrame
        Township (乡镇) polygons.
    layers : mapping of role to GeoDataFrame
        Layers to tabulate (same CRS).
    name_field : str, default "XZQMC"
        Township name; falls back to NAME/MC/XZQDM, then the fid.
    method : {"ellipsoid", "geodesic", "planar"}
    decimals : int, default 2
    unit : str, default "ha"
        Unit of the rounded columns.
    boundary : GeoDataFrame, optional
        County boundary, for gaps between townships and the county edge.

    Returns
    -------
    DataFrame
        ``name, kind, area_m2, area_<unit>``, then per role ``<role>_m2``,
        ``<role>_share`` (fraction of the township's area) and ``<role>_<unit>``.
        ``attrs["notes"]`` lists the gaps and overlaps found, in words.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> t = gpd.GeoDataFrame({"XZQMC": ["甲", "乙"]}, geometry=[box(0, 0, 2, 2), box(2, 0, 4, 2)],
    ...                      crs="EPSG:4529")
    >>> red = gpd.GeoDataFrame(geometry=[box(1, 0, 3, 1)], crs="EPSG:4529")
    >>> tt = township_table(t, {"red_line": red}, method="planar", unit="m2")
    >>> tt[["name", "red_line_m2", "red_line_share"]].values.tolist()[:2]
    [['甲', 1.0, 0.25], ['乙', 1.0, 0.25]]
    """
    named = {"townships": townships, **layers}
    if boundary is not None:
        named["boundary"] = boundary
    crs = check_same_crs(named)
    unit = normalize_unit(unit)
    per = UNITS[unit]
    cache = dict(_cleaned or {})
    ct = cache.get("townships") or _clean(townships, crs, method)
    gt, at = ct.source, ct.feature_area
    union_t = float(ct.area.sum())
    # pieces where two townships overlap (counted in both rows of a role)
    t_overlap = _polygonal(shapely.intersection(gt[ct.pair_i], gt[ct.pair_j]))
    t_overlap_area = _areas(t_overlap, crs, method)
    overlap_t = float(at.sum()) - union_t
    nt = len(gt)
    names = None
    for f in (name_field, *_NAME_FIELDS):
        if f in townships.columns:
            names = townships[f].astype(str).to_numpy()
            break
    if names is None:
        names = np.array(
            [f"fid {x}" for x in (townships["fid"] if "fid" in townships else range(nt))],
            dtype=object,
        )
    notes: list[str] = []
    if overlap_t > _NOTE_M2:
        notes.append(
            f"townships overlap each other on {overlap_t / 1e4:.4f} ha "
            "(乡镇之间重叠; counted once in the total)"
        )
    kinds = ["township"] * nt + ["townships_overlap", "not_in_townships"]
    labels = [*list(names), "乡镇间重叠（重复计算）", "不属于任何乡镇"]
    area_col = [*list(at), -overlap_t]
    if boundary is not None:
        cb = cache.get("boundary") or _clean(boundary, crs, method)
        b_total = float(cb.area.sum())
        b_in_t = float(
            _pieces(cb.geoms, ct.geoms, cb.area, ct.area, crs, method, drop_noise=False)[3].sum()
        )
        gap, beyond = b_total - b_in_t, union_t - b_in_t
        area_col += [gap, -beyond]
        kinds.append("townships_outside_boundary")
        labels.append("乡镇超出县界")
        total_area = b_total
        if gap > _NOTE_M2:
            notes.append(
                f"{gap / 1e4:.4f} ha of the county boundary lies in no township (乡镇未覆盖县域)"
            )
        if beyond > _NOTE_M2:
            notes.append(
                f"{beyond / 1e4:.4f} ha of townships lies outside the county boundary "
                "(乡镇超出县界)"
            )
    else:
        area_col += [0.0]
        total_area = union_t
    kinds += ["method_residue", "total"]
    labels += ["面积计算余差", "合计"]
    df = pd.DataFrame({"name": labels, "kind": kinds})
    df["area_m2"] = [*area_col, 0.0, total_area]
    df[f"area_{unit}"] = _balanced(df["area_m2"].to_numpy() / per, decimals)
    for role, gdf in layers.items():
        cr = cache.get(role) or _clean(gdf, crs, method)
        total = float(cr.area.sum())
        # parts that must add up to the whole keep their slivers (no noise is dropped)
        _ia, jb, _, pa = _pieces(cr.geoms, gt, cr.area, at, crs, method, drop_noise=False)
        per_t = np.bincount(jb, weights=pa, minlength=nt)
        dbl = _pieces(cr.geoms, t_overlap, cr.area, t_overlap_area, crs, method, drop_noise=False)
        dbl = float(dbl[3].sum())
        _, outside = _outside_geoms(cr.geoms, ct.geoms)
        not_in = float(_areas(outside, crs, method).sum())
        # whatever is left between the parts and the whole is shown, never hidden
        residue = total - (float(per_t.sum()) - dbl + not_in)
        col = [*per_t, -dbl, not_in]
        if boundary is not None:
            col.append(0.0)
        col += [residue, total]
        df[f"{role}_m2"] = col
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(df["area_m2"] > 0, df[f"{role}_m2"] / df["area_m2"], np.nan)
        share[
            df["kind"]
            .isin(
                [
                    "townships_overlap",
                    "not_in_townships",
                    "townships_outside_boundary",
                    "method_residue",
                ]
            )
            .to_numpy()
        ] = np.nan
        # the county row's share counts only the part inside the county (or, without a
        # boundary, inside the townships): a layer lying outside adds nothing to it
        if boundary is not None:
            _, beyond_county = _outside_geoms(cr.geoms, cb.geoms)
            inside_total = total - float(_areas(beyond_county, crs, method).sum())
        else:
            inside_total = total - not_in
        share[-1] = inside_total / total_area if total_area > 0 else np.nan
        df[f"{role}_share"] = share
        df[f"{role}_{unit}"] = _balanced(df[f"{role}_m2"].to_numpy() / per, decimals)
        if not_in > _NOTE_M2:
            notes.append(f"{role}: {not_in / 1e4:.4f} ha lies in no township")
        if abs(residue) > _NOTE_M2:
            notes.append(
                f"{role}: township parts add up to the county figure within {residue:+.2f} m² "
                f"({method} area is computed from vertices; cutting at township edges adds some)"
            )
        if dbl > _NOTE_M2:
            notes.append(f"{role}: {dbl / 1e4:.4f} ha lies in two townships at once")
    df = _in_code_order(df, townships, nt)
    df.attrs.update(notes=notes, method=method, unit=unit)
    return df


def _in_code_order(df: pd.DataFrame, townships: gpd.GeoDataFrame, nt: int) -> pd.DataFrame:
    """Township rows in the order of their codes (XZQDM), as statistics list them."""
    code = next((c for c in townships.columns if str(c).upper() == "XZQDM"), None)
    if code is None:
        return df
    order = np.argsort(townships[code].astype(str).to_numpy(), kind="stable")
    return pd.concat([df.iloc[order], df.iloc[nt:]]).reset_index(drop=True)


def _balanced(values: np.ndarray, decimals: int) -> np.ndarray:
    """Round the parts (all rows but the last) so they add up to the rounded last row."""
    parts = np.asarray(values[:-1], dtype=float).copy()
    # float noise (±1e-9) in the correction rows must not floor to -0.01
    parts[np.abs(parts) < 1e-6 * 10.0**-decimals] = 0.0
    parts = round_balanced(parts, decimals, total=round(float(values[-1]), decimals))
    return np.r_[parts, round(float(values[-1]), decimals)]


# ----------------------------------------------------------------------------- county
#: What a county's shares can divide by (:func:`measure_county`'s ``denominator_source``).
DENOMINATOR_SOURCES = DENOMINATORS


@dataclass
class CountyFigures:
    """Every figure measured on a county's layers (all areas m², shares fractions).

    Attributes
    ----------
    denominator_m2 : float or None
        Total area the shares refer to.
    denominator_source : str
        ``"boundary"`` (computed area of the boundary layer), ``"stated"`` (a total given
        by the caller, e.g. the plan's), ``"survey"`` (the plan's survey area, given by the
        caller) or ``"none"``.
    method : str
        Area method used throughout.
    coverage : DataFrame
        :func:`ecospace.measuring.overlap.coverage` of every role.
    overlaps : DataFrame
        :func:`ecospace.measuring.overlap.overlap_matrix`.
    containment : DataFrame
        ``inner, outer, inner_m2, inside_m2, outside_m2, share_outside, features_outside``.
    self_overlaps : DataFrame
        Per role: ``role, pairs, duplicate_pairs, pair_overlap_m2, double_counted_m2``.
    townships : DataFrame or None
        :func:`township_table` (None without a townships layer).
    land_cover : DataFrame or None
        :func:`land_cover` on the land-use layer (None without one).
    conflicts : dict of str to GeoDataFrame
        Conflict features by type, ready for :func:`ecospace.measuring.overlap.write_conflicts`
        (``attrs["area_method"]`` of each is ``method``).
    crs : str or None
        The working CRS the overlays ran in (``"EPSG:4529 CGCS2000 / 3-degree
        Gauss-Kruger zone 41"``).
    land_cover_raster : DataFrame or None
        :func:`raster_land_cover`, when a classified raster was measured too.
    """

    denominator_m2: float | None
    denominator_source: str
    method: str
    coverage: pd.DataFrame
    overlaps: pd.DataFrame
    containment: pd.DataFrame
    self_overlaps: pd.DataFrame
    townships: pd.DataFrame | None = None
    land_cover: pd.DataFrame | None = None
    conflicts: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    crs: str | None = None
    land_cover_raster: pd.DataFrame | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: the tables as lists of records, conflicts as counts and areas."""

        def rec(df):
            if df is None:
                return None
            return df.replace({np.nan: None}).to_dict(orient="records")

        return {
            "method": self.method,
            "crs": self.crs,
            "denominator_m2": self.denominator_m2,
            "denominator_source": self.denominator_source,
            "coverage": rec(self.coverage),
            "overlaps": rec(self.overlaps),
            "containment": rec(self.containment),
            "self_overlaps": rec(self.self_overlaps),
            "townships": rec(self.townships),
            "land_cover": rec(self.land_cover),
            "land_cover_raster": rec(self.land_cover_raster),
            "conflicts": {
                k: {"features": len(v), "area_m2": float(v["area_m2"].sum())}
                for k, v in self.conflicts.items()
            },
        }


def checked_denominator(
    denominator_m2: float | None, denominator_source: DenominatorSource | None
) -> float | None:
    """``denominator_m2`` once it and what it is are known to fit together.

    Raises
    ------
    PlanError
        ``denominator_source`` is not one of :data:`DENOMINATOR_SOURCES`, or is ``"stated"``
        or ``"survey"`` without the area itself.
    ValueRangeError
        The area is not a positive finite number.

    Examples
    --------
    >>> checked_denominator(1e6, "stated"), checked_denominator(None, None)
    (1000000.0, None)
    """
    if denominator_source not in (None, *DENOMINATOR_SOURCES):
        raise PlanError(
            f"denominator_source {denominator_source!r} is not known; use one of "
            f"{', '.join(map(repr, DENOMINATOR_SOURCES))}"
        )
    if denominator_source in ("stated", "survey") and denominator_m2 is None:
        raise PlanError(
            f"denominator_source={denominator_source!r} needs denominator_m2, the area "
            "itself; pass it, or denominator_source='boundary' to use the boundary layer"
        )
    return check_denominator(denominator_m2)


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
    if denominator_m2 is not None:
        source = denominator_source or "stated"
    elif "boundary" in cleaned:
        denominator_m2 = float(cleaned["boundary"].area.sum())
        source = "boundary"
    else:
        source = "none"
    log.debug("denominator %s m² (%s), method %s", denominator_m2, source, method)

    pair_cache: dict[tuple[str, str], tuple] = {}

    def pieces(ra: str, rb: str):
        if (ra, rb) not in pair_cache:
            ca, cb = cleaned[ra], cleaned[rb]
            pair_cache[(ra, rb)] = _pieces(ca.geoms, cb.geoms, ca.area, cb.area, crs, method)
        return pair_cache[(ra, rb)]

    roles = tuple(r for r in OVERLAP_ROLES if r in layers)
    matrix = overlap_matrix(
        layers,
        method=method,
        denominator_m2=denominator_m2,
        roles=roles,
        _cleaned=cleaned,
        _pieces_of=pieces,
    )
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

    outside_boundary: dict[str, float] = {}
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
    cov = _coverage_frame(
        cleaned, cleaned.get("boundary"), denominator_m2, crs, method, outside_boundary
    )
    containment = pd.DataFrame(
        cont_rows,
        columns=[
            "inner",
            "outer",
            "inner_m2",
            "inside_m2",
            "outside_m2",
            "share_outside",
            "features_outside",
        ],
    )

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
    self_ov = pd.DataFrame(
        so_rows,
        columns=["role", "pairs", "duplicate_pairs", "pair_overlap_m2", "double_counted_m2"],
    )

    townships = None
    if "townships" in layers and by_township:
        tab_layers = {r: layers[r] for r in roles}
        townships = township_table(
            layers["townships"],
            tab_layers,
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
