"""Convert any source ecospace reads into spatially sorted, partitioned GeoParquet.

``ecospace convert SOURCE... OUT_DIR`` writes one dataset per layer,
``OUT_DIR/<layer>.parquet/part-00000.parquet …``: the features sorted along a Hilbert
curve through the centres of their boxes, cut into files of ``rows_per_file`` features
and row groups of ``row_group_size``, each row carrying the GeoParquet 1.1 ``bbox``
covering column.  Neighbouring features thus share files and row groups, and a reader
asking for one county's box (:class:`ecospace.loading.tiled_sources.GeoParquetDataset`) skips
every file and row group whose ``bbox`` statistics miss it.

What is kept: the geometry as read (curves linearised, Z/M as in the source — not
repaired: measuring repairs it and reports the repairs, as for any source), the CRS (as
``ecospace layers`` determines it, PROJJSON in the ``geo`` metadata), every attribute
(text decoded from GBK or UTF-8 as the reader found it, written as UTF-8), and
``src_fid``, the feature id QGIS shows in the original source; reading the whole dataset
back (``ecospace layers OUT_DIR``) restores the source's order.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from ecospace._output import refuse_overwrite
from ecospace.errors import LayerReadError
from ecospace.geometry.crs import resolve_crs
from ecospace.loading import _postgis
from ecospace.loading._delivery import _expand
from ecospace.loading._sources import check_exists, read_raw
from ecospace.loading.layers import _bounds, _centres

__all__ = ["convert", "dataset_name", "hilbert_order", "write_dataset"]

log = logging.getLogger("ecospace")

ROWS_PER_FILE = 200_000
ROW_GROUP_SIZE = 20_000


def dataset_name(layer_name: str) -> str:
    """The folder a layer is written to: ``<name>.parquet``, path separators replaced.

    Examples
    --------
    >>> dataset_name("STBHHX"), dataset_name("public.stbhhx")
    ('STBHHX.parquet', 'public.stbhhx.parquet')
    """
    return "".join("_" if c in '/\\:*?"<>|' else c for c in layer_name) + ".parquet"


def hilbert_order(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Row order along a Hilbert curve (level 16) through the centres of the features' boxes.

    Examples
    --------
    >>> from shapely import box
    >>> g = gpd.GeoDataFrame(geometry=[box(9, 9, 10, 10), box(0, 0, 1, 1), box(0, 9, 1, 10)])
    >>> hilbert_order(g).tolist()
    [1, 2, 0]
    """
    if len(gdf) == 0:
        return np.empty(0, dtype=np.int64)
    dist = gdf.geometry.hilbert_distance(total_bounds=gdf.total_bounds, level=16)
    return np.argsort(dist.to_numpy(), kind="stable")


def write_dataset(
    gdf: gpd.GeoDataFrame,
    folder: str | Path,
    *,
    rows_per_file: int = ROWS_PER_FILE,
    row_group_size: int = ROW_GROUP_SIZE,
    overwrite: bool = False,
) -> list[Path]:
    """Write ``gdf`` as a sorted, partitioned GeoParquet dataset in ``folder``.

    Parameters
    ----------
    gdf : GeoDataFrame
        With a CRS; its rows are written in Hilbert order.
    folder : path
        The dataset folder (``NAME.parquet``); must not exist unless ``overwrite``.
    rows_per_file, row_group_size : int

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> import tempfile
    >>> from shapely import box
    >>> g = gpd.GeoDataFrame({"n": range(5)}, geometry=[box(i, 0, i + 1, 1) for i in range(5)],
    ...                      crs="EPSG:4529")
    >>> files = write_dataset(g, Path(tempfile.mkdtemp()) / "X.parquet", rows_per_file=2)
    >>> [f.name for f in files]
    ['part-00000.parquet', 'part-00001.parquet', 'part-00002.parquet']
    """
    folder = Path(folder)
    refuse_overwrite([folder], overwrite=overwrite)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    gdf = gdf.iloc[hilbert_order(gdf)].reset_index(drop=True)
    files = []
    for k, start in enumerate(range(0, max(len(gdf), 1), rows_per_file)):
        part = folder / f"part-{k:05d}.parquet"
        gdf.iloc[start : start + rows_per_file].to_parquet(
            part,
            index=False,
            write_covering_bbox=True,
            schema_version="1.1.0",
            row_group_size=row_group_size,
        )
        files.append(part)
    return files


def convert(
    sources: Iterable[str],
    out_dir: str | Path,
    *,
    crs=None,
    engine: str = "pyogrio",
    rows_per_file: int = ROWS_PER_FILE,
    row_group_size: int = ROW_GROUP_SIZE,
    overwrite: bool = False,
) -> dict[str, list[Path]]:
    """Convert every layer of ``sources`` into a GeoParquet dataset in ``out_dir``.

    Parameters
    ----------
    sources : iterable of str
        What ``ecospace layers`` reads: files, folders, ``PATH:LAYER``, PostgreSQL URLs.
    out_dir : path
        One ``<layer>.parquet`` folder per layer is written in it.
    crs, engine
        As for :func:`ecospace.loading.layers.read_sources` (``crs`` fills in a missing CRS).
    rows_per_file, row_group_size : int
    overwrite : bool
        Replace datasets already in ``out_dir``.

    Returns
    -------
    dict of layer label -> files written

    Examples
    --------
    >>> import tempfile
    >>> out = convert(["layers/demo.gpkg:XZQ"], tempfile.mkdtemp())
    >>> [(Path(k).name, [f.name for f in v]) for k, v in out.items()]
    [('demo.gpkg:XZQ', ['part-00000.parquet'])]
    """

    out_dir = Path(out_dir)
    found = _expand(list(sources))
    targets = {(p, n): out_dir / dataset_name(n) for p, n, _ in found}
    names = [t.name for t in targets.values()]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise LayerReadError(
            f"several sources hold a layer named {', '.join(twice)}; convert them into "
            "different OUT_DIRs"
        )
    refuse_overwrite(targets.values(), overwrite=overwrite)
    written: dict[str, list[Path]] = {}
    for (path, name), folder in targets.items():
        label, gdf = _read_as_is(path, name, crs=crs, engine=engine)
        written[label] = write_dataset(
            gdf,
            folder,
            rows_per_file=rows_per_file,
            row_group_size=row_group_size,
            overwrite=overwrite,
        )
        log.info("%s: %d features -> %s", label, len(gdf), folder)
    return written


def _read_as_is(path: str, name: str, *, crs, engine: str) -> tuple[str, gpd.GeoDataFrame]:
    """A layer as its source holds it (no repair), its CRS resolved, ``src_fid`` added."""

    if _postgis.is_database(path):
        src = _postgis.parse_source(path).with_table(name)
        table, table_crs = _postgis.describe_table(src)
        gdf, fids = _postgis.read_table(src, table, table_crs)
        if _postgis.laundered(gdf):
            gdf = gdf.rename(columns=_postgis.upper_fields(gdf))
        label = src.spec
    else:
        label = f"{path}:{name}"
        raw = read_raw(check_exists(path), path, name, engine=engine, label=label)
        gdf, fids = raw.gdf, raw.fids
    bounds, _ = _bounds(gdf)
    if bounds is None:
        raise LayerReadError(f"{label}: no usable coordinates; nothing to convert")
    res = resolve_crs(
        gdf.crs,
        bounds,
        user_crs=crs,
        label=label,
        user_is_fallback=True,
        file_crs_is_default=Path(path).suffix.lower() in (".geojson", ".json"),
        points=_centres(gdf),
    )
    geom = np.asarray(gdf.geometry.values, dtype=object)
    if res.swap_xy:
        geom = shapely.transform(geom, lambda c: c[:, ::-1])
    gdf = gdf.set_geometry(gpd.GeoSeries(geom, index=gdf.index, crs=res.crs), crs=res.crs)
    if "src_fid" in gdf.columns:
        gdf = gdf.rename(columns={"src_fid": "src_fid_attr"})
    gdf["src_fid"] = np.asarray(fids, dtype=np.int64)
    return label, gdf
