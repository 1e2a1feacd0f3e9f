"""The folders are the stages, in the order data flows; nothing imports against that order.

``ecospace/`` holds the foundation modules (errors, vocabulary, units …) and one folder per
stage.  A module may import modules of its own stage or of stages before it — the order is
the list of folders below, not a table of modules — and the import graph has no cycles.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ecospace"

#: The stage folders in import order; modules directly in ecospace/ come first.  Data flows
#: loading → measuring → checking → rendering.  Rendering holds formatters and drawers that
#: take what they draw duck-typed and never import the objects they render; those objects
#: import their formatters (a County draws itself with ``county.explore()``, a check result
#: renders itself in Jupyter), as xarray's Dataset imports its HTML formatting.  So in import
#: order rendering comes right after loading.
STAGES = ["plan", "geometry", "loading", "rendering", "measuring", "checking", "cli"]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _stage(module: str) -> int:
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and parts[1] in STAGES):
        return STAGES.index(parts[1]) + 1
    return 0  # the foundation: errors, vocabulary, units, text tables, output files


def _runtime_nodes(tree: ast.AST):
    """Every node, inside functions too, except under ``if TYPE_CHECKING:`` (type hints only)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            continue
        yield node
        yield from _runtime_nodes(node)


def _imports(module: str) -> set[str]:
    """ecospace modules imported anywhere in ``module`` (inside functions too)."""
    found = set()
    for node in _runtime_nodes(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ecospace"):
            names = [f"{node.module}.{a.name}" for a in node.names]
            found |= {n for n in names if n in MODULES} or {node.module}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("ecospace")}
    return {m for m in found if m in MODULES} - {module}


def test_every_folder_is_a_stage():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == set(STAGES)


def test_no_relative_imports():
    """Absolute imports name the stage of what is imported, so the direction is visible."""
    relative = [
        m
        for m, p in MODULES.items()
        if any(
            isinstance(n, ast.ImportFrom) and n.level for n in ast.walk(ast.parse(p.read_text()))
        )
    ]
    assert not relative


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "ecospace"))
def test_no_module_imports_a_later_stage(module):
    later = sorted(m for m in _imports(module) if _stage(m) > _stage(module))
    assert not later, f"{module} (stage {_stage(module)}) imports later stage(s): {later}"


def test_no_import_cycles():
    graph = {m: _imports(m) - {"ecospace"} for m in MODULES if m != "ecospace"}
    # a stage package's __init__ re-exports its modules: it is not part of their cycle
    for m in graph:
        graph[m] = {n for n in graph[m] if not (n in graph and MODULES[n].name == "__init__")}
    seen: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        seen[m] = 1
        stack.append(m)
        for n in sorted(graph.get(m, ())):
            if seen.get(n) == 1:
                raise AssertionError("import cycle: " + " → ".join([*stack[stack.index(n) :], n]))
            if n not in seen:
                visit(n)
        stack.pop()
        seen[m] = 2

    for m in sorted(graph):
        if m not in seen:
            visit(m)


def test_no_module_over_500_lines():
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text().splitlines())) > 500}
    assert not long, f"split these by concern: {long}"
