"""A source's files: what kind it is, zipped shapefiles and datasets, names in GBK.

Where the files of a ``PATH[:LAYER]`` source are before GDAL opens them: the kind of
source (GeoPackage, ``.gdb`` folder, shapefile, folder, ``.zip``, GeoParquet), the
members of a zip with the names Chinese Windows writes, a path named in GBK bytes linked
under a name GDAL can open, and every reader failure turned into a
:class:`~ecospace.errors.LayerReadError` that names the file and says what to do.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from contextlib import ExitStack, contextmanager
from pathlib import Path

from ecospace._limits import refuse_special_file
from ecospace.errors import LayerReadError

__all__ = [
    "FOLDER_SOURCES",
    "SHP_PARTS",
    "check_exists",
    "display_path",
    "folder_sources",
    "gdal_path",
    "open_zip",
    "reader_error",
    "shp_files",
    "source_kind",
    "unzipped",
    "zip_shps",
]

SHP_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


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


def source_kind(p: Path) -> str:
    """The kind of source: ``"gdb"``, ``"shpdir"``, ``"shp"``, ``"zip"``, ``"parquet"``, ``"ogr"``.

    Examples
    --------
    >>> source_kind(Path("layers/demo.gpkg")), source_kind(Path("红线.SHP"))
    ('ogr', 'shp')
    """
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


def shp_files(folder: Path) -> list[Path]:
    """The shapefiles directly in ``folder``, by name."""
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
def unzipped(p: Path):
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


def zip_shps(p: Path) -> list[str]:
    """Member names of the shapefiles in zip ``p``, by name."""
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


def reader_error(path, layer, exc: Exception) -> LayerReadError:
    """A pyogrio/fiona/GDAL failure as a message naming the file and saying what to do."""
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
