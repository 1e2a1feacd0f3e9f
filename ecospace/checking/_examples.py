"""A tiny check result, for the docstring examples of :mod:`ecospace.report` (private).

Doctests in one module share no state across docstrings, so every example that needs a
:class:`~ecospace.checking.check.CheckResult` builds the same one here instead of repeating the
set-up.  Not for use outside examples.
"""

from __future__ import annotations

import geopandas as gpd
from shapely import box

from ecospace.checking.check import CheckResult, check
from ecospace.plan.model import validate_plan_data

#: South-west corner of the tiny county: EPSG:4529 (3° Gauss–Krüger zone 41), ~45° N.
X0, Y0 = 41_500_000.0, 5_000_000.0


def tiny_result() -> CheckResult:
    """A check of a two-figure plan on a 2-box county, for docstring examples.

    The county boundary is a 1000 m × 1000 m box (100 ha) and the red line its western
    300 m × 1000 m strip (30 ha), both in EPSG:4529 and measured with ``planar`` area, so
    every number is a hand calculation.  The plan 示例 states two binding figures:

    * ``red_share`` — red line share ``>= 30 %``: measured 30/100 = 30 % → ``pass``;
    * ``red_area`` — red line area ``>= 35 ha``: measured 30 ha → ``fail``.

    Examples
    --------
    >>> r = tiny_result()
    >>> r.figures[["id", "measured", "status"]].values.tolist()
    [['red_share', 30.0, 'pass'], ['red_area', 30.0, 'fail']]
    """
    plan = validate_plan_data(
        {
            "plan": "示例",
            "method": "planar",
            "figures": [
                {"id": "red_share", "measure": "share", "role": "red_line", "op": ">=",
                 "value": 30, "unit": "%", "binding": True},
                {"id": "red_area", "measure": "area", "role": "red_line", "op": ">=",
                 "value": 35, "unit": "ha", "binding": True},
            ],
        }
    )  # fmt: skip
    layers = {
        "boundary": gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000)], crs=4529),
        "red_line": gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 300, Y0 + 1000)], crs=4529),
    }
    return check(plan, layers=layers, progress=False)
