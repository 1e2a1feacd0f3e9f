"""The Word report of a check result, laid out as a 核查表 (private; use
:func:`ecospace.rendering.report.to_docx`).

One A4 landscape document: the title, a table of the plan, region, area method,
denominator, areas and verdict; the verification table (one row per figure, the status
cell shaded as in the HTML report); the findings in sentences (failing and unmeasured
figures, the plan's own inconsistencies, the conflict layers with their counts and areas,
what the township table's correction rows mean); and the annex pages (PNG from
:func:`ecospace.rendering.annex.make_annex`) as numbered figures.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from ecospace._escape import xml_text
from ecospace.errors import FontError
from ecospace.labels import _SEVERITY, Lang, _col_label, _i, _lookup, _t
from ecospace.rendering._cells import (
    SECTIONS,
    _figure_cells,
    _frame_cells,
    _header,
    _plan_attr,
    conflict_frame,
    display_frame,
    residue_notes,
)
from ecospace.rendering.annex import THEMES, make_annex
from ecospace.rendering.styles import NOT_CONFLICTS, conflict_label

log = logging.getLogger("ecospace")

#: Columns of the verification table in the Word report (a landscape A4 page wide).
DOCX_COLS: tuple[str, ...] = ("id", "label", "stated", "measured", "difference",
    "difference_pct", "status", "binding", "denominator", "method")  # fmt: skip
#: Widths of those columns in cm (the 25.7 cm between the margins of a landscape A4 page).
_WIDTHS = (2.6, 4.4, 3.0, 3.0, 2.4, 1.9, 2.0, 1.6, 2.9, 1.9)
#: Widths of the conflict table's columns in cm (number, type, FID, code, area, method,
#: township).
_CONFLICT_WIDTHS = (1.6, 5.0, 3.2, 7.5, 2.4, 2.0, 4.0)
_STATUS_FILL = {
    "pass": "E3F4E3",
    "fail": "FBE0E0",
    "within precision": "FFF6D5",
    "not measured": "EEEEEE",
}
_FONT_ZH = "宋体"
_FONT_LATIN = "Times New Roman"


def _set_font(run_or_style: Any, size: float | None = None, bold: bool | None = None) -> None:
    """Latin and East Asian font of a run or style (Word needs both set for Chinese)."""
    font = run_or_style.font
    font.name = _FONT_LATIN
    if size:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    element = run_or_style.element if hasattr(run_or_style, "element") else run_or_style._element
    rpr = element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), _FONT_ZH)


def _shade(cell: Any, fill: str) -> None:
    tcpr = cell._element.get_or_add_tcPr()
    shd = tcpr.makeelement(qn("w:shd"), {qn("w:val"): "clear", qn("w:fill"): fill})
    tcpr.append(shd)


def _cell_text(cell: Any, text: str, *, bold: bool = False, align: str | None = None) -> None:
    para = cell.paragraphs[0]
    run = para.add_run(xml_text(text))
    _set_font(run, 9, bold)
    if align == "right":
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _table(doc: Any, headers: Sequence[str], rows: Sequence[Sequence[str]], widths=None):
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, h in zip(table.rows[0].cells, headers, strict=True):
        _cell_text(cell, h, bold=True)
        _shade(cell, "F3F3F3")
    for r in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, r, strict=True):
            _cell_text(cell, str(text))
    if widths:
        for row in table.rows:
            for cell, w in zip(row.cells, widths, strict=True):
                cell.width = Cm(w)
    return table


def _heading(doc: Any, text: str, level: int) -> None:
    h = doc.add_heading(level=level)
    _set_font(h.add_run(xml_text(text)), 16 if level == 0 else 13, True)


def _para(doc: Any, text: str, *, style: str | None = None, size: float = 10.5) -> None:
    p = doc.add_paragraph(style=style)
    _set_font(p.add_run(xml_text(text)), size)


def _findings(result: Any, lang: str) -> list[str]:
    """The findings as sentences: figures that do not pass, audit, conflicts, residues."""
    zh = lang == "zh"
    out = []
    for rec in result.figures.to_dict("records"):
        status = rec.get("status")
        if status == "pass":
            continue
        c = _figure_cells(rec, lang)
        kind = _t("binding" if rec.get("binding") else "reference", lang)
        if status == "not measured":
            why = c["reason"] or _t("none", lang)
            out.append(
                f"{c['label']}（{c['id']}）：{c['status']}——{why}"
                if zh
                else f"{c['label']} ({c['id']}): {c['status']} — {why}"
            )
            continue
        diff = f"{c['difference']} {c['unit']}".strip()
        if c["difference_pct"] != "—":  # no per cent of a stated 0
            diff += f"（{c['difference_pct']} %）" if zh else f" ({c['difference_pct']} %)"
        out.append(
            f"{c['label']}（{c['id']}，{kind}）：规划 {c['stated']}，实测 {c['measured']}，"
            f"差值 {diff}，{c['status']}。"
            if zh
            else f"{c['label']} ({c['id']}, {kind}): stated {c['stated']}, measured "
            f"{c['measured']}, difference {diff}: {c['status']}."
        )
    for f in getattr(result, "audit", None) or []:
        if getattr(f, "severity", "") == "info":
            continue
        severity = _lookup(_SEVERITY, f.severity, lang)
        message = f.message_zh if zh else f.message_en
        head = "规划自检" if zh else "Plan audit"
        out.append(f"{head}（{severity}）：{message}" if zh else f"{head} ({severity}): {message}")
    county = getattr(result, "county", None)
    for name, gdf in (getattr(county, "conflicts", None) or {}).items():
        if name in NOT_CONFLICTS or gdf is None or not len(gdf):
            continue
        label = conflict_label(name)[0 if zh else 1]
        ha = float(gdf["area_m2"].sum()) / 1e4 if "area_m2" in gdf else float("nan")
        out.append(
            f"冲突图斑——{label}：{len(gdf)} 处，合计 {ha:,.2f} 公顷（图层 {name}）。"
            if zh
            else f"Conflict — {label}: {len(gdf)} piece(s), {ha:,.2f} ha in all (layer {name})."
        )
    out += residue_notes(result, lang)
    return out


def write_docx(
    result: Any,
    path: str | Path,
    lang: Lang = "zh",
    *,
    annex: bool = True,
    annex_dpi: int = 150,
) -> Path:
    """Write the Word 核查表 of ``result`` to ``path`` (see ``rendering.report.to_docx``)."""
    _i(lang)
    zh = lang == "zh"
    path = Path(path)
    doc = docx.Document()
    _set_font(doc.styles["Normal"], 10.5)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))
    doc.core_properties.title = xml_text(
        f"{_t('sheet_title', lang)} {_plan_attr(result, 'name', '') or ''}"
    )

    _heading(doc, _t("sheet_title", lang), 0)
    header = [*_header(result, lang), (_t("generated", lang), str(getattr(result, "created", "")))]
    _heading(doc, _t("summary", lang), 1)
    _table(doc, [_t("item", lang), _t("value", lang)], header, widths=(5.0, 20.7))

    _heading(doc, _t("figures_title", lang), 1)
    rows, statuses = [], []
    for rec in result.figures.to_dict("records"):
        c = _figure_cells(rec, lang)
        rows.append([c[k] for k in DOCX_COLS])
        statuses.append(rec.get("status"))
    table = _table(doc, [_col_label(c, lang) for c in DOCX_COLS], rows, widths=_WIDTHS)
    col = DOCX_COLS.index("status")
    for row, status in zip(table.rows[1:], statuses, strict=True):
        _shade(row.cells[col], _STATUS_FILL.get(str(status), "FFFFFF"))
    notes = [
        f"{rec['id']}: {rec['reason']}"
        for rec in result.figures.to_dict("records")
        if isinstance(rec.get("reason"), str) and rec.get("reason")
    ]
    for n in notes:
        _para(doc, n, size=9)

    _heading(doc, _t("findings", lang), 1)
    findings = _findings(result, lang)
    for text in findings or [_t("no_findings", lang)]:
        _para(doc, text, style="List Number" if findings else None)

    conflicts = conflict_frame(result)
    if conflicts is not None and len(conflicts):
        # numbered as the rings of the annex figures below and the markers of the map
        title = next(zh if lang == "zh" else en for k, zh, en in SECTIONS if k == "conflicts")
        _heading(doc, title, 1)
        _table(doc, *_frame_cells(display_frame(conflicts, lang), lang), widths=_CONFLICT_WIDTHS)

    if annex:
        _heading(doc, _t("annex", lang), 1)
        with tempfile.TemporaryDirectory(prefix="ecospace-annex-") as tmp:
            try:
                pages = _annex_pages(result, annex_dpi, Path(tmp))
            except FontError as exc:
                log.warning("Word report without annex figures: %s", exc)
                _para(doc, _t("annex_missing", lang).format(error=exc))
                pages = []
            for i, (title, png) in enumerate(pages, start=1):
                doc.add_picture(str(png), height=Cm(14.5))
                doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
                _para(doc, f"附图{i}　{title[0]}" if zh else f"Annex figure {i}. {title[1]}")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


def _annex_pages(result: Any, dpi: int, folder: Path) -> list[tuple[tuple[str, str], Path]]:
    """The annex drawn as PNG pages in ``folder``: ((Chinese, English title), file)."""
    frames = {r: g for r, g in (getattr(result, "frames", None) or {}).items() if len(g)}
    if not frames:
        return []
    conflicts = getattr(getattr(result, "county", None), "conflicts", None)
    layers = getattr(result, "layers", None)
    pngs = make_annex(
        frames,
        folder / "annex.png",
        conflicts=conflicts,
        title=_plan_attr(result, "name", None),
        sources=sorted(set(layers["source"])) if layers is not None and "source" in layers else (),
        dpi=dpi,
    )
    return list(zip(THEMES.values(), pngs, strict=True))
