"""The package layout a user meets: old module paths still work (with a warning), the
plan stage needs no GIS library, and ``ecospace.check`` stays the function."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import ecospace

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("old", "new", "name"),
    [
        ("ecospace.area", "ecospace.geometry.area", "total_area"),
        ("ecospace.crs", "ecospace.geometry.crs", "to_working"),
        ("ecospace.layers", "ecospace.loading.layers", "load_layers"),
        ("ecospace.stats", "ecospace.measuring.stats", "measure_county"),
        ("ecospace.overlap", "ecospace.measuring.overlap", "overlap_matrix"),
        ("ecospace.report", "ecospace.rendering.report", "to_html"),
        ("ecospace.audit", "ecospace.plan.audit", "audit_plan"),
    ],
)
def test_old_module_paths_warn_and_still_work(old, new, name, monkeypatch):
    monkeypatch.delitem(sys.modules, old, raising=False)
    with pytest.warns(DeprecationWarning, match=f"{old} is deprecated: import from {new}"):
        module = importlib.import_module(old)
    assert getattr(module, name) is getattr(importlib.import_module(new), name)


def test_check_stays_callable_after_importing_the_old_module(monkeypatch):
    monkeypatch.delitem(sys.modules, "ecospace.check", raising=False)
    with pytest.warns(DeprecationWarning, match="ecospace.check is deprecated"):
        old = importlib.import_module("ecospace.check")
    from ecospace.checking.check import check

    assert callable(old)
    assert old.check is check
    assert old.CheckResult is ecospace.CheckResult


def test_errors_come_from_a_public_module():
    from ecospace.errors import EcospaceError, LayerReadError

    assert LayerReadError.__module__ == "ecospace.errors"
    assert issubclass(LayerReadError, EcospaceError) and issubclass(LayerReadError, OSError)
    assert ecospace.LayerReadError is LayerReadError


_WITHOUT_GIS = """
import sys
blocked = ["geopandas", "shapely", "pyproj", "pyogrio", "fiona", "rasterio", "folium",
           "matplotlib"]
sys.modules.update(dict.fromkeys(blocked, None))  # any import of them now fails
from ecospace.cli import main
sys.argv = ["ecospace", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize(
    ("args", "expected_rc", "expected"),
    [
        (["audit", "plans/wuchang.yaml", "--lang", "en"], 1, "implied total"),
        (["extract", "plans/texts/004_ea1ad09170896d70.txt"], 0, "red_line"),
    ],
)
def test_audit_and_extract_run_without_any_gis_library(args, expected_rc, expected):
    run = subprocess.run(
        [sys.executable, "-c", _WITHOUT_GIS, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == expected_rc, run.stderr
    assert "Traceback" not in run.stderr
    assert expected in run.stdout
