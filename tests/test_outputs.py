"""One writer of a check's outputs: CheckResult.write, ``ecospace check`` and the old
``write_reports`` write the same files through ``rendering.outputs.write_outputs``."""

from __future__ import annotations

import ast
import importlib
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_check import FIGURES, make_county, write_plan
from test_hostile_outputs import _setup

from ecospace.checking.check import check
from ecospace.cli import cli
from ecospace.rendering.outputs import planned_outputs, write_outputs, write_reports

PACKAGE = Path(__file__).resolve().parents[1] / "ecospace"

#: every file and folder one check writes into --out, by name (the README's list)
ALL_OUTPUTS = {
    "report.md", "report.html", "report.xlsx", "report.json", "report.docx", "map.html",
    "conflicts.gpkg", "conflicts_shp", "conflicts.gdb", "conflicts_styles",
}  # fmt: skip


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return check(
        write_plan(tmp_path_factory.mktemp("plan"), FIGURES), layers=make_county(), progress=False
    )


def test_check_result_write_writes_what_the_command_writes(result, tmp_path):
    paths = result.write(tmp_path / "py")
    assert {p.name for p in paths.values()} == ALL_OUTPUTS
    assert {p.name for p in (tmp_path / "py").iterdir()} == ALL_OUTPUTS
    assert set(paths) == set(planned_outputs(tmp_path / "py"))
    with pytest.raises(FileExistsError, match=r"already exist.*--overwrite"):
        result.write(tmp_path / "py")


def test_the_command_writes_the_same_set(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _setup(tmp_path)
    run = CliRunner().invoke(cli, ["check", "plan.yaml", "--out", "out"])
    assert run.exit_code in (0, 1), run.output
    assert {p.name for p in (tmp_path / "out").iterdir()} == ALL_OUTPUTS


def test_reports_only_and_the_json_is_the_result(result, tmp_path):
    paths = write_outputs(result, tmp_path, formats=("json", "md"), conflicts=False, map_path=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "report.md"]
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert [f["id"] for f in doc["figures"]] == [f[0] for f in FIGURES]


def test_unknown_format_is_refused_before_writing(result, tmp_path):
    with pytest.raises(Exception, match=r"unknown report format 'pdf'; use md, html"):
        write_outputs(result, tmp_path, formats=("pdf",), conflicts=False, map_path=False)
    assert not any(tmp_path.iterdir())


def test_write_reports_is_a_deprecated_name_of_the_one_writer(result, tmp_path):
    with pytest.warns(DeprecationWarning, match=r"write_reports is deprecated: use write_outputs"):
        paths = write_reports(result, tmp_path, formats=("md",), annex=False)
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"] == [paths["md"].name]


def test_old_flat_report_module_still_has_the_writer():
    sys.modules.pop("ecospace.report", None)
    with pytest.warns(DeprecationWarning, match=r"ecospace\.report is deprecated"):
        old = importlib.import_module("ecospace.report")
    assert old.write_outputs is write_outputs and callable(old.to_markdown)


def _calls(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        n.func.id if isinstance(n.func, ast.Name) else getattr(n.func, "attr", "")
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
    }


def test_only_the_writer_stages_report_files():
    """Reports reach disk in one place: no other module calls the report renderers into a
    staged output set (OutputSet) — the CLI and CheckResult call write_outputs."""
    staging = {
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if {"OutputSet", "to_docx"} <= _calls(p) or {"OutputSet", "to_markdown"} <= _calls(p)
    }
    assert staging == {"rendering/outputs.py"}
    callers = {str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")}
    callers = {p for p in callers if "write_outputs" in _calls(PACKAGE / p)}
    assert callers == {"cli/check.py", "checking/result.py", "rendering/outputs.py"}
