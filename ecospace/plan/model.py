"""The plan file: what a plan promises, as figures ecospace can audit and check.

A plan file is YAML (UTF-8), one file per plan.  It names the plan, its region and
stated total area, where the layers come from, and a list of *figures*: each one a
number the plan states about one quantity (the red line's area, the share of forest
cover …) with the comparison the plan makes (不低于 → ``>=``), its unit, year, whether it
is binding (约束性) and the quote and line it came from::

    plan: 五常市生态文明建设示范区规划（2024—2030年）
    region: {name: 五常市, code: "230184"}
    total_area: {value: 7512, unit: km2, quote: 辖区总面积为7512平方公里, line: 61}
    figures:
      - id: red_line_area
        measure: area
        role: red_line
        op: ">="
        value: 230423.56
        unit: ha
        year: 2025
        binding: true
        quote: 确保生态红线面积不低于230423.56公顷
        line: 504

Numbers keep the text they were written with: ``97065.60`` is stated to 0.01 ha, ``7512``
to 1 km².  That *stated precision* decides when a measurement counts as meeting the
figure (:func:`compare`).

Shares divide by the ``denominator`` the plan names: ``boundary`` (the computed area of
the boundary layer, the default), ``stated`` (``total_area``) or ``survey`` — the
area of a land survey, given as ``survey_area`` with the same keys as ``total_area``
plus ``source``::

    survey_area: {value: 749833, unit: ha, source: 第三次全国国土调查, line: 3}
    denominator: survey
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from ecospace._layer_spec import is_database, split_spec
from ecospace._limits import (
    MAX_PLAN_BYTES,
    BoundedLoader,
    check_yaml_node,
    clip,
    refuse_special_file,
)
from ecospace._output import write_text
from ecospace.errors import PlanError
from ecospace.plan._schema import (
    _FIGURE_KEYS,
    AREA_UNITS,
    CLASS_SET_NAMES,
    DENOMINATORS,
    MEASURES,
    METHODS,
    OP_ALIASES,
    OPS,
    PLAN_SCHEMA,
    PLAN_UNITS,
    ROLES,
    Status,
    _check_schema,
    _check_semantics,
    _Problems,
    normalize_op,
    normalize_plan_unit,
)

#: a PostGIS source in a plan's ``layers:`` (as :func:`ecospace._postgis.is_database`)

__all__ = [
    "AREA_UNITS",
    "CLASS_SET_NAMES",
    "DENOMINATORS",
    "MEASURES",
    "METHODS",
    "OPS",
    "OP_ALIASES",
    "PLAN_SCHEMA",
    "PLAN_UNITS",
    "ROLES",
    "Figure",
    "LayerSpec",
    "Plan",
    "Quantity",
    "compare",
    "dump_plan",
    "load_plan",
    "normalize_op",
    "normalize_plan_unit",
    "plan_schema_json",
    "plan_to_dict",
    "precision_of",
    "validate_plan_data",
]


def precision_of(text: str | float | int) -> float:
    """One unit in the last written decimal of a number: the precision it was stated to.

    Parameters
    ----------
    text : str, float or int
        The number as written (``"97065.60"``); a float is taken at its shortest repr,
        which drops trailing zeros (a whole float such as ``30.0`` counts as ``30``), so
        pass the text when it matters.  Plans read from YAML keep the written text.

    Examples
    --------
    >>> precision_of("30.73"), precision_of("7512"), precision_of("97065.60")
    (0.01, 1.0, 0.01)
    >>> precision_of("1.5e+3"), precision_of(30), precision_of(30.0), precision_of(30.5)
    (100.0, 1.0, 1.0, 0.1)
    """
    if isinstance(text, float) and text.is_integer() and abs(text) < 1e15:
        text = int(text)  # a Python float has no written text: 30.0 is the number 30
    s = str(text).strip().replace("_", "")
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise PlanError(f"{text!r} is not a number") from None
    if not d.is_finite():
        raise PlanError(f"{text!r} is not a finite number")
    exponent = d.as_tuple().exponent
    return float(Decimal(1).scaleb(exponent))


def compare(op: str, stated: float, measured: float, precision: float) -> Status:
    """Compare a measured value with a plan's figure at the figure's stated precision.

    Parameters
    ----------
    op : {">=", "<=", "=", ">", "<"} (or a spelling :func:`normalize_op` accepts)
        The plan's comparison: the measured value should be ``op`` the stated value.
    stated, measured : float
        Both in the figure's unit.
    precision : float
        One unit of the last decimal the plan wrote (0.01 for 30.73 %).

    Returns
    -------
    {"pass", "fail", "within precision"}
        ``pass`` when the comparison holds exactly (for ``=``: when the measurement rounds
        to the stated value); ``within precision`` when it fails but the measurement is
        within half a precision step of the stated value — written to the plan's precision
        it would read as the stated figure; ``fail`` otherwise.

    Notes
    -----
    With tolerance :math:`t = p/2`, writing :math:`m` for measured and :math:`s` for stated:
    ``>=`` passes when :math:`m \\ge s`, is within precision when :math:`s - t \\le m < s`;
    ``>`` passes when :math:`m > s`, is within precision when :math:`s - t \\le m \\le s`;
    ``=`` passes when :math:`|m - s| \\le t`.  A relative allowance of 1e-9 absorbs
    binary floating-point noise (30.73 − 30.725 is 0.0050000000000026 in floats).

    Examples
    --------
    >>> compare(">=", 30.73, 30.725, 0.01), compare(">=", 30.73, 30.72, 0.01)
    ('within precision', 'fail')
    >>> compare("不低于", 230423.56, 230500.0, 0.01)
    'pass'
    """
    op = normalize_op(op)
    if not (precision > 0 and math.isfinite(precision)):
        raise PlanError(f"precision must be a positive number, got {precision!r}")
    m, s = float(measured), float(stated)
    if not math.isfinite(m):
        raise PlanError(f"measured value must be finite, got {measured!r}")
    tol = precision / 2 + 1e-9 * max(abs(s), abs(m), precision)
    near = abs(m - s) <= tol
    if op == "=":
        return "pass" if near else "fail"
    holds = {">=": m >= s, "<=": m <= s, ">": m > s, "<": m < s}[op]
    if holds:
        return "pass"
    return "within precision" if near else "fail"


@dataclass
class Quantity:
    """A stated quantity: the region's total area, or its survey area.

    ``value_text`` keeps the number as written (``"7512"``) so its precision is known;
    ``source`` names where a survey area comes from (第三次全国国土调查…).
    """

    value: float
    unit: str
    quote: str | None = None
    line: int | None = None
    precision: float | None = None
    value_text: str | None = None
    source: str | None = None

    @property
    def precision_value(self) -> float:
        """The explicit precision, else one unit in the last written decimal."""
        if self.precision is not None:
            return float(self.precision)
        return precision_of(self.value_text if self.value_text is not None else self.value)


@dataclass
class LayerSpec:
    """Where one layer comes from: ``PATH[:LAYER]`` relative to the plan file, and its role.

    ``crs`` (``"EPSG:4551"``) overrides the CRS the layer's file states or lacks;
    ``encoding`` (``"GBK"``) the text encoding of a shapefile's attributes.
    """

    path: str
    role: str | None = None
    crs: str | None = None
    encoding: str | None = None


@dataclass
class Figure:
    """One figure of a plan: a number stated about one measurable quantity.

    Fields are the keys of a figure in the plan file; ``value_text`` keeps the number as
    written and is not a key of its own.
    """

    id: str
    measure: str
    op: str
    value: float
    unit: str
    label: str | None = None
    role: str | None = None
    roles: list[str] | None = None
    within: str | None = None
    classes: str | list[str] | None = None
    precision: float | None = None
    year: int | None = None
    binding: bool | None = None
    quote: str | None = None
    line: int | None = None
    note: str | None = None
    value_text: str | None = None

    @property
    def precision_value(self) -> float:
        """The explicit precision, else one unit in the last written decimal of the value.

        Examples
        --------
        >>> Figure("f", "share", ">=", 30.73, "%", role="red_line").precision_value
        0.01
        >>> g = Figure("g", "area", ">=", 97065.6, "ha", role="red_line", value_text="97065.60")
        >>> g.precision_value
        0.01
        """
        if self.precision is not None:
            return float(self.precision)
        return precision_of(self.value_text if self.value_text is not None else self.value)

    @property
    def is_share(self) -> bool:
        """True when the figure is a share of the total area (unit ``%`` of share/land_cover)."""
        return self.measure in ("share", "land_cover") and self.unit == "%"

    @property
    def is_area(self) -> bool:
        """True when the figure is an area of one role or land-cover class set."""
        return self.measure in ("area", "land_cover") and self.unit in AREA_UNITS

    @property
    def subject(self) -> str | None:
        """What the figure is about, for matching area and share figures of one quantity.

        ``red_line`` for a role; ``classes:forest`` for a land-cover class set; None for
        overlaps, containment, counts and stated figures.
        """
        if self.measure in ("area", "share") and self.role:
            return self.role
        if self.measure in ("land_cover", "share") and self.classes is not None:
            c = self.classes
            return "classes:" + (c if isinstance(c, str) else ",".join(sorted(c)))
        return None

    def compare(self, measured: float) -> Status:
        """Compare a measured value (in this figure's unit) with this figure (:func:`compare`)."""
        return compare(self.op, self.value, measured, self.precision_value)


@dataclass
class Plan:
    """A plan file, loaded and checked (:func:`load_plan`)."""

    name: str
    figures: list[Figure]
    region: str | None = None
    code: str | None = None
    total_area: Quantity | None = None
    survey_area: Quantity | None = None
    source_text: str | None = None
    denominator: str = "boundary"
    method: str = "ellipsoid"
    layers: list[LayerSpec] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    land_cover_classes: dict[str, list[str]] = field(default_factory=dict)
    path: Path | None = None

    def figure(self, figure_id: str) -> Figure:
        """The figure with this id (PlanError naming the ids there are, otherwise)."""
        for f in self.figures:
            if f.id == figure_id:
                return f
        ids = ", ".join(f.id for f in self.figures)
        raise PlanError(f"{self._where()}: no figure {figure_id!r}; the figures are {ids}")

    def resolve(self, relative: str | os.PathLike) -> Path:
        """A path written in the plan file, resolved against the folder holding the plan."""
        p = Path(relative)
        if p.is_absolute() or self.path is None:
            return p
        return (Path(self.path).parent / p).resolve()

    def layer_options(self) -> dict[str, dict[str, str]]:
        """``PATH[:LAYER]`` (resolved) -> the ``crs`` and ``encoding`` the plan gives it.

        Examples
        --------
        >>> Plan("p", [], layers=[LayerSpec("a.shp", crs="EPSG:4551")]).layer_options()
        {'a.shp': {'crs': 'EPSG:4551'}}
        """
        out = {}
        for (src, _), spec in zip(self.layer_sources(), self.layers, strict=True):
            given = {k: getattr(spec, k) for k in ("crs", "encoding") if getattr(spec, k)}
            if given:
                out[src] = given
        return out

    def layer_sources(self) -> list[tuple[str, str | None]]:
        """``(PATH[:LAYER], role)`` of each layer, the path resolved against the plan file.

        A PostGIS source (``postgresql://…``, ``PG:…``) is passed on as written.
        """
        out = []
        for spec in self.layers:
            if is_database(spec.path):  # postgresql://… or PG:…: not a file path
                out.append((spec.path, spec.role))
                continue
            path, layer = split_spec(spec.path, exists=self._exists, guess=True)
            resolved = str(self.resolve(path))
            out.append((f"{resolved}:{layer}" if layer else resolved, spec.role))
        return out

    def _exists(self, path: str) -> bool:
        return self.resolve(path).exists()

    def _where(self) -> str:
        return str(self.path) if self.path is not None else f"plan {self.name!r}"


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


def _quantity(q: dict | None) -> Quantity | None:
    if not q:
        return None
    return Quantity(
        value=float(q["value"]),
        unit=normalize_plan_unit(q["unit"]),
        quote=q.get("quote"),
        line=int(q["line"]) if "line" in q else None,
        precision=float(q["precision"]) if "precision" in q else None,
        value_text=_text(q["value"]),
        source=q.get("source"),
    )


def _build(data: dict, path: Path | None) -> Plan:
    figures = []
    for fig in data["figures"]:
        kw = {k: _plain(fig[k]) for k in _FIGURE_KEYS if k in fig}
        kw["op"] = normalize_op(kw["op"])
        kw["unit"] = normalize_plan_unit(kw["unit"])
        kw["value"] = float(kw["value"])
        kw["value_text"] = _text(fig["value"])
        if "precision" in kw:
            kw["precision"] = float(kw["precision"])
        for key in ("year", "line"):  # JSON Schema's integer admits 2025.0
            if key in kw:
                kw[key] = int(kw[key])
        if isinstance(kw.get("classes"), list):
            kw["classes"] = [str(c) for c in kw["classes"]]
        figures.append(Figure(**kw))
    region = data.get("region") or {}
    return Plan(
        name=data["plan"],
        figures=figures,
        region=region.get("name"),
        code=region.get("code"),
        total_area=_quantity(data.get("total_area")),
        survey_area=_quantity(data.get("survey_area")),
        source_text=data.get("source_text"),
        denominator=data.get("denominator", "boundary"),
        method=data.get("method", "ellipsoid"),
        layers=[
            LayerSpec(
                s["path"],
                s.get("role"),
                None if s.get("crs") is None else f"EPSG:{str(s['crs']).split(':')[-1]}",
                s.get("encoding"),
            )
            for s in data.get("layers") or []
        ],
        aliases=dict(data.get("aliases") or {}),
        land_cover_classes={k: list(v) for k, v in (data.get("land_cover_classes") or {}).items()},
        path=path,
    )


def validate_plan_data(data: Any, *, source: str | os.PathLike = "<plan>", lines=None) -> Plan:
    """Check a plan already parsed into Python objects and build the :class:`Plan`.

    Every problem is reported in one :class:`PlanError` naming the source, the figure
    (by id and position) and the field.

    Examples
    --------
    >>> fig = {"id": "rl", "measure": "share", "role": "red_line", "op": "不低于",
    ...        "value": 30.7, "unit": "%"}
    >>> plan = validate_plan_data({"plan": "示例", "figures": [fig]})
    >>> plan.name, plan.figures[0].op, plan.denominator
    ('示例', '>=', 'boundary')
    >>> validate_plan_data({"plan": "示例", "figures": [{**fig, "op": "about"}]})
    Traceback (most recent call last):
    ...
    ecospace.errors.PlanError: 1 problem in plan file <plan>:
      <plan>: figure 'rl' (#1) field 'op': got 'about'; allowed: >=, <=, =, >, < ...
    """
    problems = _Problems(source, data, lines or {})
    _check_schema(data, problems)
    if not problems.items:
        _check_semantics(data, problems)
    problems.raise_if_any()
    return _build(data, Path(source) if source != "<plan>" else None)


def load_plan(path: str | os.PathLike) -> Plan:
    """Read a plan file, check it against :data:`PLAN_SCHEMA` and the role/unit rules.

    Parameters
    ----------
    path : str or path-like
        The YAML plan file (UTF-8).

    Returns
    -------
    Plan
        With ``path`` set, units and comparisons canonical (``不低于`` → ``>=``, ``公顷`` →
        ``ha``) and each number's written text kept for its precision.

    Raises
    ------
    PlanError
        Naming the file, the line, the figure (id and position) and the field of every
        problem, echoing the bad value and what is allowed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "p.yaml"
    >>> _ = p.write_text("plan: 示例\\nfigures:\\n  - {id: rl, measure: share, role: red_line,"
    ...                  " op: 不低于, value: 30.70, unit: '%'}\\n", encoding="utf-8")
    >>> f = load_plan(p).figures[0]
    >>> f.op, f.value, f.precision_value
    ('>=', 30.7, 0.01)
    """
    path = Path(path)
    data, lines = _read_yaml(path)
    return validate_plan_data(data, source=path, lines=lines)


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


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan as the mapping a plan file holds (keys in the documented order).

    Examples
    --------
    >>> p = Plan("示例", [Figure("rl", "area", ">=", 97065.6, "ha", role="red_line",
    ...                          value_text="97065.60")])
    >>> d = plan_to_dict(p)
    >>> d["plan"], d["denominator"], d["method"]
    ('示例', 'boundary', 'ellipsoid')
    >>> d["figures"]
    [{'id': 'rl', 'measure': 'area', 'role': 'red_line', 'op': '>=', 'value': 97065.6,
      'unit': 'ha'}]
    """
    out: dict[str, Any] = {"plan": plan.name}
    if plan.region or plan.code:
        out["region"] = {"name": plan.region or ""}
        if plan.code:
            out["region"]["code"] = plan.code
    for key in ("total_area", "survey_area"):
        t = getattr(plan, key)
        if t is not None:
            out[key] = {"value": _number(t.value, t.value_text), "unit": t.unit}
            for k in ("precision", "quote", "line", "source"):
                if getattr(t, k) is not None:
                    out[key][k] = getattr(t, k)
    if plan.source_text:
        out["source_text"] = plan.source_text
    out["denominator"] = plan.denominator
    out["method"] = plan.method
    if plan.layers:
        out["layers"] = [
            {"path": s.path}
            | {k: getattr(s, k) for k in ("role", "crs", "encoding") if getattr(s, k)}
            for s in plan.layers
        ]
    if plan.aliases:
        out["aliases"] = dict(plan.aliases)
    if plan.land_cover_classes:
        out["land_cover_classes"] = {k: list(v) for k, v in plan.land_cover_classes.items()}
    figs = []
    for f in plan.figures:
        d: dict[str, Any] = {}
        for k in _FIGURE_KEYS:
            v = getattr(f, k)
            if v is None:
                continue
            d[k] = _number(f.value, f.value_text) if k == "value" else v
        figs.append(d)
    out["figures"] = figs
    return out


def dump_plan(plan: Plan, path: str | os.PathLike | None = None) -> str:
    """Write a plan file (UTF-8 YAML, Chinese as is, keys in order, numbers as written).

    Parameters
    ----------
    plan : Plan
    path : str or path-like, optional
        Where to write; the text is returned either way.

    Examples
    --------
    >>> p = Plan("示例", [Figure("rl", "area", ">=", 97065.6, "ha", role="red_line",
    ...                          value_text="97065.60")])
    >>> "value: 97065.60" in dump_plan(p)
    True
    """
    text = yaml.dump(
        plan_to_dict(plan),
        Dumper=_PlanDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
    )
    if path is not None:
        write_text(path, text, overwrite=True)  # a temporary file, renamed when complete
    return text


def plan_schema_json() -> str:
    """:data:`PLAN_SCHEMA` as the text of ``ecospace/schemas/plan.schema.json``.

    Examples
    --------
    >>> import json
    >>> schema = json.loads(plan_schema_json())
    >>> schema["title"], schema["required"]
    ('ecospace plan file', ['plan', 'figures'])
    """
    return json.dumps(PLAN_SCHEMA, ensure_ascii=False, indent=2) + "\n"
