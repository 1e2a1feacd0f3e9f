"""Vocabulary and JSON Schema of plan files, and the checks that turn mistakes into messages.

Private helper of :mod:`ecospace.plan`, which re-exports the public names.  Every problem
of a plan file is collected and reported together, each naming the file, the line, the
figure (id and position) and the field, echoing the bad value and saying what is allowed.
"""

from __future__ import annotations

import codecs
import math
import reprlib
from pathlib import Path
from typing import Any, Literal

from ecospace._limits import clip
from ecospace.errors import PlanError, UnitError
from ecospace.units import normalize_unit
from ecospace.vocabulary import (
    AREA_UNITS,
    CLASS_SETS,
    DENOMINATORS,
    FIGURE_ONLY_ROLES,
    MEASURES,
    METHODS,
    OPS,
    ROLES,
)

Op = Literal[">=", "<=", "=", ">", "<"]
Status = Literal["pass", "fail", "within precision"]

#: What a figure measures.  ``stated`` marks a figure no layer can measure (an expansion
#: ratio, a wetland protection rate): it is kept for the audit and reported as not measured.
#: Every spelling of a comparison accepted in a plan file, with its canonical operator.
OP_ALIASES: dict[str, str] = {
    ">=": ">=", "≥": ">=", "≧": ">=", "不低于": ">=", "不少于": ">=", "不小于": ">=",
    "<=": "<=", "≤": "<=", "≦": "<=", "不高于": "<=", "不超过": "<=", "不大于": "<=",
    "=": "=", "==": "=", "＝": "=",
    ">": ">", "＞": ">", "高于": ">", "超过": ">", "大于": ">",
    "<": "<", "＜": "<", "低于": "<", "少于": "<", "小于": "<",
}  # fmt: skip
#: Land-cover class sets a plan may name (codes in ecospace.measuring.stats.CLASS_SETS).
CLASS_SET_NAMES: tuple[str, ...] = tuple(CLASS_SETS)
#: Units of a figure: the area units, ``%`` (share of the total), ``count`` (features)
#: and ``ratio`` (a dimensionless multiple such as 扩展倍数 1.21倍; ``stated`` figures only).
PLAN_UNITS: tuple[str, ...] = (*AREA_UNITS, "%", "count", "ratio")
_OTHER_UNIT_ALIASES = {"%": "%", "％": "%", "percent": "%", "count": "count", "个": "count",
                       "处": "count", "ratio": "ratio", "倍": "ratio"}  # fmt: skip
_MEASURE_UNITS: dict[str, tuple[str, ...]] = {
    "area": AREA_UNITS,
    "overlap": AREA_UNITS,
    "outside": AREA_UNITS,
    "share": ("%",),
    "land_cover": (*AREA_UNITS, "%"),
    "count": ("count",),
    "stated": PLAN_UNITS,
}
_FIGURE_KEYS = ("id", "label", "measure", "role", "roles", "within", "classes", "op", "value",
                "unit", "precision", "year", "binding", "quote", "line", "note")  # fmt: skip
_ID_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$"

_quantity_schema: dict[str, Any] = {
    "type": "object",
    "required": ["value", "unit"],
    "additionalProperties": False,
    "properties": {
        "value": {"type": "number", "exclusiveMinimum": 0},
        "unit": {"type": "string"},
        "precision": {"type": "number", "exclusiveMinimum": 0},
        "quote": {"type": "string"},
        "line": {"type": "integer", "minimum": 1},
    },
}

#: JSON Schema (draft 2020-12) of a plan file; also in ``ecospace/schemas/plan.schema.json``.
#: Units and roles are checked after the schema (with messages listing what is allowed).
PLAN_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://ecospace.invalid/schemas/plan.schema.json",
    "title": "ecospace plan file",
    "description": "The figures a spatial plan states, with their source lines.",
    "type": "object",
    "required": ["plan", "figures"],
    "additionalProperties": False,
    "properties": {
        "plan": {"type": "string", "minLength": 1, "description": "the plan's title"},
        "region": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "code": {"type": "string", "pattern": r"^[0-9]{6,12}$"},
            },
        },
        "total_area": {**_quantity_schema, "description": "the region's total area as stated"},
        "survey_area": {
            **_quantity_schema,
            "properties": {
                **_quantity_schema["properties"],
                "source": {"type": "string", "description": "the survey it comes from"},
            },
            "description": "the region's area from a land survey (e.g. 第三次全国国土调查), "
            "the denominator of `denominator: survey`",
        },
        "source_text": {"type": "string", "description": "plan text, relative to this file"},
        "denominator": {"enum": list(DENOMINATORS), "default": "boundary"},
        "method": {"enum": list(METHODS), "default": "ellipsoid"},
        "layers": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path"],
                "additionalProperties": False,
                "properties": {
                    "path": {"type": "string", "minLength": 1, "description": "PATH[:LAYER]"},
                    "role": {"type": "string"},
                    "crs": {
                        "type": ["string", "integer"],
                        "pattern": r"^(EPSG|epsg):[0-9]{4,5}$",
                        "description": "the layer's CRS, EPSG:xxxx; overrides its file's",
                    },
                    "encoding": {
                        "type": "string",
                        "description": "text encoding of a shapefile's attributes (GBK, UTF-8)",
                    },
                },
            },
        },
        "aliases": {"type": "object", "additionalProperties": {"type": "string"}},
        "land_cover_classes": {
            "type": "object",
            "additionalProperties": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "pattern": r"^[0-9]{2,4}[A-Za-z]?$"},
            },
        },
        "figures": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "measure", "op", "value", "unit"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": _ID_PATTERN},
                    "label": {"type": "string"},
                    "measure": {"enum": list(MEASURES)},
                    "role": {"type": "string"},
                    "roles": {
                        "type": "array",
                        "items": {"type": "string"},
                        "minItems": 2,
                        "maxItems": 2,
                    },
                    "within": {"type": "string"},
                    "classes": {
                        "oneOf": [
                            {"type": "string", "minLength": 1},
                            {
                                "type": "array",
                                "minItems": 1,
                                "items": {"type": "string", "pattern": r"^[0-9]{2,4}[A-Za-z]?$"},
                            },
                        ]
                    },
                    "op": {"enum": list(OP_ALIASES)},
                    "value": {"type": "number", "minimum": 0},
                    "unit": {"type": "string"},
                    "precision": {"type": "number", "exclusiveMinimum": 0},
                    "year": {"type": "integer", "minimum": 1949, "maximum": 2100},
                    "binding": {"type": "boolean"},
                    "quote": {"type": "string"},
                    "line": {"type": "integer", "minimum": 1},
                    "note": {"type": "string"},
                },
            },
        },
    },
}


def normalize_op(op: str) -> str:
    """Return the canonical comparison (``>=``, ``<=``, ``=``, ``>``, ``<``) for a spelling.

    Examples
    --------
    >>> normalize_op("不低于"), normalize_op("≤"), normalize_op(">")
    ('>=', '<=', '>')
    """
    try:
        return OP_ALIASES[str(op).strip()]
    except KeyError:
        raise PlanError(
            f"unknown comparison {op!r}; use one of {', '.join(OPS)} "
            "(or ≥ ≤ 不低于 不少于 不超过 不高于)"
        ) from None


def normalize_plan_unit(unit: str) -> str:
    """Canonical unit of a figure: an area unit, ``%``, ``count`` or ``ratio``.

    Examples
    --------
    >>> normalize_plan_unit("万亩"), normalize_plan_unit("％"), normalize_plan_unit("倍")
    ('wanmu', '%', 'ratio')
    """
    key = str(unit).strip()
    if key.lower() in _OTHER_UNIT_ALIASES:
        return _OTHER_UNIT_ALIASES[key.lower()]
    try:
        return normalize_unit(key)
    except UnitError:
        raise UnitError(
            f"unknown unit {unit!r}; use one of {', '.join(PLAN_UNITS)} "
            "(or 平方米, 公顷, 平方公里, 亩, 万亩, 倍)"
        ) from None


#: Problems of one plan file listed in its error message (the count says how many there are).
MAX_PROBLEMS_SHOWN = 50


class _Problems:
    """Collects every problem of one plan file, then raises them together."""

    def __init__(self, path: Path | str, data: Any, lines: dict[int, int]) -> None:
        self.path, self.data, self.lines, self.items = path, data, lines, []

    def where(self, loc: list) -> str:
        """'FILE:LINE: figure 'id' (#n) field 'op'' for a location in the document."""
        figs = self.data.get("figures") if isinstance(self.data, dict) else None
        line, parts = None, []
        if len(loc) >= 2 and loc[0] == "figures" and isinstance(loc[1], int) and figs:
            fig = figs[loc[1]] if loc[1] < len(figs) else None
            fid = fig.get("id") if isinstance(fig, dict) else None
            name = (
                f"figure {fid!r} (#{loc[1] + 1})"
                if isinstance(fid, str)
                else f"figure #{loc[1] + 1}"
            )
            parts.append(name)
            line = self.lines.get(id(fig))
            rest = loc[2:]
        else:
            rest = loc
            if loc and isinstance(self.data, dict) and isinstance(self.data.get(loc[0]), dict):
                line = self.lines.get(id(self.data[loc[0]]))
        if rest:
            parts.append("field " + repr(".".join(str(r) for r in rest)))
        head = f"{self.path}:{line}" if line else str(self.path)
        return head + (": " + " ".join(parts) if parts else "")

    def add(self, loc: list, message: str) -> None:
        self.items.append(f"{self.where(loc)}: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            n = len(self.items)
            head = f"{n} problem{'s' if n > 1 else ''} in plan file {self.path}:\n  "
            shown = self.items[:MAX_PROBLEMS_SHOWN]
            if n > MAX_PROBLEMS_SHOWN:
                shown.append(f"… and {n - MAX_PROBLEMS_SHOWN:,} more")
            raise PlanError(head + "\n  ".join(shown))


#: JSON Schema type names as a person editing YAML calls them.
_JSON_TYPE_NAMES = {"object": "mapping", "array": "list"}


def yaml_type(v: Any) -> str:
    """The YAML name of a parsed value's type: mapping, list, string, integer, number…

    Examples
    --------
    >>> yaml_type(5), yaml_type(5.0), yaml_type("5"), yaml_type([5]), yaml_type({}), yaml_type(None)
    ('integer', 'number', 'string', 'list', 'mapping', 'null')
    """
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    for kind, name in ((int, "integer"), (float, "number"), (str, "string"), (list, "list"),
                       (dict, "mapping")):  # fmt: skip
        if isinstance(v, kind):
            return name
    return type(v).__name__


#: repr that never builds more than a few dozen characters of a large value
_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlevel, _SHORT_REPR.maxlist, _SHORT_REPR.maxdict = 3, 6, 6
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = _SHORT_REPR.maxlong = 80


def _shown(v: Any) -> str:
    """A value as the plan file wrote it (``.nan``, ``97065.60``), else its repr; clipped
    to a few dozen characters (a 50 MB value is not copied into the message)."""
    text = getattr(v, "text", None)
    return clip(text) if text else _SHORT_REPR.repr(v)


def _too_large(v: Any) -> bool:
    if isinstance(v, bool) or not isinstance(v, int):
        return False
    try:
        float(v)
    except OverflowError:
        return True
    return False


def _non_finite(data: Any, loc: list) -> list[tuple[list, Any]]:
    """(location, value) of every NaN or infinite number, or integer too large for a float,
    in a parsed document."""
    if (isinstance(data, float) and not math.isfinite(data)) or _too_large(data):
        return [(loc, data)]
    if isinstance(data, dict):
        return [hit for k, v in data.items() for hit in _non_finite(v, [*loc, k])]
    if isinstance(data, list):
        return [hit for i, v in enumerate(data) for hit in _non_finite(v, [*loc, i])]
    return []


def _schema_message(err: Any) -> str:
    """A jsonschema error rewritten for a person editing YAML."""
    v = err.instance
    shown = _shown(v)
    if err.validator == "enum" and list(err.validator_value) == list(OP_ALIASES):
        return f"got {shown}; allowed: {', '.join(OPS)} (or ≥ ≤ 不低于 不少于 不超过 不高于)"
    if err.validator == "enum":
        return f"got {shown}; allowed: {', '.join(map(str, err.validator_value))}"
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        return f"missing required field {missing!r}"
    if err.validator == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        extra = sorted(set(v) - set(allowed)) if isinstance(v, dict) else []
        return f"unknown field(s) {', '.join(map(repr, extra))}; allowed: {', '.join(allowed)}"
    if err.validator == "type":
        expected = err.validator_value
        expected = [expected] if isinstance(expected, str) else list(expected)
        names = " or ".join(_JSON_TYPE_NAMES.get(t, t) for t in expected)
        return f"got {shown} ({yaml_type(v)}); expected {names}"
    if err.validator in ("minimum", "exclusiveMinimum", "maximum"):
        bound = {"minimum": "≥", "exclusiveMinimum": ">", "maximum": "≤"}[err.validator]
        return f"got {shown}; must be {bound} {err.validator_value}"
    if err.validator == "pattern":
        return f"got {shown}; must match {err.validator_value}"
    if err.validator in ("minItems", "maxItems"):
        return f"got {shown}; {err.message.split(' is ')[-1]}"
    if err.validator == "oneOf":
        return f"got {shown}; expected a class-set name or a list of land-use codes"
    return f"got {shown}; {err.message}"


def _check_schema(data: Any, problems: _Problems) -> None:
    import jsonschema

    if not isinstance(data, dict):
        problems.add([], f"expected a mapping with 'plan' and 'figures', got {yaml_type(data)}")
        return
    validator = jsonschema.Draft202012Validator(PLAN_SCHEMA)
    reported = set()
    for err in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.path]):
        loc = list(err.absolute_path)
        if err.validator == "required" and "'" in err.message:
            loc = [*loc, err.message.split("'")[1]]
        reported.add(tuple(loc))
        problems.add(loc, clip(_schema_message(err), 400))
    # JSON Schema's "number" admits NaN and infinity (YAML .nan, .inf); a plan figure may not
    for loc, v in _non_finite(data, []):
        if tuple(loc) not in reported:
            problems.add(loc, f"got {_shown(v)}; must be a finite number (at most ~1.8e308)")


def _check_role(role: Any, loc: list, problems: _Problems, *, figure: bool = False) -> None:
    """A layer takes one of ROLES; a figure may also name a figure-only role (marine red line)."""
    if figure and role in FIGURE_ONLY_ROLES:
        return
    if role in FIGURE_ONLY_ROLES:
        problems.add(loc, f"role {role!r} names no layer: land layers cannot carry it")
    elif role not in ROLES:
        extra = f" (figures also: {', '.join(FIGURE_ONLY_ROLES)})" if figure else ""
        problems.add(loc, f"unknown role {role!r}; roles are {', '.join(ROLES)}{extra}")


def _check_semantics(data: dict, problems: _Problems) -> None:
    class_sets = set(CLASS_SET_NAMES) | set(data.get("land_cover_classes") or {})
    for i, spec in enumerate(data.get("layers") or []):
        if not isinstance(spec, dict):
            continue  # the schema reported it
        if spec.get("role") is not None:
            _check_role(spec["role"], ["layers", i, "role"], problems)
        if isinstance(spec.get("encoding"), str):
            try:
                codecs.lookup(spec["encoding"])
            except LookupError:
                problems.add(
                    ["layers", i, "encoding"],
                    f"unknown encoding {spec['encoding']!r}; use GBK (CP936), GB18030 or UTF-8",
                )
    for name, role in (data.get("aliases") or {}).items():
        _check_role(role, ["aliases", name], problems)
    total = data.get("total_area")
    for key, what in (("total_area", "the total area"), ("survey_area", "the survey area")):
        q = data.get(key)
        if isinstance(q, dict) and "unit" in q:
            try:
                if normalize_plan_unit(q["unit"]) not in AREA_UNITS:
                    raise UnitError("")
            except UnitError:
                problems.add(
                    [key, "unit"],
                    f"got {q['unit']!r}; {what} needs an area unit: " + ", ".join(AREA_UNITS),
                )
    if data.get("denominator") == "stated" and not total:
        problems.add(["denominator"], "'stated' needs a total_area in the plan file")
    if data.get("denominator") == "survey" and not data.get("survey_area"):
        problems.add(
            ["denominator"],
            "'survey' needs a survey_area in the plan file "
            "(survey_area: {value, unit, quote, line, source})",
        )

    seen: dict[str, int] = {}
    for i, fig in enumerate(data.get("figures") or []):
        if not isinstance(fig, dict):
            continue
        loc = ["figures", i]
        fid = fig.get("id")
        if isinstance(fid, str):
            if fid in seen:
                problems.add([*loc, "id"], f"id {fid!r} is already used by figure #{seen[fid] + 1}")
            seen.setdefault(fid, i)
        measure = fig.get("measure")
        if measure not in MEASURES:
            continue  # the schema reported it
        need = {
            "area": ["role"],
            "count": ["role"],
            "overlap": ["roles"],
            "outside": ["role", "within"],
            "land_cover": ["classes"],
        }.get(measure, [])
        for key in need:
            if key not in fig:
                problems.add([*loc, key], f"measure {measure!r} needs {key!r}")
        if measure == "share" and "role" not in fig and "classes" not in fig:
            problems.add([*loc, "role"], "measure 'share' needs 'role' or 'classes'")
        allowed_keys = {
            "area": {"role"},
            "count": {"role"},
            "overlap": {"roles"},
            "outside": {"role", "within"},
            "land_cover": {"classes"},
            "share": {"role", "classes"},
            "stated": {"role", "classes"},
        }[measure]
        for key in ("role", "roles", "within", "classes"):
            if key in fig and key not in allowed_keys:
                problems.add([*loc, key], f"{key!r} does not apply to measure {measure!r}")
        if measure == "share" and "role" in fig and "classes" in fig:
            problems.add([*loc, "classes"], "give either 'role' or 'classes', not both")
        for key in ("role", "within"):
            if isinstance(fig.get(key), str):
                _check_role(fig[key], [*loc, key], problems, figure=True)
        if isinstance(fig.get("roles"), list):
            for j, r in enumerate(fig["roles"]):
                _check_role(r, [*loc, "roles", j], problems, figure=True)
            if len(set(map(str, fig["roles"]))) == 1 and len(fig["roles"]) == 2:
                problems.add([*loc, "roles"], "an overlap needs two different roles")
        classes = fig.get("classes")
        if isinstance(classes, str) and classes not in class_sets:
            problems.add(
                [*loc, "classes"],
                f"unknown class set {classes!r}; use one of {', '.join(sorted(class_sets))}, "
                "define it under land_cover_classes, or list land-use codes",
            )
        if isinstance(fig.get("unit"), str):
            try:
                unit = normalize_plan_unit(fig["unit"])
            except UnitError as exc:
                problems.add([*loc, "unit"], str(exc))
            else:
                if unit not in _MEASURE_UNITS[measure]:
                    problems.add(
                        [*loc, "unit"],
                        f"got {fig['unit']!r}; measure {measure!r} takes "
                        f"{', '.join(_MEASURE_UNITS[measure])}",
                    )
