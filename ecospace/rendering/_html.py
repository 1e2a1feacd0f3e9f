"""The self-contained HTML report and the Jupyter view of a check result (private).

Use :func:`ecospace.rendering.report.to_html`; the page has inline CSS, at most one small inline
script (it points the "open the map" link at the embedded copy of the map), and fetches
nothing when it opens.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ecospace.labels import (
    Lang,
    _col_label,
    _i,
    _t,
)
from ecospace.rendering._cells import (
    _JUPYTER_COLS,
    SECTIONS,
    _audit_frame,
    _figures_display,
    _frame_cells,
    _header,
    _isnan,
    _isnum,
    _plan_attr,
    _section_frame,
    display_frame,
    residue_notes,
)

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
.ecospace-report .table-wrap{overflow-x:auto}
.ecospace-report table.figures{font-size:.85em}
.ecospace-report table.figures th{min-width:4.5em;word-break:keep-all}
.ecospace-report table.figures td{min-width:4.5em}
.ecospace-report table.figures td.col-label{min-width:9em}
.ecospace-report table.figures td.col-roles{min-width:7em}
.ecospace-report table.figures td.col-denominator{min-width:6em}
.ecospace-report table.figures td.col-reason{min-width:10em;max-width:22em}
.ecospace-report table.figures .fig-id{display:block;color:#777;font-size:.85em;
 word-break:break-all}
.ecospace-report p.residue{font-size:.9em;color:#444;max-width:60em}
"""


def _h(s: Any) -> str:
    return html.escape(str(s), quote=True)


def _html_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[tuple[str, Any, str] | tuple[str, Any, str, str]]],
    *,
    cls: str = "",
) -> str:
    """rows: cells of (text, raw value or None, css class[, a second line in small print])."""
    table = f'<table class="{cls}">' if cls else "<table>"
    out = [table, "<thead><tr>", *(f"<th>{_h(h)}</th>" for h in headers), "</tr></thead><tbody>"]
    for r in rows:
        out.append("<tr>")
        for text, raw, css, *second in r:
            attrs = f' class="{css}"' if css else ""
            if raw is not None and _isnum(raw) and not _isnan(raw):
                attrs += f' data-value="{float(raw)!r}"'
            small = f'<span class="fig-id">{_h(second[0])}</span>' if second else ""
            out.append(f"<td{attrs}>{_h(text)}{small}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


_NUMERIC_FIG = {"stated", "measured", "difference", "difference_pct", "measured_alt"}


#: Columns of the HTML verification table: the figure's id goes under its label, and the
#: other-denominator value and the note only when some figure has one (a table readable
#: at 1 280 px: no column narrower than four characters).
_HTML_COLS = ("label", "measure", "roles", "stated", "measured", "difference", "difference_pct",
              "status", "binding", "method", "denominator", "measured_alt", "reason")  # fmt: skip


def _figures_html(result: Any, lang: str, cols: Sequence[str] | None = None) -> str:
    _, cells = _figures_display(result, lang)
    if cols is None:
        cols = [
            c
            for c in _HTML_COLS
            if c not in ("measured_alt", "reason")
            or any(cell[c] not in ("", "—") for cell in cells)
        ]
    cols = list(cols)
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
            if c == "label" and "id" not in cols and cell["id"] != cell["label"]:
                row.append((cell[c], raw, f"col-{c} {cls}".strip(), cell["id"]))
            else:
                row.append((cell[c], raw, f"col-{c} {cls}".strip()))
        rows.append(row)
    table = _html_table([_col_label(c, lang) for c in cols], rows, cls="figures")
    return f'<div class="table-wrap">{table}</div>'


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


#: Points the "open the map" link at a blob: URL of the iframe's own srcdoc, so the link
#: works in a report that travels without map.html; without scripts the link stays on
#: the embedded map (#ecospace-map).
_OPEN_MAP_JS = (
    "(function(){var f=document.getElementById('ecospace-map'),"
    "a=document.getElementById('ecospace-map-link');"
    "if(!f||!a||!window.Blob||!window.URL||!URL.createObjectURL)return;"
    "a.href=URL.createObjectURL(new Blob([f.srcdoc],{type:'text/html;charset=utf-8'}));"
    "a.target='_blank';})();"
)


def _map_html(map_path: str | Path | None, lang: str, embed: bool) -> str:
    if not map_path:
        return ""
    p = Path(map_path)
    if not p.exists():
        return ""
    if not embed:
        # a link to the file beside the report: say so, since it breaks when moved alone
        note = _t("map_travels", lang).format(name=p.name)
        return f'<p><a href="{_h(p.name)}">{_h(_t("open_map", lang))}</a> {_h(note)}</p>'
    doc = p.read_text(encoding="utf-8")
    return (
        f'<iframe id="ecospace-map" title="map" srcdoc="{_h(doc)}"></iframe>'
        f'<p><a id="ecospace-map-link" href="#ecospace-map" rel="noopener">'
        f"{_h(_t('open_map', lang))}</a></p><script>{_OPEN_MAP_JS}</script>"
    )


def to_html(
    result: Any,
    lang: Lang = "zh",
    *,
    map_path: str | Path | None = None,
    embed_map: bool = True,
    full_page: bool = True,
) -> str:
    """A self-contained HTML report: inline CSS, nothing fetched when it opens.

    Parameters
    ----------
    result : CheckResult
    lang : {"zh", "en"}
    map_path : path, optional
        An offline map made by :func:`ecospace.rendering.maps.make_map`; it is embedded as an
        ``<iframe srcdoc>`` (so the report stays one file), and a link opens that embedded
        copy in a new window (a ``blob:`` URL made by a three-line inline script, the
        page's only script).
    embed_map : bool, default True
        False links to the map file instead of embedding it, and says the file must
        stay beside the report.
    full_page : bool, default True
        False returns only the ``<div>`` (used by ``_repr_html_`` in Jupyter).

    Numbers in tables carry their full-precision value in a ``data-value`` attribute.

    Examples
    --------
    >>> from ecospace.checking._examples import tiny_result
    >>> r = tiny_result()  # red line 30 ha in a 100 ha county; plan: >= 30 %, >= 35 ha
    >>> html = to_html(r, "en")
    >>> html.startswith("<!DOCTYPE html>"), "<script src" in html
    (True, False)
    >>> '<td class="col-measured num" data-value="30.0">30.00 ha</td>' in html
    True
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
            if key == "townships":
                table += "".join(
                    f'<p class="residue">{_h(n)}</p>' for n in residue_notes(result, lang)
                )
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
