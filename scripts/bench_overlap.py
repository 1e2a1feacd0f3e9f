#!/usr/bin/env python
"""Benchmark ecospace.measuring.stats.measure_county against the straightforward geopandas pipeline.

A county at realistic size is generated with ``scripts/make_demo_layers.py --scale 5``
(≥ 50 000 farmland patches, ~120 000 land-use parcels; the red line is split along a
1 km grid, as map-sheet deliveries are, to reach ≥ 2 000 polygons).  Both pipelines then
compute the same figures from the same repaired layers in EPSG:4529, each in its own
subprocess (wall time of the computation, peak RSS of the process):

* ``ecospace``: :func:`ecospace.measuring.stats.measure_county` (coverage, overlap matrix,
  containment, within-layer overlaps, township table, land cover, conflict features);
* ``geopandas``: ``dissolve`` + ``overlay`` + area, the way one would write it by hand.

Both measure with ``ecospace.geometry.area.areas(method="ellipsoid")``; the figures must agree to
0.01 ha.  The result replaces the ``bench_overlap`` section of BENCHMARKS.md.

Usage::

    python scripts/bench_overlap.py                 # generate into a temp dir, run, record
    python scripts/bench_overlap.py --data DIR      # reuse DIR/demo.gpkg (made with --scale 5)
    python scripts/bench_overlap.py --no-write      # print only
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMES = {
    "boundary": "XZQ",
    "townships": "XZQ_XZ",
    "red_line": "STBHHX",
    "basic_farmland": "YJJBNTBHTB",
    "urban_boundary": "CZKFBJ",
    "protected_area": "ZRBHD",
    "land_use": "DLTB",
}
CRS = "EPSG:4529"
GRID_M = 1000.0
MIN_RED = 2000
BEGIN, END = "<!-- bench_overlap -->", "<!-- /bench_overlap -->"


# ----------------------------------------------------------------------------- data
def prepare(gpkg: Path, out: Path) -> dict[str, int]:
    """Read, repair, bring to EPSG:4529, split the red line; write GeoParquet per role."""
    import geopandas as gpd
    import numpy as np
    import shapely

    counts = {}
    for role, name in NAMES.items():
        g = gpd.read_file(gpkg, layer=name, engine="pyogrio")
        g["fid"] = np.arange(len(g))
        if g.crs is None or g.crs.to_epsg() != 4529:
            g = g.to_crs(CRS)
        bad = ~g.is_valid
        if bad.any():
            g.loc[bad, "geometry"] = shapely.make_valid(g.geometry[bad].values)
        if role == "red_line":
            g = split_by_grid(g, GRID_M)
        g = g[~g.geometry.is_empty & g.geometry.notna()].reset_index(drop=True)
        g.to_parquet(out / f"{role}.parquet")
        counts[role] = len(g)
    return counts


def split_by_grid(g, size: float):
    """Cut each polygon along a square grid (map-sheet style), keeping its attributes."""
    import geopandas as gpd
    import numpy as np
    import shapely

    xmin, ymin, xmax, ymax = g.total_bounds
    xs = np.arange(np.floor(xmin / size) * size, xmax + size, size)
    ys = np.arange(np.floor(ymin / size) * size, ymax + size, size)
    gx, gy = np.meshgrid(xs[:-1], ys[:-1])
    cells = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + size, gy.ravel() + size)
    tree = shapely.STRtree(cells)
    gi, cj = tree.query(g.geometry.values, predicate="intersects")
    pieces = shapely.intersection(g.geometry.values[gi], cells[cj])
    keep = shapely.area(pieces) > 1.0
    out = g.iloc[gi[keep]].drop(columns="geometry").reset_index(drop=True)
    out = gpd.GeoDataFrame(out, geometry=shapely.make_valid(pieces[keep]), crs=g.crs)
    out = out.explode(index_parts=False).reset_index(drop=True)
    out = out[out.geom_type == "Polygon"].reset_index(drop=True)
    out["fid"] = np.arange(len(out))
    return out


def load(folder: Path) -> dict:
    import geopandas as gpd

    return {role: gpd.read_parquet(folder / f"{role}.parquet") for role in NAMES}


# ----------------------------------------------------------------------------- pipelines
def run_ecospace(layers: dict) -> dict:
    from ecospace.measuring.stats import measure_county

    f = measure_county(layers, method="ellipsoid")
    t = f.townships
    return {
        "coverage": dict(zip(f.coverage["role"], f.coverage["union_m2"], strict=True)),
        "sum": dict(zip(f.coverage["role"], f.coverage["sum_m2"], strict=True)),
        "overlaps": {
            f"{a}|{b}": v
            for a, b, v in zip(
                f.overlaps.role_a, f.overlaps.role_b, f.overlaps.area_m2, strict=True
            )
        },
        "outside": {
            f"{a}|{b}": v
            for a, b, v in zip(
                f.containment.inner, f.containment.outer, f.containment.outside_m2, strict=True
            )
        },
        "pair_overlap": dict(
            zip(f.self_overlaps.role, f.self_overlaps.pair_overlap_m2, strict=True)
        ),
        "townships": {
            f"{role}|{name}": v
            for role in ("red_line", "basic_farmland", "urban_boundary", "protected_area")
            for name, v in zip(
                t.loc[t.kind == "township", "name"],
                t.loc[t.kind == "township", f"{role}_m2"],
                strict=True,
            )
        },
        "land_cover": dict(zip(f.land_cover["class"], f.land_cover["area_m2"], strict=True)),
        "conflict_layers": {k: len(v) for k, v in f.conflicts.items()},
    }


def run_geopandas(layers: dict) -> dict:
    """The same figures, written the straightforward way: dissolve, overlay, area."""
    import geopandas as gpd
    import numpy as np

    from ecospace.geometry.area import areas
    from ecospace.measuring.overlap import CONTAINMENT, OVERLAP_ROLES
    from ecospace.measuring.stats import CLASS_SETS, _select

    def area(g) -> float:
        g = g[~g.geometry.is_empty & g.geometry.notna()]
        g = g[g.geom_type.isin(["Polygon", "MultiPolygon"])]
        return float(areas(g.geometry, method="ellipsoid").sum()) if len(g) else 0.0

    dissolved = {r: g[["geometry"]].dissolve() for r, g in layers.items()}
    res: dict = {
        "coverage": {},
        "sum": {},
        "overlaps": {},
        "outside": {},
        "pair_overlap": {},
        "townships": {},
        "land_cover": {},
    }
    for r, g in layers.items():
        res["coverage"][r] = area(dissolved[r])
        res["sum"][r] = area(g)
    for a, b in combinations(OVERLAP_ROLES, 2):
        ov = gpd.overlay(
            layers[a][["geometry"]],
            layers[b][["geometry"]],
            how="intersection",
            keep_geom_type=True,
        )
        res["overlaps"][f"{a}|{b}"] = area(ov.dissolve()) if len(ov) else 0.0
    for inner, outer in CONTAINMENT:
        diff = gpd.overlay(
            dissolved[inner], dissolved[outer], how="difference", keep_geom_type=True
        )
        res["outside"][f"{inner}|{outer}"] = area(diff)
    for r, g in layers.items():
        gg = g[["geometry"]].assign(_i=np.arange(len(g)))
        self_ov = gpd.overlay(gg, gg, how="intersection", keep_geom_type=True)
        self_ov = self_ov[self_ov["_i_1"] < self_ov["_i_2"]]
        res["pair_overlap"][r] = area(self_ov)
    towns = layers["townships"][["XZQMC", "geometry"]]
    for role in ("red_line", "basic_farmland", "urban_boundary", "protected_area"):
        pieces = gpd.overlay(dissolved[role], towns, how="intersection", keep_geom_type=True)
        pieces["a"] = areas(pieces.geometry, method="ellipsoid")
        by = pieces.groupby("XZQMC")["a"].sum()
        for name in towns["XZQMC"]:
            res["townships"][f"{role}|{name}"] = float(by.get(name, 0.0))
    lu = layers["land_use"]
    for cls, codes in CLASS_SETS.items():
        sel = lu[_select(lu, list(codes), "DLBM")]
        res["land_cover"][cls] = area(sel[["geometry"]].dissolve()) if len(sel) else 0.0
    return res


def _rss_now_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(pipeline: str, folder: str, out: str) -> None:
    """Run one pipeline in this (fresh) process and write its figures and costs."""
    layers = load(Path(folder))
    # imports happen here so that their cost stays outside the timing
    import ecospace.geometry.area
    import ecospace.measuring.stats  # noqa: F401

    base = _rss_now_mb()
    t0 = time.perf_counter()
    figures = (run_ecospace if pipeline == "ecospace" else run_geopandas)(layers)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(out).write_text(
        json.dumps(
            {"wall_s": wall, "peak_rss_mb": peak, "rss_after_load_mb": base, "figures": figures}
        )
    )


def spawn(pipeline: str, folder: Path) -> dict:
    out = folder / f"{pipeline}.json"
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            pipeline,
            "--data-prepared",
            str(folder),
            "--out",
            str(out),
        ],
        check=True,
    )
    return json.loads(out.read_text())


# ----------------------------------------------------------------------------- compare, record
def compare(a: dict, b: dict, tol_m2: float = 100.0) -> list[str]:
    """Differences above 0.01 ha (= 100 m²) between the two sets of figures."""
    bad = []
    for section in (
        "coverage",
        "sum",
        "overlaps",
        "outside",
        "pair_overlap",
        "townships",
        "land_cover",
    ):
        for k, va in a[section].items():
            vb = b[section].get(k)
            if vb is None or abs(va - vb) > tol_m2:
                bad.append(
                    f"{section}[{k}]: ecospace {va / 1e4:.4f} ha, geopandas "
                    f"{'missing' if vb is None else f'{vb / 1e4:.4f} ha'}"
                )
    return bad


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import geopandas
    import shapely

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {os.cpu_count()} cores (shared), {mem:.0f} GB RAM; Python "
        f"{platform.python_version()}, shapely {shapely.__version__} (GEOS "
        f"{'.'.join(map(str, shapely.geos_version))}), geopandas {geopandas.__version__}"
    )


def section(counts: dict, eco: dict, gpd_: dict, bad: list[str], gen_s: float) -> str:
    command = " ".join(["python", "scripts/bench_overlap.py", *sys.argv[1:]])
    ratio = gpd_["wall_s"] / eco["wall_s"]
    lines = [
        BEGIN,
        "## Overlaps and statistics (`scripts/bench_overlap.py`)",
        "",
        f"Command: `{command}` — {time.strftime('%Y-%m-%d')}, {machine()}.",
        "",
        "County: `make_demo(scale=5)` (示范县, ~2 500 km², "
        + (f"generated in {gen_s:.0f} s" if gen_s else "generated beforehand")
        + "); layers in EPSG:4529, invalid patches repaired with make_valid, red "
        "line split along a 1 km grid (map-sheet delivery) to get ≥ 2 000 polygons:",
        "",
        "| role | features |",
        "|---|---:|",
        *[f"| {r} | {n:,} |" for r, n in counts.items()],
        "",
        "Figures: coverage (union and sum) of 7 layers, 6-pair overlap matrix, 6 containment "
        "checks, within-layer overlaps of 7 layers, township table (12 townships × 4 roles), "
        '4 land-cover classes; all areas `ecospace.geometry.area.areas(method="ellipsoid")`. '
        "Each pipeline runs once, in its own process, on a machine shared with other jobs "
        "(times vary by ±30 %); time excludes reading the layers.",
        "",
        "| pipeline | wall time | peak RSS | RSS after loading |",
        "|---|---:|---:|---:|",
        "| `measure_county` (coverage-validator pair search, prepared STRtree queries, "
        "covers shortcut, dissolve only overlapping clusters) | "
        f"{eco['wall_s']:.1f} s | {eco['peak_rss_mb']:.0f} MB | "
        f"{eco['rss_after_load_mb']:.0f} MB |",
        f"| geopandas `dissolve` + `overlay` + area | {gpd_['wall_s']:.1f} s | "
        f"{gpd_['peak_rss_mb']:.0f} MB | {gpd_['rss_after_load_mb']:.0f} MB |",
        "",
        f"**Speed-up: {ratio:.1f}×.** Figures agree to 0.01 ha: "
        + ("**yes** (all compared values)." if not bad else f"**no** — {len(bad)} differ:"),
    ]
    lines += [f"- {b}" for b in bad[:20]]
    lines += ["", END]
    return "\n".join(lines)


def record(text: str, path: Path) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        new = head + text + tail
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(new, encoding="utf-8")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", help="folder with demo.gpkg made with --scale 5 (default: generate)")
    p.add_argument("--scale", type=float, default=5)
    p.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    p.add_argument("--child", choices=["ecospace", "geopandas"], help=argparse.SUPPRESS)
    p.add_argument("--data-prepared", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(args.child, args.data_prepared, args.out)
        return
    with tempfile.TemporaryDirectory(prefix="bench_overlap_") as tmp:
        tmp = Path(tmp)
        gen_s = 0.0
        if args.data:
            gpkg = Path(args.data) / "demo.gpkg"
        else:
            sys.path.insert(0, str(ROOT / "scripts"))
            from make_demo_layers import make_demo

            t0 = time.perf_counter()
            gpkg = make_demo(tmp / "county", scale=args.scale, raster=False)["gpkg"]
            gen_s = time.perf_counter() - t0
        prepared = tmp / "prepared"
        prepared.mkdir()
        counts = prepare(gpkg, prepared)
        print("features:", counts, flush=True)
        if counts["basic_farmland"] < 50_000 or counts["red_line"] < MIN_RED:
            print("warning: county smaller than the benchmark asks for", file=sys.stderr)
        eco = spawn("ecospace", prepared)
        print(f"ecospace:  {eco['wall_s']:.1f} s, peak {eco['peak_rss_mb']:.0f} MB", flush=True)
        gpd_ = spawn("geopandas", prepared)
        print(f"geopandas: {gpd_['wall_s']:.1f} s, peak {gpd_['peak_rss_mb']:.0f} MB", flush=True)
        bad = compare(eco["figures"], gpd_["figures"])
        print(
            f"speed-up {gpd_['wall_s'] / eco['wall_s']:.1f}x; "
            f"{'all figures agree to 0.01 ha' if not bad else f'{len(bad)} differ'}"
        )
        for b in bad:
            print("  ", b)
        text = section(counts, eco, gpd_, bad, gen_s)
        if not args.no_write:
            record(text, ROOT / "BENCHMARKS.md")
            print("updated BENCHMARKS.md")
        else:
            print(text)


if __name__ == "__main__":
    main()
