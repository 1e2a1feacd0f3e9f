"""Unit conversion and forced-balance rounding, against hand calculations."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecospace import UnitError
from ecospace.units import convert, normalize_unit, round_balanced


@pytest.mark.parametrize(
    ("value", "src", "dst", "expected"),
    [
        (1, "ha", "m2", 10_000),
        (1, "km2", "ha", 100),
        (1, "ha", "mu", 15),
        (1, "wanmu", "mu", 10_000),
        (3, "mu", "m2", 2000),  # 1 亩 = 2000/3 m²
        (500.51, "万亩", "公顷", 500.51e4 * 2000 / 3 / 1e4),
        (2323, "平方公里", "公顷", 232_300),
    ],
)
def test_convert(value, src, dst, expected):
    assert convert(value, src, dst) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("bad", ["acre", "", "hectare2"])
def test_unknown_unit_names_the_value_and_the_choices(bad):
    with pytest.raises(UnitError, match=rf"unknown area unit {bad!r}.*m2, ha, km2, mu, wanmu"):
        normalize_unit(bad)


def test_unit_error_is_also_a_value_error():
    with pytest.raises(ValueError, match="unknown area unit"):
        convert(1, "ha", "furlong")


def test_round_balanced_pushes_residue_into_largest_remainders():
    # by hand: 33.333 + 33.333 + 33.334 = 100.000; plain rounding gives 33.33*2 + 33.33 = 99.99
    parts = [33.333, 33.333, 33.334]
    assert round(sum(np.round(parts, 2)), 2) == 99.99
    assert round_balanced(parts, 2).tolist() == [33.33, 33.33, 33.34]


def test_round_balanced_to_a_given_total():
    # three townships measured 10.004, 20.004, 30.004 ha; county total measured 60.02 ha
    assert round_balanced([10.004, 20.004, 30.004], 2, total=60.02).tolist() == [10.0, 20.01, 30.01]


@given(st.lists(st.floats(min_value=0, max_value=1e7, allow_nan=False), min_size=1, max_size=40))
def test_round_balanced_always_sums_to_rounded_total(parts):
    rounded = round_balanced(parts, 2)
    assert round(float(rounded.sum()), 2) == round(float(np.sum(parts)), 2)
    assert np.all(np.abs(rounded - np.asarray(parts)) < 0.01 + 1e-9)
