"""What every report format shows of a check result: header, figure cells, section tables.

Private helper of :mod:`ecospace.report` (and its HTML and Excel writers).  A result is
used duck-typed (:class:`ecospace.checking.check.CheckResult` or anything shaped like it); areas
inside it are square metres and shares fractions, and the cells made here show hectares
and per cent, labelled in Chinese or English.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from ecospace.labels import (
    _DENOMINATORS,
    _KINDS,
    _MEASURES,
    _SEVERITY,
    _STATUS,
    AUDIT_KINDS,
    METHOD_SHORT,
    Lang,
    _col_label,
    _lookup,
    _t,
    crs_how_label,
    method_label,
    overlap_status,
    problem_label,
    reason_label,
    role_label,
    township_kind,
    unit_label,
)
from ecospace.rendering._conflict_table import conflict_rows
from ecospace.rendering.styles import conflict_label
from ecospace.vocabulary import CLASS_LABELS

#: Sections of a report: key, attribute of ``result.county`` (or the result), Chinese, English.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("figures", "核查结果", "Figures"),
    ("coverage", "覆盖", "Coverage"),
    ("overlaps", "重叠", "Overlaps"),
    ("containment", "包含", "Containment"),
    ("conflicts", "冲突图斑", "Conflicts"),
    ("townships", "乡镇", "Townships"),
    ("land_cover", "土地覆盖", "Land cover"),
    ("audit", "规划自检", "Plan audit"),
    ("layers", "图层", "Layers"),
)


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


def _unsigned_zero(x: float, decimals: int) -> float:
    """``x``, or 0.0 when it rounds to zero at ``decimals`` (so it never prints as -0.00)."""
    return 0.0 if round(x, decimals) == 0 else x


def _fmt(v: Any, decimals: int = 2, *, sep: bool = True) -> str:
    if _isnan(v):
        return "—"
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if _isnum(v):
        if isinstance(v, (int, np.integer)):
            return f"{int(v):,}" if sep else str(int(v))
        x = _unsigned_zero(float(v), decimals)
        return f"{x:,.{decimals}f}" if sep else f"{x:.{decimals}f}"
    return str(v)


def _signed(v: Any, decimals: int) -> str:
    """``+1.50``, ``-0.25``; a value that rounds to zero is ``0.00``, never ``-0.00``."""
    if _isnan(v):
        return "—"
    x = _unsigned_zero(float(v), decimals)
    return f"{x:,.{decimals}f}" if x == 0 else f"{x:+,.{decimals}f}"


def _measured_decimals(row: Mapping[str, Any]) -> int:
    """Decimals for a figure's measurement and difference: at least its stated precision.

    Areas show the plan's own decimals, and never fewer than 2 (hectares to 0.01 by
    default); shares one decimal more than stated, so a measurement within the stated
    precision (30.725 % against 30.73 %) shows why; counts are whole numbers.  JSON and
    Excel keep the full value.
    """
    d = _decimals(row.get("precision"))
    unit = row.get("unit")
    if unit == "count":
        return 0
    if unit == "%":
        return max(2, d + 1)
    return max(2, d)


def _class_label(name: Any, lang: str) -> Any:
    return CLASS_LABELS.get(name, {}).get(lang, name) if isinstance(name, str) else name


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
    survey = _plan_attr(result, "survey_area")
    if survey is not None:
        u = getattr(result, "survey_area_m2", math.nan)
        value = getattr(survey, "value", None)
        text = getattr(survey, "value_text", None) or _fmt(value, _decimals(value, 0), sep=False)
        notes = [f"{_fmt(u / 1e4)} {ha}"]
        if getattr(survey, "source", None):
            notes.append(str(survey.source))
        rows.append(
            (
                _t("survey_area", lang),
                f"{text} {unit_label(getattr(survey, 'unit', None), lang)}"
                + _paren(("；" if lang == "zh" else "; ").join(notes), lang),
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
    dm = _measured_decimals(row)
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
        "status": _status_cell(row, lang),
        "method_dependent": _t("yes" if row.get("method_dependent") else "no", lang),
        "method_other": _lookup(METHOD_SHORT, row.get("method_other"), lang)
        if row.get("method_other")
        else "—",
        "measured_other_method": _fmt(row.get("measured_other_method"), dm),
        "status_other_method": _lookup(_STATUS, row.get("status_other_method"), lang)
        if row.get("status_other_method")
        else "—",
        "binding": _t("binding" if row.get("binding") else "reference", lang),
        "method": _lookup(METHOD_SHORT, row.get("method"), lang) if row.get("method") else "—",
        "denominator": _lookup(_DENOMINATORS, den, lang) if den else "—",
        "reason": reason_label(row.get("reason"), lang),
    }


def _status_cell(row: Mapping[str, Any], lang: str) -> str:
    """The verdict, with the other method's verdict when the two differ."""
    status = _lookup(_STATUS, row.get("status"), lang)
    if not row.get("method_dependent"):
        return status
    other = _lookup(_STATUS, row.get("status_other_method"), lang)
    method = _lookup(METHOD_SHORT, row.get("method_other"), lang)
    return status + _t("method_flip", lang).format(status=other, method=method)


#: Figure columns of the terminal table; Jupyter adds the denominator; Markdown and HTML
#: show the full set.
_TABLE_COLS = ("id", "label", "stated", "measured", "difference", "difference_pct", "status",
               "binding")  # fmt: skip
_JUPYTER_COLS = (*_TABLE_COLS, "denominator")
_REPORT_COLS = ("id", "label", "measure", "roles", "stated", "measured", "difference",
                "difference_pct", "status", "binding", "method", "denominator", "measured_alt",
                "reason")  # fmt: skip


def residue_notes(result: Any, lang: Lang = "zh") -> list[str]:
    """What the township table's 面积计算余差 row means, with its largest value; [] without one.

    Every report format shows it under (or beside) the township table.
    """
    df = _section_frame(result, "townships")
    if df is None or "kind" not in df or not (df["kind"] == "method_residue").any():
        return []
    row = df.loc[df["kind"] == "method_residue"].iloc[0]
    parts = [
        f"{role_label(str(c)[:-3], lang)} {_signed(float(row[c]), 2)} m²"
        for c in df.columns
        if str(c).endswith("_m2") and str(c) != "area_m2" and not _isnan(row[c])
    ]
    detail = ("，" if lang == "zh" else ", ").join(parts) or "0 m²"
    return [_t("residue_note", lang).format(detail=detail)]


def _audit_frame(result: Any, lang: str) -> pd.DataFrame:
    rows = []
    for f in getattr(result, "audit", None) or []:
        ids = getattr(f, "figure_ids", ()) or ()
        rows.append(
            {
                "severity": _lookup(_SEVERITY, getattr(f, "severity", ""), lang),
                "kind": _lookup(AUDIT_KINDS, getattr(f, "kind", ""), lang),
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
    if key == "conflicts":
        return conflict_frame(result)
    county = getattr(result, "county", None)
    df = getattr(county, key, None) if county is not None else None
    return df if isinstance(df, pd.DataFrame) else None


_ROLE_COLUMNS = {"role", "role_a", "role_b", "inner", "outer", "within"}


_CODE_COLUMNS = {"epsg", "year", "line", "fid", "code", "conflict_no"}


def conflict_frame(result: Any) -> pd.DataFrame | None:
    """The numbered conflict pieces of a check (:func:`conflict_rows`), None without a county.

    The numbers are those of the map's markers and the annex's rings; each piece is placed
    in the township of ``result.frames["townships"]`` its numbered point lies in.
    """
    county = getattr(result, "county", None)
    if county is None:
        return None
    frames = getattr(result, "frames", None) or {}
    return conflict_rows(getattr(county, "conflicts", None), townships=frames.get("townships"))


def display_frame(
    df: pd.DataFrame, lang: Lang = "zh", *, full_precision: bool = False
) -> pd.DataFrame:
    """A section table ready to show: m² columns in hectares, fractions in per cent, roles named.

    Columns named ``*_m2`` become ``*_ha`` (÷ 10 000) unless the table already has that
    ``*_ha`` column (e.g. the township table's force-balanced hectares, which are kept;
    with ``full_precision`` the unrounded ``*_m2`` ÷ 10 000 replaces them, for Excel);
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
        if name.endswith("_ha") and full_precision and name[:-3] + "_m2" in names:
            continue  # the rounded twin of an *_m2 column: the full value replaces it
        if name.endswith("_m2") and numeric:
            if full_precision or name[:-3] + "_ha" not in names:
                out[name[:-3] + "_ha"] = s.astype(float) / 1e4
        elif (name.startswith("share") or name.endswith("_share")) and numeric:
            out[name] = s.astype(float) * 100
        elif name in _ROLE_COLUMNS:
            out[name] = [role_label(v, lang) if isinstance(v, str) else v for v in s]
        elif name == "kind" and "township" in set(s):
            labels = df["name"] if "name" in df else [None] * len(s)
            out[name] = [
                township_kind(n, lang) if v == "township" else _lookup(_KINDS, v, lang)
                for v, n in zip(s, labels, strict=True)
            ]
        elif name == "class":
            out[name] = [_class_label(v, lang) for v in s]
        elif name == "denominator_source":
            out[name] = [_lookup(_DENOMINATORS, v, lang) for v in s]
        elif name == "status" and set(s.dropna()) <= {"violated", "ok", ""}:
            out[name] = [overlap_status(v, lang) for v in s]
        elif name == "problems":
            out[name] = [problem_label(v, lang) if isinstance(v, str) else v for v in s]
        elif name == "conflict":
            out[name] = [conflict_label(v)[0 if lang == "zh" else 1] for v in s]
        elif name in ("label_zh", "label_en"):
            continue  # the JSON's labels: the table shows ``conflict`` in ``lang``
        elif name == "method" and "conflict" in names:
            out[name] = [_lookup(METHOD_SHORT, v, lang) if v else "—" for v in s]
        elif name == "crs_how":
            out[name] = [crs_how_label(v, lang) for v in s]
        else:
            out[name] = s
    return out.reset_index(drop=True)


def _figures_display(result: Any, lang: str) -> tuple[list[str], list[dict[str, str]]]:
    cols = list(_REPORT_COLS)
    return cols, [_figure_cells(r, lang) for r in result.figures.to_dict("records")]


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
