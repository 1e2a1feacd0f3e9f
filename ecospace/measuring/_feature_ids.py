"""Which source feature a measured piece comes from: row, source fid and id field.

Conflict tables (overlap, outside and self-overlap pieces) and dissolved clusters name the
features they come from by these ids, so a reviewer can find each one in the source layer.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from ecospace.vocabulary import ID_FIELDS

__all__ = ["id_field"]


def _fids(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Source feature ids: the ``fid`` column kept by read_layer, else the 0-based position."""
    if "fid" in gdf.columns:
        return gdf["fid"].to_numpy()
    return np.arange(len(gdf), dtype=np.int64)


def _src_fids(gdf: gpd.GeoDataFrame) -> np.ndarray | None:
    """The source's own feature ids (``src_fid`` kept by read_layer), ``None`` without them."""
    if "src_fid" in gdf.columns:
        return gdf["src_fid"].to_numpy()
    return None


def id_field(gdf: gpd.GeoDataFrame) -> str | None:
    """The first of :data:`ID_FIELDS` present in ``gdf`` (``None`` when none is)."""
    for f in ID_FIELDS:
        if f in gdf.columns:
            return f
    return None


def _attach_ids(df: pd.DataFrame, gdf: gpd.GeoDataFrame, pos: np.ndarray, prefix: str) -> None:
    df[f"{prefix}fid"] = _fids(gdf)[pos]
    src = _src_fids(gdf)
    if src is not None:
        df[f"{prefix}src_fid"] = src[pos]
    f = id_field(gdf)
    if f is not None and f != "fid":
        df[f"{prefix}{f}"] = gdf[f].to_numpy()[pos]
