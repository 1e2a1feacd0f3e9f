"""``--scheduler`` on the measuring commands: a real dask.distributed cluster (a scheduler and
two worker processes on 127.0.0.1) gives the figures of a run in one process."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import yaml
from click.testing import CliRunner
from shapely import box

from ecospace.cli import cli

X0, Y0 = 41_500_000.0, 5_000_000.0
ROOT = Path(__file__).resolve().parent.parent


def gk(*boxes):
    return gpd.GeoDataFrame(
        geometry=[box(X0 + a, Y0 + b, X0 + c, Y0 + d) for a, b, c, d in boxes], crs=4529
    )


@pytest.fixture
def plan(tmp_path):
    """A 20 km county; red line, farmland and protected areas that straddle any tile edge."""
    layers = {
        "XZQ": gk((0, 0, 20_000, 20_000)),
        "STBHHX": gk((1_000, 1_000, 12_000, 9_000), (11_000, 8_000, 19_000, 19_000)),
        "YJJBNTBHTB": gk(*[(x, 500, x + 900, 15_000) for x in range(500, 19_000, 1_500)]),
        "ZRBHD": gk((2_000, 2_000, 14_000, 6_000), (15_000, 15_000, 21_000, 21_000)),
    }
    for name, gdf in layers.items():
        gdf.to_file(tmp_path / "county.gpkg", layer=name, engine="pyogrio")
    figures = [
        {"id": "red", "measure": "area", "role": "red_line", "op": ">=", "value": 100,
         "unit": "km2"},
        {"id": "share", "measure": "share", "role": "red_line", "op": ">=", "value": 30,
         "unit": "%"},
        {"id": "ov", "measure": "overlap", "roles": ["red_line", "basic_farmland"], "op": "=",
         "value": 0, "unit": "ha"},
        {"id": "out", "measure": "outside", "role": "protected_area", "within": "red_line",
         "op": "=", "value": 0, "unit": "ha"},
    ]  # fmt: skip
    doc = {"plan": "集群测试", "method": "ellipsoid", "layers": [{"path": "county.gpkg"}],
           "figures": figures}  # fmt: skip
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def _figures(plan: Path, out: str, *extra: str) -> dict:
    args = ["-q", "check", str(plan), "--out", str(plan.parent / out), "--no-map"]
    res = CliRunner().invoke(cli, [*args, "--format", "json", *extra])
    assert res.exit_code in (0, 1), res.output
    return {f["id"]: f for f in json.loads(res.stdout)["figures"]}


@pytest.mark.filterwarnings("ignore::UserWarning")  # validation notes of the hand-made layers
def test_check_on_a_cluster_gives_the_one_process_figures(plan, cluster):
    local = _figures(plan, "local")
    remote = _figures(plan, "remote", "--scheduler", cluster.scheduler_address)
    assert set(local) == set(remote) == {"red", "share", "ov", "out"}
    for key, f in local.items():
        assert remote[key]["status"] == f["status"]
        assert remote[key]["measured"] == pytest.approx(f["measured"], abs=1e-4), key
    # the hand calculation: the red line's two boxes overlap by 1 km × 1 km
    assert local["red"]["measured"] == pytest.approx(88 + 88 - 1, rel=2e-3)


def test_a_scheduler_nobody_runs_is_one_error_line(plan):
    res = CliRunner().invoke(
        cli,
        ["check", str(plan), "--out", str(plan.parent / "x"), "--scheduler", "tcp://127.0.0.1:9"],
    )
    assert res.exit_code == 2
    assert "no dask scheduler answers there" in res.output
    assert "Traceback" not in res.output
