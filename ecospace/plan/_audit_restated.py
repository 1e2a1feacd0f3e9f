"""Audit rule: one quantity stated more than once (``restated``, ``contradictory``,
``weaker_target``, ``restated_coarser``, ``restated_many``).

Statements of one subject (a role or a class set) and one year (or no year) are compared
pair by pair while there are at most :data:`MAX_PAIRWISE` distinct ones, else in one
finding for the quantity.
"""

from __future__ import annotations

import itertools
import math

from ecospace.plan._audit_findings import Finding, _name, _says, _where, _written
from ecospace.plan._audit_intervals import _admissible, _interval, _years_match
from ecospace.plan.model import AREA_UNITS, Figure, Plan
from ecospace.units import UNIT_LABELS, convert

#: Distinct statements of one quantity compared pair by pair (at most 28 pairs); a
#: quantity stated with more values gets one ``restated_many`` finding instead.
MAX_PAIRWISE = 8


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
