"""Figures stated in tables: tab-separated rows, Word tables flattened to cells (private).

Helper of :mod:`ecospace.extract`.

tab-separated table rows
    a header row with year columns (``2020 年``) and an optional 属性 column
    (约束性/预期性); the earliest year is the status column (``=``), the others targets;
    a target cell without a sign is ``>=`` for coverage rates (森林覆盖率, 林草覆盖率,
    湿地保护率) and ``=`` otherwise;
tables with one cell per line
    (Word tables flattened: tab-indented cells, rows separated by blank lines): the
    years are read from the header under 指标名称, aligned to the row's last cells;
    rows above a 参考性指标 divider are binding.

Cells are read in normalised form; quotes are cut from the lines as written.
"""

from __future__ import annotations

import re

from ecospace.plan._extract_units import UNIT_PATTERN
from ecospace.plan._extract_vocab import KEYWORD, NAME_CELL, NUM, Extracted, comparison, make

__all__ = ["cell_table_figures", "tab_row_figures"]

_VALUE_CELL = re.compile(
    r"^\s*(?P<op>≥|≤|>|<|=|不低于|不少于|不超过|不高于)?\s*" + NUM + r"\s*"
    r"(?P<unit>" + UNIT_PATTERN + r")?(?![\d.])"
)  # fmt: skip
#: Coverage-type indicators: a bare number in a table's target column (2025 年: 30.1%) is
#: a floor, as 达到/保持在 is in a future target sentence; a status column stays "=".
_FLOOR_SUBJECTS = {"forest_cover", "forest_grass_cover", "wetland_protection"}


def _table_op(word: str | None, subject: str, is_status: bool) -> str:
    """The comparison of a table cell: its own sign, else ``>=`` for a coverage target."""
    if word is None and not is_status and subject in _FLOOR_SUBJECTS:
        return ">="
    return comparison(word, None, False)


def _cell_value(cell: str) -> re.Match | None:
    m = _VALUE_CELL.match(cell)
    return m if m and not cell.strip().startswith("20" + m.group("num")[2:] + "年") else None


def tab_row_figures(lines: list[str], i: int, sources: list[str]) -> list[Extracted]:
    """A tab-separated row holding a keyword cell, read against the header above it.

    ``lines`` are normalised, ``sources`` the lines as written (for the quote)."""
    cells = lines[i].split("\t")
    name_idx = next((j for j, c in enumerate(cells) if NAME_CELL.match(c)), None)
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
    subject = KEYWORD.search(name).lastgroup
    name_unit = NAME_CELL.match(name).group("unit")
    out = []
    for j, year in years.items():
        if j >= len(cells):
            continue
        m = _cell_value(cells[j])
        unit_raw = (m and m.group("unit")) or name_unit or "%"
        if m is None:
            continue
        is_status = j == status_col
        fig = make(subject, "value", m.group("num"), unit_raw,
                   _table_op(m.group("op"), subject, is_status),
                   i + 1, " | ".join(c.strip() for c in sources[i].split("\t") if c.strip()), year,
                   binding=False if is_status else binding,
                   note=f"table row {name.strip()}, column {header[j].strip()}"
                   + (" (status)" if is_status else ""))  # fmt: skip
        if fig:
            out.append(fig)
    return out


def cell_table_figures(lines: list[str], i: int, sources: list[str]) -> list[Extracted]:
    """A row of a table flattened to one cell per line, starting at keyword cell ``i``."""
    name = lines[i]
    subject = KEYWORD.search(name).lastgroup
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
        if re.match(r"\d+$", cell) or (k > head and NAME_CELL.match(lines[k])):
            break
        seen_status = seen_status or "现状" in cell
        ym = re.fullmatch(r"(20\d\d)\s*年", cell)
        if ym:
            years.append(int(ym.group(1)))
            if seen_status and status_year is None:
                status_year = years[-1]
    unit_raw = NAME_CELL.match(name).group("unit")
    if row and re.fullmatch(rf"|-|—|{UNIT_PATTERN}", row[0][1]):
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
        fig = make(subject, "value", m.group("num"), m.group("unit") or unit_raw or "%",
                   _table_op(m.group("op"), subject, is_status), k + 1, sources[k].strip(), year,
                   binding=False if is_status else binding,
                   note=f"table row {name.strip()}, {column} {year}年")  # fmt: skip
        if fig:
            out.append(fig)
    return out
