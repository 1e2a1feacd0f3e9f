"""examples/demo.ipynb runs top to bottom (nbclient) and shows the map and the table."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "demo.ipynb"


@pytest.fixture
def venv_kernel(tmp_path, monkeypatch):
    """A "python3" kernelspec that runs this interpreter (the .venv), found first."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Python 3 (ecospace .venv)", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return "python3"


@pytest.mark.slow
def test_demo_notebook_runs(venv_kernel):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
    client = NotebookClient(
        nb,
        kernel_name=venv_kernel,
        timeout=600,
        resources={"metadata": {"path": str(ROOT / "examples")}},
    )
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    maps = [h for h in html if "leaflet" in h.lower() and "<iframe" in h]
    assert len(maps) == 1
    assert "cdn.jsdelivr.net" not in maps[0] and "code.jquery.com" not in maps[0]
    assert "生态保护红线" in maps[0] or "\\u751f\\u6001\\u4fdd\\u62a4\\u7ea2\\u7ebf" in maps[0]
    tables = [h for h in html if "<table" in h and "status" in h]
    assert tables, "the verification table is shown"
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "binding figures" in text
    assert nb.cells[-1].outputs[0]["text"].strip() == sys.executable  # the .venv kernel


def test_committed_notebook_shows_its_outputs_and_stays_small():
    """On GitHub the notebook shows the layer and verification tables without running."""
    assert NOTEBOOK.stat().st_size < 200_000  # the map's output (MB) is not stored
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    html = [
        o["data"]["text/html"] for c in code for o in c.outputs if "text/html" in o.get("data", {})
    ]
    assert any("YJJBNTBHTB" in h for h in html), "the layers table is stored"
    assert any("<table" in h and "status" in h for h in html), "the verification table is stored"
    (map_cell,) = [c for c in code if "make_map(" in c.source]
    assert map_cell.outputs == []
    assert str(ROOT) not in nbformat.writes(nb)  # no paths of the machine it ran on
