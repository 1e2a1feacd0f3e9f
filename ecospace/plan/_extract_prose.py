"""Figures stated in running text: sentences, clauses, 其中 parts, shares (private).

Helper of :mod:`ecospace.extract`.  A sentence is split at 。！？ and its clauses at
，；、; a figure is a keyword followed, within a few characters and no comma, by a number
and a unit.  The clauses after it may add a share of the total (占…的xx%), further values
of the same quantity (``，2023年达到46.43%``), an expansion ratio (为…规模的1.22倍) or
parts introduced by 其中 — with a keyword of their own (其中永久基本农田保护面积…), or
without (其中集中建设区…).  ``A和B分别不低于x和y`` pairs keywords and values in order;
``由2020年的38.5%提高到2035年的40%`` gives a status and a target.  A figure of a past
year (现状, 截至2020年底, a year before the sentence's target year) is not binding.
"""

from __future__ import annotations

import re

from ecospace.plan._extract_units import UNIT_PATTERN, parse_unit
from ecospace.plan._extract_vocab import (
    KEYWORD,
    NUM,
    OPWORD,
    SUBJECTS,
    SUFFIX,
    UNIT,
    Extracted,
    comparison,
    family,
    is_name_cell,
    make,
    year_of,
)
from ecospace.plan._text_normalize import NormalizedLine

__all__ = ["continues", "prose_figures"]

#: which figure a 其中 may break down into which (the total area into anything)
_PARTS = {
    ("cropland", "basic_farmland"),
    ("red_line", "marine_red_line"),
    ("red_line", "red_line"),
    ("protected_area", "protected_area"),
    ("urban_boundary", "urban_boundary"),
    ("basic_farmland", "basic_farmland"),
}
# 扩展倍数控制在基于2020年城镇建设用地规模的1.3倍以内: the base is named before the number
_BASED_ON = r"(?:基于[^,;。]{0,20}?的)?"
# keyword, then up to 8 characters of filler (面积, 保护面积, 为 …) without a comma, then the value
# (a qualifier in brackets may stand in the filler: 生态保护红线（陆域）面积…)
_AFTER_KEYWORD = re.compile(
    r"(?P<gap>(?:[^\d,。;:、()%*]|\([^\d(),;。]{1,6}\)){0,8}?)(?P<op>" + OPWORD + r")?" + _BASED_ON
    + NUM + UNIT + SUFFIX
)  # fmt: skip
# 城镇开发边界面积控制在现状城镇建设用地规模的1.3倍以内: the ratio of an urban boundary
_RATIO_AFTER = re.compile(
    r"(?P<gap>[^\d,。;:、()%*]{0,8}?)(?P<op>" + OPWORD + r")?(?:基于)?[^,;。\d]{0,20}?的" + NUM
    + "(?P<unit>倍)" + SUFFIX
)  # fmt: skip
# 城镇开发边界扩展倍数不超过1.29: a multiple needs no 倍
_BARE_RATIO = re.compile(
    r"(?P<gap>[^\d,。;:、()%*]{0,8}?)(?P<op>" + OPWORD + r")?" + _BASED_ON + NUM
    + r"(?P<unit>)(?![\d.%万亿平公亩倍])" + SUFFIX
)  # fmt: skip
# 耕地保有量和永久基本农田保护面积分别不低于368.52万亩和312.40万亩
_VALUE_UNIT = re.compile(r"(?P<num>\d+(?:\.\d+)?)(?P<unit>" + UNIT_PATTERN + ")")
_RESPECTIVELY = re.compile(
    r"分别(?P<op>" + OPWORD + r")?(?P<values>\d+(?:\.\d+)?" + UNIT_PATTERN
    + r"(?:(?:和|与|及|以及|、|,)\d+(?:\.\d+)?" + UNIT_PATTERN + r")+)" + SUFFIX
)  # fmt: skip
# 占全域总面积的30.73%; 占全省陆域国土面积的比例不低于30.05%
_SHARE = re.compile(
    r"^约?占(?P<den>[^,;。\d]{0,20}?)(?:的(?:比例|比重)?|比例|比重)?(?P<op>" + OPWORD + r")?"
    + NUM + r"(?P<unit>%)" + SUFFIX
)  # fmt: skip
_CONTINUATION = re.compile(
    r"^(?:(?:20\d\d[—–-])?(?P<year>20\d\d)年)?(?P<op>" + OPWORD + r")?" + NUM + UNIT + SUFFIX
)
# 由2020年的38.5%提高到2035年的40%以上: a status and a target of one quantity
_FROM_TO = re.compile(
    r"^(?:面积|规模)?由(?P<y1>20\d\d)年(?:底|末)?的?(?P<n1>\d+(?:\.\d+)?)(?P<u1>" + UNIT_PATTERN
    + r")(?P<verb>提高|提升|增加|增长|扩大|减少|下降|降低)?[到至](?P<y2>20\d\d)年(?:底|末)?的?"
    r"(?P<n2>\d+(?:\.\d+)?)(?P<u2>" + UNIT_PATTERN + r")" + SUFFIX
)  # fmt: skip
# 其中集中建设区面积128.50平方千米 (a part without a keyword of its own), and the next items
_SUB = re.compile(
    r"^(?P<qizhong>其中)?(?P<name>[^\d,;。:()]{1,15}?)(?:面积|规模)?(?:约?占[^,;。\d]{0,12}?的?)?"
    r"(?P<op>" + OPWORD + r")?" + NUM + UNIT + SUFFIX + "$"
)  # fmt: skip
# 为现状城镇建设用地规模的1.22倍: the expansion ratio of an urban boundary figure
_RATIO_OF = re.compile(r"^(?:约为|为|是|相当于)[^,;。\d]{0,20}?的" + NUM + "(?P<unit>倍)" + SUFFIX)
# words that mean the number belongs to another indicator, or to a comparison region
_INTERRUPT = re.compile(r"率|度|指数|比例|水平|平均|占|全国|全省")
_TARGET = re.compile(r"(?<!截)[到至]20\d\d年|确保|力争|目标")
#: a status, not a target: 现状, 基期, 截至2020年底, 十三五 …
_PAST = re.compile(r"现状|基期|基准年|截至|截止|十三五|已经|已划定|目前|现有")


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
    if re.search(r"海域|海洋", sm.group("den")):
        return False  # 占全省管辖海域面积的: a share of the sea, not of the region
    den = KEYWORD.search(sm.group("den"))
    return den is None or den.lastgroup == "total_area"


def _share(s: _Sentence, subject: str, sm: re.Match, ci: int, base: Extracted | None, target,
           year) -> Extracted | None:  # fmt: skip
    """A share figure (占…的xx%), with its own comparison or else the area's before it."""
    if "%" not in SUBJECTS[subject]["units"] or not _share_of_total(sm):
        return None
    own = sm.group("op") or sm.group("suffix")
    op = comparison(sm.group("op"), sm.group("suffix"), target) if own or base is None else base.op
    fig = make(subject, "share", sm.group("num"), "%", op, s.line(s.clauses[ci][0]),
               s.clause_quote(ci), year)  # fmt: skip
    if fig is not None and base is not None:
        fig.parent, fig.binding, fig.note = base.parent, base.binding, base.note
    return fig


def prose_figures(nl: NormalizedLine) -> list[Extracted]:
    """Every figure stated in a normalised line of prose (or lines joined), sentence by sentence.

    Examples
    --------
    >>> from ecospace.plan._text_normalize import normalize_line
    >>> nl = normalize_line("耕地保有量不低于45.80万亩，其中永久基本农田不低于40.1万亩。")
    >>> [(f.subject, f.value_text, f.unit, f.parent) for f in prose_figures(nl)]
    [('cropland', '45.80', 'wanmu', None), ('basic_farmland', '40.1', 'wanmu', 'cropland')]
    """
    found: list[Extracted] = []
    for s_start, text in _sentences(nl.text):
        found += _prose_sentence(_Sentence(nl, s_start, text))
    return found


def _prose_sentence(s: _Sentence) -> list[Extracted]:
    sentence, clauses = s.text, s.clauses
    parent: tuple[Extracted, int] | None = None  # the figure a later 其中 breaks down
    prev_end = -1
    found, paired = _respectively(s)
    for km in KEYWORD.finditer(sentence):
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
        if parent and re.search(r"其中|\(含|\(包括", between) and not re.search(r"[;。]", between):
            if parent[0].subject == "total_area" or (parent[0].subject, subject) in _PARTS:
                sub_of = parent[0].subject
            elif sub := _SUB.match(clauses[ci][1].strip()):
                # 红线其中自然保护地核心保护区…: a part of the parent the keyword only names
                part = _part(s, parent[0], sub, ci, s.target)
                found += [part] if part else []
                continue
        tail = sentence[km.end() :]
        year = year_of(sentence[: km.start()])
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
        if subject == "urban_expansion" and m is None:
            m = _BARE_RATIO.match(tail)  # 扩展倍数不超过1.29
        if subject == "urban_boundary" and (m is None or m.group("unit") == "倍"):
            m = _RATIO_AFTER.match(tail)  # 控制在现状城镇建设用地规模的1.3倍以内
            subject = "urban_expansion" if m else subject
        if m is None or _INTERRUPT.search(m.group("gap")):
            continue
        op = comparison(m.group("op"), m.group("suffix"), target)
        fig = make(subject, "value", m.group("num"), m.group("unit"), op, s.line(km.start()),
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
        names = list(KEYWORD.finditer(s.text, head, rm.start()))
        values = list(_VALUE_UNIT.finditer(rm.group("values")))
        if not names or len(names) != len(values):
            continue
        year = year_of(s.text[: names[0].start()])
        past = _is_past(s.text, names[0].start(), head, year)
        op = comparison(rm.group("op"), rm.group("suffix"), s.target and not past)
        for km, vm in zip(names, values, strict=True):
            fig = make(km.lastgroup, "value", vm.group("num"), vm.group("unit"), op,
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
    status = make(subject, "value", ft.group("n1"), ft.group("u1"), "=", line, quote,
                  int(ft.group("y1")), binding=False,
                  note="status value (现状/past year): not binding")  # fmt: skip
    op = comparison(None, ft.group("suffix"), True) if ft.group("suffix") else up
    goal = make(subject, "value", ft.group("n2"), ft.group("u2"), op, line, quote,
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
        if sm and family(fig.unit) == "area":
            share = _share(s, fig.subject, sm, ci, fig, target, fig.year)
            out += [share] if share else []
            continue
        if KEYWORD.search(text):
            break
        rm = _RATIO_OF.match(text)
        if rm and fig.subject == "urban_boundary":
            ratio = make("urban_expansion", "value", rm.group("num"), "倍",
                         comparison(None, rm.group("suffix"), target), s.line(c_start),
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
        if subject == "urban_expansion" and family(unit) == "area":
            subject = "urban_boundary"  # 控制在…的1.3倍以内，约为386.5平方公里
        elif family(unit) != family(fig.unit):
            break
        more = make(
            subject, "value", cm.group("num"), cm.group("unit"),
            comparison(cm.group("op"), cm.group("suffix"), target and not past), s.line(c_start),
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
    if family(unit) not in spec["units"]:
        return None
    part = make(fig.subject, "share" if unit == "%" else "value", sub.group("num"),
                sub.group("unit"),
                comparison(sub.group("op"), sub.group("suffix"), target), s.line(s.clauses[ci][0]),
                s.clause_quote(ci), fig.year, parent=fig.subject,
                part=sub.group("name").strip())  # fmt: skip
    if part is not None:
        part.binding = fig.binding
        part.note = _join_notes(
            f"a part of {spec['label']} (其中{part.part}): no layer holds the part; kept as stated",
            SUBJECTS[fig.subject].get("note"),
        )
    return part


# a line that starts something new: 第三章, 一、, (一), 1、, 1. (not 128.76)
_HEADING = re.compile(r"^(?:第[一二三四五六七八九十百\d]+[章节条部篇]|[一二三四五六七八九十]+、|"
                      r"\(?[一二三四五六七八九十\d]+\)|\d+、|\d+\.(?!\d))")  # fmt: skip


def continues(a: str, b: str) -> bool:
    """True when line ``b`` carries on the sentence that line ``a`` breaks off.

    A PDF converted to text breaks lines at the page width, mid-sentence; a line of
    prose that ends without a stop, followed by a line that does not start a heading or
    a table, is the same sentence."""
    a, b = a.strip(), b.strip()
    if len(a) < 20 or not b or "\t" in a or "\t" in b or a[-1] in "。!?;:！？；：":
        return False
    if _HEADING.match(b) or is_name_cell(b):
        return False
    return bool(re.match(r"[\u4e00-\u9fff\d(]", b))
