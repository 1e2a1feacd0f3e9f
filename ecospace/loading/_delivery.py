"""A delivery as it arrives: which files are layers, which are not and why, what to read (private).

Bureaus hand over folders of folders: shapefiles beside their sidecars, zips made on
Chinese Windows, FileGDBs, GeoPackages, and Word files, rasters and lock files among
them.  :func:`search_folder` walks such a folder recursively and returns one
:class:`Found` per file or dataset, taken or skipped with the reason, so that the
inventory can say what it read and what it left out.  :func:`plan_reads` turns the
sources given into the layers to read, each with what the user said about it (role,
CRS, encoding), the county boundary first.  Used by :mod:`ecospace.loading.layers`.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ecospace.errors import LayerReadError
from ecospace.labels import Lang, found_label, found_word
from ecospace.loading import _postgis
from ecospace.loading._postgis import is_database
from ecospace.loading._roles import _IGNORE, _check_role, role_of
from ecospace.loading._sources import check_exists, list_layers, open_zip, pick_layer, split_spec

__all__ = ["Found", "Planned", "format_found", "plan_reads", "search_folder", "search_sources"]

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
    shapefiles, a FileGDB or GeoPackage, ``.gdb`` folders and partitioned GeoParquet
    datasets (``NAME.parquet/``, not entered), GeoPackages,
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
        elif p.is_dir() and p.suffix.lower() == ".parquet":  # ecospace convert's datasets
            out.append(Found(p, True, "GeoParquet dataset", str(p)))
        elif p.is_dir():
            out += search_folder(p)
        else:
            found = _file_found(p)
            if found is not None:
                out.append(found)
    return out


def format_found(found: Iterable[Found], root: str | Path | None = None, lang: Lang = "zh") -> str:
    """The listing as text: ``taken`` and ``skipped`` lines, paths relative to ``root``.

    Examples
    --------
    >>> print(format_found([Found(Path("d/a.pdf"), False, "document")], root="d", lang="en"))
      skipped  a.pdf: document
    >>> print(format_found([Found(Path("d/a.pdf"), False, "document")], root="d"))
      跳过  a.pdf: 文档
    """
    lines = []
    width = max(len(found_word(k, lang)) for k in ("taken", "skipped"))
    for f in found:
        shown = f.path.relative_to(root) if root is not None else f.path
        what = "; ".join(found_label(t, lang) for t in (f.what, *f.flags))
        verdict = found_word("taken" if f.taken else "skipped", lang).ljust(width)
        lines.append(f"  {verdict}  {shown}: {what}")
    return "\n".join(lines)


# ---------------------------------------------------------------- what to read


def search_sources(sources: Iterable[str]) -> list[Found]:
    """What the sources hold: every file and dataset, taken as a source or skipped, and why.

    A plain folder (a delivery) is searched with its sub-folders (see
    :func:`search_folder`): shapefiles, zips, ``.gdb`` folders,
    GeoPackage, GeoJSON and GeoParquet are taken; documents, rasters, shapefiles without
    ``.shx`` … are skipped with the reason.  Any other source is taken as given.

    Examples
    --------
    >>> search_sources([])
    []
    """
    out: list[Found] = []
    for spec in sources:
        if is_database(spec):  # a PostGIS database or table: taken as given
            label = _postgis.parse_source(spec).label
            out.append(Found(Path(label), True, "database", label))
            continue
        path, layer = split_spec(spec)
        p = check_exists(path)
        if layer is None and p.is_dir() and p.suffix.lower() not in (".gdb", ".parquet"):
            out += search_folder(p)
        else:
            out.append(Found(p, True, "named", str(spec)))
    return out


def _expand_folder(p: Path, path: str) -> list[tuple[str, str, bool]]:
    """(path, layer, only layer of its source) of everything taken in a delivery folder."""
    listing = search_folder(p)
    taken = [f for f in listing if f.taken]
    skipped = [f"{f.path.relative_to(p)}: {f.what}" for f in listing if not f.taken]
    log.info(
        "%s: searched with its sub-folders: %d source(s) taken, %d skipped%s",
        path,
        len(taken),
        len(skipped),
        f" ({'; '.join(skipped)})" if skipped else "",
    )
    for f in listing:
        log.debug("%s %s: %s", "taken" if f.taken else "skipped", f.path, "; ".join(f.flags))
    if not taken:
        seen = "; ".join(f"{f.path.name}: {f.what}" for f in listing[:5]) or "nothing"
        raise LayerReadError(
            f"{path}: the folder and its sub-folders hold no layers (shapefiles, zips, .gdb, "
            f"GeoPackage, GeoJSON, GeoParquet); found {seen} — give a file or a folder of layers"
        )
    out: list[tuple[str, str, bool]] = []
    shps = [f.path for f in taken if f.path.suffix.lower() == ".shp"]
    for f in taken:
        if f.path in shps:
            single = sum(s.parent == f.path.parent for s in shps) == 1
            out.append((str(f.path.parent), f.path.stem, single))
        else:
            out += _expand([str(f.source)])
    return out


def _expand(sources: Iterable[str]) -> list[tuple[str, str, bool]]:
    """(path, layer, only layer of its source) for every layer named; repeats dropped.

    A plain folder gives every layer taken in it and its sub-folders (:func:`search_sources`).
    """
    found: list[tuple[str, str, bool]] = []
    for spec in sources:
        if is_database(spec):
            found += _expand_database(spec)
            continue
        path, layer = split_spec(spec)
        p = check_exists(path)
        # a .gdb folder or a GeoParquet dataset (NAME.parquet/part-*.parquet) is one source
        if layer is None and p.is_dir() and p.suffix.lower() not in (".gdb", ".parquet"):
            found += _expand_folder(p, path)
            continue
        names = list_layers(path)
        picked = [pick_layer(path, names, layer, None, None)] if layer is not None else names
        found += [(path, name, len(names) == 1) for name in picked]
    out, seen = [], set()
    for path, name, single in found:
        key = (path if is_database(path) else str(Path(path).resolve()), name)
        if key not in seen:
            seen.add(key)
            out.append((path, name, single))
    return out


def _expand_database(spec: str) -> list[tuple[str, str, bool]]:
    """(label, schema.table, only table) for a database source: its table or every one."""
    src = _postgis.parse_source(spec)
    if src.table is not None:
        table, _ = _postgis.describe_table(src)
        return [(src.label, f"{table.schema}.{table.name}", True)]
    names = _postgis.list_tables(src)
    return [(src.label, n, len(names) == 1) for n in names]


def _lookup(given: Mapping, path: str, name: str, single: bool):
    """``(key, value)`` the user gave for this layer, or None.

    Keys may be ``PATH:LAYER``, the layer name, or (for a one-layer source) its path or stem.
    """
    keys = [f"{path}:{name}", name]
    if is_database(path):  # a table answers to schema.name and to its bare name
        keys.append(name.rpartition(".")[2])
    if single:
        keys += [path, Path(path).stem]
    resolved = str(Path(path).resolve())
    # a shapefile read from its folder is also named by its own path
    shp = Path(path) / f"{name}.shp" if Path(path).is_dir() else None
    shp_resolved = str(shp.resolve()) if shp is not None and shp.exists() else None
    for k, v in given.items():
        kpath, klayer = split_spec(str(k))
        here = Path(kpath).exists() and str(Path(kpath).resolve())
        hit = (
            any(str(k).casefold() == key.casefold() for key in keys)
            or (here == resolved and (klayer == name or (klayer is None and single)))
            or (here and here == shp_resolved and klayer in (None, name))
        )
        if hit:
            return k, v
    return None


def _user_role(roles: Mapping[str, str | None], path: str, name: str, single: bool):
    """Role given by the user for this layer: a role, None (ignore), or ... (not given)."""
    hit = _lookup(roles, path, name, single)
    if hit is None:
        return ...
    k, v = hit
    if v is None or str(v).lower() in _IGNORE:
        return None
    return _check_role(str(v), f"--role {k}={v}")


@dataclass
class Planned:
    """A layer to read, with what the user said about it."""

    path: str
    name: str
    role: object  # a role, or ... when the user gave none
    guess: str | None
    crs: object = None  # this layer's own CRS (overrides its file's)
    encoding: str | None = None

    @property
    def label(self) -> str:
        return f"{self.path}:{self.name}"


def plan_reads(
    sources: Iterable[str],
    *,
    roles: Mapping[str, str | None],
    aliases: Mapping[str, str] | None,
    crss: Mapping[str, object],
    encodings: Mapping[str, str],
    only_roles: bool = False,
) -> list[Planned]:
    """What to read, in order (the county boundary first), with the user's say on each.

    Parameters
    ----------
    sources : iterable of str
        ``PATH`` (a folder with its sub-folders, or every layer of a file) or ``PATH:LAYER``.
    roles, crss, encodings : mapping
        Keyed by layer name, ``PATH:LAYER``, a one-layer source's path or stem, or a
        shapefile's path: the layer's role (``None``/``"none"``: not read), CRS, encoding.
    aliases : mapping, optional
        Extra layer names for roles.
    only_roles : bool
        Leave out layers whose role is not recognised.

    Returns
    -------
    list of Planned

    Examples
    --------
    >>> plan_reads([], roles={}, aliases=None, crss={}, encodings={})
    []
    """
    planned = []
    for path, name, single in _expand(sources):
        user = _user_role(roles, path, name, single)
        if user is None:
            log.info("%s:%s ignored (role none)", path, name)
            continue
        guess = user if user is not ... else role_of(name, aliases)
        if only_roles and guess is None:
            log.info("%s:%s: role not recognised, not read (use --role %s=ROLE)", path, name, name)
            continue
        crs_hit = _lookup(crss, path, name, single)
        enc_hit = _lookup(encodings, path, name, single)
        planned.append(
            Planned(
                path,
                name,
                user,
                guess,
                crs=None if crs_hit is None else crs_hit[1],
                encoding=None if enc_hit is None else enc_hit[1],
            )
        )
    planned.sort(key=lambda t: t.guess != "boundary")  # the county locates and bounds the rest
    return planned
