"""Land cover: forest, forest-and-grass, wetland and cropland shares (private).

From land-use parcels (三调 ``DLTB``, by their ``DLBM`` class codes) and from classified
rasters (ellipsoidal pixel areas, classes mapped to the same class sets).  Public as
:mod:`ecospace.stats` names: :data:`CLASS_SETS`, :func:`land_cover_area`,
:func:`land_cover`, :func:`raster_class_shares`, :func:`raster_land_cover` and
:func:`read_class_map`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ecospace._limits import check_denominator
from ecospace.errors import EcospaceError
from ecospace.geometry.area import Method, areas
from ecospace.loading._raster import as_class_map, count_pixels, cover_values, read_class_map
from ecospace.measuring._layer_crs import check_same_crs
from ecospace.measuring._pairs import _clean, _subset_union_area
from ecospace.vocabulary import CLASS_LABELS, CLASS_SETS

__all__ = [
    "CLASS_LABELS",
    "CLASS_SETS",
    "land_cover",
    "land_cover_area",
    "raster_class_shares",
    "raster_land_cover",
    "read_class_map",
]


#: Default land-use classes (三调 codes, GB/T 21010-2017 work classification) of each
#: cover figure.  A code matches every ``DLBM`` that starts with it, so ``"03"`` is all of
#: 林地 and ``"0301"`` also matches ``"0301K"``.
#:
#: ``forest`` (森林覆盖率) counts 0301 乔木林地, 0302 竹林地, 0305 灌木林地 and 0307 其他林地;
#: 0303 红树林地, 0304 森林沼泽 and 0306 灌丛沼泽 are forest *and* wetland types, and whether
#: they count as forest is a local choice (pass ``classes={"forest": ["03"]}`` to include them).
#: ``forest_grass`` (林草覆盖率) = forest + every 04 草地 class; ``wetland`` (湿地) is the
#: cross-cutting 三调 class list; ``cropland`` = 01 耕地.
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
    denominator_m2 = check_denominator(denominator_m2)
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
    denominator_m2 = check_denominator(denominator_m2)
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
    :func:`ecospace.loading._raster.pixel_areas` (the official series on pixel polygons of
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
