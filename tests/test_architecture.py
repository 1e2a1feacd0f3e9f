"""Data flows layers → area/overlap/stats → check → report/maps; never backwards."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ecospace"

#: Each public module's level; a private module (``_x.py``) sits at the level of the
#: public module it serves.  A module may import only modules of its own level or lower.
LEVELS = {
    # foundations
    "_errors": 0, "units": 0, "_text_table": 0, "_output": 0,
    # geometry and coordinate systems
    "area": 1, "crs": 1,
    # loading
    "_dbf": 2, "_roles": 2, "_sources": 2, "_inventory": 2, "validate": 2, "layers": 2,
    # measuring, and the plan model
    "_pairs": 3, "_conflicts": 3, "_raster": 3, "_land_cover": 3, "_stats_text": 3,
    "overlap": 3, "stats": 3, "_area_report": 3,
    "_plan_schema": 3, "plan": 3, "audit": 3, "extract": 3,
    # comparing
    "check": 4,
    # output
    "_report_labels": 5, "_report_cells": 5, "_report_html": 5, "_report_xlsx": 5, "report": 5,
    "_examples": 5,
    "_map_styles": 5, "_display": 5, "maps": 5, "annex": 5,
    "_conflict_table": 5, "_map_data": 5, "_annex_layout": 5,
    # wiring
    "cli": 6, "__init__": 6,
}  # fmt: skip

#: The one deliberate exception: a CheckResult renders itself (``r.to_excel(...)``,
#: ``_repr_html_`` in Jupyter), importing ``report`` inside those methods, at call time.
ALLOWED = {("check", "report")}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            for name in [node.module] if node.module else [a.name for a in node.names]:
                names.add(name.split(".")[0])
    return names - {"__version__"}


MODULES = sorted(p.stem for p in PACKAGE.glob("*.py"))


def test_every_module_has_a_level():
    assert set(MODULES) == set(LEVELS), "add new modules to LEVELS"


@pytest.mark.parametrize("module", MODULES)
def test_no_module_imports_a_downstream_one(module):
    wrong = {
        name
        for name in _imports(PACKAGE / f"{module}.py")
        if LEVELS[name] > LEVELS[module] and (module, name) not in ALLOWED
    }
    assert not wrong, f"ecospace/{module}.py imports downstream module(s) {sorted(wrong)}"
