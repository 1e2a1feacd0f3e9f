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

The dataclasses live in :mod:`ecospace.plan._model_figures`, the YAML loader and dumper
in :mod:`ecospace.plan._model_yaml`; every public name is importable from here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from ecospace._output import write_text
from ecospace.plan._model_figures import (
    Figure,
    LayerSpec,
    Plan,
    Quantity,
    compare,
    precision_of,
)
from ecospace.plan._model_yaml import _number, _plain, _PlanDumper, _read_yaml, _text
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
    _check_schema,
    _check_semantics,
    _Problems,
    normalize_op,
    normalize_plan_unit,
)

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
