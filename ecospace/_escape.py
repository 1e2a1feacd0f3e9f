"""Text from the data, made safe for each place it is written to (private).

Plan names, labels, quotes, township names and field values come from files ecospace
does not control.  Each sink has its own rule, defined once here:

* terminal — control characters (ESC, BEL, CR, C1 controls, bidirectional overrides)
  removed, so data cannot move the cursor, recolour or hide text;
* Excel — characters a workbook cannot hold removed, and a cell that would start a
  formula (``=``, ``+``, ``-``, ``@``, tab, CR) kept as text;
* Markdown — ``&`` and ``<`` as entities (no raw HTML), ``|`` escaped, one line;
* XML-based files — control characters removed from Word documents and GIS attributes
  (a .docx is XML, a FileGDB stores its schema as XML; neither can hold them).

HTML pages escape with :func:`html.escape`; the map annex draws every text literally
(``text.parse_math`` off in :func:`ecospace.rendering.annex.make_annex`).
"""

from __future__ import annotations

import re

__all__ = [
    "FORMULA_START",
    "excel_text",
    "markdown_text",
    "starts_formula",
    "terminal_text",
    "xml_text",
]

#: First characters with which a spreadsheet cell is read as a formula (OWASP CSV injection).
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional controls
# (U+202A-U+202E, U+2066-U+2069) that can reorder what a terminal shows.
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# what openpyxl refuses (IllegalCharacterError): C0 controls but tab, newline, CR
_EXCEL_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def terminal_text(text: str) -> str:
    """``text`` without the control characters a terminal would act on.

    Examples
    --------
    >>> terminal_text("红线\\x1b[2J\\x07面积\\r")
    '红线[2J面积'
    """
    return _TERMINAL_CONTROLS.sub("", text)


def excel_text(text: str) -> str:
    """``text`` without the control characters an Excel workbook cannot hold.

    Examples
    --------
    >>> excel_text("乡\\x01镇\\x1b")
    '乡镇'
    """
    return _EXCEL_ILLEGAL.sub("", text)


def xml_text(text: str) -> str:
    """``text`` without control characters, for a Word document or a GIS attribute.

    Examples
    --------
    >>> xml_text("乡\x1b[31m镇\x07")
    '乡[31m镇'
    """
    return _TERMINAL_CONTROLS.sub("", text)


def starts_formula(text: str) -> bool:
    """Whether a spreadsheet would take ``text`` for a formula.

    Examples
    --------
    >>> starts_formula('=HYPERLINK("http://x")'), starts_formula("红线 >= 30 %")
    (True, False)
    """
    return text.startswith(FORMULA_START)


def markdown_text(text: str) -> str:
    """``text`` for one Markdown table cell or list item: no HTML, no line breaks.

    Examples
    --------
    >>> markdown_text('<img src=x onerror="alert(1)"> | a & b')
    '&lt;img src=x onerror="alert(1)"> \\\\| a &amp; b'
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")
