"""Display copies of map layers: popup rows, grouping of large layers, size budget (private).

The area shown in a popup is computed on the full-resolution geometry in the layer's own
CRS; the geometry drawn is a copy reprojected to EPSG:4326, grouped when a layer has more
features than the map should carry, simplified until the page fits its byte budget and
rounded to 6 decimals.  Used by :func:`ecospace.maps.make_map`.
"""

from __future__ import annotations

import html
import json
import logging
import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._errors import CRSError, RoleError
from ._map_styles import LAND_USE_CLASSES, METHOD_SHORT, ROLE_STYLES, conflict_label
from .area import areas

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
    "red_line": ["HXBH", "HXLX"],
    "basic_farmland": ["YJJBNTTBBH", "JBNTTBBH", "TBBH"],
    "urban_boundary": ["GHFQDM"],
    "protected_area": ["ZRBHDDM", "BHDDM", "ZRBHDBH"],
    "land_use": ["DLBM"],
}
_GENERIC_NAME = ["MC", "NAME", "Name", "name", "名称"]
_GENERIC_CODE = ["BSM", "DM", "CODE", "Code", "code", "编码"]

#: Rough bytes of one "[lon, lat], " pair in the embedded GeoJSON (6 decimals, json spaces),
#: and of a feature's GeoJSON skeleton.
_BYTES_PER_COORD = 26
_BYTES_PER_FEATURE = 90
#: Leaflet, its CSS and folium's page skeleton.
_PAGE_OVERHEAD = 250_000
_TOLERANCES_M = (0, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)
_M_PER_DEGREE = 111_320.0

_FIELD_ALIASES = {
    "layer": "图层 Layer",
    "name": "名称 Name",
    "code": "编码 Code",
    "count": "图斑数 Features",
    "fid": "要素号 FID",
    "area": "面积 Area",
}


def _as_gdf(obj: Any, what: str) -> gpd.GeoDataFrame:
    gdf = getattr(obj, "gdf", obj)  # an ecospace.layers.Layer
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
    """

    geoms: np.ndarray
    props: pd.DataFrame
    group: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.props)


def _display_copy(
    gdf: gpd.GeoDataFrame,
    role: str,
    method: str,
    max_features: int,
    townships: gpd.GeoDataFrame | None,
) -> _Display:
    """Attributes (escaped) and full-geometry areas, geometry in EPSG:4326, grouped if large."""
    n = len(gdf)
    area_m2 = areas(gdf.geometry, gdf.crs, method=method)  # full resolution, original CRS
    names = _text(_pick(gdf, _NAME_FIELDS[role] + _GENERIC_NAME), n)
    codes = _text(_pick(gdf, _CODE_FIELDS[role] + _GENERIC_CODE), n)
    fid = gdf["fid"].to_numpy() if "fid" in gdf.columns else np.arange(n)
    geom = np.asarray(gdf.geometry.to_crs("EPSG:4326").values, dtype=object)
    label = ROLE_STYLES[role]["zh"]
    if n <= max_features or role == "boundary":
        props = pd.DataFrame(
            {
                "layer": label,
                "name": names,
                "code": codes,
                "fid": fid.astype(str),
                "area": _area_text(area_m2, method),
            }
        )
        return _Display(geom, props)
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
        key, group_names = _group_by_grid(geom, max_features)
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
            "layer": label,
            "name": [html.escape(group_names[k]) for k in uniques],
            "code": [html.escape(str(k)) for k in uniques],
            "count": [f"{c:,}" for c in np.bincount(group, minlength=len(uniques))],
            "area": _area_text(np.bincount(group, weights=area_m2, minlength=len(uniques)), method),
        }
    )
    return _Display(geom, props, group)


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


def _group_by_grid(geom: np.ndarray, max_features: int):
    pts = shapely.get_coordinates(shapely.point_on_surface(geom))
    side = max(1, int(math.sqrt(min(max_features, 400))))
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
    for cols in (("a_fid", "b_fid"), ("fid_a", "fid_b"), ("fid",)):
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


def _fit_tolerance(displays: list[_Display], max_bytes: int) -> float:
    """The smallest simplification tolerance (degrees) whose GeoJSON fits ``max_bytes``."""
    if not displays:
        return 0.0
    allg = np.concatenate([d.geoms for d in displays])
    props = sum(
        len(json.dumps(d.props.to_dict("records"))) + _BYTES_PER_FEATURE * len(d) for d in displays
    )
    budget = max_bytes - props - _PAGE_OVERHEAD

    def fits(i: int) -> bool:
        tol = _TOLERANCES_M[i] / _M_PER_DEGREE
        g = shapely.simplify(allg, tol, preserve_topology=True) if tol else allg
        return int(shapely.get_num_coordinates(g).sum()) * _BYTES_PER_COORD <= budget

    # bisection over the tolerance ladder: the estimate shrinks as the tolerance grows
    lo, hi = 0, len(_TOLERANCES_M) - 1
    if fits(lo):
        return 0.0
    if not fits(hi):
        log.warning(
            "display copies exceed %d bytes even simplified at %g m", max_bytes, _TOLERANCES_M[hi]
        )
        return _TOLERANCES_M[hi] / _M_PER_DEGREE
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if fits(mid) else (mid, hi)
    log.info("display copies simplified at %g m to fit %d bytes", _TOLERANCES_M[hi], max_bytes)
    return _TOLERANCES_M[hi] / _M_PER_DEGREE


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
