"""One working CRS for overlay, and layers reprojected to it with their edges kept.

The working CRS is the most common projected CRS among the layers, else the CGCS2000 3°
Gauss–Krüger zone of the data's centre.  :func:`reproject` splits long edges in the
source CRS before transforming, so an edge keeps the line it is drawn as.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from ecospace.errors import CRSError
from ecospace.geometry._crs_codes import gk_zone_epsg, parse_crs


def _crs_and_bounds(item):
    item = getattr(item, "gdf", item)
    if isinstance(item, gpd.GeoDataFrame | gpd.GeoSeries):
        return item.crs, (item.total_bounds if len(item) else None)
    return parse_crs(item), None


def working_crs(items: Iterable) -> pyproj.CRS:
    """One projected CRS in which to overlay layers.

    The most common projected CRS among the items; when all are geographic, the
    CGCS2000 3° Gauss–Krüger zone (with zone prefix) of the data's centre.

    Parameters
    ----------
    items : iterable of GeoDataFrame, Layer or CRS-like
        CRS-likes alone cannot give a centre: pass GeoDataFrames when all are geographic.

    Returns
    -------
    pyproj.CRS

    Examples
    --------
    >>> working_crs(["EPSG:4490", "EPSG:4529", "EPSG:4529"]).to_epsg()
    4529
    """
    crss, boxes = [], []
    for item in items:
        crs, b = _crs_and_bounds(item)
        if crs is None:
            raise CRSError("working_crs: a layer has no CRS; read layers with ecospace.read_layer")
        crss.append(pyproj.CRS.from_user_input(crs))
        if b is not None and np.all(np.isfinite(b)):
            boxes.append(gpd.GeoSeries.from_xy([b[0], b[2]], [b[1], b[3]], crs=crs).to_crs(4490))
    if not crss:
        raise CRSError("working_crs: no layers given")
    projected = Counter(c.to_wkt() for c in crss if c.is_projected)
    if projected:
        best = max(projected.values())
        for c in crss:  # first one among the most common
            if c.is_projected and projected[c.to_wkt()] == best:
                return c
    if not boxes:
        raise CRSError(
            "working_crs: all CRSs are geographic and no coordinates were given to find the "
            "Gauss–Krüger zone; pass GeoDataFrames or Layers"
        )
    b = gpd.GeoSeries(np.concatenate([s.values for s in boxes]), crs=4490).total_bounds
    zone = round((b[0] + b[2]) / 2 / 3)
    return pyproj.CRS.from_epsg(gk_zone_epsg(zone))


#: metres per degree of latitude (CGCS2000, mean): a degree of longitude is never longer
METRES_PER_DEGREE = 111_320.0
#: :func:`reproject` splits edges to at most this length (metres) in the source CRS.  A
#: part straight in the source CRS becomes a chord of a curve of curvature κ ≤ 2.1e-7 m⁻¹
#: in the target (tan B / N, China's north), off it by the lens κ s³ / 12: ≤ 2.2e-3 m² per
#: 50 m part, ≤ 4.4e-5 m² per metre of outline (a 1 000 km red line: ≤ 44 m², 0.0044 ha,
#: and far less since opposite edges bend alike and cancel); an edge of 10 km left whole
#: is off its line by ~1 m and moves thousands of m² across a shared boundary.
REPROJECT_EDGE_M = 50.0


def reproject(gdf: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:
    """``gdf`` in ``crs``, its edges first split where they are long, so each keeps its line.

    An edge is straight in the CRS it is drawn in: straight in latitude/longitude for
    EPSG:4490, straight in the plane for a Gauss–Krüger zone.  Projecting only its two
    ends would make it straight in the target CRS instead, moving area from one side of
    a shared boundary to the other (a 10 km edge: ~1 m off its line, thousands of m²).
    Edges are therefore split with :func:`shapely.segmentize` in the source CRS to
    :data:`REPROJECT_EDGE_M` (50 m; in degrees for a geographic CRS:
    ``50 / 111 320``) before the vertices are transformed; the chords left in the target
    CRS bound the error as described there.

    Parameters
    ----------
    gdf : GeoDataFrame
        With a CRS.
    crs : CRS-like
        Target CRS.

    Returns
    -------
    GeoDataFrame
        A copy in ``crs`` (unchanged geometries when the CRS is already ``crs``).

    Examples
    --------
    A 1° edge along the 45th parallel becomes a curve of many vertices in zone 41:

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> g = gpd.GeoDataFrame(geometry=[box(123, 45, 124, 45.01)], crs=4490)
    >>> int(reproject(g, 4529).geometry.iloc[0].exterior.coords.__len__()) > 100
    True
    """
    target = parse_crs(crs)
    if gdf.crs is None:
        raise CRSError("reproject: the layer has no CRS; set one (read_layer(..., crs=...))")
    source = pyproj.CRS.from_user_input(gdf.crs)
    if source.equals(target):
        return gdf.copy()
    if source.is_geographic:
        max_len = REPROJECT_EDGE_M / METRES_PER_DEGREE
    else:
        max_len = REPROJECT_EDGE_M / source.axis_info[0].unit_conversion_factor
    out = gdf.copy()
    out.geometry = shapely.segmentize(np.asarray(gdf.geometry.values, dtype=object), max_len)
    return out.to_crs(target)


def to_working(layers: Mapping, crs=None) -> dict[str, gpd.GeoDataFrame]:
    """Reprojected copies of layers in one CRS, for overlay (see :func:`reproject`).

    Parameters
    ----------
    layers : mapping of role -> Layer or GeoDataFrame
    crs : CRS-like, optional
        Default: :func:`working_crs` of the layers.

    Returns
    -------
    dict of role -> GeoDataFrame

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame(geometry=[box(126, 45, 126.1, 45.1)], crs=4490)
    >>> to_working({"red_line": g})["red_line"].crs.to_epsg()
    4530
    """
    gdfs = {k: getattr(v, "gdf", v) for k, v in layers.items()}
    target = parse_crs(crs) if crs is not None else working_crs(gdfs.values())
    out = {}
    for key, gdf in gdfs.items():
        same = gdf.crs is not None and pyproj.CRS.from_user_input(gdf.crs).equals(target)
        out[key] = gdf.copy() if same else reproject(gdf, target)
    return out
