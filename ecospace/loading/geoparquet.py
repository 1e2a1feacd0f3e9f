"""Partitioned GeoParquet datasets read one bounding box, or one file, at a time.

A dataset is a folder of GeoParquet files (``ecospace convert`` writes ``NAME.parquet/
part-00000.parquet`` …, sorted along a Hilbert curve) or a single file, with the
GeoParquet 1.1 ``bbox`` covering column.  :class:`GeoParquetDataset` reads the files'
footers once and then, for a box, only the row groups whose ``bbox`` statistics meet it —
a tiled source of :mod:`ecospace.loading.tiled_sources`.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from ecospace.errors import LayerReadError
from ecospace.loading._roles import role_of

__all__ = ["Box", "GeoParquetDataset", "is_dataset"]

Box = tuple[float, float, float, float]


def is_dataset(path: str | Path) -> bool:
    """True for a GeoParquet dataset folder (``NAME.parquet/`` holding ``*.parquet`` files).

    Examples
    --------
    >>> is_dataset("layers/demo.gpkg")
    False
    """
    p = Path(path)
    return p.is_dir() and p.suffix.lower() in (".parquet", ".geoparquet")


@dataclass(frozen=True)
class _RowGroup:
    file: str
    index: int
    offset: int  # rows before it in the dataset
    rows: int
    box: Box | None  # from the bbox column's statistics


@dataclass
class GeoParquetDataset:
    """A partitioned GeoParquet dataset (a folder of files) or one GeoParquet file.

    Parameters
    ----------
    path : str
        A ``NAME.parquet`` folder (``ecospace convert`` output) or a ``.parquet`` file.
    name : str, optional
        Layer name (default: the folder's or file's stem).
    role : str, optional
        Default: recognised from ``name``.

    Notes
    -----
    Features are named by the ``src_fid`` column when the dataset has one (the
    original source's feature id, which ``ecospace convert`` keeps), otherwise by their
    0-based row in the dataset (files in name order), as GDAL numbers GeoParquet rows.

    Examples
    --------
    >>> import tempfile
    >>> from shapely import box
    >>> out = Path(tempfile.mkdtemp()) / "one.parquet"
    >>> g = gpd.GeoDataFrame({"n": [1, 2]}, geometry=[box(0, 0, 1, 1), box(5, 5, 6, 6)],
    ...                      crs="EPSG:4529")
    >>> g.to_parquet(out, write_covering_bbox=True)
    >>> ds = GeoParquetDataset(str(out))
    >>> ds.total_bounds(), ds.read_bbox(4, 4, 10, 10)["n"].tolist()
    ((0.0, 0.0, 6.0, 6.0), [2])
    """

    path: str
    name: str = ""
    role: str | None = None

    def __post_init__(self) -> None:
        self.path = str(self.path)
        if not self.name:
            self.name = Path(self.path).stem
        if self.role is None:
            self.role = role_of(self.name)
        if not self.files:
            raise LayerReadError(f"{self.path}: holds no .parquet files; convert a source first")

    def __getstate__(self) -> dict:
        # the footers are re-read by whichever process unpickles it
        return {"path": self.path, "name": self.name, "role": self.role}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    @property
    def label(self) -> str:
        """The folder or file, as given."""
        return self.path

    @cached_property
    def files(self) -> list[str]:
        """The GeoParquet files, in name order (``part-00000.parquet`` …)."""
        p = Path(self.path)
        if p.is_file():
            return [str(p)]
        if not p.is_dir():
            raise LayerReadError(f"{self.path}: no such file or folder")
        return [str(f) for f in sorted(p.glob("*.parquet"))]

    @cached_property
    def _geo(self) -> dict:
        import pyarrow.parquet as pq

        try:
            meta = pq.read_schema(self.files[0]).metadata or {}
            geo = json.loads(meta[b"geo"])
        except KeyError:
            raise LayerReadError(
                f"{self.files[0]}: a Parquet file without GeoParquet metadata ('geo'); "
                "write it with geopandas or ecospace convert"
            ) from None
        except Exception as exc:
            raise LayerReadError(f"{self.files[0]}: cannot be read as GeoParquet ({exc})") from exc
        return geo

    @property
    def geometry_column(self) -> str:
        return self._geo["primary_column"]

    @property
    def bbox_column(self) -> str | None:
        """The GeoParquet 1.1 covering column (``bbox``), or None."""
        cov = self._geo["columns"][self.geometry_column].get("covering", {})
        box = cov.get("bbox", {})
        return box["xmin"][0] if "xmin" in box else None

    @property
    def crs(self) -> pyproj.CRS:
        col = self._geo["columns"][self.geometry_column]
        if "crs" not in col:  # GeoParquet: absent means OGC:CRS84
            return pyproj.CRS.from_user_input("OGC:CRS84")
        if col["crs"] is None:
            raise LayerReadError(f"{self.path}: the dataset has no CRS; convert it with --crs")
        return pyproj.CRS.from_json_dict(col["crs"])

    @cached_property
    def _row_groups(self) -> list[_RowGroup]:
        import pyarrow.parquet as pq

        out, offset = [], 0
        bbox = self.bbox_column
        for f in self.files:
            md = pq.read_metadata(f)
            paths = {md.row_group(0).column(i).path_in_schema: i for i in range(md.num_columns)}
            for g in range(md.num_row_groups):
                rg = md.row_group(g)
                box = None
                if bbox is not None:
                    st = [rg.column(paths[f"{bbox}.{k}"]).statistics for k in _BOX_KEYS]
                    if all(s is not None and s.has_min_max for s in st):
                        box = (st[0].min, st[1].min, st[2].max, st[3].max)
                out.append(_RowGroup(f, g, offset, rg.num_rows, box))
                offset += rg.num_rows
        return out

    def row_groups(self, box: Box | None = None) -> list[tuple[str, int]]:
        """``(file, row group)`` that may hold features meeting ``box`` (all without one).

        Only these are read by :meth:`read_bbox`: a row group's ``bbox`` statistics (the
        smallest ``xmin``… and largest ``xmax``… of its rows) must meet the box.
        """
        return [(g.file, g.index) for g in self._select(box)]

    def _select(self, box: Box | None) -> list[_RowGroup]:
        if box is None:
            return list(self._row_groups)
        minx, miny, maxx, maxy = box
        return [
            g
            for g in self._row_groups
            if g.box is None
            or not (g.box[0] > maxx or g.box[2] < minx or g.box[1] > maxy or g.box[3] < miny)
        ]

    def total_bounds(self) -> Box:
        """The dataset's extent, from the row groups' statistics (no data read)."""
        boxes = [g.box for g in self._row_groups]
        if boxes and all(b is not None for b in boxes):
            b = np.array(boxes, dtype=float)
            ext = (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())
            return tuple(float(v) + 0.0 for v in ext)  # + 0.0: no -0.0
        return tuple(float(v) for v in self.read().total_bounds)

    def read_bbox(self, minx: float, miny: float, maxx: float, maxy: float) -> gpd.GeoDataFrame:
        """Features whose box meets the box, from the row groups that may hold them."""
        return self._read(self._select((minx, miny, maxx, maxy)), (minx, miny, maxx, maxy))

    def read(self) -> gpd.GeoDataFrame:
        """Every feature."""
        return self._read(self._row_groups, None)

    def partitions(self) -> Iterator[gpd.GeoDataFrame]:
        """The dataset one file at a time (each a spatially compact part after convert)."""
        for f in self.files:
            yield self._read([g for g in self._row_groups if g.file == f], None)

    def _read(self, groups: list[_RowGroup], box: Box | None) -> gpd.GeoDataFrame:
        import pyarrow as pa
        import pyarrow.parquet as pq

        frames, rows = [], []
        by_file: dict[str, list[_RowGroup]] = {}
        for g in groups:
            by_file.setdefault(g.file, []).append(g)
        for f, gs in by_file.items():
            table = pq.ParquetFile(f).read_row_groups([g.index for g in gs])
            frames.append(table)
            rows.append(np.concatenate([np.arange(g.offset, g.offset + g.rows) for g in gs]))
        if not frames:
            frames = [pq.read_schema(self.files[0]).empty_table()]
            rows = [np.empty(0, dtype=np.int64)]
        table = pa.concat_tables(frames)
        row = np.concatenate(rows).astype(np.int64)
        bbox = self.bbox_column
        if box is not None and bbox is not None:
            b = {k: table.column(bbox).combine_chunks().field(k).to_numpy() for k in _BOX_KEYS}
            keep = ~(
                (b["xmin"] > box[2])
                | (b["xmax"] < box[0])
                | (b["ymin"] > box[3])
                | (b["ymax"] < box[1])
            )
            table, row = table.filter(pa.array(keep)), row[keep]
        return self._frame(table, row, box if bbox is None else None)

    def _frame(self, table, row: np.ndarray, box: Box | None) -> gpd.GeoDataFrame:
        geom_col, bbox = self.geometry_column, self.bbox_column
        wkb = table.column(geom_col).to_numpy(zero_copy_only=False)
        drop = [geom_col] + ([bbox] if bbox else [])
        attrs = table.drop_columns(drop).to_pandas()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            geoms = shapely.from_wkb(wkb)
        gdf = gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geoms, crs=self.crs))
        if "src_fid" not in gdf.columns:
            gdf["src_fid"] = row
        if box is not None:  # no bbox column: filter on the geometries' own boxes
            b = shapely.bounds(geoms)
            keep = ~(
                (b[:, 0] > box[2]) | (b[:, 2] < box[0]) | (b[:, 1] > box[3]) | (b[:, 3] < box[1])
            )
            gdf = gdf[keep].reset_index(drop=True)
        return gdf


_BOX_KEYS = ("xmin", "ymin", "xmax", "ymax")
