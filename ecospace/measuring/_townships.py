"""The township table: each role's area inside each township, adding up to the county.

Gaps between townships, overlaps of townships and the method's residue are rows of their
own, so the parts add up exactly to the county total, and the rounded columns add up to
the rounded total (强制调平).  :func:`township_table` is public from
:mod:`ecospace.measuring.stats`, where callers import it from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecospace.geometry.area import Method
from ecospace.measuring._layer_crs import check_same_crs
from ecospace.measuring._pairs import _areas, _clean, _outside_geoms, _pieces, _polygonal
from ecospace.units import UNITS, normalize_unit, round_balanced

__all__ = ["township_table"]

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
    notes = township_notes(overlap_t)
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
        notes += township_notes(0.0, gap=gap, beyond=beyond)
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
        notes += role_notes(role, not_in=not_in, residue=residue, double=dbl, method=method)
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


def township_notes(overlap_m2: float, *, gap: float = 0.0, beyond: float = 0.0) -> list[str]:
    """Notes under the township table on the townships themselves (above 1 m² of noise):
    townships overlapping each other, county area in no township, townships beyond it.

    Examples
    --------
    >>> township_notes(20_000.0, gap=0.5)
    ['townships overlap each other on 2.0000 ha (乡镇之间重叠; counted once in the total)']
    """
    notes = []
    if overlap_m2 > _NOTE_M2:
        notes.append(
            f"townships overlap each other on {overlap_m2 / 1e4:.4f} ha "
            "(乡镇之间重叠; counted once in the total)"
        )
    if gap > _NOTE_M2:
        notes.append(
            f"{gap / 1e4:.4f} ha of the county boundary lies in no township (乡镇未覆盖县域)"
        )
    if beyond > _NOTE_M2:
        notes.append(
            f"{beyond / 1e4:.4f} ha of townships lies outside the county boundary (乡镇超出县界)"
        )
    return notes


def role_notes(
    role: str, *, not_in: float, residue: float, double: float, method: str
) -> list[str]:
    """Notes under the township table on one role's rows (above 1 m² of noise): area in no
    township, the method residue, area counted in two townships.

    Examples
    --------
    >>> role_notes("red_line", not_in=30_000.0, residue=0.2, double=0.0, method="ellipsoid")
    ['red_line: 3.0000 ha lies in no township']
    """
    notes = []
    if not_in > _NOTE_M2:
        notes.append(f"{role}: {not_in / 1e4:.4f} ha lies in no township")
    if abs(residue) > _NOTE_M2:
        notes.append(
            f"{role}: township parts add up to the county figure within {residue:+.2f} m² "
            f"({method} area is computed from vertices; cutting at township edges adds some)"
        )
    if double > _NOTE_M2:
        notes.append(f"{role}: {double / 1e4:.4f} ha lies in two townships at once")
    return notes
