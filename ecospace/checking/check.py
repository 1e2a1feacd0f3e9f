"""Check a plan's figures against its layers: pass, fail or within the stated precision.

:func:`check` loads the layers a plan names, brings them to one working CRS, measures the
county once (:func:`ecospace.measuring.stats.measure_county`) and compares every figure the plan
states with what the layers show.  The answer is a :class:`CheckResult` whose tables are
DataFrames (:mod:`ecospace.checking.result`); it renders itself in Jupyter and writes its
outputs with :func:`ecospace.rendering.outputs.write_outputs`.  Each figure is measured in
:mod:`ecospace.checking._figures`.

Every measured figure says its method (the area formula), its unit and, for shares, its
denominator: the computed area of the boundary layer by default, the plan's stated total
(``total_area``) or its survey area (``survey_area``); the share under another
denominator (the boundary's, or the stated total when the shares divide by the boundary)
is always given beside it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ecospace.checking._figures import _cross_check, _figure_row, _Measurer
from ecospace.checking.result import CheckResult
from ecospace.errors import MethodError, PlanError
from ecospace.measuring.county import County
from ecospace.plan.audit import audit_plan
from ecospace.plan.model import load_plan
from ecospace.units import UNITS, convert
from ecospace.vocabulary import FIGURE_COLUMNS, METHODS

__all__ = ["FIGURE_COLUMNS", "CheckResult", "check"]

log = logging.getLogger("ecospace")

Denominator = Literal["boundary", "stated", "survey"]


# ----------------------------------------------------------------------------- the county


def _county(
    plan: Any,
    layers: Any,
    *,
    crs: Any = None,
    crss: Mapping[str, Any] | None = None,
    roles: Mapping[str, str | None] | None = None,
    **options: Any,
) -> County:
    """The County to measure: ``layers`` given (roles → layers, or sources), else the plan's.

    ``crs``, ``crss`` and ``roles`` (the command line's) go over the plan's own.
    """
    if isinstance(layers, Mapping):
        return County(layers, **options)
    if layers is None:
        if not (plan.layer_sources() if hasattr(plan, "layer_sources") else []):
            raise PlanError(
                f"{getattr(plan, 'path', None) or 'plan'}: no layers to check; add a 'layers:' "
                "list to the plan (PATH[:LAYER] with an optional role) or pass layers=..."
            )
        return County.from_plan(plan, crs=crs, crss=crss, roles=roles, **options)
    sources = [str(x) for x in ([layers] if isinstance(layers, (str, Path)) else layers)]
    aliases = dict(getattr(plan, "aliases", None) or {}) or None
    return County.open(sources, aliases=aliases, crs=crs, crss=crss, roles=roles, **options)


def _area_m2(q: Any) -> float:
    """A stated quantity (total or survey area) in m², NaN when absent or not an area."""
    if q is None or getattr(q, "unit", None) not in UNITS:
        return math.nan
    return float(convert(float(q.value), q.unit, "m2"))


def check(
    plan: Any,
    *,
    layers: Any = None,
    method: str | None = None,
    denominator: Denominator | None = None,
    progress: bool = True,
    crs: Any = None,
    crss: Mapping[str, Any] | None = None,
    roles: Mapping[str, str | None] | None = None,
    workers: int | None = None,
    client: Any = None,
) -> CheckResult:
    """Measure every figure of a plan on its layers and compare it with the stated value.

    Parameters
    ----------
    plan : Plan, str or Path
        A plan (:func:`ecospace.plan.load_plan`) or the path of its YAML file.
    layers : mapping or sequence, optional
        ``{role: Layer or GeoDataFrame}`` or layer specs ``PATH[:LAYER]``; by default the
        plan's ``layers:`` list (paths relative to the plan file).
    method : {"ellipsoid", "geodesic", "planar"}, optional
        Area method; default the plan's (``ellipsoid``, the official 椭球面积).
    denominator : {"boundary", "stated", "survey"}, optional
        What shares divide by: the computed area of the boundary layer, the plan's
        stated ``total_area`` or its ``survey_area``; default the plan's ``denominator``
        (``boundary``).  The share under another one is reported beside it.
    progress : bool, default True
        Log progress and timings at INFO level (the CLI's ``-q`` hides them).
    crs : CRS-like, optional
        For layers whose file has no CRS (or one their coordinates contradict); a plan's
        ``crs:`` of a layer wins for that layer.
    crss : mapping, optional
        Layer name (or ``PATH:LAYER``) -> that layer's CRS, over the plan's ``crs:``.
    roles : mapping, optional
        Layer name (or ``PATH:LAYER``) -> role, over the plan's roles (``None`` ignores).
    workers : int, optional
        Tiles measured at once on this machine; default every core (see :class:`County`).
    client : distributed.Client or str, optional
        Measure the county by tiles on this ``dask.distributed`` cluster (a Client or the
        scheduler's address); the figures are the same as one process's.

    Returns
    -------
    CheckResult

    Notes
    -----
    For a figure stated as :math:`v` with precision :math:`p` and a measured value
    :math:`m` (same unit), ``difference = m − v`` and ``difference_pct = (m − v)/|v| × 100``.
    Shares are :math:`100 \\cdot |\\bigcup A \\cap K| / D`, with :math:`K` the county
    boundary (a layer reaching beyond the county adds nothing to its share; without a
    boundary layer :math:`|\\bigcup A| / D`); areas are :math:`|\\bigcup A|`; ``outside`` is the
    area of the geometric difference :math:`|\\bigcup A \\setminus \\bigcup B|`
    (:meth:`~ecospace.measuring.county.County.outside_m2`); overlaps count an area once even
    where a layer overlaps itself.  The pass / fail / within-precision decision is
    :func:`ecospace.plan.compare`.

    Examples
    --------
    A red line covering 30 % of a 1 km × 1 km county (planar area in a Gauss–Krüger zone):

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from ecospace.plan import validate_plan_data
    >>> plan = validate_plan_data({"plan": "示例", "method": "planar", "figures": [
    ...     {"id": "red", "measure": "share", "role": "red_line", "op": ">=", "value": 30,
    ...      "unit": "%"}]})
    >>> x, y = 41_500_000, 5_000_000
    >>> layers = {
    ...     "boundary": gpd.GeoDataFrame(geometry=[box(x, y, x + 1000, y + 1000)], crs=4529),
    ...     "red_line": gpd.GeoDataFrame(geometry=[box(x, y, x + 300, y + 1000)], crs=4529)}
    >>> r = check(plan, layers=layers, progress=False)
    >>> r.figures[["id", "measured", "status"]].values.tolist()
    [['red', 30.0, 'pass']]
    >>> r.passed
    True
    """
    t0 = time.perf_counter()
    info = log.info if progress else log.debug
    if isinstance(plan, (str, Path)):
        plan = load_plan(plan)
    method = method or getattr(plan, "method", None) or "ellipsoid"
    if method not in METHODS:
        raise MethodError(f"unknown area method {method!r}; use one of {', '.join(METHODS)}")
    denominator = denominator or getattr(plan, "denominator", None) or "boundary"
    if denominator not in ("boundary", "stated", "survey"):
        raise PlanError(
            f"denominator {denominator!r} cannot be measured; use 'boundary' (computed area "
            "of the boundary layer), 'stated' (the plan's total_area) or 'survey' (its "
            "survey_area)"
        )
    where = getattr(plan, "path", None) or f"plan {getattr(plan, 'name', '')!r}"
    stated_m2 = _area_m2(getattr(plan, "total_area", None))
    survey_m2 = _area_m2(getattr(plan, "survey_area", None))
    if denominator == "stated" and math.isnan(stated_m2):
        raise PlanError(
            f"{where}: denominator 'stated' needs a total_area with an area unit in the plan; "
            "add one or use --denominator boundary"
        )
    if denominator == "survey" and math.isnan(survey_m2):
        raise PlanError(
            f"{where}: field 'survey_area' is missing, and denominator 'survey' needs it; add "
            "survey_area: {value, unit, quote, line, source} to the plan or use "
            "--denominator boundary"
        )

    t = time.perf_counter()
    county = _county(
        plan,
        layers,
        crs=crs,
        crss=crss,
        roles=roles,
        method=method,
        denominator_m2={"stated": stated_m2, "survey": survey_m2}.get(denominator),
        denominator_source=denominator,
        classes=getattr(plan, "land_cover_classes", None) or None,
        name=getattr(plan, "name", None),
        workers=workers,
        client=client,
        progress=progress and log.isEnabledFor(logging.INFO),
    )
    work = county.working
    info("loaded %d layers (%s) in %.1f s", len(work), ", ".join(work), time.perf_counter() - t)

    t = time.perf_counter()
    info("measuring %d layers (%s area)…", len(work), method)
    figures_ = county.figures
    info(
        "measured coverage, overlaps, containment and townships in %.1f s", time.perf_counter() - t
    )
    cov = figures_.coverage
    hit = cov[cov["role"] == "boundary"]["union_m2"]
    boundary_m2 = float(hit.iloc[0]) if len(hit) else math.nan
    if denominator == "boundary" and math.isnan(boundary_m2):
        if math.isnan(stated_m2):
            log.warning("no boundary layer and no stated total: shares cannot be measured")
        else:
            log.warning("no boundary layer: shares use the plan's stated total area instead")
            denominator = "stated"
    den_m2 = {"boundary": boundary_m2, "stated": stated_m2, "survey": survey_m2}[denominator]
    alt_m2 = stated_m2 if denominator == "boundary" else boundary_m2

    t = time.perf_counter()
    figures = list(getattr(plan, "figures", None) or [])
    m = _Measurer(county, den_m2=den_m2, alt_m2=alt_m2)
    rows = [_figure_row(f, m, method=method, denominator=denominator) for f in figures]
    _cross_check(rows, figures, m, denominator)
    frame = pd.DataFrame(rows, columns=list(FIGURE_COLUMNS))
    info("compared %d figures in %.1f s", len(rows), time.perf_counter() - t)

    findings = list(audit_plan(plan))
    result = CheckResult(
        plan=plan,
        figures=frame,
        county=county,
        audit=findings,
        layers=county.inventory,
        method=method,
        denominator=denominator,
        denominator_m2=den_m2,
        boundary_m2=boundary_m2,
        stated_total_m2=stated_m2,
        survey_area_m2=survey_m2,
        frames=work,
        elapsed_s=time.perf_counter() - t0,
    )
    s = result.summary()
    info(
        "checked %d figures in %.1f s: %d pass, %d within precision, %d fail, %d not measured",
        len(frame),
        result.elapsed_s,
        s["pass"],
        s["within precision"],
        s["fail"],
        s["not measured"],
    )
    return result
