"""``ecospace check`` on tiled sources: the workers read, the client holds the figures.

Against a real PostGIS server (the ``pg_server`` fixture) and a real dask.distributed
cluster of two worker processes.  A plan naming the demo county's PostGIS tables is
checked on the cluster; expected values come from the same plan naming the demo
GeoPackage, checked in one process with every layer read whole (the figures, their
verdicts and the second-method cross-check measured on whole layers, without tiles).  The
stated values are set to the whole run's measurements, rounded, so every figure lies near
its verdict boundary and is cross-checked.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pyogrio
import pytest
import yaml
from _pgserver import PASSWORD
from click.testing import CliRunner

from ecospace.cli import cli
from ecospace.rendering.maps import ROLE_STYLES

ROOT = Path(__file__).resolve().parent.parent
DEMO = str(ROOT / "layers" / "demo.gpkg")
#: the demo's layers read whole by the client (county and townships) and the others
SMALL = {"xzq", "xzq_xz"}
BIG = {n.lower() for n, _ in pyogrio.list_layers(DEMO)} - SMALL

pytestmark = [
    pytest.mark.filterwarnings("ignore::ecospace.loading.validate.RepairWarning"),
    pytest.mark.filterwarnings("ignore::ecospace.loading.validate.ValidationWarning"),
]


def _check(args) -> tuple[dict, str]:
    r = CliRunner().invoke(cli, ["-q", "check", *args, "--format", "json"])
    assert r.exit_code in (0, 1), r.output
    return json.JSONDecoder().raw_decode(r.output[r.output.index("{") :])[0], r.output


def _plan(path: Path, source: str, values: dict[str, float] | None = None) -> Path:
    """The demo plan naming ``source``; with ``values``, each figure stated at that value."""
    plan = yaml.safe_load((ROOT / "plans" / "demo.yaml").read_text(encoding="utf-8"))
    plan["layers"] = [{"path": source}]
    for fig in plan["figures"]:
        if values is None or fig["id"] not in values:
            continue
        if fig["measure"] in ("overlap", "outside"):
            fig["op"] = "<="  # a bound, not a zero-overlap rule: judged at its own digits
        fig["value"] = round(values[fig["id"]], 2)
        fig["precision"] = 0.01
    path.write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def near(tmp_path_factory):
    """The demo plan stated at its own measurements (from the GeoPackage read whole), and
    the report of that plan checked on the GeoPackage in one process."""
    folder = tmp_path_factory.mktemp("near")
    first, _ = _check([str(ROOT / "plans" / "demo.yaml"), "--out", str(folder / "a"), "--no-map"])
    values = {f["id"]: f["measured"] for f in first["figures"] if f["measured"] is not None}
    values.pop("urban_vs_red_line")  # 0: stays a zero-overlap rule
    plan = _plan(folder / "gpkg.yaml", DEMO, values)
    want, _ = _check([str(plan), "--out", str(folder / "b"), "--no-map"])
    return values, want


def _by_id(report: dict) -> dict[str, dict]:
    return {f["id"]: f for f in report["figures"]}


def test_check_on_a_cluster_reads_only_the_boundaries_and_cross_checks_there(
    pg_server, cluster, client_reads, near, tmp_path
):
    values, want = near
    crossed = [f for f in want["figures"] if f["method_other"]]
    assert len(crossed) >= 8, [f["id"] for f in want["figures"]]  # the plan does its job
    plan = _plan(tmp_path / "pg.yaml", pg_server.url, values)
    got, output = _check([str(plan), "--out", str(tmp_path / "out"), "--no-map",
                          "--scheduler", cluster.scheduler_address])  # fmt: skip
    a, b = _by_id(got), _by_id(want)
    assert set(a) == set(b)
    for key, w in b.items():
        g = a[key]
        assert g["status"] == w["status"], key
        assert g["method_other"] == w["method_other"], key
        print(
            key,
            g["measured"],
            w["measured"],
            g["measured_other_method"],
            w["measured_other_method"],
            g["stated"],
            g["status_other_method"],
            w["status_other_method"],
        )
        assert g["status_other_method"] == w["status_other_method"], key
        assert g["method_dependent"] == w["method_dependent"], key
        if g["unit"] == "%":
            tol = 100 / g["denominator_m2"] * 100  # 0.01 ha in per cent of the county
        else:
            tol = 0.01 if g["unit"] == "ha" else 1e-4  # 0.01 ha in ha or km²
        for col in ("measured", "measured_other_method"):
            if w[col] is None:
                assert g[col] is None, (key, col)
            else:
                assert g[col] == pytest.approx(w[col], abs=tol), (key, col)
    for table in ("coverage", "overlaps", "containment"):
        assert len(got[table]) == len(want[table]), table
    read_here = {name for name, _, _ in client_reads}
    assert read_here and read_here <= SMALL, client_reads
    assert PASSWORD not in output
    # the layer table: every table's features, as the workers counted them
    counted = {row["layer"].rpartition(".")[2]: row["features"] for row in got["layers"]}
    assert counted == {n.lower(): pyogrio.read_info(DEMO, layer=n)["features"]
                       for n, _ in pyogrio.list_layers(DEMO)}  # fmt: skip


def test_the_map_reads_a_tiled_layer_whole_only_to_draw_it(
    pg_server, cluster, client_reads, tmp_path
):
    plan = _plan(tmp_path / "pg.yaml", pg_server.url)
    out = tmp_path / "out"
    _, output = _check([str(plan), "--out", str(out), "--scheduler", cluster.scheduler_address])
    html = (out / "map.html").read_text(encoding="utf-8")
    # every table read once whole (no box), all its rows: the big ones for the map and annex
    whole = [(name, rows) for name, box, rows in client_reads if box is None]
    want = {n.lower(): pyogrio.read_info(DEMO, layer=n)["features"]
            for n, _ in pyogrio.list_layers(DEMO)}  # fmt: skip
    assert sorted(whole) == sorted(want.items())
    assert [n for n, box, _ in client_reads if box is not None and n in BIG] == []
    for role in ("red_line", "basic_farmland", "urban_boundary", "protected_area"):
        assert json.dumps(ROLE_STYLES[role]["zh"])[1:-1] in html, role  # drawn, in the legend
    with zipfile.ZipFile(out / "report.docx") as docx:  # the annex figures, drawn
        assert any(n.startswith("word/media/") for n in docx.namelist())
    assert "map.html" in output and PASSWORD not in output


def _rows(pg_server, query):
    with pg_server.connect() as conn:
        return conn.execute(query).fetchall()


def test_check_writes_its_tables_into_a_named_schema(pg_server, tmp_path):
    url = f"{pg_server.url}?schema=checks_plan"
    plan = _plan(tmp_path / "gpkg.yaml", DEMO)
    r = CliRunner().invoke(cli, ["-q", "check", str(plan), "--out", str(tmp_path / "a"),
                                 "--no-map", "--format", "json", "--to-postgis", url])  # fmt: skip
    assert r.exit_code == 1, r.output  # the demo's planted defects fail
    printed = json.JSONDecoder().raw_decode(r.stdout[r.stdout.index("{") :])[0]
    assert PASSWORD not in r.output
    tables = {t for (t,) in _rows(pg_server, "SELECT table_name FROM information_schema.tables "
                                             "WHERE table_schema = 'checks_plan'")}  # fmt: skip
    assert {"plan_figures", "coverage", "overlaps", "containment", "land_cover"} <= tables
    assert "conflict_overlap_red_line__basic_farmland" in tables
    rows = _rows(pg_server, "SELECT id, status, measured FROM checks_plan.plan_figures")
    got = {i: (s, m) for i, s, m in rows}
    assert len(got) == len(printed["figures"])
    for f in printed["figures"]:
        status, measured = got[f["id"]]
        assert status == f["status"]
        assert measured == pytest.approx(f["measured"], rel=1e-12)
    cov = dict(_rows(pg_server, "SELECT role, union_m2 FROM checks_plan.coverage"))
    for row in printed["coverage"]:
        assert cov[row["role"]] == pytest.approx(row["union_m2"], rel=1e-12)
    # a second run is refused before any work, naming the tables; --overwrite replaces them
    again = ["-q", "check", str(plan), "--out", str(tmp_path / "b"), "--no-map",
             "--to-postgis", url]  # fmt: skip
    r = CliRunner().invoke(cli, again)
    assert r.exit_code == 2
    assert r.output.count("Error:") == 1 and "plan_figures" in r.output, r.output
    assert PASSWORD not in r.output and not (tmp_path / "b").exists()
    r = CliRunner().invoke(cli, [*again, "--overwrite"])
    assert r.exit_code == 1, r.output
