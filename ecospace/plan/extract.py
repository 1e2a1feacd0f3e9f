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
from decimal import Decimal
from pathlib import Path

from ecospace.plan.model import Figure, Plan, Quantity, normalize_plan_unit, precision_of

__all__ = ["SUBJECTS", "Extracted", "extract_figures", "find_figures"]

log = logging.getLogger("ecospace")

#: What each kind of figure is, in plan-file terms.  ``units``: the unit families it takes.
SUBJECTS: dict[str, dict] = {
    "total_area": {"label": "总面积", "role": "boundary", "units": ("area",)},
    "red_line": {"label": "生态保护红线面积", "role": "red_line", "units": ("area", "%")},
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

# longest names first, so 城镇开发边界扩展倍数 wins over 城镇开发边界
_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("urban_expansion", r"城镇开发边界扩展倍数"),
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
_NUM = r"(?P<num>\d+(?:\.\d+)?|\*+)"
_UNIT = r"(?P<unit>万公顷|公顷|平方公里|平方千米|km2|km²|万亩|亩|%|％|倍)"
_OPWORD = (
    r"不低于|不少于|不小于|不高于|不超过|不大于|达到|保持在|稳定在|控制在|提高到|提升到|"
    r"增加到|提高至|提升至|增至|达|为|是|约|≥|≤|>|<|＞|＜|="
)
_SUFFIX = r"(?P<suffix>以上|以下|以内|左右)?"
# keyword, then up to 8 characters of filler (面积, 保护面积, 为 …) without a comma, then the value
_AFTER_KEYWORD = re.compile(
    r"(?P<gap>[^\d，,。；;：:、（）()%％*]{0,8}?)(?P<op>" + _OPWORD + r")?\s*" + _NUM + r"\s*"
    + _UNIT + _SUFFIX
)  # fmt: skip
_SHARE = re.compile(r"^占[^，,。；;]{0,15}?的?(?:约)?\s*" + _NUM + r"\s*(?P<unit>%|％)" + _SUFFIX)
_CONTINUATION = re.compile(
    r"^(?:(?:20\d\d\s*[—–-]\s*)?(?P<year>20\d\d)\s*年)?(?P<op>" + _OPWORD + r")?\s*" + _NUM
    + r"\s*" + _UNIT + _SUFFIX
)  # fmt: skip
# words that mean the number belongs to another indicator, or to a comparison region
_INTERRUPT = re.compile(r"率|度|指数|比例|水平|平均|占|全国|全省")
_YEAR = re.compile(r"(?:20\d\d\s*[—–-]\s*)?(20\d\d)\s*年")
_TARGET = re.compile(r"[到至]\s*20\d\d\s*年|确保|力争|目标")
_VALUE_CELL = re.compile(
    r"^\s*(?P<op>≥|≤|>|<|＞|＜|=|不低于|不少于|不超过|不高于)?\s*" + _NUM + r"\s*(?P<unit>%|％|公顷"
    r"|平方公里|万亩|亩|倍)?(?![\d.])"
)  # fmt: skip
_NAME_CELL = re.compile(
    r"^\s*(?:" + "|".join(p for _, p in _KEYWORDS) + r")(?:面积|保护面积)?\s*\*?\s*"
    r"(?:[(（]\s*(?P<unit>%|％|公顷|平方公里|万亩|亩)\s*[)）])?\s*\*?\s*$"
)  # fmt: skip
_FIXED_OPS = {
    "不低于": ">=", "不少于": ">=", "不小于": ">=", "≥": ">=", "以上": ">=",
    "不高于": "<=", "不超过": "<=", "不大于": "<=", "≤": "<=", "控制在": "<=", "以下": "<=",
    "以内": "<=", ">": ">", "＞": ">", "<": "<", "＜": "<",
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
    extra: dict = field(default_factory=dict)

    @property
    def value(self) -> float | None:
        """The number, or None when masked."""
        return None if self.value_text is None else float(self.value_text)


# --------------------------------------------------------------------------- helpers


def _unit(raw: str) -> tuple[str, str | None]:
    """Canonical unit, and a factor text when the unit needs scaling (万公顷 → ha × 1e4)."""
    if raw == "万公顷":
        return "ha", "1e4"
    if raw in ("km2", "km²", "平方千米"):
        return "km2", None
    return normalize_plan_unit(raw), None


def _family(unit: str) -> str:
    return "area" if unit in ("m2", "ha", "km2", "mu", "wanmu") else unit


def _scaled(text: str, factor: str | None) -> tuple[str, float | None]:
    """The number in the canonical unit, and its precision when scaling hid it."""
    if factor is None or text.startswith("*"):
        return text, None
    scaled = Decimal(text) * Decimal(factor)
    return format(scaled, "f"), precision_of(text) * float(factor)


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
    unit, factor = _unit(unit_raw)
    if _family(unit) not in SUBJECTS[subject]["units"]:
        return None
    masked = num.startswith("*")
    value_text, precision = _scaled(num, factor)
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


def _prose(line: str, lineno: int) -> list[Extracted]:
    found: list[Extracted] = []
    for _, sentence in _sentences(line):
        clauses = _clauses(sentence)
        target = bool(_TARGET.search(sentence))
        for km in _KEYWORD.finditer(sentence):
            subject = km.lastgroup
            ci = _clause_at(clauses, km.start())
            c_start, clause = clauses[ci]
            before = sentence[c_start : km.start()]
            if "占" in before:  # 占全域总面积的…: the total is the denominator, not a figure
                continue
            tail = sentence[km.end() :]
            share = _SHARE.match(re.sub(r"^(?:面积)?", "", tail))
            m = _AFTER_KEYWORD.match(tail)
            if m is None or _INTERRUPT.search(m.group("gap")) or share:
                continue
            year = _year(sentence[: km.start()])
            op = _op(m.group("op"), m.group("suffix"), target)
            fig = _make(subject, "value", m.group("num"), m.group("unit"), op, lineno, clause, year)
            if fig is None:
                continue
            if m.group("suffix") == "左右" or m.group("op") == "约":
                fig.note = "approximate (约/左右)"
            found.append(fig)
            # the clauses after it: a share of the total, or more values of the same quantity
            last_ci = _clause_at(clauses, km.end() + m.end() - 1)
            for _, clause_text in clauses[last_ci + 1 :]:
                text = clause_text.strip()
                sm = _SHARE.match(text)
                if sm and _family(fig.unit) == "area" and "%" in SUBJECTS[subject]["units"]:
                    share_fig = _make(subject, "share", sm.group("num"), sm.group("unit"), fig.op,
                                      lineno, text, fig.year)  # fmt: skip
                    if share_fig:
                        found.append(share_fig)
                    continue
                cm = _CONTINUATION.match(text)
                if (
                    cm is None
                    or _KEYWORD.search(text)
                    or _INTERRUPT.search(text[: cm.start("num")])
                ):
                    break
                unit, _ = _unit(cm.group("unit"))
                if _family(unit) != _family(fig.unit):
                    break
                more = _make(
                    subject, "value", cm.group("num"), cm.group("unit"),
                    _op(cm.group("op"), cm.group("suffix"), target), lineno, text,
                    int(cm.group("year")) if cm.group("year") else fig.year,
                )  # fmt: skip
                if more:
                    found.append(more)
    return found


# --------------------------------------------------------------------------- tables


def _cell_value(cell: str) -> re.Match | None:
    m = _VALUE_CELL.match(cell)
    return m if m and not cell.strip().startswith("20" + m.group("num")[2:] + "年") else None


def _tab_rows(lines: list[str], i: int) -> list[Extracted]:
    """A tab-separated row holding a keyword cell, read against the header above it."""
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
                    i + 1, " | ".join(c.strip() for c in cells if c.strip()), year,
                    binding=False if is_status else binding,
                    note=f"table row {name.strip()}, column {header[j].strip()}"
                    + (" (status)" if is_status else ""))  # fmt: skip
        if fig:
            out.append(fig)
    return out


def _cell_table(lines: list[str], i: int) -> list[Extracted]:
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
    if row and re.fullmatch(r"|-|—|%|％|公顷|平方公里|万亩|亩", row[0][1]):
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
    lines = text.splitlines()
    found: list[Extracted] = []
    for i, line in enumerate(lines):
        if not _KEYWORD.search(line):
            continue
        if line.count("\t") >= 3:
            found += _tab_rows(lines, i)
        elif line.startswith("\t") or (len(line.strip()) < 30 and _NAME_CELL.match(line)):
            if _NAME_CELL.match(line):
                found += _cell_table(lines, i)
        else:
            found += _prose(line, i + 1)
    return found


def _plan_name(text: str, source: str | None) -> str:
    m = re.search(r"《([^》]*规划[^》]*)》\s*[（(]以下简称", text)
    if m:
        return m.group(1)
    for line in text.splitlines()[:30]:
        s = line.strip()
        if "规划" in s and len(s) < 60:
            return s.strip("《》")
    return Path(source).stem if source else "未命名规划"


def _figure_id(e: Extracted, used: set[str]) -> str:
    kind = "share" if e.kind == "share" else "area" if _family(e.unit) == "area" else "value"
    base = f"{e.subject}_{kind}" if e.subject not in ("forest_cover", "forest_grass_cover",
                                                      "wetland_protection", "urban_expansion") \
        else e.subject  # fmt: skip
    fid = f"{base}_{e.year}" if e.year else base
    if fid in used:
        fid = f"{fid}_l{e.line}"
    n, out = 2, fid
    while out in used:
        out, n = f"{fid}_{n}", n + 1
    used.add(out)
    return out


def _to_figure(e: Extracted, used: set[str]) -> Figure:
    spec = SUBJECTS[e.subject]
    if spec.get("stated"):
        measure = "stated"
    elif e.unit == "%":
        measure = "share" if "role" in spec else "land_cover"
    else:
        measure = "area" if "role" in spec else "land_cover"
    label = (
        spec["label"] if e.kind == "value" else spec["label"].removesuffix("面积") + "占总面积比例"
    )
    return Figure(
        id=_figure_id(e, used),
        measure=measure,
        op=e.op,
        value=float(e.value_text),
        unit=e.unit,
        label=label,
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
    return Plan(
        name=_plan_name(text, None if source is None else str(source)),
        figures=figures,
        total_area=total,
        source_text=None if source is None else str(source),
        denominator="stated" if total is not None else "boundary",
    )
