"""Tiled sources: layers read one bounding box at a time, in whichever process asks.

A province does not fit in one process the way a county does.  A *tiled source* is a
small picklable object that knows where a layer lives and reads only the features whose
box meets a given box; a Dask worker (or any process) that receives it opens the file or
the database connection itself, so the client never holds the province's geometries.

Every tiled source has

* ``name`` (the layer's name), ``role`` (one of :data:`ecospace.vocabulary.ROLES` or None),
  ``crs`` (:class:`pyproj.CRS`) and ``label`` (for messages; never a password);
* ``total_bounds() -> (minx, miny, maxx, maxy)`` in ``crs``;
* ``read_bbox(minx, miny, maxx, maxy) -> GeoDataFrame``: the features whose box meets
  the box (a superset of those that intersect it), in ``crs``, with ``src_fid``, the
  feature id QGIS shows in the original source;
* ``read() -> GeoDataFrame``: every feature.

Three kinds:

:class:`GeoParquetDataset`
    A folder of GeoParquet files (``ecospace convert`` writes them), or one file, with
    the GeoParquet 1.1 ``bbox`` covering column.  Files and row groups whose ``bbox``
    statistics miss the box are never read (:meth:`GeoParquetDataset.row_groups`).
:class:`PostGISTable`
    A PostGIS table; the box goes to the server as ``geom && ST_MakeEnvelope(…, srid)``,
    which the GiST index answers; the CRS is the table's SRID.
:class:`OGRLayer`
    Any file GDAL reads with a spatial index (GeoPackage, FileGDB, shapefile): pyogrio's
    ``bbox`` filter.

:func:`open_tiled` turns the sources a user names (``PATH[:LAYER]``, a converted
dataset folder, a PostgreSQL URL) into tiled sources.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Protocol, runtime_checkable

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from ecospace.errors import LayerReadError
from ecospace.loading import _postgis
from ecospace.loading._roles import role_of
from ecospace.loading._sources import list_layers, split_spec

__all__ = [
    "GeoParquetDataset",
    "OGRLayer",
    "PostGISTable",
    "TiledSource",
    "is_dataset",
    "open_tiled",
]

Box = tuple[float, float, float, float]


@runtime_checkable
class TiledSource(Protocol):
    """What the partitioned engine needs of a layer (see the module docstring)."""

    name: str
    role: str | None

    @property
    def crs(self) -> pyproj.CRS: ...

    @property
    def label(self) -> str: ...

    def total_bounds(self) -> Box: ...

    def read_bbox(self, minx: float, miny: float, maxx: float, maxy: float) -> gpd.GeoDataFrame: ...

    def read(self) -> gpd.GeoDataFrame: ...


# ------------------------------------------------------------------ GeoParquet


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


# ------------------------------------------------------------------ PostGIS


@dataclass
class PostGISTable:
    """One PostGIS table; each read is one bounding-box query on its GiST index.

    Parameters
    ----------
    spec : str
        ``postgresql://user@host:port/db:schema.name`` (or ``?table=``, or a ``PG:``
        string naming ``tables=``); credentials as :mod:`ecospace.loading.layers` takes them.
    role : str, optional
        Default: recognised from the table's name, whatever its case.
    """

    spec: str
    role: str | None = None
    name: str = ""
    _params: dict = field(default_factory=dict, repr=False)
    _meta: tuple | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        src = _postgis.parse_source(self.spec)
        if src.table is None:
            raise LayerReadError(f"{src.label}: name one table (…/db:schema.name)")
        self._params = dict(src.params)
        table, crs = _postgis.describe_table(src)
        self.spec = src.with_table(f"{table.schema}.{table.name}").spec  # no password
        self.name = f"{table.schema}.{table.name}"
        self._meta = (table, None if crs is None else crs.to_wkt())
        if self.role is None:
            self.role = role_of(self.name)

    @property
    def _src(self) -> _postgis.PgSource:
        table = self._meta[0]
        return _postgis.PgSource(dict(self._params), (table.schema, table.name))

    @property
    def label(self) -> str:
        return self.spec

    @property
    def crs(self) -> pyproj.CRS:
        wkt = self._meta[1]
        if wkt is None:
            raise LayerReadError(
                f"{self.spec}: the table has no SRID; set one (UpdateGeometrySRID)"
            )
        return pyproj.CRS.from_wkt(wkt)

    def total_bounds(self) -> Box:
        """``ST_Extent`` of the geometry column."""
        from psycopg import sql

        table = self._meta[0]
        q = sql.SQL(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            "FROM (SELECT ST_Extent({}) e FROM {}) s"
        ).format(sql.Identifier(table.column), sql.Identifier(table.schema, table.name))
        with self._src.connect() as conn:
            return tuple(float(v) for v in conn.execute(q).fetchone())

    def read_bbox(self, minx: float, miny: float, maxx: float, maxy: float) -> gpd.GeoDataFrame:
        """Rows whose box meets the box (``&&`` on the GiST index), ordered by feature id."""
        return self._read((minx, miny, maxx, maxy))

    def read(self) -> gpd.GeoDataFrame:
        return self._read(None)

    def _read(self, box: Box | None) -> gpd.GeoDataFrame:
        table = self._meta[0]
        gdf, fids = _postgis.read_table(self._src, table, self.crs, box)
        if _postgis.laundered(gdf):
            gdf = gdf.rename(columns=_postgis.upper_fields(gdf))
        gdf["src_fid"] = fids
        return gdf


# ------------------------------------------------------------------ GDAL files


@dataclass
class OGRLayer:
    """A layer of a file GDAL reads (GeoPackage, FileGDB, shapefile), read by box.

    GeoPackage and FileGDB answer the box from their spatial index.  Shapefiles in GBK
    without ``.cpg``: convert them first (``ecospace convert``), which detects the
    encoding the way ``ecospace layers`` does.
    """

    path: str
    layer: str | None = None
    role: str | None = None
    name: str = ""

    def __post_init__(self) -> None:
        self.path = str(self.path)
        if not self.name:
            self.name = self.layer or Path(self.path).stem
        if self.role is None:
            self.role = role_of(self.name)

    @property
    def label(self) -> str:
        return f"{self.path}:{self.name}"

    @cached_property
    def crs(self) -> pyproj.CRS:
        import pyogrio

        crs = pyogrio.read_info(self.path, layer=self.layer)["crs"]
        if crs is None:
            raise LayerReadError(f"{self.label}: the file has no CRS; convert it with --crs EPSG")
        return pyproj.CRS.from_user_input(crs)

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "crs"}

    def total_bounds(self) -> Box:
        import pyogrio

        info = pyogrio.read_info(self.path, layer=self.layer, force_total_bounds=True)
        return tuple(float(v) for v in info["total_bounds"])

    def read_bbox(self, minx: float, miny: float, maxx: float, maxy: float) -> gpd.GeoDataFrame:
        return self._read((minx, miny, maxx, maxy))

    def read(self) -> gpd.GeoDataFrame:
        return self._read(None)

    def _read(self, box: Box | None) -> gpd.GeoDataFrame:
        import pyogrio

        kw = {} if box is None else {"bbox": box}
        try:
            gdf = pyogrio.read_dataframe(self.path, layer=self.layer, fid_as_index=True, **kw)
        except Exception as exc:
            raise LayerReadError(f"{self.label}: cannot be read ({exc})") from exc
        gdf["src_fid"] = gdf.index.to_numpy(dtype=np.int64)
        return gdf.reset_index(drop=True).set_crs(self.crs, allow_override=True)


# ------------------------------------------------------------------ opening


def open_tiled(
    sources: Iterable[str], *, roles: Mapping[str, str | None] | None = None
) -> list[TiledSource]:
    """Tiled sources for every layer the ``sources`` name (as ``ecospace layers`` lists them).

    Parameters
    ----------
    sources : iterable of str
        ``PATH[:LAYER]``, a converted dataset folder (``OUT/NAME.parquet``) or a folder of
        them, or a PostgreSQL URL / ``PG:`` string (every geometry table, or one).
    roles : mapping, optional
        Layer name -> role (``None`` leaves the layer out), as ``--role`` gives it.

    Returns
    -------
    list of tiled sources, those with a role first.

    Examples
    --------
    >>> [(t.name, t.role) for t in open_tiled(["layers/demo.gpkg:STBHHX"])]
    [('STBHHX', 'red_line')]
    """

    roles = {str(k).casefold(): v for k, v in (roles or {}).items()}
    out: list[TiledSource] = []
    for spec in sources:
        if _postgis.is_database(spec):
            src = _postgis.parse_source(spec)
            names = [src.table_name] if src.table else _postgis.list_tables(src)
            out += [PostGISTable(src.with_table(n).spec) for n in names]
            continue
        path, layer = split_spec(spec)
        p = Path(path)
        if is_dataset(p):
            out.append(GeoParquetDataset(str(p)))
        elif p.is_dir() and any(is_dataset(c) for c in p.iterdir()):
            out += [GeoParquetDataset(str(c)) for c in sorted(p.iterdir()) if is_dataset(c)]
        elif p.suffix.lower() in (".parquet", ".geoparquet"):
            out.append(GeoParquetDataset(str(p)))
        else:
            names = [layer] if layer else list_layers(path)
            out += [
                OGRLayer(path, n if p.suffix.lower() != ".shp" else None, name=n) for n in names
            ]
    kept = []
    for t in out:
        for key in (t.name.casefold(), t.name.rpartition(".")[2].casefold()):
            if key in roles:
                t.role = roles[key]
                break
        kept.append(t)
    return sorted(kept, key=lambda t: t.role is None)
