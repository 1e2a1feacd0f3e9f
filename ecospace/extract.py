"""Draft a plan file from a plan's Chinese text, for a person to review.

A rule-based reader: it finds the spatial figures a plan states — 生态保护红线, 自然保护地,
耕地保有量, 永久基本农田, 城镇开发边界 (and its 扩展倍数), 森林覆盖率, 林草覆盖率, 湿地保护率
and the total area — with their value, unit, comparison (不低于 → ``>=``), share of the
total (占全域总面积的30.73%), year (到2025年), the clause quoted and its 1-based line.

Three layouts are read:

prose
    sentences split at 。！？; a figure is a keyword followed, within a few characters and
    no comma, by a number and a unit; the clauses after it may add a share (占…的xx%)
    or a further value of the same quantity (``，2023年达到46.43%``);
tab-separated table rows
    a header row with year columns (``2020 年``) and an optional 属性 column
    (约束性/预期性); the earliest year is the status column (``=``), the others targets;
    a target cell without a sign is ``>=`` for coverage rates (森林覆盖率, 林草覆盖率,
    湿地保护率) and ``=`` otherwise;
tables with one cell per line
    (Word tables flattened: tab-indented cells, rows separated by blank lines): the
    years are read from the header under 指标名称, aligned to the row's last cells;
    rows above a 参考性指标 divider are binding.

Values masked as ``**`` are reported as masked and never given a number.  Numbers
keep the text they were written with, so precision survives into the draft.
Measured on the three seed plans against hand-made lists (``tests/seeds_expected``):
recall 1.0 and precision 1.0 — on the texts the rules were written for, so an
optimistic figure; review every drafted figure against the text.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ._extract_units import UNIT_PATTERN, parse_unit, scale_value
from ._text_normalize import NormalizedLine, join_lines, normalize_line
from .layers import FIGURE_ONLY_ROLES, ROLE_LABELS, ROLES
from .plan import Figure, Plan, Quantity, dump_plan

__all__ = ["SUBJECTS", "Extracted", "draft_text", "extract_figures", "find_figures"]

log = logging.getLogger("ecospace")

#: The note a marine red line figure carries into the draft.
MARINE_NOTE = (
    "marine red line (海洋生态保护红线): it lies at sea, outside the land layers of a county, "
    "so no layer measures it; kept as stated"
)

#: What each kind of figure is, in plan-file terms.  ``units``: the unit families it takes.
SUBJECTS: dict[str, dict] = {
    "total_area": {"label": "总面积", "role": "boundary", "units": ("area",)},
    "red_line": {"label": "生态保护红线面积", "role": "red_line", "units": ("area", "%")},
    "marine_red_line": {
        "label": "海洋生态保护红线面积",
        "role": "marine_red_line",
        "units": ("area", "%"),
        "stated": True,
        "note": MARINE_NOTE,
    },
    "protected_area": {"label": "自然保护地面积", "role": "protected_area", "units": ("area", "%")},
    "cropland": {"label": "耕地保有量", "classes": "cropland", "units": ("area", "%")},
    "basic_farmland": {
        "label": "永久基本农田保护面积",
        "role": "basic_farmland",
        "units": ("area", "%"),
    },
    "urban_boundary": {
        "label": "城镇开发边界面积",
        "role": "urban_boundary",
        "units": ("area", "%"),
    },
    "urban_expansion": {
        "label": "城镇开发边界扩展倍数",
        "role": "urban_boundary",
        "units": ("ratio",),
        "stated": True,
    },
    "forest_cover": {"label": "森林覆盖率", "classes": "forest", "units": ("%",)},
    "forest_grass_cover": {"label": "林草覆盖率", "classes": "forest_grass", "units": ("%",)},
    "wetland_protection": {
        "label": "湿地保护率",
        "classes": "wetland",
        "units": ("%",),
        "stated": True,
    },
}

# longest names first (城镇开发边界扩展倍数 before 城镇开发边界, 海洋… before 生态保护红线)
_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("urban_expansion", r"城镇开发边界扩展倍数"),
    ("marine_red_line", r"海洋生态保护红线|海洋生态红线"),
    ("red_line", r"生态保护红线|生态红线"),
    ("protected_area", r"自然保护地"),
    ("cropland", r"耕地保有量|耕地保护目标"),
    ("basic_farmland", r"永久基本农田|基本农田"),
    ("urban_boundary", r"城镇开发边界"),
    ("forest_grass_cover", r"林草(?:植被)?覆盖率"),
    ("forest_cover", r"森林覆盖率"),
    ("wetland_protection", r"湿地保护率"),
    ("total_area", r"(?:土地|国土|辖区|行政区域?)?总面积|国土面积|辖区面积|行政区域面积"),
)
_KEYWORD = re.compile("|".join(f"(?P<{k}>{p})" for k, p in _KEYWORDS))
#: which figure a 其中 may break down into which (the total area into anything)
_PARTS = {
    ("cropland", "basic_farmland"),
    ("red_line", "marine_red_line"),
    ("red_line", "red_line"),
    ("protected_area", "protected_area"),
    ("urban_boundary", "urban_boundary"),
    ("basic_farmland", "basic_farmland"),
}
_NUM = r"(?P<num>\d+(?:\.\d+)?|\*+)"
_UNIT = rf"(?P<unit>{UNIT_PATTERN})"
_OPWORD = (
    r"不低于|不少于|不小于|不高于|不超过|不大于|达到|保持在|稳定在|控制在|提高到|提升到|"
    r"增加到|提高至|提升至|增至|达|为|是|约为|约|≥|≤|≧|≦|>|<|="
)
_SUFFIX = r"(?P<suffix>以上|以下|以内|左右)?"
# 扩展倍数控制在基于2020年城镇建设用地规模的1.3倍以内: the base is named before the number
_BASED_ON = r"(?:基于[^,;。]{0,20}?的)?"
# keyword, then up to 8 characters of filler (面积, 保护面积, 为 …) without a comma, then the value
_AFTER_KEYWORD = re.compile(
    r"(?P<gap>[^\d,。;:、()%*]{0,8}?)(?P<op>" + _OPWORD + r")?" + _BASED_ON + _NUM + _UNIT
    + _SUFFIX
)  # fmt: skip
# 城镇开发边界面积控制在现状城镇建设用地规模的1.3倍以内: the ratio of an urban boundary
_RATIO_AFTER = re.compile(
    r"(?P<gap>[^\d,。;:、()%*]{0,8}?)(?P<op>" + _OPWORD + r")?(?:基于)?[^,;。\d]{0,20}?的" + _NUM
    + "(?P<unit>倍)" + _SUFFIX
)  # fmt: skip
# 耕地保有量和永久基本农田保护面积分别不低于368.52万亩和312.40万亩
_VALUE_UNIT = re.compile(r"(?P<num>\d+(?:\.\d+)?)(?P<unit>" + UNIT_PATTERN + ")")
_RESPECTIVELY = re.compile(
    r"分别(?P<op>" + _OPWORD + r")?(?P<values>\d+(?:\.\d+)?" + UNIT_PATTERN
    + r"(?:(?:和|与|及|以及|、|,)\d+(?:\.\d+)?" + UNIT_PATTERN + r")+)" + _SUFFIX
)  # fmt: skip
# 占全域总面积的30.73%; 占全省陆域国土面积的比例不低于30.05%
_SHARE = re.compile(
    r"^约?占(?P<den>[^,;。\d]{0,20}?)(?:的(?:比例|比重)?|比例|比重)?(?P<op>" + _OPWORD + r")?"
    + _NUM + r"(?P<unit>%)" + _SUFFIX
)  # fmt: skip
_CONTINUATION = re.compile(
    r"^(?:(?:20\d\d[—–-])?(?P<year>20\d\d)年)?(?P<op>" + _OPWORD + r")?" + _NUM + _UNIT + _SUFFIX
)
# 由2020年的38.5%提高到2035年的40%以上: a status and a target of one quantity
_FROM_TO = re.compile(
    r"^(?:面积|规模)?由(?P<y1>20\d\d)年(?:底|末)?的?(?P<n1>\d+(?:\.\d+)?)(?P<u1>" + UNIT_PATTERN
    + r")(?P<verb>提高|提升|增加|增长|扩大|减少|下降|降低)?[到至](?P<y2>20\d\d)年(?:底|末)?的?"
    r"(?P<n2>\d+(?:\.\d+)?)(?P<u2>" + UNIT_PATTERN + r")" + _SUFFIX
)  # fmt: skip
# 其中集中建设区面积128.50平方千米 (a part without a keyword of its own), and the next items
_SUB = re.compile(
    r"^(?P<qizhong>其中)?(?P<name>[^\d,;。:()]{1,15}?)(?:面积|规模)?(?:约?占[^,;。\d]{0,12}?的?)?"
    r"(?P<op>" + _OPWORD + r")?" + _NUM + _UNIT + _SUFFIX + "$"
)  # fmt: skip
# 为现状城镇建设用地规模的1.22倍: the expansion ratio of an urban boundary figure
_RATIO_OF = re.compile(
    r"^(?:约为|为|是|相当于)[^,;。\d]{0,20}?的" + _NUM + "(?P<unit>倍)" + _SUFFIX
)
# words that mean the number belongs to another indicator, or to a comparison region
_INTERRUPT = re.compile(r"率|度|指数|比例|水平|平均|占|全国|全省")
_YEAR = re.compile(r"(?:20\d\d[—–-])?(20\d\d)年")
_TARGET = re.compile(r"(?<!截)[到至]20\d\d年|确保|力争|目标")
#: a status, not a target: 现状, 基期, 截至2020年底, 十三五 …
_PAST = re.compile(r"现状|基期|基准年|截至|截止|十三五|已经|已划定|目前|现有")
_VALUE_CELL = re.compile(
    r"^\s*(?P<op>≥|≤|>|<|=|不低于|不少于|不超过|不高于)?\s*" + _NUM + r"\s*"
    r"(?P<unit>" + UNIT_PATTERN + r")?(?![\d.])"
)  # fmt: skip
_NAME_CELL = re.compile(
    r"^\s*(?:" + "|".join(p for _, p in _KEYWORDS) + r")(?:面积|保护面积)?\s*\*?\s*"
    r"(?:\(\s*(?P<unit>" + UNIT_PATTERN + r")\s*\))?\s*\*?\s*$"
)  # fmt: skip
_FIXED_OPS = {
    "不低于": ">=", "不少于": ">=", "不小于": ">=", "≥": ">=", "≧": ">=", "以上": ">=",
    "不高于": "<=", "不超过": "<=", "不大于": "<=", "≤": "<=", "≦": "<=", "控制在": "<=",
    "以下": "<=", "以内": "<=", ">": ">", "<": "<",
}  # fmt: skip
_TARGET_OPS = {"达到", "保持在", "提高到", "提升到", "增加到", "提高至", "提升至", "增至", "达"}
#: Coverage-type indicators: a bare number in a table's target column (2025 年: 30.1%) is
#: a floor, as 达到/保持在 is in a future target sentence; a status column stays "=".
_FLOOR_SUBJECTS = {"forest_cover", "forest_grass_cover", "wetland_protection"}


def _table_op(word: str | None, subject: str, is_status: bool) -> str:
    """The comparison of a table cell: its own sign, else ``>=`` for a coverage target."""
    if word is None and not is_status and subject in _FLOOR_SUBJECTS:
        return ">="
    return _op(word, None, False)


@dataclass
class Extracted:
    """One figure found in a plan's text.

    ``kind`` is ``value`` (an area, rate or ratio) or ``share`` (占…的xx%, the share of
    the total that the preceding area is); ``value_text`` is None for a masked ``**``.
    ``parent`` names the figure a 其中 breaks down (the subject of the figure before it)
    and ``part`` what the part is called when it has no keyword of its own (集中建设区).
    ``quote`` is cut from the text as written (traditional characters, full-width digits
    and spaces kept).
    """

    subject: str
    kind: str
    value_text: str | None
    unit: str
    op: str
    line: int
    quote: str
    year: int | None = None
    binding: bool | None = None
    note: str | None = None
    masked: bool = False
    precision: float | None = None
    parent: str | None = None
    part: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def value(self) -> float | None:
        """The number, or None when masked."""
        return None if self.value_text is None else float(self.value_text)


# --------------------------------------------------------------------------- helpers


def _family(unit: str) -> str:
    return "area" if unit in ("m2", "ha", "km2", "mu", "wanmu") else unit


def _op(word: str | None, suffix: str | None, target: bool) -> str:
    if suffix in ("以上", "以下", "以内"):
        return _FIXED_OPS[suffix]
    if word in _FIXED_OPS:
        return _FIXED_OPS[word]
    if word in _TARGET_OPS:
        return ">=" if target else "="
    return "="


def _year(text: str) -> int | None:
    text = re.sub(r"《[^》]*》", "", text)  # years in document titles are not the figure's
    found = _YEAR.findall(text)
    return int(found[-1]) if found else None


def _target_years(sentence: str) -> list[int]:
    untitled = re.sub(r"《[^》]*》", "", sentence)  # 《…规划（2021—2035年）》 is no target
    return [int(y) for y in re.findall(r"(?<!截)[到至](20\d\d)年", untitled)]


def _is_past(sentence: str, kw_start: int, clause_start: int, year: int | None) -> bool:
    """A status value: 现状/截至… before it in its clause, or a year before the targets."""
    if _PAST.search(sentence[clause_start:kw_start]):
        return True
    if year is None:
        return False
    before = re.sub(r"《[^》]*》", "", sentence[:kw_start])
    if re.search(rf"(?<!截)[到至]{year}年", before):
        return False
    targets = _target_years(sentence)
    return not targets or year < max(targets)


def _sentences(line: str) -> list[tuple[int, str]]:
    out, start = [], 0
    for m in re.finditer(r"[。！？!?]", line):
        out.append((start, line[start : m.end()]))
        start = m.end()
    if start < len(line):
        out.append((start, line[start:]))
    return out


def _clauses(sentence: str) -> list[tuple[int, str]]:
    out, start = [], 0
    for m in re.finditer(r"[，,；;、。！？]", sentence):
        out.append((start, sentence[start : m.start()]))
        start = m.end()
    if start < len(sentence):
        out.append((start, sentence[start:]))
    return out


def _clause_at(clauses: list[tuple[int, str]], pos: int) -> int:
    for i, (start, text) in enumerate(clauses):
        if start <= pos <= start + len(text):
            return i
    return len(clauses) - 1


def _make(subject, kind, num, unit_raw, op, lineno, quote, year, **kw) -> Extracted | None:
    unit, factor = parse_unit(unit_raw)
    if _family(unit) not in SUBJECTS[subject]["units"]:
        return None
    masked = num.startswith("*")
    value_text, precision = (num, None) if masked else scale_value(num, factor)
    return Extracted(
        subject=subject,
        kind=kind,
        value_text=None if masked else value_text,
        precision=precision,
        unit=unit,
        op=op,
        line=lineno,
        quote=quote.strip(),
        year=year,
        masked=masked,
        **kw,
    )


# --------------------------------------------------------------------------- prose


class _Sentence:
    """One sentence of a normalised line: its text, clauses and the way back to the source."""

    def __init__(self, nl: NormalizedLine, start: int, text: str) -> None:
        self.nl, self.start, self.text = nl, start, text
        self.clauses = _clauses(text)
        self.target = bool(_TARGET.search(text))

    def quote(self, a: int, b: int) -> str:
        """Source text of sentence characters ``[a, b)``."""
        return self.nl.quote(self.start + a, self.start + b)

    def clause_quote(self, ci: int) -> str:
        c_start, text = self.clauses[ci]
        return self.quote(c_start, c_start + len(text))

    def line(self, pos: int) -> int:
        return self.nl.line_at(self.start + pos)


def _share_of_total(sm: re.Match) -> bool:
    """True when 占…的 divides by the total area, not by another figure (占耕地保护目标的)."""
    den = _KEYWORD.search(sm.group("den"))
    return den is None or den.lastgroup == "total_area"


def _share(s: _Sentence, subject: str, sm: re.Match, ci: int, base: Extracted | None, target,
           year) -> Extracted | None:  # fmt: skip
    """A share figure (占…的xx%), with its own comparison or else the area's before it."""
    if "%" not in SUBJECTS[subject]["units"] or not _share_of_total(sm):
        return None
    own = sm.group("op") or sm.group("suffix")
    op = _op(sm.group("op"), sm.group("suffix"), target) if own or base is None else base.op
    fig = _make(subject, "share", sm.group("num"), "%", op, s.line(s.clauses[ci][0]),
                s.clause_quote(ci), year)  # fmt: skip
    if fig is not None and base is not None:
        fig.parent, fig.binding, fig.note = base.parent, base.binding, base.note
    return fig


def _prose(nl: NormalizedLine) -> list[Extracted]:
    found: list[Extracted] = []
    for s_start, text in _sentences(nl.text):
        found += _prose_sentence(_Sentence(nl, s_start, text))
    return found


def _prose_sentence(s: _Sentence) -> list[Extracted]:
    found: list[Extracted] = []
    sentence, clauses = s.text, s.clauses
    parent: tuple[Extracted, int] | None = None  # the figure a later 其中 breaks down
    prev_end = -1
    found, paired = _respectively(s)
    for km in _KEYWORD.finditer(sentence):
        subject = km.lastgroup
        if km.start() in paired:
            continue
        if subject == "total_area" and km.start() == prev_end:
            continue  # 自然保护地总面积: the protected area's total, not the region's
        prev_end = km.end()
        ci = _clause_at(clauses, km.start())
        c_start, _ = clauses[ci]
        if "占" in sentence[c_start : km.start()]:
            continue  # 占全域总面积的…: the total is the denominator, not a figure
        between = sentence[parent[1] : km.start()] if parent else ""
        sub_of = None
        if parent and "其中" in between and not re.search(r"[;；。]", between):
            if parent[0].subject == "total_area" or (parent[0].subject, subject) in _PARTS:
                sub_of = parent[0].subject
        tail = sentence[km.end() :]
        year = _year(sentence[: km.start()])
        past = _is_past(sentence, km.start(), c_start, year)
        target = s.target and not past
        rest = re.sub(r"^(?:面积)?", "", tail)
        share = _SHARE.match(rest)
        if share:  # 自然保护地面积占市域国土面积的比例达到15%以上
            fig = _share(s, subject, share, ci, None, target, year)
            if fig is not None:
                found.append(fig)
                end = km.end() + len(tail) - len(rest) + share.end()
                found += _following(s, fig, _clause_at(clauses, end - 1), target, past)
            continue
        ft = _FROM_TO.match(tail)
        if ft:
            found += _from_to(s, subject, ft, ci)
            continue
        m = _AFTER_KEYWORD.match(tail)
        if subject == "urban_boundary" and (m is None or m.group("unit") == "倍"):
            m = _RATIO_AFTER.match(tail)  # 控制在现状城镇建设用地规模的1.3倍以内
            subject = "urban_expansion" if m else subject
        if m is None or _INTERRUPT.search(m.group("gap")):
            continue
        op = _op(m.group("op"), m.group("suffix"), target)
        fig = _make(subject, "value", m.group("num"), m.group("unit"), op, s.line(km.start()),
                    s.clause_quote(ci), year)  # fmt: skip
        if fig is None:
            continue
        _annotate(fig, m, past, sub_of, SUBJECTS[subject].get("note"))
        found.append(fig)
        end = km.end() + m.end()
        if sub_of is None:
            parent = (fig, end)
        elif subject == "marine_red_line" and parent[0].subject == "red_line":
            parent[0].note = _join_notes(
                parent[0].note,
                "includes the marine red line (其中海洋生态保护红线): land layers measure the "
                "land part only",
            )
        found += _following(s, fig, _clause_at(clauses, end - 1), target, past)
    return found


def _respectively(s: _Sentence) -> tuple[list[Extracted], set[int]]:
    """``A和B分别不低于x和y``: each keyword with its value, in order.

    Returns the figures and the start of every keyword paired, which the keyword loop
    then skips."""
    found: list[Extracted] = []
    paired: set[int] = set()
    for rm in _RESPECTIVELY.finditer(s.text):
        head = max(s.text.rfind(c, 0, rm.start()) for c in ",;。:") + 1
        names = list(_KEYWORD.finditer(s.text, head, rm.start()))
        values = list(_VALUE_UNIT.finditer(rm.group("values")))
        if not names or len(names) != len(values):
            continue
        year = _year(s.text[: names[0].start()])
        past = _is_past(s.text, names[0].start(), head, year)
        op = _op(rm.group("op"), rm.group("suffix"), s.target and not past)
        for km, vm in zip(names, values, strict=True):
            fig = _make(km.lastgroup, "value", vm.group("num"), vm.group("unit"), op,
                        s.line(km.start()), s.quote(head, rm.end()), year)  # fmt: skip
            if fig is not None:
                fig.binding = False if past else None
                fig.note = SUBJECTS[km.lastgroup].get("note")
                found.append(fig)
            paired.add(km.start())
    return found, paired


def _annotate(fig: Extracted, m: re.Match, past: bool, sub_of: str | None, note: str | None):
    if m.group("suffix") == "左右" or (m.group("op") or "").startswith("约"):
        fig.note = _join_notes(fig.note, "approximate (约/左右)")
    if past:
        fig.binding = False
        fig.note = _join_notes(fig.note, "status value (现状/past year): not binding")
    fig.parent = sub_of
    fig.note = _join_notes(fig.note, note)


def _join_notes(*notes: str | None) -> str | None:
    kept = [n for n in notes if n]
    return "; ".join(dict.fromkeys(kept)) if kept else None


def _from_to(s: _Sentence, subject: str, ft: re.Match, ci: int) -> list[Extracted]:
    """由2020年的38.5%提高到2035年的40%以上: the status (not binding) and the target."""
    verb = ft.group("verb") or ""
    up = ">=" if verb in ("提高", "提升", "增加", "增长", "扩大") else "<=" if verb else "="
    line, quote = s.line(s.clauses[ci][0]), s.clause_quote(ci)
    out = []
    status = _make(subject, "value", ft.group("n1"), ft.group("u1"), "=", line, quote,
                   int(ft.group("y1")), binding=False,
                   note="status value (现状/past year): not binding")  # fmt: skip
    goal = _make(subject, "value", ft.group("n2"), ft.group("u2"),
                 _op(None, ft.group("suffix"), True) if ft.group("suffix") else up, line, quote,
                 int(ft.group("y2")))  # fmt: skip
    for fig in (status, goal):
        if fig is not None:
            fig.note = _join_notes(fig.note, SUBJECTS[subject].get("note"))
            out.append(fig)
    return out


def _following(s: _Sentence, fig: Extracted, last_ci: int, target: bool, past: bool):
    """The clauses after a figure: its share of the total, more values of the same quantity,
    its expansion ratio, or parts (其中…) without a keyword of their own."""
    out: list[Extracted] = []
    in_parts = False
    for ci in range(last_ci + 1, len(s.clauses)):
        c_start, clause_text = s.clauses[ci]
        text = clause_text.strip()
        if ci > 0 and s.text[c_start - 1] in ";；":
            break  # a new item of the sentence
        sm = _SHARE.match(text)
        if sm and _family(fig.unit) == "area":
            share = _share(s, fig.subject, sm, ci, fig, target, fig.year)
            out += [share] if share else []
            continue
        if _KEYWORD.search(text):
            break
        rm = _RATIO_OF.match(text)
        if rm and fig.subject == "urban_boundary":
            ratio = _make("urban_expansion", "value", rm.group("num"), "倍",
                          _op(None, rm.group("suffix"), target), s.line(c_start),
                          s.clause_quote(ci), fig.year)  # fmt: skip
            out += [ratio] if ratio else []
            continue
        sub = _SUB.match(text)
        if sub and (sub.group("qizhong") or in_parts):
            in_parts = True
            part = _part(s, fig, sub, ci, target)
            out += [part] if part else []
            continue
        cm = _CONTINUATION.match(text)
        if cm is None or _INTERRUPT.search(text[: cm.start("num")]):
            break
        unit, _ = parse_unit(cm.group("unit"))
        subject = fig.subject
        if subject == "urban_expansion" and _family(unit) == "area":
            subject = "urban_boundary"  # 控制在…的1.3倍以内，约为386.5平方公里
        elif _family(unit) != _family(fig.unit):
            break
        more = _make(
            subject, "value", cm.group("num"), cm.group("unit"),
            _op(cm.group("op"), cm.group("suffix"), target and not past), s.line(c_start),
            s.clause_quote(ci), int(cm.group("year")) if cm.group("year") else fig.year,
        )  # fmt: skip
        if more:
            more.binding, more.note = fig.binding, fig.note
            out.append(more)
    return out


def _part(s: _Sentence, fig: Extracted, sub: re.Match, ci: int, target: bool):
    """A part of ``fig`` named by 其中 without a keyword of its own (集中建设区, 水田)."""
    spec = SUBJECTS[fig.subject]
    unit, _ = parse_unit(sub.group("unit"))
    if _family(unit) not in spec["units"]:
        return None
    part = _make(fig.subject, "share" if unit == "%" else "value", sub.group("num"),
                 sub.group("unit"),
                 _op(sub.group("op"), sub.group("suffix"), target), s.line(s.clauses[ci][0]),
                 s.clause_quote(ci), fig.year, parent=fig.subject,
                 part=sub.group("name").strip())  # fmt: skip
    if part is not None:
        part.binding = fig.binding
        part.note = _join_notes(
            f"a part of {spec['label']} (其中{part.part}): no layer holds the part; kept as stated",
            SUBJECTS[fig.subject].get("note"),
        )
    return part


# --------------------------------------------------------------------------- tables


def _cell_value(cell: str) -> re.Match | None:
    m = _VALUE_CELL.match(cell)
    return m if m and not cell.strip().startswith("20" + m.group("num")[2:] + "年") else None


def _tab_rows(lines: list[str], i: int, sources: list[str]) -> list[Extracted]:
    """A tab-separated row holding a keyword cell, read against the header above it.

    ``lines`` are normalised, ``sources`` the lines as written (for the quote)."""
    cells = lines[i].split("\t")
    name_idx = next((j for j, c in enumerate(cells) if _NAME_CELL.match(c)), None)
    if name_idx is None:
        return []
    header = None
    for k in range(i - 1, max(-1, i - 40), -1):
        hc = lines[k].split("\t")
        if len(hc) >= 4 and any(re.fullmatch(r"\s*20\d\d\s*年\s*", c) for c in hc):
            header = hc
            break
    if header is None:
        return []
    years = {j: int(re.search(r"20\d\d", c).group()) for j, c in enumerate(header)
             if re.fullmatch(r"\s*20\d\d\s*年\s*", c)}  # fmt: skip
    status_col = min(years, key=years.get) if len(years) >= 2 else None
    attr_col = next((j for j, c in enumerate(header) if re.search(r"属性|类型", c)), None)
    attr = cells[attr_col].strip() if attr_col is not None and attr_col < len(cells) else ""
    binding = True if "约束" in attr else False if re.search(r"预期|参考", attr) else None
    name = cells[name_idx]
    subject = _KEYWORD.search(name).lastgroup
    name_unit = _NAME_CELL.match(name).group("unit")
    out = []
    for j, year in years.items():
        if j >= len(cells):
            continue
        m = _cell_value(cells[j])
        unit_raw = (m and m.group("unit")) or name_unit or "%"
        if m is None:
            continue
        is_status = j == status_col
        fig = _make(subject, "value", m.group("num"), unit_raw,
                    _table_op(m.group("op"), subject, is_status),
                    i + 1, " | ".join(c.strip() for c in sources[i].split("\t") if c.strip()), year,
                    binding=False if is_status else binding,
                    note=f"table row {name.strip()}, column {header[j].strip()}"
                    + (" (status)" if is_status else ""))  # fmt: skip
        if fig:
            out.append(fig)
    return out


def _cell_table(lines: list[str], i: int, sources: list[str]) -> list[Extracted]:
    """A row of a table flattened to one cell per line, starting at keyword cell ``i``."""
    name = lines[i]
    subject = _KEYWORD.search(name).lastgroup
    row = []
    for k in range(i + 1, min(len(lines), i + 12)):
        if not lines[k].strip() and "\t" not in lines[k]:
            break  # a bare empty line ends the row; a lone tab is an empty cell
        row.append((k, lines[k].strip()))
    # the header: years under 指标名称, in order; the one after 现状 is the status column
    head = next((k for k in range(i - 1, max(-1, i - 600), -1) if lines[k].strip() == "指标名称"),
                None)  # fmt: skip
    if head is None:
        return []
    years, status_year, seen_status = [], None, False
    for k in range(head, min(len(lines), head + 25)):
        cell = lines[k].strip()
        if re.match(r"\d+$", cell) or (k > head and _NAME_CELL.match(lines[k])):
            break
        seen_status = seen_status or "现状" in cell
        ym = re.fullmatch(r"(20\d\d)\s*年", cell)
        if ym:
            years.append(int(ym.group(1)))
            if seen_status and status_year is None:
                status_year = years[-1]
    unit_raw = _NAME_CELL.match(name).group("unit")
    if row and re.fullmatch(rf"|-|—|{UNIT_PATTERN}", row[0][1]):
        unit_raw = unit_raw or (row[0][1] if row[0][1] not in ("", "-", "—") else None)
        row = row[1:]
    # binding: rows above a 参考性/预期性 divider belong to the binding block
    binding = None
    between = [lines[k].strip() for k in range(head, i)]
    if any(re.fullmatch(r"(参考|预期)性指标", c) for c in between):
        binding = False
    else:
        for k in range(i + 1, min(len(lines), i + 400)):
            c = lines[k].strip()
            if re.fullmatch(r"(参考|预期)性指标", c):
                binding = True
                break
            if len(c) > 40 and not lines[k].startswith("\t"):
                break  # prose again: the table ended
    out = []
    for (k, cell), year in zip(row[len(row) - len(years) :], years, strict=False):
        m = _cell_value(cell)
        if m is None or len(row) < len(years):
            continue
        is_status = year == status_year
        column = "现状值" if is_status else "目标值"
        fig = _make(subject, "value", m.group("num"), m.group("unit") or unit_raw or "%",
                    _table_op(m.group("op"), subject, is_status), k + 1, cell, year,
                    binding=False if is_status else binding,
                    note=f"table row {name.strip()}, {column} {year}年")  # fmt: skip
        if fig:
            out.append(fig)
    return out


# --------------------------------------------------------------------------- public


def find_figures(text: str) -> list[Extracted]:
    """Every spatial figure stated in a plan's text, in line order.

    Parameters
    ----------
    text : str
        The plan as plain text (lines as in the source, 1-based numbering).

    Returns
    -------
    list of Extracted
        Including masked ``**`` values (``masked=True``, ``value_text=None``).

    Examples
    --------
    >>> t = "到2025年，确保生态红线面积不低于230423.56公顷，占全域总面积的30.73%。"
    >>> for f in find_figures(t):
    ...     print(f.subject, f.kind, f.value_text, f.unit, f.op, f.year)
    red_line value 230423.56 ha >= 2025
    red_line share 30.73 % >= 2025
    """
    sources = text.splitlines()
    norm = [normalize_line(line, line_number=i + 1) for i, line in enumerate(sources)]
    lines = [n.text for n in norm]
    found: list[Extracted] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.count("\t") >= 3 or line.startswith("\t") or _is_name_cell(line):
            if line.count("\t") >= 3 and _KEYWORD.search(line):
                found += _tab_rows(lines, i, sources)
            elif _NAME_CELL.match(line):
                found += _cell_table(lines, i, sources)
            i += 1
            continue
        j = i
        while j + 1 < len(lines) and j - i < 5 and _continues(lines[j], lines[j + 1]):
            j += 1
        block = norm[i] if j == i else join_lines(norm[i : j + 1])
        if _KEYWORD.search(block.text):
            found += _prose(block)
        i = j + 1
    return found


def _is_name_cell(line: str) -> bool:
    return len(line.strip()) < 30 and bool(_NAME_CELL.match(line))


# a line that starts something new: 第三章, 一、, (一), 1、, 1. (not 128.76)
_HEADING = re.compile(r"^(?:第[一二三四五六七八九十百\d]+[章节条部篇]|[一二三四五六七八九十]+、|"
                      r"\(?[一二三四五六七八九十\d]+\)|\d+、|\d+\.(?!\d))")  # fmt: skip


def _continues(a: str, b: str) -> bool:
    """True when line ``b`` carries on the sentence that line ``a`` breaks off.

    A PDF converted to text breaks lines at the page width, mid-sentence; a line of
    prose that ends without a stop, followed by a line that does not start a heading or
    a table, is the same sentence."""
    a, b = a.strip(), b.strip()
    if len(a) < 20 or not b or "\t" in a or "\t" in b or a[-1] in "。!?;:！？；：":
        return False
    if _HEADING.match(b) or _is_name_cell(b):
        return False
    return bool(re.match(r"[\u4e00-\u9fff\d(]", b))


def _plan_name(text: str, source: str | None) -> str:
    m = re.search(r"《([^》]*规划[^》]*)》\s*[（(]以下简称", text)
    if m:
        return m.group(1)
    for line in text.splitlines()[:30]:
        nl = normalize_line(line)
        if "规划" in nl.text and len(nl.text.strip()) < 60:
            approved = re.search(r"关于《([^》]*规划[^》]*)》的批复", nl.text)
            return nl.quote(*approved.span(1)) if approved else line.strip().strip("《》")
    return Path(source).stem if source else "未命名规划"


#: the region a plan's title names first: 五常市, 吉林省, 延边朝鲜族自治州, 内蒙古自治区 …
_REGION = re.compile(r"^(?:国务院关于)?《?(?P<name>[\u4e00-\u9fff]{1,12}?(?:自治区|自治州|自治县|"
                     r"特别行政区|省|市|州|盟|地区|县|旗|区))")  # fmt: skip


def _region(name: str) -> str | None:
    """The region a plan's name starts with, or None (五常市生态文明建设示范区规划 → 五常市)."""
    m = _REGION.match(name)
    return m.group("name") if m else None


def _figure_id(e: Extracted, used: set[str]) -> str:
    kind = "share" if e.kind == "share" else "area" if _family(e.unit) == "area" else "value"
    base = f"{e.subject}_{kind}" if e.subject not in ("forest_cover", "forest_grass_cover",
                                                      "wetland_protection", "urban_expansion") \
        else e.subject  # fmt: skip
    if e.part:
        base += "_part"
    fid = f"{base}_{e.year}" if e.year else base
    if fid in used:
        fid = f"{fid}_l{e.line}"
    n, out = 2, fid
    while out in used:
        out, n = f"{fid}_{n}", n + 1
    used.add(out)
    return out


def _label(e: Extracted) -> str:
    """The figure's name; a part (其中) names the figure it belongs to."""
    spec = SUBJECTS[e.subject]
    label = spec["label"]
    if e.part:
        label = e.part if e.part.endswith(("面积", "规模")) else e.part + "面积"
    if e.kind == "share":
        label = label.removesuffix("面积") + "占总面积比例"
    if e.parent:
        label += f"（其中项，属{SUBJECTS[e.parent]['label']}）"
    return label


def _to_figure(e: Extracted, used: set[str]) -> Figure:
    spec = SUBJECTS[e.subject]
    if spec.get("stated") or e.part:
        measure = "stated"  # no layer measures it (a ratio, the marine red line, a part)
    elif e.unit == "%":
        measure = "share" if "role" in spec else "land_cover"
    else:
        measure = "area" if "role" in spec else "land_cover"
    return Figure(
        id=_figure_id(e, used),
        measure=measure,
        op=e.op,
        value=float(e.value_text),
        unit=e.unit,
        label=_label(e),
        role=spec.get("role") if measure != "land_cover" and "role" in spec else None,
        classes=spec.get("classes") if "role" not in spec else None,
        precision=e.precision,
        year=e.year,
        binding=e.binding,
        quote=e.quote,
        line=e.line,
        note=e.note,
        value_text=e.value_text,
    )


def extract_figures(text: str, *, source: str | os.PathLike | None = None) -> Plan:
    """Draft a plan from its text: every spatial figure found, for a person to review.

    Parameters
    ----------
    text : str
        The plan's text.
    source : str or path-like, optional
        Where the text came from; recorded as ``source_text`` and used for the name
        when the text has no title.

    Returns
    -------
    Plan
        ``total_area`` is the first total area stated; every other figure becomes a
        :class:`~ecospace.plan.Figure` (area and share separately, ids such as
        ``red_line_area_2025``).  Masked ``**`` values are left out with a warning.

    Examples
    --------
    >>> p = extract_figures("辖区总面积为7512平方公里。到2025年，全市森林覆盖率保持在46%。")
    >>> p.total_area.value, [(f.id, f.op, f.value) for f in p.figures]
    (7512.0, [('forest_cover_2025', '>=', 46.0)])
    """
    found = find_figures(text)
    masked = [e for e in found if e.masked]
    if masked:
        log.warning(
            "left out %d masked figure(s) (**) on line(s) %s",
            len(masked),
            ", ".join(str(e.line) for e in masked),
        )
    total, figures, used = None, [], set()
    for e in (e for e in found if not e.masked):
        if e.subject == "total_area" and total is None:
            total = Quantity(float(e.value_text), e.unit, e.quote, e.line, value_text=e.value_text)
            continue
        figures.append(_to_figure(e, used))
    name = _plan_name(text, None if source is None else str(source))
    return Plan(
        name=name,
        region=_region(normalize_line(name).text),
        figures=figures,
        total_area=total,
        source_text=None if source is None else str(source),
        denominator="stated" if total is not None else "boundary",
    )


#: the standard layer code of each role, for the example paths of the layers skeleton
_LAYER_CODES = {
    "boundary": "XZQ",
    "red_line": "STBHHX",
    "basic_farmland": "YJJBNTBHTB",
    "urban_boundary": "CZKFBJ",
    "protected_area": "ZRBHD",
    "land_use": "DLTB",
}


def _roles_needed(plan: Plan) -> list[str]:
    """The layer roles a plan's figures need: the boundary (the denominator) and each role."""
    needed = {"boundary"}
    for f in plan.figures:
        if f.measure == "stated":
            continue
        needed.update(r for r in (f.role, f.within, *(f.roles or ())) if r in ROLES)
        if f.measure == "land_cover":
            needed.add("land_use")
    return [r for r in ROLES if r in needed]


def draft_text(plan: Plan) -> str:
    """A drafted plan as the text of a plan file, with what the text could not say as comments.

    The plan file of :func:`~ecospace.plan.dump_plan`, plus: a commented ``layers:``
    skeleton (one line per role the figures need, with the standard layer code as an
    example path) to point at the delivered files, and, when the region has no code
    (or no name) in the draft, a commented line saying where it goes.

    Parameters
    ----------
    plan : Plan
        Usually the result of :func:`extract_figures`.

    Returns
    -------
    str
        YAML that :func:`~ecospace.plan.load_plan` reads as it stands.

    Examples
    --------
    >>> text = draft_text(extract_figures("五常市规划\\n生态保护红线面积不低于2.35万公顷。"))
    >>> print(text[: text.index("figures:")])
    plan: 五常市规划
    region:
      name: 五常市
      # code: "230184"    # 行政区划代码 (6 digits): fill in
    denominator: boundary
    method: ellipsoid
    # layers:    # uncomment; point each path at the delivered file (PATH[:LAYER], relative
    #            # to this plan file); `ecospace layers FOLDER/` lists what a delivery holds
    #   - {path: DELIVERY.gdb:XZQ, role: boundary}
    #   - {path: DELIVERY.gdb:STBHHX, role: red_line}
    <BLANKLINE>
    """
    lines = dump_plan(plan).splitlines()
    out: list[str] = []
    for line in lines:
        if line.startswith("figures:"):
            out += _layers_skeleton(plan)
        out.append(line)
        if line.startswith("plan:") and not plan.region:
            out.append('# region: {name: 示例县, code: "230184"}    # the region: fill in')
        if line.startswith("  name:") and plan.region and not plan.code:
            out.append('  # code: "230184"    # 行政区划代码 (6 digits): fill in')
    return "\n".join(out) + "\n"


def _layers_skeleton(plan: Plan) -> list[str]:
    if plan.layers:
        return []
    out = [
        "# layers:    # uncomment; point each path at the delivered file (PATH[:LAYER], relative",
        "#            # to this plan file); `ecospace layers FOLDER/` lists what a delivery holds",
    ]
    for role in _roles_needed(plan):
        out.append(f"#   - {{path: DELIVERY.gdb:{_LAYER_CODES[role]}, role: {role}}}")
    for role in sorted({f.role for f in plan.figures if f.role in FIGURE_ONLY_ROLES}):
        out.append(
            f"#   # no layer for {role} ({ROLE_LABELS[role]['zh']}): land layers cannot hold it"
        )
    return out
