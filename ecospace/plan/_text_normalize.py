"""Plan text normalised for matching, every character mapped back to the source (private).

Helper of :mod:`ecospace.extract`.  Plan texts arrive in many hands: republished in
traditional characters (生態保護紅線 … 萬畝), with full-width digits and punctuation
(１２３４．５６％), with the spacing a PDF-to-text converter leaves (``不低于 1234.56 平方公里``,
letter-spaced lines, a sentence broken over two lines) and thousands separators
(``12,345.67``).  The rules of the extractor are written once, for simplified characters,
half-width digits and no spaces; this module turns every line into that form and keeps,
for each character of the result, the offset of the character it came from, so that a
quote is always cut from the text as written.

Traditional → simplified is OpenCC's ``t2s`` conversion (the ``opencc`` package): phrase
aware, maintained with the OpenCC dictionaries, and character for character in length on
plan vocabulary; a line whose conversion changes length is converted one character at a
time so that offsets still map.  Full-width forms are folded by Unicode NFKC.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["NormalizedLine", "join_lines", "normalize_line", "to_simplified"]


@dataclass(frozen=True)
class NormalizedLine:
    """A line (or lines joined) in normalised form, with its way back to the source.

    ``index[i]`` is the offset in ``source`` of the character ``text[i]`` came from;
    ``first_line`` is the 1-based number of the source's first line (joined lines are
    separated by ``"\\n"`` in ``source``).
    """

    text: str
    source: str
    index: tuple[int, ...]
    first_line: int = 1

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Source offsets ``[a, b)`` of the normalised characters ``[start, end)``."""
        if end <= start:
            a = self.index[start] if start < len(self.index) else len(self.source)
            return a, a
        return self.index[start], self.index[end - 1] + 1

    def quote(self, start: int, end: int) -> str:
        """The source text behind normalised characters ``[start, end)``, as written.

        Examples
        --------
        >>> n = normalize_line("生態保護紅線面積不低於 ２.３５ 萬公頃")
        >>> n.text
        '生态保护红线面积不低于2.35万公顷'
        >>> n.quote(0, len(n.text))
        '生態保護紅線面積不低於 ２.３５ 萬公頃'
        """
        a, b = self.span(start, end)
        return self.source[a:b].strip()

    def line_at(self, pos: int) -> int:
        """The 1-based source line holding normalised character ``pos``."""
        a = self.index[min(pos, len(self.index) - 1)] if self.index else 0
        return self.first_line + self.source.count("\n", 0, a)


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional Chinese characters to simplified (OpenCC ``t2s``); other text unchanged.

    Examples
    --------
    >>> to_simplified("耕地保有量不低於1394.00萬畝")
    '耕地保有量不低于1394.00万亩'
    """
    return _converter().convert(text) if text else text


def _pieces_t2s(line: str) -> list[str]:
    """One output string per source character (simplified)."""
    if line.isascii():
        return list(line)
    whole = to_simplified(line)
    if len(whole) == len(line):
        return list(whole)
    # a phrase conversion changed the length: convert character by character instead
    return [to_simplified(ch) for ch in line]


def _fold(ch: str) -> str:
    """Full-width digits, letters and punctuation to half-width (NFKC), spaces to one space."""
    if ch.isascii():
        return ch
    if ch in "\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff":
        return " "
    return unicodedata.normalize("NFKC", ch)


def _letter_spaced(text: str) -> bool:
    """True for a line a PDF converter spread out: most characters stand between spaces."""
    chars = text.replace("\t", " ").split(" ")
    words = [w for w in chars if w]
    return len(words) >= 6 and sum(len(w) == 1 for w in words) >= 0.8 * len(words)


_ASCII_WORD = re.compile(r"[A-Za-z]")
#: 12,345.67; and 12 345.67 only before a decimal part or a unit (two numbers stay two)
_THOUSANDS = re.compile(
    r"(?<![\d.])\d{1,3}(?:(?:,\d{3})+(?!\d)|(?: \d{3})+(?=\.\d| ?[万亿平公亩%]))"
)


def normalize_line(line: str, *, line_number: int = 1) -> NormalizedLine:
    """Normalise one line of plan text for matching, keeping the map back to the source.

    Traditional characters become simplified (OpenCC), full-width forms half-width (NFKC),
    and spaces go — between Chinese characters, between a number and its unit, inside a
    letter-spaced line and as thousands separators — except between two Latin letters.
    Tabs stay: they separate table cells.

    Parameters
    ----------
    line : str
        One line of the source, without its line break.
    line_number : int
        Its 1-based number in the source.

    Returns
    -------
    NormalizedLine

    Examples
    --------
    >>> normalize_line("佔全市國土面積的 ２５．３０ ％，共 12,345.67 公頃").text
    '占全市国土面积的25.30%,共12345.67公顷'
    """
    chars: list[str] = []
    index: list[int] = []
    for i, piece in enumerate(_pieces_t2s(line)):
        for ch in piece:
            for out in _fold(ch):
                chars.append(out)
                index.append(i)
    text = "".join(chars)
    drop = _spaces_to_drop(text)
    kept = [k for k in range(len(text)) if k not in drop]
    return NormalizedLine(
        text="".join(text[k] for k in kept),
        source=line,
        index=tuple(index[k] for k in kept),
        first_line=line_number,
    )


def _spaces_to_drop(text: str) -> set[int]:
    """Positions of the spaces and separators that normalisation removes."""
    drop: set[int] = set()
    for m in _THOUSANDS.finditer(text):  # 12,345.67 and 12 345.67
        drop.update(k for k in range(m.start(), m.end()) if text[k] in ", ")
    spaced = _letter_spaced(text)
    # the nearest character other than a space on each side of every position
    left_of, right_of, last = [""] * len(text), [""] * len(text), ""
    for k, ch in enumerate(text):
        left_of[k] = last
        last = ch if ch != " " else last
    last = ""
    for k in range(len(text) - 1, -1, -1):
        right_of[k] = last
        last = text[k] if text[k] != " " else last
    for k, ch in enumerate(text):
        if ch != " " or k in drop:
            continue
        left, right = left_of[k], right_of[k]
        if _ASCII_WORD.fullmatch(left or "-") and _ASCII_WORD.fullmatch(right or "-"):
            continue  # "km 2" stays apart from nothing; English words keep their spaces
        if left.isdigit() and right.isdigit() and not spaced:
            continue  # two numbers side by side ("2020 30.1") stay two numbers
        drop.add(k)
    return drop


def join_lines(parts: Sequence[NormalizedLine]) -> NormalizedLine:
    """Lines of one sentence broken by a PDF converter, joined into one (no separator).

    Examples
    --------
    >>> a = normalize_line("红线面积不低于", line_number=4)
    >>> j = join_lines([a, normalize_line("12 公顷", line_number=5)])
    >>> j.text, j.quote(0, len(j.text)), j.line_at(7)
    ('红线面积不低于12公顷', '红线面积不低于\\n12 公顷', 5)
    """
    source, text, index = "", "", []
    for p in parts:
        offset = len(source) + (1 if source else 0)
        source = f"{source}\n{p.source}" if source else p.source
        text += p.text
        index.extend(offset + i for i in p.index)
    return NormalizedLine(text, source, tuple(index), parts[0].first_line)
