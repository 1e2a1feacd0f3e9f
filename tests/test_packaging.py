"""The conda environment and the pip metadata must list the same dependencies."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ ;\[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_matches_pyproject():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pip_names = {_name(r) for r in meta["dependencies"]}
    pip_names |= {_name(r) for r in meta["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda_names = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python"}
    assert conda_names == pip_names, (
        f"only in environment.yml: {sorted(conda_names - pip_names)}; "
        f"only in pyproject.toml: {sorted(pip_names - conda_names)}"
    )


def test_version_matches_metadata():
    import ecospace

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert ecospace.__version__ == meta["version"]
