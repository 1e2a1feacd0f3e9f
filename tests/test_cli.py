"""The ecospace command group: help, version, verbosity and usage errors."""

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from ecospace.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = [
    "annex", "areas", "audit", "check", "demo", "extract", "layers", "map", "overlaps", "stats",
]  # fmt: skip


def test_help_lists_every_command_with_a_whole_one_line_summary():
    r = CliRunner().invoke(cli, ["--help"])
    assert r.exit_code == 0
    listing = r.output.split("Commands:")[1].strip().splitlines()
    assert [line.split()[0] for line in listing] == COMMANDS
    assert not [line for line in listing if line.rstrip().endswith("...")]


def test_version_is_the_package_metadata_version():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    r = CliRunner().invoke(cli, ["--version"])
    assert r.exit_code == 0
    assert r.output.strip() == f"ecospace, version {meta['version']}"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["areas", "no/such/file.gpkg"], "no/such/file.gpkg: no such file or folder"),
        (["areas", str(ROOT / "layers" / "demo.gpkg")], "holds 7 layers"),
        (["areas", f"{ROOT / 'layers' / 'demo.gpkg'}:NOPE"], "no layer 'NOPE'"),
        (["areas", f"{ROOT / 'layers' / 'demo.gpkg'}:XZQ", "--unit", "acre"], "acre"),
        (["check", str(ROOT / "plans" / "wuchang.yaml")], "no layers to check"),
    ],
)
def test_usage_errors_exit_2_with_one_error_line_and_no_traceback(args, fragment):
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 2, r.output
    errors = [line for line in r.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and fragment in errors[0]
    assert "Traceback" not in r.output
    assert not isinstance(r.exception, Exception) or isinstance(r.exception, SystemExit)


def test_verbosity_options_control_the_log(tmp_path):
    # a layer in degrees with no CRS: ecospace infers CGCS2000 and logs that it did
    import geopandas as gpd
    from shapely import box

    src = tmp_path / "nocrs.gpkg"
    with pytest.warns(UserWarning, match="crs"):  # pyogrio warns that no CRS is written
        gpd.GeoDataFrame({"HXMC": ["a"]}, geometry=[box(124.2, 45.0, 124.3, 45.1)]).to_file(src)
    normal = CliRunner().invoke(cli, ["layers", str(src)])
    silent = CliRunner().invoke(cli, ["-qq", "layers", str(src)])
    assert normal.exit_code == silent.exit_code == 0
    assert "WARNING" in normal.output and "4490" in normal.output
    assert "WARNING" not in silent.output and "4490" in silent.output  # still in the table
