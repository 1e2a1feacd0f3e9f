"""Verification reports: terminal table, Markdown, self-contained HTML, Excel and JSON.

Every function here takes a check result (:class:`ecospace.checking.check.CheckResult`, used
duck-typed so this module never imports :mod:`ecospace.check`) and renders it.  Labels
are Chinese by default and English with ``lang="en"``.  Areas inside a result are square
metres and shares are fractions; the human-readable outputs show hectares and per cent,
while the JSON keeps the raw full-precision numbers (documented by
``ecospace/schemas/report.schema.json``).

The cells every format shows are made in ``_report_cells``; the HTML and Excel writers
live in ``_report_html`` and ``_report_xlsx``, the terminal tables in ``_text_table``.

The examples check a tiny plan on a two-box county built by ``_examples.tiny_result()``
(planar area in EPSG:4529): a 1000 m × 1000 m boundary (100 ha) and a 300 m × 1000 m red
line (30 ha), against two binding figures — red line share ``>= 30 %`` (30/100 = 30 %,
pass) and red line area ``>= 35 ha`` (30 ha, fail).
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ecospace._escape import markdown_text
from ecospace._output import write_text
from ecospace._text_table import display_width, text_table  # noqa: F401 - display_width re-exported
from ecospace._version import __version__
from ecospace.labels import _COLUMNS, Lang, _col_label, _i, _lookup, _t, method_label
from ecospace.rendering._cells import (
    _TABLE_COLS,
    SECTIONS,
    _audit_frame,
    _figure_cells,
    _figures_display,
    _frame_cells,
    _header,
    _isnan,
    _plan_attr,
    _section_frame,
    display_frame,
    residue_notes,
    summary,
)
from ecospace.rendering._docx import write_docx
from ecospace.rendering._html import repr_html, to_html  # noqa: F401 - repr_html re-exported
from ecospace.rendering._xlsx import write_excel
from ecospace.rendering.county_tables import county_table

log = logging.getLogger("ecospace")

__all__ = [
    "SECTIONS",
    "report_schema",
    "to_dict",
    "to_docx",
    "to_excel",
    "to_html",
    "to_json",
    "to_markdown",
    "to_table",
]

#: Version of the JSON report layout (bumped when a key changes meaning).
SCHEMA_VERSION = "1.0"

# --------------------------------------------------------------------------- tables

_TABLE_ALIGN = ("left", "left", "right", "right", "right", "right", "left", "left")


def to_table(result: Any, lang: Lang = "zh") -> str:
    """The verification table for a terminal, aligned for Chinese text.

    The header names the plan, the method and the denominator and shows the plan's stated
    total beside the computed boundary area; figures that were not measured list why.

    Examples
    --------
    >>> from ecospace.checking._examples import tiny_result
    >>> r = tiny_result()  # red line 30 ha in a 100 ha county; plan: >= 30 %, >= 35 ha
    >>> print(to_table(r, "en"))
    Plan: 示例
    Area method: planar area (projected coordinates)
    Share denominator: computed area of the boundary layer 100.00 ha
    Computed boundary area: 100.00 ha (1.00 km²)
    Total area stated in the plan: not given
    Verdict: a binding figure fails; 1 pass, 0 within precision, 1 fail, 0 not measured
    <BLANKLINE>
    ID         Figure       Stated  Measured  Difference  Difference (%)  Status  Binding
    ─────────  ─────────  ────────  ────────  ──────────  ──────────────  ──────  ───────
    red_share  red_share   >= 30 %   30.00 %        0.00            0.00  pass    binding
    red_area   red_area   >= 35 ha  30.00 ha       -5.00          -14.29  FAIL    binding
    """
    _i(lang)
    lines = [f"{label}: {text}" for label, text in _header(result, lang)]
    rows = [_figure_cells(r, lang) for r in result.figures.to_dict("records")]
    headers = [_lookup(_COLUMNS, c, lang) for c in _TABLE_COLS]
    lines += ["", text_table(headers, [[r[c] for c in _TABLE_COLS] for r in rows], _TABLE_ALIGN)]
    notes = [f"  {r['id']}: {r['reason']}" for r in rows if r["reason"]]
    if notes:
        lines += ["", _lookup(_COLUMNS, "reason", lang) + ":", *notes]
    return "\n".join(lines)


# --------------------------------------------------------------------------- Markdown


def _md_escape(s: str) -> str:
    return markdown_text(str(s))


def _md_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    out = [
        "| " + " | ".join(_md_escape(h) for h in headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    out += ["| " + " | ".join(_md_escape(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def to_markdown(result: Any, lang: Lang = "zh") -> str:
    """The whole report as Markdown (GitHub pipe tables).

    Examples
    --------
    >>> from ecospace.checking._examples import tiny_result
    >>> r = tiny_result()  # red line 30 ha in a 100 ha county; plan: >= 30 %, >= 35 ha
    >>> md = to_markdown(r, "en")
    >>> [line for line in md.splitlines() if line.startswith("#")]
    ['# Plan verification report', '## Figures', '## Coverage', '## Overlaps',
     '## Containment', '## Conflicts', '## Townships', '## Land cover', '## Plan audit',
     '## Layers']
    >>> "| red_area | red_area | area | ecological red line | >= 35 ha | 30.00 ha |" in md
    True
    """
    _i(lang)
    out = [f"# {_t('title', lang)}", ""]
    out += [f"- **{_md_escape(k)}**: {_md_escape(v)}" for k, v in _header(result, lang)]
    for key, zh, en in SECTIONS:
        title = zh if lang == "zh" else en
        if key == "figures":
            cols, rows = _figures_display(result, lang)
            table = _md_table(
                [_col_label(c, lang) for c in cols], [[r[c] for c in cols] for r in rows]
            )
        elif key == "audit":
            df = _audit_frame(result, lang)
            table = _md_table(*_frame_cells(df, lang)) if len(df) else _t("none", lang)
        else:
            df = _section_frame(result, key)
            if df is None or not len(df):
                table = _t("none", lang)
            else:
                table = _md_table(*_frame_cells(display_frame(df, lang), lang))
            if key == "townships":
                table += "".join(f"\n\n{note}" for note in residue_notes(result, lang))
        out += ["", f"## {title}", "", table]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- Excel


def to_excel(result: Any, path: str | Path, lang: Lang = "zh") -> Path:
    """Write the report as an Excel workbook, one sheet per section.

    Sheets (Chinese by default): 概况, 核查结果, 覆盖, 重叠, 包含, 冲突图斑 (numbered as on the
    map and the annex), 乡镇, 土地覆盖, 规划自检, 图层.  Numbers are stored as numbers with
    number formats such as ``0.00`` (figures in their own unit, other tables in hectares and
    per cent); the header row is frozen and columns are sized to fit.

    Examples
    --------
    >>> import tempfile, pathlib, openpyxl
    >>> from ecospace.checking._examples import tiny_result
    >>> r = tiny_result()  # red line 30 ha in a 100 ha county; plan: >= 30 %, >= 35 ha
    >>> path = to_excel(r, pathlib.Path(tempfile.mkdtemp()) / "report.xlsx", "en")
    >>> book = openpyxl.load_workbook(path)
    >>> book.sheetnames
    ['Summary', 'Figures', 'Coverage', 'Overlaps', 'Containment', 'Conflicts', 'Townships',
     'Land cover', 'Plan audit', 'Layers']
    >>> [[c.value for c in row[:2] + row[8:10]] for row in book["Figures"].iter_rows()]
    [['ID', 'Figure', 'Measured', 'Difference'], ['red_share', 'red_share', 30, 0],
     ['red_area', 'red_area', 30, -5]]
    """
    return write_excel(result, path, lang)


# --------------------------------------------------------------------------- Word


def to_docx(
    result: Any, path: str | Path, lang: Lang = "zh", *, annex: bool = True, annex_dpi: int = 150
) -> Path:
    """Write the Word report (.docx), laid out as a 核查表, for filing with the review.

    A4 landscape: the plan, region, area method, denominator, areas and verdict; the
    verification table (ID, figure, stated, measured, difference, status, binding,
    denominator, method; status cells shaded as in the HTML report); the findings in
    sentences (figures that do not pass, the plan's own inconsistencies, the conflict
    layers with count and area, the township table's 面积计算余差 row explained); and the
    annex pages (:func:`ecospace.rendering.annex.make_annex`) as numbered figures 附图1–3.

    Parameters
    ----------
    result : CheckResult
    path : path
        The ``.docx`` file to write (replaced if it exists: use
        :func:`ecospace.rendering.outputs.write_outputs` for the no-overwrite rule).
    lang : {"zh", "en"}
    annex : bool, default True
        Draw the annex pages (needs a CJK font; without one the report says why they
        are missing and a warning is logged).
    annex_dpi : int, default 150
        Resolution of the annex figures.

    Examples
    --------
    >>> import tempfile, pathlib, docx
    >>> from ecospace.checking._examples import tiny_result
    >>> r = tiny_result()  # red line 30 ha in a 100 ha county; plan: >= 30 %, >= 35 ha
    >>> path = to_docx(r, pathlib.Path(tempfile.mkdtemp()) / "report.docx", "en", annex=False)
    >>> table = docx.Document(path).tables[1]
    >>> [c.text for c in table.rows[2].cells][:7]
    ['red_area', 'red_area', '>= 35 ha', '30.00 ha', '-5.00', '-14.29', 'FAIL']
    """
    return write_docx(result, path, lang, annex=annex, annex_dpi=annex_dpi)


# --------------------------------------------------------------------------- JSON


def _jsonable(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set)):
        return [_jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return [_jsonable(x) for x in v.tolist()]
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if _isnan(v):
        return None
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    if isinstance(v, (str, type(None))):
        return v
    if isinstance(v, Path):
        return str(v)
    if isinstance(v, (_dt.date, _dt.datetime, pd.Timestamp)):
        return v.isoformat()
    return str(v)


def _records(df: pd.DataFrame | None) -> list[dict[str, Any]]:
    if df is None:
        return []
    df = df.drop(columns=[c for c in df.columns if str(c) == "geometry"], errors="ignore")
    return [_jsonable(r) for r in df.to_dict("records")]


def to_dict(result: Any) -> dict[str, Any]:
    """The report as plain Python data, the layout of ``report.schema.json``.

    Areas are square metres (keys ending ``_m2``), shares in county tables are fractions,
    and figure values are in each figure's own unit; numbers keep full precision and
    missing values are ``null``.

    Examples
    --------
    >>> from ecospace.checking._examples import tiny_result
    >>> r = tiny_result()  # red line 30 ha in a 100 ha county; plan: >= 30 %, >= 35 ha
    >>> d = to_dict(r)
    >>> d["passed"], d["denominator"]["boundary_m2"]
    (False, 1000000.0)
    >>> [(f["id"], f["measured"], f["measured_m2"], f["status"]) for f in d["figures"]]
    [('red_share', 30.0, 300000.0, 'pass'), ('red_area', 30.0, 300000.0, 'fail')]
    """
    figures = []
    for rec in result.figures.to_dict("records"):
        rec = _jsonable(rec)
        for key in ("year", "line"):  # a column with gaps is float in pandas: 2035.0 → 2035
            if rec.get(key) is not None:
                rec[key] = int(rec[key])
        figures.append(rec)
    audit = [
        {
            "kind": str(getattr(f, "kind", "")),
            "severity": str(getattr(f, "severity", "")),
            "figure_ids": [str(i) for i in (getattr(f, "figure_ids", ()) or ())],
            "message_zh": str(getattr(f, "message_zh", "")),
            "message_en": str(getattr(f, "message_en", "")),
            "details": _jsonable(getattr(f, "details", {}) or {}),
        }
        for f in getattr(result, "audit", None) or []
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "ecospace_version": _version(),
        "generated": getattr(result, "created", None) or _dt.datetime.now().isoformat(),
        "plan": {
            "name": _jsonable(_plan_attr(result, "name")),
            "region": _jsonable(_plan_attr(result, "region")),
            "code": _jsonable(_plan_attr(result, "code")),
            "path": _jsonable(_plan_attr(result, "path")),
            "total_area": _quantity(_plan_attr(result, "total_area")),
            "survey_area": _quantity(_plan_attr(result, "survey_area"), source=True),
        },
        "method": result.method,
        "method_label": {
            "zh": method_label(result.method, "zh"),
            "en": method_label(result.method, "en"),
        },
        "denominator": {
            "used": result.denominator,
            "area_m2": _jsonable(result.denominator_m2),
            "boundary_m2": _jsonable(result.boundary_m2),
            "stated_m2": _jsonable(result.stated_total_m2),
            "survey_m2": _jsonable(getattr(result, "survey_area_m2", None)),
        },
        "passed": bool(result.passed),
        "summary": summary(result),
        "figures": figures,
        "audit": audit,
        "layers": _records(getattr(result, "layers", None)),
        **{
            key: _records(_section_frame(result, key))
            for key in (
                "coverage",
                "overlaps",
                "containment",
                "conflicts",
                "townships",
                "land_cover",
            )
        },
        "notes": {
            "townships": [
                {"zh": zh, "en": en}
                for zh, en in zip(
                    residue_notes(result, "zh"), residue_notes(result, "en"), strict=True
                )
            ]
        },
    }


def _quantity(q: Any, *, source: bool = False) -> dict[str, Any] | None:
    """A plan's total or survey area as written, for the JSON report."""
    if q is None:
        return None
    out = {k: _jsonable(getattr(q, k, None)) for k in ("value", "unit", "quote", "line")}
    if out["line"] is not None:
        out["line"] = int(out["line"])
    if source:
        out["source"] = _jsonable(getattr(q, "source", None))
    return out


def to_json(result: Any, path: str | Path | None = None, *, indent: int = 2) -> str:
    """The report as JSON text (written to ``path`` as UTF-8 when given).

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> from ecospace.checking._examples import tiny_result
    >>> r = tiny_result()  # red line 30 ha in a 100 ha county; plan: >= 30 %, >= 35 ha
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "report.json"
    >>> doc = json.loads(to_json(r, path))
    >>> doc["summary"]
    {'pass': 1, 'fail': 1, 'within precision': 0, 'not measured': 0, 'binding_failed': 1}
    >>> json.loads(path.read_text(encoding="utf-8")) == doc
    True
    """
    text = json.dumps(to_dict(result), ensure_ascii=False, indent=indent, allow_nan=False)
    if path is not None:
        write_text(path, text + "\n", overwrite=True)
    return text


def _version() -> str:
    return __version__


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that every JSON report validates against.

    Examples
    --------
    >>> import jsonschema
    >>> from ecospace.checking._examples import tiny_result
    >>> r = tiny_result()  # red line 30 ha in a 100 ha county; plan: >= 30 %, >= 35 ha
    >>> schema = report_schema()
    >>> schema["title"]
    'ecospace verification report'
    >>> jsonschema.validate(to_dict(r), schema)  # raises ValidationError if it does not fit
    """
    ref = resources.files("ecospace").joinpath("schemas/report.schema.json")
    return json.loads(ref.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- sections


def section_text(result: Any, key: str, lang: Lang = "zh") -> str:
    """One section (``layers``, ``coverage``, ``overlaps``, ``containment``, ``townships``,
    ``land_cover``, ``audit``) as an aligned plain-text table, for the terminal.

    The county's tables are rendered by :func:`ecospace.rendering.county_tables.county_table`
    in hectares, as ``ecospace stats`` prints them.
    """
    if key == "figures":
        return to_table(result, lang)
    df = _audit_frame(result, lang) if key == "audit" else _section_frame(result, key)
    if df is None or not len(df):
        return _t("none", lang)
    if key in _COUNTY_TABLES:
        table = county_table(df, unit="ha", lang=lang, balanced=key == "townships")
        notes = residue_notes(result, lang) if key == "townships" else []
        return "\n".join([table, *notes])
    if key != "audit":
        df = display_frame(df, lang)
    headers, rows = _frame_cells(df, lang)
    align = [
        "right" if pd.api.types.is_numeric_dtype(df[c]) and df[c].dtype != bool else "left"
        for c in df.columns
    ]
    return text_table(headers, rows, align)


#: Sections that are tables of the county's figures (the rest: figures, audit, layers).
_COUNTY_TABLES = ("coverage", "overlaps", "containment", "townships", "land_cover")


def section_title(key: str, lang: Lang = "zh") -> str:
    """The title of a report section (``coverage`` → 覆盖)."""
    for k, zh, en in SECTIONS:
        if k == key:
            return zh if lang == "zh" else en
    raise KeyError(key)
