"""A county table (coverage, overlaps, containment, townships, land cover …) as terminal text.

:func:`county_table` is the one renderer of these tables as text: ``ecospace stats`` and
``ecospace overlaps`` print it (:func:`ecospace.measuring.stats.format_county` adds the
header and section titles), and the check report's terminal sections
(:func:`ecospace.rendering.report.section_text`, ``ecospace demo``) print it too.

A table comes as the measuring stage makes it: areas in ``*_m2`` columns (square metres),
shares as fractions in ``share``, ``share_*`` or ``*_share`` columns, role codes.  The
text shows areas in the unit asked for, shares in per cent, and in Chinese the roles,
row kinds, classes and headers named; English keeps the codes, as typed on the command
line.  Missing values show as ``—``, booleans as 是/否 (yes/no).
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from ecospace._text_table import text_table
from ecospace.labels import (
    _KINDS,
    Lang,
    _col_label,
    _lookup,
    _t,
    overlap_status,
    role_label,
    township_kind,
    unit_label,
)
from ecospace.units import UNITS, normalize_unit
from ecospace.vocabulary import CLASS_LABELS

__all__ = ["county_table", "layers_html"]

_ROLE_COLUMNS = ("role", "role_a", "role_b", "inner", "outer", "within")
#: Columns that hold codes or counts written without thousands separators.
_CODE_COLUMNS = {"epsg", "year", "line", "fid", "code"}
#: Columns the text leaves out (the header states the denominator; raster codes are listed).
_HIDDEN = {"denominator_source", "values", "raster_values", "geometry"}


def _is_share(col: str) -> bool:
    return col == "share" or col.startswith("share_") or col.endswith("_share")


def _twin_of_m2(col: str, df: pd.DataFrame) -> str | None:
    """The unit of ``col`` when it is another unit's copy of an ``*_m2`` column of ``df``."""
    for u in UNITS:
        if u != "m2" and col.endswith(f"_{u}") and f"{col[: -len(u) - 1]}_m2" in df:
            return u
    return None


def _in_unit(df: pd.DataFrame, unit: str, *, balanced: bool) -> pd.DataFrame:
    """``*_m2`` columns in ``unit`` (``*_<unit>``), shares in per cent (``*_%``).

    With ``balanced`` (the township table) the table's own ``*_<unit>`` columns, balanced
    so that the rows add up to the total (强制调平), replace the plain conversion.
    """
    per = UNITS[unit]
    out = pd.DataFrame(index=df.index)
    for col in map(str, df.columns):
        v = df[col]
        if col in _HIDDEN or (balanced and _twin_of_m2(col, df) is not None):
            continue  # a balanced column is shown in the place of its *_m2 twin
        if col.endswith("_m2"):
            twin = f"{col[:-3]}_{unit}"
            out[twin] = df[twin] if balanced and twin in df else v / per
        elif _is_share(col):
            out[f"{col}_%"] = v * 100
        else:
            out[col] = v
    return out


def _localise(shown: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """The overlap status in ``lang``; in Chinese also roles, row kinds and classes (English
    keeps the codes, as typed on the command line, and names the township rows' kinds)."""
    out = shown.copy()
    if lang != "zh" and "kind" in out and "name" in out:  # 合计, 面积计算余差 … in English
        out["name"] = [
            n if k == "township" else _lookup(_KINDS, k, lang)
            for k, n in zip(out["kind"], out["name"], strict=True)
        ]
    for col in out.columns:
        if col == "status":
            out[col] = [overlap_status(v, lang) for v in out[col]]
        elif lang != "zh":
            continue
        elif col in _ROLE_COLUMNS:
            out[col] = [role_label(v, lang) if isinstance(v, str) else v for v in out[col]]
        elif col == "kind" and "name" in out:
            out[col] = [
                township_kind(n, lang) if k == "township" else _lookup(_KINDS, k, lang)
                for k, n in zip(out[col], out["name"], strict=True)
            ]
        elif col == "class" and "label" not in out:  # the raster table names them already
            out[col] = [CLASS_LABELS.get(v, {}).get(lang, v) for v in out[col]]
    return out


def _header(col: str, lang: Lang) -> str:
    """The header of a shown column: the code in English, its Chinese name in Chinese
    (``union_ha`` → 合并面积（公顷）, ``share_%`` → 占比（%）)."""
    if lang != "zh":
        return col
    for unit in ("m2", "km2", "mu", "wanmu"):
        if col.endswith(f"_{unit}"):
            label = _col_label(col[: -len(unit) - 1] + "_ha", "zh")
            return label.replace("公顷", unit_label(unit, "zh"))
    if col.endswith("_%"):
        return _col_label(col[:-2], "zh").replace("（%）", "") + "（%）"
    return _col_label(col, "zh")


def _cell(v: Any, col: str, decimals: int, lang: Lang) -> str:
    if isinstance(v, (bool, np.bool_)):
        return _t("yes" if v else "no", lang)
    if v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and math.isnan(v)):
        return "—"
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    if isinstance(v, (int, np.integer)):
        return str(int(v)) if col in _CODE_COLUMNS else f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        x = 0.0 if round(float(v), decimals) == 0 else float(v)  # never -0.00
        return f"{x:,.{decimals}f}"
    return str(v)


def county_table(
    df: pd.DataFrame,
    *,
    unit: str = "ha",
    decimals: int = 2,
    lang: Lang = "zh",
    balanced: bool = False,
) -> str:
    """One county table as aligned plain text, numbers right-aligned, for the terminal.

    Parameters
    ----------
    df : DataFrame
        A table of :class:`ecospace.measuring.stats.CountyFigures` (``coverage``,
        ``overlaps``, ``containment``, ``self_overlaps``, ``land_cover``, ``townships`` …):
        ``*_m2`` columns in square metres, shares as fractions.
    unit : {"ha", "m2", "km2", "mu", "wanmu"}, default "ha"
        Unit of the area columns (``union_m2`` is shown as ``union_<unit>``).
    decimals : int, default 2
        Decimal places of areas and per cent.
    lang : {"zh", "en"}
        Chinese names the roles, row kinds, classes and columns; English keeps the codes.
    balanced : bool, default False
        The table carries its own ``*_<unit>`` columns balanced to add up to the total
        (the township table): show those instead of converting ``*_m2``.

    Notes
    -----
    An area column shows :math:`a / u` for :math:`a` in m² and :math:`u` the unit's size
    in m² (1 ha = 10 000 m²); a share shows :math:`100 \\cdot s`.

    Examples
    --------
    >>> import pandas as pd
    >>> cov = pd.DataFrame({"role": ["red_line"], "union_m2": [30_000.0], "share": [0.3],
    ...                     "violates": [True]})
    >>> print(county_table(cov, lang="en"))
    role      union_ha  share_%  violates
    ────────  ────────  ───────  ────────
    red_line      3.00    30.00  yes
    >>> print(county_table(cov, unit="m2", decimals=0))
    图层角色      合并面积（平方米）  占比（%）  violates
    ────────────  ──────────────────  ─────────  ────────
    生态保护红线              30,000         30  是
    """
    unit = normalize_unit(unit)
    shown = _localise(_in_unit(df, unit, balanced=balanced), lang)
    numeric = [
        pd.api.types.is_numeric_dtype(shown[c]) and not pd.api.types.is_bool_dtype(shown[c])
        for c in shown.columns
    ]
    columns = [str(c) for c in shown.columns]
    rows = [
        [_cell(v, c, decimals, lang) for c, v in zip(columns, r, strict=True)]
        for r in shown.itertuples(index=False)
    ]
    headers = [_header(c, lang) for c in columns]
    return text_table(headers, rows, ["right" if n else "left" for n in numeric])


def layers_html(title: str, inventory: pd.DataFrame) -> str:
    """A county's layers as a small HTML table (a County's ``_repr_html_`` in Jupyter).

    Parameters
    ----------
    title : str
        The heading (the County's ``repr``).
    inventory : DataFrame
        One row per layer with ``role``, ``layer``, ``features`` (None when not counted
        yet, as for a tiled layer) and optionally ``crs_name``.

    Examples
    --------
    >>> inv = pd.DataFrame({"role": ["red_line"], "layer": ["STBHHX"], "features": [1200]})
    >>> "1,200" in layers_html("<County>", inv) and "&lt;County&gt;" in layers_html("<County>", inv)
    True
    """

    def count(n: Any) -> str:
        return "—" if n is None or (isinstance(n, float) and math.isnan(n)) else f"{int(n):,}"

    rows = "".join(
        f"<tr><td>{escape(str(r.role))}</td><td>{escape(str(r.layer))}</td>"
        f"<td style='text-align:right'>{count(r.features)}</td>"
        f"<td>{escape(str(r.crs_name if 'crs_name' in r._fields else ''))}</td></tr>"
        for r in inventory.itertuples()
    )
    return (
        f"<div><b>{escape(title)}</b><table><tr><th>role 角色</th><th>layer 图层</th>"
        f"<th>features 要素</th><th>CRS</th></tr>{rows}</table></div>"
    )
