"""Area units and table rounding.

Areas are carried in square metres everywhere inside ecospace and converted only for
display.  Plan tables state hectares to two decimals; when rounded parts must add up to
a rounded total, survey statistics force the balance (强制调平) with the largest-remainder
method implemented by :func:`round_balanced`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ecospace.errors import UnitError

__all__ = ["UNITS", "UNIT_LABELS", "convert", "normalize_unit", "round_balanced"]

#: Square metres per unit.  1 亩 = 2000/3 m² exactly (15 亩 per hectare).
UNITS: dict[str, float] = {
    "m2": 1.0,
    "ha": 1.0e4,
    "km2": 1.0e6,
    "mu": 2000.0 / 3.0,
    "wanmu": 2000.0 / 3.0 * 1.0e4,
}

#: How each unit is printed, in Chinese and English.
UNIT_LABELS: dict[str, dict[str, str]] = {
    "m2": {"zh": "平方米", "en": "m²"},
    "ha": {"zh": "公顷", "en": "ha"},
    "km2": {"zh": "平方公里", "en": "km²"},
    "mu": {"zh": "亩", "en": "mu"},
    "wanmu": {"zh": "万亩", "en": "10,000 mu"},
    "%": {"zh": "%", "en": "%"},
}

_ALIASES: dict[str, str] = {
    "m2": "m2",
    "m²": "m2",
    "sqm": "m2",
    "平方米": "m2",
    "㎡": "m2",
    "ha": "ha",
    "hectare": "ha",
    "hectares": "ha",
    "公顷": "ha",
    "km2": "km2",
    "km²": "km2",
    "sqkm": "km2",
    "平方公里": "km2",
    "平方千米": "km2",
    "k㎡": "km2",
    "mu": "mu",
    "亩": "mu",
    "wanmu": "wanmu",
    "万亩": "wanmu",
}


def normalize_unit(unit: str) -> str:
    """Return the canonical name (``m2``, ``ha``, ``km2``, ``mu``, ``wanmu``) of an area unit.

    Chinese spellings (公顷, 平方公里, 亩, 万亩) and common English ones are accepted.

    Examples
    --------
    >>> normalize_unit("公顷"), normalize_unit("km²"), normalize_unit("万亩")
    ('ha', 'km2', 'wanmu')
    """
    key = str(unit).strip().lower()
    try:
        return _ALIASES[key]
    except KeyError:
        raise UnitError(
            f"unknown area unit {unit!r}; use one of m2, ha, km2, mu, wanmu "
            "(or 平方米, 公顷, 平方公里, 亩, 万亩)"
        ) from None


def convert(value: float | np.ndarray, from_unit: str, to_unit: str) -> float | np.ndarray:
    """Convert an area between units.

    Examples
    --------
    >>> convert(1, "ha", "mu")
    15.0
    >>> round(convert(500.51, "wanmu", "ha"), 2)
    333673.33
    """
    factor = UNITS[normalize_unit(from_unit)] / UNITS[normalize_unit(to_unit)]
    return value * factor


def round_balanced(
    values: Sequence[float] | np.ndarray, decimals: int = 2, total: float | None = None
) -> np.ndarray:
    """Round parts so that they add up exactly to their rounded total (强制调平).

    The parts are rounded down at ``decimals``; the units still missing from the
    rounded total are handed, one step of ``10**-decimals`` each, to the parts with the
    largest remainders (the largest-remainder method).  Ties go to the larger part.

    Parameters
    ----------
    values : sequence of float
        The unrounded parts (non-negative).
    decimals : int, default 2
        Decimal places kept.
    total : float, optional
        The total the parts must add up to after rounding; by default the sum of ``values``.

    Returns
    -------
    numpy.ndarray
        The rounded parts; ``round(sum(result), decimals) == round(total, decimals)``.

    Notes
    -----
    With step :math:`s = 10^{-d}`, each part becomes :math:`\\lfloor v_i/s \\rfloor s`,
    and the :math:`n = \\mathrm{round}(T/s) - \\sum_i \\lfloor v_i/s \\rfloor` parts with
    the largest :math:`v_i/s - \\lfloor v_i/s \\rfloor` get one more step.

    Examples
    --------
    >>> round_balanced([1.005, 1.005, 1.005], 2).tolist()
    [1.01, 1.0, 1.0]
    >>> round_balanced([0.333, 0.333, 0.334], 1).tolist()
    [0.3, 0.3, 0.4]
    """
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return v.copy()
    scale = 10.0**decimals
    # work in integer steps; the small epsilon protects against 1.005*100 = 100.49999…
    scaled = v * scale
    floors = np.floor(scaled + 1e-9)
    target_total = float(np.sum(v)) if total is None else float(total)
    missing = round(target_total * scale - floors.sum())
    order = np.lexsort((-v, -(scaled - floors)))
    if missing > 0:
        floors[order[:missing]] += 1
    elif missing < 0:
        floors[order[::-1][:-missing]] -= 1
    return floors / scale
