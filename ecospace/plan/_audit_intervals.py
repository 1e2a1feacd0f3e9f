"""A figure as the interval its written precision allows: 30.73 stands for [30.725, 30.735].

Areas are compared in hectares, shares in their own unit; a comparison (``>= 46.43``)
allows a half-open interval.  Every rule of the plan audit compares intervals.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ecospace.plan.model import AREA_UNITS, Figure, Quantity
from ecospace.units import convert


def _interval_ha(q: Figure | Quantity) -> tuple[float, float, float]:
    """Value and half-precision interval of an area figure, in hectares."""
    v = convert(q.value, q.unit, "ha")
    h = convert(q.precision_value, q.unit, "ha") / 2
    return v, v - h, v + h


def _interval(f: Figure) -> tuple[float, float, float]:
    """Value and interval in a common unit: ha for areas, the figure's unit otherwise."""
    if f.unit in AREA_UNITS:
        return _interval_ha(f)
    h = f.precision_value / 2
    return f.value, f.value - h, f.value + h


def _admissible(f: Figure) -> tuple[float, float]:
    """Values the figure allows, at its precision: ``>= 46.43`` allows [46.425, ∞)."""
    _, lo, hi = _interval(f)
    if f.op in (">=", ">"):
        return lo, math.inf
    if f.op in ("<=", "<"):
        return -math.inf, hi
    return lo, hi


def _years_match(a: Figure, b: Figure) -> bool:
    return a.year is None or b.year is None or a.year == b.year


def _distinct(figs: Iterable[Figure]) -> list[Figure]:
    """The figures, each statement (value, comparison, precision, year) once."""
    seen: dict[tuple, Figure] = {}
    for f in figs:
        seen.setdefault((_interval(f)[0], f.op, f.precision_value, f.year), f)
    return list(seen.values())
