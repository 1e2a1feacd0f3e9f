"""Verification reports: terminal table, Markdown, self-contained HTML, Excel and JSON.

Every function here takes a check result (:class:`ecospace.check.CheckResult`, used
duck-typed so this module never imports :mod:`ecospace.check`) and renders it.  Labels
are Chinese by default and English with ``lang="en"``.  Areas inside a result are square
metres and shares are fractions; the human-readable outputs show hectares and per cent,
while the JSON keeps the raw full-precision numbers (documented by
``ecospace/schemas/report.schema.json``).
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import logging
import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._errors import EcospaceError
from ._output import refuse_overwrite
from ._report_labels import (
    _COLUMNS,
    _DENOMINATORS,
    _KINDS,
    _MEASURES,
    _SEVERITY,
    _STATUS,
    METHOD_SHORT,
    _class_label,
    _col_label,
    _i,
    _lookup,
    _t,
    method_label,
    role_label,
    unit_label,
)

log = logging.getLogger("ecospace")

__all__ = [
    "SECTIONS",
    "report_schema",
    "to_dict",
    "to_excel",
    "to_html",
    "to_json",
    "to_markdown",
    "to_table",
    "write_reports",
]

Lang = Literal["zh", "en"]

#: Version of the JSON report layout (bumped when a key changes meaning).
SCHEMA_VERSION = "1.0"

#: Sections of a report: key, attribute of ``result.county`` (or the result), Chinese, English.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("figures", "核查结果", "Figures"),
    ("coverage", "覆盖", "Coverage"),
    ("overlaps", "重叠", "Overlaps"),
    ("containment", "包含", "Containment"),
    ("townships", "乡镇", "Townships"),
    ("land_cover", "土地覆盖", "Land cover"),
    ("audit", "规划自检", "Plan audit"),
    ("layers", "图层", "Layers"),
)

# --------------------------------------------------------------------------- helpers


def _isnum(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _isnan(v: Any) -> bool:
    if v is None or v is pd.NA:
        return True
    return _isnum(v) and math.isnan(float(v))


def _decimals(precision: Any, default: int = 2) -> int:
    """Decimal places implied by a precision (0.01 → 2, 1 → 0, 0.005 → 3)."""
    if _isnan(precision) or not precision:
        return default
    exp = Decimal(repr(float(precision))).normalize().as_tuple().exponent
    return max(0, -int(exp))


def _fmt(v: Any, decimals: int = 2, *, sep: bool = True) -> str:
    if _isnan(v):
        return "—"
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if _isnum(v):
        if isinstance(v, (int, np.integer)):
            return f"{int(v):,}" if sep else str(int(v))
        return f"{float(v):,.{decimals}f}" if sep else f"{float(v):.{decimals}f}"
    return str(v)


def _signed(v: Any, decimals: int) -> str:
    if _isnan(v):
        return "—"
    return f"{float(v):+,.{decimals}f}"


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


def _pad(text: str, width: int, align: str) -> str:
    fill = " " * max(0, width - display_width(text))
    return fill + text if align == "right" else text + fill


def text_table(headers: Sequence[str], rows: Iterable[Sequence[str]], align: Sequence[str]) -> str:
    """A plain-text table whose columns line up with Chinese text (no external dependency)."""
    rows = [list(r) for r in rows]
    widths = [display_width(h) for h in headers]
    for r in rows:
        widths = [max(w, display_width(c)) for w, c in zip(widths, r, strict=True)]
    line = "  ".join("─" * w for w in widths)
    out = ["  ".join(_pad(h, w, a) for h, w, a in zip(headers, widths, align, strict=True)), line]
    out += [
        "  ".join(_pad(c, w, a) for c, w, a in zip(r, widths, align, strict=True)) for r in rows
    ]
    return "\n".join(s.rstrip() for s in out)


def _plan_attr(result: Any, name: str, default: Any = None) -> Any:
    return getattr(getattr(result, "plan", None), name, default)


def _stated_total(result: Any) -> tuple[Any, str | None]:
    q = _plan_attr(result, "total_area")
    if q is None:
        return None, None
    return getattr(q, "value", None), getattr(q, "unit", None)


def _paren(text: str, lang: str) -> str:
    return f"（{text}）" if lang == "zh" else f" ({text})"


def _header(result: Any, lang: str) -> list[tuple[str, str]]:
    """(label, text) pairs shown above every report."""
    ha = _t("ha", lang)
    rows = [(_t("plan", lang), str(_plan_attr(result, "name", "") or ""))]
    region = _plan_attr(result, "region")
    code = _plan_attr(result, "code")
    if region or code:
        rows.append((_t("region", lang), " ".join(str(x) for x in (region, code) if x)))
    rows.append((_t("method", lang), method_label(result.method, lang)))
    den = _lookup(_DENOMINATORS, result.denominator, lang)
    rows.append((_t("denominator", lang), f"{den} {_fmt(result.denominator_m2 / 1e4)} {ha}"))
    b = result.boundary_m2
    rows.append(
        (
            _t("boundary_area", lang),
            f"{_fmt(b / 1e4)} {ha}" + _paren(f"{_fmt(b / 1e6)} {_t('km2', lang)}", lang),
        )
    )
    value, unit = _stated_total(result)
    if value is None:
        rows.append((_t("stated_total", lang), _t("not_given", lang)))
    else:
        s = result.stated_total_m2
        rows.append(
            (
                _t("stated_total", lang),
                f"{_fmt(value, _decimals(value, 0), sep=False)} {unit_label(unit, lang)}"
                + _paren(f"{_fmt(s / 1e4)} {ha}", lang),
            )
        )
        if not _isnan(b) and not _isnan(s):
            gap = b - s
            rows.append(
                (
                    _t("gap", lang),
                    f"{_signed(gap / 1e4, 2)} {ha}"
                    + _paren(f"{_signed(gap / s * 100, 3)} %", lang),
                )
            )
    c = summary(result)
    counts = _t("counts", lang).format(
        **{
            "pass": c["pass"],
            "within": c["within precision"],
            "fail": c["fail"],
            "nm": c["not measured"],
        }
    )
    verdict = _t("passed" if result.passed else "failed", lang)
    rows.append(
        (_t("verdict", lang), f"{verdict}；{counts}" if lang == "zh" else f"{verdict}; {counts}")
    )
    return rows


def summary(result: Any) -> dict[str, int]:
    """Counts of figures per status, plus ``binding_failed``."""
    f = result.figures
    counts = {k: 0 for k in _STATUS}
    if len(f):
        for k, n in f["status"].value_counts().items():
            counts[str(k)] = int(n)
        bad = (
            f["binding"].astype(bool)
            & (f["measure"] != "stated")
            & ~f["status"].isin(["pass", "within precision"])
        )
        counts["binding_failed"] = int(bad.sum())
    else:
        counts["binding_failed"] = 0
    return counts


# --------------------------------------------------------------------------- tables


def _figure_cells(row: Mapping[str, Any], lang: str) -> dict[str, str]:
    """The printable cells of one figure row."""
    d = _decimals(row.get("precision"))
    unit = unit_label(row.get("unit"), lang)
    dm = d if row.get("unit") == "count" else d + 2
    den = row.get("denominator")
    return {
        "id": str(row.get("id", "")),
        "label": str(row.get("label") or row.get("id", "")),
        "measure": _lookup(_MEASURES, row.get("measure"), lang),
        "roles": " ∩ ".join(
            role_label(r, lang) for r in str(row.get("roles") or "").split(" ∩ ") if r
        )
        if row.get("measure") == "overlap"
        else " ⊄ ".join(role_label(r, lang) for r in str(row.get("roles") or "").split(" ⊄ ") if r),
        "op": str(row.get("op", "")),
        "stated": f"{row.get('op', '')} {_fmt(row.get('stated'), d)} {unit}".strip(),
        "unit": unit,
        "precision": _fmt(row.get("precision"), d),
        "measured": f"{_fmt(row.get('measured'), dm)} {unit}"
        if not _isnan(row.get("measured"))
        else "—",
        "measured_alt": _fmt(row.get("measured_alt"), dm),
        "difference": _signed(row.get("difference"), dm),
        "difference_pct": _signed(row.get("difference_pct"), 2),
        "status": _lookup(_STATUS, row.get("status"), lang),
        "binding": _t("binding" if row.get("binding") else "reference", lang),
        "method": _lookup(METHOD_SHORT, row.get("method"), lang) if row.get("method") else "—",
        "denominator": _lookup(_DENOMINATORS, den, lang) if den else "—",
        "reason": "" if _isnan(row.get("reason")) else str(row.get("reason") or ""),
    }


#: Figure columns of the terminal table; Jupyter adds the denominator; Markdown and HTML
#: show the full set.
_TABLE_COLS = ("id", "label", "stated", "measured", "difference", "difference_pct", "status",
               "binding")  # fmt: skip
_JUPYTER_COLS = (*_TABLE_COLS, "denominator")
_REPORT_COLS = ("id", "label", "measure", "roles", "stated", "measured", "difference",
                "difference_pct", "status", "binding", "method", "denominator", "measured_alt",
                "reason")  # fmt: skip
_TABLE_ALIGN = ("left", "left", "right", "right", "right", "right", "left", "left")


def to_table(result: Any, lang: Lang = "zh") -> str:
    """The verification table for a terminal, aligned for Chinese text.

    The header names the plan, the method and the denominator and shows the plan's stated
    total beside the computed boundary area; figures that were not measured list why.
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


def _audit_frame(result: Any, lang: str) -> pd.DataFrame:
    rows = []
    for f in getattr(result, "audit", None) or []:
        ids = getattr(f, "figure_ids", ()) or ()
        rows.append(
            {
                "severity": _lookup(_SEVERITY, getattr(f, "severity", ""), lang),
                "kind": str(getattr(f, "kind", "")),
                "figure_ids": ", ".join(str(i) for i in ids),
                "message": str(getattr(f, "message_zh" if lang == "zh" else "message_en", "")),
            }
        )
    return pd.DataFrame(rows, columns=["severity", "kind", "figure_ids", "message"])


def _section_frame(result: Any, key: str) -> pd.DataFrame | None:
    """The raw DataFrame of one section (m², fractions), or None when it is absent."""
    if key == "figures":
        return result.figures
    if key == "layers":
        return getattr(result, "layers", None)
    county = getattr(result, "county", None)
    df = getattr(county, key, None) if county is not None else None
    return df if isinstance(df, pd.DataFrame) else None


_ROLE_COLUMNS = {"role", "role_a", "role_b", "inner", "outer", "within"}


_CODE_COLUMNS = {"epsg", "year", "line", "fid", "code"}


def display_frame(df: pd.DataFrame, lang: Lang = "zh") -> pd.DataFrame:
    """A section table ready to show: m² columns in hectares, fractions in per cent, roles named.

    Columns named ``*_m2`` become ``*_ha`` (÷ 10 000) unless the table already has that
    ``*_ha`` column (e.g. the township table's force-balanced hectares, which are kept);
    columns named ``share*`` or ``*_share`` hold fractions and become per cent (× 100);
    role codes, township row kinds and land-cover class sets get their names in ``lang``.
    The geometry column, if any, is dropped.
    """
    names = {str(c) for c in df.columns}
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        s = df[col]
        name = str(col)
        numeric = pd.api.types.is_numeric_dtype(s) and s.dtype != bool
        if name == "geometry" or getattr(s, "dtype", None) == "geometry":
            continue
        if name.endswith("_m2") and numeric:
            if name[:-3] + "_ha" not in names:
                out[name[:-3] + "_ha"] = s.astype(float) / 1e4
        elif (name.startswith("share") or name.endswith("_share")) and numeric:
            out[name] = s.astype(float) * 100
        elif name in _ROLE_COLUMNS:
            out[name] = [role_label(v, lang) if isinstance(v, str) else v for v in s]
        elif name == "kind" and "township" in set(s):
            out[name] = [_lookup(_KINDS, v, lang) for v in s]
        elif name == "class":
            out[name] = [_class_label(v, lang) for v in s]
        elif name == "denominator_source":
            out[name] = [_lookup(_DENOMINATORS, v, lang) for v in s]
        else:
            out[name] = s
    return out.reset_index(drop=True)


def _figures_display(result: Any, lang: str) -> tuple[list[str], list[dict[str, str]]]:
    cols = list(_REPORT_COLS)
    return cols, [_figure_cells(r, lang) for r in result.figures.to_dict("records")]


# --------------------------------------------------------------------------- Markdown


def _md_escape(s: str) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def _md_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    out = [
        "| " + " | ".join(_md_escape(h) for h in headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    out += ["| " + " | ".join(_md_escape(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def _frame_cells(df: pd.DataFrame, lang: str) -> tuple[list[str], list[list[str]]]:
    headers = [_col_label(c, lang) for c in df.columns]
    rows = []
    for rec in df.itertuples(index=False):
        cells = []
        for col, v in zip(df.columns, rec, strict=True):
            if isinstance(v, (bool, np.bool_)):
                cells.append(_t("yes" if v else "no", lang))
            elif isinstance(v, (list, tuple)):
                cells.append(", ".join(str(x) for x in v))
            else:
                cells.append(_fmt(v, 2, sep=col not in _CODE_COLUMNS))
        rows.append(cells)
    return headers, rows


def to_markdown(result: Any, lang: Lang = "zh") -> str:
    """The whole report as Markdown (GitHub pipe tables)."""
    _i(lang)
    out = [f"# {_t('title', lang)}", ""]
    out += [f"- **{label}**: {text}" for label, text in _header(result, lang)]
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
        out += ["", f"## {title}", "", table]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- HTML

_CSS = """
.ecospace-report{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",
 "PingFang SC",sans-serif;color:#222;max-width:1200px;margin:1em auto;padding:0 1em}
.ecospace-report h1{font-size:1.5em;border-bottom:2px solid #b22;padding-bottom:.3em}
.ecospace-report h2{font-size:1.2em;margin-top:1.6em}
.ecospace-report table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
.ecospace-report th,.ecospace-report td{border:1px solid #ccc;padding:.25em .5em;vertical-align:top}
.ecospace-report th{background:#f3f3f3;text-align:left}
.ecospace-report td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.ecospace-report td.short{white-space:nowrap}
.ecospace-report dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}
.ecospace-report dt{font-weight:bold}
.ecospace-report .status-pass{background:#e3f4e3}
.ecospace-report .status-fail{background:#fbe0e0;font-weight:bold}
.ecospace-report .status-within-precision{background:#fff6d5}
.ecospace-report .status-not-measured{background:#eee;color:#666}
.ecospace-report .verdict-pass{color:#1a7f1a;font-weight:bold}
.ecospace-report .verdict-fail{color:#b22;font-weight:bold}
.ecospace-report iframe{width:100%;height:640px;border:1px solid #ccc}
"""


def _h(s: Any) -> str:
    return html.escape(str(s), quote=True)


def _html_table(headers: Sequence[str], rows: Iterable[Sequence[tuple[str, Any, str]]]) -> str:
    """rows: cells of (text, raw value or None, css class)."""
    out = ["<table><thead><tr>", *(f"<th>{_h(h)}</th>" for h in headers), "</tr></thead><tbody>"]
    for r in rows:
        out.append("<tr>")
        for text, raw, cls in r:
            attrs = f' class="{cls}"' if cls else ""
            if raw is not None and _isnum(raw) and not _isnan(raw):
                attrs += f' data-value="{float(raw)!r}"'
            out.append(f"<td{attrs}>{_h(text)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


_NUMERIC_FIG = {"stated", "measured", "difference", "difference_pct", "measured_alt"}


def _figures_html(result: Any, lang: str, cols: Sequence[str] | None = None) -> str:
    allcols, cells = _figures_display(result, lang)
    cols = list(cols or allcols)
    records = result.figures.to_dict("records")
    rows = []
    for rec, cell in zip(records, cells, strict=True):
        status_cls = "status-" + str(rec.get("status", "")).replace(" ", "-")
        row = []
        for c in cols:
            raw = rec.get(c) if c in _NUMERIC_FIG else None
            if c in _NUMERIC_FIG:
                cls = "num"
            elif c == "status":
                cls = status_cls + " short"
            else:
                cls = "short" if c in ("measure", "binding", "method", "id") else ""
            row.append((cell[c], raw, cls))
        rows.append(row)
    return _html_table([_col_label(c, lang) for c in cols], rows)


def _frame_html(df: pd.DataFrame, lang: str) -> str:
    headers, cells = _frame_cells(df, lang)
    rows = []
    for rec, cell in zip(df.itertuples(index=False), cells, strict=True):
        rows.append(
            [
                (c, v if _isnum(v) else None, "num" if _isnum(v) else "")
                for c, v in zip(cell, rec, strict=True)
            ]
        )
    return _html_table(headers, rows)


def _header_html(result: Any, lang: str) -> str:
    items = []
    for label, text in _header(result, lang):
        cls = ""
        if label == _t("verdict", lang):
            cls = ' class="verdict-pass"' if result.passed else ' class="verdict-fail"'
        items.append(f"<dt>{_h(label)}</dt><dd{cls}>{_h(text)}</dd>")
    return "<dl>" + "".join(items) + "</dl>"


def _map_html(map_path: str | Path | None, lang: str, embed: bool) -> str:
    if not map_path:
        return ""
    p = Path(map_path)
    if not p.exists():
        return ""
    link = f'<p><a href="{_h(p.name)}">{_h(_t("open_map", lang))}</a></p>'
    if not embed:
        return link
    doc = p.read_text(encoding="utf-8")
    return f'<iframe title="map" srcdoc="{_h(doc)}"></iframe>{link}'


def to_html(
    result: Any,
    lang: Lang = "zh",
    *,
    map_path: str | Path | None = None,
    embed_map: bool = True,
    full_page: bool = True,
) -> str:
    """A self-contained HTML report: inline CSS, no script, nothing fetched when it opens.

    Parameters
    ----------
    result : CheckResult
    lang : {"zh", "en"}
    map_path : path, optional
        An offline map made by :func:`ecospace.maps.make_map`; it is embedded as an
        ``<iframe srcdoc>`` (so the report stays one file) with a link to the file beside it.
    embed_map : bool, default True
        False links to the map file instead of embedding it.
    full_page : bool, default True
        False returns only the ``<div>`` (used by ``_repr_html_`` in Jupyter).

    Numbers in tables carry their full-precision value in a ``data-value`` attribute.
    """
    _i(lang)
    map_path = map_path if map_path is not None else getattr(result, "map_path", None)
    body = [f"<h1>{_h(_t('title', lang))}</h1>", _header_html(result, lang)]
    for key, zh, en in SECTIONS:
        title = zh if lang == "zh" else en
        if key == "figures":
            table = _figures_html(result, lang)
        elif key == "audit":
            df = _audit_frame(result, lang)
            table = _frame_html(df, lang) if len(df) else f"<p>{_h(_t('none', lang))}</p>"
        else:
            df = _section_frame(result, key)
            if df is None or not len(df):
                table = f"<p>{_h(_t('none', lang))}</p>"
            else:
                table = _frame_html(display_frame(df, lang), lang)
        body.append(f'<section id="{key}"><h2>{_h(title)}</h2>{table}</section>')
        if key == "figures" and full_page:
            m = _map_html(map_path, lang, embed_map)
            if m:
                body.append(f'<section id="map"><h2>{_h(_t("map", lang))}</h2>{m}</section>')
    div = f'<div class="ecospace-report"><style>{_CSS}</style>{"".join(body)}</div>'
    if not full_page:
        return div
    title = f"{_t('title', lang)} — {_plan_attr(result, 'name', '') or ''}"
    return (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
        f'<meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_h(title)}</title></head><body>{div}</body></html>\n"
    )


def repr_html(result: Any, lang: Lang = "zh") -> str:
    """The compact HTML Jupyter shows: header and figures table."""
    return (
        f'<div class="ecospace-report"><style>{_CSS}</style>'
        f"<h2>{_h(_t('title', lang))}</h2>{_header_html(result, lang)}"
        f"{_figures_html(result, lang, _JUPYTER_COLS)}</div>"
    )


# --------------------------------------------------------------------------- Excel


def to_excel(result: Any, path: str | Path, lang: Lang = "zh") -> Path:
    """Write the report as an Excel workbook, one sheet per section.

    Sheets (Chinese by default): 概况, 核查结果, 覆盖, 重叠, 包含, 乡镇, 土地覆盖, 规划自检,
    图层.  Numbers are stored as numbers with number formats such as ``0.00`` (figures in
    their own unit, other tables in hectares and per cent); the header row is frozen and
    columns are sized to fit.
    """
    from ._report_xlsx import write_excel

    return write_excel(result, path, lang)


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
    """
    value, unit = _stated_total(result)
    q = _plan_attr(result, "total_area")
    figures = []
    for rec in result.figures.to_dict("records"):
        figures.append(_jsonable(rec))
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
            "total_area": None
            if q is None
            else {
                "value": _jsonable(value),
                "unit": _jsonable(unit),
                "quote": _jsonable(getattr(q, "quote", None)),
                "line": _jsonable(getattr(q, "line", None)),
            },
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
        },
        "passed": bool(result.passed),
        "summary": summary(result),
        "figures": figures,
        "audit": audit,
        "layers": _records(getattr(result, "layers", None)),
        **{
            key: _records(_section_frame(result, key))
            for key in ("coverage", "overlaps", "containment", "townships", "land_cover")
        },
    }


def to_json(result: Any, path: str | Path | None = None, *, indent: int = 2) -> str:
    """The report as JSON text (written to ``path`` as UTF-8 when given)."""
    text = json.dumps(to_dict(result), ensure_ascii=False, indent=indent, allow_nan=False)
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text + "\n", encoding="utf-8")
    return text


def _version() -> str:
    from . import __version__

    return __version__


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that every JSON report validates against."""
    ref = resources.files("ecospace").joinpath("schemas/report.schema.json")
    return json.loads(ref.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- files


def write_reports(
    result: Any,
    out_dir: str | Path,
    *,
    lang: Lang = "zh",
    overwrite: bool = False,
    formats: Sequence[str] = ("md", "html", "xlsx", "json"),
    map_path: str | Path | None = None,
) -> dict[str, Path]:
    """Write ``report.md``, ``report.html``, ``report.xlsx`` and ``report.json`` into ``out_dir``.

    Raises
    ------
    EcospaceError
        When a report file already exists and ``overwrite`` is False.
    """
    out = Path(out_dir)
    paths = {fmt: out / f"report.{fmt}" for fmt in formats}
    refuse_overwrite(paths.values(), overwrite=overwrite)
    out.mkdir(parents=True, exist_ok=True)
    for fmt, p in paths.items():
        if fmt == "md":
            p.write_text(to_markdown(result, lang), encoding="utf-8")
        elif fmt == "html":
            p.write_text(to_html(result, lang, map_path=map_path), encoding="utf-8")
        elif fmt == "xlsx":
            to_excel(result, p, lang)
        elif fmt == "json":
            to_json(result, p)
        else:
            raise EcospaceError(f"unknown report format {fmt!r}; use md, html, xlsx or json")
    return paths


def section_text(result: Any, key: str, lang: Lang = "zh") -> str:
    """One section (``layers``, ``coverage``, ``overlaps``, ``containment``, ``townships``,
    ``land_cover``, ``audit``) as an aligned plain-text table, for the terminal."""
    if key == "figures":
        return to_table(result, lang)
    df = _audit_frame(result, lang) if key == "audit" else _section_frame(result, key)
    if df is None or not len(df):
        return _t("none", lang)
    if key != "audit":
        df = display_frame(df, lang)
    headers, rows = _frame_cells(df, lang)
    align = [
        "right" if pd.api.types.is_numeric_dtype(df[c]) and df[c].dtype != bool else "left"
        for c in df.columns
    ]
    return text_table(headers, rows, align)


def section_title(key: str, lang: Lang = "zh") -> str:
    """The title of a report section (``coverage`` → 覆盖)."""
    for k, zh, en in SECTIONS:
        if k == key:
            return zh if lang == "zh" else en
    raise KeyError(key)


def planned_outputs(
    out_dir: str | Path, *, conflicts: bool = True, map_path: str | Path | None = None
) -> dict[str, Path]:
    """The files :func:`write_outputs` will write (check them before a long run)."""
    out = Path(out_dir)
    paths = {fmt: out / f"report.{fmt}" for fmt in ("md", "html", "xlsx", "json")}
    if conflicts:
        paths["conflicts"] = out / "conflicts.gpkg"
    if map_path is not False:
        paths["map"] = Path(map_path) if map_path else out / "map.html"
    return paths


def write_outputs(
    result: Any,
    out_dir: str | Path,
    *,
    lang: Lang = "zh",
    overwrite: bool = False,
    conflicts: bool = True,
    map_path: str | Path | Literal[False] | None = None,
) -> dict[str, Path]:
    """Write every output of a check: reports, conflicts GeoPackage and offline map.

    Parameters
    ----------
    result : CheckResult
    out_dir : path
        Folder for ``report.md/.html/.xlsx/.json``, ``conflicts.gpkg`` and ``map.html``.
    lang : {"zh", "en"}
    overwrite : bool, default False
        Replace existing files; otherwise an existing file is an :class:`EcospaceError`
        raised before anything is written.
    conflicts : bool, default True
        Write the conflict pieces (:func:`ecospace.overlap.write_conflicts`).
    map_path : path or False, optional
        Where the map goes (default ``out_dir/map.html``); ``False`` for no map.  The map is
        made with :func:`ecospace.maps.make_map` and embedded in the HTML report.

    Returns
    -------
    dict
        Output kind (``md``, ``html``, ``xlsx``, ``json``, ``conflicts``, ``map``) → path.
    """
    targets = planned_outputs(out_dir, conflicts=conflicts, map_path=map_path)
    refuse_overwrite(targets.values(), overwrite=overwrite)
    written: dict[str, Path] = {}
    county = getattr(result, "county", None)
    pieces = getattr(county, "conflicts", None) or {}
    if conflicts:
        from .overlap import write_conflicts

        written["conflicts"] = write_conflicts(targets["conflicts"], pieces, overwrite=True)
    frames = getattr(result, "frames", None)
    if "map" in targets and frames:
        try:
            from .maps import make_map, save_map
        except ImportError:  # maps not installed in this build: reports without a map
            log.warning("ecospace.maps is not available: no map written")
            frames = None
    if "map" in targets and frames:
        name = _plan_attr(result, "name", None)
        m = make_map(frames, conflicts=pieces, title=name, method=result.method)
        written["map"] = save_map(m, targets["map"], overwrite=True)
        result.map_path = written["map"]
    written.update(
        write_reports(
            result, out_dir, lang=lang, overwrite=True, map_path=getattr(result, "map_path", None)
        )
    )
    return written
