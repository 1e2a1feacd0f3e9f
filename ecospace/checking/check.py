"""Check a plan's figures against its layers: pass, fail or within the stated precision.

:func:`check` loads the layers a plan names, brings them to one working CRS, measures the
county once (:func:`ecospace.measuring.stats.measure_county`) and compares every figure the plan
states with what the layers show.  The answer is a :class:`CheckResult` whose tables are
DataFrames; it renders itself in Jupyter and writes the reports of :mod:`ecospace.report`.

Every measured figure says its method (the area formula), its unit and, for shares, its
denominator: the computed area of the boundary layer by default, the plan's stated total
(``total_area``) or its survey area (``survey_area``); the share under another
denominator (the boundary's, or the stated total when the shares divide by the boundary)
is always given beside it.
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ecospace.checking import _verdicts
from ecospace.errors import MethodError, PlanError, RoleError
from ecospace.measuring.county import County
from ecospace.plan.audit import audit_plan
from ecospace.plan.model import compare, load_plan, precision_of
from ecospace.rendering.report import (
    repr_html,
    summary,
    to_dict,
    to_excel,
    to_html,
    to_json,
    to_markdown,
    to_table,
    write_reports,
)
from ecospace.units import UNITS, convert
from ecospace.vocabulary import FIGURE_COLUMNS, FIGURE_ONLY_ROLES, METHODS, ROLE_LABELS

__all__ = ["FIGURE_COLUMNS", "CheckResult", "check"]

log = logging.getLogger("ecospace")

Denominator = Literal["boundary", "stated", "survey"]


@dataclass
class CheckResult:
    """What :func:`check` found: one row per plan figure plus the county's tables.

    Attributes
    ----------
    plan : Plan
        The plan checked.
    figures : DataFrame
        One row per figure (columns :data:`FIGURE_COLUMNS`): ``stated`` and ``measured``
        in the figure's unit, ``difference = measured − stated`` in that unit,
        ``difference_pct`` relative to the stated value, ``status`` one of ``pass``,
        ``fail``, ``within precision``, ``not measured`` (``reason`` says why),
        ``denominator`` (``boundary``/``stated``/``survey``, shares only) with
        ``denominator_m2``, and ``measured_alt``, the share under the other denominator
        (the boundary's area, or for ``boundary`` the stated total).
        ``method_dependent`` is True when the verdict changes with the area method:
        a figure whose measurement lies close to a verdict boundary is measured again by
        ``method_other`` (geodesic for the official series and the reverse; planar area
        is not cross-checked)
        into ``measured_other_method`` and ``status_other_method`` (NaN/None when it is
        too far from the boundary to flip).  A zero-overlap rule of the three control
        lines is judged at the overlap tolerance, 0.01 ha (its ``precision``).
    county : CountyFigures or None
        Coverage, overlaps, containment, townships, land cover and conflicts.
    audit : list of Finding
        The plan's own inconsistencies (:func:`ecospace.plan.audit.audit_plan`).
    layers : DataFrame
        Inventory of the layers used: role, source, layer, features, CRS and how it was found.
    method : str
        Area method.
    denominator : {"boundary", "stated", "survey"}
        Which area shares were divided by.
    denominator_m2, boundary_m2, stated_total_m2, survey_area_m2 : float
        That area, the computed boundary area, the plan's stated total and its survey
        area (NaN if absent).

    Examples
    --------
    A red line of 30 ha in a 100 ha county, against a plan stating ``>= 30 %`` and
    ``>= 35 ha`` (both binding):

    >>> from ecospace.checking._examples import tiny_result
    >>> r = tiny_result()
    >>> r.passed
    False
    >>> r.figures[["id", "status"]]
              id status
    0  red_share   pass
    1   red_area   fail
    >>> r.failed["id"].tolist(), float(r.boundary_m2)
    (['red_area'], 1000000.0)
    """

    plan: Any
    figures: pd.DataFrame
    county: Any = None
    audit: list = field(default_factory=list)
    layers: pd.DataFrame = field(default_factory=pd.DataFrame)
    method: str = "ellipsoid"
    denominator: str = "boundary"
    denominator_m2: float = math.nan
    boundary_m2: float = math.nan
    stated_total_m2: float = math.nan
    survey_area_m2: float = math.nan
    created: str = field(default_factory=lambda: _dt.datetime.now().isoformat(timespec="seconds"))
    elapsed_s: float = 0.0
    map_path: Path | None = None
    frames: dict = field(default_factory=dict, repr=False)

    @property
    def passed(self) -> bool:
        """True when every binding figure passes or is within the stated precision.

        A binding figure that could not be measured (its layer is missing) counts as not
        passed; figures with ``measure: stated`` and figures of a role no layer carries
        (the marine red line) are left out: no layer can measure them.
        """
        f = self.figures
        if not len(f):
            return True
        # figures the plan states but no layer can measure (measure: stated) do not count
        unmeasurable = (f["measure"] == "stated") | f["roles"].isin(FIGURE_ONLY_ROLES)
        binding = f["binding"].astype(bool) & ~unmeasurable
        return bool(f.loc[binding, "status"].isin(["pass", "within precision"]).all())

    @property
    def failed(self) -> pd.DataFrame:
        """The figures that fail or could not be measured."""
        return self.figures[self.figures["status"].isin(["fail", "not measured"])]

    def summary(self) -> dict[str, int]:
        """Number of figures per status, plus ``binding_failed``."""
        return summary(self)

    def to_table(self, lang: Literal["zh", "en"] = "zh") -> str:
        """The verification table as aligned plain text (see ``rendering.report.to_table``)."""
        return to_table(self, lang)

    def to_markdown(self, lang: Literal["zh", "en"] = "zh") -> str:
        """The whole report as Markdown."""
        return to_markdown(self, lang)

    def to_html(self, lang: Literal["zh", "en"] = "zh", **kwargs: Any) -> str:
        """A self-contained HTML report (see :func:`ecospace.rendering.report.to_html`)."""
        return to_html(self, lang, **kwargs)

    def to_excel(self, path: str | Path, lang: Literal["zh", "en"] = "zh") -> Path:
        """Write an Excel workbook, one sheet per section."""
        return to_excel(self, path, lang)

    def to_json(self, path: str | Path | None = None) -> str:
        """The report as JSON (``report.schema.json``); written to ``path`` when given."""
        return to_json(self, path)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain Python data (the JSON layout)."""
        return to_dict(self)

    def write(
        self, out_dir: str | Path, *, lang: Literal["zh", "en"] = "zh", overwrite: bool = False
    ) -> dict[str, Path]:
        """Write report.md, report.html, report.xlsx and report.json into ``out_dir``."""
        return write_reports(self, out_dir, lang=lang, overwrite=overwrite, map_path=self.map_path)

    def _repr_html_(self) -> str:
        return repr_html(self)

    def __str__(self) -> str:
        return self.to_table()

    def __repr__(self) -> str:
        s = self.summary()
        name = getattr(self.plan, "name", "")
        return (
            f"<CheckResult {name!r}: {len(self.figures)} figures, {s['pass']} pass, "
            f"{s['within precision']} within precision, {s['fail']} fail, "
            f"{s['not measured']} not measured; passed={self.passed}>"
        )


# ----------------------------------------------------------------------------- measuring


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
