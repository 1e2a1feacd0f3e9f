"""How a measured figure becomes a verdict, beyond :func:`ecospace.plan.compare`.

Private helper of :mod:`ecospace.check`.  Two rules live here:

- **Zero-overlap rules of the three control lines** (生态保护红线, 永久基本农田, 城镇开发边界
  must not overlap, "不交叉、不重叠、不冲突"): a figure ``overlap … <= 0`` or ``= 0`` is judged
  at the overlap tolerance of the overlap table (``OVERLAP_TOLERANCE_M2``,
  0.01 ha), whatever digits the plan wrote — ``value: 0`` would otherwise be read as "stated
  to 1 ha" and pass a 0.10 ha overlap that the overlap table of the same report calls
  violated.
- **Method-dependent verdicts**: the official 2008 series and the geodesic area differ on
  long edges (0.11 ha on a county's red line).  A figure whose verdict lies that close to
  its decision boundary is measured again by the other method (the same County figures,
  :func:`ecospace.checking._figures._cross_check`); when the verdict changes, the figure
  is flagged ``method_dependent``.
"""

from __future__ import annotations

import math
from typing import Any

from ecospace.measuring.overlap import OVERLAP_TOLERANCE_M2
from ecospace.units import UNITS, convert
from ecospace.vocabulary import CONTROL_LINES

__all__ = [
    "METHOD_SCREEN_REL",
    "needs_cross_check",
    "other_method",
    "verdict_margin",
    "zero_overlap_rule",
    "zero_overlap_status",
]

#: A figure is measured again by the other area method when its measurement lies within
#: this fraction of itself (plus 1 m²) of a verdict boundary.  The two methods differ far
#: less: ~1e-9 of an area on short edges, ~1e-6 on 5 km edges.
METHOD_SCREEN_REL = 1e-3


def other_method(method: str | None) -> str | None:
    """The area method a verdict is cross-checked with: geodesic for the official series
    and the official series for geodesic; None for planar area (asked for explicitly, in
    one projection) and for counts.

    Examples
    --------
    >>> other_method("ellipsoid"), other_method("geodesic"), other_method("planar")
    ('geodesic', 'ellipsoid', None)
    """
    return {"ellipsoid": "geodesic", "geodesic": "ellipsoid"}.get(method or "")


def zero_overlap_rule(measure: str | None, roles: Any, op: str, value: float) -> bool:
    """True for "two of the three control lines overlap on nothing" (``<= 0`` or ``= 0``).

    Examples
    --------
    >>> zero_overlap_rule("overlap", ["urban_boundary", "red_line"], "=", 0)
    True
    >>> zero_overlap_rule("overlap", ["protected_area", "red_line"], "=", 0)
    False
    >>> zero_overlap_rule("overlap", ["urban_boundary", "red_line"], "<=", 5)
    False
    """
    if measure != "overlap" or op not in ("=", "<=") or value != 0:
        return False
    roles = list(roles or ())
    return len(roles) == 2 and all(r in CONTROL_LINES for r in roles) and roles[0] != roles[1]


def zero_overlap_status(m2: float, unit: str) -> tuple[str, float]:
    """(status, precision in ``unit``) of a zero-overlap rule measured as ``m2`` m².

    The rule is violated from :data:`~ecospace.measuring.overlap.OVERLAP_TOLERANCE_M2` (100 m²,
    0.01 ha) on, exactly as the overlap table decides ``violated``.

    Examples
    --------
    >>> zero_overlap_status(99.0, "ha"), zero_overlap_status(1000.0, "ha")
    (('pass', 0.01), ('fail', 0.01))
    """
    precision = float(convert(OVERLAP_TOLERANCE_M2, "m2", unit)) if unit in UNITS else math.nan
    return ("pass" if m2 < OVERLAP_TOLERANCE_M2 else "fail"), precision


def verdict_margin(op: str, stated: float, measured: float, precision: float) -> float:
    """Distance from ``measured`` to the nearest value where the verdict changes.

    The verdicts of :func:`ecospace.plan.compare` change (``p`` the precision) at
    ``stated − p/2`` and ``stated`` for ``>=``/``>``, at ``stated`` and ``stated + p/2``
    for ``<=``/``<``, at ``stated ± p/2`` for ``=``.

    Examples
    --------
    >>> verdict_margin(">=", 30.73, 30.80, 0.01)
    0.07
    >>> round(verdict_margin("=", 100.0, 100.2, 1.0), 6)
    0.3
    """
    t = precision / 2
    edges = {"=": (stated - t, stated + t), ">=": (stated - t, stated), ">": (stated - t, stated)}
    edges = edges.get(op, (stated, stated + t))  # <= and <
    return round(min(abs(measured - e) for e in edges), 12)


def needs_cross_check(margin: float, measured: float, one_m2: float) -> bool:
    """Whether a verdict is close enough to its boundary to be measured by the other method.

    ``one_m2`` is one square metre in the figure's unit (for a share: in per cent of the
    denominator).

    Examples
    --------
    >>> needs_cross_check(0.07, 30.8, 1e-4), needs_cross_check(0.01, 30.8, 1e-4)
    (False, True)
    """
    return margin <= METHOD_SCREEN_REL * abs(measured) + one_m2
