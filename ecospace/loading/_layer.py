"""A layer read, repaired and described (:class:`Layer`), and how a frame as read becomes one.

:func:`finish_layer` takes what a reader got (a :class:`~ecospace.loading._raw_layer.RawLayer`:
a file's frame or a PostGIS table's) and what the caller asked (:class:`ReadOptions`), and
gives each feature its ids, checks a given role against the layer's name and geometry,
settles the CRS from the file, the user and the coordinates, records how the layer was
read and validates it once.  The readers are in :mod:`ecospace.loading.layers`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from ecospace.errors import GeometryError, RoleError
from ecospace.geometry.crs import datum_warning, describe, resolve_crs
from ecospace.loading._raw_layer import RawLayer
from ecospace.loading._roles import ROLE_LABELS, role_of
from ecospace.loading.validate import (
    ValidationReport,
    report_closed_rings,
    report_unreadable,
    validate_layer,
)

__all__ = ["Layer", "ReadOptions", "finish_layer"]

log = logging.getLogger("ecospace")


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


@dataclass(frozen=True)
class ReadOptions:
    """What the caller asked of one layer's reading (the options of :func:`read_layer
    <ecospace.loading.layers.read_layer>`, kept together from reader to :func:`finish_layer`).

    Attributes
    ----------
    role : str or None
        The role given, or None to recognise it from the layer name.
    crs : CRS-like or None
        A CRS given by the user; with ``crs_fallback`` only where the file's is missing or
        contradicted by the coordinates.
    crs_fallback : bool
    near : (lon, lat), GeoDataFrame or Layer, optional
        Where the county lies (places eastings without zone prefix).
    boundary : GeoDataFrame or Layer, optional
        The county boundary: features outside it are reported.
    repair : bool
        Repair invalid polygons.
    aliases : mapping of layer name -> role, optional

    Examples
    --------
    >>> ReadOptions(role="red_line").repair
    True
    """

    role: str | None = None
    crs: object = None
    crs_fallback: bool = False
    near: object = None
    boundary: object = None
    repair: bool = True
    aliases: Mapping[str, str] | None = None


def finish_layer(
    raw: RawLayer,
    *,
    path: str,
    name: str,
    label: str,
    options: ReadOptions,
    geojson: bool = False,
) -> Layer:
    """A frame as read made a :class:`Layer`: ids, role checked, CRS settled, validated.

    Parameters
    ----------
    raw : RawLayer
        What the reader got; its ``counts`` and ``notes`` are added to.
    path, name, label : str
        The source as shown, the layer's name in it, and ``"source:layer"`` for messages.
    options : ReadOptions
    geojson : bool
        The file's CRS is only GeoJSON's default (WGS 84), not a statement about the data.

    Raises
    ------
    GeometryError, RoleError, CRSError

    Examples
    --------
    >>> from shapely import box
    >>> x, y = 41_500_000, 5_000_000  # zone 41, on its central meridian
    >>> raw = RawLayer(gpd.GeoDataFrame(geometry=[box(x, y, x + 100, y + 100)], crs=4529))
    >>> layer = finish_layer(raw, path="d.gpkg", name="STBHHX", label="d.gpkg:STBHHX",
    ...                      options=ReadOptions())
    >>> layer.role, layer.crs_how, layer.gdf["src_fid"].tolist(), layer.report.notes[0]
    ('red_line', 'file', [0], 'CRS EPSG:4529 CGCS2000 / 3-degree Gauss-Kruger zone 41 (file)')
    """
    if not isinstance(raw.gdf, gpd.GeoDataFrame):
        raise GeometryError(
            f"{label}: has no geometry column (an attribute table); it cannot be a planning layer"
        )
    gdf = _numbered(raw.gdf, raw.fids)
    by_name = _role_from_name(gdf, raw.counts, name=name, label=label, options=options)
    gdf, res, old_datum = _placed(gdf, raw.counts, label=label, options=options, geojson=geojson)
    report = _reading_report(raw, gdf, label=label, res=res, old_datum=old_datum)
    bnd = getattr(options.boundary, "gdf", options.boundary)
    gdf, report = validate_layer(
        gdf, layer_label=label, boundary=bnd, repair=options.repair, report=report
    )
    role = options.role
    if role is None:
        role = by_name
        if role == "boundary" and _township_like(gdf):
            role = "townships"
    return Layer(gdf, path, name, role, res.how, raw.encoding, report, raw.enc_how)


def _numbered(gdf: gpd.GeoDataFrame, fids) -> gpd.GeoDataFrame:
    """``fid`` (0-based position) and ``src_fid`` (the source's own id) on every feature."""
    gdf = gdf.reset_index(drop=True)
    for col in ("fid", "src_fid"):  # attribute columns that happen to use our names
        if col in gdf.columns:
            gdf = gdf.rename(columns={col: f"{col}_attr"})
    gdf["fid"] = np.arange(len(gdf), dtype=np.int64)
    gdf["src_fid"] = (
        np.asarray(fids, dtype=np.int64) if len(fids) == len(gdf) else gdf["fid"].to_numpy()
    )
    return gdf


def _found(gdf: gpd.GeoDataFrame, counts: dict) -> tuple[str, float]:
    """What the layer holds (``"3 Polygon, 1 Point"``) and how many features are polygonal."""
    types = gdf.geometry.geom_type.fillna("null").value_counts()
    found = ", ".join(f"{n} {t}" for t, n in types.items()) or "no features"
    if counts.get("unreadable"):
        found += f"; {counts['unreadable']} unreadable (a ring GEOS cannot build, e.g. NaN)"
    polygonal = types.reindex(["Polygon", "MultiPolygon", "GeometryCollection"]).fillna(0).sum()
    return found, polygonal


def _role_from_name(gdf, counts, *, name: str, label: str, options: ReadOptions) -> str | None:
    """The role the layer's name says; a given role the name or the geometry contradicts raises."""
    role = options.role
    found, polygonal = _found(gdf, counts)
    if role is not None and polygonal == 0:
        raise RoleError(
            f"{label}: given role {role} ({ROLE_LABELS[role]['zh']}) needs polygons, but the "
            f"layer holds {found}; check the layer name in --role / the plan file"
        )
    by_name = role_of(name, options.aliases)
    if role is not None and by_name is not None and by_name != role:
        if {role, by_name} != {"boundary", "townships"}:
            raise RoleError(
                f"{label}: the layer name says {by_name} ({ROLE_LABELS[by_name]['zh']}), but role "
                f"{role} was given; check --role / the plan file (to really use it as {role}, "
                f"add an alias {name}={role})"
            )
    return by_name


def _placed(gdf, counts, *, label: str, options: ReadOptions, geojson: bool):
    """The frame in the CRS its file, the user and its coordinates settle on (x/y swapped
    back if they were); the resolution and any warning about an old datum."""
    b, huge = _bounds(gdf)
    if b is None:
        found, _ = _found(gdf, counts)
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
        user_crs=options.crs,
        near=options.near,
        label=label,
        file_crs_is_default=geojson,
        user_is_fallback=options.crs_fallback,
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
    return gdf, res, old_datum


def _reading_report(raw: RawLayer, gdf, *, label: str, res, old_datum) -> ValidationReport:
    """A :class:`ValidationReport` holding how the layer was read, before validation."""
    report = ValidationReport(label)
    report.counts.update({k: v for k, v in raw.counts.items() if v and k != "unreadable"})
    notes = raw.notes
    if raw.mojibake:
        report.counts["mojibake_field_names"] = len(raw.mojibake)
        notes.append(
            f"mojibake field names (cut mid-character at 10 bytes): {', '.join(raw.mojibake)}"
        )
    notes.insert(0, f"CRS {describe(res.crs)} ({res.how})")
    if raw.encoding is not None:
        notes.insert(1, f"encoding {raw.encoding} ({raw.enc_how})")
    if old_datum:
        notes.append(old_datum.split(": ", 1)[1])
    report.notes.extend(notes)
    report_closed_rings(report, gdf, raw.unclosed)
    report_unreadable(report, raw.unreadable or {}, gdf.crs)
    return report
