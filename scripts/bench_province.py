#!/usr/bin/env python
"""Benchmark a province run: counties side by side, from partitioned GeoParquet and PostGIS.

A province is generated from the demo county (``layers/demo.gpkg``): ``--counties`` copies
of its boundary, red line, basic farmland, urban boundary and protected areas, each
moved onto its own cell of a grid (10 km apart, so that no county's stray features fall
into a neighbour), all in EPSG:4529.  The layers are written

* as partitioned GeoParquet (``ecospace.loading.convert.write_dataset``: Hilbert order, bbox
  covering columns), and
* into a throwaway PostgreSQL + PostGIS server (tests/_pgserver.py; GiST indexes),

and the counties layer as a GeoPackage.  Each run is its own subprocess, timed on the
wall clock, with the peak RSS (``VmHWM``) of the client process, of every Dask worker,
and (PostGIS) of every server process:

* ``local``: :func:`ecospace.measuring.province.measure_units` in one process (GeoParquet);
* ``cluster-parquet`` / ``cluster-postgis``: the same on a ``distributed.LocalCluster``
  of ``--workers`` worker processes on 127.0.0.1, one task per county;
* ``one-by-one``: ``--sample`` counties measured the ordinary way, each from its own
  GeoPackage (``load_layers`` + ``to_working`` + ``measure_county``), as a county would
  be checked alone; its figures (area inside the county of every role, the overlaps,
  protected areas outside the red line) must equal the county's province row to 0.01 ha.

The result replaces the ``bench_province`` section of BENCHMARKS.md.

Usage::

    python scripts/bench_province.py                    # 40 counties, 2 workers, record
    python scripts/bench_province.py --counties 8 --no-write
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the throwaway PostGIS server of the tests

BEGIN, END = "<!-- bench_province -->", "<!-- /bench_province -->"
ROLES = {
    "STBHHX": "red_line",
    "YJJBNTBHTB": "basic_farmland",
    "CZKFBJ": "urban_boundary",
    "ZRBHD": "protected_area",
}
GAP = 10_000.0  # m between counties
COLUMNS = 5


def _offsets(n: int, width: float, height: float) -> list[tuple[float, float]]:
    return [((k % COLUMNS) * (width + GAP), (k // COLUMNS) * (height + GAP)) for k in range(n)]


def _frame(g, offs):
    """``g`` copied onto every county's cell, with ``county`` and a 1-based ``src_fid``."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely

    geoms = np.asarray(g.geometry.values)
    parts = []
    for k, (dx, dy) in enumerate(offs):
        part = pd.DataFrame(g.drop(columns=g.geometry.name))
        part["county"] = k
        part["geometry"] = shapely.transform(geoms, lambda c, d=(dx, dy): c + d)
        parts.append(part)
    all_ = pd.concat(parts, ignore_index=True)
    all_["src_fid"] = np.arange(1, len(all_) + 1)
    return gpd.GeoDataFrame(all_, geometry="geometry", crs=4529)


def generate(n: int, folder: Path, sample: list[int], srv) -> dict:
    """Write the province one layer at a time (so this process holds one layer, never the
    province): counties.gpkg, <ROLE>.parquet datasets, the PostGIS tables, the sample
    counties' GeoPackages.  Returns the feature counts and the seconds spent."""
    import pyogrio

    from ecospace.loading.convert import write_dataset

    demo = ROOT / "layers" / "demo.gpkg"
    county = pyogrio.read_dataframe(demo, layer="XZQ")
    x0, y0, x1, y1 = county.total_bounds
    offs = _offsets(n, x1 - x0, y1 - y0)
    counts, gen_s, load_s = {}, 0.0, 0.0
    for name in ["XZQ", *ROLES]:
        t = time.perf_counter()
        g = pyogrio.read_dataframe(demo, layer=name).to_crs(4529)
        frame = _frame(g, offs)
        counts[name] = len(frame)
        if name == "XZQ":
            units = frame.drop(columns=["src_fid"])
            units["XZQMC"] = [f"县{k:03d}" for k in units["county"]]
            units.to_file(folder / "counties.gpkg", layer="counties")
        else:
            write_dataset(frame.drop(columns=["county"]), folder / f"{name}.parquet")
        for k in sample:
            part = frame[frame["county"] == k].drop(columns=["county"])
            part.to_file(folder / f"county_{k:03d}.gpkg", layer=name)
        gen_s += time.perf_counter() - t
        if name in ROLES:
            t = time.perf_counter()
            srv.load(
                frame.drop(columns=["src_fid", "county"]).reset_index(drop=True),
                f"public.{name.lower()}",
                fids=frame["src_fid"].to_numpy(),
            )
            load_s += time.perf_counter() - t
        del frame
        print(f"{name}: {counts[name]:,} features", flush=True)
    return {"counts": counts, "gen_s": gen_s, "load_s": load_s, "parent_mb": _maxrss_mb()}


# ------------------------------------------------------------------ children


def _maxrss_mb() -> float:
    """Peak RSS of this process: VmHWM (ru_maxrss would carry the forking parent's peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(kind: str, folder: Path, url: str | None, workers: int, sample: list[int]) -> dict:
    warnings.simplefilter("ignore")
    from ecospace.loading.layers import read_layer
    from ecospace.loading.tiled_sources import open_tiled
    from ecospace.measuring.province import measure_units

    units = read_layer(str(folder / "counties.gpkg")).gdf
    if kind == "one-by-one":
        return one_by_one(folder, sample)
    sources = (
        [url + f":public.{n.lower()}" for n in ROLES]
        if kind.endswith("postgis")
        else [str(folder / f"{n}.parquet") for n in ROLES]
    )
    tiled = open_tiled(sources)
    out: dict = {}
    if kind == "local":
        t = time.perf_counter()
        p = measure_units(tiled, units, unit_field="XZQMC")
        out["wall_s"] = time.perf_counter() - t
        out["workers_mb"] = []
    else:
        from distributed import Client, LocalCluster

        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=":0",
                memory_limit="4GiB",
            ) as cluster,
            Client(cluster) as client,
        ):
            t = time.perf_counter()
            p = measure_units(tiled, units, unit_field="XZQMC", client=client)
            out["wall_s"] = time.perf_counter() - t
            rss = client.run(_maxrss_mb)
            out["workers_mb"] = sorted(rss.values())
            logging.getLogger("distributed").setLevel(logging.CRITICAL)  # shutdown chatter
    out["client_mb"] = _maxrss_mb()
    out["rows"] = p.units.replace({float("nan"): None}).to_dict(orient="records")
    return out


def one_by_one(folder: Path, sample: list[int]) -> dict:
    from ecospace.geometry.crs import to_working
    from ecospace.loading.layers import load_layers
    from ecospace.measuring.stats import measure_county

    res = {"wall_s": [], "rows": {}}
    for k in sample:
        t = time.perf_counter()
        found = load_layers([str(folder / f"county_{k:03d}.gpkg")])
        f = measure_county(to_working(found), by_township=False)
        res["wall_s"].append(time.perf_counter() - t)
        cov = f.coverage.set_index("role")
        row = {f"{r}_m2": float(cov.loc[r, "inside_m2"]) for r in ROLES.values()}
        row["area_m2"] = float(f.denominator_m2)
        for o in f.overlaps.itertuples():
            row[f"overlap_{o.role_a}__{o.role_b}_m2"] = float(o.area_m2)
        c = f.containment.set_index(["inner", "outer"])
        row["protected_area_outside_red_line_m2"] = float(
            c.loc[("protected_area", "red_line"), "outside_m2"]
        )
        res["rows"][f"县{k:03d}"] = row
    res["client_mb"] = _maxrss_mb()
    return res


class PeakSampler(threading.Thread):
    """Polls the VmHWM of the server's processes every 0.2 s (backends live per query)."""

    def __init__(self, srv):
        super().__init__(daemon=True)
        self.srv, self.peaks, self.stop = srv, {}, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for pid, mb in postgres_peak_mb(self.srv).items():
                self.peaks[pid] = max(mb, self.peaks.get(pid, 0.0))
            time.sleep(0.2)


def postgres_peak_mb(srv) -> dict[int, float]:
    """VmHWM of every live process of the server (postmaster and its children), by pid."""
    pid = int((srv.folder / "data" / "postmaster.pid").read_text().split()[0])
    pids = [pid]
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text().split()
                if int(stat[3]) == pid:
                    pids.append(int(d.name))
            except (OSError, IndexError, ValueError):
                continue
    out = {}
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM"):
                    out[p] = int(line.split()[1]) / 1024
        except OSError:
            continue
    return out


def run_child(kind, folder, url, workers, sample, counties) -> dict:
    out = folder / f"result-{kind}.json"
    cmd = [
        sys.executable,
        __file__,
        "--child",
        kind,
        "--data",
        str(folder),
        "--workers",
        str(workers),
        "--counties",
        str(counties),
        "--sample",
        ",".join(map(str, sample)),
        "--out",
        str(out),
    ]
    env = dict(os.environ, **({"ECOSPACE_BENCH_URL": url} if url else {}))
    load_before = os.getloadavg()[0]
    subprocess.run(cmd, check=True, env=env)
    res = json.loads(out.read_text())
    res["load"] = (load_before, os.getloadavg()[0])  # other jobs on the shared machine
    return res


# ------------------------------------------------------------------ report


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import dask
    import geopandas
    import shapely

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {os.cpu_count()} cores (shared), {mem:.0f} GB RAM; Python "
        f"{platform.python_version()}, shapely {shapely.__version__}, geopandas "
        f"{geopandas.__version__}, dask/distributed {dask.__version__}, PostgreSQL 15 + PostGIS 3"
    )


def compare(province_rows: list[dict], alone: dict) -> float:
    by_name = {r["name"]: r for r in province_rows}
    worst = 0.0
    for name, row in alone.items():
        for key, value in row.items():
            if key in by_name[name]:
                worst = max(worst, abs(by_name[name][key] - value))
    return worst


def section(n, gen, runs, alone, worst, workers, pg_mb) -> str:
    command = " ".join(["python", "scripts/bench_province.py", *sys.argv[1:]])
    counts, gen_s, load_s = gen["counts"], gen["gen_s"], gen["load_s"]
    peaks = [alone["client_mb"], *pg_mb]  # every process that measures or serves the data
    for _, _, r in runs:
        peaks += [r["client_mb"], *r["workers_mb"]]
    per_alone = sum(alone["wall_s"]) / len(alone["wall_s"])
    features = sum(counts[k] for k in ROLES)
    lines = [
        BEGIN,
        "## Province (`scripts/bench_province.py`)",
        "",
        f"Command: `{command}` — {time.strftime('%Y-%m-%d')}, {machine()}.",
        "",
        f"Province: {n} copies of the demo county side by side (EPSG:4529, 10 km apart); "
        f"{counts['YJJBNTBHTB']:,} farmland patches, {counts['STBHHX']:,} red-line polygons, "
        f"{counts['CZKFBJ']:,} urban-boundary and {counts['ZRBHD']:,} protected-area "
        f"polygons ({features:,} features); generated and written as GeoParquet in "
        f"{gen_s:.0f} s, loaded into PostGIS (COPY + GiST index) in {load_s:.0f} s.",
        "",
        "| run | source | wall (s) | per county (s) | client peak RSS (MB) | "
        "worker peak RSS (MB) | load average (before, after) |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for kind, src, r in runs:
        lines.append(
            f"| {kind} | {src} | {r['wall_s']:.1f} | {r['wall_s'] / n:.2f} | "
            f"{r['client_mb']:.0f} | {', '.join(f'{m:.0f}' for m in r['workers_mb']) or '—'} | "
            f"{r['load'][0]:.1f}, {r['load'][1]:.1f} |"
        )
    lines += [
        f"| one by one ({len(alone['wall_s'])} of the counties, each its own GeoPackage) | "
        "GeoPackage | "
        f"{sum(alone['wall_s']):.1f} | {per_alone:.2f} | {alone['client_mb']:.0f} | — | "
        f"{alone['load'][0]:.1f}, {alone['load'][1]:.1f} |",
        "",
        "Each run is one sample on a 2-core machine shared with other jobs (load average in "
        "the table): a cluster run gains only when its workers find free cores, so the "
        "cluster rows here show memory and correctness more than speed-up."
        + (
            ""
            if counts["YJJBNTBHTB"] >= 2_000_000
            else " The issue asks for ≥ 2 million farmland patches (≈ 170 demo counties); "
            "`--counties 170` runs that size."
        ),
        "",
        f"Memory: the largest peak RSS of a process that measures or serves the province "
        f"(clients, workers, PostgreSQL backends) is {max(peaks):,.0f} MB — "
        f"{'within' if max(peaks) <= 4096 else 'OVER'} the 4 GB per process asked for. The "
        f"generator of the test data (not part of a run; it holds one whole layer of the "
        f"province while writing it) peaked at {gen['parent_mb']:,.0f} MB.",
        "",
        f"PostgreSQL server: {len(pg_mb)} processes seen (postmaster, background workers, one "
        f"backend per read), largest peak RSS {max(pg_mb, default=0):.0f} MB.",
        "",
        f"Agreement: each sample county measured alone equals its province row within "
        f"{worst / 1e4:.6f} ha (every role's area inside the county, the overlaps, "
        "protected areas outside the red line; target 0.01 ha).",
        "",
    ]
    best = min(r["wall_s"] for _, _, r in runs if r["workers_mb"])
    rate = features / best / workers  # features per second per worker
    need = 1e8 / (rate * 3600)
    lines += [
        f"Estimate: the fastest cluster run measured {features / best:,.0f} features/s with "
        f"{workers} workers, {rate:,.0f} features/s per worker (reading, repair, clipping, "
        "overlays, areas). 10⁸ land-use parcels in an hour at that rate need "
        f"≈ {need:.0f} workers (1e8 / ({rate:,.0f} × 3600)); parcels carry more vertices "
        "than farmland patches and every layer of a county is overlaid with every other, "
        f"so plan for about twice that, ≈ {2 * need:.0f} worker cores, with ≤ 4 GB each "
        "(the peak per worker above is for one demo-sized county per task).",
        END,
    ]
    return "\n".join(lines)


def record(text: str, path: Path) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        new = head + text + rest.split(END, 1)[1]
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(new, encoding="utf-8")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--counties", type=int, default=40)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--sample", default="0,17,39", help="counties measured alone (indices)")
    p.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    sample = [int(s) for s in args.sample.split(",") if int(s) < args.counties] or [0]
    if args.child:
        res = child(
            args.child,
            Path(args.data),
            os.environ.get("ECOSPACE_BENCH_URL"),
            args.workers,
            sample,
        )
        Path(args.out).write_text(json.dumps(res, ensure_ascii=False))
        return

    from _pgserver import PgServer

    with tempfile.TemporaryDirectory(prefix="ecospace-province-") as tmp:
        folder = Path(tmp)
        srv = PgServer.start()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                gen = generate(args.counties, folder, sample, srv)
            print(
                f"generated {gen['counts']} in {gen['gen_s']:.0f} s, PostGIS loaded in "
                f"{gen['load_s']:.0f} s, this process's peak {gen['parent_mb']:.0f} MB",
                flush=True,
            )
            runs = []
            sampler = PeakSampler(srv)
            sampler.start()
            for kind, src in (
                ("local", "GeoParquet"),
                ("cluster-parquet", "GeoParquet"),
                ("cluster-postgis", "PostGIS"),
            ):
                url = srv.url if "postgis" in kind else None
                r = run_child(kind, folder, url, args.workers, sample, args.counties)
                print(
                    f"{kind}: {r['wall_s']:.1f} s, client {r['client_mb']:.0f} MB, "
                    f"workers {r['workers_mb']}",
                    flush=True,
                )
                runs.append((kind, src, r))
            sampler.stop.set()
            sampler.join()
            pg_mb = sorted(sampler.peaks.values())
        finally:
            srv.stop()
        alone = run_child("one-by-one", folder, None, args.workers, sample, args.counties)
        print(f"one by one: {alone['wall_s']}", flush=True)
    worst = max(compare(r["rows"], alone["rows"]) for _, _, r in runs)
    text = section(args.counties, gen, runs, alone, worst, args.workers, pg_mb)
    print(text)
    if not args.no_write:
        record(text, ROOT / "BENCHMARKS.md")
        print("updated BENCHMARKS.md")


if __name__ == "__main__":
    main()
