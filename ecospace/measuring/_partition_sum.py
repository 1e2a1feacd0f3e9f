"""Adding up the tiles of :mod:`ecospace.partition` into a county's figures (private).

Areas of unions, intersections and differences are sums over tiles; shares are divided
again from the sums; conflict pieces cut by tile edges are dissolved back by their source
ids; the township table is summed row by row, then its shares, rounding (强制调平) and
notes are made as :func:`ecospace.measuring.stats.township_table` makes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ecospace.geometry.area import Method
from ecospace.measuring._pairs import _areas, _polygonal
from ecospace.measuring._townships import role_notes, township_notes
from ecospace.measuring.overlap import OVERLAP_TOLERANCE_M2, _crs_name
from ecospace.measuring.stats import CountyFigures, _balanced
from ecospace.units import UNITS, normalize_unit


@dataclass
class _TileResult:
    """What one tile adds to the county: figures that are sums, and pieces to merge."""

    figures: CountyFigures
    owned: dict[str, int] = field(default_factory=dict)  # features owned, by role
    #: own area (m², by fid) of the whole features named in outside/duplicate pieces
    areas: dict[str, pd.Series] = field(default_factory=dict)
    #: repairs made by sources that repair as they read, by role (one row per feature)
    repairs: dict[str, pd.DataFrame] = field(default_factory=dict)


def _own_areas(results: list[_TileResult], roles) -> dict[str, pd.Series]:
    """Own area (m², by fid) of the whole features the tiles named."""
    out = {}
    for role in roles:
        parts = [r.areas[role] for r in results if role in r.areas]
        s = pd.concat(parts) if parts else pd.Series(dtype=float)
        out[role] = s[~s.index.duplicated()]
    return out


def _sum_by(frames: list[pd.DataFrame], keys: list[str], cols: list[str]) -> pd.DataFrame:
    df = pd.concat(frames, ignore_index=True)
    return df.groupby(keys, sort=False)[cols].sum(min_count=1).reset_index()


def _merge_pieces(frames: list[gpd.GeoDataFrame], keys: list[str], crs, method) -> gpd.GeoDataFrame:
    """Pieces of one conflict cut by tile edges, dissolved by their source ids."""
    df = pd.concat(frames, ignore_index=True)
    df = gpd.GeoDataFrame(df, geometry=df.geometry.name, crs=crs)
    if len(df) == 0:
        return df
    split = df.duplicated(keys, keep=False).to_numpy()
    if split.any():
        multi = df[split]
        merged = multi.drop(columns=multi.geometry.name).groupby(keys, sort=False).first()
        if "duplicate" in merged.columns:
            merged["duplicate"] = multi.groupby(keys, sort=False)["duplicate"].all()
        geoms = multi.groupby(keys, sort=False)[multi.geometry.name].agg(
            lambda s: shapely.union_all(np.asarray(s.values, dtype=object))
        )
        geoms = _polygonal(np.asarray(geoms.reindex(merged.index).values, dtype=object))
        merged["area_m2"] = _areas(geoms, crs, method)
        merged = gpd.GeoDataFrame(merged.reset_index(), geometry=geoms, crs=crs)
        df = pd.concat([df[~split], merged], ignore_index=True)
        df = gpd.GeoDataFrame(df, geometry=df.geometry.name, crs=crs)
    df["area_ha"] = df["area_m2"] / 1e4
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


def _conflict_frames(results, name: str) -> list[gpd.GeoDataFrame]:
    return [r.figures.conflicts[name] for r in results if name in r.figures.conflicts]


def _combine(
    results: list[_TileResult],
    prepared: Mapping[str, Any],
    *,
    target: pyproj.CRS,
    method: Method,
    denominator_m2: float | None,
    denominator_source: str | None,
    min_conflict_m2: float,
    by_township: bool,
) -> CountyFigures:
    figs = [r.figures for r in results]
    roles = list(prepared)
    own = _own_areas(results, roles)
    has_boundary = "boundary" in prepared
    cov = _sum_by(
        [f.coverage for f in figs], ["role"], ["union_m2", "sum_m2", "inside_m2", "outside_m2"]
    )
    cov = cov.set_index("role").reindex(roles).reset_index()
    union = dict(zip(cov["role"], cov["union_m2"], strict=True))
    if denominator_m2 is not None:
        source = denominator_source or "stated"
    elif has_boundary:
        denominator_m2, source = float(union["boundary"]), "boundary"
    else:
        source = "none"
    # a feature is counted by the tile that owns it; its pieces' areas add up to its own
    cov["features"] = [sum(r.owned[role] for r in results) for role in roles]
    cov["double_counted_m2"] = cov["sum_m2"] - cov["union_m2"]
    if not has_boundary:
        cov["inside_m2"] = cov["outside_m2"] = np.nan
    counted = cov["inside_m2"] if has_boundary else cov["union_m2"]
    cov["share"] = counted / denominator_m2 if denominator_m2 else np.nan
    cov = cov[list(figs[0].coverage.columns)]

    ov = _sum_by([f.overlaps for f in figs], ["role_a", "role_b", "must_not_overlap"], ["area_m2"])
    ov["share_of_a"] = [
        a / union[r] if union[r] else np.nan
        for a, r in zip(ov["area_m2"], ov["role_a"], strict=True)
    ]
    ov["share_of_b"] = [
        a / union[r] if union[r] else np.nan
        for a, r in zip(ov["area_m2"], ov["role_b"], strict=True)
    ]
    ov["share_of_total"] = ov["area_m2"] / denominator_m2 if denominator_m2 else np.nan
    ov["status"] = np.where(
        ov["must_not_overlap"],
        np.where(ov["area_m2"] >= OVERLAP_TOLERANCE_M2, "violated", "ok"),
        "",
    )
    ov = ov[list(figs[0].overlaps.columns)]

    conflicts: dict[str, gpd.GeoDataFrame] = {}
    for row in ov.itertuples():
        name = f"overlap_{row.role_a}__{row.role_b}"
        if not row.must_not_overlap or row.area_m2 <= 0:
            continue
        frame = _merge_pieces(_conflict_frames(results, name), ["a_fid", "b_fid"], target, method)
        frame = frame[frame["area_m2"] >= min_conflict_m2].reset_index(drop=True)
        if len(frame):
            conflicts[name] = frame

    cont = _sum_by([f.containment for f in figs], ["inner", "outer"], ["inner_m2", "outside_m2"])
    n_out = []
    for row in cont.itertuples():
        name = f"outside_{row.inner}__{row.outer}"
        frame = _conflict_frames(results, name)
        if row.outside_m2 < min_conflict_m2 or not frame:
            n_out.append(0)
            continue
        frame = _merge_pieces(frame, ["fid"], target, method)
        frame["feature_m2"] = own[row.inner].reindex(frame["fid"].to_numpy()).to_numpy()
        frame = frame[frame["area_m2"] >= min_conflict_m2].reset_index(drop=True)
        n_out.append(len(frame))
        if len(frame):
            conflicts[name] = frame
    cont["inside_m2"] = cont["inner_m2"] - cont["outside_m2"]
    cont["share_outside"] = np.where(
        cont["inner_m2"] > 0,
        cont["outside_m2"] / cont["inner_m2"].where(cont["inner_m2"] > 0),
        np.nan,
    )
    cont["features_outside"] = n_out
    cont = cont[list(figs[0].containment.columns)]

    so_rows = []
    cov_sum = dict(zip(cov["role"], cov["sum_m2"], strict=True))
    for role in roles:
        frames = _conflict_frames(results, f"self_overlap_{role}") + _conflict_frames(
            results, f"duplicate_{role}"
        )
        frame = _merge_pieces(frames, ["fid_a", "fid_b"], target, method) if frames else None
        if frame is None or len(frame) == 0:
            dup = np.zeros(0, bool)
            area = 0.0
        else:
            dup = frame["duplicate"].to_numpy(dtype=bool)
            # a duplicate pair overlaps on the whole feature: its own area, as unpartitioned
            frame.loc[dup, "area_m2"] = (
                own[role].reindex(frame.loc[dup, "fid_a"].to_numpy()).to_numpy()
            )
            frame["area_ha"] = frame["area_m2"] / 1e4
            area = float(frame["area_m2"].sum())
            big = frame["area_m2"].to_numpy() >= min_conflict_m2
            if (big & ~dup).any():
                conflicts[f"self_overlap_{role}"] = frame[big & ~dup].reset_index(drop=True)
            if dup.any():
                conflicts[f"duplicate_{role}"] = frame[dup].reset_index(drop=True)
        so_rows.append(
            {
                "role": role,
                "pairs": len(dup),
                "duplicate_pairs": int(dup.sum()),
                "pair_overlap_m2": area,
                "double_counted_m2": float(cov_sum[role]) - float(union[role]),
            }
        )
    self_ov = pd.DataFrame(so_rows, columns=list(figs[0].self_overlaps.columns))

    townships = None
    if by_township and figs[0].townships is not None:
        townships = _township_sum(
            [f.townships for f in figs], cov if has_boundary else None, method=method
        )
    lc = None
    if figs[0].land_cover is not None:
        lc = _sum_by([f.land_cover for f in figs], ["class", "codes"], ["area_m2"])
        if denominator_m2:
            lc_denominator, lc_source = denominator_m2, source
        else:
            lc_denominator, lc_source = float(union["land_use"]), "land_use"
        lc["share"] = lc["area_m2"] / lc_denominator if lc_denominator else np.nan
        lc["denominator_m2"] = lc_denominator
        lc["denominator_source"] = lc_source
        lc = lc[list(figs[0].land_cover.columns)]
    for frame in conflicts.values():
        frame.attrs["area_method"] = method
    return CountyFigures(
        crs=_crs_name(target),
        denominator_m2=denominator_m2,
        denominator_source=source,
        method=method,
        coverage=cov,
        overlaps=ov,
        containment=cont,
        self_overlaps=self_ov,
        townships=townships,
        land_cover=lc,
        conflicts=conflicts,
    )


_SPECIAL = ["townships_overlap", "not_in_townships", "townships_outside_boundary", "method_residue"]


def _township_sum(
    tables: list[pd.DataFrame], coverage: pd.DataFrame | None, *, method
) -> pd.DataFrame:
    """The township table of the county from those of its tiles (sums, then shares)."""
    first = tables[0]
    unit, decimals = first.attrs.get("unit", "ha"), 2
    per = UNITS[normalize_unit(unit)]
    m2_cols = [c for c in first.columns if c.endswith("_m2")]
    df = first[["name", "kind"]].copy()
    for c in m2_cols:
        df[c] = np.sum([t[c].to_numpy(dtype=float) for t in tables], axis=0)
    kind = df["kind"].to_numpy()
    total_area = float(df["area_m2"].iloc[-1])
    out = df[["name", "kind", "area_m2"]].copy()
    out[f"area_{unit}"] = _balanced(df["area_m2"].to_numpy() / per, decimals)
    overlap_t = -float(df.loc[kind == "townships_overlap", "area_m2"].sum())
    gap = beyond = 0.0
    if "townships_outside_boundary" in kind:
        gap = float(df.loc[kind == "not_in_townships", "area_m2"].sum())
        beyond = -float(df.loc[kind == "townships_outside_boundary", "area_m2"].sum())
    notes = township_notes(overlap_t, gap=gap, beyond=beyond)
    roles = [c[: -len("_m2")] for c in m2_cols if c != "area_m2"]
    for role in roles:
        col = df[f"{role}_m2"].to_numpy()
        out[f"{role}_m2"] = col
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(df["area_m2"] > 0, col / df["area_m2"].to_numpy(), np.nan)
        share[np.isin(kind, _SPECIAL)] = np.nan
        total = float(col[-1])
        not_in = float(col[kind == "not_in_townships"].sum())
        if coverage is not None:
            inside_total = float(coverage.set_index("role").loc[role, "inside_m2"])
        else:
            inside_total = total - not_in
        share[-1] = inside_total / total_area if total_area > 0 else np.nan
        out[f"{role}_share"] = share
        out[f"{role}_{unit}"] = _balanced(col / per, decimals)
        residue = float(col[kind == "method_residue"].sum())
        dbl = -float(col[kind == "townships_overlap"].sum())
        notes += role_notes(role, not_in=not_in, residue=residue, double=dbl, method=method)
    out = out[list(first.columns)]
    out.attrs.update(notes=notes, method=method, unit=unit)
    return out
