"""The conflicts GeoPackage: one layer per conflict type, naming the source features.

:func:`write_conflicts` is public as :func:`ecospace.write_conflicts`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ecospace._output import atomic_output, final_path, refuse_overwrite

log = logging.getLogger("ecospace")


#: Columns of the in-memory conflict frames holding 0-based source rows, and their names
#: in the GeoPackage.  A column called ``fid`` would be taken by pyogrio/GDAL as the
#: GeoPackage's own feature id (and renumbered), so none is written under that name.
ROW_COLUMNS: dict[str, str] = {
    "a_fid": "a_row",
    "b_fid": "b_row",
    "fid_a": "a_row",
    "fid_b": "b_row",
    "fid": "src_row",
}
#: Columns of the conflict frames holding the sources' own feature ids, by side.
SRC_FID_COLUMNS: dict[str, str] = {
    "a_src_fid": "a_",
    "b_src_fid": "b_",
    "src_fid_a": "a_",
    "src_fid_b": "b_",
    "src_fid": "",
}


def _conflict_roles(name: str) -> dict[str, str]:
    """Role behind each side of a conflict layer (``"a_"``, ``"b_"``, ``""``), by its name."""
    for kind in ("overlap_", "outside_"):
        if name.startswith(kind) and "__" in name:
            ra, rb = name[len(kind) :].split("__", 1)
            return {"a_": ra, "b_": rb, "": ra}
    for kind in ("self_overlap_", "duplicate_"):
        if name.startswith(kind):
            role = name[len(kind) :]
            return {"a_": role, "b_": role, "": role}
    return {}


def write_conflicts(
    path: str | Path,
    conflicts: Mapping[str, gpd.GeoDataFrame],
    *,
    overwrite: bool = False,
    fids: Mapping[str, np.ndarray | int | None] | None = None,
    method: str | None = None,
    crs: pyproj.CRS | str | int | None = None,
) -> Path:
    """Write conflicts as a GeoPackage, one layer per conflict type.

    Empty conflict types are skipped (a GeoPackage layer needs at least its schema; an
    empty layer would only say "nothing here").  When every type is empty the file holds
    one table, ``no_conflicts``, saying so, so that "no conflicts" is visible in QGIS.

    Each feature names its source features twice, so GIS staff find them:

    * ``a_row``/``b_row`` (``src_row`` for containment) — the 0-based row in the source
      layer as read by ecospace (the ``a_fid``/``b_fid``/``fid`` columns of the frames);
    * ``a_src_fid``/``b_src_fid`` (``src_fid``) — the source's own feature id, the one
      QGIS and ArcGIS show (GeoPackage/FileGDB count from 1): the frame's own
      ``a_src_fid``/``b_src_fid``/``src_fid`` (``src_fid_a``/``src_fid_b``) column, which
      the frames of this module carry when the layers have the ``src_fid`` column of
      :func:`ecospace.loading.layers.read_layer`; otherwise from ``fids`` when it gives the role:
      ``src_fid = fids[role][row]``, or ``row + fids[role]`` for an int;

    beside the id field (``YJJBNTTBBH``, ``ZRBHDMC``…), ``area_m2``/``area_ha`` and
    ``method``, the area method of ``area_m2``.

    Parameters
    ----------
    path : str or Path
        The ``.gpkg`` file to create.
    conflicts : mapping of layer name to GeoDataFrame
        E.g. ``overlap_red_line__basic_farmland``, ``outside_protected_area__red_line``,
        ``self_overlap_basic_farmland``, ``duplicate_basic_farmland``; the roles in the
        name say which source each side comes from.
    overwrite : bool, default False
        Replace an existing file; otherwise an existing file is an error.
    fids : mapping of role to array or int, optional
        For frames without a ``src_fid`` column (layers that did not come from
        :func:`ecospace.loading.layers.read_layer`): native feature ids by row, or the offset to
        add to the row (1 for a GeoPackage/FileGDB whose features were never deleted).
        Roles with neither get no ``src_fid`` column.
    method : str, optional
        Area method of ``area_m2``; default ``attrs["area_method"]`` of each frame (set
        by :func:`ecospace.measuring.stats.measure_county`).
    crs : CRS or str, optional
        CRS of the ``no_conflicts`` table written when there are no conflicts (the
        working CRS of the layers checked, so the file opens beside them); default the
        CRS of the empty frames given, if any.  Conflict layers keep their frame's CRS.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    OutputExistsError
        The file exists and ``overwrite`` is false.

    Examples
    --------
    >>> import geopandas as gpd, tempfile, os, pyogrio
    >>> from shapely import box
    >>> g = gpd.GeoDataFrame({"a_fid": [4], "b_fid": [0], "area_m2": [1.0]},
    ...                      geometry=[box(0, 0, 1, 1)], crs="EPSG:4529")
    >>> p = write_conflicts(os.path.join(tempfile.mkdtemp(), "c.gpkg"),
    ...                     {"overlap_red_line__basic_farmland": g},
    ...                     fids={"red_line": 1}, method="ellipsoid")
    >>> back = pyogrio.read_dataframe(p, read_geometry=False)
    >>> back[["a_row", "a_src_fid", "b_row", "method"]].values.tolist()
    [[4, 5, 0, 'ellipsoid']]
    """
    target = Path(path)
    refuse_overwrite([target], overwrite=overwrite)
    with atomic_output(target, overwrite=overwrite) as path:  # renamed when every layer is in
        written = _write_layers(path, conflicts, dict(fids or {}), method, crs)
    log.info("wrote %d conflict layers to %s", written, final_path(target))
    return target


def _write_layers(path: Path, conflicts, fids: dict, method, crs) -> int:
    """Write the conflict layers into the new GeoPackage ``path``; returns how many."""
    written = 0
    for name, gdf in conflicts.items():
        if gdf is None or len(gdf) == 0:
            continue
        out = conflict_frame(name, gdf, fids=fids, method=method)
        out.to_file(
            path,
            layer=name,
            driver="GPKG",
            engine="pyogrio",
            layer_options={"DESCRIPTION": _CONFLICT_NOTE},
        )
        written += 1
    if written == 0:
        if crs is None:
            crs = next(
                (g.crs for g in conflicts.values() if getattr(g, "crs", None) is not None), None
            )
        note = gpd.GeoDataFrame({"note": ["no conflicts found"]}, geometry=[None], crs=crs)
        with warnings.catch_warnings():
            # a table without geometry has nothing to project: no CRS is no loss here
            warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)
            note.to_file(path, layer="no_conflicts", driver="GPKG", engine="pyogrio")
    return written


def conflict_frame(
    name: str,
    gdf: gpd.GeoDataFrame,
    *,
    fids: Mapping[str, np.ndarray | int | None] | None = None,
    method: str | None = None,
) -> gpd.GeoDataFrame:
    """One conflict layer as it is written to a file: source rows renamed (``a_row``,
    ``b_row``, ``src_row``), the sources' own ids (``a_src_fid``, ``b_src_fid``,
    ``src_fid``) beside them, ``method`` added, and polygons promoted to multipolygons
    (one geometry type per layer).  See :func:`write_conflicts` for the columns.
    """
    fids = dict(fids or {})
    geoms = shapely.force_2d(np.asarray(gdf.geometry.values, dtype=object))
    # GeoPackage wants one geometry type per layer: promote polygons to multipolygons
    polys = shapely.get_type_id(geoms) == 3
    if polys.any():
        geoms[polys] = shapely.multipolygons(geoms[polys], indices=np.arange(polys.sum()))
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    roles = _conflict_roles(name)
    carried = {side: col for col, side in SRC_FID_COLUMNS.items() if col in df.columns}
    cols: dict[str, object] = {}
    for col in df.columns:
        if col not in ROW_COLUMNS:
            continue
        new = ROW_COLUMNS[col]
        cols[new] = df[col].to_numpy()
        side = new[:2] if new[1] == "_" else ""
        if side in carried:
            cols[f"{side}src_fid"] = df[carried[side]].to_numpy(dtype=np.int64)
            continue
        known = fids.get(roles.get(side, ""))
        if known is None:
            continue
        row = df[col].to_numpy(dtype=np.int64)
        if np.isscalar(known):
            cols[f"{side}src_fid"] = row + int(known)
        else:
            cols[f"{side}src_fid"] = np.asarray(known, dtype=np.int64)[row]
    for side, col in carried.items():
        cols.setdefault(f"{side}src_fid", df[col].to_numpy(dtype=np.int64))
    rest = df.drop(columns=[c for c in df.columns if c in ROW_COLUMNS or c in SRC_FID_COLUMNS])
    out = pd.concat([pd.DataFrame(cols, index=df.index), rest], axis=1)
    m = method or gdf.attrs.get("area_method")
    if m and "area_m2" in out.columns:
        out["method"] = m
    return gpd.GeoDataFrame(out, geometry=geoms, crs=gdf.crs)


_CONFLICT_NOTE = (
    "ecospace conflicts. a_row/b_row/src_row: 0-based row of the source feature as read; "
    "a_src_fid/b_src_fid/src_fid: the source's own feature id (GeoPackage/FileGDB fid, "
    "from 1; shapefile FID, from 0), as shown in QGIS/ArcGIS; area_m2 by the area method "
    "in 'method'."
)
