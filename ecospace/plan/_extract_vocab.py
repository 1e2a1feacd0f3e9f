"""What the plan-text reader looks for: subjects, keywords, units, comparisons (private).

Helper of :mod:`ecospace.extract`, shared by its prose reader (:mod:`._extract_prose`) and
table reader (:mod:`._extract_tables`): the kinds of figure (:data:`SUBJECTS`), the
keywords that name them, the number, unit and comparison patterns, and
:class:`Extracted`, one figure found.  Every pattern is written for normalised text
(:mod:`._text_normalize`: simplified characters, half-width digits and punctuation, no
spaces).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ecospace.plan._extract_units import UNIT_PATTERN, parse_unit, scale_value

__all__ = [
    "KEYWORD",
    "KEYWORDS",
    "MARINE_NOTE",
    "NAME_CELL",
    "NUM",
    "OPWORD",
    "SUBJECTS",
    "SUFFIX",
    "UNIT",
    "Extracted",
    "comparison",
    "family",
    "is_name_cell",
    "make",
    "year_of",
]

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
KEYWORDS: tuple[tuple[str, str], ...] = (
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
KEYWORD = re.compile("|".join(f"(?P<{k}>{p})" for k, p in KEYWORDS))
NUM = r"(?P<num>\d+(?:\.\d+)?|\*+)"
UNIT = rf"(?P<unit>{UNIT_PATTERN})"
OPWORD = (
    r"不低于|不少于|不小于|不高于|不超过|不大于|达到|保持在|稳定在|控制在|提高到|提升到|"
    r"增加到|提高至|提升至|增至|达|为|是|约为|约|≥|≤|≧|≦|>|<|="
)
SUFFIX = r"(?P<suffix>以上|以下|以内|左右)?"
NAME_CELL = re.compile(
    r"^\s*(?:" + "|".join(p for _, p in KEYWORDS) + r")(?:面积|保护面积)?\s*\*?\s*"
    r"(?:\(\s*(?P<unit>" + UNIT_PATTERN + r")\s*\))?\s*\*?\s*$"
)  # fmt: skip
_YEAR = re.compile(r"(?:20\d\d[—–-])?(20\d\d)年")
_FIXED_OPS = {
    "不低于": ">=", "不少于": ">=", "不小于": ">=", "≥": ">=", "≧": ">=", "以上": ">=",
    "不高于": "<=", "不超过": "<=", "不大于": "<=", "≤": "<=", "≦": "<=", "控制在": "<=",
    "以下": "<=", "以内": "<=", ">": ">", "<": "<",
}  # fmt: skip
_TARGET_OPS = {"达到", "保持在", "提高到", "提升到", "增加到", "提高至", "提升至", "增至", "达"}


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


def family(unit: str) -> str:
    """``area`` for an area unit, else the unit itself (``%``, ``ratio``)."""
    return "area" if unit in ("m2", "ha", "km2", "mu", "wanmu") else unit


def comparison(word: str | None, suffix: str | None, target: bool) -> str:
    """The operator of a comparison word (不低于 → ``>=``) or suffix (以内 → ``<=``).

    达到/保持在 are a floor in a target (``target``), a fact otherwise; no word is ``=``.

    Examples
    --------
    >>> comparison("不低于", None, False), comparison("达到", None, True)
    ('>=', '>=')
    >>> comparison("达到", None, False), comparison(None, "以内", False)
    ('=', '<=')
    """
    if suffix in ("以上", "以下", "以内"):
        return _FIXED_OPS[suffix]
    if word in _FIXED_OPS:
        return _FIXED_OPS[word]
    if word in _TARGET_OPS:
        return ">=" if target else "="
    return "="


def year_of(text: str) -> int | None:
    """The last year written in ``text`` (2020—2022年 → 2022), titles 《…》 left out."""
    text = re.sub(r"《[^》]*》", "", text)  # years in document titles are not the figure's
    found = _YEAR.findall(text)
    return int(found[-1]) if found else None


def make(
    subject: str,
    kind: str,
    num: str,
    unit_raw: str,
    op: str,
    lineno: int,
    quote: str,
    year: int | None,
    **kw,
) -> Extracted | None:
    """One figure, its number scaled into the plan unit; None when the subject takes no
    such unit (a forest cover in hectares)."""
    unit, factor = parse_unit(unit_raw)
    if family(unit) not in SUBJECTS[subject]["units"]:
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


def is_name_cell(line: str) -> bool:
    """True for a short line that is only an indicator's name (a flattened table's cell)."""
    return len(line.strip()) < 30 and bool(NAME_CELL.match(line))
