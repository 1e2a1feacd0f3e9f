"""Hostile and broken inputs replayed against the CLI: no traceback, no hang, no wrong verdict.

A corpus is generated in ``tmp_path`` — at least two cases for each class of issue 15's
input and verdict half — and each case is run as a real ``ecospace`` process with a
timeout.  A case fails on a traceback, a hang, an exit status other than the one
expected, a repair whose area is not reported, or a verdict other than the one computed
here independently (shapely areas, the closed-form zone area of ``_reference``, pyproj's
geodesic area).  Property tests (hypothesis) then check, whatever the layers, that a
union is at most the sum of its parts, every share lies in [0, 100] % and the township
rows add up to the total.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
import yaml
from _reference import zone_area
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import box

CLI = Path(sys.executable).with_name("ecospace")
TIMEOUT_S = 120
X0, Y0 = 41_500_000.0, 5_000_000.0  # EPSG:4529, 3° Gauss–Krüger zone 41 (123° E)
CGCS2000 = pyproj.Geod(a=6378137.0, rf=298.257222101)


# ----------------------------------------------------------------------------- helpers


def gk(x1, y1, x2, y2):
    """A box in metres from the corner of the test county (EPSG:4529)."""
    return box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def write_gpkg(path: Path, layers: dict[str, list], crs=4529, **fields) -> Path:
    for name, geoms in layers.items():
        cols = {k: v for k, v in fields.items() if len(v) == len(geoms)}
        gpd.GeoDataFrame(cols, geometry=geoms, crs=crs).to_file(path, layer=name, driver="GPKG")
    return path


def write_plan(path: Path, figures: list[dict], *, method="planar", layers=None, **extra) -> Path:
    data = {"plan": "测试规划", "method": method, **extra, "figures": figures}
    if layers:
        data["layers"] = layers
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Case:
    """Arguments of one CLI run and what must come out of it."""

    args: list
    status: int
    stderr: str | None = None  # a regex the one-line Error: must match
    check: Callable[[subprocess.CompletedProcess], None] | None = None
    max_output: int = 200_000  # characters of stdout + stderr
    env: dict = field(default_factory=dict)


def run(case: Case, cwd: Path) -> subprocess.CompletedProcess:
    args = [os.fsencode(a) if isinstance(a, (str, Path)) else a for a in case.args]
    env = {**os.environ, "PYTHONWARNINGS": "ignore", **case.env}
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [os.fsencode(CLI), *args], cwd=cwd, capture_output=True, timeout=TIMEOUT_S, env=env
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"hang: no answer in {TIMEOUT_S} s from ecospace {case.args}")
    proc.elapsed = time.perf_counter() - t0
    proc.out = proc.stdout.decode("utf-8", errors="replace")
    proc.err = proc.stderr.decode("utf-8", errors="replace")
    return proc


# ----------------------------------------------------------------------------- corpus
# Each builder writes its inputs into tmp and returns the Case to replay.


def _overlap_rule(tmp: Path, strip_m: float, written: str) -> Case:
    """Red line and farmland overlapping on a strip of ``strip_m`` × 100 m; the plan says
    their overlap is ``= <written>`` ha."""
    red, farm = gk(0, 0, 500, 1000), gk(500 - strip_m, 0, 900, 100)
    write_gpkg(tmp / "c.gpkg", {"XZQ": [gk(0, 0, 1000, 1000)], "STBHHX": [red]})
    write_gpkg(tmp / "c.gpkg", {"YJJBNTBHTB": [farm]})
    plan = tmp / "plan.yaml"
    write_plan(plan, [], layers=[{"path": "c.gpkg"}])
    text = plan.read_text(encoding="utf-8").replace(
        "figures: []",
        "figures:\n- {id: red_off_farm, measure: overlap, roles: [red_line, basic_farmland],"
        f" op: '=', value: {written}, unit: ha, binding: true}}",
    )
    plan.write_text(text, encoding="utf-8")
    overlap_m2 = red.intersection(farm).area  # shapely, planar: the plan's method
    expected = "fail" if overlap_m2 >= 100 else "pass"  # 0.01 ha, the overlap table's rule

    def check(proc):
        doc = json.loads(proc.out)
        fig = doc["figures"][0]
        assert fig["measured"] == pytest.approx(overlap_m2 / 1e4, abs=1e-9)
        assert fig["status"] == expected
        pair = {"red_line", "basic_farmland"}
        row = next(r for r in doc["overlaps"] if {r["role_a"], r["role_b"]} == pair)
        # the verification table and the overlap table of one report agree
        assert (row["status"] == "violated") == (expected == "fail")

    args = ["check", plan, "--out", tmp / "out", "--no-map", "--format", "json"]
    return Case(args, 0 if expected == "pass" else 1, check=check)


def _method_flip(tmp: Path, op: str, lang: str) -> Case:
    """A 60 km × 30 km red line drawn in a Gauss–Krüger zone (EPSG:4529): the official
    series measures the region as drawn in the plane, GeographicLib the polygon whose edges
    are geodesics between the same corners; the two differ by 0.33 ha and the plan's
    figure sits between them.  Both references come from pyproj, not from ecospace."""
    red = box(41_540_000, 5_000_000, 41_600_000, 5_030_000)
    geod = pyproj.Geod(ellps="GRS80")
    dense = gpd.GeoSeries([shapely.segmentize(red, 20)], crs=4529).to_crs(4490).iloc[0]
    series_ha = abs(geod.geometry_area_perimeter(dense)[0]) / 1e4  # the region as drawn
    corners = gpd.GeoSeries([red], crs=4529).to_crs(4490).iloc[0]
    geodesic_ha = abs(geod.geometry_area_perimeter(corners)[0]) / 1e4
    assert abs(series_ha - geodesic_ha) > 0.1
    if op == "=":  # stated as the series area to 0.01 ha: passes by it, fails by geodesic
        value, precision = f"{series_ha:.2f}", None
    else:  # a bound halfway between the two (the series, smaller here, passes a ceiling)
        value, precision = f"{(series_ha + geodesic_ha) / 2:.4f}", None
    write_gpkg(tmp / "r.gpkg", {"STBHHX": [red]}, crs=4529)
    fig = {"id": "red", "measure": "area", "role": "red_line", "op": op, "value": float(value),
           "unit": "ha"}  # fmt: skip
    if precision:
        fig["precision"] = precision
    write_plan(tmp / "plan.yaml", [fig], method="ellipsoid", layers=[{"path": "r.gpkg"}])
    fmt = ["--format", "json"] if lang == "json" else ["--lang", lang]

    def check(proc):
        if lang == "json":
            f = json.loads(proc.out)["figures"][0]
            assert f["status"] == "pass" and f["method_dependent"] is True
            assert f["method_other"] == "geodesic" and f["status_other_method"] == "fail"
            assert f["measured_other_method"] == pytest.approx(geodesic_ha, abs=0.01)
        else:
            assert "verdict depends on the method: FAIL by" in proc.out
        for name in ("report.md", "report.html"):
            text = (tmp / "out" / name).read_text(encoding="utf-8")
            assert "因面积算法而异" in text or "depends on the method" in text

    args = ["check", tmp / "plan.yaml", "--out", tmp / "out", "--no-map", *fmt]
    return Case(args, 0, check=check)


def _shapefile(tmp: Path, cut: str) -> Case:
    """Three features; one part of the shapefile is cut to two records."""
    g = gpd.GeoDataFrame({"n": [1, 2, 3]}, geometry=[gk(0, 0, 10, 10), gk(20, 0, 30, 10),
                                                     gk(40, 0, 50, 10)], crs=4529)  # fmt: skip
    shp = tmp / "红线.shp"
    g.to_file(shp, encoding="UTF-8")
    part = shp.with_suffix(cut)
    data = bytearray(part.read_bytes())
    if cut == ".dbf":  # the record count in the header and the last record
        data[4:8] = struct.pack("<I", 2)
        rlen = struct.unpack("<H", data[10:12])[0]
        data = data[: len(data) - 1 - rlen] + b"\x1a"
    else:  # .shx: drop the last 8-byte entry and fix the file length (16-bit words)
        data = data[:-8]
        data[24:28] = struct.pack(">I", len(data) // 2)
    part.write_bytes(bytes(data))
    return Case(["layers", shp], 2, stderr=rf"红线\.shp.*红线\{cut}")


def _denominator(tmp: Path, value: str) -> Case:
    write_gpkg(tmp / "c.gpkg", {"XZQ": [gk(0, 0, 1000, 1000)], "STBHHX": [gk(0, 0, 500, 500)]})
    return Case(
        ["stats", tmp / "c.gpkg", f"--denominator={value}"],
        2,
        stderr=r"positive finite|denominator",
    )


def _plan_text(tmp: Path, text: str | bytes, expect: str) -> Case:
    p = tmp / "plan.yaml"
    p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return Case(["audit", p], 2, stderr=expect, max_output=5_000)


def _alias_bomb(tmp: Path) -> Case:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * 10)}]" for k in range(1, 10)]
    text = "\n".join(lines) + "\nplan: bomb\nfigures: *a9\n"
    return _plan_text(tmp, text, r"aliases .* expand this plan file")


def _deep(tmp: Path, kind: str) -> Case:
    n = 20_000
    body = "[" * n + "]" * n if kind == "flow" else "".join(f"{' ' * k}k:\n" for k in range(200))
    return _plan_text(tmp, f"plan: deep\nfigures: {body}\n" if kind == "flow" else body,
                      r"nested deeper than")  # fmt: skip


def _fifo(tmp: Path, what: str) -> Case:
    fifo = tmp / ("layer.gpkg" if what == "layer" else "plan.yaml")
    os.mkfifo(fifo)
    args = ["layers", fifo] if what == "layer" else ["audit", fifo]
    return Case(args, 2, stderr=r"named pipe \(FIFO\)")


def _gbk_name(tmp: Path, kind: str) -> Case:
    """A valid GeoPackage (or shapefile) whose file name is GBK bytes (from a Windows share)."""
    red = gk(0, 0, 100, 200)
    if kind == "gpkg":
        write_gpkg(tmp / "x.gpkg", {"STBHHX": [red]})
        name = "生态保护红线.gpkg".encode("gbk")
        os.rename(tmp / "x.gpkg", os.path.join(os.fsencode(tmp), name))
    else:
        gpd.GeoDataFrame(geometry=[red], crs=4529).to_file(tmp / "x.shp")
        for f in tmp.glob("x.*"):
            os.rename(f, os.path.join(os.fsencode(tmp), "红线".encode("gbk") + f.suffix.encode()))
        name = "红线.shp".encode("gbk")

    def check(proc):
        row = json.loads(proc.out)[0]
        assert row["features"] == 1 and row["epsg"] == 4529
        assert Path(row["source"]).name == name.decode("gbk")  # the name decoded as GBK

    return Case(["layers", os.path.join(os.fsencode(tmp), name), "--format", "json"], 0,
                check=check)  # fmt: skip


def _huge_audit(tmp: Path, kind: str) -> Case:
    """4 000 figures (0.7 MB of YAML): restatements of one quantity, or of several."""
    rng = np.random.default_rng(4000)
    figs = []
    for i in range(4000):
        role = "red_line" if kind == "one" or i % 2 else "protected_area"
        share = kind == "mixed" and i % 4 == 3
        figs.append({"id": f"f{i}", "measure": "share" if share else "area", "role": role,
                     "op": ">=", "value": round(float(rng.uniform(30, 31) if share else
                                                      rng.uniform(2e5, 2.1e5)), 2),
                     "unit": "%" if share else "ha", "year": 2025, "line": i + 1})  # fmt: skip
    plan = write_plan(tmp / "plan.yaml", figs, total_area={"value": 7512, "unit": "km2"})

    def check(proc):
        assert proc.elapsed < 60, f"audit of 4 000 figures took {proc.elapsed:.0f} s"
        assert len(proc.out.splitlines()) < 6_000  # findings grouped, not 8 million pairs

    # only restated floors: a warning (exit 0); with shares that disagree: errors (exit 1)
    return Case(["audit", plan], 0 if kind == "one" else 1, check=check, max_output=3_000_000)


def _wkb_polygon(ring) -> bytes:
    b = struct.pack("<bII", 1, 3, 1) + struct.pack("<I", len(ring))
    return b + b"".join(struct.pack("<dd", x, y) for x, y in ring)


def _repair(tmp: Path, kind: str) -> Case:
    """One feature the reader or the validator must repair; its area change must be given."""
    import pyogrio

    good = box(126.0, 45.0, 126.01, 45.01)
    nan, inf = math.nan, math.inf
    if kind in ("nan", "inf", "nan_first"):
        bad = inf if kind == "inf" else nan
        ring = [(126.02, 45.0), (126.03, 45.0), (126.035, bad), (126.03, 45.01), (126.02, 45.01),
                (126.02, 45.0)]  # fmt: skip
        if kind == "nan_first":  # a ring GEOS cannot close, so no reader can build it
            ring = [(nan, 45.0), *ring[:-1], (nan, 45.0)]
        # its finite vertices span the rectangle 126.02–126.03 E × 45.00–45.01 N: dropping
        # the feature removes the closed-form area of the official series over it
        expected = -zone_area(126.02, 45.0, 126.03, 45.01)
        path = tmp / "n.gpkg"
        wkbs = np.array([shapely.to_wkb(good), _wkb_polygon(ring)], dtype=object)
        pyogrio.raw.write(path, wkbs, [np.array([1, 2])], ["n"], layer="STBHHX", driver="GPKG",
                          geometry_type="Polygon", crs="EPSG:4490")  # fmt: skip
        problem = "unreadable" if kind == "nan_first" else "non_finite"
    elif kind == "unclosed":
        ring = [[126.02, 45.0], [126.03, 45.0], [126.03, 45.01], [126.02, 45.01]]
        feats = [{"type": "Feature", "properties": {"n": 1}, "geometry": shapely.geometry.mapping(
            good)}, {"type": "Feature", "properties": {"n": 2},
                     "geometry": {"type": "Polygon", "coordinates": [ring]}}]  # fmt: skip
        path = tmp / "u.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
        expected = 0.0  # closed, kept: the area its vertices enclose
        problem = "unclosed_ring"
    else:  # a GeometryCollection of two overlapping squares and a line
        a, b = box(126.02, 45.0, 126.03, 45.01), box(126.025, 45.0, 126.035, 45.01)
        coll = shapely.GeometryCollection([a, b, shapely.LineString([(126, 45), (126.1, 45.1)])])
        # union kept − parts as read: the overlap 126.025–126.03 E counted once, not twice
        expected = -zone_area(126.025, 45.0, 126.03, 45.01)
        path = tmp / "c.gpkg"
        wkbs = np.array([shapely.to_wkb(good), shapely.to_wkb(coll)], dtype=object)
        pyogrio.raw.write(path, wkbs, [np.array([1, 2])], ["n"], layer="STBHHX", driver="GPKG",
                          geometry_type="Unknown", crs="EPSG:4490")  # fmt: skip
        problem = "collection"

    def check(proc):
        rep = json.loads(proc.out)[0]["problems"]
        rows = [r for r in rep["features"] if r["problem"] == problem]
        assert len(rows) == 1, rep
        change = rows[0]["area_change_m2"]
        assert change is not None and math.isfinite(change), f"unreported area change: {rep}"
        assert change == pytest.approx(expected, rel=1e-6, abs=1e-3)
        assert problem in rep["areas_m2"]

    return Case(["layers", path, "--format", "json", "--details"], 0, check=check)


def _special_device(tmp: Path, what: str) -> Case:
    args = ["layers", "/dev/zero"] if what == "layer" else ["audit", "/dev/zero"]
    return Case(args, 2, stderr=r"character device")


def _huge_value(tmp: Path, kind: str) -> Case:
    if kind == "int":  # 10^400: no float holds it
        text = ("plan: p\nfigures:\n- {id: a, measure: area, role: red_line, op: '>=', "
                f"value: 1{'0' * 400}, unit: ha}}\n")  # fmt: skip
        return _plan_text(tmp, text, r"figure 'a' \(#1\) field 'value': got 1000.*finite number")
    text = f"plan: p\nfigures:\n- {{id: a, measure: area, role: red_line, op: {'x' * 2_000_000},"
    text += " value: 1, unit: ha}\n"  # a 2 MB value in one field: echoed clipped
    return _plan_text(tmp, text, r"field 'op': got 'x+\.\.\.x+'")


def _too_large(tmp: Path) -> Case:
    text = "# " + "填充" * 3_000_000 + "\nplan: p\nfigures: []\n"
    return _plan_text(tmp, text, r"MB is too large for a plan file")


CORPUS: dict[str, Callable[[Path], Case]] = {
    # wrong answers
    "zero_overlap_0.10ha_value_0": lambda t: _overlap_rule(t, 10.0, "0"),
    "zero_overlap_50m2_value_0.0000": lambda t: _overlap_rule(t, 0.5, "0.0000"),
    "method_flip_equal_json": lambda t: _method_flip(t, "=", "json"),
    "method_flip_ceiling_terminal": lambda t: _method_flip(t, "<=", "en"),
    "shapefile_dbf_short": lambda t: _shapefile(t, ".dbf"),
    "shapefile_shx_short": lambda t: _shapefile(t, ".shx"),
    "denominator_0": lambda t: _denominator(t, "0"),
    "denominator_negative": lambda t: _denominator(t, "-5"),
    "denominator_nan": lambda t: _denominator(t, "nan"),
    "denominator_inf": lambda t: _denominator(t, "inf"),
    # limits before work
    "plan_too_large": _too_large,
    "yaml_alias_bomb": _alias_bomb,
    "yaml_recursive_alias": lambda t: _plan_text(
        t, "plan: p\nfigures: &f [*f]\n", r"refers to a value that contains it"
    ),
    "yaml_deep_flow": lambda t: _deep(t, "flow"),
    "yaml_deep_block": lambda t: _deep(t, "block"),
    "integer_too_large": lambda t: _huge_value(t, "int"),
    "value_2MB_clipped": lambda t: _huge_value(t, "text"),
    "fifo_layer": lambda t: _fifo(t, "layer"),
    "fifo_plan": lambda t: _fifo(t, "plan"),
    "device_layer": lambda t: _special_device(t, "layer"),
    "device_plan": lambda t: _special_device(t, "plan"),
    "gbk_name_gpkg": lambda t: _gbk_name(t, "gpkg"),
    "gbk_name_shapefile": lambda t: _gbk_name(t, "shp"),
    # unbounded work
    "audit_4000_restatements_one_quantity": lambda t: _huge_audit(t, "one"),
    "audit_4000_figures_mixed": lambda t: _huge_audit(t, "mixed"),
    # repairs with their area
    "repair_nan_coordinate": lambda t: _repair(t, "nan"),
    "repair_inf_coordinate": lambda t: _repair(t, "inf"),
    "repair_nan_ring_unbuildable": lambda t: _repair(t, "nan_first"),
    "repair_unclosed_geojson_ring": lambda t: _repair(t, "unclosed"),
    "repair_collection": lambda t: _repair(t, "collection"),
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_hostile_input_replayed_against_the_cli(tmp_path, name):
    case = CORPUS[name](tmp_path)
    proc = run(case, tmp_path)
    both = proc.out + proc.err
    assert "Traceback" not in both, f"traceback from ecospace {name}:\n{proc.err[-3000:]}"
    assert len(both) <= case.max_output, f"{len(both):,} characters of output"
    assert proc.returncode == case.status, f"exit {proc.returncode}\n{proc.err[-2000:]}"
    if case.status == 2:
        assert proc.err.startswith("Error: ") or "\nError: " in proc.err, proc.err[-2000:]
        assert re.search(case.stderr, proc.err), proc.err[-2000:]
    if case.check is not None:
        case.check(proc)


# ----------------------------------------------------------------------------- library limits


@pytest.mark.parametrize("value", [0, -5, math.nan, math.inf, -math.inf])
def test_library_refuses_a_meaningless_denominator(value):
    from ecospace import EcospaceError
    from ecospace.measuring.overlap import coverage
    from ecospace.measuring.stats import measure_county

    layers = {"red_line": gpd.GeoDataFrame(geometry=[gk(0, 0, 10, 10)], crs=4529)}
    for call in (coverage, measure_county):
        with pytest.raises(EcospaceError, match="positive finite area") as info:
            call(layers, denominator_m2=value, method="planar")
        assert isinstance(info.value, ValueError)


# ----------------------------------------------------------------------------- properties


@st.composite
def layouts(draw):
    """A county of 1–4 townships (vertical strips) and 1–6 boxes per role, boxes free to
    overlap each other, the other roles and the county edge."""
    w = draw(st.floats(500, 5000))
    cuts = sorted(draw(st.lists(st.floats(0.05, 0.95), max_size=3, unique=True)))
    xs = [0.0, *(c * w for c in cuts), w]
    towns = [gk(a, 0, b, w) for a, b in itertools.pairwise(xs)]

    def boxes():
        n = draw(st.integers(1, 6))
        out = []
        for _ in range(n):
            x, y = draw(st.floats(-0.2, 1.0)) * w, draw(st.floats(-0.2, 1.0)) * w
            out.append(
                gk(x, y, x + draw(st.floats(0.01, 0.6)) * w, y + draw(st.floats(0.01, 0.6)) * w)
            )
        return out  # fmt: skip

    roles = {r: boxes() for r in ("red_line", "basic_farmland", "urban_boundary")}
    return w, towns, roles


def _frame(geoms, **cols):
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=4529)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layouts())
def test_union_at_most_sum_shares_in_range_townships_add_up(layout):
    from ecospace.measuring.stats import measure_county

    w, towns, roles = layout
    county = gk(0, 0, w, w)
    layers = {
        "boundary": _frame([county]),
        "townships": _frame(towns, XZQMC=[f"镇{k}" for k in range(len(towns))]),
        **{r: _frame(g) for r, g in roles.items()},
    }
    f = measure_county(layers, method="planar")
    cov = f.coverage.set_index("role")
    for role, geoms in roles.items():
        union = shapely.union_all(geoms)
        # expected values from shapely directly (planar method: plain shapely areas)
        assert cov.loc[role, "union_m2"] == pytest.approx(union.area, rel=1e-9, abs=1e-3)
        assert cov.loc[role, "union_m2"] <= sum(g.area for g in geoms) * (1 + 1e-12) + 1e-6
        inside = union.intersection(county).area
        share = cov.loc[role, "share"] * 100
        assert -1e-9 <= share <= 100 + 1e-9
        assert share == pytest.approx(inside / county.area * 100, rel=1e-9, abs=1e-9)
    for row in f.overlaps.itertuples():
        a = shapely.union_all(roles[row.role_a]) if row.role_a in roles else None
        b = shapely.union_all(roles[row.role_b]) if row.role_b in roles else None
        if a is not None and b is not None:
            assert row.area_m2 == pytest.approx(a.intersection(b).area, rel=1e-9, abs=1e-3)
    t = f.townships
    towns_rows = t[t["kind"] == "township"]
    parts = t[t["kind"] != "total"]
    total = t[t["kind"] == "total"]
    for role, geoms in roles.items():
        union = shapely.union_all(geoms)
        col = f"{role}_m2"
        # every township row is the role's union inside that township (shapely)
        expected = [union.intersection(town).area for town in towns]
        assert towns_rows[col].tolist() == pytest.approx(expected, rel=1e-9, abs=1e-3)
        # the rows, with the correction rows, add up to the total: the union of the layer
        assert parts[col].sum() == pytest.approx(float(total[col].iloc[0]), rel=1e-9, abs=1e-3)
        assert float(total[col].iloc[0]) == pytest.approx(union.area, rel=1e-9, abs=1e-3)
        shares = towns_rows[f"{role}_share"].to_numpy() * 100
        assert ((shares >= -1e-9) & (shares <= 100 + 1e-9)).all()


# ----------------------------------------------------------------------------- verdicts


def test_a_share_between_the_two_methods_is_flagged_method_dependent():
    """A share of the county stated between its official-series and geodesic values: the
    cross-check divides by the boundary measured by the other method too.  Both layers are
    drawn in a Gauss–Krüger zone with long straight edges: the series measures the regions
    as drawn, GeographicLib the polygons with geodesic edges between the same corners."""
    from ecospace.checking.check import check
    from ecospace.plan.model import validate_plan_data

    county = box(41_500_000, 5_000_000, 41_580_000, 5_060_000)
    red = box(41_520_000, 5_010_000, 41_570_000, 5_040_000)

    def drawn(g):  # the region as drawn in the plane: dense vertices, then GeographicLib
        dense = gpd.GeoSeries([shapely.segmentize(g, 20)], crs=4529).to_crs(4490).iloc[0]
        return abs(CGCS2000.geometry_area_perimeter(dense)[0])

    def geodesic_edges(g):
        return abs(
            CGCS2000.geometry_area_perimeter(gpd.GeoSeries([g], crs=4529).to_crs(4490).iloc[0])[0]
        )

    series = drawn(red) / drawn(county) * 100
    geodesic = geodesic_edges(red) / geodesic_edges(county) * 100
    assert series != pytest.approx(geodesic, abs=1e-7)
    stated = (series + geodesic) / 2
    fig = {"id": "s", "measure": "share", "role": "red_line", "op": ">=", "value": stated,
           "unit": "%", "precision": abs(series - geodesic) / 10}  # fmt: skip
    plan = validate_plan_data({"plan": "p", "method": "ellipsoid", "figures": [fig]})
    layers = {
        "boundary": gpd.GeoDataFrame(geometry=[county], crs=4529),
        "red_line": gpd.GeoDataFrame(geometry=[red], crs=4529),
    }
    row = check(plan, layers=layers, progress=False).figures.iloc[0]
    assert row["measured"] == pytest.approx(series, rel=1e-7)
    assert row["measured_other_method"] == pytest.approx(geodesic, rel=1e-7)
    assert row["method_other"] == "geodesic" and bool(row["method_dependent"])
    assert {row["status"], row["status_other_method"]} == {"pass", "fail"}
