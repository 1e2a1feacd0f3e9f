"""Audit a plan's own figures against each other, before any layer is opened.

A plan states an area, its share of the total and the total; often the three disagree
(DOMAIN.md §4).  :func:`audit_plan` finds

``share_mismatch``
    area ÷ stated total differs from the stated share at the share's precision;
``implied_total``
    the total area the shares imply (area ÷ share) agrees between the figures but not
    with the stated total — the plan divided by another area (a survey area);
``implied_totals_disagree``
    the shares imply totals that cannot all be the same;
``implied_total_is_survey``, ``survey_mismatch``
    when the plan file gives a ``survey_area``: the total the shares imply is (a note)
    or is not (an error) that survey area;
``restated``, ``contradictory``, ``weaker_target``, ``restated_coarser``
    one quantity stated twice (same role or class set, same year or no year) with values
    that differ beyond their precision, that cannot both hold, or that agree only at the
    coarser precision (46 % vs 46.43 %);
``restated_many``
    one quantity stated with more than :data:`MAX_PAIRWISE` different values: one finding
    for all of them (an error when some cannot hold together);
``share_over_100``, ``part_exceeds_total``, ``part_exceeds_whole``, ``control_lines_exceed_total``
    shares above 100 %, parts larger than the total or than what contains them
    (protected areas ⊆ red line, permanent basic farmland ⊆ cropland), and the three
    control lines (which must not overlap) adding up to more than the total;
``not_measurable``
    figures no layer can measure (``measure: stated``), listed for the record.

Every comparison uses intervals: a number written as 30.73 stands for [30.725, 30.735].

The rules on restatements are in :mod:`ecospace.plan._audit_restated`, those on parts and
wholes in :mod:`ecospace.plan._audit_bounds`; the :class:`Finding`, its wording and
:func:`format_audit` in :mod:`ecospace.plan._audit_findings`.
"""

from __future__ import annotations

import math
from typing import Literal

import pandas as pd

from ecospace.plan._audit_bounds import CONTAINED, _bounds_findings
from ecospace.plan._audit_findings import (
    SEVERITIES,
    SEVERITY_LABELS,
    Finding,
    Severity,
    _ha,
    _name,
    _where,
    _written,
    format_audit,
)
from ecospace.plan._audit_intervals import _interval_ha
from ecospace.plan._audit_restated import MAX_PAIRWISE, _restated_findings
from ecospace.plan.model import Figure, Plan, Quantity

__all__ = [
    "CONTAINED",
    "MAX_PAIRWISE",
    "SEVERITIES",
    "SEVERITY_LABELS",
    "Finding",
    "Severity",
    "audit_plan",
    "format_audit",
    "implied_totals",
]

_IMPLIED_COLUMNS = ["area_id", "share_id", "implied_low_ha", "implied_high_ha"]


def _pairs(plan: Plan) -> list[tuple[Figure, Figure]]:
    """(area figure, share figure) of one subject: same line, else same year."""
    areas: dict[str, list[Figure]] = {}
    by_line: dict[tuple[str, int], Figure] = {}
    by_year: dict[tuple[str, int], Figure] = {}
    for f in plan.figures:
        if f.is_area and f.subject:
            areas.setdefault(f.subject, []).append(f)
            if f.line is not None:
                by_line.setdefault((f.subject, f.line), f)
            if f.year is not None:
                by_year.setdefault((f.subject, f.year), f)
    out = []
    for s in (f for f in plan.figures if f.is_share and f.subject):
        candidates = areas.get(s.subject, [])
        chosen = (
            by_line.get((s.subject, s.line))
            or by_year.get((s.subject, s.year))
            or (candidates[0] if len(candidates) == 1 else None)
        )
        if chosen is not None:
            out.append((chosen, s))
    return out


# --------------------------------------------------------------------------- implied totals


def implied_totals(plan: Plan, *, lang: Literal["zh", "en"] = "zh") -> pd.DataFrame:
    """The total area each area + share pair implies, with the interval its precision allows.

    Parameters
    ----------
    plan : Plan
    lang : {"zh", "en"}, default "zh"
        Language of the ``area`` and ``share`` columns (the figures as written, with
        their units: ``500.51万亩`` or ``500.51 × 10,000 mu``).

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``subject``, ``area_id``, ``share_id``, ``line``, ``area`` and
        ``share`` (as written), ``share_pct``, ``area_ha``, ``implied_total_ha``,
        ``implied_low_ha``, ``implied_high_ha``, ``implied_total_km2``, ``stated_total_ha``,
        ``share_of_stated_pct`` (area ÷ stated total), ``share_consistent`` (that share
        rounds to the stated one), ``stated_total_in_interval``, and for a plan with a
        ``survey_area``, ``survey_area_ha`` and ``survey_area_in_interval`` (NaN and None
        without one).

    Notes
    -----
    With the area written as :math:`A \\pm a` and the share as :math:`s \\pm \\sigma`
    (half a unit of their last decimals), the implied total lies in
    :math:`[(A - a)/(s + \\sigma),\\ (A + a)/(s - \\sigma)]`.

    Examples
    --------
    >>> p = Plan("p", [Figure("a", "area", ">=", 230423.56, "ha", role="red_line", line=1),
    ...                Figure("s", "share", ">=", 30.73, "%", role="red_line", line=1)])
    >>> round(float(implied_totals(p).implied_total_ha[0]), 1)  # 230423.56 / 0.3073
    749832.6
    """
    total = plan.total_area
    t = _interval_ha(total) if total is not None else None
    survey = plan.survey_area
    u = _interval_ha(survey) if survey is not None else None
    rows = []
    for a, s in _pairs(plan):
        v, lo, hi = _interval_ha(a)
        sv = s.value / 100
        slo, shi = (s.value - s.precision_value / 2) / 100, (s.value + s.precision_value / 2) / 100
        implied = v / sv if sv > 0 else math.nan
        low = lo / shi if shi > 0 else math.nan
        high = hi / slo if slo > 0 else math.inf
        row = {
            "subject": a.subject,
            "area_id": a.id,
            "share_id": s.id,
            "line": s.line,
            "area": _written(a, lang),
            "share": _written(s, lang),
            "share_pct": s.value,
            "area_ha": v,
            "implied_total_ha": implied,
            "implied_low_ha": low,
            "implied_high_ha": high,
            "implied_total_km2": implied / 100,
            "stated_total_ha": t[0] if t else math.nan,
            "share_of_stated_pct": 100 * v / t[0] if t else math.nan,
            "share_consistent": None,
            "stated_total_in_interval": None,
            "survey_area_ha": u[0] if u else math.nan,
            "survey_area_in_interval": None,
        }
        if t:
            # the share interval the area and total intervals allow, against the stated one
            row["share_consistent"] = bool(lo / t[2] <= shi and hi / t[1] >= slo)
            row["stated_total_in_interval"] = bool(t[2] >= low and t[1] <= high)
        if u:
            row["survey_area_in_interval"] = bool(u[2] >= low and u[1] <= high)
        rows.append(row)
    columns = [
        "subject", "area_id", "share_id", "line", "area", "share", "share_pct", "area_ha",
        "implied_total_ha", "implied_low_ha", "implied_high_ha", "implied_total_km2",
        "stated_total_ha", "share_of_stated_pct", "share_consistent", "stated_total_in_interval",
        "survey_area_ha", "survey_area_in_interval",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- checks


def _share_findings(plan: Plan, table: pd.DataFrame) -> list[Finding]:
    out = []
    total = plan.total_area
    if total is None:
        return out
    by_id = {f.id: f for f in plan.figures}  # plan.figure() scans: quadratic over rows
    for row in table.itertuples():
        if row.share_consistent:
            continue
        a, s = by_id[row.area_id], by_id[row.share_id]
        zh = (
            f"{_name(a, 'zh')}：{_written(a, 'zh')} ÷ 总面积{_written(total, 'zh')} = "
            f"{row.share_of_stated_pct:.2f}%，与所述{_written(s, 'zh')}{_where(s, 'zh')}不符"
            f"（按{s.precision_value:g}%精度）；"
            f"所述比例对应的总面积为{_ha(row.implied_total_ha, 'zh')}"
        )
        en = (
            f"{a.id}: {_written(a, 'en')} / total {_written(total, 'en')} = "
            f"{row.share_of_stated_pct:.2f}%, not the stated {_written(s, 'en')}{_where(s, 'en')} "
            f"at its precision of {s.precision_value:g}%; the stated share implies a total of "
            f"{_ha(row.implied_total_ha, 'en')}"
        )
        details = {
            "area_ha": row.area_ha,
            "stated_total_ha": row.stated_total_ha,
            "computed_share_pct": row.share_of_stated_pct,
            "stated_share_pct": s.value,
            "share_precision_pct": s.precision_value,
            "implied_total_ha": row.implied_total_ha,
        }
        out.append(Finding("share_mismatch", "error", [a.id, s.id], zh, en, details))
    return out


def _survey_name(survey: Quantity, lang: str) -> str:
    """'调查面积749833公顷（第三次全国国土调查，第3行）' / 'survey area 749833 ha (…, line 3)'."""
    where = [survey.source] if survey.source else []
    if survey.line is not None:
        where.append(f"第{survey.line}行" if lang == "zh" else f"line {survey.line}")
    if lang == "zh":
        return f"调查面积{_written(survey, 'zh')}" + (f"（{'，'.join(where)}）" if where else "")
    return f"survey area {_written(survey, 'en')}" + (f" ({', '.join(where)})" if where else "")


def _survey_findings(plan: Plan, table: pd.DataFrame, low: float, high: float) -> list[Finding]:
    """The total the shares imply against the plan file's survey area."""
    survey = plan.survey_area
    if survey is None or not len(table):
        return []
    ids = [*table.area_id, *table.share_id]
    v, ulo, uhi = _interval_ha(survey)
    details = {"implied_low_ha": low, "implied_high_ha": high, "survey_area_ha": v}
    n = len(table)
    if ulo <= high and uhi >= low:
        return [
            Finding(
                "implied_total_is_survey",
                "info",
                ids,
                f"{n}个比例反推的总面积{low:.0f}–{high:.0f}公顷与{_survey_name(survey, 'zh')}"
                "一致：规划的比例以调查面积为分母",
                f"the {n} share(s) imply a total of {low:,.0f}–{high:,.0f} ha, which agrees "
                f"with the {_survey_name(survey, 'en')}: the plan's shares divide by the survey "
                "area",
                details,
            )
        ]
    mid = (low + high) / 2
    diff = mid - v
    return [
        Finding(
            "survey_mismatch",
            "error",
            ids,
            f"{n}个比例反推的总面积为{low:.0f}–{high:.0f}公顷，与{_survey_name(survey, 'zh')}"
            f"不符，相差约{diff:.0f}公顷（{100 * diff / v:.2f}%）",
            f"the {n} share(s) imply a total of {low:,.0f}–{high:,.0f} ha, not the "
            f"{_survey_name(survey, 'en')}: about {diff:,.0f} ha ({100 * diff / v:.2f} %) apart",
            details,
        )
    ]


def _implied_total_findings(plan: Plan, table: pd.DataFrame) -> list[Finding]:
    if not len(table):
        return []
    ids = [*table.area_id, *table.share_id]
    low, high = table.implied_low_ha.max(), table.implied_high_ha.min()
    if low > high:
        # no single total fits every share: report the implied totals side by side
        listing_zh = "；".join(
            f"{r.area_id}/{r.share_id} → {r.implied_low_ha:.0f}–{r.implied_high_ha:.0f}公顷"
            for r in table.itertuples()
        )
        listing_en = "; ".join(
            f"{r.area_id}/{r.share_id} → {r.implied_low_ha:,.0f}–{r.implied_high_ha:,.0f} ha"
            for r in table.itertuples()
        )
        return [
            Finding(
                "implied_totals_disagree",
                "warning",
                ids,
                f"各比例反推的总面积互不一致，规划可能使用了不同的分母：{listing_zh}",
                f"the shares imply totals that cannot all be equal (different denominators?): "
                f"{listing_en}",
                {"implied": table[_IMPLIED_COLUMNS].to_dict("records")},
            )
        ]
    survey_found = _survey_findings(plan, table, low, high)
    is_survey = any(f.kind == "implied_total_is_survey" for f in survey_found)
    if len(table) < 2:  # one pair: share_mismatch already compares it with the stated total
        return survey_found
    mid = (low + high) / 2
    total = plan.total_area
    details = {"implied_low_ha": low, "implied_high_ha": high, "implied_total_ha": mid}
    n = len(table)
    if total is None:
        if is_survey:
            return survey_found
        return [
            Finding(
                "implied_total",
                "info",
                ids,
                f"{n}个比例共同反推的总面积为{low:.0f}–{high:.0f}公顷（约{mid / 100:.2f}平方公里）",
                f"the {n} shares all imply a total between {low:,.0f} and {high:,.0f} ha "
                f"(about {mid / 100:,.2f} km²)",
                details,
            ),
            *survey_found,
        ]
    v, tlo, thi = _interval_ha(total)
    details["stated_total_ha"] = v
    if tlo <= high and thi >= low:
        return survey_found
    diff = v - mid
    if is_survey:
        used_zh = f"（即{_survey_name(plan.survey_area, 'zh')}）"
        used_en = f" (the {_survey_name(plan.survey_area, 'en')})"
    else:
        used_zh, used_en = "（可能为调查面积）", " (a survey area?)"
    return [
        Finding(
            "implied_total",
            "error",
            ids,
            f"{n}个比例共同反推的总面积为{low:.0f}–{high:.0f}公顷（约{mid / 100:.2f}平方公里），"
            f"而非所述总面积{_written(total, 'zh')}{_where(total, 'zh')}：规划计算比例时使用的是约"
            f"{mid:.0f}公顷的面积{used_zh}，相差{diff:.0f}公顷（{100 * diff / v:.2f}%）",
            f"all {n} shares imply one total between {low:,.0f} and {high:,.0f} ha "
            f"(about {mid / 100:,.2f} km²), not the stated {_written(total, 'en')}"
            f"{_where(total, 'en')}: the plan used an area of about {mid:,.0f} ha{used_en}, "
            f"{diff:,.0f} ha ({100 * diff / v:.2f} %) less than the stated total",
            details,
        ),
        *survey_found,
    ]


def _stated_findings(plan: Plan) -> list[Finding]:
    stated = [f for f in plan.figures if f.measure == "stated"]
    if not stated:
        return []
    ids = [f.id for f in stated]
    return [
        Finding(
            "not_measurable",
            "info",
            ids,
            f"{len(ids)}项指标无法由图层量算，仅记录：" + "、".join(_name(f, "zh") for f in stated),
            f"{len(ids)} figure(s) cannot be measured from layers and are only recorded: "
            + ", ".join(ids),
            {},
        )
    ]


def audit_plan(plan: Plan) -> list[Finding]:
    """Check a plan's figures against each other; no layers needed.

    Parameters
    ----------
    plan : Plan
        From :func:`ecospace.plan.load_plan`.

    Returns
    -------
    list of Finding
        Errors first, then warnings, then notes; each names the figures involved and
        carries Chinese and English messages and a ``details`` dict of the numbers.

    Examples
    --------
    >>> from ecospace.plan import Quantity
    >>> p = Plan("p", [Figure("a", "area", ">=", 230423.56, "ha", role="red_line", line=504),
    ...                Figure("s", "share", ">=", 30.73, "%", role="red_line", line=504)],
    ...          total_area=Quantity(7512, "km2", value_text="7512"))
    >>> [f.kind for f in audit_plan(p)]
    ['share_mismatch']
    """
    table = implied_totals(plan)
    findings = [
        *_share_findings(plan, table),
        *_implied_total_findings(plan, table),
        *_restated_findings(plan),
        *_bounds_findings(plan),
        *_stated_findings(plan),
    ]
    return sorted(findings, key=lambda f: SEVERITIES.index(f.severity))


# --------------------------------------------------------------------------- output
