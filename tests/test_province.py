"""Per-unit (per-county) tables from tiled sources, here and on a real dask.distributed cluster.

The demo county's 12 townships stand in for a province's counties.  Expected values come
from the township table of ``ecospace stats --by-township`` — a different code path (one
overlay of every layer with all townships, no clipping, no tiled reads) — and from the
local run for the distributed one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ecospace.cli import cli
from ecospace.loading.convert import convert

ROOT = Path(__file__).resolve().parent.parent
DEMO = str(ROOT / "layers" / "demo.gpkg")
UNITS = f"{DEMO}:XZQ_XZ"
ROLES = ("red_line", "basic_farmland", "urban_boundary", "protected_area")

pytestmark = [
    pytest.mark.filterwarnings("ignore::ecospace.loading.validate.RepairWarning"),
    pytest.mark.filterwarnings("ignore::ecospace.loading.validate.ValidationWarning"),
]


def _json(args):
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    return json.JSONDecoder().raw_decode(r.output[r.output.index("{") :])[0]


def _units(source, *extra):
    d = _json(
        ["stats", source, "--units", UNITS, "--unit-field", "XZQMC", "--format", "json", *extra]
    )
    return {u["name"]: u for u in d["units"]}


@pytest.fixture(scope="module")
def local():
    return _units(DEMO)


def test_unit_rows_equal_the_township_table(local):
    towns = _json(["stats", DEMO, "--by-township", "--format", "json"])["townships"]
    rows = {t["name"]: t for t in towns if t["kind"] == "township"}
    assert len(rows) == 12 and set(rows) <= set(local)
    for name, t in rows.items():
        u = local[name]
        assert u["area_m2"] == pytest.approx(t["area_m2"], abs=100)
        for role in ROLES:
            assert u[f"{role}_m2"] == pytest.approx(t[f"{role}_m2"], abs=100), (name, role)


def test_the_province_row_is_the_sum_of_the_units(local):
    total = local["合计"]
    units = [u for u in local.values() if u["kind"] == "unit"]
    for role in ROLES:
        assert total[f"{role}_m2"] == pytest.approx(sum(u[f"{role}_m2"] for u in units))
        assert total[f"{role}_share"] == pytest.approx(total[f"{role}_m2"] / total["area_m2"])
    # the county's overlap matrix and containment, measured without units
    county = _json(["overlaps", DEMO, "--format", "json"])
    for o in county["overlaps"]:
        key = f"overlap_{o['role_a']}__{o['role_b']}_m2"
        if key in total:
            assert total[key] == pytest.approx(o["area_m2"], abs=100), key
    inside = next(
        c
        for c in county["containment"]
        if (c["inner"], c["outer"]) == ("protected_area", "red_line")
    )
    assert total["protected_area_outside_red_line_m2"] == pytest.approx(
        inside["outside_m2"], abs=100
    )


def test_postgis_and_geoparquet_sources_give_the_same_rows(local, pg_server, tmp_path):
    convert([DEMO], tmp_path)
    for source in (pg_server.url, str(tmp_path)):
        got = _units(source)
        assert set(got) == set(local)
        for name, u in local.items():
            for key, value in u.items():
                if key.endswith("_m2"):
                    assert got[name][key] == pytest.approx(value, abs=100), (source, name, key)


def test_a_dask_cluster_gives_the_local_figures(local, cluster):
    got = _units(DEMO, "--scheduler", cluster.scheduler_address)
    assert set(got) == set(local)
    for name, u in local.items():
        for key, value in u.items():
            if isinstance(value, float):
                assert got[name][key] == pytest.approx(value, rel=1e-9, abs=1e-6), (name, key)
            else:
                assert got[name][key] == value


def test_each_unit_is_a_task_on_a_worker_process(local, cluster):
    from distributed import Client, get_task_stream

    from ecospace.loading.layers import read_layer
    from ecospace.loading.tiled_sources import open_tiled
    from ecospace.measuring.province import measure_units

    units = read_layer(UNITS).gdf
    with Client(cluster.scheduler_address) as client, get_task_stream(client) as ts:
        p = measure_units(open_tiled([DEMO]), units, unit_field="XZQMC", client=client)
        workers = set(client.scheduler_info()["workers"])
    tasks = [t for t in ts.data if "_measure_unit" in str(t["key"])]
    assert len(tasks) == 12
    assert {t["worker"] for t in tasks} <= workers
    assert p.units["red_line_m2"].iloc[-1] == pytest.approx(local["合计"]["red_line_m2"])


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--scheduler", "tcp://127.0.0.1:9"], "no dask scheduler answers there"),
        (["--scheduler", "127.0.0.1:9"], "write the scheduler's address as tcp://HOST:PORT"),
        (["--unit-field", "NOPE"], "--unit-field 'NOPE' is not a field of the units"),
        (["--denominator", "100"], "cannot be combined with --denominator"),
    ],
)
def test_usage_errors(args, fragment):
    r = CliRunner().invoke(cli, ["stats", DEMO, "--units", UNITS, *args])
    assert r.exit_code == 2, r.output
    errors = [line for line in r.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and fragment in errors[0], r.output


def test_a_scheduler_nobody_runs_is_a_usage_error_without_units_too():
    # without --units the county's tiles go to the scheduler: nobody answers there
    r = CliRunner().invoke(cli, ["stats", DEMO, "--scheduler", "tcp://127.0.0.1:9"])
    assert r.exit_code == 2 and "no dask scheduler answers there" in r.output


def test_land_cover_per_unit_from_hand_drawn_parcels(tmp_path):
    """Two units side by side; parcels of known area, one crossing the units' border."""
    import geopandas as gpd
    from shapely import box

    from ecospace.loading.convert import write_dataset
    from ecospace.loading.tiled_sources import open_tiled
    from ecospace.measuring.province import format_province, measure_units

    x, y = 41_500_000.0, 5_000_000.0

    def gk(frame, *boxes):
        geoms = [box(x + a, y + b, x + c, y + d) for a, b, c, d in boxes]
        return gpd.GeoDataFrame(frame, geometry=geoms, crs=4529)

    units = gk({"XZQMC": ["甲", "乙"]}, (0, 0, 100, 100), (100, 0, 400, 100))
    parcels = gk(
        {"DLBM": ["0301", "0404", "0101", "1106"]},
        (50, 0, 150, 100),  # 乔木林地 across the border: 5 000 m² in each unit
        (200, 0, 300, 100),  # 其他草地 in 乙: 10 000 m²
        (0, 0, 50, 40),  # 水田 in 甲: 2 000 m²
        (300, 0, 400, 50),  # 内陆滩涂 in 乙: a wetland class, 5 000 m²
    )
    write_dataset(parcels, tmp_path / "DLTB.parquet")
    p = measure_units(
        open_tiled([str(tmp_path / "DLTB.parquet")]), units, unit_field="XZQMC", method="planar"
    )
    t = p.units.set_index("name")
    # areas of the unit (甲 10 000 m², 乙 30 000 m²) by hand
    expected = {
        "甲": {"forest": 5_000, "forest_grass": 5_000, "wetland": 0, "cropland": 2_000},
        "乙": {"forest": 5_000, "forest_grass": 15_000, "wetland": 5_000, "cropland": 0},
        "合计": {"forest": 10_000, "forest_grass": 20_000, "wetland": 5_000, "cropland": 2_000},
    }
    area = {"甲": 10_000, "乙": 30_000, "合计": 40_000}
    assert p.classes == ["forest", "forest_grass", "wetland", "cropland"]
    for name, classes in expected.items():
        for c, m2 in classes.items():
            assert t.loc[name, f"land_cover_{c}_m2"] == pytest.approx(m2, abs=1e-6), (name, c)
            assert t.loc[name, f"land_cover_{c}_share"] == pytest.approx(m2 / area[name])
    text = format_province(p)
    assert "森林覆盖率 %" in text and "林草覆盖率 %" in text
    assert "50.00" in text.splitlines()[3]  # 甲's forest cover: 5 000 / 10 000


def test_land_cover_of_the_county_as_one_unit_equals_the_county_figures():
    d = _json(["stats", DEMO, "--units", f"{DEMO}:XZQ", "--format", "json"])
    county = _json(["stats", DEMO, "--format", "json"])
    row = d["units"][0]
    assert d["classes"] == [c["class"] for c in county["land_cover"]]
    for c in county["land_cover"]:
        assert row[f"land_cover_{c['class']}_m2"] == pytest.approx(c["area_m2"], abs=100)
        assert row[f"land_cover_{c['class']}_share"] == pytest.approx(c["share"], abs=1e-4)
