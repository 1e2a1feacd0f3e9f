"""Packed patch layers for the web map: every feature, compact enough for 10⁶ patches (private).

A layer too large to draw as SVG (thousands of farmland patches) travels in the page as
typed arrays — ring sizes, the first vertex of each feature and 16-bit steps between
vertices, quantised to :data:`QUANTUM_M` in Web Mercator metres (display only: areas are
computed on the full geometry in the layer's own CRS), ``src_fid``, area and dictionary-coded
text columns — all layers in one zlib (deflate) buffer, base64-encoded.  The page inflates it
with the browser's own ``DecompressionStream`` (in a worker, piece by piece as the page is read)
and draws it with ``ecospace/_static/ecospace-patches.js`` (canvas tiles; the features of a tile
or under a click found by a scan of the boxes, then a Flatbush index; a click is answered with a
point-in-polygon test).  Used by :func:`ecospace.rendering.maps.make_map`.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ecospace.geometry.area import areas
from ecospace.rendering._display import (
    _CLASS_FIELDS,
    _CODE_FIELDS,
    _FIELD_ALIASES,
    _GENERIC_CODE,
    _GENERIC_NAME,
    _NAME_FIELDS,
    _TYPE_FIELDS,
    _pick,
)
from ecospace.rendering.styles import LAND_USE_CLASSES, METHOD_SHORT, ROLE_STYLES

#: Quantum of the packed coordinates, Web Mercator metres (≈ 0.35 m on the ground at 45° N:
#: below a screen pixel at zoom 18).
QUANTUM_M = 0.5
_I16 = 32_767
_M_PER_DEGREE = 111_320.0
#: Simplify a layer whose features have more coordinates than this on average (surveyed
#: outlines); farmland patches of 5–10 vertices lose nothing by it and it costs seconds
_SIMPLIFY_FROM = 20
#: zlib level: 1 is ~3× faster than 6 and the page ~10 % larger
ZLIB_LEVEL = 1
_DTYPES = {"u8": "<u1", "i16": "<i2", "u16": "<u2", "i32": "<i4", "u32": "<u4", "f64": "<f8"}


@dataclass
class _Buffer:
    """Arrays appended one after another; ``spec`` tells the page where each one is."""

    chunks: list[bytes] = field(default_factory=list)
    size: int = 0

    def add(self, values: np.ndarray, dtype: str) -> list:
        raw = np.ascontiguousarray(values, dtype=_DTYPES[dtype]).tobytes()
        spec = [dtype, self.size, len(values) if values.ndim == 1 else values.size]
        self.chunks.append(raw)
        self.size += len(raw)
        return spec

    def add_bytes(self, raw: bytes) -> list[int]:
        spec = [self.size, len(raw)]
        self.chunks.append(raw)
        self.size += len(raw)
        return spec


@dataclass
class PackedLayers:
    """All packed layers of a map: ``data`` (base64 of the deflated buffer) and one
    description per layer (``meta``: arrays, origin, quantum, popup columns, style)."""

    data: str
    meta: list[dict]
    features: int

    def __len__(self) -> int:
        return len(self.data)


def pack_layers(frames: dict[str, gpd.GeoDataFrame], method: str) -> PackedLayers:
    """Pack role → layer frames (any CRS) for ``ecospace-patches.js``."""
    buf = _Buffer()
    meta = [_pack_one(buf, role, gdf, method) for role, gdf in frames.items()]
    raw = b"".join(buf.chunks)
    data = base64.b64encode(zlib.compress(raw, ZLIB_LEVEL)).decode("ascii")
    return PackedLayers(data, meta, sum(m["n"] for m in meta))


def _pack_one(buf: _Buffer, role: str, gdf: gpd.GeoDataFrame, method: str) -> dict:
    n = len(gdf)
    area_m2 = areas(gdf.geometry, gdf.crs, method=method)  # full resolution, own CRS
    fid = gdf["src_fid"] if "src_fid" in gdf.columns else gdf.get("fid", pd.Series(range(n)))
    fid = np.asarray(fid, dtype=np.float64)
    geoms = gdf.geometry
    # Hilbert order: neighbours on the map are neighbours in the buffer (smaller steps,
    # better compression, compact tiles)
    order = np.argsort(geoms.hilbert_distance().to_numpy(), kind="stable")
    g = np.asarray(geoms.values, dtype=object)[order]
    # vertices closer than half the quantum to the outline drawn add nothing: simplified
    # (plain Douglas-Peucker: a display copy need not stay valid) where features have many
    if len(g) and shapely.get_num_coordinates(g).mean() > _SIMPLIFY_FROM:
        tol = QUANTUM_M / 2 / (_M_PER_DEGREE if gdf.crs.is_geographic else 1)
        g = shapely.simplify(g, tol, preserve_topology=False)
    xy, ring_of_v, ring_feat, exterior = _rings(g)
    xy = _oriented(xy, ring_of_v, exterior)
    # drop each ring's closing vertex (the page closes rings itself)
    last = np.r_[np.flatnonzero(np.diff(ring_of_v)), len(ring_of_v) - 1]
    keep = np.ones(len(xy), bool)
    keep[last[last >= 0]] = False
    xy, ring_of_v = xy[keep], ring_of_v[keep]
    # display coordinates: Web Mercator, projected once for all vertices of the layer
    to_merc = pyproj.Transformer.from_crs(gdf.crs, "EPSG:3857", always_xy=True)
    xy = np.column_stack(to_merc.transform(xy[:, 0], xy[:, 1])) if len(xy) else xy
    origin = xy.min(axis=0) if len(xy) else np.zeros(2)
    q = QUANTUM_M
    qxy = np.round((xy - origin) / q).astype(np.int64)
    feat_of_v = ring_feat[ring_of_v]
    first = np.r_[True, feat_of_v[1:] != feat_of_v[:-1]] if len(qxy) else np.zeros(0, bool)
    steps = np.diff(qxy, axis=0)[~first[1:]] if len(qxy) else np.zeros((0, 2), np.int64)
    big = int(np.abs(steps).max()) if len(steps) else 0
    if big > _I16:  # long straight edges: a coarser quantum (still sub-metre up to 16 km)
        factor = -(-big // _I16)
        q *= factor
        qxy = np.round((xy - origin) / q).astype(np.int64)
        steps = np.diff(qxy, axis=0)[~first[1:]]
    start = np.zeros((n, 2), np.int64)
    start[feat_of_v[first]] = qxy[first]
    nrings = np.bincount(ring_feat, minlength=n)
    ringlen = np.bincount(ring_of_v, minlength=len(ring_feat))
    arrays = {
        "nrings": buf.add(nrings, "u32"),
        "ringlen": buf.add(ringlen, "u32"),
        "start": buf.add(start.ravel(), "i32"),
        "delta": buf.add(steps.ravel(), "i16"),
        "fid": buf.add(fid[order], "u32" if _fits_u32(fid) else "f64"),
        "area": buf.add(np.asarray(area_m2, dtype=np.float64)[order], "f64"),
    }
    text, columns = {}, [["fid", _FIELD_ALIASES["fid"]]]
    for key, values in _text_columns(gdf, role).items():
        values = values[order]
        if not any(values):
            continue
        codes, uniques = pd.factorize(pd.Series(values, dtype=object), sort=False)
        words = "\n".join(str(u).replace("\n", " ") for u in uniques).encode("utf-8")
        text[key] = {
            "words": buf.add_bytes(words),
            "idx": buf.add(codes, "u16" if len(uniques) < 65_536 else "u32"),
        }
        columns.append([key, _FIELD_ALIASES[key]])
    columns.append(["area", _FIELD_ALIASES["area"]])
    style = dict(ROLE_STYLES[role]["style"])
    palette = None
    if role == "land_use":  # one colour per first-level class of 三调
        classes = list(LAND_USE_CLASSES)
        dlbm = _pick(gdf, ["DLBM"])
        first2 = (
            dlbm.astype(str).str[:2].to_numpy()[order]
            if dlbm is not None
            else np.full(n, "", dtype=object)
        )
        lookup = {c: i for i, c in enumerate(classes)}
        arrays["color"] = buf.add(
            np.array([lookup.get(c, len(classes)) for c in first2], dtype=np.uint8), "u8"
        )
        palette = [LAND_USE_CLASSES[c][1] for c in classes] + ["#cccccc"]
    return {
        "key": role,
        "label": ROLE_STYLES[role]["zh"],
        "n": n,
        "ox": float(origin[0]),
        "oy": float(origin[1]),
        "q": q,
        "arrays": arrays,
        "text": text,
        "columns": columns,
        "method": METHOD_SHORT[method],
        "show": role != "land_use",
        "style": {
            "color": style["color"],
            "fillColor": style.get("fillColor", style["color"]),
            "fillOpacity": style.get("fillOpacity", 0.5),
            "weight": min(float(style.get("weight", 1)), 1.0),
            # outlines only once patches are several pixels wide: below that they cover the
            # fill and yellow farmland turns ochre (as its legend swatch is not)
            "strokeFromZoom": 15,
            "palette": palette,
        },
    }


def _rings(g: np.ndarray):
    """All rings of polygonal geometries as one coordinate array (rings closed).

    Returns coordinates, ring of each vertex, feature of each ring, and whether each ring
    is an exterior (the first ring of its polygon).
    """
    n = len(g)
    if not n:
        return np.zeros((0, 2)), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool)
    polygonal = np.isin(shapely.get_type_id(g), (3, 6))
    g = np.where(polygonal, g, shapely.Polygon())  # anything else draws nothing
    kind, xy, offsets = shapely.to_ragged_array(g)
    if kind == shapely.GeometryType.POLYGON:  # no MultiPolygon: one part per feature
        (ring_off, poly_off), geom_off = offsets, np.arange(n + 1)
    else:
        ring_off, poly_off, geom_off = offsets
    ring_of_v = np.repeat(np.arange(len(ring_off) - 1), np.diff(ring_off))
    part_of_ring = np.repeat(np.arange(len(poly_off) - 1), np.diff(poly_off))
    feat_of_part = np.repeat(np.arange(n), np.diff(geom_off))
    exterior = np.zeros(len(ring_off) - 1, bool)
    exterior[poly_off[:-1][np.diff(poly_off) > 0]] = True
    return xy, ring_of_v, feat_of_part[part_of_ring], exterior


def _oriented(xy: np.ndarray, ring_of_v: np.ndarray, exterior: np.ndarray) -> np.ndarray:
    """Exteriors counter-clockwise, holes clockwise (the page fills by the non-zero rule)."""
    if not len(xy):
        return xy
    x, y = xy[:, 0] - xy[0, 0], xy[:, 1] - xy[0, 1]
    cross = x[:-1] * y[1:] - x[1:] * y[:-1]
    same = ring_of_v[:-1] == ring_of_v[1:]  # edges, not jumps from one ring to the next
    twice_area = np.bincount(ring_of_v[:-1][same], weights=cross[same], minlength=len(exterior))
    flip = np.where(exterior, twice_area < 0, twice_area > 0)
    if not flip.any():
        return xy
    start = np.r_[0, np.flatnonzero(np.diff(ring_of_v)) + 1]
    end = np.r_[start[1:], len(xy)]
    idx = np.arange(len(xy))
    rv = flip[ring_of_v]
    r = ring_of_v[rv]
    idx[rv] = start[r] + end[r] - 1 - idx[rv]
    return xy[idx]


def _fits_u32(values: np.ndarray) -> bool:
    ok = np.isfinite(values) & (values >= 0) & (values < 2**32) & (values == np.round(values))
    return bool(ok.all())


def _raw_text(values: pd.Series | None, n: int) -> np.ndarray:
    if values is None:
        return np.full(n, "", dtype=object)
    return values.astype(object).where(values.notna(), "").astype(str).to_numpy(dtype=object)


def _text_columns(gdf: gpd.GeoDataFrame, role: str) -> dict[str, np.ndarray]:
    n = len(gdf)
    cls = [c for c in _CLASS_FIELDS.get(role, ()) if c in gdf.columns]
    # "0101 水田": land-class code and name side by side
    joined = pd.Series([""] * n, dtype=object)
    for c in cls:
        joined = joined + " " + pd.Series(_raw_text(gdf[c], n))
    joined = joined.str.strip().to_numpy(dtype=object)
    return {
        "name": _raw_text(_pick(gdf, _NAME_FIELDS[role] + _GENERIC_NAME), n),
        "type": _raw_text(_pick(gdf, _TYPE_FIELDS.get(role, [])), n),
        "code": _raw_text(_pick(gdf, _CODE_FIELDS[role] + _GENERIC_CODE), n),
        "class": joined,
    }
