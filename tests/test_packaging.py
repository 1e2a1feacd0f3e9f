"""The conda environment and the pip metadata must list the same dependencies and bounds."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _split(requirement: str) -> tuple[str, str]:
    """('geopandas', '>=0.14') from 'geopandas>=0.14'; names normalised as pip does."""
    name, spec = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", requirement).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def _pip() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = meta["dependencies"] + meta["optional-dependencies"]["dev"]
    return dict(_split(r) for r in reqs)


def _conda() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    listed = [d for d in env["dependencies"] if isinstance(d, str)]
    listed += [p for d in env["dependencies"] if isinstance(d, dict) for p in d.get("pip", [])]
    deps = dict(_split(d) for d in listed)
    deps.pop("python")
    deps.pop("pip")  # conda's pip, for the packages conda-forge does not carry
    return deps


def test_environment_yml_lists_the_same_packages_as_pyproject():
    pip, conda = _pip(), _conda()
    assert set(conda) == set(pip), (
        f"only in environment.yml: {sorted(set(conda) - set(pip))}; "
        f"only in pyproject.toml: {sorted(set(pip) - set(conda))}"
    )


def test_environment_yml_has_the_same_version_bounds_as_pyproject():
    pip, conda = _pip(), _conda()
    differ = {n: (pip[n], conda[n]) for n in pip if n in conda and pip[n] != conda[n]}
    assert not differ, f"bounds differ (pyproject, environment.yml): {differ}"


def test_both_require_the_same_python():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda_python = next(d for d in env["dependencies"] if str(d).startswith("python"))
    assert _split(conda_python)[1] == meta["requires-python"]


def test_version_matches_metadata():
    import ecospace

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert ecospace.__version__ == meta["version"]
