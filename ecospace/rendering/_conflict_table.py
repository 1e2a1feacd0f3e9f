"""One numbering of the conflict pieces, shared by the map, the annex and the reports (private).

:func:`conflict_table` numbers the pieces of ``measure_county(...).conflicts`` 1, 2, 3 … in
one fixed order — conflict types in the order ``measure_county`` lists them (protected areas
nesting in each other are not conflicts), pieces in their frame's order — so that number 7
on the web map, on the annex page and in a report's conflict table is the same piece.
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


def conflict_table(conflicts: Mapping[str, gpd.GeoDataFrame] | None) -> gpd.GeoDataFrame:
    """Every conflict piece with its number, type and source feature ids, at a point inside it.

    Parameters
    ----------
    conflicts
        Conflict name → pieces, as in ``measure_county(...).conflicts``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``no`` (1, 2, …), ``name`` (conflict type), ``row`` (row in its frame),
        ``label_zh``, ``label_en`` and ``ids`` (the source features' ids, e.g. ``"12 × 40"``,
        ``src_fid`` as QGIS shows it where the frame has it); geometry: a point inside the
        piece (``point_on_surface``), in the CRS of the first frame.

    Examples
    --------
    >>> from shapely import box
    >>> a = gpd.GeoDataFrame({"a_src_fid": [3], "b_src_fid": [9]}, geometry=[box(0, 0, 2, 2)],
    ...                      crs="EPSG:4530")
    >>> t = conflict_table({"overlap_red_line__basic_farmland": a})
    >>> t[["no", "label_zh", "ids"]].values.tolist()
    [[1, '生态保护红线与永久基本农田重叠', '3 × 9']]
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
        parts.append(
            gpd.GeoDataFrame(
                {
                    "name": name,
                    "row": np.arange(len(gdf)),
                    "label_zh": zh,
                    "label_en": en,
                    "ids": _ids(gdf),
                },
                geometry=shapely.point_on_surface(g.values),
                crs=crs,
            )
        )
    if not parts:
        empty = {c: [] for c in ("no", "name", "row", "label_zh", "label_en", "ids")}
        return gpd.GeoDataFrame(empty, geometry=[], crs=crs)
    out = pd.concat(parts, ignore_index=True)
    out.insert(0, "no", np.arange(1, len(out) + 1))
    return gpd.GeoDataFrame(out, geometry="geometry", crs=crs)


def _ids(gdf: gpd.GeoDataFrame) -> list[str]:
    for cols in _ID_COLUMNS:
        if all(c in gdf.columns for c in cols):
            values = [gdf[c].astype(object).where(gdf[c].notna(), "?").astype(str) for c in cols]
            return [" × ".join(t) for t in zip(*values, strict=True)]
    return [""] * len(gdf)
