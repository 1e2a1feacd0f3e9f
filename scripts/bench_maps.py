#!/usr/bin/env python
"""Benchmark of the web map and the annex on generated counties of 52 000 – 832 000 patches.

    python scripts/bench_maps.py                      # the three sizes, results → BENCHMARKS.md
    python scripts/bench_maps.py --sizes 52000 --no-write
    python scripts/bench_maps.py --pages old.html new.html --rounds 5 --probe-from demo.gpkg

Counties come from ``scripts/make_demo_layers.py --scale N`` (the generator of the engine
benchmark; N ≈ patches / 12 000, kept in ``--data``, default ``/tmp/ecospace-bench-maps``).
For each: time to read the layers and measure their conflicts (``County.from_inputs``), to write
the map (``make_map`` + ``save_map``), the file's size, the time until the page has drawn in
headless Chromium (Debian's ``/usr/bin/chromium`` through Playwright, network blocked:
the page's own mark, in ms since navigation, once every patch layer has drawn its first
tiles), the time until a click made as soon as it is drawn opens a popup, a click on random
patches at zoom 18 (each popup must give that patch's FID), and the annex (3 PDF pages).
``--pages`` only opens pages already written, in turn, to compare two builds of a page.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

MARK = "bench_maps"
#: Farmland patches per unit of --scale of make_demo_layers (12 030 at scale 1, 60 619 at 5).
PATCHES_PER_SCALE = 12_030
SET_VIEW = """([lat, lon, z]) => { const key = Object.keys(window).find(
    k => /^map_[0-9a-f]{32}$/.test(k)); window[key].setView([lat, lon], z, {animate: false}); }"""
CLOSE_POPUP = """() => { const key = Object.keys(window).find(
    k => /^map_[0-9a-f]{32}$/.test(k)); window[key].closePopup(); }"""
TO_SCREEN = """([lat, lon]) => {
    const key = Object.keys(window).find(k => /^map_[0-9a-f]{32}$/.test(k));
    const p = window[key].latLngToContainerPoint([lat, lon]);
    const r = window[key].getContainer().getBoundingClientRect();
    return [r.left + p.x, r.top + p.y];
}"""


def county(data: Path, patches: int) -> Path:
    """The generated county for ``patches`` (made once, then reused)."""
    from make_demo_layers import make_demo

    scale = round(patches / PATCHES_PER_SCALE, 2)
    out = data / f"scale-{scale:g}"
    gpkg = out / "demo.gpkg"
    if not gpkg.is_file():
        t0 = time.perf_counter()
        make_demo(out, scale=scale, formats=["gpkg"], raster=False)
        print(f"  generated {gpkg} (scale {scale:g}) in {time.perf_counter() - t0:.0f} s")
    return gpkg


def tiled(gpkg: Path, k: int) -> Path:
    """``k`` × ``k`` copies of a generated county side by side, as one county's layers.

    For a size the generator cannot make within the time at hand (``--tile``): same
    patches, same shapes, ``k²`` times as many.  Feature ids run on across the copies.
    """
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    out = gpkg.with_name(f"tiled-{k}x{k}.gpkg")
    if out.is_file():
        return out
    for info in pyogrio.list_layers(gpkg):
        name = info[0]
        gdf = pyogrio.read_dataframe(gpkg, layer=name)
        if gdf.crs is None or not len(gdf):
            continue
        work = gdf.to_crs(4529) if gdf.crs.is_geographic else gdf
        x0, y0, x1, y1 = pyogrio.read_dataframe(gpkg, layer="XZQ").to_crs(work.crs).total_bounds
        step = max(x1 - x0, y1 - y0) * 1.02
        copies = [
            work.set_geometry(work.geometry.translate(i * step, j * step))
            for i in range(k)
            for j in range(k)
        ]
        whole = gpd.GeoDataFrame(pd.concat(copies, ignore_index=True), crs=work.crs)
        if name == "XZQ":  # one county: its k² pieces as one feature
            whole = whole.dissolve().reset_index(drop=True)
        whole.to_crs(gdf.crs).to_file(out, layer=name, engine="pyogrio")
    return out


ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def first_view(page, path: Path, out: dict, probe) -> None:
    """Navigate; time the first draw, the first click answered and the index.

    *ready* is the page's own mark (ms since navigation) once every shown patch layer has
    drawn its first tiles; *clickable* is when a click on ``probe`` (lat, lon), made as
    soon as the page is ready, at the first view, opened a farmland popup (seen from here,
    so it includes Playwright's round trips); *indexed* when the click indexes were built.
    """
    t0 = time.perf_counter()
    page.goto(path.resolve().as_uri(), wait_until="commit")
    page.wait_for_function("window.ecospaceReady === true", polling=20)
    out["wall_ready_s"] = time.perf_counter() - t0
    if probe is not None:
        page.mouse.click(*page.evaluate(TO_SCREEN, list(probe[:2])))
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        out["clickable_s"] = time.perf_counter() - t0
        out["first_click"] = popup.inner_text().split("\n")[0]
        page.evaluate(CLOSE_POPUP)
        popup.wait_for(state="detached")
    page.wait_for_function(
        "window.ecospaceIndexed === true || !window.ecospacePatches.indexAll", polling=20
    )
    timing = page.evaluate("window.ecospaceTiming")
    if "indexed" in timing:
        out["ready_s"] = timing["drawn"] / 1e3
        out["indexed_s"] = timing["indexed"] / 1e3
    else:  # a page of ecospace ≤ 5e3da17: ms since its script began, index before drawing
        out["ready_s"] = out["indexed_s"] = (timing["start"] + timing["drawn"]) / 1e3
    out["timing"] = {k: round(v) for k, v in timing.items()}


def new_page(browser, out: dict):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_default_timeout(180_000)
    page.on("pageerror", lambda e: out["errors"].append(str(e)))
    page.on("console", lambda m: out["errors"].append(m.text) if m.type == "error" else None)

    def route(r):
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            out["blocked"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return page


def open_page(path: Path, probes) -> dict:
    """Open the map in Chromium; time until drawn and clickable; click each probe
    (lat, lon, fid) at zoom 18."""
    from playwright.sync_api import sync_playwright

    out = {"errors": [], "blocked": [], "clicks_ok": 0}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = new_page(browser, out)
        first_view(page, path, out, probes[0] if probes else None)
        out["patches_in_page"] = page.evaluate(
            "Object.values(window.ecospaceLayers || {}).reduce((s, l) => s + l._data.n, 0)"
        )
        for lat, lon, fid in probes:
            page.evaluate(SET_VIEW, [lat, lon, 18])
            page.wait_for_function("window.ecospaceReady === true")
            page.mouse.click(*page.evaluate(TO_SCREEN, [lat, lon]))
            popup = page.locator(".leaflet-popup-content")
            popup.wait_for()
            if f"要素号 FID\t{fid}\n" in popup.inner_text():
                out["clicks_ok"] += 1
            page.evaluate(CLOSE_POPUP)
            popup.wait_for(state="detached")
        browser.close()
    return out


def compare_pages(paths: list[Path], rounds: int, probe) -> None:
    """Open already written pages in turn, ``rounds`` times (a shared machine's load drifts:
    alternating keeps the pages comparable); print each run and the medians."""
    from playwright.sync_api import sync_playwright

    runs: dict[Path, list[dict]] = {p: [] for p in paths}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for r in range(rounds):
            for path in paths:
                out = {"errors": [], "blocked": []}
                page = new_page(browser, out)
                first_view(page, path, out, probe)
                page.close()
                out["load"] = os.getloadavg()[0]
                runs[path].append(out)
                print(
                    f"{r + 1}/{rounds} {path.name}: ready {out['ready_s']:.2f} s, first click "
                    f"answered {out.get('clickable_s', float('nan')):.2f} s, indexed "
                    f"{out['indexed_s']:.2f} s, load {out['load']:.1f}; {out['timing']}"
                    + (f"; errors {out['errors'] + out['blocked']}" if out["errors"] else ""),
                    flush=True,
                )
        browser.close()
    for path, rs in runs.items():
        med = {k: float(np.median([x[k] for x in rs if k in x])) for k in rs[0] if k[-2:] == "_s"}
        loads = [x["load"] for x in rs]
        print(
            f"{path.name}: median of {len(rs)} — "
            + ", ".join(f"{k[:-2]} {v:.2f} s" for k, v in med.items())
            + f"; load {min(loads):.1f}–{max(loads):.1f}"
        )


def probes_for(gpkg: Path, k: int = 5):
    """k random farmland patches whose inner point no other patch covers: (lat, lon, fid)."""
    import pyogrio
    import shapely

    farm = pyogrio.read_dataframe(gpkg, layer="YJJBNTBHTB", fid_as_index=True)
    inner = farm.geometry.representative_point().values
    tree = shapely.STRtree(farm.geometry.values)
    rng = np.random.default_rng(14)
    out = []
    for i in rng.permutation(len(farm)):
        if len(tree.query(inner[i], predicate="intersects")) == 1:
            pt = shapely.get_coordinates(to_lonlat(inner[i : i + 1], farm.crs))[0]
            out.append((float(pt[1]), float(pt[0]), int(farm.index[i])))
        if len(out) == k:
            break
    return out, len(farm)


def to_lonlat(geoms, crs):
    import geopandas as gpd

    return gpd.GeoSeries(geoms, crs=crs).to_crs("EPSG:4326").values


def run(gpkg: Path, tmp: Path, annex: bool) -> dict:
    from ecospace.measuring.county import County
    from ecospace.rendering.annex import make_annex
    from ecospace.rendering.maps import make_map, save_map

    row: dict = {}
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the generated county carries planted defects
        data = County.from_inputs([str(gpkg)])
        conflicts = data.conflicts  # measured on first use: part of load, not of the map
    row["load_s"] = time.perf_counter() - t0
    row["patches"] = len(data.layers["basic_farmland"].gdf)
    row["features"] = sum(len(v.gdf) for k, v in data.layers.items() if k != "land_use")
    t0 = time.perf_counter()
    m = make_map(data.layers, conflicts=conflicts, title=data.title, method=data.method)
    path = save_map(m, tmp / f"map-{row['patches']}.html", overwrite=True)
    row["map_s"] = time.perf_counter() - t0
    beside = path.with_name(f"{path.stem}.data.js")
    row["map_mb"] = path.stat().st_size / 1e6
    row["data_mb"] = beside.stat().st_size / 1e6 if beside.is_file() else 0.0
    del m
    probes, _ = probes_for(gpkg)
    row.update(open_page(path, probes))
    row["load"] = os.getloadavg()[0]  # when the page was opened
    row["probes"] = len(probes)
    if annex:
        t0 = time.perf_counter()
        make_annex(
            data.layers,
            tmp / f"annex-{row['patches']}.pdf",
            conflicts=conflicts,
            title=data.title,
            overwrite=True,
        )
        row["annex_s"] = time.perf_counter() - t0
    return row


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    chromium = subprocess.run(
        ["/usr/bin/chromium", "--version"], capture_output=True, text=True
    ).stdout.strip()
    import folium
    import shapely

    return (
        f"{cpu}, {os.cpu_count()} cores (shared), {mem:.0f} GB RAM; Python "
        f"{platform.python_version()}, shapely {shapely.__version__}, folium "
        f"{folium.__version__}; {chromium} headless"
    )


def table(rows: list[dict], command: str) -> str:
    targets = {52_000: (3, 3), 208_000: (10, 3), 832_000: (40, 3)}
    lines = [
        f"<!-- {MARK} -->",
        "## Web map and annex (`scripts/bench_maps.py`)",
        "",
        f"Command: `{command}` — {time.strftime('%Y-%m-%d')}, {machine()}; load average "
        f"(1 min) {min(r['load'] for r in rows):.1f}–{max(r['load'] for r in rows):.1f} "
        "when the pages were opened.",
        "",
        "Counties generated by `scripts/make_demo_layers.py --scale N` (farmland patches ≈ 12 "
        "000 × N; red line, urban boundary, protected areas, townships as generated). *load* "
        "reads, validates and measures the conflicts (`County.from_inputs`), *map* is "
        "`make_map` + `save_map` (one HTML file), *page ready* runs from navigation until every"
        " patch layer has drawn its first tiles in headless Chromium (network blocked; the "
        "page's own mark), *first click* until a click made at the first view as soon as the "
        "page is ready has opened a farmland popup (seen from Playwright, its round trips "
        "included), *indexed* until the Flatbush click indexes are built (clicks are answered "
        "before, by a scan), *clicks* are random farmland patches whose popup gave that patch's"
        " GeoPackage FID at zoom 18, *annex* the 3-page PDF (run up to 300 000 patches; its "
        "target is for 208 000). With `--tile`, a size above it is k × k copies of the county "
        "of size / k² side by side, as one county (the generator at `--scale 69` did not finish"
        " within the session that measured this; `--scale 17.29` took 13 min). One run each on "
        "a machine shared with other jobs (times vary by ±30 %).",
        "",
        "| county | farmland patches | features drawn | load | map (target) | HTML size | "
        "page ready (target) | first click | indexed | patches in page | clicks | annex |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        size = min(targets, key=lambda k: abs(k - r["patches"]))
        t_map, t_ready = targets[size]
        annex = f"{r['annex_s']:.1f} s" if "annex_s" in r else "—"
        lines.append(
            f"| {r['county']} | {r['patches']:,} | {r['features']:,} | {r['load_s']:.1f} s | "
            f"{r['map_s']:.1f} s (≤ {t_map} s) | {r['map_mb']:.1f} MB"
            + (f" + {r['data_mb']:.1f} MB data file" if r["data_mb"] else "")
            + " | "
            + f"{r['ready_s']:.1f} s (≤ {t_ready} s) | {r['clickable_s']:.1f} s | "
            f"{r['indexed_s']:.1f} s | {r['patches_in_page']:,} | "
            f"{r['clicks_ok']}/{r['probes']} | {annex} |"
        )
    errors = sorted({e for r in rows for e in r["errors"] + r["blocked"]})
    lines += ["", f"Console errors or network requests: {errors or 'none'}.", f"<!-- /{MARK} -->"]
    return "\n".join(lines) + "\n"


def write(text: str, path: Path) -> None:
    old = path.read_text(encoding="utf-8") if path.is_file() else "# Benchmarks\n"
    start, end = f"<!-- {MARK} -->", f"<!-- /{MARK} -->"
    if start in old:
        head, rest = old.split(start, 1)
        old = head + rest.split(end, 1)[1].lstrip("\n")
    path.write_text(old.rstrip("\n") + "\n\n" + text, encoding="utf-8")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="52000,208000,832000", help="farmland patches, commas")
    ap.add_argument(
        "--data", type=Path, default=Path(tempfile.gettempdir()) / "ecospace-bench-maps"
    )
    ap.add_argument("--annex-max", type=int, default=300_000, help="annex only up to this size")
    ap.add_argument(
        "--tile",
        type=int,
        default=0,
        help="sizes above this are k×k copies of the county of size/k² (generator too slow)",
    )
    ap.add_argument("--no-write", action="store_true", help="print, leave BENCHMARKS.md alone")
    ap.add_argument(
        "--pages",
        nargs="+",
        type=Path,
        help="only open these written pages, in turn (e.g. two builds of one county's map)",
    )
    ap.add_argument("--rounds", type=int, default=5, help="with --pages: times each is opened")
    ap.add_argument(
        "--probe-from",
        type=Path,
        help="with --pages: the GeoPackage of the pages' county, for the first click",
    )
    args = ap.parse_args(argv)
    if args.pages:
        probe = probes_for(args.probe_from, 1)[0][0] if args.probe_from else None
        compare_pages(args.pages, args.rounds, probe)
        return
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"{size:,} patches")
        if args.tile and size > args.tile:
            k = round((size / args.tile) ** 0.5)
            gpkg = tiled(county(args.data, size // k**2), k)
        else:
            gpkg = county(args.data, size)
        row = run(gpkg, args.data, annex=size <= args.annex_max)
        row["county"] = (
            f"{gpkg.parent.name.replace('scale-', '--scale ')}, {gpkg.stem.split('-')[1]} copies"
            if gpkg.stem.startswith("tiled")
            else gpkg.parent.name.replace("scale-", "--scale ")
        )
        print("  " + ", ".join(f"{k}={v}" for k, v in row.items() if k not in ("errors",)))
        rows.append(row)
    command = (
        "python scripts/bench_maps.py"
        + (f" --sizes {args.sizes}" if args.sizes != "52000,208000,832000" else "")
        + (f" --tile {args.tile}" if args.tile else "")
    )
    text = table(rows, command)
    print(text)
    if not args.no_write:
        write(text, ROOT / "BENCHMARKS.md")


if __name__ == "__main__":
    main()
