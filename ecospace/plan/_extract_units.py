"""The units a plan writes after a number, as a small grammar (private).

Helper of :mod:`ecospace.extract`.  A unit is an optional multiplier (万 10⁴, 亿 10⁸)
before an area unit (平方米, 公顷, 平方公里/平方千米, 亩 and their symbols m2, hm2, km2),
or a percentage (%), or a ratio (倍).  Each written unit becomes a unit of the plan file
and a factor; the number is scaled exactly (in decimal) and its stated precision scaled
with it, so ``3.639万平方千米`` is 36 390 km² stated to 10 km².

Where a multiplied unit is itself a plan unit or converts exactly into one, no factor is
needed: 万亩 is ``wanmu``, 万平方米 is ``ha`` (10⁴ m² = 1 ha) and 亿平方米 is 100 ``km2``.
"""

from __future__ import annotations

from decimal import Decimal

from ecospace.plan.model import precision_of

__all__ = ["UNIT_PATTERN", "parse_unit", "scale_value"]

#: written area units → plan unit (symbols as they read after NFKC: ㎢ → km2, m² → m2)
_AREA = {
    "平方公里": "km2",
    "平方千米": "km2",
    "km2": "km2",
    "平方米": "m2",
    "m2": "m2",
    "公顷": "ha",
    "hm2": "ha",
    "亩": "mu",
}
_MULTIPLIERS = {"万": Decimal("1e4"), "亿": Decimal("1e8")}
#: a multiplied unit that is, or converts exactly into, a plan unit: (unit, factor)
_EXACT = {
    "万亩": ("wanmu", None),
    "亿亩": ("wanmu", Decimal("1e4")),
    "万平方米": ("ha", None),
    "万m2": ("ha", None),
    "亿平方米": ("km2", Decimal("1e2")),
    "亿m2": ("km2", Decimal("1e2")),
}
_OTHER = {"%": "%", "倍": "ratio", "": "ratio"}  # a bare multiple (扩展倍数1.29) is a ratio

#: The unit after a number, longest spellings first (km2 before m2, 平方公里 before 公顷).
UNIT_PATTERN = (
    "(?:[万亿]?(?:"
    + "|".join(sorted(_AREA, key=len, reverse=True))
    + ")|%|倍)"
)  # fmt: skip


def parse_unit(written: str) -> tuple[str, Decimal | None]:
    """The plan unit of a written unit, and the factor its numbers need (None: as written).

    Examples
    --------
    >>> parse_unit("万平方千米"), parse_unit("万亩"), parse_unit("万平方米"), parse_unit("%")
    (('km2', Decimal('1E+4')), ('wanmu', None), ('ha', None), ('%', None))
    >>> parse_unit("亿亩"), parse_unit("平方公里"), parse_unit("倍")
    (('wanmu', Decimal('1E+4')), ('km2', None), ('ratio', None))
    """
    if written in _EXACT:
        return _EXACT[written]
    if written in _OTHER:
        return _OTHER[written], None
    if written in _AREA:
        return _AREA[written], None
    head, base = written[:1], written[1:]
    if head in _MULTIPLIERS and base in _AREA:
        return _AREA[base], _MULTIPLIERS[head]
    raise ValueError(f"not a unit of the grammar: {written!r}")


def scale_value(text: str, factor: Decimal | None) -> tuple[str, float | None]:
    """The number scaled into the plan unit, and its precision when scaling changed it.

    The precision is one unit in the last written decimal, times the factor: the plan
    wrote ``3.639`` 万平方千米, so the figure is known to 0.001 × 10⁴ = 10 km².

    Examples
    --------
    >>> scale_value("3.639", Decimal("1e4")), scale_value("0.11", Decimal("1e4"))
    (('36390', 10.0), ('1100', 100.0))
    >>> scale_value("2855.59", None)
    ('2855.59', None)
    """
    if factor is None:
        return text, None
    scaled = Decimal(text) * factor
    step = Decimal(str(precision_of(text))) * factor
    return format(scaled, "f"), float(step)
