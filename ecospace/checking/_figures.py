"""A plan figure measured on the County: its quantity, its row of the result, its verdict.

Private helper of :mod:`ecospace.checking.check`.  :class:`_Measurer` turns a figure into
its quantity in m² (from the County's figures, computed once) and then into the figure's
unit; :func:`_figure_row` makes the row of ``CheckResult.figures``; :func:`_cross_check`
measures figures near a verdict boundary by the other area method.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from ecospace.checking import _verdicts
from ecospace.errors import PlanError, RoleError
from ecospace.measuring.county import County
from ecospace.plan.model import compare, precision_of
from ecospace.units import UNITS, convert
from ecospace.vocabulary import FIGURE_ONLY_ROLES, ROLE_LABELS

log = logging.getLogger("ecospace")


class _Missing(Exception):
    """A figure cannot be measured; the message says why (in the report's 说明 column)."""


def _val(fig: Any, name: str, default: Any = None) -> Any:
    v = getattr(fig, name, default)
    return default if v is None else v


def _roles_of(fig: Any) -> list[str]:
    measure = _val(fig, "measure")
    if measure == "overlap":
        roles = list(_val(fig, "roles", ()) or ())
        if len(roles) != 2:
            raise PlanError(f"figure {fig.id!r}: an overlap needs two roles, got {roles!r}")
        return roles
    if measure == "outside":
        return [_val(fig, "role"), _val(fig, "within")]
    if measure == "land_cover":
        return [_val(fig, "role", "land_use")]
    return [_val(fig, "role")]


def _roles_text(fig: Any) -> str:
    measure = _val(fig, "measure")
    try:
        roles = _roles_of(fig)
    except PlanError:
        return ""
    if measure == "overlap":
        return " ∩ ".join(roles)
    if measure == "outside":
        return " ⊄ ".join(str(r) for r in roles)
    return str(roles[0] or "")


class _Measurer:
    """A figure's quantity from the county's figures, in m² and then in the figure's unit."""

    def __init__(self, county: County, *, den_m2: float, alt_m2: float) -> None:
        self.county = county
        self.den_m2 = den_m2
        self.alt_m2 = alt_m2

    def _quantity(self, measure: str, roles: list[str], fig: Any) -> float:
        c = self.county
        if measure == "share" or (measure == "area" and _val(fig, "unit") == "%"):
            return c.inside_m2(roles[0])
        if measure == "area":
            return c.union_m2(roles[0])
        if measure == "overlap":
            return c.overlap_m2(*roles)
        if measure == "outside":
            return c.outside_m2(*roles)
        if measure == "land_cover":
            classes = _val(fig, "classes")
            if not classes:
                raise _Missing("no land-cover classes given")
            if isinstance(classes, str) and classes not in c.classes and not classes.isdigit():
                raise _Missing(
                    f"unknown land-cover class set {classes!r}; "
                    f"known: {', '.join(sorted(c.classes))}"
                )
            return c.land_cover_m2(classes)
        if measure == "count":
            return float(c.count(roles[0]))
        if measure == "stated":
            raise _Missing("stated only: no layer measures this figure")
        raise PlanError(
            f"figure {fig.id!r}: unknown measure {measure!r}; use area, share, overlap, "
            "outside, land_cover or count"
        )

    def area_m2(self, fig: Any) -> float:
        """The figure's quantity in m² (or a count for ``measure: count``)."""
        measure = _val(fig, "measure")
        roles = _roles_of(fig)
        at_sea = [r for r in roles if r in FIGURE_ONLY_ROLES]
        if at_sea and measure != "stated":
            raise _Missing(
                f"{at_sea[0]} ({ROLE_LABELS[at_sea[0]]['zh']}): not measurable from the layers; "
                "it lies at sea, outside a county's land layers"
            )
        try:
            return self._quantity(measure, roles, fig)
        except RoleError as exc:  # a layer the figure needs is missing
            raise _Missing(str(exc)) from None

    def in_unit(self, fig: Any, m2: float) -> tuple[float, float]:
        """(measured, measured under the other denominator) in the figure's unit."""
        unit = _val(fig, "unit")
        if _val(fig, "measure") == "count" or unit == "count":
            return m2, math.nan
        if unit == "%":
            if not self.den_m2 or math.isnan(self.den_m2):
                raise _Missing("no denominator: no boundary layer and no stated area")
            alt = (
                m2 / self.alt_m2 * 100 if self.alt_m2 and not math.isnan(self.alt_m2) else math.nan
            )
            return m2 / self.den_m2 * 100, alt
        if unit not in UNITS:
            raise _Missing(f"unit {unit!r} is not an area unit, %, or count")
        if _val(fig, "measure") == "share":
            raise _Missing(f"a share must be stated in %, not {unit!r}")
        return float(convert(m2, "m2", unit)), math.nan


def _precision(fig: Any) -> float:
    p = getattr(fig, "precision_value", None)
    if p is not None:
        return float(p)
    return precision_of(fig.precision if fig.precision is not None else repr(float(fig.value)))


def _figure_row(fig: Any, m: _Measurer, *, method: str, denominator: str) -> dict[str, Any]:
    unit = _val(fig, "unit")
    share = unit == "%"
    row: dict[str, Any] = {
        "id": str(fig.id),
        "label": _val(fig, "label", str(fig.id)),
        "measure": _val(fig, "measure"),
        "roles": _roles_text(fig),
        "op": _val(fig, "op", "="),
        "stated": float(fig.value) if fig.value is not None else math.nan,
        "unit": unit,
        "precision": math.nan,
        "measured": math.nan,
        "difference": math.nan,
        "difference_pct": math.nan,
        "status": "not measured",
        "binding": bool(_val(fig, "binding", True)),
        "method": None if _val(fig, "measure") == "count" else method,
        "method_dependent": False,
        "denominator": denominator if share else None,
        "denominator_m2": m.den_m2 if share else math.nan,
        "measured_alt": math.nan,
        "measured_m2": math.nan,
        "method_other": None,
        "measured_other_method": math.nan,
        "status_other_method": None,
        "reason": None,
        "year": _val(fig, "year"),
        "quote": _val(fig, "quote"),
        "line": _val(fig, "line"),
    }
    precision = _precision(fig)
    row["precision"] = precision
    try:
        m2 = m.area_m2(fig)
        measured, alt = m.in_unit(fig, m2)
    except _Missing as exc:
        row["reason"] = str(exc)
        return row
    row["measured_m2"] = m2 if _val(fig, "measure") != "count" else math.nan
    row["measured"], row["measured_alt"] = measured, alt
    stated = row["stated"]
    row["difference"] = measured - stated
    row["difference_pct"] = (measured - stated) / abs(stated) * 100 if stated else math.nan
    row["status"], row["precision"] = _status(fig, row["op"], stated, measured, m2, precision)
    return row


def _status(fig: Any, op: str, stated: float, measured: float, m2: float, precision: float):
    """(status, precision) of a measurement: the plan's precision, or for a zero-overlap
    rule of the three control lines the overlap tolerance."""
    if _verdicts.zero_overlap_rule(_val(fig, "measure"), _val(fig, "roles"), op, stated):
        return _verdicts.zero_overlap_status(m2, _val(fig, "unit"))
    return compare(op, stated, measured, precision), precision


def _in_unit_or_zero(m2: float, unit: str) -> float:
    return float(convert(m2, "m2", unit)) if unit in UNITS else 0.0


def _cross_check(rows: list[dict], figures: list, m: _Measurer, den_source: str) -> None:
    """Measure figures near a verdict boundary by the other area method; flag the flips."""
    county = m.county
    alt = _verdicts.other_method(county.method)
    if alt is None:
        return
    todo = []
    for row, fig in zip(rows, figures, strict=True):
        if row["status"] == "not measured" or row["method"] is None:
            continue
        m2, measured = row["measured_m2"], row["measured"]
        # one m² in the figure's unit (for a share: in % of the denominator)
        one_m2 = abs(measured / m2) if m2 else _in_unit_or_zero(1.0, row["unit"])
        op, stated = row["op"], row["stated"]
        if _verdicts.zero_overlap_rule(row["measure"], _val(fig, "roles"), op, stated):
            margin = abs(measured - row["precision"])  # violated from the tolerance on
        else:
            margin = _verdicts.verdict_margin(op, stated, measured, row["precision"])
        if _verdicts.needs_cross_check(margin, measured, one_m2):
            todo.append((row, fig))
    if not todo:
        return
    log.info("%d figure(s) near their verdict boundary: measuring them by %s area too",
             len(todo), alt)  # fmt: skip
    work = county.working
    den = m.den_m2
    if den_source == "boundary" and "boundary" in work:
        den = _verdicts.quantity_m2(work, "area", ["boundary"], method=alt)
    other = _Measurer(county, den_m2=den, alt_m2=math.nan)
    for row, fig in todo:
        measure = _val(fig, "measure")
        if measure == "area" and _val(fig, "unit") == "%":
            measure = "share"
        try:
            m2 = _verdicts.quantity_m2(
                work, measure, _roles_of(fig), method=alt, classes=_val(fig, "classes"),
                class_sets=county.classes,
            )  # fmt: skip
            measured, _ = other.in_unit(fig, m2)
        except (_Missing, RoleError):
            continue
        status, _ = _status(fig, row["op"], row["stated"], measured, m2, row["precision"])
        row["method_other"] = alt
        row["measured_other_method"] = measured
        row["status_other_method"] = status
        row["method_dependent"] = status != row["status"]
