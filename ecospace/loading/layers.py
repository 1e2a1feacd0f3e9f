"""Read planning layers as they are delivered, recognise their roles, say what was found.

A layer is addressed as ``PATH[:LAYER]``.  Sources: GeoPackage, FileGDB (``.gdb``
folder, curves linearised), shapefile (UTF-8 or GBK, with or without ``.cpg``), a folder
of shapefiles, a ``.zip`` of shapefiles, GeoJSON, GeoParquet and PostGIS tables.  Every
layer comes back as a :class:`Layer`: repaired, 2D, polygonal, in its original CRS, with
a ``fid`` column (0-based position in the source), a ``src_fid`` column (the source's own
feature id, as QGIS shows it) and a report of what was found and changed.

:func:`read_layer` reads one layer; :func:`read_sources` and :func:`load_layers` read
several, judged together.  The :class:`Layer` itself, and how a frame as read becomes
one, are in :mod:`ecospace.loading._layer`; the sources in :mod:`ecospace.loading._sources`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from ecospace.errors import EcospaceError, LayerReadError, RoleError, ZoneError
from ecospace.loading import _postgis
from ecospace.loading._delivery import Found, Planned, plan_reads, search_sources
from ecospace.loading._inventory import (
    format_details,
    format_inventory,
    inventory,
    inventory_records,
)
from ecospace.loading._layer import (
    Layer,
    ReadOptions,
    _bounds,  # noqa: F401 - convert.py measures coordinates with it
    _centres,  # noqa: F401 - convert.py places coordinates with it
    finish_layer,
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
    RawLayer,
    check_exists,
    display_path,
    list_layers,
    pick_layer,
    read_raw,
    split_spec,
)
from ecospace.loading.validate import report_outside

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

Engine = Literal["pyogrio", "fiona"]
ENGINES = ("pyogrio", "fiona")


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
    options = ReadOptions(
        role=role,
        crs=crs,
        crs_fallback=crs_fallback,
        near=near,
        boundary=boundary,
        repair=repair,
        aliases=aliases,
    )
    if is_database(spec):
        return _read_database(spec, options)
    path, layer = split_spec(spec)
    p = check_exists(spec if layer is None else path)
    names = list_layers(path)
    name = pick_layer(path, names, layer, role, aliases)
    label = f"{display_path(path)}:{name}"
    raw = read_raw(p, path, name, engine=engine, label=label, encoding=encoding)
    return finish_layer(
        raw,
        path=display_path(path),
        name=name,
        label=label,
        options=options,
        geojson=p.suffix.lower() in (".geojson", ".json"),
    )


def _read_database(spec: str, options: ReadOptions) -> Layer:
    """A PostGIS table as a Layer: the table its spec names, or the one with ``role``."""
    src = _postgis.parse_source(spec)
    if src.table is None:
        names = _postgis.list_tables(src)
        src = src.with_table(pick_layer(src.label, names, None, options.role, options.aliases))
    table, table_crs = _postgis.describe_table(src)
    name = f"{table.schema}.{table.name}"
    gdf, fids = _postgis.read_table(src, table, table_crs)
    notes = []
    if _postgis.laundered(gdf):
        gdf = gdf.rename(columns=_postgis.upper_fields(gdf))
        notes.append("field names upper-cased (ogr2ogr and shp2pgsql write them in lower case)")
    raw = RawLayer(gdf, fids, encoding="UTF-8", enc_how="PostgreSQL", notes=notes)
    layer = finish_layer(
        raw, path=src.label, name=name, label=f"{src.label}:{name}", options=options
    )
    if layer.crs_how == "file":
        layer.crs_how = f"PostGIS SRID {table.srid}"
        layer.report.notes[0] = layer.report.notes[0].replace("(file)", f"({layer.crs_how})")
    return layer


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
