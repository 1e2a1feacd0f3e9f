"""Benchmark: the vectorised ``ellipsoid`` area against a per-feature pyproj.Geod loop.

Generates GK-projected parcels (EPSG:4529, CGCS2000 3° zone 41) in memory with a fixed
seed, times ``ecospace.geometry.area.areas(method="ellipsoid")`` (inverse projection included)
and the loop a user would write with pyproj (transform each feature, then
``Geod.geometry_area_perimeter``) on the same data in the same run, checks that they
agree, and writes the result between the ``bench_area`` markers of BENCHMARKS.md.

Usage::

    .venv/bin/python scripts/bench_area.py [--features 60000] [--vertices 50] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import time
from pathlib import Path

import numpy as np
import pyproj
import shapely

from ecospace.geometry.area import areas

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- bench_area -->", "<!-- /bench_area -->"


def make_parcels(n: int, vertices: int, seed: int = 20240601) -> np.ndarray:
    """``n`` star-shaped parcels of ``vertices`` coordinates (ring closed) in EPSG:4529."""
    rng = np.random.default_rng(seed)
    cx = rng.uniform(41_400_000, 41_600_000, n)  # ±100 km around the 123°E meridian
    cy = rng.uniform(4_900_000, 5_100_000, n)  # ~44–46°N
    radius = rng.uniform(30, 300, n)
    lobes = rng.integers(2, 7, n)
    phase = rng.uniform(0, 2 * np.pi, n)
    theta = np.linspace(0, 2 * np.pi, vertices - 1, endpoint=False)
    r = radius[:, None] * (1 + 0.3 * np.sin(lobes[:, None] * theta + phase[:, None]))
    x = cx[:, None] + r * np.cos(theta)
    y = cy[:, None] + r * np.sin(theta)
    ring = np.stack([x, y], axis=-1)
    ring = np.concatenate([ring, ring[:, :1]], axis=1)  # close
    return shapely.polygons(ring)


def geod_loop(geoms: np.ndarray, crs: pyproj.CRS) -> np.ndarray:
    """The per-feature baseline: transform each polygon, then GeographicLib."""
    transformer = pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
    geod = crs.geodetic_crs.get_geod()

    def to_lonlat(c):
        return np.column_stack(transformer.transform(c[:, 0], c[:, 1]))

    out = np.empty(len(geoms))
    for i, g in enumerate(geoms):
        out[i] = abs(geod.geometry_area_perimeter(shapely.transform(g, to_lonlat))[0])
    return out


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"numpy {np.__version__}, shapely {shapely.__version__}, pyproj {pyproj.__version__} "
        f"(PROJ {pyproj.proj_version_str})"
    )


def write_section(text: str, path: Path) -> None:
    section = f"{START}\n{text.rstrip()}\n{END}\n"
    if path.exists():
        old = path.read_text(encoding="utf-8")
        pattern = re.compile(re.escape(START) + r".*?" + re.escape(END) + r"\n?", re.S)
        if pattern.search(old):
            new = pattern.sub(lambda _: section, old)
        else:
            new = old.rstrip() + "\n\n" + section
    else:
        new = "# Benchmarks\n\n" + section
    path.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=60_000)
    parser.add_argument("--vertices", type=int, default=50, help="coordinates per ring (closed)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; best is kept")
    parser.add_argument("--no-write", action="store_true", help="print only, leave BENCHMARKS.md")
    args = parser.parse_args(argv)

    crs = pyproj.CRS.from_epsg(4529)
    geoms = make_parcels(args.features, args.vertices)
    n_vertices = int(shapely.get_num_coordinates(geoms).sum())

    areas(geoms[:100], crs)  # warm up PROJ's database and caches
    t_ours = t_geod = np.inf
    for _ in range(args.repeat):  # interleaved, best of each: the machine is shared
        t0 = time.perf_counter()
        ours = areas(geoms, crs, method="ellipsoid")
        t_ours = min(t_ours, time.perf_counter() - t0)
        t0 = time.perf_counter()
        ref = geod_loop(geoms, crs)
        t_geod = min(t_geod, time.perf_counter() - t0)

    rel = np.abs(ours / ref - 1)
    ratio = t_geod / t_ours
    command = (
        f".venv/bin/python scripts/bench_area.py --features {args.features} "
        f"--vertices {args.vertices} --repeat {args.repeat}"
    )
    edge = 2 * np.pi * 165 / (args.vertices - 1)
    ours_row = f"| {t_ours:.2f} | {n_vertices / t_ours:,.0f} |"
    geod_row = f"| {t_geod:.2f} | {n_vertices / t_geod:,.0f} |"
    text = f"""## Area: vectorised ellipsoidal series vs per-feature pyproj.Geod loop

Command: `{command}`

Data: {args.features:,} star-shaped parcels (radius 30–300 m) in EPSG:4529 (CGCS2000 GK zone 41),
{n_vertices:,} vertices, generated in memory with a fixed seed.

Machine: {machine()}.
The machine is shared with other jobs: each time is the best of {args.repeat} interleaved runs.

| method | time (s) | vertices / s |
|---|---:|---:|
| `areas(method="ellipsoid")` (inverse projection included) {ours_row}
| per-feature loop: `Transformer.transform` + `Geod.geometry_area_perimeter` {geod_row}

Speed-up: **{ratio:.1f}×** (target ≥ 5×).  Agreement: max relative difference
{rel.max():.1e}, median {np.median(rel):.1e} (edges ~{edge:.0f} m long on average; the series
follows straight lines in latitude/longitude, GeographicLib follows geodesics).
"""
    print(text)
    if not args.no_write:
        write_section(text, ROOT / "BENCHMARKS.md")
        print(f"written to {ROOT / 'BENCHMARKS.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
