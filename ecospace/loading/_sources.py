"""Sources of layers: ``PATH[:LAYER]``, the formats, the readers and what they get wrong.

GDAL via pyogrio or fiona reads the data; this module looks first where they fail a GIS
officer: shapefile encodings and cut field names (see :mod:`ecospace._dbf`), zipped
shapefiles, curves in FileGDBs, geometries GEOS cannot build, and every reader error
turned into a :class:`~ecospace.LayerReadError` that names the file and says what to do.
"""

from __future__ import annotations

import os
import tempfile
import warnings
import zipfile
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from ecospace._layer_spec import split_spec  # the one PATH[:LAYER] parser, re-exported
from ecospace._limits import refuse_special_file
from ecospace.errors import LayerNotFoundError, LayerReadError
from ecospace.loading import _dbf
from ecospace.loading._roles import role_of
from ecospace.loading._shp_parts import check_parts
from ecospace.loading._wkb import finite_polygon

__all__ = [
    "RawLayer",
    "check_exists",
    "display_path",
    "folder_sources",
    "gdal_path",
    "list_layers",
    "open_zip",
    "read_raw",
    "split_spec",
]

_SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def check_exists(path: str) -> Path:
    """The path of a layer source, refused when missing, empty or a FIFO/device."""
    p = Path(path)
    refuse_special_file(p, "layer source (a file or folder)", LayerReadError)
    if not p.exists():
        raise LayerReadError(
            f"{path}: no such file or folder; check the path (a layer is addressed as PATH:LAYER)"
        )
    if p.is_file() and p.stat().st_size == 0:
        raise LayerReadError(f"{path}: the file is empty (0 bytes); copy or export it again")
    return p


def _kind(p: Path) -> str:
    suffix = p.suffix.lower()
    if p.is_dir():
        if suffix in (".parquet", ".geoparquet"):  # a partitioned dataset (ecospace convert)
            return "parquet"
        return "gdb" if suffix == ".gdb" else "shpdir"
    if suffix == ".shp":
        return "shp"
    if suffix == ".zip":
        return "zip"
    if suffix in (".parquet", ".geoparquet"):
        return "parquet"
    return "ogr"


def _shp_files(folder: Path) -> list[Path]:
    return sorted((f for f in folder.iterdir() if f.suffix.lower() == ".shp"), key=lambda f: f.name)


#: the zip "language encoding" flag (general purpose bit 11): the name is UTF-8
_UTF8_FLAG = 0x800


def open_zip(p: Path) -> tuple[zipfile.ZipFile, str | None]:
    """Open a zip with its member names decoded as the archiver wrote them.

    A name flagged UTF-8 (general purpose bit 11) is UTF-8; an unflagged one is CP437 by
    the zip specification, but Chinese Windows (its Explorer, WinRAR, 7-Zip there)
    writes unflagged names in the ANSI code page, CP936.  Unflagged non-ASCII names are
    therefore decoded as UTF-8 if they all are, else as CP936, through zipfile's own
    ``metadata_encoding``.

    Returns
    -------
    (ZipFile, str or None)
        The open archive, and the encoding used for unflagged non-ASCII names
        (``"UTF-8"``, ``"CP936"``), None when there are none.

    Examples
    --------
    >>> open_zip(Path("no/such.zip"))
    Traceback (most recent call last):
    ...
    FileNotFoundError: [Errno 2] No such file or directory: 'no/such.zip'
    """
    with zipfile.ZipFile(p) as z:
        plain = [i for i in z.infolist() if not i.flag_bits & _UTF8_FLAG]
    if all(i.filename.isascii() for i in plain):
        return zipfile.ZipFile(p), None
    for enc in ("UTF-8", "CP936"):
        try:
            return zipfile.ZipFile(p, metadata_encoding=enc), enc
        except UnicodeDecodeError:
            continue
    return zipfile.ZipFile(p), "CP437"


#: datasets a zip may hold instead of shapefiles (a FileGDB is a folder ending in .gdb)
_ZIPPED_DATASETS = (".gpkg", ".geojson", ".fgb", ".parquet", ".geoparquet")


@contextmanager
def _unzipped(p: Path):
    """The path of the dataset in a zip without shapefiles, unpacked to a temporary folder.

    GDAL's ``/vsizip/`` opens a zipped FileGDB only when the path names the ``.gdb``
    folder inside, in the encoding GDAL assumes for the member names (CP437); unpacking
    with the names :func:`open_zip` decoded (CP936 from Chinese Windows) avoids both.
    Without a ``.gdb`` folder or a GeoPackage …, the zip itself is given to GDAL.
    """
    try:
        z, _ = open_zip(p)
    except (zipfile.BadZipFile, OSError) as exc:
        raise LayerReadError(f"{p}: not a readable zip archive ({exc}); copy it again") from exc
    with z, tempfile.TemporaryDirectory(prefix="ecospace-") as tmp:
        names = z.namelist()
        gdbs = sorted({n[: n.lower().index(".gdb/") + 4] for n in names if ".gdb/" in n.lower()})
        files = sorted(n for n in names if n.lower().endswith(_ZIPPED_DATASETS))
        inner = (gdbs or files or [None])[0]
        if inner is None:
            yield f"/vsizip/{p.resolve()}"
            return
        for info in z.infolist():
            if info.filename == inner or info.filename.startswith(inner.rstrip("/") + "/"):
                z.extract(info, tmp)  # zipfile drops absolute paths and ".." parts
        yield str(Path(tmp) / inner)


def _zip_shps(p: Path) -> list[str]:
    try:
        z, _ = open_zip(p)
    except (zipfile.BadZipFile, OSError) as exc:
        raise LayerReadError(f"{p}: not a readable zip archive ({exc}); copy it again") from exc
    with z:
        return sorted(n for n in z.namelist() if n.lower().endswith(".shp"))


def display_path(path: str) -> str:
    """A path as a person reads it: a name in GBK bytes (surrogate-escaped by Python on a
    UTF-8 system) decoded as GBK, other undecodable bytes as ``\\xNN``.

    Examples
    --------
    >>> display_path("layers/demo.gpkg")
    'layers/demo.gpkg'
    >>> display_path(os.fsdecode("红线.gpkg".encode("gbk")))
    '红线.gpkg'
    """
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        raw = os.fsencode(path)
    try:
        return raw.decode("gbk")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="backslashreplace")


def gdal_path(p: Path, stack: ExitStack) -> Path:
    """``p``, or an ASCII-named link to it when its name is not UTF-8 text.

    GDAL opens UTF-8 paths only; a file named in GBK bytes on Linux (copied from a
    Windows share) arrives in Python with surrogate escapes and could not be opened at
    all.  The link lives in a temporary folder closed with ``stack``; a shapefile's parts
    (same stem) are linked beside it.

    Examples
    --------
    >>> with ExitStack() as stack:
    ...     gdal_path(Path("layers/demo.gpkg"), stack)
    PosixPath('layers/demo.gpkg')
    """
    try:
        str(p).encode("utf-8")
        return p
    except UnicodeEncodeError:
        pass
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ecospace-")))
    target = p.absolute()
    parts = [target]
    if target.suffix.lower() == ".shp":
        parts = [f for f in target.parent.iterdir() if f.stem == target.stem]
    for part in parts:
        suffix = part.suffix if part.suffix.isascii() else ""
        (tmp / f"source{suffix}").symlink_to(part, target_is_directory=part.is_dir())
    suffix = target.suffix if target.suffix.isascii() else ""
    return tmp / f"source{suffix}"


def _ogr_error(path, layer, exc: Exception) -> LayerReadError:
    what = f"{path}:{layer}" if layer else str(path)
    msg = str(exc).split("\n")[0][:300]
    return LayerReadError(
        f"{what}: cannot be read ({type(exc).__name__}: {msg}); the file may be truncated, "
        f"damaged or not a GIS file — export it again, or try the other engine (--engine)"
    )


#: files in a plain folder that are layer sources themselves (not .json: often metadata)
FOLDER_SOURCES = (".gpkg", ".geojson", ".parquet", ".geoparquet", ".zip", ".fgb", ".gdb")


def folder_sources(folder: Path) -> list[Path]:
    """GeoPackages, ``.gdb`` folders, zips … inside a plain folder (its shapefiles excluded)."""
    return sorted(
        (f for f in folder.iterdir() if f.suffix.lower() in FOLDER_SOURCES),
        key=lambda f: f.name,
    )


def list_layers(source: str) -> list[str]:
    """Names of the layers in a source (file, ``.gdb`` folder, shapefile folder, ``.zip``).

    Examples
    --------
    >>> list_layers("no/such.gpkg")
    Traceback (most recent call last):
    ...
    ecospace.errors.LayerReadError: no/such.gpkg: no such file or folder; ...
    """
    import pyogrio

    p = check_exists(str(source))
    kind = _kind(p)
    if kind == "shpdir":
        shps = _shp_files(p)
        if not shps and not folder_sources(p):
            raise LayerReadError(
                f"{source}: the folder holds no shapefiles (.shp), GeoPackages or .gdb folders "
                f"and is not a .gdb; give a file or a folder of layers"
            )
        return [f.stem for f in shps]
    if kind in ("shp", "parquet"):
        return [p.stem]
    if kind == "zip":
        shps = _zip_shps(p)
        if shps:
            return [Path(n).stem for n in shps]
    with ExitStack() as stack:
        gp = gdal_path(p, stack)
        open_path = stack.enter_context(_unzipped(gp)) if kind == "zip" else str(gp)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return [str(n) for n in pyogrio.list_layers(open_path)[:, 0]]
        except Exception as exc:  # any GDAL failure becomes a message a person can act on
            raise _ogr_error(source, None, exc) from exc


def pick_layer(source: str, names: list[str], layer: str | None, role: str | None, aliases):
    """The layer of ``names`` to read: the one named, the only one, or the one ``role`` names."""
    if layer is not None:
        if layer in names:
            return layer
        folded = {n.casefold(): n for n in names}
        if layer.casefold() in folded:
            return folded[layer.casefold()]
        raise LayerNotFoundError(
            f"{source}: no layer {layer!r}; the source holds: {', '.join(names) or 'nothing'}"
        )
    if len(names) == 1:
        return names[0]
    if role is not None:
        hits = [n for n in names if role_of(n, aliases) == role]
        if len(hits) == 1:
            return hits[0]
    raise LayerReadError(
        f"{source}: holds {len(names)} layers ({', '.join(names)}); name one as {source}:LAYER"
    )


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
            raise _ogr_error(label.rsplit(":", 1)[0], layer, exc) from exc
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
        raise _ogr_error(label.rsplit(":", 1)[0], kwargs.get("layer"), exc) from exc
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
    kind = _kind(p)
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
            shp = next(f for f in _shp_files(p) if f.stem == name)
        elif kind == "zip" and _zip_shps(p):
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ecospace-")))
            member = next(n for n in _zip_shps(p) if Path(n).stem == name)
            stem, shown = member[:-4], Path(member).stem
            z, names_enc = open_zip(p)
            if names_enc:
                notes.append(f"zip member names decoded as {names_enc} (no UTF-8 flag)")
            with z:
                for n in z.namelist():
                    if n[: len(stem)] == stem and n[len(stem) :].lower() in _SIDECARS:
                        (tmp / f"layer{n[len(stem) :].lower()}").write_bytes(z.read(n))
            shp = tmp / "layer.shp"
        elif kind == "zip":
            read_path = stack.enter_context(_unzipped(gp))
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
                    raise _ogr_error(path, None, exc) from exc
                if "src_fid" not in gdf.columns:
                    gdf["src_fid"] = np.arange(len(gdf), dtype=np.int64)
                gdf = gdf.sort_values("src_fid", kind="stable").reset_index(drop=True)
                fids = gdf.pop("src_fid").to_numpy(dtype=np.int64)  # the source's order
            else:
                try:
                    gdf = gpd.read_parquet(gp)
                except Exception as exc:
                    raise _ogr_error(path, None, exc) from exc
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
