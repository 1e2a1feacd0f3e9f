#!/usr/bin/env python
"""Benchmark ``ecospace stats --by-township`` against DuckDB spatial, at three data sizes.

One command generates a county at scales 1, 4 and 16 and, in the same run, times the
whole ecospace command line (reading, validation and every figure; the partitioned
engine on every core, its default, and with ``--workers 1``) and DuckDB 1.5 + its spatial extension
computing the same figures, each in its own subprocess (wall time, peak RSS from
``/usr/bin/time``), and checks every figure of one against the other to 0.01 ha.

The county (a fast generator of the demo county's shape): 50 km × 50 km = 2 500 km² in
EPSG:4529 (CGCS2000 / Gauss–Krüger zone 41), 12 townships on a 4 × 3 grid, a red line of
1 500 × N blobs, ~52 000 × N farmland patches (non-overlapping quadrilaterals, 40–120 m),
16 urban-boundary blobs and 8 protected areas (two pairs overlap; some lie partly
outside the red line).  Long edges are drawn with a vertex every 50 m, as delivered
data are, so the geodesic area DuckDB computes and the official series ecospace
computes differ only by the methods (~1e-9 relative).  Written as GeoParquet, one file
per layer code.

Figures compared: coverage (union) of red line, farmland, urban boundary and protected
areas; the six pairwise overlaps; protected areas outside the red line; each township ×
those four layers (48).  DuckDB: unions by ``ST_CoverageUnion_Agg`` where the layer is a
valid coverage (its features do not overlap), else ``ST_Union_Agg``; areas by
``ST_Area_Spheroid`` after ``ST_Transform`` to EPSG:4490.

Usage::

    python scripts/bench_engine.py                        # scales 1 4 16, record
    python scripts/bench_engine.py --scales 1 4 --no-write
    python scripts/bench_engine.py --schedulers --scales 4   # threads or processes?
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODES = {
    "boundary": "XZQ",
    "townships": "XZQ_XZ",
    "red_line": "STBHHX",
    "basic_farmland": "YJJBNTBHTB",
    "urban_boundary": "CZKFBJ",
    "protected_area": "ZRBHD",
}
ROLES = ("red_line", "basic_farmland", "urban_boundary", "protected_area")
X0, Y0, SIDE = 41_560_000.0, 4_980_000.0, 50_000.0
BEGIN, END = "<!-- bench_engine -->", "<!-- /bench_engine -->"
SCHED_BEGIN, SCHED_END = "<!-- bench_engine_schedulers -->", "<!-- /bench_engine_schedulers -->"


# ----------------------------------------------------------------------------- data
def _blobs(rng, centres, radii, n=24):
    import numpy as np
    import shapely

    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    wob = 1 + 0.25 * rng.uniform(-1, 1, (len(centres), n))
    xs = centres[:, :1] + radii[:, None] * wob * np.cos(t)
    ys = centres[:, 1:] + radii[:, None] * wob * np.sin(t)
    coords = np.stack([xs, ys], axis=-1)
    coords = np.concatenate([coords, coords[:, :1]], axis=1)
    return shapely.polygons(coords)


def generate(out: Path, scale: int, seed: int = 20240101) -> dict[str, int]:
    """Write the county at ``scale`` into ``out`` as GeoParquet; return feature counts."""
    import geopandas as gpd
    import numpy as np
    import shapely

    rng = np.random.default_rng(seed + scale)
    out.mkdir(parents=True, exist_ok=True)
    county = shapely.box(X0, Y0, X0 + SIDE, Y0 + SIDE)
    tw = [
        shapely.box(
            X0 + i * SIDE / 4, Y0 + j * SIDE / 3, X0 + (i + 1) * SIDE / 4, Y0 + (j + 1) * SIDE / 3
        )
        for j in range(3)
        for i in range(4)
    ]
    # red line: blobs on a grid of cells, never overlapping each other
    n_red = 1500 * scale
    cell = SIDE / np.ceil(np.sqrt(n_red * 2))
    k = round(SIDE / cell)
    pick = rng.choice(k * k, n_red, replace=False)
    centres = np.column_stack([X0 + (pick % k + 0.5) * cell, Y0 + (pick // k + 0.5) * cell])
    red = _blobs(rng, centres, cell * rng.uniform(0.2, 0.38, n_red))  # ≤ 0.475 cell: apart
    # farmland: quadrilaterals in half the cells of a fine grid (no overlaps)
    n_farm = 52_000 * scale
    cell = SIDE / np.ceil(np.sqrt(n_farm * 2))
    k = round(SIDE / cell)
    pick = rng.choice(k * k, n_farm, replace=False)
    cx, cy = X0 + (pick % k) * cell, Y0 + (pick // k) * cell
    m = rng.uniform(0.05, 0.3, (n_farm, 4)) * cell
    quad = np.stack(
        [
            np.column_stack([cx + m[:, 0], cy + m[:, 1]]),
            np.column_stack([cx + cell - m[:, 2], cy + m[:, 1] * 0.5]),
            np.column_stack([cx + cell - m[:, 2] * 0.5, cy + cell - m[:, 3]]),
            np.column_stack([cx + m[:, 0] * 0.5, cy + cell - m[:, 3] * 0.5]),
            np.column_stack([cx + m[:, 0], cy + m[:, 1]]),
        ],
        axis=1,
    )
    farm = shapely.polygons(quad)
    urban = _blobs(
        rng,
        rng.uniform([X0 + 3e3, Y0 + 3e3], [X0 + SIDE - 3e3, Y0 + SIDE - 3e3], (16, 2)),
        rng.uniform(500, 1500, 16),
        n=64,
    )
    urban = shapely.union_all(urban)
    urban = np.asarray(shapely.get_parts(urban), dtype=object)
    pa_c = rng.uniform([X0 + 6e3, Y0 + 6e3], [X0 + SIDE - 6e3, Y0 + SIDE - 6e3], (4, 2))
    pa_c = np.concatenate([pa_c, pa_c + rng.uniform(-2e3, 2e3, (4, 2))])
    pa = _blobs(rng, pa_c, rng.uniform(2000, 4000, 8), n=96)
    layers = {
        "boundary": [county],
        "townships": tw,
        "red_line": red,
        "basic_farmland": farm,
        "urban_boundary": urban,
        "protected_area": pa,
    }
    counts = {}
    for role, geoms in layers.items():
        g = np.asarray(geoms, dtype=object)
        if role != "basic_farmland":  # long edges as delivered: a vertex every 50 m
            g = shapely.segmentize(g, 50.0)
        gdf = gpd.GeoDataFrame({"BSM": np.arange(1, len(g) + 1)}, geometry=g, crs="EPSG:4529")
        if role == "townships":
            gdf["XZQMC"] = [f"乡镇{i + 1:02d}" for i in range(len(g))]
        gdf.to_parquet(out / f"{CODES[role]}.parquet")
        counts[role] = len(g)
    return counts


# ----------------------------------------------------------------------------- runs
def _timed(cmd: list[str], stdout: Path) -> tuple[float, float, int]:
    """(wall s, peak RSS MB, exit status) of ``cmd``, its standard output into ``stdout``."""
    with open(stdout, "w") as fh, tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        t = time.perf_counter()
        r = subprocess.run(
            ["/usr/bin/time", "-o", tf.name, "-f", "%M", *cmd],
            stdout=fh,
            stderr=subprocess.PIPE,
            text=True,
        )
        wall = time.perf_counter() - t
        rss = float(Path(tf.name).read_text().split()[-1]) / 1024
    if r.returncode:
        sys.stderr.write(r.stderr[-3000:])
    return wall, rss, r.returncode


def ecospace_figures(path: Path) -> dict[str, float]:
    d = json.loads(path.read_text())
    f = {}
    for row in d["coverage"]:
        if row["role"] in ROLES:
            f[f"coverage {row['role']}"] = row["union_m2"]
    for row in d["overlaps"]:
        f[f"overlap {row['role_a']} {row['role_b']}"] = row["area_m2"]
    for row in d["containment"]:
        if (row["inner"], row["outer"]) == ("protected_area", "red_line"):
            f["outside protected_area red_line"] = row["outside_m2"]
    for row in d["townships"]:
        if row["kind"] == "township":
            for role in ROLES:
                f[f"township {row['name']} {role}"] = row[f"{role}_m2"]
    return f


DUCK_SQL_AREA = (
    "ST_Area_Spheroid(ST_FlipCoordinates(ST_Transform({g}, 'EPSG:4529', 'EPSG:4490', true)))"
)


def duckdb_run(data: Path, out: Path) -> None:
    """The same figures in DuckDB spatial (run in its own process by ``main``)."""
    import duckdb
    import duckdb_extension_spatial

    ext = Path(duckdb_extension_spatial.__file__).parent / "extensions"
    ext = next(ext.rglob("spatial.duckdb_extension"))
    con = duckdb.connect(config={"allow_unsigned_extensions": True})
    con.execute(f"LOAD '{ext}'")
    for role, code in CODES.items():
        con.execute(f"CREATE TABLE {role} AS SELECT * FROM read_parquet('{data / code}.parquet')")
    area = DUCK_SQL_AREA.format
    for role in ROLES:
        # a valid coverage (no two features overlap, by construction: see generate) unions
        # much faster; the protected areas overlap
        agg = "ST_Union_Agg" if role == "protected_area" else "ST_CoverageUnion_Agg"
        con.execute(f"CREATE TABLE u_{role} AS SELECT {agg}(geometry) AS g FROM {role}")
    f = {}
    for role in ROLES:
        f[f"coverage {role}"] = con.execute(f"SELECT {area(g='g')} FROM u_{role}").fetchone()[0]
    for a, b in combinations(ROLES, 2):
        f[f"overlap {a} {b}"] = con.execute(
            f"SELECT {area(g='ST_Intersection(x.g, y.g)')} FROM u_{a} x, u_{b} y"
        ).fetchone()[0]
    f["outside protected_area red_line"] = con.execute(
        f"SELECT {area(g='ST_Difference(x.g, y.g)')} FROM u_protected_area x, u_red_line y"
    ).fetchone()[0]
    for role in ROLES:
        rows = con.execute(
            f"SELECT t.XZQMC, {area(g='ST_Intersection(t.geometry, u.g)')} "
            f"FROM townships t, u_{role} u"
        ).fetchall()
        for name, a in rows:
            f[f"township {name} {role}"] = a
    out.write_text(json.dumps(f, ensure_ascii=False))


def run_scale(scale: int, workdir: Path, workers: list[int]) -> dict:
    data = workdir / f"scale{scale}"
    t = time.perf_counter()
    counts = generate(data, scale)
    gen = time.perf_counter() - t
    print(f"scale {scale}: {counts} generated in {gen:.0f} s", flush=True)
    eco = [
        str(ROOT / ".venv" / "bin" / "ecospace"),
        "-q",
        "stats",
        str(data),
        "--by-township",
        "--format",
        "json",
    ]
    runs = {}
    cores = os.cpu_count() or 1
    for label, extra in [(f"default ({cores} cores)", [])] + [
        (f"--workers {w}", ["--workers", str(w)]) for w in workers if w != cores
    ]:
        out = workdir / f"eco{scale}_{len(runs)}.json"
        wall, rss, rc = _timed(eco + extra, out)
        runs[label] = {
            "wall": wall,
            "rss": rss,
            "ok": rc == 0,
            "figures": ecospace_figures(out) if rc == 0 else {},
        }
        print(f"  ecospace {label}: {wall:.1f} s, {rss:.0f} MB", flush=True)
    out = workdir / f"duck{scale}.json"
    wall, rss, rc = _timed(
        [sys.executable, __file__, "--duckdb", str(data), str(out)], workdir / "duck.out"
    )
    duck = json.loads(out.read_text()) if rc == 0 else {}
    print(f"  duckdb: {wall:.1f} s, {rss:.0f} MB", flush=True)
    diffs = {}
    for label, r in runs.items():
        common = set(r["figures"]) & set(duck)
        diffs[label] = max(
            (abs(r["figures"][k] - duck[k]) / 1e4 for k in common), default=float("nan")
        )
        diffs[label + " n"] = len(common)
    return {
        "scale": scale,
        "load": os.getloadavg()[0],  # the machine is shared: say how busy it was
        "counts": counts,
        "ecospace": runs,
        "duckdb": {"wall": wall, "rss": rss},
        "max_diff_ha": diffs,
    }


def _machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import duckdb
    import shapely

    return (
        f"{cpu}, {os.cpu_count()} cores (shared with other jobs); "
        f"Python {platform.python_version()}, shapely {shapely.__version__} "
        f"(GEOS {shapely.geos_version_string}), duckdb {duckdb.__version__}"
    )


def report(results: list[dict], command: str) -> str:
    lines = [
        BEGIN,
        "## Partitioned engine vs DuckDB spatial (`scripts/bench_engine.py`)",
        "",
        f"Command: `{command}` — {time.strftime('%Y-%m-%d')}, {_machine()}.",
        "",
        "Whole-process wall time (reading, validation, every figure) and peak RSS of "
        "`ecospace -q stats DIR --by-township --format json` (the partitioned engine: tiles "
        "on dask's threaded scheduler, one thread per core by default; `--workers 1`: the "
        "tiles one after another in the process) and of DuckDB computing the same figures. "
        "Figures compared: coverage ×4, pairwise overlaps ×6, protected areas outside the red "
        "line, township × layer ×48.",
        "",
        "| scale (farmland patches) | DuckDB | "
        + " | ".join(f"ecospace {k}" for k in results[0]["ecospace"])
        + " | figures agree (max diff) | load average |",
        "|---|---:|" + "---:|" * len(results[0]["ecospace"]) + "---|---:|",
    ]
    for r in results:
        cells = [f"{r['duckdb']['wall']:.1f} s, {r['duckdb']['rss']:.0f} MB"]
        for e in r["ecospace"].values():
            cells.append(f"{e['wall']:.1f} s, {e['rss']:.0f} MB" if e["ok"] else "failed")
        worst = max(v for k, v in r["max_diff_ha"].items() if not k.endswith(" n"))
        n = max(v for k, v in r["max_diff_ha"].items() if k.endswith(" n"))
        cells.append(f"{'yes' if worst <= 0.01 else 'NO'} ({worst:.2g} ha, {n} figures)")
        cells.append(f"{r.get('load', float('nan')):.1f}")
        lines.append(
            f"| {r['scale']} ({r['counts']['basic_farmland']:,}) | " + " | ".join(cells) + " |"
        )
    lines += ["", END]
    return "\n".join(lines)


def _local_cluster(processes: bool):
    """``measure_partitioned`` keywords running on a LocalCluster started (and closed) here."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=processes, dashboard_address=":0"
    )
    return cluster, Client(cluster)


def schedulers(scale: int, workdir: Path, repeat: int) -> str:
    """Threads or processes, dask's local scheduler or a LocalCluster?  ``measure_partitioned``
    in this process on the loaded county of ``scale`` and on the demo county; cluster start
    and close are timed with the run (that is what a command pays)."""
    import warnings

    from ecospace.geometry.crs import to_working
    from ecospace.loading.layers import load_layers
    from ecospace.measuring.partition import measure_partitioned

    data = workdir / f"scale{scale}"
    generate(data, scale)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the planted overlaps of the protected areas
        counties = {
            f"scale {scale}": to_working(load_layers([str(data)])),
            "demo": to_working(load_layers([str(ROOT / "layers" / "demo.gpkg")])),
        }

    def run(work, kw, cluster):
        if cluster is None:
            return measure_partitioned(work, **kw)
        c, client = _local_cluster(processes=cluster == "processes")
        try:
            return measure_partitioned(work, client=client, **kw)
        finally:
            client.close()
            c.close()

    variants = {
        "1 worker (tiles one after another in this process)": ({"workers": 1}, None),
        "2 threads, dask's local threaded scheduler (the default)": ({"workers": 2}, None),
        "2 workers, LocalCluster of threads": ({"workers": 2}, "threads"),
        "2 workers, LocalCluster of processes": ({"workers": 2}, "processes"),
    }
    best: dict[tuple[str, str], float] = {}
    for _ in range(repeat):  # interleaved, best of ``repeat``: the machine is shared
        for name, work in counties.items():
            for label, (kw, cluster) in variants.items():
                t = time.perf_counter()
                run(work, kw, cluster)
                key = (label, name)
                best[key] = min(best.get(key, float("inf")), time.perf_counter() - t)
                print(f"  {name}, {label}: {best[key]:.2f} s", flush=True)
    load = os.getloadavg()[0]
    lines = [
        SCHED_BEGIN,
        "### Threads or processes, local scheduler or cluster (`scripts/bench_engine.py "
        "--schedulers`)",
        "",
        f"Command: `python scripts/bench_engine.py --schedulers --scales {scale} --repeat "
        f"{repeat}` — {time.strftime('%Y-%m-%d')}, {_machine()}; load average "
        f"{load:.1f} at the end. `measure_partitioned` on a county already loaded (the "
        f"generated county of scale {scale}, and the demo county, 36 000 features), tiles "
        "as the default cuts them for 2 workers; a LocalCluster's start and close are timed "
        "with the run, as a command would pay them. Best of the interleaved runs:",
        "",
        f"| scheduler | scale {scale} | demo |",
        "|---|---:|---:|",
        *[
            f"| {label} | {best[(label, f'scale {scale}')]:.2f} s | {best[(label, 'demo')]:.2f} s |"
            for label in variants
        ],
        "",
        SCHED_END,
    ]
    return "\n".join(lines)


def _record(text: str, begin: str, end: str) -> None:
    bench = ROOT / "BENCHMARKS.md"
    old = bench.read_text(encoding="utf-8")
    if begin in old:
        old = old[: old.index(begin)] + text + old[old.index(end) + len(end) :]
    else:
        old = old.rstrip("\n") + "\n\n" + text + "\n"
    bench.write_text(old, encoding="utf-8")


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--duckdb":
        duckdb_run(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="besides the default (every core)"
    )
    ap.add_argument("--workdir", type=Path, default=None, help="keep the data here")
    ap.add_argument("--no-write", action="store_true", help="print, do not update BENCHMARKS.md")
    ap.add_argument(
        "--schedulers",
        action="store_true",
        help="compare 1 worker, 2 threads and 2 processes on the first scale instead",
    )
    ap.add_argument("--repeat", type=int, default=2, help="with --schedulers: runs of each")
    args = ap.parse_args()
    if args.schedulers:
        with tempfile.TemporaryDirectory() as tmp:
            text = schedulers(args.scales[0], args.workdir or Path(tmp), args.repeat)
        print(text)
        if not args.no_write:
            _record(text, SCHED_BEGIN, SCHED_END)
        return
    command = "python scripts/bench_engine.py " + " ".join(sys.argv[1:])
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        results = [run_scale(s, workdir, args.workers) for s in args.scales]
    text = report(results, command.strip())
    print(text)
    if not args.no_write:
        _record(text, BEGIN, END)


if __name__ == "__main__":
    main()
