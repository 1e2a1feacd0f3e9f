"""One numbering of the conflict pieces, shared by the map, the annex and the reports (private).

:func:`conflict_table` numbers the pieces of ``measure_county(...).conflicts`` 1, 2, 3 … in
one fixed order — conflict types in the order ``measure_county`` lists them (protected areas
nesting in each other are not conflicts), pieces in their frame's order — so that number 7
on the web map, on the annex page and in a report's conflict table is the same piece.
:func:`conflict_rows` is that table as the reports show it (no geometry).
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecospace.rendering.styles import NOT_CONFLICTS, conflict_label

#: Columns naming the source features of each side, in the order they are looked up.
_ID_COLUMNS = (
    ("a_src_fid", "b_src_fid"),
    ("src_fid_a", "src_fid_b"),
    ("src_fid",),
    ("a_fid", "b_fid"),
    ("fid_a", "fid_b"),
    ("fid",),
)
#: Columns of a conflict frame that are not a feature's identifier (BSM, YJJBNTTBBH …).
_NOT_CODES = {"fid", "src_fid", "area_m2", "area_ha", "feature_m2", "duplicate", "geometry"}
#: Township name fields, in the order they are looked up.
_TOWNSHIP_NAMES = ("XZQMC", "XZMC", "NAME", "name", "MC")

#: Columns of :func:`conflict_table` besides the geometry.
TABLE_COLUMNS = (
    "no", "name", "row", "label_zh", "label_en", "ids", "codes", "area_m2", "method", "township",
)  # fmt: skip
#: Columns of :func:`conflict_rows`, the conflicts section of every report.
ROW_COLUMNS = (
    "conflict_no", "conflict", "label_zh", "label_en", "src_fids", "feature_codes", "area_m2",
    "method", "township",
)  # fmt: skip


def conflict_table(
    conflicts: Mapping[str, gpd.GeoDataFrame] | None,
    *,
    townships: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Every conflict piece with its number, type and source feature ids, at a point inside it.

    Parameters
    ----------
    conflicts
        Conflict name → pieces, as in ``measure_county(...).conflicts``.
    townships
        Township polygons (any CRS); each piece gets the name of the township its point
        lies in — the township of the numbered marker on the map and the annex.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``no`` (1, 2, …), ``name`` (conflict type), ``row`` (row in its frame),
        ``label_zh``, ``label_en``, ``ids`` (the source features' ids, e.g. ``"12 × 40"``,
        ``src_fid`` as QGIS shows it where the frame has it), ``codes`` (their identifier
        fields — BSM, YJJBNTTBBH … — where the frame carries them), ``area_m2`` and
        ``method`` (the frame's ``attrs["area_method"]``), ``township`` (``""`` without
        ``townships`` or outside them); geometry: a point inside the piece
        (``point_on_surface``), in the CRS of the first frame.

    Examples
    --------
    >>> from shapely import box
    >>> a = gpd.GeoDataFrame({"a_src_fid": [3], "b_src_fid": [9], "area_m2": [4.0]},
    ...                      geometry=[box(0, 0, 2, 2)], crs="EPSG:4530")
    >>> t = conflict_table({"overlap_red_line__basic_farmland": a})
    >>> t[["no", "label_zh", "ids", "area_m2"]].values.tolist()
    [[1, '生态保护红线与永久基本农田重叠', '3 × 9', 4.0]]
    """
    frames = [
        (name, gdf)
        for name, gdf in (conflicts or {}).items()
        if name not in NOT_CONFLICTS and gdf is not None and len(gdf)
    ]
    crs = frames[0][1].crs if frames else None
    parts = []
    for name, gdf in frames:
        g = gdf.geometry if crs is None or gdf.crs == crs else gdf.geometry.to_crs(crs)
        zh, en = conflict_label(name)
        area = gdf["area_m2"] if "area_m2" in gdf.columns else np.nan
        parts.append(
            gpd.GeoDataFrame(
                {
                    "name": name,
                    "row": np.arange(len(gdf)),
                    "label_zh": zh,
                    "label_en": en,
                    "ids": _ids(gdf),
                    "codes": _codes(gdf),
                    "area_m2": np.asarray(area, dtype=float),
                    "method": gdf.attrs.get("area_method") or "",
                },
                geometry=shapely.point_on_surface(g.values),
                crs=crs,
            )
        )
    if not parts:
        empty = {c: [] for c in TABLE_COLUMNS}
        return gpd.GeoDataFrame(empty, geometry=[], crs=crs)
    out = pd.concat(parts, ignore_index=True)
    out.insert(0, "no", np.arange(1, len(out) + 1))
    out["township"] = _townships_at(out.geometry.values, crs, townships)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=crs)


def conflict_rows(
    conflicts: Mapping[str, gpd.GeoDataFrame] | None,
    *,
    townships: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """The numbered conflict table as every report shows it: one row per piece, no geometry.

    Columns :data:`ROW_COLUMNS`: ``conflict_no`` (the number on the map and the annex),
    ``conflict`` (type, e.g. ``overlap_red_line__basic_farmland``) with ``label_zh`` and
    ``label_en``, ``src_fids`` (the features' FIDs as QGIS shows them, ``a × b``),
    ``feature_codes`` (their BSM or code field), ``area_m2`` by ``method``, ``township``.

    Examples
    --------
    >>> from shapely import box
    >>> a = gpd.GeoDataFrame({"fid": [0], "src_fid": [1], "ZRBHDMC": ["湿地公园"],
    ...                       "area_m2": [4.0]}, geometry=[box(0, 0, 2, 2)], crs="EPSG:4530")
    >>> a.attrs["area_method"] = "planar"
    >>> t = gpd.GeoDataFrame({"XZQMC": ["城关镇"]}, geometry=[box(-1, -1, 5, 5)], crs="EPSG:4530")
    >>> r = conflict_rows({"outside_protected_area__red_line": a}, townships=t)
    >>> cols = ["conflict_no", "src_fids", "feature_codes", "area_m2", "method", "township"]
    >>> r[cols].values.tolist()
    [[1, '1', '湿地公园', 4.0, 'planar', '城关镇']]
    """
    t = conflict_table(conflicts, townships=townships)
    out = pd.DataFrame(
        {
            "conflict_no": t["no"].to_numpy(dtype=np.int64),
            "conflict": t["name"].to_numpy(dtype=object),
            "label_zh": t["label_zh"].to_numpy(dtype=object),
            "label_en": t["label_en"].to_numpy(dtype=object),
            "src_fids": t["ids"].to_numpy(dtype=object),
            "feature_codes": t["codes"].to_numpy(dtype=object),
            "area_m2": t["area_m2"].to_numpy(dtype=float),
            "method": t["method"].to_numpy(dtype=object),
            "township": t["township"].to_numpy(dtype=object),
        }
    )
    return out[list(ROW_COLUMNS)]


def _text(s: pd.Series) -> pd.Series:
    return s.astype(object).where(s.notna(), "?").astype(str)


def _ids(gdf: gpd.GeoDataFrame) -> list[str]:
    for cols in _ID_COLUMNS:
        if all(c in gdf.columns for c in cols):
            values = [_text(gdf[c]) for c in cols]
            return [" × ".join(t) for t in zip(*values, strict=True)]
    return [""] * len(gdf)


def _codes(gdf: gpd.GeoDataFrame) -> list[str]:
    """The identifier field of each side (``a_BSM``/``b_YJJBNTTBBH``, ``X_a``/``X_b``, ``X``)."""
    cols = [str(c) for c in gdf.columns if str(c) != gdf.geometry.name]

    def bare(c: str) -> str:
        if c[:2] in ("a_", "b_"):
            return c[2:]
        return c[:-2] if c[-2:] in ("_a", "_b") else c

    cols = [c for c in cols if bare(c) not in _NOT_CODES]
    a = [c for c in cols if c.startswith("a_") or c.endswith("_a")]
    b = [c for c in cols if c.startswith("b_") or c.endswith("_b")]
    picked = [a[0], b[0]] if a and b else [c for c in cols if c not in a + b][:1]
    if not picked:
        return [""] * len(gdf)
    values = [_text(gdf[c]) for c in picked]
    return [" × ".join(t) for t in zip(*values, strict=True)]


def _townships_at(points: np.ndarray, crs, townships: gpd.GeoDataFrame | None) -> np.ndarray:
    """Name of the township each point lies in (the first, where townships overlap)."""
    out = np.full(len(points), "", dtype=object)
    if townships is None or not len(townships) or not len(points):
        return out
    col = next((c for c in _TOWNSHIP_NAMES if c in townships.columns), None)
    if col is None:
        return out
    tw = townships if crs is None or townships.crs == crs else townships.to_crs(crs)
    hit_pt, hit_tw = shapely.STRtree(tw.geometry.values).query(points, predicate="intersects")
    first = np.unique(hit_pt, return_index=True)[1]
    names = _text(tw[col]).to_numpy()
    out[hit_pt[first]] = names[hit_tw[first]]
    return out
