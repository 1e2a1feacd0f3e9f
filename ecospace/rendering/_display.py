"""Display copies of map layers: popup rows, grouping of large layers, size budget (private).

The area shown in a popup is computed on the full-resolution geometry in the layer's own
CRS; the geometry drawn is a copy reprojected to EPSG:4326, simplified until the page fits
its byte budget and rounded to 6 decimals.  Features stay individual (each with its own
popup) unless the budget cannot be met with them simplified at up to
:data:`_DETAIL_TOLERANCE_M`; only then are the largest layers grouped (per township, grid
cell or land-use class).  Used by :func:`ecospace.rendering.maps.make_map`.
"""

from __future__ import annotations

import html
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecospace.errors import CRSError, RoleError
from ecospace.geometry.area import areas
from ecospace.rendering.styles import LAND_USE_CLASSES, METHOD_SHORT, ROLE_STYLES, conflict_label

log = logging.getLogger("ecospace")

_NAME_FIELDS = {
    "boundary": ["XZQMC"],
    "townships": ["XZQMC", "XZMC"],
    "red_line": ["HXMC", "ZRBHDMC"],
    "basic_farmland": ["ZLDWMC", "DLMC"],
    "urban_boundary": ["GHFQMC"],
    "protected_area": ["ZRBHDMC", "BHDMC", "ZRBHQMC"],
    "land_use": ["DLMC"],
}
_CODE_FIELDS = {
    "boundary": ["XZQDM"],
    "townships": ["XZQDM"],
    "red_line": ["HXBH"],
    "basic_farmland": ["YJJBNTTBBH", "JBNTTBBH", "TBBH"],
    "urban_boundary": ["GHFQDM"],
    "protected_area": ["ZRBHDDM", "BHDDM", "ZRBHDBH"],
    "land_use": ["DLBM"],
}
#: Type of area: 红线类型 (HXLX, e.g. 水源涵养) is a type, not a code.
_TYPE_FIELDS = {
    "red_line": ["HXLX"],
    "protected_area": ["ZRBHDLX", "LX"],
}
#: Land class (地类编码 and 地类名称) of basic-farmland patches.
_CLASS_FIELDS = {"basic_farmland": ("DLBM", "DLMC")}
_GENERIC_NAME = ["MC", "NAME", "Name", "name", "名称"]
_GENERIC_CODE = ["BSM", "DM", "CODE", "Code", "code", "编码"]

#: Rough bytes of one "[lon, lat], " pair in the embedded GeoJSON (6 decimals, json spaces),
#: of a polygon part's brackets, and of a feature's GeoJSON skeleton.
_BYTES_PER_COORD = 26
_BYTES_PER_PART = 8
_BYTES_PER_FEATURE = 90
#: Leaflet, its CSS and folium's page skeleton.
_PAGE_OVERHEAD = 250_000
_TOLERANCES_M = (0, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)
#: Coarsest simplification for features drawn one by one: below a screen pixel at township
#: zoom.  A page that only fits coarser is drawn with its largest layers grouped instead.
_DETAIL_TOLERANCE_M = 10
_M_PER_DEGREE = 111_320.0
#: Layers never grouped (few features, and their outlines are the map's frame).
_NEVER_GROUPED = ("boundary", "townships")
_GRID_CELLS = 400

_FIELD_ALIASES = {
    "layer": "图层 Layer",
    "name": "名称 Name",
    "type": "类型 Type",
    "code": "编码 Code",
    "class": "地类 Land class",
    "count": "图斑数 Features",
    "fid": "要素号 FID",
    "area": "面积 Area",
}
#: Popup rows left out of a layer when no feature has a value.
_OPTIONAL_FIELDS = ("name", "type", "code", "class")


def _as_gdf(obj: Any, what: str) -> gpd.GeoDataFrame:
    gdf = getattr(obj, "gdf", obj)  # an ecospace.loading.layers.Layer
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise RoleError(f"{what}: expected a GeoDataFrame or Layer, got {type(obj).__name__}")
    if gdf.crs is None:
        raise CRSError(f"{what}: the layer has no CRS; set one with gdf.set_crs(...)")
    keep = ~(gdf.geometry.isna() | gdf.geometry.is_empty)
    return gdf[keep.to_numpy()]


def _area_text(m2: np.ndarray, method: str) -> np.ndarray:
    label = METHOD_SHORT[method]
    return np.array([f"{a / 1e4:,.2f} 公顷（{label}）" for a in m2], dtype=object)


def _pick(gdf: gpd.GeoDataFrame, candidates: list[str]) -> pd.Series | None:
    for col in candidates:
        if col in gdf.columns:
            return gdf[col]
    return None


def _text(values: pd.Series | None, n: int) -> np.ndarray:
    if values is None:
        return np.full(n, "", dtype=object)
    out = values.astype(object).where(values.notna(), "").astype(str)
    return np.array([html.escape(v) for v in out], dtype=object)


@dataclass
class _Display:
    """What one map layer draws: source geometries in EPSG:4326 and the popup rows.

    ``group`` maps each source geometry to its row in ``props`` when the layer is drawn
    grouped (one MultiPolygon per row, collected after simplification), else ``None``.
    ``area_m2`` holds the full-geometry area of each source geometry.
    """

    geoms: np.ndarray
    props: pd.DataFrame
    group: np.ndarray | None = None
    area_m2: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.props)


def _display_copy(gdf: gpd.GeoDataFrame, role: str, method: str) -> _Display:
    """One popup row per feature (escaped) with its full-geometry area; geometry in EPSG:4326."""
    n = len(gdf)
    area_m2 = areas(gdf.geometry, gdf.crs, method=method)  # full resolution, original CRS
    # the id QGIS shows (src_fid), else the row as read
    ids = _pick(gdf, ["src_fid", "fid"])
    fid = ids.to_numpy() if ids is not None else np.arange(n)
    cols = {
        "layer": ROLE_STYLES[role]["zh"],
        "name": _text(_pick(gdf, _NAME_FIELDS[role] + _GENERIC_NAME), n),
        "type": _text(_pick(gdf, _TYPE_FIELDS.get(role, [])), n),
        "code": _text(_pick(gdf, _CODE_FIELDS[role] + _GENERIC_CODE), n),
        "class": _land_class(gdf, role, n),
        "fid": fid.astype(str),
        "area": _area_text(area_m2, method),
    }
    props = pd.DataFrame(
        {k: v for k, v in cols.items() if k not in _OPTIONAL_FIELDS or any(v)}, index=range(n)
    )
    geom = np.asarray(gdf.geometry.to_crs("EPSG:4326").values, dtype=object)
    return _Display(geom, props, area_m2=area_m2)


def _land_class(gdf: gpd.GeoDataFrame, role: str, n: int) -> np.ndarray:
    """ "0101 水田": 地类编码 and 地类名称 side by side (empty where the layer has neither)."""
    cols = [c for c in _CLASS_FIELDS.get(role, ()) if c in gdf.columns]
    if not cols:
        return np.full(n, "", dtype=object)
    parts = [_text(gdf[c], n).astype(str) for c in cols]
    joined = parts[0]
    for p in parts[1:]:
        joined = np.char.add(np.char.add(joined, " "), p)
    return np.char.strip(joined).astype(object)


def _grouped_copy(
    gdf: gpd.GeoDataFrame,
    disp: _Display,
    role: str,
    method: str,
    townships: gpd.GeoDataFrame | None,
    cells: int = _GRID_CELLS,
) -> _Display:
    """``disp`` drawn as groups (land use per class, else per township or grid cell)."""
    geom, n = disp.geoms, len(disp.geoms)
    if role == "land_use":
        dlbm = _pick(gdf, ["DLBM"])
        key = (
            dlbm.astype(str).str[:2].to_numpy()
            if dlbm is not None
            else np.full(n, "", dtype=object)
        )
        group_names = {k: LAND_USE_CLASSES.get(k, ("其他", ""))[0] for k in set(key)}
        how = "land-use class"
    elif townships is not None and len(townships):
        key, group_names = _group_by_township(geom, townships)
        how = "township"
    else:
        key, group_names = _group_by_grid(geom, cells)
        how = "grid cell"
    group, uniques = pd.factorize(pd.Series(key, dtype=object), sort=True)
    log.info(
        "%s: %d features drawn as %d groups (per %s); popups give group totals",
        role,
        n,
        len(uniques),
        how,
    )
    props = pd.DataFrame(
        {
            "layer": ROLE_STYLES[role]["zh"],
            "name": [html.escape(group_names[k]) for k in uniques],
            "code": [html.escape(str(k)) for k in uniques],
            "count": [f"{c:,}" for c in np.bincount(group, minlength=len(uniques))],
            "area": _area_text(
                np.bincount(group, weights=disp.area_m2, minlength=len(uniques)), method
            ),
        }
    )
    return _Display(geom, props, group, disp.area_m2)


def _collect(geom: np.ndarray, group: np.ndarray, k: int) -> np.ndarray:
    """One MultiPolygon per group (parts collected, not dissolved: drawing needs no union)."""
    parts, idx = shapely.get_parts(geom, return_index=True)
    poly = shapely.get_type_id(parts) == 3
    parts, part_group = parts[poly], group[idx[poly]]
    order = np.argsort(part_group, kind="stable")
    parts, part_group = parts[order], part_group[order]
    out = np.full(k, None, dtype=object)
    present = np.unique(part_group)
    # shapely numbers the output by distinct index; map back to the group numbers
    _, dense = np.unique(part_group, return_inverse=True)
    out[present] = shapely.multipolygons(parts, indices=dense)
    return out


def _group_by_township(geom: np.ndarray, townships: gpd.GeoDataFrame):
    tw = townships.to_crs("EPSG:4326")
    names = _pick(tw, _NAME_FIELDS["townships"] + _GENERIC_NAME)
    codes = _pick(tw, _CODE_FIELDS["townships"] + _GENERIC_CODE)
    labels = [str(names.iloc[i]) if names is not None else f"乡镇 {i + 1}" for i in range(len(tw))]
    keys = [str(codes.iloc[i]) if codes is not None else str(i + 1) for i in range(len(tw))]
    pts = shapely.point_on_surface(geom)
    tree = shapely.STRtree(tw.geometry.values)
    src, dst = tree.query(pts, predicate="within")
    key = np.full(len(geom), "-", dtype=object)
    first = np.unique(src, return_index=True)[1]
    key[src[first]] = np.asarray(keys, dtype=object)[dst[first]]
    group_names = dict(zip(keys, labels, strict=True))
    group_names["-"] = "乡镇界外 outside townships"
    return key, group_names


def _group_by_grid(geom: np.ndarray, cells: int):
    pts = shapely.get_coordinates(shapely.point_on_surface(geom))
    side = max(1, int(math.sqrt(min(cells, _GRID_CELLS))))
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    cell = np.maximum((hi - lo) / side, 1e-9)
    ij = np.minimum(((pts - lo) / cell).astype(int), side - 1)
    key = np.array([f"{r + 1:02d}-{c + 1:02d}" for c, r in ij], dtype=object)
    return key, {k: f"网格 grid {k}" for k in set(key)}


def _conflict_copy(gdf: gpd.GeoDataFrame, name: str, method: str) -> _Display:
    n = len(gdf)
    zh, _ = conflict_label(name)
    area_m2 = areas(gdf.geometry, gdf.crs, method=method)
    ids = []
    for cols in (
        ("a_src_fid", "b_src_fid"),
        ("src_fid_a", "src_fid_b"),
        ("src_fid",),
        ("a_fid", "b_fid"),
        ("fid_a", "fid_b"),
        ("fid",),
    ):
        if all(c in gdf.columns for c in cols):
            ids = [gdf[c].astype(str).to_numpy() for c in cols]
            break
    fid = np.array([" × ".join(t) for t in zip(*ids, strict=True)], dtype=object) if ids else None
    if "duplicate" in gdf.columns:
        dup = np.where(gdf["duplicate"].fillna(False).astype(bool), "（重复图斑 duplicate）", "")
        fid = np.char.add(fid.astype(str), dup.astype(str)).astype(object)
    props = pd.DataFrame(
        {
            "layer": html.escape(f"冲突：{zh}"),
            "fid": _text(pd.Series(fid), n) if fid is not None else np.arange(n).astype(str),
            "area": _area_text(area_m2, method),
        }
    )
    return _Display(np.asarray(gdf.geometry.to_crs("EPSG:4326").values, dtype=object), props)


class _SizeEstimate:
    """Estimated bytes of display copies in the page, simplification counted once per layer.

    Props are measured as the page writes them (JSON, non-ASCII escaped); geometry as
    coordinates × :data:`_BYTES_PER_COORD` after simplification.  Grouping a layer changes
    its props only: its parts are simplified the same way, then collected.
    """

    def __init__(self):
        self._coords: dict[tuple[int, float], int] = {}

    def coords(self, disp: _Display, tol_m: float) -> int:
        key = (id(disp.geoms), tol_m)
        if key not in self._coords:
            g = disp.geoms
            if tol_m:
                g = shapely.simplify(g, tol_m / _M_PER_DEGREE, preserve_topology=True)
            parts = int(shapely.get_num_geometries(g).sum())
            n = int(shapely.get_num_coordinates(g).sum())
            self._coords[key] = n * _BYTES_PER_COORD + parts * _BYTES_PER_PART
        return self._coords[key]

    def props(self, disp: _Display) -> int:
        return len(json.dumps(disp.props.to_dict("records"))) + _BYTES_PER_FEATURE * len(disp)

    def total(self, displays: list[_Display], tol_m: float) -> int:
        return _PAGE_OVERHEAD + sum(self.props(d) + self.coords(d, tol_m) for d in displays)

    def smallest_tolerance(
        self, displays: list[_Display], max_bytes: int, ladder: tuple[float, ...]
    ) -> float | None:
        """The smallest tolerance (m) of ``ladder`` that fits, None if none does."""
        # bisection: the estimate shrinks as the tolerance grows
        lo, hi = 0, len(ladder) - 1
        if self.total(displays, ladder[lo]) <= max_bytes:
            return ladder[lo]
        if self.total(displays, ladder[hi]) > max_bytes:
            return None
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if self.total(displays, ladder[mid]) <= max_bytes else (mid, hi)
        return ladder[hi]


def _fit_displays(
    displays: list[_Display], regroup: dict[int, Callable[[], _Display]], max_bytes: int
) -> tuple[list[_Display], float]:
    """Display copies and a simplification tolerance (degrees) that fit ``max_bytes``.

    Features stay individual while the page fits with them simplified at up to
    :data:`_DETAIL_TOLERANCE_M`; otherwise the layers in ``regroup`` (index → grouped copy)
    are grouped, largest first, until it does.  Then the smallest tolerance that fits wins.
    """
    displays = list(displays)
    size = _SizeEstimate()
    detail = tuple(t for t in _TOLERANCES_M if t <= _DETAIL_TOLERANCE_M)
    pending = {i: f for i, f in regroup.items() if displays[i].group is None}
    while pending and size.smallest_tolerance(displays, max_bytes, detail) is None:
        i = max(pending, key=lambda j: size.props(displays[j]))
        displays[i] = pending.pop(i)()
    tol = size.smallest_tolerance(displays, max_bytes, _TOLERANCES_M)
    if tol is None:
        tol = _TOLERANCES_M[-1]
        log.warning("display copies exceed %d bytes even simplified at %g m", max_bytes, tol)
    elif tol:
        log.info("display copies simplified at %g m to fit %d bytes", tol, max_bytes)
    return displays, tol / _M_PER_DEGREE


def _feature_collection(disp: _Display, tol: float) -> dict:
    """GeoJSON of a display copy: simplified at ``tol`` degrees, coordinates to 6 decimals."""
    g = disp.geoms
    if tol:
        g = shapely.simplify(g, tol, preserve_topology=True)
    if disp.group is not None:
        g = _collect(g, disp.group, len(disp))
    g = shapely.transform(g, lambda c: np.round(c, 6))
    gj = shapely.to_geojson(g)
    props = disp.props.to_dict("records")
    feats = ",".join(
        f'{{"type":"Feature","id":{i},"properties":{json.dumps(p, ensure_ascii=False)},'
        f'"geometry":{s}}}'
        for i, (p, s) in enumerate(zip(props, gj, strict=True))
        if s is not None
    )
    # GEOS prints a few rounded values with 17 significant digits; they parse back to the
    # same doubles, which the page's JSON encoder then writes in their shortest form
    return json.loads(f'{{"type":"FeatureCollection","features":[{feats}]}}')
