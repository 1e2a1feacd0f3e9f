"""County statistics: township tables, land-cover shares and every figure at once.

Like :mod:`ecospace.overlap`, every function is pure over GeoDataFrames in one CRS and
all areas are square metres from :func:`ecospace.area.areas`.  Shares always state their
denominator: the computed area of the county boundary by default, or a total the caller
states (``denominator_source`` says which).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._errors import EcospaceError, PlanError
from ._raster import as_class_map, count_pixels, cover_values, read_class_map
from .area import Method, areas
from .overlap import (
    CONTAINMENT,
    OVERLAP_ROLES,
    OVERLAP_TOLERANCE_M2,
    _areas,
    _clean,
    _coverage_frame,
    _crs_name,
    _outside,
    _outside_geoms,
    _pieces,
    _pieces_frame,
    _polygonal,
    _self_overlap_frame,
    _source_pieces,
    _subset_union_area,
    check_same_crs,
    overlap_matrix,
)
from .units import UNITS, normalize_unit, round_balanced

__all__ = [
    "CLASS_SETS",
    "SECTIONS",
    "CountyFigures",
    "format_county",
    "land_cover",
    "land_cover_area",
    "measure_county",
    "raster_class_shares",
    "raster_land_cover",
    "read_class_map",
    "township_table",
]

log = logging.getLogger("ecospace")

#: Default land-use classes (三调 codes, GB/T 21010-2017 work classification) of each
#: cover figure.  A code matches every ``DLBM`` that starts with it, so ``"03"`` is all of
#: 林地 and ``"0301"`` also matches ``"0301K"``.
#:
#: ``forest`` (森林覆盖率) counts 0301 乔木林地, 0302 竹林地, 0305 灌木林地 and 0307 其他林地;
#: 0303 红树林地, 0304 森林沼泽 and 0306 灌丛沼泽 are forest *and* wetland types, and whether
#: they count as forest is a local choice (pass ``classes={"forest": ["03"]}`` to include them).
#: ``forest_grass`` (林草覆盖率) = forest + every 04 草地 class; ``wetland`` (湿地) is the
#: cross-cutting 三调 class list; ``cropland`` = 01 耕地.
CLASS_SETS: dict[str, list[str]] = {
    "forest": ["0301", "0302", "0305", "0307"],
    "forest_grass": ["0301", "0302", "0305", "0307", "04"],
    "wetland": ["0303", "0304", "0306", "0402", "0603", "1105", "1106", "1108"],
    "cropland": ["0101", "0102", "0103"],
}

CLASS_LABELS: dict[str, dict[str, str]] = {
    "forest": {"zh": "森林覆盖率", "en": "forest cover"},
    "forest_grass": {"zh": "林草覆盖率", "en": "forest and grass cover"},
    "wetland": {"zh": "湿地", "en": "wetland"},
    "cropland": {"zh": "耕地", "en": "cropland"},
}


# ----------------------------------------------------------------------------- land cover
def _codes(codes: str | Iterable[str], class_sets: Mapping[str, Sequence[str]]) -> list[str]:
    if isinstance(codes, str):
        if codes in class_sets:
            return [str(c) for c in class_sets[codes]]
        return [codes]
    return [str(c) for c in codes]


def _dlbm(values: pd.Series) -> np.ndarray:
    """DLBM codes as text; numeric columns that lost their leading zero (301) get it back."""
    s = values.astype("string").str.strip().fillna("")
    lost_zero = s.str.fullmatch(r"\d{3}(\.0)?")
    s = s.where(~lost_zero, s.str.replace(r"\.0$", "", regex=True).str.zfill(4))
    return s.to_numpy(dtype=object)


def _select(land_use: gpd.GeoDataFrame, codes: list[str], field: str) -> np.ndarray:
    if field not in land_use.columns:
        raise EcospaceError(
            f"land-use layer has no field {field!r} "
            f"(fields: {', '.join(map(str, land_use.columns))}); "
            "pass field= the land-class code field (DLBM in 三调 DLTB)"
        )
    dl = _dlbm(land_use[field])
    mask = np.zeros(len(dl), dtype=bool)
    for c in codes:
        mask |= np.char.startswith(dl.astype(str), c)
    return mask


def land_cover_area(
    land_use: gpd.GeoDataFrame,
    codes: str | Iterable[str],
    *,
    field: str = "DLBM",
    method: Method = "ellipsoid",
    class_sets: Mapping[str, Sequence[str]] | None = None,
) -> float:
    """Area in m² of the land-use parcels whose class code starts with one of ``codes``.

    Parameters
    ----------
    land_use : GeoDataFrame
        Land-use parcels (三调 ``DLTB``).
    codes : str or iterable of str
        A class-set name from :data:`CLASS_SETS` (``"forest"``), a code prefix (``"03"`` =
        all 林地) or a list of codes/prefixes.
    field : str, default "DLBM"
        The class-code field.
    method : {"ellipsoid", "geodesic", "planar"}
    class_sets : mapping, optional
        Replaces :data:`CLASS_SETS` when resolving a set name.

    Returns
    -------
    float
        Area of the union of the selected parcels (overlapping parcels counted once).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> lu = gpd.GeoDataFrame({"DLBM": ["0301", "0303", "0101"]},
    ...     geometry=[box(0, 0, 2, 1), box(2, 0, 3, 1), box(3, 0, 4, 1)], crs="EPSG:4529")
    >>> land_cover_area(lu, "forest", method="planar"), land_cover_area(lu, "03", method="planar")
    (2.0, 3.0)
    """
    check_same_crs({"land_use": land_use})
    sel = _select(land_use, _codes(codes, class_sets or CLASS_SETS), field)
    return _subset_union_area(_clean(land_use, land_use.crs, method), sel, land_use.crs, method)


def land_cover(
    land_use: gpd.GeoDataFrame,
    *,
    classes: Mapping[str, Sequence[str]] | None = None,
    field: str = "DLBM",
    method: Method = "ellipsoid",
    denominator_m2: float | None = None,
    denominator_source: str = "stated",
    _cleaned=None,
) -> pd.DataFrame:
    """Area and share of each land-cover class set (forest, forest_grass, wetland, cropland).

    Parameters
    ----------
    classes : mapping of set name to codes, optional
        Overrides or additions to :data:`CLASS_SETS` (e.g. from the plan file).
    denominator_m2 : float, optional
        Total for the shares; default the union area of all land-use parcels
        (``denominator_source="land_use"``).

    Returns
    -------
    DataFrame
        ``class, codes, area_m2, share, denominator_m2, denominator_source``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> lu = gpd.GeoDataFrame({"DLBM": ["0301", "0404", "0101", "0101"]},
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1), box(3, 0, 4, 1)],
    ...     crs="EPSG:4529")
    >>> lc = land_cover(lu, method="planar")
    >>> dict(zip(lc["class"], lc["share"]))
    {'forest': 0.25, 'forest_grass': 0.5, 'wetland': 0.0, 'cropland': 0.5}
    """
    check_same_crs({"land_use": land_use})
    sets = {**CLASS_SETS, **(classes or {})}
    c = _cleaned or _clean(land_use, land_use.crs, method)
    if denominator_m2 is None:
        denominator_m2 = float(c.area.sum())
        denominator_source = "land_use"
    rows = []
    for name, codes in sets.items():
        codes = _codes(codes, CLASS_SETS)
        sel = _select(land_use, codes, field)
        a = _subset_union_area(c, sel, land_use.crs, method)
        rows.append(
            {
                "class": name,
                "codes": " ".join(codes),
                "area_m2": a,
                "share": a / denominator_m2 if denominator_m2 else np.nan,
                "denominator_m2": denominator_m2,
                "denominator_source": denominator_source,
            }
        )
    return pd.DataFrame(
        rows,
        columns=["class", "codes", "area_m2", "share", "denominator_m2", "denominator_source"],
    )


def _denominator(boundary, denominator_m2, denominator_source, valid_area):
    if denominator_m2 is not None:
        return float(denominator_m2), denominator_source or "stated"
    if boundary is not None:
        return float(areas(boundary.geometry, method="ellipsoid").sum()), "boundary"
    return valid_area, "raster"


def raster_class_shares(
    path: str | Path,
    class_map: Any,
    *,
    boundary: gpd.GeoDataFrame | None = None,
    denominator_m2: float | None = None,
    denominator_source: str | None = None,
    band: int = 1,
    all_touched: bool = False,
) -> pd.DataFrame:
    """Area and share of each class of a classified raster, on the ellipsoid.

    Parameters
    ----------
    path : str or Path
        A classified raster readable by rasterio.
    class_map : path, mapping or ClassMap
        A class-map YAML file (``layers/demo_landcover_classes.yaml``: ``nodata`` and
        ``classes: {1: {name: 耕地, dlbm_prefixes: ["01"]}, ...}``), the same parsed into a
        dict, or the short forms ``{"forest": [1, 2]}`` / ``{1: "forest"}``.  Classes with
        the same name are added up.
    boundary : GeoDataFrame, optional
        Only pixels whose centre lies inside it count (reprojected to the raster's CRS).
    denominator_m2 : float, optional
        A total for the shares (``denominator_source``, default ``"stated"``).  Default:
        the boundary's computed ellipsoidal area (``"boundary"``), or without a boundary
        the area of all valid (non-nodata) pixels (``"raster"``).
    band : int, default 1
    all_touched : bool, default False
        Count every pixel the boundary touches instead of those whose centre is inside.

    Returns
    -------
    DataFrame
        ``class, values, pixels, area_m2, share, denominator_m2, denominator_source``;
        ``attrs["valid_pixel_area_m2"]`` is the area of all valid pixels counted.

    Notes
    -----
    Pixel areas are ellipsoidal, not the planar pixel size: see
    :func:`ecospace._raster.pixel_areas` (the official series on pixel polygons of
    17 columns per row, interpolated along the row; exact for a latitude–longitude grid).

    Examples
    --------
    >>> import numpy as np, rasterio, tempfile, os
    >>> from affine import Affine
    >>> p = os.path.join(tempfile.mkdtemp(), "c.tif")
    >>> with rasterio.open(p, "w", driver="GTiff", width=2, height=1, count=1, dtype="uint8",
    ...                    crs="EPSG:4490", transform=Affine(0.01, 0, 127, 0, -0.01, 45)) as d:
    ...     d.write(np.array([[1, 2]], dtype="uint8"), 1)
    >>> raster_class_shares(p, {1: "forest"})["share"].round(9).tolist()
    [0.5]
    """
    cmap = as_class_map(class_map)
    counts = count_pixels(
        path, band=band, boundary=boundary, all_touched=all_touched, nodata=cmap.nodata
    )
    den, source = _denominator(boundary, denominator_m2, denominator_source, counts.valid_area_m2)
    by_name: dict[str, list[int]] = {}
    for value, rc in sorted(cmap.classes.items()):
        by_name.setdefault(rc.name, []).append(value)
    out = []
    for name, vals in by_name.items():
        a = sum(counts.area_m2.get(v, 0.0) for v in vals)
        out.append(
            {
                "class": name,
                "values": " ".join(str(v) for v in vals),
                "pixels": sum(counts.pixels.get(v, 0) for v in vals),
                "area_m2": a,
                "share": a / den if den else np.nan,
                "denominator_m2": den,
                "denominator_source": source,
            }
        )
    cols = ["class", "values", "pixels", "area_m2", "share", "denominator_m2"]
    df = pd.DataFrame(out, columns=[*cols, "denominator_source"])
    df.attrs["valid_pixel_area_m2"] = counts.valid_area_m2
    return df


def raster_land_cover(
    path: str | Path,
    class_map: Any,
    *,
    classes: Mapping[str, Sequence[str]] | None = None,
    boundary: gpd.GeoDataFrame | None = None,
    denominator_m2: float | None = None,
    denominator_source: str | None = None,
    band: int = 1,
    all_touched: bool = False,
) -> pd.DataFrame:
    """Forest cover, forest-and-grass cover, wetland and cropland from a classified raster.

    The same cover figures as :func:`land_cover` (森林覆盖率, 林草覆盖率, 湿地, 耕地), with
    raster classes mapped to the DLBM class sets of :data:`CLASS_SETS` through the
    class map's ``dlbm_prefixes`` (or an explicit ``counts_as``).

    Parameters
    ----------
    path : str or Path
        Classified raster.
    class_map : path, mapping or ClassMap
        The class-map YAML (see :func:`raster_class_shares`); classes need
        ``dlbm_prefixes`` or ``counts_as`` to count toward a cover figure.
    classes : mapping of set name to DLBM codes, optional
        Overrides or additions to :data:`CLASS_SETS`, as for :func:`land_cover`.
    boundary, denominator_m2, denominator_source, band, all_touched
        As in :func:`raster_class_shares`.

    Returns
    -------
    DataFrame
        ``class, codes`` (the set's DLBM codes), ``raster_values, raster_classes,
        raster_codes`` (pixel values, names and DLBM prefixes of the raster classes
        counted), ``pixels, area_m2, share, denominator_m2, denominator_source``.  A set
        no raster class maps to has NaN area and share (not measurable from this raster).
        ``attrs["method"]`` names the area method.

    Notes
    -----
    A raster class counts toward a set when it lies wholly inside the set's codes or
    shares a code with it that is not a cross-cutting wetland code (the ``wetland`` set):
    a first-level 林地 class (03) counts toward forest, not toward wetland.  The figure
    is as fine as the raster's classes: 林地 03 also holds 0303/0304/0306, which the
    default forest set leaves out; compare ``raster_codes`` with ``codes``.

    Examples
    --------
    >>> import numpy as np, rasterio, tempfile, os
    >>> from affine import Affine
    >>> p = os.path.join(tempfile.mkdtemp(), "c.tif")
    >>> with rasterio.open(p, "w", driver="GTiff", width=4, height=1, count=1, dtype="uint8",
    ...                    crs="EPSG:4490", transform=Affine(0.01, 0, 127, 0, -0.01, 45)) as d:
    ...     d.write(np.array([[1, 2, 3, 3]], dtype="uint8"), 1)
    >>> cm = {"classes": {1: {"name": "耕地", "dlbm_prefixes": ["01"]},
    ...                   2: {"name": "林地", "dlbm_prefixes": ["03"]},
    ...                   3: {"name": "草地", "dlbm_prefixes": ["04"]}}}
    >>> lc = raster_land_cover(p, cm)
    >>> dict(zip(lc["class"], lc["share"].round(6)))
    {'forest': 0.25, 'forest_grass': 0.75, 'wetland': nan, 'cropland': 0.25}
    """
    cmap = as_class_map(class_map)
    sets = {
        name: _codes(codes, CLASS_SETS) for name, codes in {**CLASS_SETS, **(classes or {})}.items()
    }
    counts = count_pixels(
        path, band=band, boundary=boundary, all_touched=all_touched, nodata=cmap.nodata
    )
    den, source = _denominator(boundary, denominator_m2, denominator_source, counts.valid_area_m2)
    mapped = cover_values(cmap, sets, wetland=sets.get("wetland", CLASS_SETS["wetland"]))
    rows = []
    for name, codes in sets.items():
        vals = mapped[name]
        rcs = [cmap.classes[v] for v in vals]
        a = sum(counts.area_m2.get(v, 0.0) for v in vals) if vals else np.nan
        rows.append(
            {
                "class": name,
                "codes": " ".join(codes),
                "raster_values": " ".join(str(v) for v in vals),
                "raster_classes": " ".join(rc.name for rc in rcs),
                "raster_codes": " ".join(dict.fromkeys(p for rc in rcs for p in rc.dlbm_prefixes)),
                "pixels": sum(counts.pixels.get(v, 0) for v in vals),
                "area_m2": a,
                "share": a / den if den and vals else np.nan,
                "denominator_m2": den,
                "denominator_source": source,
            }
        )
    df = pd.DataFrame(rows, columns=_RASTER_COLUMNS)
    df.attrs.update(
        valid_pixel_area_m2=counts.valid_area_m2,
        method="ellipsoid pixel areas",
        class_map=cmap.source,
        raster=str(path),
    )
    return df


_RASTER_COLUMNS = [
    "class",
    "codes",
    "raster_values",
    "raster_classes",
    "raster_codes",
    "pixels",
    "area_m2",
    "share",
    "denominator_m2",
    "denominator_source",
]

# ----------------------------------------------------------------------------- townships
_NAME_FIELDS = ("XZQMC", "NAME", "name", "MC", "XZQDM")
_NOTE_M2 = 1.0  # gaps/overlaps below 1 m² are rounding and reprojection noise, not findings


def township_table(
    townships: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    name_field: str = "XZQMC",
    method: Method = "ellipsoid",
    decimals: int = 2,
    unit: str = "ha",
    boundary: gpd.GeoDataFrame | None = None,
    _cleaned: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Each role's area inside each township, with totals that add up (Tabulate Intersection).

    Gaps and overlaps are reported as rows of their own, never absorbed into a township:

    * ``kind="township"`` — one row per township feature;
    * ``"townships_overlap"`` — area counted in two townships (negative: subtract it once);
    * ``"not_in_townships"`` — area in no township (of the county boundary, and of each role);
    * ``"townships_outside_boundary"`` — township area beyond the county boundary
      (negative; only with ``boundary``);
    * ``"method_residue"`` — what is left between the parts and the total because the
      area of a cut feature is not exactly the sum of its pieces under a vertex-based
      formula (the official ellipsoidal one: cutting an edge at a township boundary adds
      a vertex; ~1e-6 of the area, zero for planar area);
    * ``"total"`` — the county: the boundary's area (else the townships' union) and the
      union area of each role; its ``<role>_share`` is the part of the role inside the
      county boundary (else inside the townships) over the county's area, so a layer
      lying outside the county does not raise the county's share.

    The rows above the total add up exactly to it in every ``*_m2`` column, and the
    rounded ``*_<unit>`` columns add up to the rounded total (强制调平, largest remainder).

    Parameters
    ----------
    townships : GeoDataFrame
        Township (乡镇) polygons.
    layers : mapping of role to GeoDataFrame
        Layers to tabulate (same CRS).
    name_field : str, default "XZQMC"
        Township name; falls back to NAME/MC/XZQDM, then the fid.
    method : {"ellipsoid", "geodesic", "planar"}
    decimals : int, default 2
    unit : str, default "ha"
        Unit of the rounded columns.
    boundary : GeoDataFrame, optional
        County boundary, for gaps between townships and the county edge.

    Returns
    -------
    DataFrame
        ``name, kind, area_m2, area_<unit>``, then per role ``<role>_m2``,
        ``<role>_share`` (fraction of the township's area) and ``<role>_<unit>``.
        ``attrs["notes"]`` lists the gaps and overlaps found, in words.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> t = gpd.GeoDataFrame({"XZQMC": ["甲", "乙"]}, geometry=[box(0, 0, 2, 2), box(2, 0, 4, 2)],
    ...                      crs="EPSG:4529")
    >>> red = gpd.GeoDataFrame(geometry=[box(1, 0, 3, 1)], crs="EPSG:4529")
    >>> tt = township_table(t, {"red_line": red}, method="planar", unit="m2")
    >>> tt[["name", "red_line_m2", "red_line_share"]].values.tolist()[:2]
    [['甲', 1.0, 0.25], ['乙', 1.0, 0.25]]
    """
    named = {"townships": townships, **layers}
    if boundary is not None:
        named["boundary"] = boundary
    crs = check_same_crs(named)
    unit = normalize_unit(unit)
    per = UNITS[unit]
    cache = dict(_cleaned or {})
    ct = cache.get("townships") or _clean(townships, crs, method)
    gt, at = ct.source, ct.feature_area
    union_t = float(ct.area.sum())
    # pieces where two townships overlap (counted in both rows of a role)
    t_overlap = _polygonal(shapely.intersection(gt[ct.pair_i], gt[ct.pair_j]))
    t_overlap_area = _areas(t_overlap, crs, method)
    overlap_t = float(at.sum()) - union_t
    nt = len(gt)
    names = None
    for f in (name_field, *_NAME_FIELDS):
        if f in townships.columns:
            names = townships[f].astype(str).to_numpy()
            break
    if names is None:
        names = np.array(
            [f"fid {x}" for x in (townships["fid"] if "fid" in townships else range(nt))],
            dtype=object,
        )
    notes: list[str] = []
    if overlap_t > _NOTE_M2:
        notes.append(
            f"townships overlap each other on {overlap_t / 1e4:.4f} ha "
            "(乡镇之间重叠; counted once in the total)"
        )
    kinds = ["township"] * nt + ["townships_overlap", "not_in_townships"]
    labels = [*list(names), "乡镇间重叠（重复计算）", "不属于任何乡镇"]
    area_col = [*list(at), -overlap_t]
    if boundary is not None:
        cb = cache.get("boundary") or _clean(boundary, crs, method)
        b_total = float(cb.area.sum())
        b_in_t = float(_pieces(cb.geoms, ct.geoms, cb.area, ct.area, crs, method)[3].sum())
        gap, beyond = b_total - b_in_t, union_t - b_in_t
        area_col += [gap, -beyond]
        kinds.append("townships_outside_boundary")
        labels.append("乡镇超出县界")
        total_area = b_total
        if gap > _NOTE_M2:
            notes.append(
                f"{gap / 1e4:.4f} ha of the county boundary lies in no township (乡镇未覆盖县域)"
            )
        if beyond > _NOTE_M2:
            notes.append(
                f"{beyond / 1e4:.4f} ha of townships lies outside the county boundary "
                "(乡镇超出县界)"
            )
    else:
        area_col += [0.0]
        total_area = union_t
    kinds += ["method_residue", "total"]
    labels += ["面积计算余差", "合计"]
    df = pd.DataFrame({"name": labels, "kind": kinds})
    df["area_m2"] = [*area_col, 0.0, total_area]
    df[f"area_{unit}"] = _balanced(df["area_m2"].to_numpy() / per, decimals)
    for role, gdf in layers.items():
        cr = cache.get(role) or _clean(gdf, crs, method)
        total = float(cr.area.sum())
        _ia, jb, _, pa = _pieces(cr.geoms, gt, cr.area, at, crs, method)
        per_t = np.bincount(jb, weights=pa, minlength=nt)
        dbl = float(_pieces(cr.geoms, t_overlap, cr.area, t_overlap_area, crs, method)[3].sum())
        _, outside = _outside_geoms(cr.geoms, ct.geoms)
        not_in = float(_areas(outside, crs, method).sum())
        # the official ellipsoidal formula works on vertices: cutting features at township
        # edges adds vertices and moves the sum by ~1e-6 of the area; say so, don't hide it
        residue = total - (float(per_t.sum()) - dbl + not_in)
        col = [*per_t, -dbl, not_in]
        if boundary is not None:
            col.append(0.0)
        col += [residue, total]
        df[f"{role}_m2"] = col
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(df["area_m2"] > 0, df[f"{role}_m2"] / df["area_m2"], np.nan)
        share[
            df["kind"]
            .isin(
                [
                    "townships_overlap",
                    "not_in_townships",
                    "townships_outside_boundary",
                    "method_residue",
                ]
            )
            .to_numpy()
        ] = np.nan
        # the county row's share counts only the part inside the county (or, without a
        # boundary, inside the townships): a layer lying outside adds nothing to it
        if boundary is not None:
            _, beyond_county = _outside_geoms(cr.geoms, cb.geoms)
            inside_total = total - float(_areas(beyond_county, crs, method).sum())
        else:
            inside_total = total - not_in
        share[-1] = inside_total / total_area if total_area > 0 else np.nan
        df[f"{role}_share"] = share
        df[f"{role}_{unit}"] = _balanced(df[f"{role}_m2"].to_numpy() / per, decimals)
        if not_in > _NOTE_M2:
            notes.append(f"{role}: {not_in / 1e4:.4f} ha lies in no township")
        if abs(residue) > _NOTE_M2:
            notes.append(
                f"{role}: township parts add up to the county figure within {residue:+.2f} m² "
                f"({method} area is computed from vertices; cutting at township edges adds some)"
            )
        if dbl > _NOTE_M2:
            notes.append(f"{role}: {dbl / 1e4:.4f} ha lies in two townships at once")
    df.attrs.update(notes=notes, method=method, unit=unit)
    return df


def _balanced(values: np.ndarray, decimals: int) -> np.ndarray:
    """Round the parts (all rows but the last) so they add up to the rounded last row."""
    parts = np.asarray(values[:-1], dtype=float).copy()
    # float noise (±1e-9) in the correction rows must not floor to -0.01
    parts[np.abs(parts) < 1e-6 * 10.0**-decimals] = 0.0
    parts = round_balanced(parts, decimals, total=round(float(values[-1]), decimals))
    return np.r_[parts, round(float(values[-1]), decimals)]


# ----------------------------------------------------------------------------- county
#: What a county's shares can divide by (:func:`measure_county`'s ``denominator_source``).
DENOMINATOR_SOURCES: tuple[str, ...] = ("boundary", "stated", "survey")
DenominatorSource = Literal["boundary", "stated", "survey"]


@dataclass
class CountyFigures:
    """Every figure measured on a county's layers (all areas m², shares fractions).

    Attributes
    ----------
    denominator_m2 : float or None
        Total area the shares refer to.
    denominator_source : str
        ``"boundary"`` (computed area of the boundary layer), ``"stated"`` (a total given
        by the caller, e.g. the plan's), ``"survey"`` (the plan's survey area, given by the
        caller) or ``"none"``.
    method : str
        Area method used throughout.
    coverage : DataFrame
        :func:`ecospace.overlap.coverage` of every role.
    overlaps : DataFrame
        :func:`ecospace.overlap.overlap_matrix`.
    containment : DataFrame
        ``inner, outer, inner_m2, inside_m2, outside_m2, share_outside, features_outside``.
    self_overlaps : DataFrame
        Per role: ``role, pairs, duplicate_pairs, pair_overlap_m2, double_counted_m2``.
    townships : DataFrame or None
        :func:`township_table` (None without a townships layer).
    land_cover : DataFrame or None
        :func:`land_cover` on the land-use layer (None without one).
    conflicts : dict of str to GeoDataFrame
        Conflict features by type, ready for :func:`ecospace.overlap.write_conflicts`
        (``attrs["area_method"]`` of each is ``method``).
    crs : str or None
        The working CRS the overlays ran in (``"EPSG:4529 CGCS2000 / 3-degree
        Gauss-Kruger zone 41"``).
    land_cover_raster : DataFrame or None
        :func:`raster_land_cover`, when a classified raster was measured too.
    """

    denominator_m2: float | None
    denominator_source: str
    method: str
    coverage: pd.DataFrame
    overlaps: pd.DataFrame
    containment: pd.DataFrame
    self_overlaps: pd.DataFrame
    townships: pd.DataFrame | None = None
    land_cover: pd.DataFrame | None = None
    conflicts: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    crs: str | None = None
    land_cover_raster: pd.DataFrame | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: the tables as lists of records, conflicts as counts and areas."""

        def rec(df):
            if df is None:
                return None
            return df.replace({np.nan: None}).to_dict(orient="records")

        return {
            "method": self.method,
            "crs": self.crs,
            "denominator_m2": self.denominator_m2,
            "denominator_source": self.denominator_source,
            "coverage": rec(self.coverage),
            "overlaps": rec(self.overlaps),
            "containment": rec(self.containment),
            "self_overlaps": rec(self.self_overlaps),
            "townships": rec(self.townships),
            "land_cover": rec(self.land_cover),
            "land_cover_raster": rec(self.land_cover_raster),
            "conflicts": {
                k: {"features": len(v), "area_m2": float(v["area_m2"].sum())}
                for k, v in self.conflicts.items()
            },
        }


def measure_county(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    method: Method = "ellipsoid",
    denominator_m2: float | None = None,
    classes: Mapping[str, Sequence[str]] | None = None,
    name_field: str = "XZQMC",
    land_use_field: str = "DLBM",
    min_conflict_m2: float = 1.0,
    by_township: bool = True,
    denominator_source: DenominatorSource | None = None,
) -> CountyFigures:
    """Measure every figure of a county's layers in one pass.

    Each layer is cleaned once (overlapping clusters dissolved) and reused for coverage,
    the overlap matrix, containment and the township table.

    Parameters
    ----------
    layers : mapping of role to GeoDataFrame
        Roles as in :data:`ecospace.layers.ROLES`; all in one CRS.
    method : {"ellipsoid", "geodesic", "planar"}
    denominator_m2 : float, optional
        A total given by the caller; by default the computed area of the ``boundary``
        layer.
    classes : mapping, optional
        Land-cover class overrides (see :data:`CLASS_SETS`).
    name_field : str, default "XZQMC"
        Township name field.
    land_use_field : str, default "DLBM"
    min_conflict_m2 : float, default 1.0
        Conflict pieces smaller than this are slivers, left out of ``conflicts`` and of
        ``features_outside`` (the areas in the tables are not filtered).  Reprojecting a
        layer between EPSG:4490 and a Gauss–Krüger zone moves shared edges by fractions
        of a millimetre, leaving pieces of up to a few hundredths of a m² along every
        shared boundary; pass 0 to keep everything.
    by_township : bool, default True
        Build the township table when a ``townships`` layer is given.
    denominator_source : {"boundary", "stated", "survey"}, optional
        What ``denominator_m2`` is, as every share table then says: the plan's stated
        total (the default when ``denominator_m2`` is given), its survey area, or the
        boundary's area (computed here when ``denominator_m2`` is not given; without a
        boundary layer and without ``denominator_m2`` there is no denominator, ``"none"``).

    Returns
    -------
    CountyFigures

    Raises
    ------
    PlanError
        ``denominator_source`` is not one of the three, or is ``"stated"``/``"survey"``
        without ``denominator_m2``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> crs = "EPSG:4529"
    >>> county = gpd.GeoDataFrame(geometry=[box(0, 0, 10, 10)], crs=crs)
    >>> red = gpd.GeoDataFrame(geometry=[box(0, 0, 5, 10)], crs=crs)
    >>> farm = gpd.GeoDataFrame(geometry=[box(4, 0, 6, 1)], crs=crs)
    >>> f = measure_county({"boundary": county, "red_line": red, "basic_farmland": farm},
    ...                    method="planar")
    >>> f.denominator_m2, f.denominator_source, f.overlaps["area_m2"].tolist()
    (100.0, 'boundary', [1.0])
    >>> sorted(f.conflicts)
    ['overlap_red_line__basic_farmland']
    """
    if denominator_source not in (None, *DENOMINATOR_SOURCES):
        raise PlanError(
            f"denominator_source {denominator_source!r} is not known; use one of "
            f"{', '.join(map(repr, DENOMINATOR_SOURCES))}"
        )
    if denominator_source in ("stated", "survey") and denominator_m2 is None:
        raise PlanError(
            f"denominator_source={denominator_source!r} needs denominator_m2, the area "
            "itself; pass it, or denominator_source='boundary' to use the boundary layer"
        )
    crs = check_same_crs(layers)
    cleaned = {role: _clean(gdf, crs, method) for role, gdf in layers.items()}
    if denominator_m2 is not None:
        source = denominator_source or "stated"
    elif "boundary" in cleaned:
        denominator_m2 = float(cleaned["boundary"].area.sum())
        source = "boundary"
    else:
        source = "none"
    log.debug("denominator %s m² (%s), method %s", denominator_m2, source, method)

    pair_cache: dict[tuple[str, str], tuple] = {}

    def pieces(ra: str, rb: str):
        if (ra, rb) not in pair_cache:
            ca, cb = cleaned[ra], cleaned[rb]
            pair_cache[(ra, rb)] = _pieces(ca.geoms, cb.geoms, ca.area, cb.area, crs, method)
        return pair_cache[(ra, rb)]

    roles = tuple(r for r in OVERLAP_ROLES if r in layers)
    matrix = overlap_matrix(
        layers,
        method=method,
        denominator_m2=denominator_m2,
        roles=roles,
        _cleaned=cleaned,
        _pieces_of=pieces,
    )
    conflicts: dict[str, gpd.GeoDataFrame] = {}
    for row in matrix.itertuples():
        if not row.must_not_overlap or row.area_m2 <= 0:
            continue
        ra, rb = row.role_a, row.role_b
        ca, cb = cleaned[ra], cleaned[rb]
        ia, jb, g, a = pieces(ra, rb)
        src = _source_pieces(ca, cb, ia, jb, crs, method)
        if src is None:
            # cleaned geometries are the source features: reuse the matrix' pieces
            src = ca.src[ia], cb.src[jb], g, a
        frame = _pieces_frame(layers[ra], layers[rb], *src, crs)
        frame = frame[frame["area_m2"] >= min_conflict_m2]
        if len(frame):
            conflicts[f"overlap_{ra}__{rb}"] = frame

    outside_boundary: dict[str, float] = {}
    cont_rows = []
    for inner, outer in CONTAINMENT:
        if inner not in layers or outer not in layers:
            continue
        inner_m2 = float(cleaned[inner].area.sum())
        # the area of the geometric difference, not union − intersection: under the
        # vertex-based ellipsoidal formula the two differ by ~1e-6 of the area
        _, rest = _outside_geoms(cleaned[inner].geoms, cleaned[outer].geoms)
        outside = float(_areas(rest, crs, method).sum())
        if outer == "boundary":
            outside_boundary[inner] = outside
        inside = inner_m2 - outside
        out_p = None
        if outside >= min_conflict_m2:
            out_p = _outside(layers[inner], cleaned[inner], cleaned[outer], crs, method)
            out_p = out_p[out_p["area_m2"] >= min_conflict_m2]
            if len(out_p):
                conflicts[f"outside_{inner}__{outer}"] = out_p
        cont_rows.append(
            {
                "inner": inner,
                "outer": outer,
                "inner_m2": inner_m2,
                "inside_m2": inside,
                "outside_m2": outside,
                "share_outside": outside / inner_m2 if inner_m2 else np.nan,
                "features_outside": 0 if out_p is None else len(out_p),
            }
        )
    cov = _coverage_frame(
        cleaned, cleaned.get("boundary"), denominator_m2, crs, method, outside_boundary
    )
    containment = pd.DataFrame(
        cont_rows,
        columns=[
            "inner",
            "outer",
            "inner_m2",
            "inside_m2",
            "outside_m2",
            "share_outside",
            "features_outside",
        ],
    )

    so_rows = []
    for role, c in cleaned.items():
        frame = _self_overlap_frame(layers[role], c, crs, method)
        dup = frame["duplicate"].to_numpy(dtype=bool)
        so_rows.append(
            {
                "role": role,
                "pairs": len(frame),
                "duplicate_pairs": int(dup.sum()),
                "pair_overlap_m2": float(frame["area_m2"].sum()),
                "double_counted_m2": c.member_area_sum - float(c.area.sum()),
            }
        )
        big = frame["area_m2"].to_numpy() >= min_conflict_m2
        if (big & ~dup).any():
            conflicts[f"self_overlap_{role}"] = frame[big & ~dup]
        if dup.any():
            conflicts[f"duplicate_{role}"] = frame[dup]
    self_ov = pd.DataFrame(
        so_rows,
        columns=["role", "pairs", "duplicate_pairs", "pair_overlap_m2", "double_counted_m2"],
    )

    townships = None
    if "townships" in layers and by_township:
        tab_layers = {r: layers[r] for r in roles}
        townships = township_table(
            layers["townships"],
            tab_layers,
            name_field=name_field,
            method=method,
            boundary=layers.get("boundary"),
            _cleaned=cleaned,
        )
    lc = None
    if "land_use" in layers:
        lc = land_cover(
            layers["land_use"],
            classes=classes,
            field=land_use_field,
            method=method,
            denominator_m2=denominator_m2 if denominator_m2 else None,
            denominator_source=source,
            _cleaned=cleaned["land_use"],
        )
    for frame in conflicts.values():
        frame.attrs["area_method"] = method
    return CountyFigures(
        crs=_crs_name(crs),
        denominator_m2=denominator_m2,
        denominator_source=source,
        method=method,
        coverage=cov,
        overlaps=matrix,
        containment=containment,
        self_overlaps=self_ov,
        townships=townships,
        land_cover=lc,
        conflicts=conflicts,
    )


# ----------------------------------------------------------------------------- text tables
SECTIONS: tuple[str, ...] = (
    "coverage",
    "overlaps",
    "containment",
    "self_overlaps",
    "land_cover",
    "land_cover_raster",
    "townships",
)

_DENOMINATOR_LABELS = {
    "boundary": "computed area of the county boundary layer (行政区边界计算面积)",
    "stated": "stated total (规划给定总面积)",
    "survey": "survey area (调查面积)",
    "none": "none (no boundary layer and no stated total)",
}
_STATUS_LABELS = {"violated": "违反 violated", "ok": "符合 ok", "": ""}
#: Features listed by name under the containment table, per pair (the rest are counted).
LIST_OUTSIDE = 10


def _in_unit(df: pd.DataFrame, unit: str, decimals: int) -> pd.DataFrame:
    """``*_m2`` columns converted to ``unit`` and rounded; shares as percent."""
    per = UNITS[unit]
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        v = df[col]
        if col.endswith("_m2"):
            out[f"{col[:-3]}_{unit}"] = (v / per).round(decimals)
        elif col == "share" or col.startswith("share_") or col.endswith("_share"):
            out[f"{col}_%"] = (v * 100).round(2)
        elif col in ("denominator_source", "values", "raster_values"):
            continue
        else:
            out[col] = v
    return out


def _cell(v: Any, decimals: int) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, (float, np.floating)):
        return f"{v:,.{decimals}f}"
    return str(v)


def _table(df: pd.DataFrame, decimals: int) -> str:
    """``df`` as a text table aligned for Chinese text; numbers right-aligned."""
    from ._text_table import text_table

    numeric = [
        pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
        for c in df.columns
    ]
    rows = [[_cell(v, decimals) for v in r] for r in df.itertuples(index=False)]
    return text_table(
        [str(c) for c in df.columns], rows, ["right" if n else "left" for n in numeric]
    )


def _outside_lines(figures: CountyFigures, unit: str, decimals: int) -> list[str]:
    """Under the containment table: the features outside, by id/name and area."""
    from .overlap import ID_FIELDS

    per = UNITS[unit]
    lines = []
    for row in figures.containment.itertuples():
        pieces = figures.conflicts.get(f"outside_{row.inner}__{row.outer}")
        if pieces is None or not len(pieces):
            continue
        pieces = pieces.sort_values("area_m2", ascending=False)
        idf = next((f for f in ID_FIELDS if f in pieces.columns), None)
        lines.append(f"{row.inner} outside {row.outer}: {len(pieces)} feature(s) 范围外要素")
        for p in pieces.head(LIST_OUTSIDE).itertuples():
            label = str(getattr(p, idf)) if idf else ""
            where = f"row {p.fid}" if "fid" in pieces.columns else ""
            name = f"{label} ({where})" if label and where else label or where
            lines.append(
                f"  {name}  {p.area_m2 / per:,.{decimals}f} {unit}"
                f" of {p.feature_m2 / per:,.{decimals}f} {unit}"
            )
        if len(pieces) > LIST_OUTSIDE:
            rest = float(pieces["area_m2"].iloc[LIST_OUTSIDE:].sum())
            lines.append(
                f"  … {len(pieces) - LIST_OUTSIDE} more, {rest / per:,.{decimals}f} {unit}"
            )
    if lines:
        lines.insert(0, "features outside (row: 0-based row in the source layer):")
    return lines


def _raster_beside_vector(figures: CountyFigures) -> pd.DataFrame:
    """Raster cover figures beside the land-use parcels' ones, one row per class set."""
    r = figures.land_cover_raster.set_index("class")
    v = figures.land_cover.set_index("class") if figures.land_cover is not None else None
    out = pd.DataFrame({"class": r.index})
    out["label"] = [CLASS_LABELS.get(c, {}).get("zh", "") for c in r.index]
    out["codes"] = r["codes"].to_numpy()
    if v is not None:
        out["parcels_m2"] = v["area_m2"].reindex(r.index).to_numpy()
        out["parcels_share"] = v["share"].reindex(r.index).to_numpy()
    out["raster_classes"] = r["raster_classes"].to_numpy()
    out["raster_codes"] = r["raster_codes"].to_numpy()
    out["raster_m2"] = r["area_m2"].to_numpy()
    out["raster_share"] = r["share"].to_numpy()
    if v is not None:
        # (+ 0.0 turns a rounded -0.0 into 0.0)
        out["difference_pp"] = ((out["raster_share"] - out["parcels_share"]) * 100).round(2) + 0.0
    return out


def format_county(
    figures: CountyFigures,
    *,
    unit: str = "ha",
    decimals: int = 2,
    sections: Iterable[str] = SECTIONS,
) -> str:
    """The figures as plain-text tables, each header stating method, unit and denominator.

    Columns line up with Chinese text.  Under the overlap matrix ``status`` says whether
    the three control lines' rule is broken; under the containment table the features
    outside are listed by id and area.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> red = gpd.GeoDataFrame(geometry=[box(0, 0, 100, 100)], crs="EPSG:4529")
    >>> text = format_county(measure_county({"red_line": red}, method="planar"), unit="m2")
    >>> "unit: m2" in text and "union_m2" in text
    True
    >>> print(text.splitlines()[1])
    CRS (overlay): EPSG:4529 CGCS2000 / 3-degree Gauss-Kruger zone 41
    """
    from .area import METHOD_LABELS

    unit = normalize_unit(unit)
    sections = tuple(sections)
    den = figures.denominator_m2
    den_txt = _DENOMINATOR_LABELS.get(figures.denominator_source, figures.denominator_source)
    if den:
        den_txt += f" = {den / UNITS[unit]:,.{decimals}f} {unit}"
    label = METHOD_LABELS.get(figures.method, {}).get("zh", figures.method)
    lines = [f"method: {figures.method} — {label}"]
    if figures.crs:
        lines.append(f"CRS (overlay): {figures.crs}")
    lines += [
        f"unit: {unit}   shares: % of the denominator",
        f"denominator: {den_txt}",
    ]
    cov = figures.coverage
    clipped = cov is not None and "inside_m2" in cov and cov["inside_m2"].notna().any()
    titles = {
        "coverage": "Coverage of each layer (union: overlaps counted once) 覆盖面积"
        + (
            "; share = area inside the county boundary (县界内面积) / denominator"
            if clipped
            else ""
        ),
        "overlaps": "Overlaps between layers (status: 三条控制线不交叉不重叠, violated from "
        f"{OVERLAP_TOLERANCE_M2 / UNITS[unit]:g} {unit}) 重叠",
        "containment": "Containment (area of the inner layer outside the outer one) 包含关系",
        "self_overlaps": "Overlaps and duplicates within a layer 图层内重叠与重复",
        "land_cover": "Land cover from land-use parcels (DLBM codes) 地类覆盖率",
        "land_cover_raster": "Land cover from the classified raster beside the parcels "
        "(raster: ellipsoidal pixel areas; same denominator) 栅格地类覆盖率",
        "townships": "By township (rows add up to 合计; gaps and overlaps as own rows) 分乡镇",
    }
    for name in sections:
        df = getattr(figures, name, None)
        if df is None or len(df) == 0:
            continue
        if name == "land_cover_raster":
            df = _raster_beside_vector(figures)
        if name == "townships":
            df = df[[c for c in df.columns if not c.endswith(f"_{unit}") or c == "area_m2"]]
        shown = _in_unit(df, unit, decimals)
        if name == "overlaps" and "status" in shown:
            shown["status"] = shown["status"].map(lambda v: _STATUS_LABELS.get(v, v))
        if name == "townships":
            # the balanced (强制调平) columns replace the plainly rounded ones
            for col in figures.townships.columns:
                if col.endswith(f"_{unit}"):
                    shown[col] = figures.townships[col]
        lines += ["", f"== {titles[name]} [{unit}] ==", _table(shown, decimals)]
        if name == "containment":
            lines += _outside_lines(figures, unit, decimals)
        if name == "land_cover_raster":
            r = figures.land_cover_raster
            lines.append(
                f"raster: {r.attrs.get('raster', '')}  classes: {r.attrs.get('class_map', '')}"
            )
            missing = r.loc[r["raster_values"] == "", "class"].tolist()
            if missing:
                lines.append(
                    f"no raster class maps to {', '.join(missing)} (not measurable from this "
                    "raster; add a class with dlbm_prefixes or counts_as to the class map)"
                )
    notes = figures.townships.attrs.get("notes") if figures.townships is not None else None
    if notes and "townships" in sections:
        lines += ["", "notes:"] + [f"  - {n}" for n in notes]
    return "\n".join(lines)
