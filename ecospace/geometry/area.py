"""Area of polygons, the way Chinese land statistics compute it.

Three methods, always named next to the figure they produced:

``ellipsoid`` (default)
    The official 椭球面积 of 国土调查办发〔2008〕32号: every vertex is taken back to
    geodetic latitude and longitude on the datum ellipsoid of the layer's CRS (CGCS2000,
    Xian 80, Beijing 54, WGS 84 …) and the signed trapezoids between each edge and a
    reference meridian are summed.  Vectorised over all vertices of a layer.
``geodesic``
    GeographicLib through :class:`pyproj.Geod` on the same ellipsoid (edges are
    geodesics); the independent cross-check.
``planar``
    Shoelace area in a projected CRS (a Gauss–Krüger zone or an equal-area projection),
    converted to m² from the CRS's axis unit (US survey feet, …).  Refused for geographic
    CRSs and Mercator projections (Web Mercator overstates area by about 1/cos²φ); an
    :class:`AreaDistortionWarning` when the data lie outside the zone of a transverse
    Mercator CRS, or where another projection's area scale is off by more than 0.1 %.

All areas are square metres; convert with :mod:`ecospace.units` for display.  The
ellipsoidal methods live in :mod:`ecospace.geometry._area_ellipsoidal`, the planar one in
:mod:`ecospace.geometry._area_planar`; this module takes geometries and a CRS and
dispatches.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyproj
import shapely

from ecospace.errors import CRSError, FieldError, MethodError
from ecospace.geometry._area_ellipsoidal import (
    MAX_EDGE_M,
    _densify,
    _ellipsoid,
    _ellipsoid_ring_areas,
    _geodesic_ring_areas,
    _geodetic,
    _polygon_rings,
    series_coefficients,
)
from ecospace.geometry._area_planar import AreaDistortionWarning, _planar_areas
from ecospace.units import UNITS, normalize_unit
from ecospace.vocabulary import METHOD_LABELS, METHOD_SHORT, METHODS, Method

__all__ = [
    "MAX_EDGE_M",
    "METHODS",
    "METHOD_LABELS",
    "METHOD_SHORT",
    "AreaDistortionWarning",
    "areas",
    "compare_area_field",
    "method_label",
    "series_coefficients",
    "total_area",
]

log = logging.getLogger("ecospace")


def _check_method(method: str) -> str:
    if method not in METHODS:
        raise MethodError(f"unknown area method {method!r}; choose one of {', '.join(METHODS)}")
    return method


def _as_crs(crs: Any, what: str = "crs") -> pyproj.CRS:
    try:
        return pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(
            f"{what} {crs!r} is not a CRS pyproj knows; give an EPSG code such as 4490 "
            "(CGCS2000 geographic) or 4529 (CGCS2000 3° Gauss–Krüger zone 41)"
        ) from exc


def _geometry_array(geoms: Any) -> np.ndarray:
    if hasattr(geoms, "geometry") and hasattr(geoms, "columns"):  # a GeoDataFrame
        geoms = geoms.geometry
    if isinstance(geoms, shapely.Geometry):
        geoms = [geoms]
    return np.asarray(getattr(geoms, "values", geoms), dtype=object).ravel()


def _layer_crs(geoms: Any, crs: Any) -> pyproj.CRS:
    if crs is None:
        crs = getattr(geoms, "crs", None)
    if crs is None:
        raise CRSError(
            "the geometries have no CRS; pass crs= (e.g. crs=4490 for CGCS2000 "
            "longitude/latitude, crs=4529 for Gauss–Krüger zone 41 with zone prefix)"
        )
    return _as_crs(crs)


def areas(
    geoms: Any,
    crs: Any = None,
    *,
    method: Method = "ellipsoid",
    planar_crs: Any = None,
) -> np.ndarray:
    """Area in square metres of each geometry.

    Parameters
    ----------
    geoms : GeoSeries, GeoDataFrame, array-like of shapely geometries or one geometry
        Polygons and multipolygons (holes subtract; ring orientation does not matter).
        Points, lines, ``None`` and empty geometries have area 0; collections count
        their polygonal parts.
    crs : CRS-like, optional
        CRS of the coordinates; by default ``geoms.crs``.
    method : {"ellipsoid", "geodesic", "planar"}, default "ellipsoid"
        ``ellipsoid``: the official series of 国土调查办发〔2008〕32号 on the datum
        ellipsoid of ``crs``; ``geodesic``: GeographicLib (:class:`pyproj.Geod`) on the
        same ellipsoid; ``planar``: area in ``planar_crs`` (default: ``crs`` if projected).
    planar_crs : CRS-like, optional
        Projected CRS for ``method="planar"``; Mercator projections are refused.

    Returns
    -------
    numpy.ndarray
        One float per geometry, m².

    Raises
    ------
    CRSError
        No CRS is given or known.
    MethodError
        Unknown method, or planar area asked for in degrees or Web Mercator.
    GeometryError
        Non-finite coordinates, or vertices outside the CRS's domain.

    Notes
    -----
    With geodetic latitude :math:`B` and longitude :math:`L` (radians) of every vertex,

    .. math::

        F(B) = b^2 (A\\sin B - B'\\sin 3B + C\\sin 5B - D\\sin 7B + E\\sin 9B),
        \\qquad S_\\text{ring} = \\Bigl|\\sum_i \\tfrac12 (L_i + L_{i+1} - 2L_0)
        \\,\\bigl(F(B_{i+1}) - F(B_i)\\bigr)\\Bigr|

    where A, B′, C, D, E are :func:`series_coefficients` and :math:`L_0` is the ring's
    first longitude.  Since :math:`2\\sin(k\\Delta B/2)\\cos(kB_m) = \\sin kB_2 - \\sin kB_1`,
    each edge term equals the official trapezoid
    :math:`2b^2\\Delta L\\,[A\\sin\\tfrac{\\Delta B}{2}\\cos B_m
    - B'\\sin\\tfrac{3\\Delta B}{2}\\cos 3B_m + \\dots]`,
    but needs one :math:`F` per vertex.  :math:`F` is evaluated against the ring's first
    vertex, :math:`F(B) - F(B_0)` by the same identity, so small parcels keep their digits
    (1e-13 relative to the formula evaluated in extended precision, 1 m to 100 km).  A
    polygon's area is its exterior ring minus its holes; a multipolygon's is the sum of its
    parts.  The series and GeographicLib differ on long edges (straight in (L, F(B)) vs
    geodesic): by ~1e-6 relative for an undensified 300 m parcel, by < 1e-8 once edges are
    ~10 m long.

    Examples
    --------
    One degree of longitude by one of latitude just north of the equator, on CGCS2000:

    >>> from shapely import box
    >>> float(areas([box(120, 0, 121, 1)], crs=4490)[0].round(0))
    12308463894.0

    Planar area of a 100 m square in Gauss–Krüger zone 41:

    >>> sq = box(41500000, 5000000, 41500100, 5000100)
    >>> areas([sq], crs=4529, method="planar").tolist()
    [10000.0]
    """
    _check_method(method)
    crs = _layer_crs(geoms, crs)
    geoms = _geometry_array(geoms)
    if method == "planar":
        target = crs if planar_crs is None else _as_crs(planar_crs, "planar_crs")
        what = "the layer's CRS" if planar_crs is None else "planar_crs"
        return _planar_areas(geoms, crs, target, what)
    a, b = _ellipsoid(crs)
    out = np.zeros(len(geoms))
    if len(geoms) == 0:
        return out
    rings, ring_feature, exterior = _polygon_rings(geoms)
    if len(rings) == 0:
        return out
    counts = shapely.get_num_coordinates(rings)
    keep = counts >= 4  # a ring of fewer points encloses nothing
    rings, ring_feature, exterior, counts = (
        rings[keep],
        ring_feature[keep],
        exterior[keep],
        counts[keep],
    )
    if len(rings) == 0:
        return out
    starts = np.zeros(len(rings), dtype=np.intp)
    np.cumsum(counts[:-1], out=starts[1:])
    xy = shapely.get_coordinates(rings)
    middle = None
    if method == "ellipsoid" and not crs.is_geographic:
        # an edge drawn straight in a projected plane is no straight line in (B, L)
        max_len = MAX_EDGE_M / crs.axis_info[0].unit_conversion_factor
        xy, starts, counts, middle = _densify(xy, starts, counts, max_len)
    lon, lat, unit = _geodetic(xy, crs, np.repeat(ring_feature, counts))
    if method == "geodesic":
        ring_area = _geodesic_ring_areas(lon, lat, unit, starts, counts, a, b)
    else:
        ring_area = _ellipsoid_ring_areas(lon, lat, unit, starts, counts, a, b, middle)
    signed = np.where(exterior, ring_area, -ring_area)
    return np.bincount(ring_feature, weights=signed, minlength=len(geoms))


def total_area(
    geoms: Any,
    crs: Any = None,
    *,
    method: Method = "ellipsoid",
    planar_crs: Any = None,
) -> float:
    """Sum of the areas (m²) of all geometries; overlaps are counted twice.

    For the area covered by a layer (overlaps once) use ``overlap.union_area``.

    Examples
    --------
    >>> from shapely import box
    >>> total_area([box(0, 0, 100, 100), box(0, 0, 50, 50)], crs=4529, method="planar")
    12500.0
    """
    return float(areas(geoms, crs, method=method, planar_crs=planar_crs).sum())


def method_label(
    method: str,
    crs: Any = None,
    lang: Literal["zh", "en"] = "zh",
    *,
    planar_crs: Any = None,
) -> str:
    """Name of an area method for reports: the ellipsoid, or the projection for planar.

    Parameters
    ----------
    method : {"ellipsoid", "geodesic", "planar"}
    crs : CRS-like, optional
        The layer's CRS: names the ellipsoid (``ellipsoid``, ``geodesic``), or the
        projection (``planar`` without ``planar_crs``).
    lang : {"zh", "en"}
    planar_crs : CRS-like, optional
        The projected CRS planar areas were taken in, when not the layer's own.

    Examples
    --------
    >>> method_label("ellipsoid", 4490)
    '椭球面积（国土调查办发〔2008〕32号，CGCS2000椭球）'
    >>> method_label("ellipsoid", 4610, "en")
    'ellipsoidal area (2008 national land survey formula, IAG 1975 ellipsoid)'
    >>> method_label("planar", 4490, planar_crs=4529)
    '平面面积（投影坐标，EPSG:4529 CGCS2000 / 3-degree Gauss-Kruger zone 41）'
    """
    _check_method(method)
    label = METHOD_LABELS[method][lang]
    if method == "planar":
        target = planar_crs if planar_crs is not None else crs
        if target is None:
            return label
        target = _as_crs(target, "planar_crs" if planar_crs is not None else "crs")
        if not target.is_projected:
            return label
        code = target.to_epsg()
        name = f"EPSG:{code} {target.name}" if code else target.name
        if lang == "zh":
            return f"平面面积（投影坐标，{name}）"
        return f"planar area (projected coordinates, {name})"
    if crs is None:
        return label
    ell = _as_crs(crs).ellipsoid
    name = "?" if ell is None else ell.name
    if method == "ellipsoid":
        if lang == "zh":
            return f"椭球面积（国土调查办发〔2008〕32号，{name}椭球）"
        return f"ellipsoidal area (2008 national land survey formula, {name} ellipsoid)"
    if lang == "zh":
        return f"测地线面积（GeographicLib，边为{name}椭球面上的大地线）"
    return f"geodesic area (GeographicLib, edges are geodesics on the {name} ellipsoid)"


def _numeric_field(gdf: Any, field: str) -> np.ndarray:
    """The values of ``field`` as floats (NaN where missing); text that is no number is refused."""
    values = gdf[field]
    stored = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    given = values.notna().to_numpy()
    if given.any() and not np.isfinite(stored[given]).any():
        numeric = [
            str(c)
            for c in gdf.columns
            if c not in (gdf.geometry.name, "fid") and pd.api.types.is_numeric_dtype(gdf[c])
        ]
        hint = f"such as {', '.join(numeric)}" if numeric else "(the layer has no numeric field)"
        kind = "text" if pd.api.types.is_string_dtype(values) else values.dtype.name
        raise FieldError(
            f"field {field!r} is not numeric ({kind}, e.g. {values[given].iloc[0]!r}); "
            f"pick an area field {hint}"
        )
    return stored


#: ArcGIS's own geometry fields: area and length in the units of the layer's CRS
_ARCGIS_AREA_FIELDS = ("shape_area", "shape.area", "st_area(shape)")


def _refuse_degree_areas(gdf: Any, field: str, stored: np.ndarray) -> None:
    """Refuse a stored area of a geographic layer that is in square degrees.

    ArcGIS keeps ``Shape_Area`` in the units of the layer's CRS: in EPSG:4490 that is
    degrees², some 1e-10 of the area in m².  Refused by its name, and for any field whose
    values are the features' planar areas in degrees (within 1 %).
    """
    crs = gdf.crs
    if crs is None or not pyproj.CRS.from_user_input(crs).is_geographic:
        return
    deg2 = shapely.area(np.asarray(gdf.geometry.values, dtype=object))
    ok = np.isfinite(stored) & (deg2 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.median(stored[ok] / deg2[ok]) if ok.any() else np.nan
    if str(field).lower() in _ARCGIS_AREA_FIELDS or abs(ratio - 1) < 0.01:
        raise FieldError(
            f"field {field!r} holds areas in square degrees (the layer's CRS "
            f"{pyproj.CRS.from_user_input(crs).name} is geographic, and ArcGIS stores "
            f"{field} in its units), not m² or ha; compare a surveyed area field (TBMJ, MJ …) "
            f"instead"
        )


def compare_area_field(
    gdf: Any,
    field: str,
    *,
    method: Method = "ellipsoid",
    unit: str = "m2",
    tolerance_m2: float = 1.0,
    tolerance_rel: float = 1e-4,
    planar_crs: Any = None,
) -> pd.DataFrame:
    """Features whose stored area field differs from the recomputed area.

    Parameters
    ----------
    gdf : GeoDataFrame
        The layer, with its CRS set.
    field : str
        Name of the stored-area column (``TBMJ``, ``YJJBNTTBMJ`` are m²; ``MJ`` is often ha).
    method : {"ellipsoid", "geodesic", "planar"}, default "ellipsoid"
        How to recompute (see :func:`areas`).
    unit : str, default "m2"
        Unit of the stored values (m2, ha, km2, mu, wanmu or 公顷 …).
    tolerance_m2, tolerance_rel : float
        A feature is listed when ``|stored − computed| > max(tolerance_m2,
        tolerance_rel × computed)``, or when its stored value is missing or not a number.
    planar_crs : CRS-like, optional
        For ``method="planar"``.

    Raises
    ------
    FieldError
        ``field`` is not in the layer, holds text that is not numbers (a name field), or
        holds areas in square degrees (``Shape_Area`` of a geographic layer).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``gdf``, one row per listed feature, with columns ``src_fid`` (the
        source's feature id QGIS shows) and ``fid`` (when ``gdf`` has them), ``stored``
        (as written, in ``unit``), ``stored_m2``, ``computed_m2``, ``difference_m2``
        (stored − computed), ``difference_rel`` (difference / computed) and ``problem``
        (``"differs"`` or ``"missing"``).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> gdf = gpd.GeoDataFrame({"MJ": [1.0, 2.0]}, crs=4529,
    ...     geometry=[box(41500000, 5e6, 41500100, 5e6 + 100)] * 2)
    >>> compare_area_field(gdf, "MJ", unit="ha", method="planar")[["stored", "difference_m2"]]
       stored  difference_m2
    1     2.0        10000.0
    """
    if field not in gdf.columns:
        fields = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
        raise FieldError(f"no field {field!r} in the layer; its fields are: {fields}")
    factor = UNITS[normalize_unit(unit)]
    stored = _numeric_field(gdf, field)
    _refuse_degree_areas(gdf, field, stored)
    computed = areas(gdf.geometry, method=method, planar_crs=planar_crs)
    stored_m2 = stored * factor
    diff = stored_m2 - computed
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(computed > 0, diff / computed, np.nan)
    missing = ~np.isfinite(stored_m2)
    differs = np.abs(diff) > np.maximum(tolerance_m2, tolerance_rel * computed)
    listed = missing | differs
    out = pd.DataFrame(
        {
            "stored": gdf[field].to_numpy(),
            "stored_m2": stored_m2,
            "computed_m2": computed,
            "difference_m2": diff,
            "difference_rel": rel,
            "problem": np.where(missing, "missing", "differs"),
        },
        index=gdf.index,
    )
    if "fid" in gdf.columns:
        out.insert(0, "fid", gdf["fid"].to_numpy())
    if "src_fid" in gdf.columns:
        out.insert(0, "src_fid", gdf["src_fid"].to_numpy())
    out = out[listed]
    if len(out):
        log.debug("%d of %d features: %s differs from the computed area", len(out), len(gdf), field)
    return out
