"""scripts/install-system-deps.sh: the one script `make test` and `.ci/run` call.

Run with a PATH that holds only the few commands the script uses, so every package looks
missing and there is no apt-get: it must stop with one `Error:` line naming the packages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "install-system-deps.sh"


def _bare_path(tmp_path: Path) -> str:
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for tool in ("bash", "id", "ls", "mktemp", "tail", "rm", "env"):
        os.symlink(shutil.which(tool), bin_ / tool)
    # a python3 without the venv module, as on a bare Debian
    (bin_ / "python3").write_text("#!/bin/sh\nexit 1\n")
    (bin_ / "python3").chmod(0o755)
    return str(bin_)


def test_cannot_install_is_one_error_line_with_exit_2(tmp_path):
    run = subprocess.run(
        ["bash", str(SCRIPT)],
        env={"PATH": _bare_path(tmp_path)},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 2
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("Error: the tests need these Debian packages: make python3-venv")
    assert "no apt-get on this machine" in lines[0]
    assert "install them with 'sudo apt-get install make python3-venv chromium" in lines[0]


def test_venv_only_asks_for_what_make_demo_needs(tmp_path):
    run = subprocess.run(
        ["bash", str(SCRIPT), "--venv-only"],
        env={"PATH": _bare_path(tmp_path)},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 2
    assert "packages: make python3-venv (" in run.stderr
    assert "chromium" not in run.stderr


def test_nothing_missing_prints_nothing():
    # this machine ran the script before the tests (make test): everything is present
    run = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")
