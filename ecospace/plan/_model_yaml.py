"""Plan files as YAML: a bounded loader that keeps numbers as written, and the dumper.

``97065.60`` is read as a float that remembers its text (its precision is 0.01) and
written back the same way; duplicate keys are refused and each mapping's line noted for
error messages; nesting and aliases are bounded (:mod:`ecospace._limits`).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import yaml

from ecospace._limits import (
    MAX_PLAN_BYTES,
    BoundedLoader,
    check_yaml_node,
    clip,
    refuse_special_file,
)
from ecospace.errors import PlanError

# --------------------------------------------------------------------------- YAML in


class _Float(float):
    """A float that remembers how it was written (``97065.60`` keeps its trailing zero)."""

    text: str

    def __new__(cls, value: float, text: str) -> _Float:
        obj = super().__new__(cls, value)
        obj.text = text
        return obj


class _Int(int):
    """An int that remembers how it was written."""

    text: str

    def __new__(cls, value: int, text: str) -> _Int:
        obj = super().__new__(cls, value)
        obj.text = text
        return obj


class _PlanLoader(BoundedLoader):
    """Bounded SafeLoader that keeps number literals, refuses duplicate keys and notes
    mapping lines; nesting and aliases are bounded (:mod:`ecospace._limits`)."""

    error = PlanError

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.mapping_lines: dict[int, int] = {}


def _construct_float(loader: _PlanLoader, node: yaml.ScalarNode) -> Any:
    return _Float(yaml.SafeLoader.construct_yaml_float(loader, node), node.value)


def _construct_int(loader: _PlanLoader, node: yaml.ScalarNode) -> Any:
    if len(node.value) > 400:  # int() of a huge literal is quadratic; no area needs 400 digits
        return _Float(math.inf, node.value)
    value = yaml.SafeLoader.construct_yaml_int(loader, node)
    return _Int(value, node.value)


def _construct_mapping(loader: _PlanLoader, node: yaml.MappingNode) -> dict:
    loader.flatten_mapping(node)
    out: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise PlanError(
                f"line {key_node.start_mark.line + 1}: key {clip(repr(key))} is given twice in one "
                "mapping"
            )
        out[key] = loader.construct_object(value_node, deep=True)
    loader.mapping_lines[id(out)] = node.start_mark.line + 1
    return out


_PlanLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_PlanLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_PlanLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _read_yaml(path: Path) -> tuple[Any, dict[int, int]]:
    refuse_special_file(path, "plan file", PlanError)
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # reading it below says why it cannot be read
    if size > MAX_PLAN_BYTES:
        raise PlanError(
            f"{path}: {size / 2**20:,.1f} MB is too large for a plan file (at most "
            f"{MAX_PLAN_BYTES / 2**20:g} MB); is this the plan's YAML? Keep the plan text apart "
            f"(source_text:)"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanError(f"plan file {str(path)!r} does not exist") from None
    except UnicodeDecodeError as exc:
        raise PlanError(
            f"{path}: not UTF-8 text (byte {exc.start}); save the plan file as UTF-8"
        ) from None
    except OSError as exc:
        raise PlanError(f"cannot read plan file {str(path)!r}: {exc.strerror}") from None
    loader = _PlanLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, loader.mapping_lines
        check_yaml_node(node, str(path), PlanError)
        data = loader.construct_document(node)
    except PlanError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise PlanError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise PlanError(f"{where}: not valid YAML: {problem}") from None
    finally:
        loader.dispose()
    return data, loader.mapping_lines


def _text(v: Any) -> str | None:
    return getattr(v, "text", None)


def _plain(v: Any) -> Any:
    """Strip the literal-keeping subclasses (so dataclasses hold plain floats and ints)."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, _Int):
        return int(v)
    if isinstance(v, _Float):
        return float(v)
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


# --------------------------------------------------------------------------- YAML out


class _PlanDumper(yaml.SafeDumper):
    """Block style for the document, flow style for short lists; numbers as written."""


def _represent_literal(dumper: _PlanDumper, data: _Float | _Int) -> yaml.ScalarNode:
    tag = "tag:yaml.org,2002:float" if isinstance(data, float) else "tag:yaml.org,2002:int"
    return dumper.represent_scalar(tag, data.text)


def _represent_list(dumper: _PlanDumper, data: list) -> yaml.SequenceNode:
    flow = all(isinstance(x, str | int | float) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_PlanDumper.add_representer(_Float, _represent_literal)
_PlanDumper.add_representer(_Int, _represent_literal)
_PlanDumper.add_representer(list, _represent_list)


def _number(value: float, text: str | None) -> Any:
    """The value, carrying its written text when that text still spells this value."""
    if text is not None:
        plain = text.replace("_", "")
        try:
            same = math.isclose(float(plain), value, rel_tol=1e-12)
        except ValueError:
            same = False
        if same:
            if re.fullmatch(r"[-+]?[0-9]+", plain):
                return _Int(int(plain), text)
            return _Float(value, text)
    if float(value).is_integer() and abs(value) < 1e15:
        return int(value)
    return float(value)
