"""Workers read their own partitions for ``stats``, ``overlaps`` and the County.

Against a real PostGIS server (the ``pg_server`` fixture) and a real dask.distributed
cluster of two worker processes: the client process reads the county boundary and the
townships (small, whole) and nothing of the big layers, which the workers read, repair and
measure tile by tile.  Expected values come from the demo GeoPackage read whole in one
process (``stats``/``overlaps`` without workers, and the reader's own validation report).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pyogrio
import pytest
from _pgserver import PASSWORD
from click.testing import CliRunner

from ecospace.cli import cli
from ecospace.loading.convert import convert
from ecospace.loading.geoparquet import GeoParquetDataset
from ecospace.loading.layers import read_layer
from ecospace.loading.validate import RepairWarning
from ecospace.measuring.county import County

ROOT = Path(__file__).resolve().parent.parent
DEMO = str(ROOT / "layers" / "demo.gpkg")
#: the demo's layers read whole (by the client) and those only the workers may read
SMALL = {"xzq", "xzq_xz"}
BIG = {n.lower() for n, _ in pyogrio.list_layers(DEMO)} - SMALL

pytestmark = [
    pytest.mark.filterwarnings("ignore::ecospace.loading.validate.RepairWarning"),
    pytest.mark.filterwarnings("ignore::ecospace.loading.validate.ValidationWarning"),
]


def _json(args):
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    return json.JSONDecoder().raw_decode(r.output[r.output.index("{") :])[0]


def _figures(obj, path=""):
    """Every number of a JSON report by its path (rows keyed by role/class/pair)."""
    out = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, int | float) and not isinstance(v, bool):
                out[f"{path}/{k}"] = float(v)
            else:
                out.update(_figures(v, f"{path}/{k}"))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            key = i
            if isinstance(v, dict):
                key = v.get("role") or v.get("class") or v.get("name") or i
                if "role_a" in v:
                    key = f"{v['role_a']}|{v['role_b']}"
                if "inner" in v:
                    key = f"{v['inner']}|{v['outer']}"
            out.update(_figures(v, f"{path}[{key}]"))
    return out


def _assert_same(got: dict, want: dict) -> None:
    a, b = _figures(got), _figures(want)
    assert set(a) == set(b)
    for key, value in b.items():
        name = key.rsplit("/", 1)[-1]
        if name in ("fid", "a_fid", "b_fid") or name.endswith("row"):
            continue  # positions in a file read whole; a tiled source has only src_fid
        if key.endswith("_m2"):
            assert a[key] == pytest.approx(value, abs=100), key  # 0.01 ha
        elif key.endswith("_ha"):
            assert a[key] == pytest.approx(value, abs=0.01), key
        elif "share" in name:
            assert a[key] == pytest.approx(value, abs=1e-6), key
        else:
            assert a[key] == value, key  # counts of features and pairs, denominators


@pytest.mark.parametrize("command", ["stats", "overlaps"])
def test_postgis_on_a_cluster_client_reads_only_the_boundaries(
    pg_server, cluster, client_reads, command
):
    want = _json([command, DEMO, "--format", "json"])
    got = _json([command, pg_server.url, "--scheduler", cluster.scheduler_address, "--format",
                 "json"])  # fmt: skip
    _assert_same(got, want)
    read_here = {name for name, _, _ in client_reads}
    assert read_here and read_here <= SMALL, client_reads
    assert not read_here & BIG


def test_geoparquet_dataset_on_a_cluster_is_read_by_the_workers_only(
    tmp_path, cluster, monkeypatch
):
    convert([DEMO], tmp_path)
    reads = []
    for name in ("read_bbox", "read"):
        real = getattr(GeoParquetDataset, name)

        def counted(self, *box, _real=real):
            gdf = _real(self, *box)
            reads.append((Path(self.path).stem, len(gdf)))
            return gdf

        monkeypatch.setattr(GeoParquetDataset, name, counted)
    want = _json(["stats", DEMO, "--format", "json"])
    got = _json(["stats", str(tmp_path), "--scheduler", cluster.scheduler_address, "--format",
                 "json"])  # fmt: skip
    _assert_same(got, want)
    assert {stem.lower() for stem, _ in reads} <= SMALL, reads


def test_the_workers_repairs_come_back_to_the_client(pg_server, cluster):
    from distributed import Client

    whole = read_layer(f"{DEMO}:YJJBNTBHTB").report.table
    whole = whole[whole["problem"] == "invalid_repaired"].sort_values("src_fid")
    assert len(whole) == 4  # the demo's planted bowties
    with Client(cluster.scheduler_address) as client, warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        county = County.open(pg_server.url, tiled=True, client=client, method="ellipsoid")
        assert county.count("basic_farmland") == 12_030  # as the workers counted them
    got = county.repairs["basic_farmland"]
    assert got["src_fid"].tolist() == whole["src_fid"].tolist()
    assert got["area_change_m2"].to_numpy() == pytest.approx(
        whole["area_change_m2"].to_numpy(dtype=float), abs=1e-6
    )
    lines = [str(x.message) for x in w if issubclass(x.category, RepairWarning)]
    assert any("yjjbntbhtb" in m and "invalid_repaired 4" in m for m in lines), lines
    assert all(PASSWORD not in m for m in lines)
