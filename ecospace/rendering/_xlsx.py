"""The Excel workbook of a check result.

Private; use :func:`ecospace.rendering.report.to_excel`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ecospace._escape import excel_text, starts_formula
from ecospace._output import atomic_output
from ecospace._text_table import display_width
from ecospace.labels import Lang, _col_label, _i, _t, unit_label
from ecospace.rendering._cells import (
    SECTIONS,
    _audit_frame,
    _decimals,
    _figure_cells,
    _fmt,
    _header,
    _isnan,
    _isnum,
    _measured_decimals,
    _section_frame,
    display_frame,
    residue_notes,
)
from ecospace.vocabulary import FIGURE_COLUMNS


def _number_format(decimals: int) -> str:
    return "0" if decimals <= 0 else "0." + "0" * decimals


#: Columns of the figures sheet: those of ``CheckResult.figures`` without the m² twin of
#: ``measured``, the denominator in hectares like the other sheets, and the quote last.
_FIG_XLSX: tuple[str, ...] = (
    *(
        "denominator_ha" if c == "denominator_m2" else c
        for c in FIGURE_COLUMNS
        if c not in ("measured_m2", "quote")
    ),
    "quote",
)
_FIG_FLOATS = {"stated", "precision", "measured", "difference", "difference_pct", "measured_alt"}


def _figure_xlsx_row(rec: Mapping[str, Any], lang: str) -> tuple[list[Any], dict[int, str]]:
    """One figure as Excel cells (numbers in the figure's unit) and their number formats."""
    cells = _figure_cells(rec, lang)
    d = _decimals(rec.get("precision"))
    row: list[Any] = []
    for c in _FIG_XLSX:
        v = rec.get("denominator_m2" if c == "denominator_ha" else c)
        if c in _FIG_FLOATS:
            row.append(None if _isnan(v) else float(v))
        elif c == "denominator_ha":
            row.append(None if _isnan(v) else float(v) / 1e4)
        elif c in ("year", "line"):
            row.append(None if _isnan(v) else int(v))
        elif c in ("unit", "quote"):
            row.append(unit_label(v, lang) if c == "unit" else ("" if _isnan(v) else str(v or "")))
        else:
            row.append(cells[c])
    fine = _number_format(_measured_decimals(rec))
    formats = {_FIG_XLSX.index(c): fine for c in ("measured", "difference", "measured_alt")}
    for c in ("stated", "precision"):
        formats[_FIG_XLSX.index(c)] = _number_format(max(2, d))
    return row, formats


def write_excel(result: Any, path: str | Path, lang: Lang = "zh") -> Path:
    """Write the report as an Excel workbook, one sheet per section.

    Sheets (Chinese by default): 概况, 核查结果, 覆盖, 重叠, 包含, 乡镇, 土地覆盖, 规划自检,
    图层.  Numbers are stored as numbers with number formats such as ``0.00`` (figures in
    their own unit, other tables in hectares and per cent); the header row is frozen and
    columns are sized to fit.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    _i(lang)
    path = Path(path)
    wb = Workbook()
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="F3F3F3")
    fills = {
        k: PatternFill("solid", fgColor=c)
        for k, c in (
            ("pass", "E3F4E3"),
            ("fail", "FBE0E0"),
            ("within precision", "FFF6D5"),
            ("not measured", "EEEEEE"),
        )
    }

    def fill_sheet(ws, headers, rows, formats=None, statuses=None):
        _append(ws, headers)
        for c in ws[1]:
            c.font, c.fill = bold, head_fill
        widths = [display_width(str(h)) for h in headers]
        for r_i, row in enumerate(rows, start=2):
            _append(ws, row)
            for c_i, v in enumerate(row):
                if _isnum(v) and not _isnan(v) and not isinstance(v, (int, np.integer)):
                    fmt = formats[r_i - 2].get(c_i, "0.00") if formats else "0.00"
                    ws.cell(row=r_i, column=c_i + 1).number_format = fmt
                text = _fmt(v, 2) if _isnum(v) else str(v if v is not None else "")
                widths[c_i] = max(widths[c_i], display_width(text))
            if statuses is not None:
                col = _FIG_XLSX.index("status") + 1
                ws.cell(row=r_i, column=col).fill = fills.get(statuses[r_i - 2], head_fill)
        for c_i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(c_i)].width = min(60, max(8, w + 2))
        ws.freeze_panes = "A2"

    ws = wb.active
    ws.title = _t("summary", lang)
    fill_sheet(ws, [_t("item", lang), _t("value", lang)], _header(result, lang))

    records = result.figures.to_dict("records")
    rows_formats = [_figure_xlsx_row(rec, lang) for rec in records]
    for key, zh, en in SECTIONS:
        ws = wb.create_sheet(zh if lang == "zh" else en)
        if key == "figures":
            fill_sheet(
                ws,
                [_col_label(c, lang) for c in _FIG_XLSX],
                [r for r, _ in rows_formats],
                [f for _, f in rows_formats],
                statuses=[r.get("status") for r in records],
            )
            continue
        if key == "audit":
            df = _audit_frame(result, lang)
        else:
            df = _section_frame(result, key)
            # full precision: the township table's balanced hectares are for print only
            df = display_frame(df, lang, full_precision=True) if df is not None else pd.DataFrame()
        rows = [[_plain(v, lang) for v in rec] for rec in df.itertuples(index=False)]
        fill_sheet(ws, [_col_label(str(c), lang) for c in df.columns], rows)
        if key == "townships":
            for note in residue_notes(result, lang):  # below the table, after a blank row
                ws.append([])
                ws.append([note])

    with atomic_output(path, overwrite=True) as tmp:  # renamed into place once complete
        wb.save(tmp)
    return path


def _append(ws, values) -> None:
    """Append a row; text from the data stays text (never a formula, no illegal characters)."""
    ws.append([_excel_value(v) for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str) and starts_formula(cell.value):
            cell.data_type = "s"  # openpyxl took it for a formula: store the text
            cell.quotePrefix = True  # and Excel keeps it text when the cell is edited


def _plain(v: Any, lang: str) -> Any:
    if isinstance(v, (bool, np.bool_)):
        return _t("yes" if v else "no", lang)
    if isinstance(v, (list, tuple, np.ndarray)):
        return ", ".join(str(x) for x in v)
    v = _excel_value(v)
    return v if v is None or _isnum(v) or isinstance(v, str) else str(v)


def _excel_value(v: Any) -> Any:
    if isinstance(v, str):
        return excel_text(v)
    if _isnan(v):
        return None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v
