"""Layers for GIS staff: GeoPackage, shapefiles (GBK) and FileGDB, each with QGIS styles.

Conflict pieces (overlaps, protected areas outside the red line, duplicates) and features
whose stored area differs from the computed one are handed to the people who fix them,
in the formats their desktop GIS opens: a GeoPackage, a folder of shapefiles written in
GBK (CP936, with a ``.cpg`` saying so, as ArcGIS and QGIS on Chinese Windows expect) and
a FileGDB written by GDAL's OpenFileGDB driver.  Every layer gets a QGIS style (``.qml``)
colouring it as the annex does: beside each shapefile (QGIS loads it with the layer),
stored as the layer's default style inside the GeoPackage (QGIS's ``layer_styles``
table), and in a ``<name>_styles/`` folder beside the GeoPackage and the FileGDB (Layer
Properties → Style → Load Style…).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import shutil
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd
import pyogrio

from ecospace._escape import xml_text
from ecospace._output import OutputFolder, OutputSet, refuse_overwrite
from ecospace.errors import EcospaceError
from ecospace.rendering._qml import conflict_qml, role_qml
from ecospace.rendering.conflicts import conflict_frame, write_conflicts
from ecospace.vocabulary import ID_FIELDS

__all__ = [
    "CONFLICT_FORMATS",
    "SHAPEFILE_ENCODING",
    "SHORT_FIELD_NAMES",
    "conflict_paths",
    "differing_features",
    "differing_qml",
    "shapefile_field_names",
    "styles_dir",
    "write_conflict_files",
    "write_differing",
    "write_layers",
]

log = logging.getLogger("ecospace")

#: Encoding of the shapefiles written (the ``.cpg`` says it): Chinese Windows' code page.
SHAPEFILE_ENCODING = "GBK"
#: Formats of the conflict files written by :func:`write_conflict_files`.
CONFLICT_FORMATS: tuple[str, ...] = ("gpkg", "shp", "gdb")
_NO_CONFLICTS = "no_conflicts"
_NO_CONFLICTS_NOTE = "未发现冲突图斑 no conflicts found"

Format = Literal["gpkg", "shp", "gdb"]


def _format_of(path: Path) -> Format:
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        return "gpkg"
    if suffix == ".gdb":
        return "gdb"
    if suffix == "":
        return "shp"
    raise EcospaceError(
        f"{path}: write layers to a .gpkg file, a .gdb folder (FileGDB) or a folder without "
        f"a suffix (one GBK shapefile per layer), not {suffix!r}"
    )


def styles_dir(path: str | Path) -> Path:
    """The folder of ``.qml`` styles beside a GeoPackage or FileGDB (``conflicts_styles``)."""
    path = Path(path)
    return path.with_name(path.stem + "_styles")


#: Shapefile names of ecospace's own long column names (a shapefile field has 10 bytes).
SHORT_FIELD_NAMES: dict[str, str] = {
    "computed_m2": "comp_m2",
    "difference_m2": "diff_m2",
    "difference_rel": "diff_rel",
}


def shapefile_field_names(columns: Sequence[str]) -> dict[str, str]:
    """Field names that fit a shapefile: at most 10 bytes in GBK, unique.

    ecospace's own long names get the short forms of :data:`SHORT_FIELD_NAMES`
    (``difference_m2`` → ``diff_m2``); other longer names are cut to 10 bytes (never
    inside a Chinese character); a name that then repeats another gets a number in its
    last places.

    Examples
    --------
    >>> shapefile_field_names(["a_YJJBNTTBBH", "b_src_fid", "YJJBNTTBBH_a", "YJJBNTTBBH_b"])
    {'a_YJJBNTTBBH': 'a_YJJBNTTB', 'b_src_fid': 'b_src_fid', 'YJJBNTTBBH_a': 'YJJBNTTBBH',
     'YJJBNTTBBH_b': 'YJJBNTTB_1'}
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        name = _cut(SHORT_FIELD_NAMES.get(str(col), str(col)), 10)
        n = 0
        while name.upper() in used:
            n += 1
            tail = f"_{n}"
            name = _cut(str(col), 10 - len(tail)) + tail
        used.add(name.upper())
        out[str(col)] = name
    return out


def _cut(text: str, n_bytes: int) -> str:
    while len(text.encode(SHAPEFILE_ENCODING, errors="replace")) > n_bytes:
        text = text[:-1]
    return text


def write_layers(
    path: str | Path,
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    styles: Mapping[str, str] | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """Write layers, each with its QGIS style, as a GeoPackage, shapefiles or a FileGDB.

    Parameters
    ----------
    path : str or Path
        ``NAME.gpkg`` (one GeoPackage), ``NAME.gdb`` (a FileGDB, GDAL's OpenFileGDB
        driver) or a folder without a suffix (one shapefile per layer, attributes in GBK
        with a ``.cpg``; field names cut to 10 bytes by :func:`shapefile_field_names`).
    layers : mapping of layer name to GeoDataFrame
        A frame without geometry column is written as a table (a ``.dbf`` alone for
        shapefiles).
    styles : mapping of layer name to QML text, optional
        Written beside each shapefile as ``NAME.qml``; into a GeoPackage as the layer's
        default style (``layer_styles``); and for a GeoPackage or FileGDB also as
        ``<path stem>_styles/NAME.qml``.
    overwrite : bool, default False
        Replace what is there; otherwise an existing output is an error.

    Returns
    -------
    list of Path
        The files and folders written (the data, then the styles folder if any).

    Raises
    ------
    OutputExistsError
        The output exists and ``overwrite`` is false.

    Examples
    --------
    >>> import tempfile, pyogrio
    >>> from shapely import box
    >>> g = gpd.GeoDataFrame({"名称": ["青山省级风景名胜区"]}, geometry=[box(0, 0, 1, 1)],
    ...                      crs="EPSG:4529")
    >>> out = Path(tempfile.mkdtemp())
    >>> paths = write_layers(out / "shp", {"outside": g}, styles={"outside": role_qml("red_line")})
    >>> sorted(p.name for p in (out / "shp").iterdir())
    ['outside.cpg', 'outside.dbf', 'outside.prj', 'outside.qml', 'outside.shp', 'outside.shx']
    >>> (out / "shp" / "outside.cpg").read_text()
    'GBK'
    >>> pyogrio.read_dataframe(out / "shp" / "outside.shp")["名称"].tolist()
    ['青山省级风景名胜区']
    """
    path = Path(path)
    fmt = _format_of(path)
    styles = dict(styles or {})
    sdir = styles_dir(path) if fmt != "shp" and styles else None
    refuse_overwrite([p for p in (path, sdir) if p is not None], overwrite=overwrite)
    for p in (path, sdir):
        if p is not None and p.exists():
            _remove(p)
    if fmt == "shp":
        path.mkdir(parents=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    for name, frame in layers.items():
        _write_one(path, fmt, name, frame)
        if fmt == "shp" and name in styles:
            (path / f"{name}.qml").write_text(styles[name], encoding="utf-8")
    if fmt == "gpkg" and styles:
        _embed_styles(path, {n: q for n, q in styles.items() if n in layers}, layers)
    written = [path]
    if sdir is not None:
        sdir.mkdir(parents=True)
        for name, qml in styles.items():
            if name in layers:
                (sdir / f"{name}.qml").write_text(qml, encoding="utf-8")
        written.append(sdir)
    log.info("wrote %d layer(s) to %s", len(layers), path)
    return written


def _write_one(path: Path, fmt: Format, name: str, frame: pd.DataFrame) -> None:
    spatial = isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object and not _is_geom(frame, column):
            frame[column] = frame[column].map(lambda v: xml_text(v) if isinstance(v, str) else v)
    if fmt == "shp":
        names = shapefile_field_names([c for c in frame.columns if not _is_geom(frame, c)])
        frame = frame.rename(columns=names)
        target = path / (f"{name}.shp" if spatial else f"{name}.dbf")
        pyogrio.write_dataframe(frame, target, encoding=SHAPEFILE_ENCODING)
        return
    if fmt == "gdb":
        frame = _int32(frame)
    driver = "GPKG" if fmt == "gpkg" else "OpenFileGDB"
    pyogrio.write_dataframe(frame, path, layer=name, driver=driver)


def _int32(frame: pd.DataFrame) -> pd.DataFrame:
    """64-bit integer columns as 32-bit where the values fit: a FileGDB for ArcGIS before
    Pro 3.2 has no 64-bit integers (GDAL would write them as floats), and feature ids and
    rows always fit."""
    frame = frame.copy()
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_integer_dtype(s) and s.dtype.itemsize == 8:
            if len(s) == 0 or (s.min() >= -(2**31) and s.max() < 2**31):
                frame[col] = s.astype("int32")
    return frame


def _is_geom(frame: pd.DataFrame, col: str) -> bool:
    return isinstance(frame, gpd.GeoDataFrame) and col == frame.geometry.name


def _remove(p: Path) -> None:
    if p.is_dir():
        shutil.rmtree(p)
    else:
        p.unlink()


def _embed_styles(
    path: Path, styles: Mapping[str, str], layers: Mapping[str, pd.DataFrame]
) -> None:
    """Store styles as each layer's default in QGIS's ``layer_styles`` table."""
    now = _dt.datetime.now().isoformat(timespec="seconds")
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256), "
            "f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT, "
            "useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), "
            "update_time DATETIME)"
        )
        for name, qml in styles.items():
            frame = layers[name]
            geom = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else ""
            db.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '', ?)",
                (name, "geom" if geom else "", name, qml, "ecospace", now),
            )
    db.close()


def conflict_paths(out_dir: str | Path, formats: Sequence[str] = CONFLICT_FORMATS) -> dict:
    """Where :func:`write_conflict_files` writes each format in ``out_dir``.

    Examples
    --------
    >>> {k: p.name for k, p in conflict_paths("out").items()}
    {'conflicts': 'conflicts.gpkg', 'conflicts_shp': 'conflicts_shp',
     'conflicts_gdb': 'conflicts.gdb', 'conflicts_styles': 'conflicts_styles'}
    """
    out = Path(out_dir)
    names = {"gpkg": "conflicts.gpkg", "shp": "conflicts_shp", "gdb": "conflicts.gdb"}
    keys = {"gpkg": "conflicts", "shp": "conflicts_shp", "gdb": "conflicts_gdb"}
    paths = {
        keys[f]: (out / names[f]) if f == "gpkg" else OutputFolder(out / names[f]) for f in formats
    }
    if "gpkg" in formats or "gdb" in formats:
        paths["conflicts_styles"] = OutputFolder(out / "conflicts_styles")
    return paths


def write_conflict_files(
    out_dir: str | Path,
    conflicts: Mapping[str, gpd.GeoDataFrame],
    *,
    formats: Sequence[str] = CONFLICT_FORMATS,
    crs=None,
    overwrite: bool = False,
    output_set: OutputSet | None = None,
) -> dict[str, Path]:
    """Write the conflicts of a check as GeoPackage, GBK shapefiles and FileGDB, styled.

    One layer per conflict type (``overlap_red_line__basic_farmland``,
    ``outside_protected_area__red_line``, ``duplicate_basic_farmland`` …), with the
    columns of :func:`ecospace.measuring.overlap.write_conflicts` (``a_src_fid``/``b_src_fid``/
    ``src_fid``: the feature id QGIS shows; ``area_m2``, ``area_ha``, ``method``).  Each
    is styled as on the annex's conflicts page: overlaps magenta, parts outside what
    must contain them orange, duplicates and overlaps within a layer blue, hatched.
    With no conflict at all, each format holds one table ``no_conflicts`` saying so.

    Parameters
    ----------
    out_dir : path
        Folder for ``conflicts.gpkg``, ``conflicts_shp/``, ``conflicts.gdb`` and
        ``conflicts_styles/`` (see :func:`conflict_paths`).
    conflicts : mapping
        ``measure_county(...).conflicts``; protected areas overlapping each other (not a
        conflict) are written too, as the GeoPackage always held them.
    formats : sequence of {"gpkg", "shp", "gdb"}
    crs : CRS-like, optional
        CRS of the ``no_conflicts`` table when there are no conflicts.
    overwrite : bool, default False
    output_set : OutputSet, optional
        Stage the files in this set (a check's outputs are moved into place together);
        by default they form a set of their own: all written, or none.

    Returns
    -------
    dict
        Keys of :func:`conflict_paths` → paths written.

    Examples
    --------
    >>> import tempfile, pyogrio
    >>> from shapely import box
    >>> g = gpd.GeoDataFrame({"a_fid": [0], "a_src_fid": [1], "b_fid": [2], "b_src_fid": [3],
    ...                       "area_m2": [1.0]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:4529")
    >>> out = write_conflict_files(tempfile.mkdtemp(), {"overlap_red_line__basic_farmland": g})
    >>> pyogrio.list_layers(out["conflicts_gdb"])[:, 0].tolist()
    ['overlap_red_line__basic_farmland']
    >>> sorted(p.suffix for p in out["conflicts_shp"].iterdir())
    ['.cpg', '.dbf', '.prj', '.qml', '.shp', '.shx']
    """
    bad = [f for f in formats if f not in CONFLICT_FORMATS]
    if bad:
        raise EcospaceError(f"unknown conflict format(s) {bad}; use some of {CONFLICT_FORMATS}")
    targets = conflict_paths(out_dir, formats)
    refuse_overwrite(targets.values(), overwrite=overwrite)
    frames: dict[str, pd.DataFrame] = {
        name: conflict_frame(name, gdf) for name, gdf in conflicts.items() if len(gdf)
    }
    styles = {name: conflict_qml(name) for name in frames}
    if not frames:
        frames = {_NO_CONFLICTS: pd.DataFrame({"note": [_NO_CONFLICTS_NOTE]})}
    with (
        contextlib.nullcontext(output_set)
        if output_set
        else OutputSet(overwrite=overwrite) as staged
    ):
        for fmt in formats:
            key = {"gpkg": "conflicts", "shp": "conflicts_shp", "gdb": "conflicts_gdb"}[fmt]
            where = staged.path(targets[key])
            if fmt == "gpkg":
                # the GeoPackage keeps its own writer (layer descriptions, no_conflicts with CRS)
                write_conflicts(where, conflicts, overwrite=True, crs=crs)
                if styles:
                    _embed_styles(where, styles, frames)
                continue
            write_layers(where, frames, styles=None, overwrite=True)
            if fmt == "shp":
                for name, qml in styles.items():
                    (where / f"{name}.qml").write_text(qml, encoding="utf-8")
        if "conflicts_styles" in targets:
            sdir = staged.path(targets["conflicts_styles"])
            sdir.mkdir()
            for name, qml in styles.items():
                (sdir / f"{name}.qml").write_text(qml, encoding="utf-8")
    written = {key: Path(path) for key, path in targets.items()}
    n = len([k for k in frames if k != _NO_CONFLICTS])
    log.info("wrote %d conflict layer(s) as %s in %s", n, ", ".join(formats), out_dir)
    return written


def differing_qml(role: str | None) -> str:
    """Style of a layer of features whose stored area differs: the role's colour.

    Examples
    --------
    >>> "227,26,28,255" in differing_qml("red_line")  # the red line's red
    True
    """
    return role_qml(role) if role else conflict_qml("other")


def differing_features(
    gdf: gpd.GeoDataFrame, compared: pd.DataFrame, field: str
) -> gpd.GeoDataFrame:
    """The features :func:`ecospace.geometry.area.compare_area_field` listed, with their geometry.

    Columns: ``src_fid`` (the id QGIS shows, when the layer has it), ``row`` (0-based
    row as read), the layer's identifier field (``BSM``, ``YJJBNTTBBH`` … when it has
    one), the stored field as written, ``stored_m2``, ``computed_m2``, ``difference_m2``
    (stored − computed), ``difference_rel`` and ``problem`` (``differs``/``missing``).

    Examples
    --------
    >>> from shapely import box
    >>> from ecospace.geometry.area import compare_area_field
    >>> g = gpd.GeoDataFrame({"src_fid": [1, 2], "BSM": ["HX1", "HX2"], "MJ": [1.0, 2.0]},
    ...                      geometry=[box(41500000, 5e6, 41500100, 5e6 + 100)] * 2, crs=4529)
    >>> c = compare_area_field(g, "MJ", unit="ha", method="planar")
    >>> differing_features(g, c, "MJ")[["src_fid", "row", "BSM", "MJ", "difference_m2"]]
       src_fid  row  BSM   MJ  difference_m2
    0        2    1  HX2  2.0        10000.0
    """
    rows = gdf.loc[compared.index]
    cols: dict[str, object] = {}
    if "src_fid" in rows.columns:
        cols["src_fid"] = rows["src_fid"].to_numpy()
    cols["row"] = [gdf.index.get_loc(i) for i in compared.index]
    idf = next((f for f in ID_FIELDS if f in rows.columns and f != field), None)
    if idf:
        cols[idf] = rows[idf].to_numpy()
    cols[field] = rows[field].to_numpy()
    for c in ("stored_m2", "computed_m2", "difference_m2", "difference_rel", "problem"):
        cols[c] = compared[c].to_numpy()
    return gpd.GeoDataFrame(cols, geometry=rows.geometry.to_numpy(), crs=gdf.crs)


def write_differing(
    path: str | Path,
    gdf: gpd.GeoDataFrame,
    compared: pd.DataFrame,
    field: str,
    *,
    role: str | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """Write the features whose stored area differs, styled in their role's colour.

    One layer, ``differing_<field>``, as a GeoPackage, FileGDB or folder of GBK
    shapefiles (by ``path``, as :func:`write_layers`), columns as
    :func:`differing_features`.

    Examples
    --------
    >>> import tempfile, pyogrio
    >>> from shapely import box
    >>> from ecospace.geometry.area import compare_area_field
    >>> g = gpd.GeoDataFrame({"MJ": [2.0]}, geometry=[box(41500000, 5e6, 41500100, 5e6 + 100)],
    ...                      crs=4529)
    >>> c = compare_area_field(g, "MJ", unit="ha", method="planar")
    >>> out = write_differing(Path(tempfile.mkdtemp()) / "d.gdb", g, c, "MJ", role="red_line")
    >>> [p.name for p in out]
    ['d.gdb', 'd_styles']
    >>> pyogrio.read_dataframe(out[0], read_geometry=False)["difference_m2"].tolist()
    [10000.0]
    """
    name = f"differing_{field}"
    frame = differing_features(gdf, compared, field)
    return write_layers(
        path, {name: frame}, styles={name: differing_qml(role)}, overwrite=overwrite
    )
