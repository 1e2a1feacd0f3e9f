"""A delivery folder as it arrives: which files are layers, which are not, and why (private).

Bureaus hand over folders of folders: shapefiles beside their sidecars, zips made on
Chinese Windows, FileGDBs, GeoPackages, and Word files, rasters and lock files among
them.  :func:`search_folder` walks such a folder recursively and returns one
:class:`Found` per file or dataset, taken or skipped with the reason, so that the
inventory can say what it read and what it left out.  Used by :mod:`ecospace.loading.layers`.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ecospace.loading._sources import open_zip

__all__ = ["Found", "format_found", "search_folder"]

log = logging.getLogger("ecospace")

#: parts of a shapefile (or of another dataset) that are read with it, never on their own
_SIDECARS = {
    ".shx", ".dbf", ".prj", ".cpg", ".sbn", ".sbx", ".qix", ".fix", ".atx", ".ain", ".aih",
    ".xml", ".qmd", ".gpkg-wal", ".gpkg-shm", ".gpkg-journal",
}  # fmt: skip
_VECTOR = {
    ".gpkg": "GeoPackage",
    ".geojson": "GeoJSON",
    ".parquet": "GeoParquet",
    ".geoparquet": "GeoParquet",
    ".fgb": "FlatGeobuf",
}
_NOT_LAYERS = {
    **dict.fromkeys((".tif", ".tiff", ".img", ".jpg", ".jpeg", ".png"), "raster or image"),
    **dict.fromkeys((".doc", ".docx", ".pdf", ".xls", ".xlsx", ".txt", ".csv", ".md"), "document"),
    **dict.fromkeys((".mxd", ".aprx", ".qgs", ".qgz", ".qml", ".lyr", ".lyrx"), "map project"),
    **dict.fromkeys((".rar", ".7z", ".tar", ".gz"), "archive ecospace cannot open (unpack it)"),
}


@dataclass(frozen=True)
class Found:
    """One file or dataset met in a delivery folder.

    Attributes
    ----------
    path : Path
        The file (``.shp``, ``.zip`` …) or dataset folder (``.gdb``).
    taken : bool
        Read as a source of layers.
    what : str
        What it is (``"shapefile"``, ``"zip of 2 shapefiles"`` …) or, when skipped, why.
    source : str or None
        The ``PATH[:LAYER]`` to read (a shapefile is the layer of its folder).
    flags : tuple of str
        Facts worth telling (``"member names decoded as CP936 (no UTF-8 flag)"``).
    """

    path: Path
    taken: bool
    what: str
    source: str | None = None
    flags: tuple[str, ...] = field(default_factory=tuple)


def _hidden(p: Path) -> bool:
    return p.name.startswith((".", "~$")) or p.name in ("__MACOSX", "Thumbs.db", "desktop.ini")


def _zip_found(p: Path) -> Found:
    try:
        z, enc = open_zip(p)
    except (zipfile.BadZipFile, OSError) as exc:
        return Found(p, False, f"not a readable zip archive ({exc})")
    with z:
        names = [n for n in z.namelist() if not any(_hidden(Path(s)) for s in Path(n).parts)]
    flags = (f"member names decoded as {enc} (no UTF-8 flag)",) if enc else ()
    shps = [n for n in names if n.lower().endswith(".shp")]
    if shps:
        what = f"zip of {len(shps)} shapefile{'s' if len(shps) > 1 else ''}"
        return Found(p, True, what, str(p), flags)
    if any(".gdb/" in n.lower() or n.lower().endswith((".gpkg", ".geojson")) for n in names):
        return Found(p, True, "zip of a FileGDB or GeoPackage", str(p), flags)
    inner = sorted({Path(n).suffix.lower() for n in names if Path(n).suffix}) or ["no files"]
    return Found(p, False, f"zip holds no layers ({', '.join(inner)})", None, flags)


def _json_found(p: Path) -> Found:
    try:
        with open(p, encoding="utf-8", errors="replace") as f:
            head = f.read(4096)
    except OSError as exc:
        return Found(p, False, f"unreadable ({exc})")
    if '"FeatureCollection"' in head or '"Feature"' in head:
        return Found(p, True, "GeoJSON", str(p))
    return Found(p, False, "JSON without features (metadata, not a layer)")


def _shapefile_found(shp: Path) -> Found:
    folder = shp.parent
    have = {f.suffix.lower() for f in folder.iterdir() if f.stem == shp.stem}
    if ".shx" not in have:
        return Found(shp, False, f"shapefile without its index {shp.stem}.shx (copy all parts)")
    missing = [s for s in (".dbf", ".prj") if s not in have]
    what = "shapefile" + (f" (no {', '.join(missing)})" if missing else "")
    return Found(shp, True, what, f"{folder}:{shp.stem}")


def _file_found(p: Path) -> Found | None:
    """What a plain file is; None for a part of a dataset read with it (sidecars)."""
    suffix = p.suffix.lower()
    if p.name.lower().endswith(".shp.xml") or suffix in _SIDECARS:
        if suffix == ".dbf" and not any(
            f.suffix.lower() == ".shp" and f.stem == p.stem for f in p.parent.iterdir()
        ):
            return Found(p, False, "attribute table (.dbf) without a .shp")
        return None
    if suffix == ".shp":
        return _shapefile_found(p)
    if suffix == ".zip":
        return _zip_found(p)
    if suffix == ".json":
        return _json_found(p)
    if suffix in _VECTOR:
        return Found(p, True, _VECTOR[suffix], str(p))
    reason = _NOT_LAYERS.get(suffix, f"not a layer format ({suffix or 'no suffix'})")
    return Found(p, False, reason)


def search_folder(folder: str | Path) -> list[Found]:
    """Every file and dataset in ``folder`` and its sub-folders, taken or skipped with why.

    Taken: shapefiles (each read with its ``.dbf``, ``.prj``, ``.cpg``), zips holding
    shapefiles, a FileGDB or GeoPackage, ``.gdb`` folders (not entered), GeoPackages,
    GeoJSON (``.json`` only when it holds features), GeoParquet, FlatGeobuf.  Skipped,
    each with the reason: rasters, documents, map projects, other archives, shapefiles
    without ``.shx``, lone ``.dbf`` files, hidden and system files.  Sidecar files of a
    dataset are not listed.

    Parameters
    ----------
    folder : str or Path

    Returns
    -------
    list of Found
        In path order, folders depth first.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "说明.docx").write_bytes(b"x")
    >>> [(f.path.name, f.taken, f.what) for f in search_folder(d)]
    [('说明.docx', False, 'document')]
    """
    folder = Path(folder)
    out: list[Found] = []
    for p in sorted(folder.iterdir(), key=lambda q: (q.is_dir(), q.name)):
        if _hidden(p):
            out.append(Found(p, False, "hidden or system file"))
        elif p.is_dir() and p.suffix.lower() == ".gdb":
            out.append(Found(p, True, "FileGDB", str(p)))
        elif p.is_dir():
            out += search_folder(p)
        else:
            found = _file_found(p)
            if found is not None:
                out.append(found)
    return out


def format_found(found: Iterable[Found], root: str | Path | None = None) -> str:
    """The listing as text: ``taken`` and ``skipped`` lines, paths relative to ``root``.

    Examples
    --------
    >>> print(format_found([Found(Path("d/a.pdf"), False, "document")], root="d"))
      skipped  a.pdf: document
    """
    lines = []
    for f in found:
        shown = f.path.relative_to(root) if root is not None else f.path
        what = "; ".join((f.what, *f.flags))
        lines.append(f"  {'taken  ' if f.taken else 'skipped'}  {shown}: {what}")
    return "\n".join(lines)
