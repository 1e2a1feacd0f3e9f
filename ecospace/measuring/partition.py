"""A county measured tile by tile, on every core: the partitioned engine.

:func:`measure_partitioned` takes what :func:`ecospace.measuring.stats.measure_county` takes and
returns the same :class:`~ecospace.measuring.stats.CountyFigures`, but cuts the working plane into
square tiles, clips every layer to each tile, measures each tile on its own (coverage,
overlaps, containment, within-layer overlaps, township pieces, land cover and conflict
pieces, by :func:`~ecospace.measuring.stats.measure_county` itself) and adds the tiles up.  Tiles
run as Dask tasks: on dask's local threaded scheduler with one thread per core by default
(no cluster to start: shapely releases the GIL in GEOS), or on a cluster given as a
:class:`distributed.Client` or a scheduler address.  A county with fewer features than
two tiles' worth (:data:`MIN_FEATURES_PER_TILE`) is one task: measured whole, as
:func:`~ecospace.measuring.stats.measure_county` measures it, so small counties and tests pay
nothing for the tiles.

Why the figures are the same
----------------------------
Tiles do not overlap (each is the half-open box ``[x0, x1) × [y0, y1)``; only their
edges touch), so the area of a union, of an intersection or of a difference is the sum
of its areas inside the tiles.  Features are counted once, by the tile that *owns* them
(the tile holding their bounding box's lower-left corner); the sum of their own areas
(``sum_m2``) is the sum of their pieces' areas.  Cutting a feature at a tile edge adds
vertices on its edges, and the official series removes the straight-in-latitude/longitude
error of long edges (:data:`ecospace.geometry.area.MAX_EDGE_M`), so the pieces of a feature add up
to it.  Conflict pieces cut by tile edges are merged back (dissolved by their source ids:
the feature, or the pair of features) before they are filtered by size, so the conflicts
file names each conflict once.

Layers
------
Each layer is a :class:`geopandas.GeoDataFrame` or a *tiled source*: an object with
``.crs`` (:class:`pyproj.CRS`), ``.total_bounds()`` and ``.read_bbox(minx, miny, maxx,
maxy)`` returning the features whose bounding box meets that box (in ``.crs``), with a
``src_fid`` column; picklable, so each Dask worker reads its own tiles.  Layers not in
the working CRS are brought there with :func:`ecospace.geometry.crs.reproject` (long edges keep
their line).  County and township boundaries are small and read whole.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from dask.system import CPU_COUNT

from ecospace.errors import EcospaceError
from ecospace.geometry.area import Method
from ecospace.geometry.crs import reproject, working_crs
from ecospace.loading.tiled_sources import REPAIRS_ATTR
from ecospace.measuring._pairs import _areas, _polygonal
from ecospace.measuring._partition_run import _run
from ecospace.measuring._partition_sum import _combine, _TileResult
from ecospace.measuring.overlap import _crs_name
from ecospace.measuring.stats import (
    CountyFigures,
    DenominatorSource,
    checked_denominator,
    measure_county,
)

__all__ = ["TiledSource", "measure_partitioned", "tile_grid"]

log = logging.getLogger("ecospace")

#: Roles read whole and given to every tile (few features, needed whole by the tables).
WHOLE_ROLES: tuple[str, ...] = ("boundary", "townships")
#: ``attrs`` key of the repairs a tiled source made as it read (per tile; in the figures'
#: ``coverage.attrs``, by role, the list of every tile's)
_REPAIRS = REPAIRS_ATTR
#: Tiles per worker when ``tile_size_m`` is not given (enough to balance the load).
TILES_PER_WORKER = 2
_MIN_TILES = 4
#: Fewer features than this per tile cost more in clipping and adding up than they save:
#: a county with fewer than twice as many features is measured whole, as one task.
MIN_FEATURES_PER_TILE = 5_000
#: A tile keeps every conflict piece of positive area (the county's tables count pairs of
#: any size; pieces are filtered by size after merging) and builds none where nothing is
#: outside or overlapping.
_PIECE_M2 = float(np.finfo(float).smallest_subnormal)


@runtime_checkable
class TiledSource(Protocol):
    """A layer read by bounding box (partitioned GeoParquet, PostGIS …)."""

    crs: pyproj.CRS

    def total_bounds(self) -> Sequence[float]: ...

    def read_bbox(self, minx: float, miny: float, maxx: float, maxy: float) -> gpd.GeoDataFrame: ...


# ----------------------------------------------------------------------------- tiles
def tile_grid(
    bounds: Sequence[float], tile_size_m: float
) -> list[tuple[float, float, float, float]]:
    """Square tiles of side ``tile_size_m`` covering ``bounds``, from a corner of round numbers.

    The grid starts at the lower-left corner of ``bounds`` rounded down to whole km (to
    the tile size for tiles under 1 km), so the same data cut twice get the same tiles.

    Examples
    --------
    >>> tile_grid((150.0, 0.0, 2500.0, 900.0), 1000.0)
    [(0.0, 0.0, 1000.0, 1000.0), (1000.0, 0.0, 2000.0, 1000.0), (2000.0, 0.0, 3000.0, 1000.0)]
    """
    if not tile_size_m > 0:
        raise EcospaceError(f"tile_size_m must be a positive length in metres, got {tile_size_m!r}")
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    unit = min(tile_size_m, 1000.0)
    x0 = math.floor(minx / unit) * unit
    y0 = math.floor(miny / unit) * unit
    nx = max(1, math.ceil((maxx - x0) / tile_size_m))
    ny = max(1, math.ceil((maxy - y0) / tile_size_m))
    return [
        (
            x0 + i * tile_size_m,
            y0 + j * tile_size_m,
            x0 + (i + 1) * tile_size_m,
            y0 + (j + 1) * tile_size_m,
        )
        for j in range(ny)
        for i in range(nx)
    ]


def _tile_side(bounds: Sequence[float], tiles: int) -> float:
    """A round tile side (whole km, at least 1 km) giving about ``tiles`` tiles."""
    w, h = bounds[2] - bounds[0], bounds[3] - bounds[1]
    side = math.sqrt(max(w * h, 1.0) / max(tiles, 1))
    return max(1000.0, math.ceil(side / 1000.0) * 1000.0)


def _is_source(layer: Any) -> bool:
    return not isinstance(layer, gpd.GeoDataFrame) and hasattr(layer, "read_bbox")


def _bounds_in(layer: Any, target: pyproj.CRS) -> np.ndarray:
    if _is_source(layer):
        b, crs = (
            np.asarray(layer.total_bounds(), dtype=float),
            pyproj.CRS.from_user_input(layer.crs),
        )
    else:
        b, crs = np.asarray(layer.total_bounds, dtype=float), layer.crs
    if not np.all(np.isfinite(b)):
        return b
    if crs.equals(target):
        return b
    t = pyproj.Transformer.from_crs(crs, target, always_xy=True)
    return np.asarray(t.transform_bounds(*b, densify_pts=21), dtype=float)


def _ids(gdf: gpd.GeoDataFrame, role: str, *, source: bool) -> gpd.GeoDataFrame:
    """``gdf`` with ``fid``: kept when present, else the 0-based row (the source's id for a
    tiled source, whose rows are only those of one tile).  Pieces are merged by it."""
    if "fid" in gdf.columns:
        return gdf
    gdf = gdf.copy()
    if source:
        if "src_fid" not in gdf.columns:
            raise EcospaceError(
                f"tiled source of layer {role!r} returned features without a 'src_fid' column; "
                "its read_bbox must return each feature's own id (src_fid) so pieces cut by "
                "tile edges can be merged back"
            )
        gdf["fid"] = gdf["src_fid"].to_numpy()
    else:
        gdf["fid"] = np.arange(len(gdf), dtype=np.int64)
    return gdf


# ----------------------------------------------------------------------------- one tile
def _clip(gdf: gpd.GeoDataFrame, g: np.ndarray, tile) -> gpd.GeoDataFrame:
    """``gdf`` (geometries ``g``) cut to the tile; features inside it are kept as they are."""
    b = shapely.bounds(g)
    inside = (b[:, 0] >= tile[0]) & (b[:, 1] >= tile[1])
    inside &= (b[:, 2] <= tile[2]) & (b[:, 3] <= tile[3])
    cut = np.flatnonzero(~inside & ~shapely.is_missing(g))
    out = g.copy()
    if len(cut):
        part = g[cut]
        bad = ~shapely.is_valid(part)  # only those cut need to be valid here
        part[bad] = _polygonal(shapely.make_valid(part[bad]))
        out[cut] = _polygonal(shapely.intersection(part, shapely.box(*tile)))
    out[shapely.is_empty(out)] = None
    return gdf.set_geometry(gpd.GeoSeries(out, index=gdf.index, crs=gdf.crs))


def _owned(g: np.ndarray, tile, grid) -> int:
    """How many features this tile owns (the lower-left corner of their box is in it)."""
    origin, size, (nx, ny) = grid
    b = shapely.bounds(g)
    ix = np.clip(np.floor((b[:, 0] - origin[0]) / size), 0, nx - 1)
    iy = np.clip(np.floor((b[:, 1] - origin[1]) / size), 0, ny - 1)
    tx, ty = round((tile[0] - origin[0]) / size), round((tile[1] - origin[1]) / size)
    return int(((ix == tx) & (iy == ty) & ~shapely.is_missing(g)).sum())


def _named_areas(figures: CountyFigures, full: Mapping[str, tuple], method) -> dict:
    """Own areas of the whole features that outside/duplicate pieces name (few)."""
    out: dict[str, list[pd.Series]] = {}
    for name, frame in figures.conflicts.items():
        if name.startswith("outside_"):
            role, col = name[len("outside_") :].split("__")[0], "fid"
        elif name.startswith("duplicate_"):
            role, col = name[len("duplicate_") :], "fid_a"
        else:
            continue
        gdf, g = full[role]
        fids = gdf["fid"].to_numpy()
        pick = np.isin(fids, frame[col].to_numpy())
        out.setdefault(role, []).append(
            pd.Series(_areas(g[pick], gdf.crs, method), index=fids[pick])
        )
    return {role: pd.concat(parts) for role, parts in out.items()}


def _read(layer: Any, role: str, tile, target: pyproj.CRS) -> gpd.GeoDataFrame:
    """Whole features of a tiled source that may meet ``tile`` (in ``target``)."""
    crs = pyproj.CRS.from_user_input(layer.crs)
    box = tile
    if not crs.equals(target):
        t = pyproj.Transformer.from_crs(target, crs, always_xy=True)
        box = t.transform_bounds(*tile, densify_pts=21)
    gdf = layer.read_bbox(*box)
    repairs = gdf.attrs.pop(_REPAIRS, None)
    if gdf.crs is None:
        gdf = gdf.set_crs(crs)
    gdf = _ids(gdf, role, source=True)
    out = reproject(gdf, target) if not crs.equals(target) else gdf
    if repairs is not None:
        out.attrs[_REPAIRS] = repairs
    return out


def _measure_tile(
    tile: tuple[float, float, float, float],
    parts: Mapping[str, Any],
    target: pyproj.CRS,
    grid: tuple[tuple[float, float], float, tuple[int, int]],
    options: Mapping[str, Any],
) -> _TileResult:
    """Measure one tile: ``parts`` holds GeoDataFrames (in ``target``), ``(GeoDataFrame,
    rows)`` to take while the tile runs, or tiled sources."""
    method = options["method"]
    clipped: dict[str, gpd.GeoDataFrame] = {}
    owned: dict[str, int] = {}
    full: dict[str, tuple] = {}
    repairs: dict[str, pd.DataFrame] = {}
    for role, part in parts.items():
        if isinstance(part, tuple):  # (layer, rows): taken here, while the tile runs
            part = part[0].iloc[part[1]]
        gdf = _read(part, role, tile, target) if _is_source(part) else part
        if _REPAIRS in gdf.attrs:  # a source that repairs what it reads (loading.Repaired)
            repairs[role] = gdf.attrs.pop(_REPAIRS)
        # as read; measure_county repairs what it measures, _clip what it cuts
        g = np.asarray(gdf.geometry.values, dtype=object)
        full[role] = gdf, g
        owned[role] = _owned(g, tile, grid)
        c = _clip(gdf, g, tile)
        if role not in WHOLE_ROLES:
            c = c[~c.geometry.isna()]
        elif role == "boundary" and c.geometry.isna().all():
            c = c.iloc[:1]  # no county here: one empty feature keeps 'outside' meaning outside
        clipped[role] = c
    figures = measure_county(
        clipped,
        method=method,
        denominator_m2=1.0,  # shares are recomputed from the sums
        denominator_source="stated",
        classes=options["classes"],
        name_field=options["name_field"],
        land_use_field=options["land_use_field"],
        min_conflict_m2=_PIECE_M2,
        by_township=options["by_township"],
    )
    return _TileResult(
        figures=figures, owned=owned, areas=_named_areas(figures, full, method), repairs=repairs
    )


# ----------------------------------------------------------------------------- running
def _measure_whole(layers: Mapping[str, gpd.GeoDataFrame], options: Mapping[str, Any]):
    """One task for the whole county (no tiled source: see :func:`_tile_count`)."""
    return measure_county(layers, **options)


# ----------------------------------------------------------------------------- the county
def measure_partitioned(
    layers: Mapping[str, Any],
    *,
    method: Method = "ellipsoid",
    denominator_m2: float | None = None,
    classes: Mapping[str, Sequence[str]] | None = None,
    name_field: str = "XZQMC",
    land_use_field: str = "DLBM",
    min_conflict_m2: float = 1.0,
    by_township: bool = True,
    denominator_source: DenominatorSource | None = None,
    workers: int | None = None,
    client: Any = None,
    tile_size_m: float | None = None,
    processes: bool = False,
    progress: bool = False,
) -> CountyFigures:
    """Every figure of :func:`~ecospace.measuring.stats.measure_county`, measured by tiles on Dask.

    Parameters
    ----------
    layers : mapping of role to GeoDataFrame or tiled source
        As for :func:`~ecospace.measuring.stats.measure_county`; a layer may also be a tiled source
        (see :class:`TiledSource`), read by each worker for its own tiles.  Layers need not
        share a CRS: they are measured in the most common projected CRS among them.
    method, denominator_m2, classes, name_field, land_use_field, min_conflict_m2, \
by_township, denominator_source
        As for :func:`~ecospace.measuring.stats.measure_county`.
    workers : int, optional
        Threads measuring tiles at once on this machine (dask's local threaded scheduler);
        default every core (:data:`dask.system.CPU_COUNT`).  ``workers=1`` without
        ``client`` runs the tiles one after another in this thread.
    client : distributed.Client or str, optional
        A running cluster to use instead (a ``Client``, or its scheduler's address such
        as ``"tcp://10.0.0.5:8786"``); its workers must be able to import ecospace and
        read every tiled source.
    tile_size_m : float, optional
        Side of the square tiles in metres of the working CRS.  By default a round number
        of km giving about :data:`TILES_PER_WORKER` tiles per worker (at least 4) and no
        fewer than :data:`MIN_FEATURES_PER_TILE` features per tile; a county with fewer
        features than two tiles' worth is measured whole, as one task.  Memory per task is
        bounded by what the layers hold in one tile.
    processes : bool, default False
        A local cluster of worker processes (:class:`distributed.LocalCluster`) instead of
        threads: it costs starting interpreters and pickling each tile's layers, and
        gains only where the GIL is the bottleneck (BENCHMARKS.md, "Threads or processes").
    progress : bool, default False
        Show a progress bar on standard error when it is a terminal and the run lasts
        more than :data:`~ecospace.measuring._partition_run.PROGRESS_AFTER_S` seconds.

    Returns
    -------
    CountyFigures
        Equal to :func:`~ecospace.measuring.stats.measure_county`'s to 0.01 ha in every figure;
        conflict features cut by tile edges are merged back (one per source feature or pair).

    Raises
    ------
    PlanError
        As :func:`~ecospace.measuring.stats.measure_county`, for ``denominator_source``.
    EcospaceError
        A tiled source without ``src_fid``, or a bad ``tile_size_m``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> crs = "EPSG:4529"
    >>> county = gpd.GeoDataFrame(geometry=[box(0, 0, 10, 10)], crs=crs)
    >>> red = gpd.GeoDataFrame(geometry=[box(0, 0, 5, 10)], crs=crs)
    >>> farm = gpd.GeoDataFrame(geometry=[box(4, 0, 6, 1)], crs=crs)
    >>> f = measure_partitioned({"boundary": county, "red_line": red, "basic_farmland": farm},
    ...                         method="planar", tile_size_m=3, workers=1)
    >>> f.denominator_m2, f.overlaps["area_m2"].tolist()
    (100.0, [1.0])
    >>> c = f.conflicts["overlap_red_line__basic_farmland"]
    >>> c[["a_fid", "b_fid", "area_m2"]].values.tolist()
    [[0.0, 0.0, 1.0]]
    """
    denominator_m2 = checked_denominator(denominator_m2, denominator_source)
    target = _working_crs(layers)
    prepared = {
        role: layer if _is_source(layer) or layer.crs.equals(target) else reproject(layer, target)
        for role, layer in layers.items()
    }
    n_workers = workers or (1 if client is not None else CPU_COUNT)
    options = {
        "method": method,
        "classes": classes,
        "name_field": name_field,
        "land_use_field": land_use_field,
        "by_township": by_township,
    }
    tiles_wanted = _tile_count(prepared, n_workers)
    if tile_size_m is None and tiles_wanted == 1:
        log.debug("measuring the county whole (one task): too few features for tiles")
        whole = {
            **options,
            "denominator_m2": denominator_m2,
            "denominator_source": denominator_source,
            "min_conflict_m2": min_conflict_m2,
        }
        (figures,) = _run(_measure_whole, [(prepared, whole)], 1, client, False, False)
        return figures
    prepared = {
        role: layer if _is_source(layer) else _ids(layer, role, source=False)
        for role, layer in prepared.items()
    }
    # county and townships are small: whole, in memory, given to every tile
    whole_repairs = {}
    for role in WHOLE_ROLES:
        if role in prepared and _is_source(prepared[role]):
            src = prepared[role]
            prepared[role] = _read(src, role, tuple(_bounds_in(src, target)), target)
            if _REPAIRS in prepared[role].attrs:
                whole_repairs[role] = [prepared[role].attrs.pop(_REPAIRS)]
    bounds = _total_bounds(prepared, target)
    size = float(tile_size_m) if tile_size_m is not None else _tile_side(bounds, tiles_wanted)
    tiles = tile_grid(bounds, size)
    origin = (tiles[0][0], tiles[0][1])
    nx = round((tiles[-1][2] - origin[0]) / size)
    grid = (origin, size, (nx, len(tiles) // nx))
    # every tile's features in one query per layer: (tile, feature) pairs of meeting boxes
    boxes = shapely.box(*np.asarray(tiles).T)
    hits = {
        role: shapely.STRtree(np.asarray(layer.geometry.values, dtype=object)).query(boxes)
        for role, layer in prepared.items()
        if not _is_source(layer) and role not in WHOLE_ROLES
    }
    # in this process a tile's rows are copied out only while it runs (memory: the tiles
    # running, not all of them); a cluster is sent each tile's own rows
    shipped = client is not None or processes
    tasks = []
    for k, tile in enumerate(tiles):
        parts: dict[str, Any] = {}
        for role, layer in prepared.items():
            if role in hits:
                tile_of, feature = hits[role]
                rows = np.sort(feature[tile_of == k])
                parts[role] = layer.iloc[rows] if shipped else (layer, rows)
            else:
                parts[role] = layer
        tasks.append((tile, parts, target, grid, options))
    log.debug("measuring %d tiles of %g km in %s", len(tiles), size / 1000, _crs_name(target))
    results = _run(_measure_tile, tasks, n_workers, client, processes, progress)
    figures = _combine(
        results,
        prepared,
        target=target,
        method=method,
        denominator_m2=denominator_m2,
        denominator_source=denominator_source,
        min_conflict_m2=min_conflict_m2,
        by_township=by_township,
    )
    # what sources that repair as they read repaired, each tile's, for the caller to report
    repairs: dict[str, list] = dict(whole_repairs)
    for r in results:
        for role, table in r.repairs.items():
            if role not in whole_repairs:
                repairs.setdefault(role, []).append(table)
    figures.coverage.attrs[_REPAIRS] = repairs
    return figures


def _total_bounds(prepared: Mapping[str, Any], target: pyproj.CRS) -> tuple[float, ...]:
    boxes = np.array([_bounds_in(layer, target) for layer in prepared.values()])
    boxes = boxes[np.isfinite(boxes).all(axis=1)]
    if len(boxes) == 0:
        raise EcospaceError("measure_partitioned: every layer is empty")
    return (boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max())


def _tile_count(prepared: Mapping[str, Any], n_workers: int) -> int:
    """Tiles wanted: :data:`TILES_PER_WORKER` per worker (at least 4), but no fewer than
    :data:`MIN_FEATURES_PER_TILE` features per tile (tiled sources: their count is unknown
    until read, so the workers decide)."""
    wanted = max(_MIN_TILES, TILES_PER_WORKER * n_workers)
    if any(_is_source(layer) for layer in prepared.values()):
        return wanted
    features = sum(len(layer) for role, layer in prepared.items() if role not in WHOLE_ROLES)
    return max(1, min(wanted, features // MIN_FEATURES_PER_TILE))


def _working_crs(layers: Mapping[str, Any]) -> pyproj.CRS:
    crss = [pyproj.CRS.from_user_input(layer.crs) for layer in layers.values()]
    if any(c.is_projected for c in crss):
        return working_crs(crss)
    return working_crs([layer for layer in layers.values() if not _is_source(layer)] or crss)
