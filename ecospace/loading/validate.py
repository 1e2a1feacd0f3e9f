"""Validate and repair a polygon layer once, up front, and report every problem in one go.

Repairs (invalid polygons made valid, empty/non-polygonal/non-finite features dropped,
Z/M flattened) change what is measured, so each is counted, its area change measured and
announced with a :class:`RepairWarning`.  Duplicates, overlaps within the layer and
features outside the county are *not* removed (that would be a planning decision) but
reported with their areas, because a naive sum counts them twice.  What was found is a
:class:`ValidationReport` (kept in :mod:`ecospace.loading._validation_report`, with the
reader's own facts); the areas of repairs come from :mod:`ecospace.loading._repair_areas`.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ecospace.errors import GeometryError
from ecospace.geometry._interior import interior_pairs
from ecospace.loading._repair_areas import (
    collection_part_areas,
    ellipsoid_areas,
    finite_part_areas,
    polygonal_parts,
)
from ecospace.loading._validation_report import (  # re-exported: the report's public home
    _DROPS,  # noqa: F401 - tiled_sources counts drops with it
    _REPAIRS,  # noqa: F401 - the inventory and tiled_sources name repairs with it
    ValidationReport,
    fmt_area,
    report_closed_rings,
    report_unreadable,
)

__all__ = [
    "RepairWarning",
    "ValidationReport",
    "ValidationWarning",
    "report_closed_rings",
    "report_outside",
    "report_unreadable",
    "validate_layer",
]

#: intersections smaller than this (m²) are digitising noise, not overlaps
MIN_OVERLAP_M2 = 0.01
POLYGONAL = ("Polygon", "MultiPolygon")


class ValidationWarning(UserWarning):
    """A layer has problems that were reported but not changed (duplicates, overlaps …)."""


class RepairWarning(ValidationWarning):
    """A layer was changed before measuring (repaired, dropped or flattened features)."""


def _type_counts(types: pd.Series) -> str:
    vc = types.fillna("null").value_counts()
    return ", ".join(f"{n} {t}" for t, n in vc.items())


def validate_layer(
    gdf: gpd.GeoDataFrame,
    *,
    layer_label: str,
    boundary=None,
    repair: bool = True,
    min_overlap_m2: float = MIN_OVERLAP_M2,
    report: ValidationReport | None = None,
    warn: bool = True,
) -> tuple[gpd.GeoDataFrame, ValidationReport]:
    """Validate (and by default repair) a polygon layer before measuring it.

    Parameters
    ----------
    gdf : GeoDataFrame
        With a CRS.  A ``"fid"`` column (0-based position in the source) is added when absent.
    layer_label : str
        ``"file:layer"``, used in messages.
    boundary : GeoDataFrame or GeoSeries, optional
        The county: features not touching it are reported as outside.
    repair : bool
        Repair invalid polygons (``shapely.make_valid``, structure method, polygonal parts
        kept).  With ``False`` they are only reported.
    min_overlap_m2 : float
        Pairwise intersections smaller than this are not reported as overlaps.
    report : ValidationReport, optional
        Add to an existing report (the reader records encoding/curve facts first).
    warn : bool
        Emit one :class:`RepairWarning` / :class:`ValidationWarning` summarising problems.

    Returns
    -------
    gdf : GeoDataFrame
        2D, polygonal, non-empty features (repaired copy; order kept, ``fid`` kept).
    report : ValidationReport

    Raises
    ------
    GeometryError
        No polygons at all (the message lists the geometry types found), or nothing left.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Polygon
    >>> bow = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    >>> g = gpd.GeoDataFrame(geometry=[bow], crs=32650)
    >>> out, rep = validate_layer(g, layer_label="demo:bowtie", warn=False)
    >>> rep.counts["invalid_repaired"], float(round(out.area.iloc[0], 6))
    (1, 2.0)
    """
    if gdf.crs is None:
        raise GeometryError(f"{layer_label}: validate_layer needs a CRS (set it first)")
    crs = pyproj.CRS.from_user_input(gdf.crs)
    rep = report if report is not None else ValidationReport(layer_label)
    rep.features_in = len(gdf)
    gdf = gdf.copy()
    if "fid" not in gdf.columns:
        gdf["fid"] = np.arange(len(gdf), dtype=np.int64)
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    fid = gdf["fid"].to_numpy()
    found_types = _type_counts(gdf.geometry.geom_type)

    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    # features the reader could not build are reported already (as unreadable, with area)
    known = rep.table.loc[rep.table["problem"] == "unreadable", "fid"].to_numpy()
    rep.add("empty", fid[empty & ~np.isin(fid, known)], detail="null or empty geometry")
    keep = ~empty

    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        coords, cidx = shapely.get_coordinates(geoms[keep], return_index=True)
    bad_rows = np.unique(cidx[~np.isfinite(coords).all(axis=1)])
    nonfinite = np.zeros(len(gdf), bool)
    nonfinite[np.flatnonzero(keep)[bad_rows]] = True
    if nonfinite.any():
        lost = -finite_part_areas(geoms[nonfinite], crs)
        known = ~np.isnan(lost)
        detail = np.where(
            known,
            "NaN or infinite coordinate; area from its finite vertices",
            "NaN or infinite coordinate; area unknown (fewer than 3 finite vertices)",
        )
        rep.add("non_finite", fid[nonfinite], lost, detail)
        rep.areas_m2["non_finite"] = float(lost[known].sum())
    keep &= ~nonfinite

    types = shapely.get_type_id(geoms)
    coll = keep & (types == 7)
    poly = polygonal_parts(geoms[coll]) if coll.any() else np.empty(0, dtype=object)
    geoms = geoms.copy()
    if coll.any():
        # as read: the polygonal parts' areas added up; kept: the area of their union
        before = collection_part_areas(geoms[coll], crs)
        ok = ~shapely.is_missing(poly)
        after = np.zeros(len(poly))
        after[ok] = ellipsoid_areas(poly[ok], crs)
        change = (after - before)[ok]
        rep.add(
            "collection",
            fid[np.flatnonzero(coll)[ok]],
            change,
            "GeometryCollection: polygonal parts kept (overlapping parts counted once)",
        )
        rep.areas_m2["collection"] = float(change.sum())
    geoms[coll] = poly
    nonpoly = keep & (shapely.is_missing(geoms) | ~np.isin(shapely.get_type_id(geoms), (3, 6)))
    if keep.any() and nonpoly[keep].all():
        raise GeometryError(
            f"{layer_label}: no polygons to measure (found: {found_types}); "
            f"this is not an area layer — check the file and layer name"
        )
    if nonpoly.any():
        kinds = pd.Series(gdf.geometry.geom_type.to_numpy()[nonpoly])
        rep.add("non_polygonal", fid[nonpoly], detail=kinds.to_numpy())
    keep &= ~nonpoly
    if not keep.any():
        raise GeometryError(
            f"{layer_label}: no usable geometry left (found: {found_types}); re-export the layer"
        )

    zm = keep & (shapely.has_z(geoms) | shapely.has_m(geoms))
    if zm.any():
        geoms[zm] = shapely.force_2d(geoms[zm])
        rep.add("z_m_flattened", fid[zm], area_change_m2=0.0, detail="Z/M dropped")

    invalid = keep & ~shapely.is_valid(geoms)
    if invalid.any():
        reasons = shapely.is_valid_reason(geoms[invalid])
        if repair:
            before = ellipsoid_areas(geoms[invalid], crs)
            fixed = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
            fixed = polygonal_parts(fixed)
            dead = shapely.is_missing(fixed) | shapely.is_empty(fixed)
            after = np.where(dead, 0.0, ellipsoid_areas(np.where(dead, None, fixed), crs))
            idx = np.flatnonzero(invalid)
            rep.add("invalid_dropped", fid[idx[dead]], (after - before)[dead], reasons[dead])
            rep.add("invalid_repaired", fid[idx[~dead]], (after - before)[~dead], reasons[~dead])
            rep.areas_m2["invalid_repaired"] = float((after - before)[~dead].sum())
            rep.areas_m2["invalid_dropped"] = float((after - before)[dead].sum())
            geoms[idx[~dead]] = fixed[~dead]
            keep[idx[dead]] = False
            if not keep.any():
                raise GeometryError(
                    f"{layer_label}: every geometry is invalid and nothing polygonal is left "
                    f"after repair ({invalid.sum()} features: {reasons[0]}); re-digitise the layer"
                )
        else:
            rep.add("invalid", fid[invalid], detail=reasons)

    out = gdf.loc[keep].copy()
    out[gdf.geometry.name] = gpd.GeoSeries(geoms[keep], index=out.index, crs=gdf.crs)
    _find_duplicates_and_overlaps(out, rep, crs, min_overlap_m2, valid=repair or not invalid.any())
    if boundary is not None:
        _find_outside(out, rep, crs, boundary)
    rep.features_out = len(out)
    _fill_src_fids(rep, gdf)
    if warn:
        _warn(rep)
    return out, rep


def _src_lookup(gdf) -> pd.Series | None:
    """fid -> src_fid of a frame, or None when it has no ``src_fid`` column."""
    if "src_fid" not in gdf.columns:
        return None
    lookup = pd.Series(gdf["src_fid"].to_numpy(), index=gdf["fid"].to_numpy())
    return lookup[~lookup.index.duplicated()]


def _fill_src_fids(rep: ValidationReport, gdf) -> None:
    lookup = _src_lookup(gdf)
    if lookup is None or rep.table.empty:
        return
    todo = rep.table["src_fid"].isna().to_numpy()
    got = lookup.reindex(rep.table["fid"].to_numpy()[todo]).to_numpy()
    src = rep.table["src_fid"].astype("Int64").to_numpy(copy=True)
    src[todo] = pd.array(got, dtype="Int64")
    rep.table["src_fid"] = pd.array(src, dtype="Int64")


def _named(fids, lookup) -> list[str]:
    """``"fid 3"``, or ``"fid 3 (src_fid 4)"`` when the source's own ids are known."""
    if lookup is None:
        return [f"fid {f}" for f in fids]
    src = lookup.reindex(np.asarray(fids)).to_numpy()
    return [f"fid {f} (src_fid {s})" for f, s in zip(fids, src, strict=True)]


def _find_duplicates_and_overlaps(out, rep, crs, min_overlap_m2, *, valid: bool) -> None:
    geoms = np.asarray(out.geometry.values, dtype=object)
    fid = out["fid"].to_numpy()
    if len(geoms) < 2:
        return
    keys = pd.Series(shapely.to_wkb(shapely.normalize(geoms)))
    dup = keys.duplicated(keep="first").to_numpy()
    if dup.any():
        first = pd.Series(fid).groupby(keys.to_numpy()).transform("first").to_numpy()
        a = ellipsoid_areas(geoms[dup], crs)
        names = _named(first[dup], _src_lookup(out))
        rep.add("duplicates", fid[dup], a, [f"same geometry as {n}" for n in names])
        rep.areas_m2["duplicates"] = float(a.sum())
    if valid:
        # the measurement's own search (coverage validator): one pass, not every touching pair
        i, j = interior_pairs(geoms)
    else:
        tree = shapely.STRtree(geoms)
        i, j = tree.query(geoms, predicate="intersects")
        sel = i < j
        i, j = i[sel], j[sel]
        inner = ~shapely.touches(geoms[i], geoms[j])
        i, j = i[inner], j[inner]
    differ = keys.to_numpy()[i] != keys.to_numpy()[j]  # duplicates are reported above
    i, j = i[differ], j[differ]
    if len(i) == 0:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        inter = shapely.intersection(geoms[i], geoms[j])
    a = ellipsoid_areas(inter, crs)
    big = a > min_overlap_m2
    if big.any():
        rep.add(
            "overlaps",
            fid[i[big]],
            a[big],
            [f"overlaps {n}" for n in _named(fid[j[big]], _src_lookup(out))],
        )
        rep.areas_m2["overlaps"] = float(a[big].sum())


def _find_outside(out, rep, crs, boundary) -> None:
    bnd = getattr(boundary, "gdf", boundary)
    if isinstance(bnd, gpd.GeoDataFrame | gpd.GeoSeries):
        if bnd.crs is not None and not pyproj.CRS.from_user_input(bnd.crs).equals(crs):
            bnd = bnd.to_crs(crs)
        shape = shapely.union_all(
            np.asarray(bnd.geometry.values if hasattr(bnd, "geometry") else bnd)
        )
    else:
        shape = bnd
    geoms = np.asarray(out.geometry.values, dtype=object)
    # the county prepared once, first: ~100× faster than testing it unprepared per feature
    shapely.prepare(shape)
    outside = ~shapely.intersects(shape, geoms)
    if outside.any():
        a = ellipsoid_areas(geoms[outside], crs)
        d = shapely.distance(geoms[outside], shape)
        unit = "m" if crs.is_projected else "°"
        rep.add(
            "outside_boundary",
            out["fid"].to_numpy()[outside],
            a,
            [f"{v:,.0f} {unit} from the county boundary" for v in d],
        )
        rep.areas_m2["outside_boundary"] = float(a.sum())
        if outside.all():
            rep.notes.append("the whole layer lies outside the county boundary: check its CRS")


def report_outside(gdf, report: ValidationReport, boundary, *, warn: bool = True) -> None:
    """Add the features of ``gdf`` lying wholly outside ``boundary`` to ``report``.

    The check :func:`validate_layer` makes with ``boundary=``, for a layer read before
    the county was known (a boundary placed by the other layers, or dissolved from
    townships).  Warns a :class:`ValidationWarning` naming the layer when any are found.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> x, y = 41_500_000, 5_000_000  # zone 41, on its central meridian
    >>> g = gpd.GeoDataFrame({"fid": [0, 1]}, crs=4529, geometry=[
    ...     box(x, y, x + 100, y + 100), box(x + 500, y, x + 600, y + 100)])
    >>> rep = ValidationReport("a.gpkg:STBHHX")
    >>> report_outside(g, rep, box(x, y, x + 200, y + 200), warn=False)
    >>> rep.counts["outside_boundary"], round(rep.areas_m2["outside_boundary"] / 1e4, 2)
    (1, 1.0)
    """
    before = report.counts.get("outside_boundary", 0)
    _find_outside(gdf, report, pyproj.CRS.from_user_input(gdf.crs), boundary)
    _fill_src_fids(report, gdf)
    rep_count = report.counts.get("outside_boundary", 0)
    if warn and rep_count > before:
        text = f"outside county {rep_count} ({fmt_area(report.areas_m2['outside_boundary'])})"
        if any("outside the county" in n for n in report.notes):
            text += "; the whole layer lies outside the county boundary: check its CRS"
        warnings.warn(f"{report.layer}: {text}", ValidationWarning, stacklevel=2)


def _warn(rep: ValidationReport) -> None:
    problems = rep.problems
    if not problems:
        return
    cls = RepairWarning if rep.repaired else ValidationWarning
    extra = ""
    if rep.counts.get("duplicates") or rep.counts.get("overlaps"):
        extra = "; duplicates/overlaps are kept (a sum of areas counts them twice)"
    if any("outside the county" in n for n in rep.notes):
        extra += "; the whole layer lies outside the county boundary: check its CRS"
    warnings.warn(f"{rep.layer}: {'; '.join(problems)}{extra}", cls, stacklevel=3)
