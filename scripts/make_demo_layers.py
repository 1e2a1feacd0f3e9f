#!/usr/bin/env python
"""Generate the demo county 示范县 (layers/demo.gpkg, land-cover GeoTIFF, truth file).

A fictional county of about 2 500 km² in western Jilin, spanning 124.1°–124.9° E (across the
edge between 3° Gauss–Krüger zones 41 and 42), built deterministically from one numpy seed:

1. a smoothed noisy county outline (vertices ≤ 200 m apart);
2. land-use parcels ``DLTB`` = Voronoi cells of random points (denser in the plains, one Lloyd
   step) clipped to the county, so they tile it exactly;
3. every other layer is a union of whole parcels: townships (warped Voronoi of 12 seats), red
   line (eastern hills, river corridors, lakes, scattered wind-break forests), farmland (cropland
   parcels in the plains outside the red line), urban boundary (parcels around the towns),
   protected areas (red-line parcels inside noisy blobs).  Shared edges are therefore identical;
4. planted defects of known area (see ``demo_truth.json``);
5. the red line is reprojected to EPSG:4490, everything else stays in EPSG:4529.

Areas in the truth file are computed here independently of ``ecospace``: shapely geometry in
EPSG:4529 → vertices to EPSG:4490 with pyproj → ``pyproj.Geod(ellps="GRS80")``.

Usage::

    python scripts/make_demo_layers.py                 # layers/ (committed files)
    python scripts/make_demo_layers.py --scale 5 --out layers/big --formats gpkg,gdb,shp
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import logging
import os
import shutil
import time
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

log = logging.getLogger("ecospace.demo")

SEED = 20240101
WORK_CRS = "EPSG:4529"  # CGCS2000 / 3-degree Gauss-Kruger zone 41 (CM 123°E), easting prefixed
GEO_CRS = "EPSG:4490"  # CGCS2000 geographic
CENTER_LONLAT = (124.5, 45.1)
COUNTY_CODE = "220799"
COUNTY_NAME = "示范县"
TARGET_AREA_M2 = 2.5e9
MAX_SEGMENT = 180.0  # m; every edge of every layer is at most this long (≤ 200 m promised)
GRID = 0.001  # m; coordinates snapped to 1 mm so that shared edges are bit-identical
CURRENT_DATE = "2024-01-01T00:00:00.000Z"  # written into gpkg_contents.last_change
N_PARCELS = 24_000  # DLTB parcels at scale 1 (approximate)
RASTER_CELL = 30.0  # m

LAYER_CODES = ("XZQ", "XZQ_XZ", "STBHHX", "YJJBNTBHTB", "CZKFBJ", "ZRBHD", "DLTB")

#: 三调 land-use classes used in the demo (code -> name).
DLMC = {
    "0101": "水田",
    "0102": "水浇地",
    "0103": "旱地",
    "0301": "乔木林地",
    "0305": "灌木林地",
    "0307": "其他林地",
    "0401": "天然牧草地",
    "0402": "沼泽草地",
    "0404": "其他草地",
    "05H1": "商业服务业设施用地",
    "0508": "物流仓储用地",
    "0601": "工业用地",
    "0701": "城镇住宅用地",
    "0702": "农村宅基地",
    "08H1": "机关团体新闻出版用地",
    "08H2": "科教文卫用地",
    "0810": "公园与绿地",
    "1003": "公路用地",
    "1004": "城镇村道路用地",
    "1006": "农村道路",
    "1101": "河流水面",
    "1102": "湖泊水面",
    "1104": "坑塘水面",
    "1106": "内陆滩涂",
    "1108": "沼泽地",
    "1201": "空闲地",
    "1202": "设施农用地",
    "1204": "盐碱地",
    "1207": "裸岩石砾地",
}
FOREST_CODES = ("0301", "0302", "0305", "0307")
GRASS_CODES = ("0401", "0402", "0403", "0404")

#: land-cover raster classes: value -> (name, name_en, DLBM prefixes)
LANDCOVER = {
    1: ("耕地", "cropland", ("01",)),
    2: ("林地", "forest", ("03",)),
    3: ("草地", "grassland", ("04",)),
    4: ("水域", "water", ("11",)),
    5: ("建设用地", "built-up", ("05", "06", "07", "08", "09", "10")),
    6: ("其他土地", "other", ("02", "12")),
}

#: urban development boundary zones (GHFQDM -> GHFQMC)
URBAN_ZONES = {"10": "集中建设区", "20": "弹性发展区", "30": "特别用途区"}

TOWNSHIPS = (
    ("220799100", "新城镇"),  # county seat
    ("220799101", "永安镇"),
    ("220799102", "太平镇"),
    ("220799103", "兴隆镇"),
    ("220799104", "长山镇"),
    ("220799105", "富民镇"),
    ("220799200", "红旗乡"),
    ("220799201", "前进乡"),
    ("220799202", "民主乡"),
    ("220799203", "胜利乡"),
    ("220799204", "团结乡"),
    ("220799205", "东风乡"),
)
VILLAGE_NAMES = (
    "前进", "胜利", "红星", "永丰", "太平", "兴隆", "东升", "新华", "和平", "长胜", "丰收",
    "民乐", "福安", "宝山", "双河", "三合", "五星", "幸福", "联合", "光明", "向阳", "建设",
    "先锋", "友谊", "永胜", "裕民", "金山", "平安",
)  # fmt: skip

RED_LINE_NAMES = {
    "水源涵养": "东部低山丘陵水源涵养生态保护红线",
    "水土保持": "东部丘陵边缘水土保持生态保护红线",
    "生物多样性维护": "嫩水河湿地生物多样性维护生态保护红线",
    "防风固沙": "西部平原防风固沙生态保护红线",
}

_GEOD = pyproj.Geod(ellps="GRS80")


# --------------------------------------------------------------------------- geometry helpers
def _transformer() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(WORK_CRS, GEO_CRS, always_xy=True)


def to_geographic(geoms: np.ndarray) -> np.ndarray:
    """Transform EPSG:4529 geometries to EPSG:4490 (lon, lat), vertex by vertex."""
    tr = _transformer()

    def f(xy: np.ndarray) -> np.ndarray:
        lon, lat = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(np.asarray(geoms, dtype=object), f)


def geod_areas(geoms: Iterable) -> np.ndarray:
    """Geodesic area (m²) of EPSG:4529 polygons: vertices → EPSG:4490 → Geod(GRS80)."""
    arr = np.asarray(list(geoms) if not isinstance(geoms, np.ndarray) else geoms, dtype=object)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    geo = shapely.orient_polygons(to_geographic(arr))
    out = np.zeros(len(geo))
    for i, g in enumerate(geo):
        if g is None or g.is_empty:
            continue
        out[i] = _GEOD.geometry_area_perimeter(g)[0]
    return out


def geod_area(geom: shapely.Geometry) -> float:
    """Geodesic area (m²) of one EPSG:4529 geometry."""
    return float(geod_areas(np.array([geom], dtype=object))[0])


def polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygonal parts of a geometry (e.g. of a make_valid result)."""
    parts = shapely.get_parts(geom)
    polys = [p for p in parts if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys) if polys else shapely.Polygon()


class Noise:
    """Smooth random field: a sum of plane waves with wavelengths in ``wavelength``."""

    def __init__(self, rng: np.random.Generator, wavelength: tuple[float, float], n: int = 16):
        ang = rng.uniform(0, 2 * np.pi, n)
        wl = np.exp(rng.uniform(np.log(wavelength[0]), np.log(wavelength[1]), n))
        k = 2 * np.pi / wl
        self.kx, self.ky = k * np.cos(ang), k * np.sin(ang)
        self.phase = rng.uniform(0, 2 * np.pi, n)
        self.amp = np.sqrt(2.0 / n)

    def __call__(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)[..., None]
        y = np.asarray(y, dtype=float)[..., None]
        return self.amp * np.cos(x * self.kx + y * self.ky + self.phase).sum(axis=-1)


def noisy_blob(
    rng: np.random.Generator, cx: float, cy: float, radius: float, roughness: float = 0.25
) -> shapely.Polygon:
    """A star-shaped polygon with a smoothly perturbed radius (natural-looking outline)."""
    n = max(32, int(2 * np.pi * radius * 1.6 / MAX_SEGMENT))
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    pert = np.zeros(n)
    for k in range(2, 9):
        pert += roughness * k**-1.2 * rng.uniform(0.3, 1.0) * np.cos(k * theta + rng.uniform(0, 7))
    r = radius * np.exp(pert)
    return shapely.Polygon(np.column_stack([cx + r * np.cos(theta), cy + r * np.sin(theta)]))


def _densify_ring(xy: np.ndarray, max_seg: float = MAX_SEGMENT) -> np.ndarray:
    """Insert vertices so that no edge is longer than ``max_seg`` (keeps invalid rings)."""
    out = []
    for a, b in itertools.pairwise(xy):
        k = max(1, int(np.ceil(np.hypot(*(b - a)) / max_seg)))
        out.append(a + (b - a) * (np.arange(k) / k)[:, None])
    out.append(xy[-1:])
    return np.round(np.vstack(out), 3)


def _dense_ring(xy: np.ndarray, max_seg: float = MAX_SEGMENT) -> np.ndarray:
    """Densify one closed ring; inserted points depend only on the (unordered) edge.

    Each edge is split from its lexicographically smaller end, so two polygons sharing an
    edge (walked in opposite directions) get bit-identical inserted vertices.
    """
    a, b = xy[:-1], xy[1:]
    k = np.maximum(1, np.ceil(np.hypot(*(b - a).T) / max_seg).astype(int))
    out = []
    for p, q, m in zip(a, b, k, strict=True):
        out.append(p[None])
        if m == 1:
            continue
        i = np.arange(1, m)
        if (p[0], p[1]) <= (q[0], q[1]):
            out.append(p + (q - p) * (i / m)[:, None])
        else:
            out.append(q + (p - q) * ((m - i) / m)[:, None])
    out.append(xy[-1:])
    return np.vstack(out)


def _dense_one(g: shapely.Geometry) -> shapely.Geometry:
    polys = []
    for poly in shapely.get_parts(g):
        rings = [_dense_ring(shapely.get_coordinates(r)) for r in shapely.get_rings(poly)]
        polys.append(shapely.Polygon(rings[0], rings[1:]))
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def _dense(geoms):
    """Densify derived (valid) polygons to edges ≤ MAX_SEGMENT, identically on shared edges."""
    if isinstance(geoms, shapely.Geometry):
        return _dense_one(geoms)
    return np.array([_dense_one(g) for g in geoms], dtype=object)


def _grid(geoms: np.ndarray) -> np.ndarray:
    return shapely.set_precision(geoms, GRID)


# --------------------------------------------------------------------------- county building
def _county_outline(rng: np.random.Generator, x0: float, y0: float) -> shapely.Polygon:
    n = 3000
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    a, b = 31_000.0, 25_500.0
    r = a * b / np.sqrt((b * np.cos(theta)) ** 2 + (a * np.sin(theta)) ** 2)
    pert = np.zeros(n)
    for k in range(2, 160):  # red noise: large lobes plus river-like wiggles
        amp = 0.17 * k**-1.15 * rng.uniform(0.4, 1.0)
        pert += amp * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    r = r * np.exp(pert)
    poly = shapely.Polygon(np.column_stack([r * np.cos(theta), r * np.sin(theta)]))
    f = np.sqrt(TARGET_AREA_M2 / poly.area)
    poly = shapely.affinity.scale(poly, f, f, origin=(0, 0))
    return shapely.affinity.translate(poly, x0, y0)


def _voronoi_cells(points: np.ndarray, county: shapely.Polygon) -> np.ndarray:
    env = shapely.box(*shapely.buffer(county, 5_000).bounds)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(points), extend_to=env, ordered=True)
    )
    shapely.prepare(county)
    inside = shapely.contains(county, cells)
    cells = cells.copy()
    cells[~inside] = shapely.intersection(cells[~inside], county)
    return cells


def _river(rng: np.random.Generator, start, end, meander: float, n: int = 600):
    t = np.linspace(0, 1, n)
    p0, p1 = np.asarray(start, float), np.asarray(end, float)
    d = p1 - p0
    normal = np.array([-d[1], d[0]]) / np.hypot(*d)
    off = np.zeros(n)
    for k in range(2, 9):
        off += meander * k**-1.0 * rng.uniform(0.3, 1) * np.sin(np.pi * k * t + rng.uniform(0, 7))
    off *= np.sin(np.pi * t) ** 0.3
    xy = p0 + t[:, None] * d + off[:, None] * normal
    return shapely.LineString(xy)


def _choice(rng: np.random.Generator, table: dict[str, float], n: int) -> np.ndarray:
    codes = np.array(list(table))
    p = np.array(list(table.values()), float)
    return codes[rng.choice(len(codes), size=n, p=p / p.sum())]


def _neighbours(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    tree = shapely.STRtree(cells)
    i, j = tree.query(cells, predicate="intersects")
    keep = i != j
    return i[keep], j[keep]


def _bfs(start: int, allowed: np.ndarray, ni: np.ndarray, nj: np.ndarray, k: int) -> list[int]:
    order = np.argsort(ni, kind="stable")
    ni, nj = ni[order], nj[order]
    starts = np.searchsorted(ni, np.arange(len(allowed) + 1))
    seen, queue = [start], [start]
    while queue and len(seen) < k:
        c = queue.pop(0)
        for n in nj[starts[c] : starts[c + 1]]:
            if allowed[n] and n not in seen:
                seen.append(int(n))
                queue.append(int(n))
                if len(seen) >= k:
                    break
    return seen


# --------------------------------------------------------------------------- main generator
def build(
    *, scale: float = 1, seed: int = SEED, n_parcels: int | None = None
) -> tuple[dict[str, gpd.GeoDataFrame], dict]:
    """Build all demo layers in memory.

    Returns ``(layers, truth)``: layers keyed by standard code (STBHHX already in EPSG:4490)
    and the truth dictionary written to ``demo_truth.json``.
    """
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    n_target = int((n_parcels or N_PARCELS) * scale)
    fine = n_target / N_PARCELS  # density relative to the committed demo
    cell_len = np.sqrt(TARGET_AREA_M2 / n_target)  # typical parcel width (m)

    tr = pyproj.Transformer.from_crs(GEO_CRS, WORK_CRS, always_xy=True)
    x0, y0 = (round(v, -3) for v in tr.transform(*CENTER_LONLAT))
    county0 = _county_outline(rng, x0, y0)

    noise_hill = Noise(rng, (8e3, 45e3))
    noise_red = Noise(rng, (1.5e3, 8e3), n=24)
    noise_red2 = Noise(rng, (600.0, 2.5e3), n=24)
    noise_wx = Noise(rng, (18e3, 60e3))
    noise_wy = Noise(rng, (18e3, 60e3))
    noise_town = Noise(rng, (1e3, 4e3))

    def hill(x, y):  # > 0 in the eastern low hills
        return ((x - x0) - (9_000 + 6_000 * noise_hill(x, y))) / 4_000

    # ---- rivers, lakes, towns
    r1 = _river(rng, (x0 + 30_000, y0 + 15_000), (x0 - 36_000, y0 - 18_000), 4_000)
    r2 = _river(
        rng, (x0 - 4_000, y0 + 32_000), r1.interpolate(0.55, normalized=True).coords[0], 2_500
    )
    rivers = shapely.union_all([r1, r2])

    # township seats: county seat fixed in the western plain, others by farthest-point sampling
    shapely.prepare(county0)
    cand = rng.uniform(county0.bounds[:2], county0.bounds[2:], size=(4000, 2))
    cand = cand[shapely.contains_xy(county0, cand[:, 0], cand[:, 1])]
    inner = shapely.buffer(county0, -5_000)
    cand = cand[shapely.contains_xy(inner, cand[:, 0], cand[:, 1])]
    cand = cand[shapely.distance(shapely.points(cand), rivers) > 1_500]
    seats = [np.array([x0 - 9_000.0, y0 - 1_500.0])]
    dmin = np.hypot(*(cand - seats[0]).T)
    for _ in range(len(TOWNSHIPS) - 1):
        k = int(np.argmax(dmin))
        seats.append(cand[k])
        dmin = np.minimum(dmin, np.hypot(*(cand - cand[k]).T))
    seats = np.array(seats)
    town_radius = np.full(len(seats), 700.0)
    town_radius[0] = 2_600.0
    town_radius[1:4] = 1_000.0

    big_lake_c = np.array(r1.interpolate(0.78, normalized=True).coords[0]) + np.array(
        [1_500, -2_500]
    )
    lakes = [noisy_blob(rng, *big_lake_c, 1_600, 0.3)]
    while len(lakes) < 30:
        c = rng.uniform(county0.bounds[:2], county0.bounds[2:])
        if not county0.contains(shapely.Point(c)) or hill(*c) > -0.5:
            continue
        if np.min(np.hypot(*(seats - c).T)) < 3_000:
            continue
        lakes.append(noisy_blob(rng, *c, rng.uniform(250, 900), 0.35))
    lakes = shapely.union_all(lakes)

    # ---- parcel seeds: density varies (plains 8.5 ha, hills 22 ha, towns 3 ha per parcel)
    bx0, by0, bx1, by1 = county0.bounds
    m = int(n_target * 9)
    pts = np.column_stack([rng.uniform(bx0, bx1, m), rng.uniform(by0, by1, m)])
    pts = pts[shapely.contains_xy(county0, pts[:, 0], pts[:, 1])]
    h = hill(pts[:, 0], pts[:, 1])
    dens = np.where(h > 0, 1 / 22.0, 1 / 8.5)
    dtown = np.min(
        np.hypot(pts[:, :1] - seats[:, 0], pts[:, 1:] - seats[:, 1]) / town_radius, axis=1
    )
    dens = np.where(dtown < 1.3, 1 / 3.0, dens)
    acc = rng.uniform(0, 1 / 3.0, len(pts)) < dens
    pts = pts[acc]
    keep = rng.uniform(size=len(pts)) < min(1.0, n_target / len(pts))
    pts = pts[keep]
    log.info("%d parcel seeds (%.1fs)", len(pts), time.perf_counter() - t0)

    cells = _voronoi_cells(pts, county0)
    cent = shapely.get_coordinates(shapely.centroid(cells))
    cells = _voronoi_cells(cent, county0)  # one Lloyd step: more even parcels
    cells = _grid(cells)
    ok = ~shapely.is_empty(cells) & (shapely.area(cells) > 1.0)
    cells = cells[ok]
    n = len(cells)
    log.info("%d parcels (%.1fs)", n, time.perf_counter() - t0)

    rp = shapely.point_on_surface(cells)
    cx, cy = shapely.get_coordinates(rp).T
    h = hill(cx, cy)
    d_river = shapely.distance(rp, rivers)
    shapely.prepare(lakes)
    in_lake = shapely.contains_xy(lakes, cx, cy)

    # ---- townships: nearest seat after a smooth warp (connected, wiggly boundaries)
    wx = cx + 2_500 * noise_wx(cx, cy)
    wy = cy + 2_500 * noise_wy(cx, cy)
    twp = np.argmin(np.hypot(wx[:, None] - seats[:, 0], wy[:, None] - seats[:, 1]), axis=1)

    # ---- categories
    dt = np.hypot(cx[:, None] - seats[:, 0], cy[:, None] - seats[:, 1])
    town_idx = np.argmin(dt / town_radius, axis=1)
    town_rel = (dt / town_radius)[np.arange(n), town_idx] * (1 + 0.25 * noise_town(cx, cy))
    urban = town_rel < 1.0
    river_ch = (d_river < 110) & ~urban
    corridor = (d_river < 450 + 300 * noise_red(cx, cy)) & ~urban & ~river_ch
    lake = in_lake & ~urban
    hills = (h > 0) & ~urban
    hill_red = hills & (
        noise_red(cx, cy) + 0.5 * noise_red2(cx, cy) + 0.9 * np.minimum(h, 1.5) > 1.2
    )

    # scattered wind-break forests / wetlands in the plains (many small red-line polygons)
    n_sc = int(480 * fine**1.4)  # more and smaller patches at larger scales
    sc = rng.uniform(county0.bounds[:2], county0.bounds[2:], size=(n_sc * 4, 2))
    sc = sc[shapely.contains_xy(county0, sc[:, 0], sc[:, 1])]
    sc = sc[hill(sc[:, 0], sc[:, 1]) < -0.3][:n_sc]
    sc_r = np.maximum(rng.uniform(200, 550, len(sc)) / max(fine, 1.0) ** 0.7, 0.6 * cell_len)
    scattered = np.zeros(n, bool)
    tree_rp = shapely.STRtree(rp)
    for (sx, sy), r in zip(sc, sc_r, strict=True):
        idx = tree_rp.query(shapely.Point(sx, sy).buffer(r))
        if len(idx) == 0:
            idx = np.array([int(tree_rp.nearest(shapely.Point(sx, sy)))])
        scattered[idx] = True
    scattered &= ~urban & ~(h > 0)

    red = (river_ch | corridor | lake | hill_red | scattered) & ~urban

    # villages: a few parcels around village points
    villages = []  # (township, name, x, y)
    vrng = np.random.default_rng(seed + 1)
    for t in range(len(TOWNSHIPS)):
        names = vrng.permutation(VILLAGE_NAMES)[:10]
        members = np.flatnonzero((twp == t) & ~urban)
        if len(members) == 0:
            continue
        picks = vrng.choice(members, size=min(10, len(members)), replace=False)
        for nm, p in zip(names, picks, strict=False):
            villages.append((t, nm + "村", cx[p], cy[p]))
    vil_xy = np.array([(v[2], v[3]) for v in villages])
    vil_twp = np.array([v[0] for v in villages])
    zldwmc = np.empty(n, dtype=object)
    village_cell = np.zeros(n, bool)
    for t in range(len(TOWNSHIPS)):
        sel = np.flatnonzero(twp == t)
        vs = np.flatnonzero(vil_twp == t)
        if len(sel) == 0:
            continue
        d = np.hypot(cx[sel, None] - vil_xy[vs, 0], cy[sel, None] - vil_xy[vs, 1])
        k = np.argmin(d, axis=1)
        zldwmc[sel] = [TOWNSHIPS[t][1] + villages[vs[j]][1] for j in k]
        village_cell[sel] = d[np.arange(len(sel)), k] < 320 / np.sqrt(max(fine, 1.0)) ** 0.5
    village_cell &= ~urban & ~red & ~lake & ~river_ch
    for t in range(len(TOWNSHIPS)):  # the seat of each township is its 社区
        zldwmc[urban & (town_idx == t)] = TOWNSHIPS[t][1] + "城区社区"

    # ---- land-use classes
    dlbm = np.empty(n, dtype=object)
    crng = np.random.default_rng(seed + 2)
    built = {
        "0701": 40,
        "05H1": 12,
        "0601": 14,
        "0508": 4,
        "08H1": 3,
        "08H2": 7,
        "0810": 6,
        "1004": 10,
        "1201": 4,
    }
    tables = [
        (urban, built),
        (village_cell, {"0702": 1}),
        (red & river_ch, {"1101": 1}),
        (red & lake & ~river_ch, {"1102": 1}),
        (red & corridor & ~lake & ~river_ch,
         {"0402": 30, "1106": 18, "1108": 12, "0404": 15, "0301": 20, "0401": 5}),
        (red & hills & ~corridor & ~lake & ~river_ch,
         {"0301": 70, "0305": 10, "0307": 6, "0404": 7, "0401": 4, "1207": 3}),
        (red & scattered & ~hills & ~corridor & ~lake & ~river_ch,
         {"0301": 55, "0404": 20, "0402": 15, "1104": 10}),
        (~red & hills & ~village_cell,
         {"0301": 42, "0305": 6, "0307": 6, "0404": 12, "0103": 27, "1006": 3, "1202": 2,
          "1104": 2}),
        (~red & ~hills & ~urban & ~village_cell & (d_river < 4_000),
         {"0101": 30, "0102": 10, "0103": 45, "0301": 3, "0404": 3, "1204": 2, "1006": 3,
          "1202": 2, "1104": 2}),
        (~red & ~hills & ~urban & ~village_cell & (d_river >= 4_000),
         {"0101": 4, "0102": 12, "0103": 66, "0301": 4, "0404": 3, "1204": 3, "1006": 3,
          "1202": 2, "1104": 1, "1003": 1, "0601": 1}),
    ]  # fmt: skip
    for mask, table in tables:
        todo = mask & (dlbm == None)  # noqa: E711
        dlbm[todo] = _choice(crng, table, int(todo.sum()))
    assert not (dlbm == None).any()  # noqa: E711
    dlbm = dlbm.astype(str)

    cropland = np.isin(dlbm, ["0101", "0102", "0103"])
    plains = h <= 0
    farmland = cropland & plains & ~red & ~urban
    log.info(
        "classes: %d red, %d urban, %d farmland parcels (%.1fs)",
        red.sum(),
        urban.sum(),
        farmland.sum(),
        time.perf_counter() - t0,
    )

    ni, nj = _neighbours(cells)
    n_nb = np.bincount(ni, minlength=n)
    nonred_nb = np.bincount(ni, weights=~red[nj], minlength=n)
    cell_area = geod_areas(cells)
    used = np.zeros(n, bool)

    # ---- protected areas (red-line parcels in noisy blobs)
    prng = np.random.default_rng(seed + 3)
    hill_cells = np.flatnonzero(hill_red & (h > 1.2))
    c_res = np.array([cx[hill_cells].mean() + 4_000, cy[hill_cells].mean()])
    shapely.prepare(county0)
    while not shapely.contains_xy(shapely.buffer(county0, -7_000), *c_res):
        c_res = c_res + (np.array([x0, y0]) - c_res) * 0.1

    def in_blob(blob, mask=None):
        shapely.prepare(blob)
        sel = shapely.contains_xy(blob, cx, cy)
        return sel if mask is None else sel & mask

    res_blob = noisy_blob(prng, *c_res, 6_500, 0.3)
    core_blob = noisy_blob(prng, *(c_res + np.array([800, 500])), 3_000, 0.3)
    park_blob = noisy_blob(prng, *(c_res + np.array([-2_500, -2_800])), 2_000, 0.3)
    wet_blob = noisy_blob(prng, *big_lake_c, 3_600, 0.25)
    wet_core_blob = noisy_blob(prng, *big_lake_c, 1_900, 0.2)
    # wetland park: river corridor in the western plain
    wp_c = np.array(r1.interpolate(0.3, normalized=True).coords[0])
    wp_blob = noisy_blob(prng, *wp_c, 4_000, 0.2)
    # county forest park in the northern hills
    north = np.flatnonzero(hill_red & (cy > np.percentile(cy[hill_red], 80)))
    cfp_c = np.array([cx[north].mean(), cy[north].mean()])
    cfp_blob = noisy_blob(prng, *cfp_c, 1_800, 0.3)

    pa_specs = [
        (
            "东山国家级自然保护区",
            "国家级",
            "自然保护区",
            "核心保护区",
            in_blob(core_blob, red) & in_blob(res_blob),
        ),
        (
            "东山国家级自然保护区",
            "国家级",
            "自然保护区",
            "一般控制区",
            in_blob(res_blob, red) & ~in_blob(core_blob),
        ),
        (
            "东山国家森林公园",
            "国家级",
            "森林公园",
            "一般控制区",
            in_blob(park_blob, red) & in_blob(res_blob),
        ),
        ("白鹤湖省级自然保护区", "省级", "自然保护区", "核心保护区", in_blob(wet_core_blob, red)),
        (
            "白鹤湖省级自然保护区",
            "省级",
            "自然保护区",
            "一般控制区",
            in_blob(wet_blob, red) & ~in_blob(wet_core_blob),
        ),
        (
            "嫩水河国家湿地公园",
            "国家级",
            "湿地公园",
            "一般控制区",
            in_blob(wp_blob, red) & (corridor | river_ch),
        ),
        ("北山县级森林公园", "市县级", "森林公园", "一般控制区", in_blob(cfp_blob, red)),
    ]
    pa_any = np.zeros(n, bool)
    for spec in pa_specs:
        pa_any |= spec[4]

    # defect 3: a scenic area in the hills, partly outside the red line
    hill_mixed = np.flatnonzero(hills & ~red & ~pa_any & ~village_cell & (nonred_nb < n_nb))
    hill_mixed = hill_mixed[np.isin(dlbm[hill_mixed], FOREST_CODES + GRASS_CODES)]
    hill_mixed = hill_mixed[
        np.argsort(np.hypot(cx[hill_mixed] - c_res[0], cy[hill_mixed] - c_res[1]))
    ]
    scenic_c = None
    for k in hill_mixed:
        cand_blob = noisy_blob(
            np.random.default_rng(seed + 4), cx[k], cy[k], max(1_500, 5 * cell_len), 0.25
        )
        inside = in_blob(cand_blob)
        if (inside & pa_any).any() or (inside & (urban | village_cell)).any():
            continue
        outside = inside & ~red & np.isin(dlbm, FOREST_CODES + GRASS_CODES)
        if outside.sum() >= 3 and (inside & red).sum() >= 5:
            scenic_c, scenic_red, scenic_out = (cx[k], cy[k]), inside & red, outside
            break
    assert scenic_c is not None, "no place for the scenic area defect"
    pa_specs.append(
        ("青山省级风景名胜区", "省级", "风景名胜区", "一般控制区", scenic_red | scenic_out)
    )
    pa_any |= scenic_red | scenic_out
    used |= pa_any

    # ---- defect 1: farmland patches entirely inside the red line (paddy fields in wetlands)
    cand1 = np.flatnonzero(
        red & plains & ~pa_any & (nonred_nb == 0) & (corridor | scattered) & ~lake & ~river_ch
    )
    cand1 = cand1[np.isin(dlbm[cand1], ["0402", "0404", "0301", "1106", "1108", "0401"])]
    # spread them out: the first, then farthest-point picks
    picks1 = [int(cand1[0])]
    dmin = np.hypot(cx[cand1] - cx[picks1[0]], cy[cand1] - cy[picks1[0]])
    for _ in range(4):
        k = int(cand1[np.argmax(dmin)])
        picks1.append(k)
        dmin = np.minimum(dmin, np.hypot(cx[cand1] - cx[k], cy[cand1] - cy[k]))
    picks1 = np.array(sorted(picks1))
    dlbm[picks1] = "0101"
    farmland[picks1] = True
    used[picks1] = True
    # their neighbours stay red: no farmland touches them from outside
    used[nj[np.isin(ni, picks1)]] = True

    # ---- defect 2: urban boundary over farmland (6 whole patches next to a township town)
    for t2 in range(2, len(TOWNSHIPS)):
        town2 = urban & (town_idx == t2)
        touching = np.zeros(n, bool)
        touching[nj[town2[ni]]] = True
        cand2 = np.flatnonzero(touching & farmland & ~used)
        if len(cand2) >= 3:
            break
    start2 = int(cand2[np.argmin(np.hypot(cx[cand2] - seats[t2, 0], cy[cand2] - seats[t2, 1]))])
    picks2 = np.array(sorted(_bfs(start2, farmland & ~used, ni, nj, 6)))
    used[picks2] = True

    # ---- build the farmland table (cells order), then duplicates and bow-ties
    fidx = np.flatnonzero(farmland)
    # far-away candidates for duplicates / bow-ties: plains farmland not touching anything special
    special = used | red | urban
    clean_nb = np.bincount(ni, weights=special[nj], minlength=n) == 0
    cand45 = fidx[~used[fidx] & clean_nb[fidx] & (shapely.get_num_interior_rings(cells[fidx]) == 0)]
    prng2 = np.random.default_rng(seed + 5)
    cand45 = prng2.permutation(cand45)
    dup_cells = [int(c) for c in cand45[:2]]
    bow_cells = []
    bow_geoms = {}
    for c in cand45[2:]:
        if len(bow_cells) == 4:
            break
        if np.isin(twp[c], [twp[b] for b in bow_cells]):
            continue
        corners = shapely.get_coordinates(shapely.simplify(cells[c], 0.01))[:-1]
        if len(corners) < 5:
            continue
        ring = np.vstack([corners[0], corners[2], corners[1], corners[3:], corners[:1]])
        bt = shapely.Polygon(_densify_ring(ring))  # (GEOS segmentize would repair it)
        if shapely.is_valid(bt):
            continue
        fixed = polygonal(shapely.make_valid(bt))
        ratio = fixed.area / cells[c].area
        if 0.3 < ratio < 0.95:
            bow_cells.append(int(c))
            bow_geoms[int(c)] = bt
    assert len(bow_cells) == 4, (len(cand45), len(bow_cells))

    # ---- parcel (DLTB) table
    kcxs = np.where(np.isin(dlbm, ["0101", "0102", "0103"]), np.where(plains, 0.012, 0.065), 0.0)
    tbmj = np.round(cell_area, 2)
    kcmj = np.round(tbmj * kcxs, 2)
    order = np.lexsort((cx, -cy, twp))  # north-west first within each township
    rank = np.empty(n, int)
    rank[order] = np.arange(n)
    tbbh = np.empty(n, dtype=object)
    for t in range(len(TOWNSHIPS)):
        sel = np.flatnonzero(twp == t)
        sel = sel[np.argsort(rank[sel])]
        tbbh[sel] = [str(i + 1) for i in range(len(sel))]
    dltb = gpd.GeoDataFrame(
        {
            "BSM": np.zeros(n, dtype=np.int32),
            "TBBH": tbbh,
            "DLBM": dlbm,
            "DLMC": [DLMC[c] for c in dlbm],
            "ZLDWDM": [TOWNSHIPS[t][0] for t in twp],
            "ZLDWMC": zldwmc,
            "TBMJ": tbmj,
            "KCXS": kcxs,
            "KCMJ": kcmj,
            "TBDLMJ": np.round(tbmj - kcmj, 2),
        },
        geometry=cells,
        crs=WORK_CRS,
    ).iloc[order]
    dltb_cell = order  # row -> cell
    dltb = dltb.reset_index(drop=True)
    dltb["BSM"] = np.arange(1, n + 1, dtype=np.int32)

    # farmland rows in the same order as DLTB
    frows = dltb_cell[farmland[dltb_cell]]
    fbh = np.empty(len(frows), dtype=object)
    for t in range(len(TOWNSHIPS)):
        sel = np.flatnonzero(twp[frows] == t)
        fbh[sel] = [f"{TOWNSHIPS[t][0]}{i + 1:05d}" for i in range(len(sel))]
    fgeom = cells[frows].copy()
    for c, g in bow_geoms.items():
        fgeom[np.flatnonzero(frows == c)[0]] = g
    f_mj = tbmj[frows]
    f_kc = np.round(f_mj * kcxs[frows], 2)
    farm = gpd.GeoDataFrame(
        {
            "YJJBNTTBBH": fbh,
            "DLBM": dlbm[frows],
            "DLMC": [DLMC[c] for c in dlbm[frows]],
            "ZLDWMC": zldwmc[frows],
            "YJJBNTTBMJ": f_mj,
            "KCMJ": f_kc,
            "YJJBNTMJ": np.round(f_mj - f_kc, 2),
        },
        geometry=fgeom,
        crs=WORK_CRS,
    )
    cell_to_frow = {int(c): i for i, c in enumerate(frows)}
    dup_src = [cell_to_frow[c] for c in dup_cells]
    farm = pd.concat([farm, farm.iloc[dup_src]], ignore_index=True)
    dup_rows = [len(farm) - 2, len(farm) - 1]

    # ---- townships and county
    xzq_geoms = [_dense(shapely.coverage_union_all(cells[twp == t])) for t in range(len(TOWNSHIPS))]
    county = _dense(shapely.coverage_union_all(cells))
    twp_area = geod_areas(np.array(xzq_geoms, dtype=object))
    county_area = geod_area(county)
    xz = gpd.GeoDataFrame(
        {
            "XZQDM": [c for c, _ in TOWNSHIPS],
            "XZQMC": [m for _, m in TOWNSHIPS],
            "DCMJ": [round(float(tbmj[twp == t].sum()), 2) for t in range(len(TOWNSHIPS))],
            "JSMJ": np.round(twp_area, 2),
        },
        geometry=xzq_geoms,
        crs=WORK_CRS,
    )
    xzq = gpd.GeoDataFrame(
        {
            "XZQDM": [COUNTY_CODE],
            "XZQMC": [COUNTY_NAME],
            "DCMJ": [round(float(tbmj.sum()), 2)],
            "JSMJ": [round(county_area, 2)],
        },
        geometry=[county],
        crs=WORK_CRS,
    )

    # ---- red line: union of red parcels per township, split into connected parts
    red_geoms, red_twp = [], []
    for t in range(len(TOWNSHIPS)):
        sel = red & (twp == t)
        if sel.any():
            parts = shapely.get_parts(_dense(shapely.coverage_union_all(cells[sel])))
            red_geoms.extend(parts)
            red_twp.extend([t] * len(parts))
    red_geoms = np.array(red_geoms, dtype=object)
    rrp = shapely.get_coordinates(shapely.point_on_surface(red_geoms))
    rh = hill(rrp[:, 0], rrp[:, 1])
    rd = shapely.distance(shapely.points(rrp), rivers)
    rl = shapely.contains_xy(lakes, rrp[:, 0], rrp[:, 1])
    hxlx = np.where(
        (rd < 1_500) | rl,
        "生物多样性维护",
        np.where(rh > 1.0, "水源涵养", np.where(rh > 0, "水土保持", "防风固沙")),
    )
    # sort red-line polygons north to south for a stable, readable order
    rorder = np.lexsort((rrp[:, 0], -np.round(rrp[:, 1], -2)))
    red_geoms, hxlx = red_geoms[rorder], hxlx[rorder]
    red_area = geod_areas(red_geoms)
    red_mj = np.round(red_area / 1e4, 4)
    mrng = np.random.default_rng(seed + 6)
    big = np.flatnonzero(red_area > 50e4)
    off_rows = np.sort(mrng.choice(big, size=5, replace=False))
    off_factor = np.array([1.012, 0.985, 1.03, 0.992, 1.006])
    red_mj[off_rows] = np.round(red_mj[off_rows] * off_factor, 4)
    stbhhx_work = gpd.GeoDataFrame(
        {
            "HXMC": [RED_LINE_NAMES[x] for x in hxlx],
            "HXLX": hxlx,
            "MJ": red_mj,
            "XZQDM": COUNTY_CODE,
            "XZQMC": COUNTY_NAME,
        },
        geometry=red_geoms,
        crs=WORK_CRS,
    )
    log.info("%d red-line polygons (%.1fs)", len(stbhhx_work), time.perf_counter() - t0)

    # ---- urban development boundary
    urb_rows = []
    for t in range(len(TOWNSHIPS)):
        tsel = urban & (town_idx == t)
        if not tsel.any():
            continue
        core = tsel & (town_rel < 0.8)
        ring = tsel & ~core
        if t in (0, 1):  # larger towns get a 弹性发展区 ring; others are all 集中建设区
            groups = [("10", core), ("20", ring)]
        else:
            groups = [("10", tsel)]
        for code, sel in groups:
            if sel.any():
                urb_rows.append((t, code, shapely.coverage_union_all(cells[sel])))
    # 特别用途区: the county seat's riverside green belt = its park parcels (0810)
    green = urban & (town_idx == 0) & (dlbm == "0810")
    # move park parcels from the 集中建设区 to a separate 特别用途区 feature
    urb_rows = [
        (t, c, shapely.difference(g, shapely.coverage_union_all(cells[green])) if t == 0 else g)
        for t, c, g in urb_rows
    ]
    urb_rows.append((0, "30", shapely.coverage_union_all(cells[green])))
    # defect 2
    urb_rows.append((t2, "20", shapely.coverage_union_all(cells[picks2])))
    urb_geom = _dense(np.array([g for *_, g in urb_rows], dtype=object))
    urb_area = geod_areas(urb_geom)
    czkfbj = gpd.GeoDataFrame(
        {
            "GHFQDM": [c for _, c, _ in urb_rows],
            "GHFQMC": [URBAN_ZONES[c] for _, c, _ in urb_rows],
            "XZQDM": [TOWNSHIPS[t][0] for t, _, _ in urb_rows],
            "XZQMC": [TOWNSHIPS[t][1] for t, _, _ in urb_rows],
            "MJ": np.round(urb_area / 1e4, 4),
        },
        geometry=urb_geom,
        crs=WORK_CRS,
    )

    # ---- protected areas
    pa_geom = _dense(
        np.array([shapely.coverage_union_all(cells[s[4]]) for s in pa_specs], dtype=object)
    )
    pa_area = geod_areas(pa_geom)
    zrbhd = gpd.GeoDataFrame(
        {
            "ZRBHDMC": [s[0] for s in pa_specs],
            "JB": [s[1] for s in pa_specs],
            "LX": [s[2] for s in pa_specs],
            "GNFQ": [s[3] for s in pa_specs],
            "MJ": np.round(pa_area / 1e4, 4),
        },
        geometry=pa_geom,
        crs=WORK_CRS,
    )

    # ---- truth
    red_union = shapely.coverage_union_all(cells[red])
    ha = 1e4
    f_ids = farm["YJJBNTTBBH"].to_numpy()

    def rows_of(cs):
        return [cell_to_frow[int(c)] for c in cs]

    d1_rows = rows_of(picks1)
    d1_area = float(cell_area[picks1].sum())
    d1_shapely = geod_area(shapely.intersection(shapely.union_all(cells[picks1]), red_union))
    d2_rows = rows_of(picks2)
    d2_area = float(cell_area[picks2].sum())
    scenic = pa_geom[-1]
    d3_out_geom = shapely.difference(scenic, red_union)
    d3_area = geod_area(d3_out_geom)
    dup_area = [float(cell_area[c]) for c in dup_cells]
    bow_rows = rows_of(bow_cells)
    bow_valid = [polygonal(shapely.make_valid(bow_geoms[c])) for c in bow_cells]
    bow_area = geod_areas(np.array(bow_valid, dtype=object))

    farm_valid = np.array([polygonal(shapely.make_valid(g)) for g in farm.geometry], dtype=object)
    farm_union_area = geod_area(shapely.union_all(farm_valid))
    farm_sum_area = float(geod_areas(farm_valid).sum())
    dltb_sum = float(cell_area.sum())
    forest = float(cell_area[np.isin(dlbm, FOREST_CODES)].sum())
    grass = float(cell_area[np.isin(dlbm, GRASS_CODES)].sum())
    urban_union = geod_area(shapely.union_all(urb_geom))
    pa_union = geod_area(shapely.union_all(pa_geom))
    red_union_area = geod_area(red_union)

    def rnd(v, d=4):
        return round(float(v), d)

    def area_entry(m2):
        return {"m2": rnd(m2, 2), "ha": rnd(m2 / ha, 4)}

    layers_truth = {
        "XZQ": {"count": 1, "union": area_entry(county_area), "sum": area_entry(county_area)},
        "XZQ_XZ": {
            "count": len(xz),
            "union": area_entry(geod_area(shapely.union_all(np.array(xzq_geoms, dtype=object)))),
            "sum": area_entry(twp_area.sum()),
        },
        "STBHHX": {
            "count": len(stbhhx_work),
            "union": area_entry(red_union_area),
            "sum": area_entry(red_area.sum()),
            "with_holes": int((shapely.get_num_interior_rings(red_geoms) > 0).sum()),
        },
        "YJJBNTBHTB": {
            "count": len(farm),
            "union": area_entry(farm_union_area),
            "sum": area_entry(farm_sum_area),
            "note": "after shapely.make_valid of the bow-tie patches; sum counts the duplicates",
        },
        "CZKFBJ": {
            "count": len(czkfbj),
            "union": area_entry(urban_union),
            "sum": area_entry(urb_area.sum()),
        },
        "ZRBHD": {
            "count": len(zrbhd),
            "union": area_entry(pa_union),
            "sum": area_entry(pa_area.sum()),
        },
        "DLTB": {"count": n, "union": area_entry(county_area), "sum": area_entry(dltb_sum)},
    }
    red_share = red_union_area / county_area * 100
    forest_share = forest / county_area * 100
    fg_share = (forest + grass) / county_area * 100

    def fig(fid, label, measure, op, value, unit, status, measured, **kw):
        return {
            "id": fid,
            "label": label,
            "measure": measure,
            "op": op,
            "value": value,
            "unit": unit,
            "expected_status": status,
            "measured": rnd(measured),
            **kw,
        }

    def floor_to(v, step):
        return round(float(np.floor(v / step) * step), 6)

    def ceil_to(v, step):
        return round(float(np.ceil(v / step) * step), 6)

    plan_figures = [
        fig(
            "red_line_area",
            "生态保护红线面积",
            "area",
            ">=",
            floor_to(red_union_area / ha * 0.97, 0.01),
            "ha",
            "pass",
            red_union_area / ha,
            role="red_line",
            margin="stated 3 % below the measured union area",
        ),
        fig(
            "red_line_share",
            "生态保护红线面积占比",
            "share",
            ">=",
            floor_to(red_share - 2.0, 0.01),
            "%",
            "pass",
            red_share,
            role="red_line",
            margin="2 percentage points below, denominator = computed area of XZQ",
        ),
        fig(
            "protected_area_area",
            "自然保护地面积",
            "area",
            ">=",
            floor_to(pa_union / ha * 0.95, 0.01),
            "ha",
            "pass",
            pa_union / ha,
            role="protected_area",
            margin="5 % below the union area (not the sum)",
        ),
        fig(
            "basic_farmland_area",
            "永久基本农田保护面积",
            "area",
            ">=",
            ceil_to(farm_union_area / ha * 1.06, 0.01),
            "ha",
            "fail",
            farm_union_area / ha,
            role="basic_farmland",
            margin="stated 6 % above the measured union area",
        ),
        fig(
            "urban_boundary_area",
            "城镇开发边界面积",
            "area",
            "<=",
            ceil_to(urban_union / ha * 1.10, 0.01),
            "ha",
            "pass",
            urban_union / ha,
            role="urban_boundary",
            margin="cap 10 % above the measured union area",
        ),
        fig(
            "forest_cover",
            "森林覆盖率",
            "land_cover",
            ">=",
            ceil_to(forest_share + 3.0, 0.01),
            "%",
            "fail",
            forest_share,
            classes="forest",
            codes=list(FOREST_CODES),
            margin="3 percentage points above the measured share",
        ),
        fig(
            "forest_grass_cover",
            "林草覆盖率",
            "land_cover",
            ">=",
            floor_to(fg_share - 3.0, 0.01),
            "%",
            "pass",
            fg_share,
            classes="forest_grass",
            codes=list(FOREST_CODES + GRASS_CODES),
            margin="3 percentage points below the measured share",
        ),
        fig(
            "red_line_vs_farmland",
            "生态保护红线与永久基本农田不重叠",
            "overlap",
            "=",
            0,
            "ha",
            "fail",
            d1_area / ha,
            roles=["red_line", "basic_farmland"],
            margin="planted defect 1",
        ),
        fig(
            "urban_vs_farmland",
            "城镇开发边界与永久基本农田不重叠",
            "overlap",
            "=",
            0,
            "ha",
            "fail",
            d2_area / ha,
            roles=["urban_boundary", "basic_farmland"],
            margin="planted defect 2",
        ),
        fig(
            "urban_vs_red_line",
            "城镇开发边界与生态保护红线不重叠",
            "overlap",
            "=",
            0,
            "ha",
            "pass",
            0.0,
            roles=["urban_boundary", "red_line"],
            margin="shared edges only; reprojection slivers < 1e-4 m²",
        ),
        fig(
            "protected_area_in_red_line",
            "自然保护地全部划入生态保护红线",
            "outside",
            "=",
            0,
            "ha",
            "fail",
            d3_area / ha,
            role="protected_area",
            within="red_line",
            margin="planted defect 3",
        ),
    ]

    truth = {
        "generator": "scripts/make_demo_layers.py",
        "generated_with": library_versions(),
        "seed": seed,
        "scale": scale,
        "n_parcels": n_parcels or N_PARCELS,
        "area_method": (
            "shapely geometry in EPSG:4529 -> vertices to EPSG:4490 (pyproj) -> "
            "pyproj.Geod(ellps='GRS80').geometry_area_perimeter; unions/differences with "
            "shapely in EPSG:4529"
        ),
        "fid_note": "fid = 0-based row position in the layer (GeoPackage fid = fid + 1)",
        "county": {
            "XZQDM": COUNTY_CODE,
            "XZQMC": COUNTY_NAME,
            **area_entry(county_area),
            "km2": rnd(county_area / 1e6, 4),
            "lon_range": [
                rnd(v, 4) for v in np.array(to_geographic(np.array([county]))[0].bounds)[[0, 2]]
            ],
            "lat_range": [
                rnd(v, 4) for v in np.array(to_geographic(np.array([county]))[0].bounds)[[1, 3]]
            ],
        },
        "total_area": {
            "value": round(county_area / 1e6, 2),
            "unit": "km2",
            "quote": f"全县总面积{county_area / 1e6:.2f}平方公里",
        },
        "townships": [
            {"XZQDM": c, "XZQMC": m, **area_entry(a)}
            for (c, m), a in zip(TOWNSHIPS, twp_area, strict=True)
        ],
        "layers": layers_truth,
        "land_cover": {
            "forest_codes": list(FOREST_CODES),
            "grass_codes": list(GRASS_CODES),
            "forest": {**area_entry(forest), "share_pct": rnd(forest_share)},
            "forest_grass": {**area_entry(forest + grass), "share_pct": rnd(fg_share)},
            "by_dlbm_ha": {
                c: rnd(cell_area[dlbm == c].sum() / ha) for c in sorted(set(dlbm.tolist()))
            },
        },
        "defects": {
            "farmland_in_red_line": {
                "description": "farmland patches (DLTB 0101) lying entirely inside the red line",
                "layer": "YJJBNTBHTB",
                "fids": d1_rows,
                "YJJBNTTBBH": [str(f_ids[r]) for r in d1_rows],
                "areas_ha": [rnd(a / ha) for a in cell_area[picks1]],
                "total": area_entry(d1_area),
                "total_by_intersection": area_entry(d1_shapely),
            },
            "urban_over_farmland": {
                "description": "a 弹性发展区 polygon covering whole farmland patches",
                "layer": "CZKFBJ",
                "urban_fid": len(czkfbj) - 1,
                "farmland_fids": d2_rows,
                "YJJBNTTBBH": [str(f_ids[r]) for r in d2_rows],
                "total": area_entry(d2_area),
            },
            "protected_area_outside_red_line": {
                "layer": "ZRBHD",
                "fid": len(zrbhd) - 1,
                "ZRBHDMC": pa_specs[-1][0],
                "pa_area": area_entry(pa_area[-1]),
                "outside": area_entry(d3_area),
                "outside_parcels": int(scenic_out.sum()),
            },
            "duplicated_farmland": {
                "layer": "YJJBNTBHTB",
                "original_fids": dup_src,
                "duplicate_fids": dup_rows,
                "YJJBNTTBBH": [str(f_ids[r]) for r in dup_src],
                "areas": [area_entry(a) for a in dup_area],
                "total": area_entry(sum(dup_area)),
            },
            "invalid_bowtie": {
                "layer": "YJJBNTBHTB",
                "fids": bow_rows,
                "YJJBNTTBBH": [str(f_ids[r]) for r in bow_rows],
                "original_areas": [area_entry(cell_area[c]) for c in bow_cells],
                "make_valid_areas": [area_entry(a) for a in bow_area],
                "repair": "shapely.make_valid, polygonal parts only",
            },
            "red_line_mj_mismatch": {
                "layer": "STBHHX",
                "fids": off_rows.tolist(),
                "stored_MJ_ha": [rnd(v) for v in red_mj[off_rows]],
                "computed_ha": [rnd(v) for v in red_area[off_rows] / ha],
            },
        },
        "plan_figures": plan_figures,
        "plan_audit": {
            "description": (
                "stated red_line_area and red_line_share are deliberately inconsistent: "
                "area / total area gives another share than the one stated"
            ),
            "figure_ids": ["red_line_area", "red_line_share"],
            "stated_share_pct": plan_figures[1]["value"],
            "implied_share_pct": rnd(plan_figures[0]["value"] / (county_area / ha) * 100, 2),
            "total_area_km2": round(county_area / 1e6, 2),
        },
        "urban_zone_codes": URBAN_ZONES,
    }

    stbhhx = stbhhx_work.copy()
    stbhhx["geometry"] = to_geographic(stbhhx_work.geometry.to_numpy())
    stbhhx = stbhhx.set_crs(GEO_CRS, allow_override=True)
    layers = {
        "XZQ": xzq,
        "XZQ_XZ": xz,
        "STBHHX": stbhhx,
        "YJJBNTBHTB": farm,
        "CZKFBJ": czkfbj,
        "ZRBHD": zrbhd,
        "DLTB": dltb,
    }
    truth["counts"] = {k: len(v) for k, v in layers.items()}
    log.info("layers built (%.1fs)", time.perf_counter() - t0)
    return layers, truth


# --------------------------------------------------------------------------- writers
def write_gpkg(layers: dict[str, gpd.GeoDataFrame], path: Path) -> Path:
    """Write all layers into one GeoPackage with deterministic bytes."""
    if path.exists():
        path.unlink()
    for code in LAYER_CODES:
        pyogrio.write_dataframe(
            layers[code], path, layer=code, driver="GPKG", promote_to_multi=True
        )
    return path


def write_gdb(layers: dict[str, gpd.GeoDataFrame], path: Path) -> Path:
    """Write all layers into a FileGDB folder (OpenFileGDB driver)."""
    if path.exists():
        shutil.rmtree(path)
    for code in LAYER_CODES:
        pyogrio.write_dataframe(
            layers[code], path, layer=code, driver="OpenFileGDB", promote_to_multi=True
        )
    return path


def write_shp(layers: dict[str, gpd.GeoDataFrame], folder: Path) -> Path:
    """Write one GBK-encoded shapefile per layer (``<CODE>.shp`` + ``.cpg`` = GBK)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for code in LAYER_CODES:
        path = folder / f"{code}.shp"
        pyogrio.write_dataframe(
            layers[code], path, driver="ESRI Shapefile", encoding="GBK", promote_to_multi=True
        )
        path.with_suffix(".cpg").write_text("GBK")
    return folder


def write_landcover(dltb: gpd.GeoDataFrame, path: Path, cell: float = RASTER_CELL) -> Path:
    """Rasterise DLTB into the 6 land-cover classes (uint8, nodata 0, deflate)."""
    import rasterio
    from affine import Affine
    from rasterio.features import rasterize

    x0, y0, x1, y1 = dltb.total_bounds
    x0, y0 = np.floor(x0 / cell) * cell, np.floor(y0 / cell) * cell
    x1, y1 = np.ceil(x1 / cell) * cell, np.ceil(y1 / cell) * cell
    width, height = round((x1 - x0) / cell), round((y1 - y0) / cell)
    transform = Affine(cell, 0.0, float(x0), 0.0, -cell, float(y1))
    value = np.zeros(len(dltb), np.uint8)
    prefix = dltb["DLBM"].str[:2].to_numpy()
    for v, (_, _, prefixes) in LANDCOVER.items():
        value[np.isin(prefix, prefixes)] = v
    with warnings.catch_warnings():
        # rasterio 1.4 multiplies Affine objects with `*` internally (affine ≥ 3.1 warns)
        warnings.filterwarnings("ignore", "Use `@` matmul", PendingDeprecationWarning)
        arr = rasterize(
            zip(dltb.geometry.to_numpy(), value.tolist(), strict=True),
            out_shape=(height, width),
            transform=transform,
            fill=0,
            dtype="uint8",
        )
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 1,
        "dtype": "uint8",
        "crs": WORK_CRS,
        "transform": transform,
        "nodata": 0,
        "compress": "deflate",
        "predictor": 2,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Use `@` matmul", PendingDeprecationWarning)
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(arr, 1)
            dst.update_tags(1, **{str(k): v[1] for k, v in LANDCOVER.items()})
    return path


def write_landcover_classes(path: Path) -> Path:
    """Write the class map of the land-cover raster as YAML."""
    lines = [
        "# Classes of demo_landcover.tif (rasterised from DLTB by scripts/make_demo_layers.py)",
        "nodata: 0",
        "source_field: DLBM",
        "classes:",
    ]
    for v, (zh, en, prefixes) in LANDCOVER.items():
        pre = ", ".join(f'"{p}"' for p in prefixes)
        lines.append(f"  {v}: {{name: {zh}, name_en: {en}, dlbm_prefixes: [{pre}]}}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def library_versions() -> dict[str, str]:
    """Versions that decide the exact bytes (GEOS Voronoi, PROJ, GDAL writers)."""
    import rasterio

    return {
        "numpy": np.__version__,
        "shapely": shapely.__version__,
        "geos": shapely.geos_version_string,
        "pyproj": pyproj.__version__,
        "proj": pyproj.proj_version_str,
        "pyogrio": pyogrio.__version__,
        "gdal": pyogrio.__gdal_version_string__,
        "rasterio": rasterio.__version__,
    }


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def make_demo(
    out_dir: str | os.PathLike = "layers",
    *,
    scale: float = 1,
    formats: Sequence[str] = ("gpkg",),
    seed: int = SEED,
    n_parcels: int | None = None,
    raster: bool = True,
) -> dict[str, Path]:
    """Generate the demo county into ``out_dir``.

    Parameters
    ----------
    out_dir : folder to write into (created if missing).
    scale : N× more parcels, farmland patches and small red-line polygons in the same county.
    formats : any of ``"gpkg"``, ``"gdb"``, ``"shp"``.
    seed : numpy seed; the same seed gives the same bytes.
    n_parcels : override the number of DLTB parcels at scale 1 (tests use a small county grid).
    raster : also write the land-cover GeoTIFF and its class map.

    Returns
    -------
    dict of written paths (``gpkg``, ``gdb``, ``shp``, ``tif``, ``classes``, ``truth``).

    Examples
    --------
    ``make_demo("/tmp/demo", n_parcels=3000, formats=("gpkg", "shp"))`` writes a small county
    (about 3 000 parcels) in a few seconds; the tests load this script with importlib.
    """
    unknown = set(formats) - {"gpkg", "gdb", "shp"}
    if unknown:
        raise ValueError(f"unknown format(s) {sorted(unknown)}; use gpkg, gdb, shp")
    os.environ["OGR_CURRENT_DATE"] = CURRENT_DATE
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    layers, truth = build(scale=scale, seed=seed, n_parcels=n_parcels)
    paths: dict[str, Path] = {}
    if "gpkg" in formats:
        paths["gpkg"] = write_gpkg(layers, out / "demo.gpkg")
    if "gdb" in formats:
        paths["gdb"] = write_gdb(layers, out / "demo.gdb")
    if "shp" in formats:
        paths["shp"] = write_shp(layers, out / "shp")
    if raster:
        paths["tif"] = write_landcover(layers["DLTB"], out / "demo_landcover.tif")
        paths["classes"] = write_landcover_classes(out / "demo_landcover_classes.yaml")
    paths["truth"] = out / "demo_truth.json"
    paths["truth"].write_text(
        json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    log.info(
        "wrote %s in %.1fs", ", ".join(str(p) for p in paths.values()), time.perf_counter() - t0
    )
    return paths


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "layers"))
    p.add_argument("--scale", type=float, default=1)
    p.add_argument("--formats", default="gpkg", help="comma list of gpkg,gdb,shp")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--n-parcels", type=int, default=None)
    p.add_argument("--no-raster", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("pyogrio").setLevel(logging.WARNING)  # one "Created N records" per layer
    paths = make_demo(
        args.out,
        scale=args.scale,
        formats=[f.strip() for f in args.formats.split(",") if f.strip()],
        seed=args.seed,
        n_parcels=args.n_parcels,
        raster=not args.no_raster,
    )
    for k, v in paths.items():
        if v.is_file():
            log.info("%-7s %s  %.2f MB  sha256 %s", k, v, v.stat().st_size / 1e6, sha256(v)[:16])


if __name__ == "__main__":
    main()
