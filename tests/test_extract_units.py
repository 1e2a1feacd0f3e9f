"""The unit grammar and the text normalisation the extractor matches on.

Expected values are hand conversions (1 万平方米 = 10 000 m² = 1 ha; 1 亿平方米 = 10⁸ m² = 100 km²;
1 亿亩 = 10 000 万亩) and the characters of the test strings themselves.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from ecospace.plan._extract_units import parse_unit, scale_value
from ecospace.plan._text_normalize import join_lines, normalize_line
from ecospace.plan.extract import find_figures

# written number and unit → (value in the plan unit, plan unit, precision) by hand
# fmt: off
UNITS = [
    ("12.34", "平方米", "12.34", "m2", "0.01"),
    ("12.34", "万平方米", "12.34", "ha", "0.01"),      # 10⁴ m² = 1 ha
    ("1.05", "亿平方米", "105", "km2", "1"),            # 10⁸ m² = 100 km²
    ("12.34", "公顷", "12.34", "ha", "0.01"),
    ("2.35", "万公顷", "23500", "ha", "100"),
    ("0.12", "亿公顷", "12000000", "ha", "1000000"),
    ("12.34", "平方公里", "12.34", "km2", "0.01"),
    ("1.62", "万平方公里", "16200", "km2", "100"),
    ("12.34", "平方千米", "12.34", "km2", "0.01"),
    ("3.639", "万平方千米", "36390", "km2", "10"),
    ("256800", "亩", "256800", "mu", "1"),
    ("500.51", "万亩", "500.51", "wanmu", "0.01"),
    ("18.65", "亿亩", "186500", "wanmu", "100"),
    ("30.73", "%", "30.73", "%", "0.01"),
    ("1.21", "倍", "1.21", "ratio", "0.01"),
    ("7", "km2", "7", "km2", "1"),
]
# fmt: on


@pytest.mark.parametrize(("num", "written", "value", "unit", "precision"), UNITS)
def test_every_unit_form_scales_value_and_precision(num, written, value, unit, precision):
    plan_unit, factor = parse_unit(written)
    text, explicit = scale_value(num, factor)
    assert plan_unit == unit
    assert Decimal(text) == Decimal(value)
    step = Decimal(str(explicit)) if explicit is not None else Decimal(1).scaleb(
        Decimal(num).as_tuple().exponent
    )  # fmt: skip
    assert step == Decimal(precision)


@pytest.mark.parametrize(("num", "written", "value", "unit", "precision"), UNITS[:13])
def test_every_area_unit_is_drafted_from_a_sentence(num, written, value, unit, precision):
    (f,) = find_figures(f"全县永久基本农田保护面积不低于{num}{written}。")
    assert (f.subject, Decimal(f.value_text), f.unit, f.op) == (
        "basic_farmland", Decimal(value), unit, ">="
    )  # fmt: skip


def test_unknown_unit_is_refused():
    with pytest.raises(ValueError, match="not a unit of the grammar: '立方米'"):
        parse_unit("立方米")


def test_water_in_cubic_metres_is_no_area():
    assert find_figures("永久基本农田灌溉用水不超过4.5亿立方米。") == []


# --------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("source", "normalised"),
    [
        ("生態保護紅線面積不低於2.35萬公頃", "生态保护红线面积不低于2.35万公顷"),
        ("１２３４．５６％，（约）", "1234.56%,(约)"),
        ("面积 1234.56 平方公里", "面积1234.56平方公里"),
        ("12,345.67公顷 与 12 345.67公顷", "12345.67公顷与12345.67公顷"),
        ("2020 30.1", "2020 30.1"),  # two numbers side by side stay two
        ("Gauss Kruger 投影", "Gauss Kruger投影"),  # Latin words keep their space
        ("生 态 保 护 红 线 面 积 1 2 . 5 公 顷", "生态保护红线面积12.5公顷"),
        ("面积\u3000不低于\u00a012公顷", "面积不低于12公顷"),
        ("2020 年\t30.1%\t≥31", "2020年\t30.1%\t≥31"),  # tabs separate table cells
    ],
)
def test_normalised_text(source, normalised):
    assert normalize_line(source).text == normalised


def test_every_normalised_character_maps_back_to_its_source():
    source = "到２０３５年，生態保護紅線面積不低於 1,234.5 萬平方公里"
    n = normalize_line(source)
    assert len(n.index) == len(n.text)
    for i, ch in enumerate(n.text):
        written = source[n.index[i]]
        assert ch == written or not written.isascii() or written in ", "
    start = n.text.index("1234.5")
    assert n.quote(start, start + len("1234.5")) == "1,234.5"
    assert n.quote(0, len(n.text)) == source


def test_joined_lines_keep_their_line_numbers():
    a = normalize_line("到2035年，全市永久基本农田保护面积不低于", line_number=7)
    b = normalize_line("128.76 万亩。", line_number=8)
    j = join_lines([a, b])
    assert j.text == "到2035年,全市永久基本农田保护面积不低于128.76万亩。"
    assert j.line_at(j.text.index("永久")) == 7
    assert j.line_at(j.text.index("128")) == 8
    assert j.quote(j.text.index("128"), len(j.text)) == "128.76 万亩。"
