"""A layer read as GDAL gives it, before CRS and validation: :class:`RawLayer`.

GDAL via pyogrio or fiona reads the data; :func:`read_raw` looks first where they fail a
GIS officer: shapefile encodings and cut field names (see :mod:`ecospace.loading._dbf`),
zipped shapefiles, curves in FileGDBs (linearised finely, counted), geometries GEOS
cannot build (read again feature by feature), and the source's own feature ids.
"""

from __future__ import annotations

import tempfile
import warnings
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from ecospace.errors import LayerReadError
from ecospace.loading import _dbf
from ecospace.loading._shp_parts import check_parts
from ecospace.loading._source_files import (
    SHP_PARTS,
    gdal_path,
    open_zip,
    reader_error,
    shp_files,
    source_kind,
    unzipped,
    zip_shps,
)
from ecospace.loading._wkb import finite_polygon

__all__ = ["ARC_STEP_DEGREES", "RawLayer", "read_raw"]


#: degrees of arc per vertex when GDAL linearises curves (GDAL's default 4° loses 0.08 %
#: of a circle's area; 0.5° loses 0.001 %)
ARC_STEP_DEGREES = "0.5"


@contextmanager
def _arc_step(engine: str):
    """Linearise curves finely while reading (a GDAL config option, restored afterwards)."""
    if engine == "fiona":
        import fiona

        with fiona.Env(OGR_ARC_STEPSIZE=ARC_STEP_DEGREES):
            yield
        return
    import pyogrio

    old = pyogrio.get_gdal_config_option("OGR_ARC_STEPSIZE")
    pyogrio.set_gdal_config_options({"OGR_ARC_STEPSIZE": ARC_STEP_DEGREES})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_ARC_STEPSIZE": old})


def _read_frame(path: str, layer: str | None, engine: str, encoding: str | None, label: str):
    """GeoDataFrame from pyogrio or fiona, its native feature ids; warnings kept, errors wrapped.

    The feature ids are the ones GDAL reports (and QGIS/ArcGIS show): from 1 in a
    GeoPackage or FileGDB, from 0 in a shapefile.  pyogrio gives them as the index
    (``fid_as_index``); geopandas drops them with fiona, so they are listed again from the
    collection's keys, in the same sequential order.

    A geometry GEOS cannot build (a ring of NaN) fails the whole read in both engines;
    then the layer is read again feature by feature and such geometries come back as
    None, their fids returned as unreadable; rings that are not closed are closed, their
    rows returned as closed.
    """
    kwargs = {} if encoding is None else {"encoding": encoding}
    if layer is not None:
        kwargs["layer"] = layer
    unreadable = closed = np.empty(0, dtype=np.int64)
    with warnings.catch_warnings(record=True) as caught, _arc_step(engine):
        warnings.simplefilter("always")
        try:
            if engine == "pyogrio":
                gdf = gpd.read_file(path, engine=engine, fid_as_index=True, **kwargs)
                fids = gdf.index.to_numpy(dtype=np.int64)
            else:
                gdf = gpd.read_file(path, engine=engine, **kwargs)
                fids = _fiona_fids(path, kwargs, len(gdf))
        except shapely.errors.ShapelyError:
            gdf, fids, unreadable, closed = _read_tolerant(path, kwargs, label)
        except Exception as exc:  # pyogrio/fiona/GDAL errors of every kind
            raise reader_error(label.rsplit(":", 1)[0], layer, exc) from exc
    notes = sorted({str(w.message)[:200] for w in caught if issubclass(w.category, RuntimeWarning)})
    return gdf.reset_index(drop=True), fids, notes, unreadable, closed


def _fiona_fids(path: str, kwargs: dict, n: int) -> np.ndarray:
    import fiona

    with fiona.open(path, **kwargs) as src:
        fids = np.fromiter((int(k) for k in src.keys()), dtype=np.int64)
    if len(fids) != n:  # never pair a feature with another's id
        raise LayerReadError(
            f"{path}: fiona listed {len(fids)} feature ids for {n} features; "
            f"read it with the pyogrio engine"
        )
    return fids


def _read_tolerant(path: str, kwargs: dict, label: str):
    import pyogrio

    try:
        attrs = pyogrio.read_dataframe(path, read_geometry=False, fid_as_index=True, **kwargs)
        meta, _, wkb, _ = pyogrio.raw.read(path, columns=[], **kwargs)
    except Exception as exc:
        raise reader_error(label.rsplit(":", 1)[0], kwargs.get("layer"), exc) from exc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        geoms = shapely.from_wkb(wkb, on_invalid="ignore")
        failed = np.flatnonzero(shapely.is_missing(geoms) & (wkb != None))  # noqa: E711
        # a ring whose last vertex is not its first (GDAL accepts it from GeoJSON): closed
        fixed = shapely.from_wkb(wkb[failed], on_invalid="fix")
    closed = failed[~shapely.is_missing(fixed)]
    geoms[closed] = fixed[~shapely.is_missing(fixed)]
    unreadable = failed[shapely.is_missing(fixed)]
    fids = attrs.index.to_numpy(dtype=np.int64)
    gdf = gpd.GeoDataFrame(attrs.reset_index(drop=True), geometry=geoms, crs=meta["crs"])
    # what an unreadable feature covered, from its finite vertices (reported when dropped)
    gdf.attrs["unreadable_finite"] = {int(r): finite_polygon(wkb[r]) for r in unreadable}
    return gdf, fids, unreadable, closed


def _count_curves(path: str, layer: str) -> int:
    """Features stored with curves (arcs); GDAL linearises them when reading."""
    from pyogrio.raw import read_arrow

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, table = read_arrow(path, layer=layer, columns=[])
    except Exception:  # counting is a courtesy: never fail the read over it
        return 0
    col = table.column(table.num_columns - 1).combine_chunks()
    if len(col) == 0:
        return 0
    offsets = np.frombuffer(col.buffers()[1], dtype=np.int32)[
        col.offset : col.offset + len(col) + 1
    ]
    data = np.frombuffer(col.buffers()[2], dtype=np.uint8)
    start = offsets[:-1]
    valid = offsets[1:] - start >= 5
    start = start[valid]
    little = data[start] == 1
    b = [data[start + k].astype(np.uint32) for k in range(1, 5)]
    code = np.where(little, b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24, b[3] | b[2] << 8)
    # ISO WKB: CircularString 8, CompoundCurve 9, CurvePolygon 10, MultiCurve 11, MultiSurface 12
    return int(np.isin(code % 1000, (8, 9, 10, 11, 12)).sum())


def _user_encoding(encoding: str, label: str) -> str:
    import codecs

    try:
        codecs.lookup(encoding)
    except LookupError:
        raise LayerReadError(
            f"{label}: unknown encoding {encoding!r}; use GBK (CP936), GB18030 or UTF-8"
        ) from None
    return encoding.upper()


@dataclass
class RawLayer:
    """A layer as read, before CRS and validation: frame, encoding and reading facts.

    ``fids`` holds the native feature id of each row (GeoParquet: the 0-based row);
    ``unclosed`` the rows whose rings were not closed in the file (closed when read);
    ``unreadable`` maps each row GEOS could not build (None in ``gdf``) to the polygon of
    its finite vertices, or None.
    """

    gdf: gpd.GeoDataFrame
    fids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    encoding: str | None = "UTF-8"
    enc_how: str = "format"
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    mojibake: list[str] = field(default_factory=list)
    unclosed: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    unreadable: dict[int, object] = field(default_factory=dict)


def read_raw(
    p: Path, path: str, name: str, *, engine: str, label: str, encoding: str | None = None
) -> RawLayer:
    """Read layer ``name`` of source ``p`` with ``engine``: encoding, curves, damaged parts.

    ``encoding`` (a plan's ``encoding:``) overrides a shapefile's ``.cpg`` and the
    encoding found in its ``.dbf``; other formats store text as UTF-8 and ignore it.
    """
    user_encoding = encoding
    kind = source_kind(p)
    with ExitStack() as stack:
        gp = gdal_path(p, stack)
        read_path, read_layer_name, encoding, enc_how = str(gp), name, "UTF-8", "format"
        counts: dict[str, int] = {}
        notes: list[str] = []
        mojibake: list[str] = []
        unclosed = np.empty(0, dtype=np.int64)
        salvaged: dict[int, object] = {}
        shp, shown = None, None
        if kind == "shp":
            shp = p
        elif kind == "shpdir":
            shp = next(f for f in shp_files(p) if f.stem == name)
        elif kind == "zip" and zip_shps(p):
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ecospace-")))
            member = next(n for n in zip_shps(p) if Path(n).stem == name)
            stem, shown = member[:-4], Path(member).stem
            z, names_enc = open_zip(p)
            if names_enc:
                notes.append(f"zip member names decoded as {names_enc} (no UTF-8 flag)")
            with z:
                for n in z.namelist():
                    if n[: len(stem)] == stem and n[len(stem) :].lower() in SHP_PARTS:
                        (tmp / f"layer{n[len(stem) :].lower()}").write_bytes(z.read(n))
            shp = tmp / "layer.shp"
        elif kind == "zip":
            read_path = stack.enter_context(unzipped(gp))
        if shp is not None:
            read_layer_name = None
            if (
                shp.with_suffix(".shx").exists() is False
                and shp.with_suffix(".SHX").exists() is False
            ):
                raise LayerReadError(
                    f"{label}: the shapefile index {shp.stem}.shx is missing; copy all parts of "
                    f"the shapefile together (.shp, .shx, .dbf, .prj, .cpg)"
                )
            check_parts(shp, label, shown)
            try:
                info = _dbf.inspect(shp)
            except (OSError, ValueError) as exc:
                raise LayerReadError(
                    f"{label}: the .dbf is damaged ({exc}); export it again"
                ) from exc
            if info is None:
                counts["no_attributes"] = 1
                encoding, enc_how = None, "no .dbf"
            else:
                encoding, enc_how = info.encoding, info.how
                if user_encoding is not None:
                    encoding, enc_how = _user_encoding(user_encoding, label), "user"
                mojibake = info.mojibake
                if mojibake:
                    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ecospace-")))
                    shp = _dbf.fixed_copy(shp, info, tmp)
            read_path = str(gdal_path(shp, stack))
        if kind == "parquet":
            if p.is_dir():  # the original source's feature ids travel in src_fid
                try:
                    gdf = gpd.read_parquet(p)  # every part file; the bbox column left out
                except Exception as exc:
                    raise reader_error(path, None, exc) from exc
                if "src_fid" not in gdf.columns:
                    gdf["src_fid"] = np.arange(len(gdf), dtype=np.int64)
                gdf = gdf.sort_values("src_fid", kind="stable").reset_index(drop=True)
                fids = gdf.pop("src_fid").to_numpy(dtype=np.int64)  # the source's order
            else:
                try:
                    gdf = gpd.read_parquet(gp)
                except Exception as exc:
                    raise reader_error(path, None, exc) from exc
                gdf = gdf.reset_index(drop=True)
                fids = np.arange(len(gdf), dtype=np.int64)  # as GDAL's Parquet driver numbers rows
        else:
            gdf, fids, gdal_notes, unreadable, unclosed = _read_frame(
                read_path, read_layer_name, engine, encoding, label
            )
            if len(unreadable):
                counts["unreadable"] = len(unreadable)
                salvaged = gdf.attrs.pop("unreadable_finite", {})
            notes.extend(f"reader: {n}" for n in gdal_notes)
        if kind == "gdb" or (kind == "zip" and shp is None):
            counts["curved"] = _count_curves(read_path, name)
    return RawLayer(gdf, fids, encoding, enc_how, counts, notes, mojibake, unclosed, salvaged)
