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
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import pandas as pd

from ecospace._text_table import text_table
from ecospace.plan.model import AREA_UNITS, Figure, Plan, Quantity
from ecospace.units import UNIT_LABELS, convert
from ecospace.vocabulary import CONTROL_LINES

__all__ = ["Finding", "audit_plan", "format_audit", "implied_totals"]

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
SEVERITY_LABELS = {
    "error": {"zh": "错误", "en": "error"},
    "warning": {"zh": "警告", "en": "warning"},
    "info": {"zh": "提示", "en": "info"},
}
#: Parts that lie inside a whole: (part subject, whole subject).
CONTAINED: tuple[tuple[str, str], ...] = (
    ("protected_area", "red_line"),
    ("basic_farmland", "classes:cropland"),
)
_IMPLIED_COLUMNS = ["area_id", "share_id", "implied_low_ha", "implied_high_ha"]
#: Distinct statements of one quantity compared pair by pair (at most 28 pairs); a
#: quantity stated with more values gets one ``restated_many`` finding instead.
MAX_PAIRWISE = 8


@dataclass
class Finding:
    """One inconsistency (or note) among a plan's figures."""

    kind: str
    severity: Severity
    figure_ids: list[str]
    message_zh: str
    message_en: str
    details: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "zh") -> str:
        """The message in ``zh`` or ``en``."""
        return self.message_en if lang == "en" else self.message_zh


# --------------------------------------------------------------------------- helpers


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


def _written(q: Figure | Quantity, lang: str) -> str:
    text = q.value_text if q.value_text is not None else f"{q.value:g}"
    if q.unit == "ratio":
        return f"{text}倍" if lang == "zh" else f"{text}×"
    if q.unit == "%":
        return f"{text}%"
    if lang == "en" and q.unit == "wanmu":
        return f"{text} × 10,000 mu"
    unit = UNIT_LABELS.get(q.unit, {}).get(lang, q.unit)
    return f"{text}{unit}" if lang == "zh" else f"{text} {unit}"


def _ha(x: float, lang: str, decimals: int = 2) -> str:
    return f"{x:.{decimals}f}公顷" if lang == "zh" else f"{x:,.{decimals}f} ha"


def _where(f: Figure | Quantity, lang: str) -> str:
    if f.line is None:
        return ""
    return f"（第{f.line}行）" if lang == "zh" else f" (line {f.line})"


def _name(f: Figure, lang: str) -> str:
    if lang == "zh" and f.label:
        return f.label
    return f.id


def _op(op: str) -> str:
    return {">=": "≥", "<=": "≤", "=": "=", ">": ">", "<": "<"}[op]


def _says(f: Figure, lang: str) -> str:
    """'为2323平方公里' / '不低于230423.56公顷' (zh), 'says ≥ 230423.56 ha' (en)."""
    if lang == "zh":
        word = {">=": "不低于", "<=": "不高于", "=": "为", ">": "高于", "<": "低于"}[f.op]
        return f"{word}{_written(f, 'zh')}"
    return f"says {_op(f.op)} {_written(f, 'en')}"


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


def _restated_findings(plan: Plan) -> list[Finding]:
    """Restatements of one quantity, compared pair by pair while the quantity has at most
    :data:`MAX_PAIRWISE` distinct values (at most 28 findings), else in one finding for
    the quantity: the work and the findings grow with the figures, not their square."""
    out: list[Finding] = []
    groups: dict[tuple[str, str], dict[tuple, Figure]] = {}
    for f in plan.figures:
        if f.subject and (f.is_area or f.is_share):
            # the same value stated again adds nothing (an equal pair is never a finding)
            key = (f.subject, "area" if f.is_area else "share")
            statement = (_interval(f)[0], f.op, f.precision_value, f.year)
            groups.setdefault(key, {}).setdefault(statement, f)
    for distinct in groups.values():
        figs = list(distinct.values())
        if len(figs) > MAX_PAIRWISE:
            out.extend(_restated_many(figs))
            continue
        for a, b in itertools.combinations(figs, 2):
            if _years_match(a, b) and (found := _restated_pair(a, b)) is not None:
                out.append(found)
    return out


def _restated_pair(a: Figure, b: Figure) -> Finding | None:
    va, _, _ = _interval(a)
    vb, _, _ = _interval(b)
    pa, pb = (_interval(x)[2] - _interval(x)[1] for x in (a, b))
    if math.isclose(va, vb, rel_tol=1e-12, abs_tol=1e-12):
        return None
    (alo, ahi), (blo, bhi) = _admissible(a), _admissible(b)
    diff = abs(va - vb)
    unit_en = "ha" if a.is_area else "%"
    unit_zh = "公顷" if a.is_area else "%"
    base = {"values": [va, vb], "unit": unit_en, "difference": diff}
    conv_zh = conv_en = ""
    if a.unit != b.unit and a.unit in AREA_UNITS:
        # say what the second figure is in the first one's unit (2304.24 km²)
        vb_in_a = convert(b.value, b.unit, a.unit)
        conv_zh = f"（即{vb_in_a:.2f}{UNIT_LABELS[a.unit]['zh']}）"
        conv_en = f" (= {vb_in_a:,.2f} {UNIT_LABELS[a.unit]['en']})"
    both_zh = (
        f"{_name(a, 'zh')}{_where(a, 'zh')}{_says(a, 'zh')}，"
        f"{_name(b, 'zh')}{_where(b, 'zh')}{_says(b, 'zh')}{conv_zh}"
    )
    both_en = (
        f"{a.id}{_where(a, 'en')} {_says(a, 'en')}, "
        f"{b.id}{_where(b, 'en')} {_says(b, 'en')}{conv_en}"
    )
    if max(alo, blo) > min(ahi, bhi):
        return Finding(
            "contradictory",
            "error",
            [a.id, b.id],
            f"同一数量的两个表述不能同时成立：{both_zh}",
            f"two statements of one quantity cannot both hold: {both_en}",
            base,
        )
    elif diff > max(pa, pb) / 2 * (1 + 1e-9):
        return Finding(
            "restated",
            "error",
            [a.id, b.id],
            f"同一数量两处数值不一致：{both_zh}，相差{diff:.2f}{unit_zh}"
            f"（{100 * diff / max(va, vb):.2f}%），超出两者的表述精度",
            f"one quantity stated twice with different values: {both_en}; they "
            f"differ by {diff:,.2f} {unit_en} ({100 * diff / max(va, vb):.2f} %), "
            f"beyond the precision of either",
            base,
        )
    else:
        fine, coarse = (a, b) if pa <= pb else (b, a)
        vf, vc = (va, vb) if fine is a else (vb, va)
        lower = fine.op in (">=", ">") and coarse.op in (">=", ">")
        upper = fine.op in ("<=", "<") and coarse.op in ("<=", "<")
        weaker = (lower and vc < vf) or (upper and vc > vf)
        if weaker:
            return Finding(
                "weaker_target",
                "warning",
                [fine.id, coarse.id],
                f"{both_zh}：两者按较粗精度一致（{_written(fine, 'zh')}约为"
                f"{_written(coarse, 'zh')}），但{coarse.id}的目标更宽松，请统一",
                f"{both_en}: consistent at the coarser precision ("
                f"{_written(fine, 'en')} rounds to {_written(coarse, 'en')}), but "
                f"{coarse.id} is a weaker target; state one figure",
                base,
            )
        else:
            return Finding(
                "restated_coarser",
                "info",
                [fine.id, coarse.id],
                f"{both_zh}：按较粗精度一致",
                f"{both_en}: consistent at the coarser precision",
                base,
            )


def _restated_many(figs: list[Figure]) -> list[Finding]:
    """One finding for a quantity stated with more than :data:`MAX_PAIRWISE` values."""
    values = sorted({_interval(f)[0] for f in figs})
    if len(values) < 2:
        return []
    a = figs[0]
    unit_en, unit_zh = ("ha", "公顷") if a.is_area else ("%", "%")
    # statements that cannot all hold: the intervals of one year (with the year-less ones)
    # have no common point
    by_year: dict[int | None, tuple[float, float]] = {}
    for f in figs:
        lo, hi = _admissible(f)
        old_lo, old_hi = by_year.get(f.year, (-math.inf, math.inf))
        by_year[f.year] = (max(lo, old_lo), min(hi, old_hi))
    any_lo, any_hi = by_year.get(None, (-math.inf, math.inf))
    contradictory = any(max(lo, any_lo) > min(hi, any_hi) for lo, hi in by_year.values())
    ids = [f.id for f in figs]
    shown = ", ".join(ids[:10]) + (f" … (+{len(ids) - 10})" if len(ids) > 10 else "")
    subject = a.subject or a.id
    details = {"values": values[:100], "unit": unit_en, "statements": len(figs)}
    return [
        Finding(
            "restated_many",
            "error" if contradictory else "warning",
            ids,
            f"同一数量（{subject}）以{len(values)}个不同数值表述了{len(figs)}次"
            f"（{values[0]:,.2f}—{values[-1]:,.2f}{unit_zh}）"
            + ("，部分表述不能同时成立" if contradictory else "")
            + f"：{shown}；请统一为一个数值",
            f"one quantity ({subject}) stated {len(figs)} times with {len(values)} different "
            f"values ({values[0]:,.2f} to {values[-1]:,.2f} {unit_en})"
            + ("; some cannot hold together" if contradictory else "")
            + f": {shown}; state it once",
            details,
        )
    ]


def _distinct(figs: Iterable[Figure]) -> list[Figure]:
    """The figures, each statement (value, comparison, precision, year) once."""
    seen: dict[tuple, Figure] = {}
    for f in figs:
        seen.setdefault((_interval(f)[0], f.op, f.precision_value, f.year), f)
    return list(seen.values())


def _parts_exceed_wholes(parts: list[Figure], wholes: list[Figure]) -> list[Finding]:
    """One finding for many statements of a part and of its whole: how many pairs of one
    year (or without a year) have the part larger, and the most extreme pair.

    Sorted upper bounds of the wholes per year make this O(n log n), not parts × wholes.
    """
    his: dict[Any, list[tuple[float, Figure]]] = {}
    for w in wholes:
        his.setdefault(w.year, []).append((_interval_ha(w)[2], w))
    for bucket in his.values():
        bucket.sort(key=lambda x: x[0])
    his["every"] = sorted((h for bucket in his.values() for h in bucket), key=lambda x: x[0])
    keys = {year: [h for h, _ in bucket] for year, bucket in his.items()}
    count, worst = 0, None
    for p in parts:
        plo = _interval_ha(p)[1]
        years = ["every"] if p.year is None else [y for y in (p.year, None) if y in his]
        for year in years:
            bucket = his[year]
            n = bisect.bisect_left(keys[year], plo)
            count += n
            if n and (worst is None or plo - bucket[0][0] > worst[0]):
                worst = (plo - bucket[0][0], p, bucket[0][1])
    if worst is None:
        return []
    _, p, w = worst
    return [
        Finding(
            "part_exceeds_whole",
            "error",
            [p.id, w.id],
            f"{count}组表述中部分大于包含它的整体；差得最多的是{_name(p, 'zh')}{_where(p, 'zh')}"
            f"{_written(p, 'zh')}大于{_name(w, 'zh')}{_where(w, 'zh')}{_written(w, 'zh')}",
            f"{count} pair(s) of statements have the part larger than the whole that contains "
            f"it; the most extreme: {p.id}{_where(p, 'en')} {_written(p, 'en')} exceeds "
            f"{w.id}{_where(w, 'en')} {_written(w, 'en')}",
            {"part_ha": _interval_ha(p)[0], "whole_ha": _interval_ha(w)[0], "pairs": count},
        )
    ]


def _bounds_findings(plan: Plan) -> list[Finding]:
    out = []
    total = plan.total_area
    t = _interval_ha(total) if total is not None else None
    for f in plan.figures:
        if f.is_share and f.value - f.precision_value / 2 > 100:
            out.append(
                Finding(
                    "share_over_100",
                    "error",
                    [f.id],
                    f"{_name(f, 'zh')}{_where(f, 'zh')}：比例{_written(f, 'zh')}超过100%",
                    f"{f.id}{_where(f, 'en')}: share {_written(f, 'en')} is above 100 %",
                    {"share_pct": f.value},
                )
            )
        if t and f.unit in AREA_UNITS and f.measure in ("area", "land_cover", "overlap", "outside"):
            v, lo, _ = _interval_ha(f)
            if lo > t[2]:
                out.append(
                    Finding(
                        "part_exceeds_total",
                        "error",
                        [f.id],
                        f"{_name(f, 'zh')}{_where(f, 'zh')}：{_written(f, 'zh')}大于总面积"
                        f"{_written(total, 'zh')}",
                        f"{f.id}{_where(f, 'en')}: {_written(f, 'en')} exceeds the total "
                        f"{_written(total, 'en')}",
                        {"area_ha": v, "stated_total_ha": t[0]},
                    )
                )
    areas = [f for f in plan.figures if f.is_area and f.subject]
    for part_subject, whole_subject in CONTAINED:
        parts = _distinct(f for f in areas if f.subject == part_subject)
        wholes = _distinct(f for f in areas if f.subject == whole_subject)
        if len(parts) * len(wholes) > MAX_PAIRWISE**2:
            out.extend(_parts_exceed_wholes(parts, wholes))
            continue
        for p in parts:
            for w in (f for f in wholes if _years_match(f, p)):
                pv, plo, _ = _interval_ha(p)
                wv, _, whi = _interval_ha(w)
                if plo <= whi:
                    continue
                out.append(
                    Finding(
                        "part_exceeds_whole",
                        "error",
                        [p.id, w.id],
                        f"{_name(p, 'zh')}{_where(p, 'zh')}{_written(p, 'zh')}大于包含它的"
                        f"{_name(w, 'zh')}{_where(w, 'zh')}{_written(w, 'zh')}",
                        f"{p.id}{_where(p, 'en')} {_written(p, 'en')} exceeds {w.id}"
                        f"{_where(w, 'en')} {_written(w, 'en')}, which contains it",
                        {"part_ha": pv, "whole_ha": wv},
                    )
                )
    if t:
        chosen = {}
        for f in areas:
            if f.subject in CONTROL_LINES:
                best = chosen.get(f.subject)
                if best is None or (f.year or 0, f.value) > (best.year or 0, best.value):
                    chosen[f.subject] = f
        if len(chosen) >= 2:
            total_lo = sum(_interval_ha(f)[1] for f in chosen.values())
            if total_lo > t[2]:
                s = sum(_interval_ha(f)[0] for f in chosen.values())
                ids = [f.id for f in chosen.values()]
                out.append(
                    Finding(
                        "control_lines_exceed_total",
                        "error",
                        ids,
                        f"三条控制线不得重叠，但其面积之和{_ha(s, 'zh')}"
                        f"大于总面积{_written(total, 'zh')}",
                        f"the control lines must not overlap, yet their areas add up to "
                        f"{_ha(s, 'en')}, more than the total {_written(total, 'en')}",
                        {"sum_ha": s, "stated_total_ha": t[0], "figures": ids},
                    )
                )
    return out


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


def _nan(v: Any) -> bool:
    return isinstance(v, float) and not math.isfinite(v)


def _yes_no(v: bool | None, lang: str) -> str:
    if v is None:
        return ""
    return ("是" if v else "否") if lang == "zh" else ("yes" if v else "no")


def format_audit(
    plan: Plan,
    findings: list[Finding],
    table: pd.DataFrame,
    *,
    fmt: Literal["table", "json"] = "table",
    lang: Literal["zh", "en"] = "zh",
) -> str:
    """Render an audit for the terminal (``table``) or as JSON (both languages in JSON).

    Examples
    --------
    A red line of 30 ha stated as 35 % of a 100 ha county: 30 / 100 = 30 %, and 35 % of
    the total implies 30 / 0.35 = 85.7 ha (83–88 ha within the stated precisions,
    29.5 / 0.355 to 30.5 / 0.345):

    >>> from ecospace.plan import Quantity
    >>> p = Plan("示例", [Figure("a", "area", ">=", 30, "ha", role="red_line", value_text="30"),
    ...                  Figure("s", "share", ">=", 35, "%", role="red_line", value_text="35")],
    ...          total_area=Quantity(100, "ha", value_text="100"))
    >>> print(format_audit(p, audit_plan(p), implied_totals(p), lang="en"))
    示例: 1 finding(s) (1 error, 0 warning, 0 info)
    <BLANKLINE>
    [error] share_mismatch: a, s
        a: 30 ha / total 100 ha = 30.00%, not the stated 35% at its precision of 1%; the
        stated share implies a total of 85.71 ha
    <BLANKLINE>
    Total area implied by area and share
    area  share  area as written  share  implied total (ha)  interval (ha)  stated total inside
    ----  -----  ---------------  -----  ------------------  -------------  -------------------
    a     s      30 ha            35%    85.7                83–88          no
    """
    if fmt == "json":
        doc = {
            "plan": plan.name,
            "path": str(plan.path) if plan.path else None,
            "total_area": asdict(plan.total_area) if plan.total_area else None,
            "survey_area": asdict(plan.survey_area) if plan.survey_area else None,
            "findings": [asdict(f) for f in findings],
            "implied_totals": [
                {k: (None if _nan(v) else v) for k, v in r.items()}
                for r in table.to_dict("records")
            ],
        }
        return json.dumps(doc, ensure_ascii=False, indent=2, default=str)
    counts = {s: sum(f.severity == s for f in findings) for s in SEVERITIES}
    if lang == "zh":
        head = (
            f"{plan.name}：审核发现{len(findings)}项（错误{counts['error']}，"
            f"警告{counts['warning']}，提示{counts['info']}）"
        )
    else:
        head = (
            f"{plan.name}: {len(findings)} finding(s) ({counts['error']} error, "
            f"{counts['warning']} warning, {counts['info']} info)"
        )
    parts = [head, ""]
    for f in findings:
        parts.append(f"[{SEVERITY_LABELS[f.severity][lang]}] {f.kind}: {', '.join(f.figure_ids)}")
        parts.append(f"    {f.message(lang)}")
    if len(table):
        if lang == "zh":
            title = "由面积与比例反推的总面积"
            headers = ["面积指标", "比例指标", "面积", "比例", "反推总面积(公顷)", "区间(公顷)",
                       "含所述总面积"]  # fmt: skip
        else:
            title = "Total area implied by area and share"
            headers = ["area", "share", "area as written", "share", "implied total (ha)",
                       "interval (ha)", "stated total inside"]  # fmt: skip
        by_id = {f.id: f for f in plan.figures}
        rows = [
            [
                r.area_id,
                r.share_id,
                _written(by_id[r.area_id], lang),
                _written(by_id[r.share_id], lang),
                f"{r.implied_total_ha:,.1f}",
                f"{r.implied_low_ha:,.0f}–{r.implied_high_ha:,.0f}",
                _yes_no(r.stated_total_in_interval, lang),
            ]
            for r in table.itertuples()
        ]
        if plan.survey_area is not None:
            headers.append("含调查面积" if lang == "zh" else "survey area inside")
            for row, r in zip(rows, table.itertuples(), strict=True):
                row.append(_yes_no(r.survey_area_in_interval, lang))
        parts += ["", title, text_table(headers, rows, rule="-")]
    return "\n".join(parts)
