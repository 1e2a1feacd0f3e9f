"""Where the layers of one delivery lie, judged together (private; for ecospace.loading.layers).

A layer read alone cannot always say where it is: 6-digit Gauss–Krüger eastings fit
every zone, and a ``--crs`` the user gives is believed.  Read with the others of its
delivery it can: the county boundary, the townships, the red line … all lie in one
county.  This module

* builds the reference that locates a layer without CRS (:func:`reference_for`): the
  county boundary when there is one, else every layer already read;
* refuses a user-given CRS that puts a layer away from all the others
  (:func:`check_user_crs`), naming that layer — not the others, which would otherwise
  all be reported as lying outside a misplaced county;
* makes the county of a township-level ``XZQ`` (:func:`county_from_townships`).
"""

from __future__ import annotations

import dataclasses
import logging
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely

from ecospace.errors import CRSError
from ecospace.geometry.crs import CGCS2000, COUNTY_MARGIN, describe, infer_crs
from ecospace.loading.validate import ValidationReport

if TYPE_CHECKING:
    from ecospace.loading.layers import Layer

__all__ = ["check_user_crs", "county_from_townships", "lonlat_box", "reference_for"]

log = logging.getLogger("ecospace")


def lonlat_box(gdf: gpd.GeoDataFrame) -> np.ndarray | None:
    """``(lon0, lat0, lon1, lat1)`` of a layer in CGCS2000 degrees; None when it has none.

    Examples
    --------
    >>> from shapely import box
    >>> g = gpd.GeoDataFrame(geometry=[box(126, 45, 127, 46)], crs=4490)
    >>> lonlat_box(g).tolist()
    [126.0, 45.0, 127.0, 46.0]
    """
    if gdf.crs is None or len(gdf) == 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        b = np.asarray(gdf.total_bounds, dtype=float)
        if not np.isfinite(b).all():
            return None
        corners = gpd.GeoSeries.from_xy(b[[0, 0, 2, 2]], b[[1, 3, 1, 3]], crs=gdf.crs)
        xy = shapely.get_coordinates(np.asarray(corners.to_crs(CGCS2000).values))
    if not np.isfinite(xy).all():
        return None
    return np.r_[xy.min(axis=0), xy.max(axis=0)]


def _boxes_frame(layers: Sequence[Layer]) -> gpd.GeoDataFrame | None:
    boxes = [b for b in (lonlat_box(lay.gdf) for lay in layers) if b is not None]
    if not boxes:
        return None
    return gpd.GeoDataFrame(geometry=[shapely.box(*b) for b in boxes], crs=CGCS2000)


def reference_for(layers: Sequence[Layer]) -> gpd.GeoDataFrame | None:
    """What locates a layer without CRS: the county boundary, else the townships, else all.

    Returns a GeoDataFrame in EPSG:4490 (one box per layer), or None when nothing has
    been read yet.  The county and its townships cover the county and no more; other
    layers may reach beyond it (a farmland layer of the neighbour county), so they count
    only when neither was delivered.

    Examples
    --------
    >>> reference_for([]) is None
    True
    """
    for role in ("boundary", "townships"):
        found = [lay for lay in layers if lay.role == role]
        if found:
            return _boxes_frame(found)
    return _boxes_frame(list(layers))


def _apart(a: np.ndarray, b: np.ndarray, margin: float = COUNTY_MARGIN) -> bool:
    """True when two lon/lat boxes are further apart than ``margin`` degrees."""
    return bool(
        a[0] > b[2] + margin or b[0] > a[2] + margin or a[1] > b[3] + margin or b[1] > a[3] + margin
    )


def check_user_crs(layers: Sequence[Layer]) -> list[tuple[Layer, CRSError]]:
    """Layers whose user-given CRS puts them away from every other layer, with the error.

    A layer whose CRS came from the user (``crs_how`` ``"user…"``) is compared with the
    layers whose CRS came from their files or was inferred (with all the others when
    every CRS was given).  When its lon/lat box lies more than
    :data:`~ecospace.geometry.crs.COUNTY_MARGIN` degrees from each of theirs, the CRS is wrong
    for it: the error names the layer, where the CRS puts it, where the others lie, and
    the CRS that would put it on them when the coordinates tell one.

    Examples
    --------
    >>> check_user_crs([])
    []
    """
    out = []
    given = [lay for lay in layers if lay.crs_how.startswith("user")]
    for layer in given:
        others = [lay for lay in layers if lay is not layer]
        trusted = [lay for lay in others if not lay.crs_how.startswith("user")] or others
        mine = lonlat_box(layer.gdf)
        theirs = [(lay, lonlat_box(lay.gdf)) for lay in trusted]
        theirs = [(lay, b) for lay, b in theirs if b is not None]
        if mine is None or not theirs or not all(_apart(mine, b) for _, b in theirs):
            continue
        out.append((layer, _misplaced(layer, mine, theirs)))
    return out


def _misplaced(layer: Layer, mine: np.ndarray, theirs) -> CRSError:
    ref = gpd.GeoDataFrame(geometry=[shapely.box(*b) for _, b in theirs], crs=CGCS2000)
    lon0, lat0, lon1, lat1 = ref.total_bounds
    hint = ""
    try:
        guess = infer_crs(
            layer.gdf.total_bounds, near=ref, label=layer.label, points=_centres(layer.gdf)
        )
    except CRSError:
        pass
    else:
        if not guess.crs.equals(layer.gdf.crs):
            hint = f"; {describe(guess.crs)} puts it on them — use --crs {_code(guess.crs)}"
    names = ", ".join(lay.label for lay, _ in theirs[:3]) + (" …" if len(theirs) > 3 else "")
    return CRSError(
        f"{layer.label}: the given CRS {describe(layer.gdf.crs)} puts this layer at "
        f"{mine[0]:.2f}–{mine[2]:.2f}°E, {mine[1]:.2f}–{mine[3]:.2f}°N, away from every other "
        f"layer ({names}: {lon0:.2f}–{lon1:.2f}°E, {lat0:.2f}–{lat1:.2f}°N); the CRS given "
        f"for it (--crs or the plan's crs:) is wrong{hint or ', give the right one'}"
    )


def _code(crs) -> str:
    code = crs.to_epsg(min_confidence=70)
    return f"EPSG:{code}" if code else "EPSG:…"


def _centres(gdf: gpd.GeoDataFrame) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        b = shapely.bounds(np.asarray(gdf.geometry.values, dtype=object))
    return np.column_stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2])


def _code_field(gdf: gpd.GeoDataFrame) -> str | None:
    return next((c for c in gdf.columns if str(c).upper() == "XZQDM"), None)


def county_from_townships(townships: Layer) -> Layer:
    """The county boundary of a township-level ``XZQ`` layer: its features dissolved.

    三调 delivers ``XZQ`` at township level (``XZQDM`` of 9 or 12 digits, one feature per
    township).  The county is their union; its ``XZQDM`` is the 6-digit county code the
    township codes share (when they share one).  The new layer is named ``"<name>
    (dissolved)"``, has one feature with ``src_fid`` −1 (it is not in the source) and a
    note saying where it came from.

    Examples
    --------
    >>> from shapely import box
    >>> from ecospace.loading.layers import Layer
    >>> g = gpd.GeoDataFrame({"XZQDM": ["230184100", "230184101"], "fid": [0, 1],
    ...     "src_fid": [1, 2]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4529)
    >>> t = Layer(g, "d.gpkg", "XZQ", "townships", "file", "UTF-8", ValidationReport("d:XZQ"))
    >>> c = county_from_townships(t)
    >>> c.role, c.name, c.gdf["XZQDM"].tolist(), c.gdf.geometry.area.tolist()
    ('boundary', 'XZQ (dissolved)', ['230184'], [2.0])
    """
    gdf = townships.gdf
    shape = shapely.union_all(np.asarray(gdf.geometry.values, dtype=object))
    if shape.geom_type == "Polygon":
        shape = shapely.MultiPolygon([shape])
    attrs: dict[str, list] = {"fid": [0], "src_fid": [-1]}
    field = _code_field(gdf)
    county_code = None
    if field is not None:
        prefixes = set(gdf[field].astype(str).str.strip().str[:6])
        if len(prefixes) == 1:
            county_code = prefixes.pop()
            attrs[field] = [county_code]
    out = gpd.GeoDataFrame(attrs, geometry=[shape], crs=gdf.crs)
    name = f"{townships.name} (dissolved)"
    report = ValidationReport(f"{townships.source}:{name}", features_in=len(gdf), features_out=1)
    what = f"county boundary ({county_code})" if county_code else "county boundary"
    note = (
        f"{what} dissolved from the {len(gdf)} township features of {townships.label}: "
        f"no county-level layer was delivered (src_fid -1: not in the source)"
    )
    report.notes.append(note)
    log.warning("%s: %s", report.layer, note)
    return dataclasses.replace(townships, gdf=out, name=name, role="boundary", report=report)
