"""Read planning layers as they are delivered, recognise their roles, say what was found.

A layer is addressed as ``PATH[:LAYER]``.  Sources: GeoPackage, FileGDB (``.gdb``
folder, curves linearised), shapefile (UTF-8 or GBK, with or without ``.cpg``), a folder
of shapefiles, a ``.zip`` of shapefiles, GeoJSON and GeoParquet.  Every layer comes back
as a :class:`Layer`: repaired, 2D, polygonal, in its original CRS, with a ``fid`` column
(0-based position in the source), a ``src_fid`` column (the source's own feature id, as
QGIS shows it) and a report of what was found and changed.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from ecospace.errors import (
    EcospaceError,
    GeometryError,
    LayerReadError,
    RoleError,
    ZoneError,
)
from ecospace.geometry.crs import datum_warning, describe, resolve_crs
from ecospace.loading import _postgis
from ecospace.loading._delivery import Found, Planned, plan_reads, search_sources
from ecospace.loading._inventory import (
    format_details,
    format_inventory,
    inventory,
    inventory_records,
)
from ecospace.loading._placement import check_user_crs, county_from_townships, reference_for
from ecospace.loading._postgis import is_database
from ecospace.loading._roles import (  # the public role names are imported from here
    CONTROL_LINES,
    ROLE_LABELS,
    ROLES,
    _check_role,
    _parse_role_option,  # noqa: F401 - the CLI's --role option
    role_of,
)
from ecospace.loading._sources import (
    check_exists,
    display_path,
    list_layers,
    pick_layer,
    read_raw,
    split_spec,
)
from ecospace.loading.validate import (
    ValidationReport,
    report_closed_rings,
    report_outside,
    report_unreadable,
    validate_layer,
)

__all__ = [
    "CONTROL_LINES",
    "ROLES",
    "ROLE_LABELS",
    "Found",
    "Layer",
    "format_details",
    "format_inventory",
    "inventory",
    "inventory_records",
    "list_layers",
    "load_layers",
    "read_layer",
    "read_sources",
    "role_of",
    "search_sources",
    "split_spec",
]

log = logging.getLogger("ecospace")

Engine = Literal["pyogrio", "fiona"]
ENGINES = ("pyogrio", "fiona")


@dataclass
class Layer:
    """One layer, read, repaired and described.

    Attributes
    ----------
    gdf : GeoDataFrame
        Repaired, 2D, polygonal features in the layer's ORIGINAL CRS (always set), with two
        id columns: ``fid``, the 0-based position of the feature in the source as read
        (kept for compatibility; the rows of ``report.table`` use it), and ``src_fid``, the
        source's own feature id as GDAL reports it — the FID QGIS and ArcGIS show, from 1
        in a GeoPackage or FileGDB (with gaps where features were deleted), from 0 in a
        shapefile or GeoJSON without ids; for GeoParquet the 0-based row.  Attribute
        columns already called ``fid``/``src_fid`` are renamed ``fid_attr``/``src_fid_attr``.
    source : str
        The path as given.
    name : str
        Layer name in the source.
    role : str or None
        One of :data:`ROLES`, or None when not recognised.
    crs_how : str
        How the CRS was determined: ``"file"``, ``"user"``, ``"inferred: …"``.
    encoding : str or None
        Text encoding used for the attributes.
    report : ValidationReport
        Problems found and repairs made.
    encoding_how : str
        How the encoding was chosen (``"no .cpg; text is not UTF-8 but decodes as GBK"``).
    """

    gdf: gpd.GeoDataFrame
    source: str
    name: str
    role: str | None
    crs_how: str
    encoding: str | None
    report: ValidationReport
    encoding_how: str = ""

    @property
    def label(self) -> str:
        """``"source:layer"`` as used in messages."""
        return f"{self.source}:{self.name}"

    @property
    def crs(self) -> pyproj.CRS:
        """The layer's CRS (the original one)."""
        return self.gdf.crs

    def __repr__(self) -> str:
        return (
            f"Layer({self.label!r}, role={self.role!r}, features={len(self.gdf)}, "
            f"crs={describe(self.gdf.crs)!r} ({self.crs_how}))"
        )


def _township_like(gdf: gpd.GeoDataFrame) -> bool:
    """An XZQ layer at township level: 9+ digit XZQDM codes; without XZQDM, several features.

    A county stored as several features (an exclave) keeps its one 6-digit code.
    """
    for col in gdf.columns:
        if str(col).upper() == "XZQDM":
            codes = gdf[col].astype(str).str.strip()
            return bool(codes.str.fullmatch(r"\d{9,}").any())
    return len(gdf) > 1


def _bounds(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray | None, np.ndarray]:
    """Bounds of the finite coordinates, and the fids of features with huge ones."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        xy, idx = shapely.get_coordinates(np.asarray(gdf.geometry.values), return_index=True)
    fin = np.isfinite(xy).all(axis=1)
    if not fin.any():
        return None, np.empty(0, int)
    xy, idx = xy[fin], idx[fin]
    huge = np.unique(idx[(np.abs(xy) > 1e8).any(axis=1)])
    return np.r_[xy.min(axis=0), xy.max(axis=0)], huge


def _centres(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Centre of each feature's box (NaN for empty ones): the points that locate the data."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        b = shapely.bounds(np.asarray(gdf.geometry.values, dtype=object))
    return np.column_stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2])


def read_layer(
    spec: str,
    *,
    role: str | None = None,
    crs=None,
    engine: Engine = "pyogrio",
    repair: bool = True,
    aliases: Mapping[str, str] | None = None,
    near=None,
    boundary=None,
    crs_fallback: bool = False,
    encoding: str | None = None,
) -> Layer:
    """Read one layer, determine its CRS and role, validate and repair it.

    Parameters
    ----------
    spec : str
        ``"PATH[:LAYER]"``.  PATH may be a GeoPackage, ``.gdb`` folder, ``.shp``, folder of
        shapefiles, ``.zip`` of shapefiles, GeoJSON or GeoParquet file.
    role : str, optional
        One of :data:`ROLES`.  Default: recognised from the layer name (see :func:`role_of`).
        A role that contradicts the layer's name or geometry raises :class:`RoleError`.
    crs : CRS-like, optional
        Overrides the file's CRS (``"EPSG:4529"``; logged, and ``crs_how`` names the file's
        CRS); with ``crs_fallback`` only fills in a missing one or replaces one the
        coordinates contradict (a wrong ``.prj``).
    engine : {"pyogrio", "fiona"}
    repair : bool
        Repair invalid polygons (see :func:`ecospace.loading.validate.validate_layer`).
    aliases : mapping of layer name -> role, optional
        Extra names for roles; they override the built-in names.
    near : (lon, lat) or GeoDataFrame, optional
        Where the county lies, to infer the zone of eastings without zone prefix.
    boundary : GeoDataFrame or Layer, optional
        The county boundary: features outside it are reported.
    crs_fallback : bool
        Use ``crs`` only when the file has none, or when its CRS does not fit the
        coordinates.
    encoding : str, optional
        Text encoding of a shapefile's attributes (``"GBK"``); overrides its ``.cpg``.

    Returns
    -------
    Layer

    Raises
    ------
    LayerReadError, LayerNotFoundError, CRSError, GeometryError, RoleError

    Examples
    --------
    >>> read_layer("no/such/demo.gpkg:STBHHX")
    Traceback (most recent call last):
    ...
    ecospace.errors.LayerReadError: no/such/demo.gpkg:STBHHX: no such file or folder; ...
    """
    if engine not in ENGINES:
        raise LayerReadError(f"engine {engine!r} is not available; use one of {ENGINES}")
    if role is not None:
        _check_role(role, f"{spec}")
    if is_database(spec):
        return _read_database(
            spec,
            role=role,
            crs=crs,
            crs_fallback=crs_fallback,
            near=near,
            boundary=boundary,
            repair=repair,
            aliases=aliases,
        )
    path, layer = split_spec(spec)
    p = check_exists(spec if layer is None else path)
    names = list_layers(path)
    name = pick_layer(path, names, layer, role, aliases)
    label = f"{display_path(path)}:{name}"
    raw = read_raw(p, path, name, engine=engine, label=label, encoding=encoding)
    return _finish(
        raw.gdf,
        fids=raw.fids,
        path=display_path(path),
        name=name,
        label=label,
        role=role,
        crs=crs,
        crs_fallback=crs_fallback,
        near=near,
        boundary=boundary,
        repair=repair,
        aliases=aliases,
        encoding=raw.encoding,
        enc_how=raw.enc_how,
        counts=raw.counts,
        notes=raw.notes,
        mojibake=raw.mojibake,
        geojson=p.suffix.lower() in (".geojson", ".json"),
        unclosed=raw.unclosed,
        unreadable=raw.unreadable,
    )


def _read_database(spec: str, *, role, crs, crs_fallback, near, boundary, repair, aliases):
    """A PostGIS table as a Layer: the table its spec names, or the one with ``role``."""
    src = _postgis.parse_source(spec)
    if src.table is None:
        names = _postgis.list_tables(src)
        src = src.with_table(pick_layer(src.label, names, None, role, aliases))
    table, table_crs = _postgis.describe_table(src)
    name = f"{table.schema}.{table.name}"
    gdf, fids = _postgis.read_table(src, table, table_crs)
    notes = []
    if _postgis.laundered(gdf):
        gdf = gdf.rename(columns=_postgis.upper_fields(gdf))
        notes.append("field names upper-cased (ogr2ogr and shp2pgsql write them in lower case)")
    layer = _finish(
        gdf,
        fids=fids,
        path=src.label,
        name=name,
        label=f"{src.label}:{name}",
        role=role,
        crs=crs,
        crs_fallback=crs_fallback,
        near=near,
        boundary=boundary,
        repair=repair,
        aliases=aliases,
        encoding="UTF-8",
        enc_how="PostgreSQL",
        counts={},
        notes=notes,
        mojibake=[],
        geojson=False,
    )
    if layer.crs_how == "file":
        layer.crs_how = f"PostGIS SRID {table.srid}"
        layer.report.notes[0] = layer.report.notes[0].replace("(file)", f"({layer.crs_how})")
    return layer


def _finish(
    gdf,
    *,
    fids,
    path,
    name,
    label,
    role,
    crs,
    crs_fallback,
    near,
    boundary,
    repair,
    aliases,
    encoding,
    enc_how,
    counts,
    notes,
    mojibake,
    geojson,
    unclosed=(),
    unreadable=None,
) -> Layer:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise GeometryError(
            f"{label}: has no geometry column (an attribute table); it cannot be a planning layer"
        )
    gdf = gdf.reset_index(drop=True)
    for col in ("fid", "src_fid"):  # attribute columns that happen to use our names
        if col in gdf.columns:
            gdf = gdf.rename(columns={col: f"{col}_attr"})
    gdf["fid"] = np.arange(len(gdf), dtype=np.int64)
    gdf["src_fid"] = (
        np.asarray(fids, dtype=np.int64) if len(fids) == len(gdf) else gdf["fid"].to_numpy()
    )
    types = gdf.geometry.geom_type.fillna("null").value_counts()
    found = ", ".join(f"{n} {t}" for t, n in types.items()) or "no features"
    if counts.get("unreadable"):
        found += f"; {counts['unreadable']} unreadable (a ring GEOS cannot build, e.g. NaN)"
    polygonal = types.reindex(["Polygon", "MultiPolygon", "GeometryCollection"]).fillna(0).sum()
    if role is not None and polygonal == 0:
        raise RoleError(
            f"{label}: given role {role} ({ROLE_LABELS[role]['zh']}) needs polygons, but the "
            f"layer holds {found}; check the layer name in --role / the plan file"
        )
    by_name = role_of(name, aliases)
    if role is not None and by_name is not None and by_name != role:
        if {role, by_name} != {"boundary", "townships"}:
            raise RoleError(
                f"{label}: the layer name says {by_name} ({ROLE_LABELS[by_name]['zh']}), but role "
                f"{role} was given; check --role / the plan file (to really use it as {role}, "
                f"add an alias {name}={role})"
            )
    b, huge = _bounds(gdf)
    if b is None:
        raise GeometryError(f"{label}: no usable coordinates (found: {found}); export it again")
    if len(huge):
        raise GeometryError(
            f"{label}: feature(s) fid {', '.join(map(str, huge[:5]))} have coordinates up to "
            f"{np.abs(b).max():.4g}, outside any coordinate system used in China; "
            f"the layer is corrupt or in wrong units — fix or delete those features"
        )
    res = resolve_crs(
        gdf.crs,
        b,
        user_crs=crs,
        near=near,
        label=label,
        file_crs_is_default=geojson,
        user_is_fallback=crs_fallback,
        points=_centres(gdf),
    )
    # plain shapely objects: the file's CRS (which res may override) must not come along
    geom = np.asarray(gdf.geometry.values, dtype=object)
    if res.swap_xy:
        geom = shapely.transform(geom, lambda c: c[:, ::-1])
        counts["swapped_xy"] = len(gdf)
    gdf = gdf.set_geometry(gpd.GeoSeries(geom, index=gdf.index, crs=res.crs), crs=res.crs)
    if gdf.crs is None or not pyproj.CRS.from_user_input(gdf.crs).equals(res.crs):
        gdf = gdf.set_crs(res.crs, allow_override=True)
    old_datum = datum_warning(res.crs, label)
    if old_datum:
        log.warning("%s", old_datum)

    report = ValidationReport(label)
    report.counts.update({k: v for k, v in counts.items() if v and k != "unreadable"})
    if mojibake:
        report.counts["mojibake_field_names"] = len(mojibake)
        notes.append(f"mojibake field names (cut mid-character at 10 bytes): {', '.join(mojibake)}")
    notes.insert(0, f"CRS {describe(res.crs)} ({res.how})")
    if encoding is not None:
        notes.insert(1, f"encoding {encoding} ({enc_how})")
    if old_datum:
        notes.append(old_datum.split(": ", 1)[1])
    report.notes.extend(notes)
    report_closed_rings(report, gdf, unclosed)
    report_unreadable(report, unreadable or {}, gdf.crs)
    bnd = getattr(boundary, "gdf", boundary)
    gdf, report = validate_layer(gdf, layer_label=label, boundary=bnd, repair=repair, report=report)

    if role is None:
        role = by_name
        if role == "boundary" and _township_like(gdf):
            role = "townships"
    return Layer(gdf, path, name, role, res.how, encoding, report, enc_how)


# ---------------------------------------------------------------- several sources


def read_sources(
    sources: Iterable[str],
    *,
    roles: Mapping[str, str | None] | None = None,
    aliases: Mapping[str, str] | None = None,
    crs=None,
    crss: Mapping[str, object] | None = None,
    encodings: Mapping[str, str] | None = None,
    engine: Engine = "pyogrio",
    repair: bool = True,
    only_roles: bool = False,
    errors: list[tuple[str, Exception]] | None = None,
) -> list[Layer]:
    """Read every layer of several sources, judged together (the county boundary first).

    A layer whose Gauss–Krüger zone cannot be told alone (6-digit eastings, no ``.prj``)
    is read last, placed by the county boundary or, without one, by every other layer
    read.  A layer whose user-given CRS puts it away from all the others is an error
    naming that layer.  A township-level ``XZQ`` with no county-level layer beside it
    gives the county boundary too (dissolved, reported: :func:`county_from_townships`).

    Parameters
    ----------
    sources : iterable of str
        ``PATH`` (every layer in it; a folder with its sub-folders) or ``PATH:LAYER``.
    roles : mapping, optional
        Layer name (or ``PATH:LAYER``) -> role; ``None``/``"none"`` ignores the layer.
    aliases : mapping, optional
        Extra layer names for roles (see :func:`role_of`).
    crs : CRS-like, optional
        For layers whose file has none, or one their coordinates contradict.
    crss : mapping, optional
        Layer name (or ``PATH:LAYER``) -> CRS of that layer; overrides its file's CRS.
    encodings : mapping, optional
        Layer name (or ``PATH:LAYER``) -> text encoding of that shapefile's attributes.
    engine : {"pyogrio", "fiona"}
    repair : bool
    only_roles : bool
        Skip (do not read) layers with no role.
    errors : list, optional
        When given, a layer that cannot be read (or is misplaced by its given CRS) is
        appended as ``(label, error)`` and skipped instead of raising.

    Returns
    -------
    list of Layer
        Unrecognised layers have ``role=None``.

    Examples
    --------
    >>> read_sources([])
    []
    """
    planned = plan_reads(
        sources,
        roles=roles or {},
        aliases=aliases,
        crss=crss or {},
        encodings=encodings or {},
        only_roles=only_roles,
    )
    kwargs = {"engine": engine, "repair": repair, "aliases": aliases}
    out: list[Layer] = []
    deferred: list[Planned] = []
    county = None  # a county boundary whose place is certain (its CRS not given by the user)
    checked: set[int] = set()  # layers read against the county
    for item in planned:
        try:
            layer = _read_planned(item, crs, county, **kwargs)
        except ZoneError:  # 6-digit eastings: read again once the others place them
            deferred.append(item)
            continue
        except EcospaceError as exc:
            if errors is None:
                raise
            errors.append((item.label, exc))
            continue
        if county is not None:
            checked.add(id(layer))
        elif layer.role == "boundary" and not layer.crs_how.startswith("user"):
            county = layer
        out.append(layer)
    for item in deferred:
        try:
            out.append(_read_planned(item, crs, None, near=reference_for(out), **kwargs))
        except EcospaceError as exc:
            if errors is None:
                raise
            errors.append((item.label, exc))
    for layer, exc in check_user_crs(out):
        if errors is None:
            raise exc
        errors.append((layer.label, exc))
        out.remove(layer)
    if not any(lay.role == "boundary" for lay in out):
        xzq = [lay for lay in out if lay.role == "townships" and role_of(lay.name) == "boundary"]
        if xzq:
            out.insert(0, county_from_townships(xzq[0]))
    county = next((lay for lay in out if lay.role == "boundary"), None)
    if county is not None:
        for layer in out:
            if layer.role != "boundary" and id(layer) not in checked:
                report_outside(layer.gdf, layer.report, county.gdf)
    out.sort(key=lambda lay: lay.role != "boundary")  # stable: the county first
    return out


def _read_planned(item: Planned, crs, county, *, near=None, **kwargs) -> Layer:
    own = item.crs is not None
    return read_layer(
        item.label,
        role=None if item.role is ... else item.role,
        crs=item.crs if own else crs,
        crs_fallback=not own,
        near=county if near is None else near,
        boundary=county,
        encoding=item.encoding,
        **kwargs,
    )


def load_layers(
    sources: Iterable[str],
    *,
    roles: Mapping[str, str | None] | None = None,
    aliases: Mapping[str, str] | None = None,
    crs=None,
    crss: Mapping[str, object] | None = None,
    encodings: Mapping[str, str] | None = None,
    engine: Engine = "pyogrio",
    repair: bool = True,
) -> dict[str, Layer]:
    """Read the layers of several sources and return them by role.

    Layers whose role is not recognised are skipped (logged); two layers claiming one
    role raise :class:`RoleError` naming both, unless ``roles`` settles it.

    Parameters
    ----------
    sources, roles, aliases, crs, crss, encodings, engine, repair
        As in :func:`read_sources`.

    Returns
    -------
    dict of role -> Layer
        In the order of :data:`ROLES`.

    Examples
    --------
    >>> load_layers([])
    {}
    """
    layers = read_sources(
        sources,
        roles=roles,
        aliases=aliases,
        crs=crs,
        crss=crss,
        encodings=encodings,
        engine=engine,
        repair=repair,
        only_roles=True,
    )
    by_role: dict[str, Layer] = {}
    for layer in layers:
        if layer.role is None:
            continue
        if layer.role in by_role:
            other = by_role[layer.role]
            raise RoleError(
                f"two layers claim role {layer.role} ({ROLE_LABELS[layer.role]['zh']}): "
                f"{other.label} and {layer.label}; choose one with --role "
                f"{layer.name}=none (or name the other), or list only one source"
            )
        by_role[layer.role] = layer
    return {r: by_role[r] for r in ROLES if r in by_role}
