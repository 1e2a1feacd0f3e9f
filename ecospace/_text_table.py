"""Plain-text tables whose columns line up with Chinese text, for the terminal (private).

East Asian wide and full-width characters take two columns, combining marks none; no
dependency beyond the standard library.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: East Asian wide and full-width characters count 2.

    Examples
    --------
    >>> display_width("红线 ha")
    7
    """
    w = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def pad(text: str, width: int, align: str = "left") -> str:
    """``text`` filled with spaces to ``width`` terminal columns (``align="right"``: on the left).

    Examples
    --------
    >>> pad("红线", 6) + "|", pad("ha", 6, "right")
    ('红线  |', '    ha')
    """
    fill = " " * max(0, width - display_width(text))
    return fill + text if align == "right" else text + fill


def text_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    align: Sequence[str] | None = None,
    *,
    rule: str | None = "─",
) -> str:
    """A plain-text table whose columns line up with Chinese text.

    Columns are two spaces apart, each as wide as its widest cell; ``align`` gives
    ``"left"`` or ``"right"`` per column (default all left); under the header a line of
    ``rule`` characters, or none with ``rule=None``.  Trailing spaces are stripped.

    Examples
    --------
    >>> print(text_table(["名称", "面积"], [["甲镇", "1.00"], ["Abc", "10.00"]], ["left", "right"]))
    名称   面积
    ────  ─────
    甲镇   1.00
    Abc   10.00
    """
    rows = [list(r) for r in rows]
    align = list(align) if align is not None else ["left"] * len(headers)
    widths = [display_width(h) for h in headers]
    for r in rows:
        widths = [max(w, display_width(c)) for w, c in zip(widths, r, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(pad(c, w, a) for c, w, a in zip(cells, widths, align, strict=True))

    out = [line(headers)]
    if rule is not None:
        out.append("  ".join(rule * w for w in widths))
    out += [line(r) for r in rows]
    return "\n".join(s.rstrip() for s in out)
