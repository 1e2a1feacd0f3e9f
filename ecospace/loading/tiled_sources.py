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

Three kinds, and a wrapper:

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
:class:`Repaired`
    Any of them, validated and repaired as the reader repairs a whole layer
    (:func:`ecospace.loading.validate.validate_layer`), box by box in whichever process
    reads the box; the repairs travel back with the features.

:func:`open_tiled` turns the sources a user names (``PATH[:LAYER]``, a converted
dataset folder, a PostgreSQL URL) into tiled sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Protocol, runtime_checkable

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from ecospace.errors import LayerReadError
from ecospace.loading import _postgis
from ecospace.loading._roles import role_of
from ecospace.loading._sources import list_layers, split_spec
from ecospace.loading.geoparquet import Box, GeoParquetDataset, is_dataset
from ecospace.loading.validate import _DROPS, _REPAIRS, fmt_area, validate_layer

__all__ = [
    "GeoParquetDataset",
    "OGRLayer",
    "PostGISTable",
    "Repaired",
    "TiledSource",
    "is_dataset",
    "is_tiled",
    "open_tiled",
]

#: what :class:`Repaired` puts in ``attrs`` of each frame it reads: the repairs made
REPAIRS_ATTR = "ecospace_repairs"


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


# ------------------------------------------------------------------ repaired


@dataclass
class Repaired:
    """A tiled source whose features are validated and repaired as they are read.

    Each read runs :func:`ecospace.loading.validate.validate_layer` (``repair=True``) on
    the features of the box, so a Dask worker repairs its own tiles exactly as
    :func:`ecospace.loading.layers.read_layer` repairs the whole layer (a feature's repair
    depends on the feature alone).  The repairs made — one row per feature: ``fid``,
    ``src_fid``, ``problem``, ``area_change_m2``, ``detail`` — come back in
    ``attrs["ecospace_repairs"]`` of the frame read; a feature read by two boxes is in
    both, with the same row (:func:`repair_table` keeps one).  ``fid`` is the source's
    own feature id (``src_fid``), the same in every box.

    Parameters
    ----------
    source : tiled source
        What to read (:class:`PostGISTable`, :class:`GeoParquetDataset`, :class:`OGRLayer`).

    Examples
    --------
    >>> t = Repaired(open_tiled(["layers/demo.gpkg:YJJBNTBHTB"])[0])
    >>> t.role, t.name
    ('basic_farmland', 'YJJBNTBHTB')
    >>> part = t.read_bbox(*t.total_bounds())  # every feature: the four bowties repaired
    >>> part.attrs["ecospace_repairs"]["problem"].value_counts().to_dict()
    {'invalid_repaired': 4}
    """

    source: TiledSource

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def role(self) -> str | None:
        return self.source.role

    @property
    def crs(self) -> pyproj.CRS:
        return self.source.crs

    @property
    def label(self) -> str:
        return self.source.label

    def total_bounds(self) -> Box:
        return self.source.total_bounds()

    def read_bbox(self, minx: float, miny: float, maxx: float, maxy: float) -> gpd.GeoDataFrame:
        """The features whose box meets the box, repaired; the repairs in ``attrs``."""
        return self._repaired(self.source.read_bbox(minx, miny, maxx, maxy))

    def read(self) -> gpd.GeoDataFrame:
        """Every feature, repaired; the repairs in ``attrs``."""
        return self._repaired(self.source.read())

    def _repaired(self, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        gdf = gdf.copy()
        gdf["fid"] = gdf["src_fid"].to_numpy()
        if gdf.crs is None:
            gdf = gdf.set_crs(self.crs)
        if len(gdf) == 0:
            gdf.attrs[REPAIRS_ATTR] = _no_repairs()
            return gdf
        out, rep = validate_layer(gdf, layer_label=self.label, repair=True, warn=False)
        table = rep.table[rep.table["problem"].isin(_REPAIRS)].reset_index(drop=True)
        out.attrs[REPAIRS_ATTR] = table
        return out


def _no_repairs() -> pd.DataFrame:
    return pd.DataFrame(columns=["fid", "src_fid", "problem", "area_change_m2", "detail"])


def repair_table(frames) -> pd.DataFrame:
    """The repairs of several reads of one layer, each feature's once (by src_fid, problem).

    Examples
    --------
    >>> import pandas as pd
    >>> row = {"fid": 7, "src_fid": 7, "problem": "invalid_repaired", "area_change_m2": -2.0,
    ...        "detail": "Self-intersection"}
    >>> len(repair_table([pd.DataFrame([row]), pd.DataFrame([row])]))
    1
    """
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return _no_repairs()
    df = pd.concat(frames, ignore_index=True)
    df = df.drop_duplicates(["src_fid", "problem"]).sort_values(["problem", "src_fid"])
    return df.reset_index(drop=True)


def repair_summary(label: str, table) -> str | None:
    """One line for a :class:`~ecospace.loading.validate.RepairWarning`: counts, area change.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"src_fid": [1, 2], "problem": ["invalid_repaired"] * 2,
    ...                   "area_change_m2": [-1.5, 0.5]})
    >>> repair_summary("db:public.yjjbntbhtb", t)
    'db:public.yjjbntbhtb: repaired by the workers, tile by tile: invalid_repaired 2 (-1.0 m²)'
    """
    if table is None or not len(table):
        return None
    parts = []
    for problem, rows in table.groupby("problem", sort=False):
        area = rows["area_change_m2"].astype(float)
        change = f" ({fmt_area(float(area.sum()), signed=True)})" if area.notna().any() else ""
        parts.append(f"{problem} {len(rows)}{change}")
    dropped = int(table["problem"].isin(_DROPS).sum())
    tail = f"; {dropped} dropped" if dropped else ""
    return f"{label}: repaired by the workers, tile by tile: {', '.join(parts)}{tail}"


# ------------------------------------------------------------------ opening


def is_tiled(spec: str) -> bool:
    """Whether ``spec`` names a source read by box anyway: a database, a converted dataset.

    Examples
    --------
    >>> is_tiled("postgresql://me@db.example/gis"), is_tiled("layers/demo.gpkg")
    (True, False)
    """
    if _postgis.is_database(spec):
        return True
    p = Path(split_spec(spec)[0])
    if is_dataset(p):
        return True
    return p.is_dir() and any(is_dataset(c) for c in p.iterdir())


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
