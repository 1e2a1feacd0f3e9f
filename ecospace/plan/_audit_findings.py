"""A plan audit's findings: the :class:`Finding`, the words it quotes figures with, and
:func:`format_audit` (terminal table or JSON).

Figures are quoted as written (``230423.56公顷``, ``500.51 × 10,000 mu``), with the line
of the plan text they come from.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import pandas as pd

from ecospace._text_table import text_table
from ecospace.plan.model import Figure, Plan, Quantity
from ecospace.units import UNIT_LABELS

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
SEVERITY_LABELS = {
    "error": {"zh": "错误", "en": "error"},
    "warning": {"zh": "警告", "en": "warning"},
    "info": {"zh": "提示", "en": "info"},
}


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
    >>> from ecospace.plan.audit import audit_plan, implied_totals
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
