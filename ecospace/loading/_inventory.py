"""What was found in the layers read: the inventory table, per-feature details, JSON (private).

Re-exported by :mod:`ecospace.layers`.  The inventory has one row per layer; the details
list every problem feature by its ids (``src_fid`` is the one QGIS shows) with the area
each repair changed, and the notes the reader made (mojibake field names, a layer lying
wholly outside the county, an old datum …).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyproj

from ecospace._text_table import text_table
from ecospace.labels import Lang, crs_how_label, problem_label, role_label, term, term_or
from ecospace.loading.validate import _REPAIRS, fmt_area

if TYPE_CHECKING:
    from ecospace.loading.layers import Layer

__all__ = ["format_details", "format_inventory", "inventory", "inventory_records"]

#: notes whose facts have their own inventory columns (CRS, encoding)
_COLUMN_NOTES = ("CRS ", "encoding ")
_DETAIL_WIDTH = 70


def _items(layers) -> list[Layer]:
    return list(layers.values()) if isinstance(layers, Mapping) else list(layers)


def layer_notes(layer: Layer) -> list[str]:
    """The reader's notes on a layer, less the CRS and encoding facts shown in columns."""
    return [n for n in layer.report.notes if not n.startswith(_COLUMN_NOTES)]


def _problems(items: list[Layer]) -> list[list[str]]:
    """Problem strings per layer, with a role claimed twice named first."""
    seen: dict[str, int] = {}
    for layer in items:
        if layer.role:
            seen[layer.role] = seen.get(layer.role, 0) + 1
    out = []
    for layer in items:
        problems = list(layer.report.problems)
        if layer.role and seen[layer.role] > 1:
            problems.insert(0, f"role {layer.role} claimed by {seen[layer.role]} layers")
        out.append(problems)
    return out


def _crs_row(layer: Layer) -> dict[str, Any]:
    crs = pyproj.CRS.from_user_input(layer.gdf.crs)
    types = layer.gdf.geometry.geom_type.unique()
    return {
        "source": layer.source,
        "layer": layer.name,
        "role": layer.role,
        "features": len(layer.gdf),
        "geometry_type": "/".join(sorted(types)) if len(types) else "none",
        "epsg": crs.to_epsg(min_confidence=70),
        "crs_name": crs.name,
        "crs_how": layer.crs_how,
        "encoding": layer.encoding,
    }


def inventory(layers: Iterable[Layer] | Mapping[str, Layer]) -> pd.DataFrame:
    """What was found, one row per layer.

    Columns: ``source, layer, role, features, geometry_type, epsg, crs_name, crs_how,
    encoding, problems`` (``"; "``-joined short strings, the reader's notes after the
    problems; empty when clean).

    Examples
    --------
    >>> list(inventory([]).columns)[:4]
    ['source', 'layer', 'role', 'features']
    """
    items = _items(layers)
    rows = []
    for layer, problems in zip(items, _problems(items), strict=True):
        notes = layer_notes(layer)
        # a note that spells a problem out ("mojibake field names (…): A, B") replaces it
        problems = [p for p in problems if not any(n.startswith(p) for n in notes)]
        rows.append({**_crs_row(layer), "problems": "; ".join([*problems, *notes])})
    cols = [
        "source",
        "layer",
        "role",
        "features",
        "geometry_type",
        "epsg",
        "crs_name",
        "crs_how",
        "encoding",
        "problems",
    ]
    return pd.DataFrame(rows, columns=cols)


def _clean(value):
    """A JSON-ready scalar: NaN/NA become None, numpy numbers Python numbers."""
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _feature_rows(layer: Layer) -> list[dict[str, Any]]:
    t = layer.report.table
    cols = ["src_fid", "fid", "problem", "area_change_m2", "detail"]
    return [
        {c: _clean(r[c]) if c != "detail" else str(r[c]) for c in cols}
        for r in t.reindex(columns=cols).to_dict("records")
    ]


def inventory_records(layers: Iterable[Layer] | Mapping[str, Layer]) -> list[dict[str, Any]]:
    """The inventory as JSON-ready records, problems structured.

    Each record holds the inventory columns, ``encoding_how``, ``features_read``, and
    ``problems``: ``summary`` (the short strings), ``counts`` and ``areas_m2`` (problem
    name -> number of features / m²), ``features`` (one row per problem feature:
    ``src_fid, fid, problem, area_change_m2, detail``) and ``notes``.

    Examples
    --------
    >>> inventory_records([])
    []
    """
    items = _items(layers)
    out = []
    for layer, problems in zip(items, _problems(items), strict=True):
        rep = layer.report
        row = {k: _clean(v) for k, v in _crs_row(layer).items()}
        row["encoding_how"] = layer.encoding_how
        row["features_read"] = rep.features_in
        row["problems"] = {
            "summary": problems,
            "counts": {k: int(v) for k, v in rep.counts.items()},
            "areas_m2": {k: _clean(float(v)) for k, v in rep.areas_m2.items()},
            "features": _feature_rows(layer),
            "notes": list(rep.notes),
        }
        out.append(row)
    return out


def format_inventory(table: pd.DataFrame, lang: Lang = "zh") -> str:
    """The inventory as aligned text (Chinese characters count double), problems below.

    Chinese by default (roles by their Chinese names), English with ``lang="en"``.

    Examples
    --------
    >>> print(format_inventory(inventory([])))
    无图层
    >>> print(format_inventory(inventory([]), "en"))
    no layers
    """
    if table.empty:
        return term("no_layers", lang)
    keys = ("inv_layer", "inv_role", "inv_features", "inv_geometry", "inv_crs", "inv_encoding")
    headers = [term(k, lang) for k in keys]
    rows = []
    for r in table.itertuples():
        epsg = f"EPSG:{r.epsg} " if pd.notna(r.epsg) else ""
        how = crs_how_label(r.crs_how, lang)
        rows.append(
            (
                f"{r.source}:{r.layer}",
                (r.role if lang == "en" else role_label(r.role))
                if isinstance(r.role, str)
                else "-",
                f"{r.features:,}",
                r.geometry_type,
                f"{epsg}{r.crs_name} （{how}）" if lang == "zh" else f"{epsg}{r.crs_name} ({how})",
                r.encoding if isinstance(r.encoding, str) else "-",
            )
        )
    align = ("left", "left", "right", "left", "left", "left")
    lines = [text_table(headers, rows, align, rule=None)]
    problems = [(f"{r.source}:{r.layer}", r.problems) for r in table.itertuples() if r.problems]
    colon = "：" if lang == "zh" else ":"
    if problems:
        lines += ["", term("problems", lang) + colon]
        lines += [f"  {label}: {problem_label(text, lang)}" for label, text in problems]
    else:
        lines += ["", term("no_problems", lang)]
    return "\n".join(lines)


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= _DETAIL_WIDTH else text[: _DETAIL_WIDTH - 1] + "…"


def format_details(layers: Iterable[Layer] | Mapping[str, Layer], lang: Lang = "zh") -> str:
    """Every layer's problem features (``src_fid``, ``fid``, problem, area) and notes.

    ``src_fid`` is the feature id QGIS and ArcGIS show; ``fid`` the 0-based row as read.
    The area is the signed change a repair made (``+2.00 ha``), or the area of a
    duplicate, of an overlap, or of a feature outside the county.

    Examples
    --------
    >>> format_details([]), format_details([], "en")
    ('无图层', 'no layers')
    """
    items = _items(layers)
    if not items:
        return term("no_layers", lang)
    blocks = []
    for layer in items:
        rep = layer.report
        lines = [
            term("read_kept", lang, label=layer.label, n=rep.features_in, kept=rep.features_out)
        ]
        rows = []
        for r in _feature_rows(layer):
            a = r["area_change_m2"]
            if a is not None and abs(a) < 0.05:
                a = 0.0  # no "-0.0 m²"
            rows.append(
                (
                    "-" if r["src_fid"] is None else str(r["src_fid"]),
                    str(r["fid"]),
                    term_or(r["problem"], lang),
                    "" if a is None else fmt_area(a, signed=r["problem"] in _REPAIRS),
                    _short(r["detail"]),
                )
            )
        if rows:
            headers = (
                "src_fid",
                "fid",
                *(term(k, lang) for k in ("problem", "area_change", "detail")),
            )
            table = text_table(headers, rows, ("right", "right", "left", "right", "left"))
            lines += ["  " + line for line in table.splitlines()]
        else:
            lines.append("  " + term("no_problem_features", lang))
        lines += [f"  · {problem_label(n, lang)}" for n in rep.notes]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
