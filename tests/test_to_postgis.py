"""``--to-postgis``: figure tables and conflicts written back into a schema, on a real server.

Expected values come from the same command's JSON output (the figures written must be the
figures printed) and from PostGIS itself (row counts, SRIDs, ``ST_Area`` of the conflict
geometries on the spheroid, as geography, against the ellipsoidal figures).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _pgserver import PASSWORD
from click.testing import CliRunner

from ecospace.cli import cli

ROOT = Path(__file__).resolve().parent.parent
DEMO = str(ROOT / "layers" / "demo.gpkg")

pytestmark = [
    pytest.mark.filterwarnings("ignore::ecospace.loading.validate.RepairWarning"),
    pytest.mark.filterwarnings("ignore::ecospace.loading.validate.ValidationWarning"),
]


def _run(*args):
    return CliRunner().invoke(cli, list(args))


def _json(r):
    assert r.exit_code == 0, r.output
    return json.JSONDecoder().raw_decode(r.stdout[r.stdout.index("{") :])[0]


def _rows(pg_server, query):
    with pg_server.connect() as conn:
        return conn.execute(query).fetchall()


def test_overlaps_written_into_a_named_schema(pg_server):
    url = f"{pg_server.url}?schema=checks_overlaps"
    r = _run("overlaps", DEMO, "--format", "json", "--to-postgis", url)
    printed = _json(r)
    assert PASSWORD not in r.output
    tables = {t for (t,) in _rows(pg_server, "SELECT table_name FROM information_schema.tables "
                                             "WHERE table_schema = 'checks_overlaps'")}  # fmt: skip
    assert {"coverage", "overlaps", "containment", "self_overlaps"} <= tables
    conflicts = {t for t in tables if t.startswith("conflict_")}
    assert "conflict_overlap_red_line__basic_farmland" in conflicts
    got = dict(_rows(pg_server, "SELECT role_a || '|' || role_b, area_m2 "
                                "FROM checks_overlaps.overlaps"))  # fmt: skip
    for o in printed["overlaps"]:
        assert got[f"{o['role_a']}|{o['role_b']}"] == pytest.approx(o["area_m2"], abs=1e-6)
    # the conflict pieces: PostGIS measures them itself (geodesic area on the spheroid)
    (n, srid, st_area, col_area), = _rows(pg_server, (
        "SELECT count(*), min(ST_SRID(geometry)), "
        "sum(ST_Area(ST_Transform(geometry, 4490)::geography)), sum(area_m2) "
        "FROM checks_overlaps.conflict_overlap_red_line__basic_farmland"))  # fmt: skip
    assert n > 0 and srid == 4529
    assert st_area == pytest.approx(col_area, rel=1e-4)
    row = next(o for o in printed["overlaps"] if (o["role_a"], o["role_b"]) == ("red_line",
               "basic_farmland"))  # fmt: skip
    assert col_area == pytest.approx(row["area_m2"], abs=100)  # pieces ≥ 1 m²: within 0.01 ha


def test_existing_tables_are_refused_unless_overwrite(pg_server):
    url = f"{pg_server.url}?schema=checks_again"
    assert _run("overlaps", DEMO, "--to-postgis", url).exit_code == 0
    r = _run("overlaps", DEMO, "--to-postgis", url)
    assert r.exit_code == 2, r.output
    errors = [line for line in r.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "already holds" in errors[0] and "--overwrite" in errors[0]
    assert "coverage" in errors[0] and PASSWORD not in r.output
    r = _run("overlaps", DEMO, "--to-postgis", url, "--overwrite")
    assert r.exit_code == 0, r.output
    assert PASSWORD not in r.output


def test_the_province_table_written_back(pg_server):
    url = f"{pg_server.url}?schema=province"
    r = _run("stats", DEMO, "--units", f"{DEMO}:XZQ_XZ", "--unit-field", "XZQMC", "--format",
             "json", "--to-postgis", url)  # fmt: skip
    printed = _json(r)
    got = dict(_rows(pg_server, "SELECT name, red_line_m2 FROM province.units"))
    assert len(got) == len(printed["units"]) == 13  # 12 townships and the sum
    for u in printed["units"]:
        assert got[u["name"]] == pytest.approx(u["red_line_m2"], abs=1e-6)


@pytest.mark.parametrize(
    ("suffix", "fragment"),
    [
        ("", "name the schema to write into"),
        ("?schema=1bad", "is not a plain SQL name"),
        ("?table=public.xzq", "not a table"),
    ],
)
def test_usage_errors_name_the_url_without_its_password(pg_server, suffix, fragment):
    r = _run("stats", DEMO, "--to-postgis", pg_server.url + suffix)
    assert r.exit_code == 2, r.output
    errors = [line for line in r.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and fragment in errors[0], r.output
    assert PASSWORD not in r.output


def test_wrong_credentials_one_line_no_password(pg_server):
    url = pg_server.url.replace(PASSWORD, "wrong-Pa55") + "?schema=x"
    r = _run("overlaps", DEMO, "--to-postgis", url)
    assert r.exit_code == 2
    errors = [line for line in r.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "cannot connect" in errors[0], r.output
    assert "wrong-Pa55" not in r.output and PASSWORD not in r.output
