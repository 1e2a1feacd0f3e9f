"""Audit rule: parts larger than their whole (``share_over_100``, ``part_exceeds_total``,
``part_exceeds_whole``, ``control_lines_exceed_total``).

Shares above 100 %, areas above the stated total, protected areas larger than the red line
or permanent basic farmland larger than cropland (:data:`CONTAINED`), and the three
control lines — which must not overlap — adding up to more than the total.
"""

from __future__ import annotations

import bisect
from typing import Any

from ecospace.plan._audit_findings import Finding, _ha, _name, _where, _written
from ecospace.plan._audit_intervals import _distinct, _interval_ha, _years_match
from ecospace.plan._audit_restated import MAX_PAIRWISE
from ecospace.plan.model import AREA_UNITS, Figure, Plan
from ecospace.vocabulary import CONTROL_LINES

#: Parts that lie inside a whole: (part subject, whole subject).
CONTAINED: tuple[tuple[str, str], ...] = (
    ("protected_area", "red_line"),
    ("basic_farmland", "classes:cropland"),
)


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
