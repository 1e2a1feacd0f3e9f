"""The area of one layer as the ``ecospace areas`` command shows it (private).

:func:`area_summary` measures a layer once: the union of its features, their sum (larger
when features overlap), optionally one row per value of a field and the features whose
stored area field disagrees with the computed area.  Planar areas in another CRS than the
layer's (``planar_crs``) are taken on a reprojected working copy; the summary keeps the
layer's own CRS and names the planar one beside it.  The ``*_text``, ``*_json`` and
``*_csv`` functions render that summary; the command only picks one and prints it.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from ecospace._text_table import display_width, pad
from ecospace.geometry.area import (
    AreaDistortionWarning,
    Method,
    areas,
    compare_area_field,
    method_label,
)
from ecospace.labels import Lang, crs_how_label, term, term_or, unit_label
from ecospace.measuring.overlap import union_area
from ecospace.units import UNITS, normalize_unit, round_balanced


@dataclass
class AreaSummary:
    """What :func:`area_summary` measured; areas in ``groups`` are in ``unit``, others m²."""

    label: str
    crs_how: str
    gdf: gpd.GeoDataFrame
    method: Method
    unit: str
    sum_m2: float
    union_m2: float
    by_field: str | None = None
    #: one row per value of ``by_field``: ``value, features, sum, union``
    groups: pd.DataFrame | None = None
    compare_field: str | None = None
    field_unit: str = "m2"
    tolerance_m2: float = 1.0
    tolerance_rel: float = 1e-4
    #: the features whose stored area differs (:func:`ecospace.geometry.area.compare_area_field`)
    compared: pd.DataFrame | None = None
    #: projected CRS of planar areas when not the layer's own (``--planar-crs``)
    planar_crs: pyproj.CRS | None = None

    @property
    def overlapping(self) -> bool:
        """The features overlap: their sum exceeds their union by more than rounding."""
        return self.sum_m2 - self.union_m2 > max(0.01, 1e-9 * self.sum_m2)

    @property
    def crs_text(self) -> str:
        """The layer's own CRS (as read from the file or given with --crs)."""
        return _crs_id(self.gdf.crs)

    def label_of(self, lang: str) -> str:
        return method_label(self.method, self.gdf.crs, lang, planar_crs=self.planar_crs)


def _crs_id(crs: pyproj.CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_string()


def area_summary(
    gdf: gpd.GeoDataFrame,
    *,
    label: str,
    crs_how: str,
    method: Method,
    unit: str,
    by_field: str | None = None,
    compare_field: str | None = None,
    field_unit: str = "m2",
    tolerance_m2: float = 1.0,
    tolerance_rel: float = 1e-4,
    planar_crs: pyproj.CRS | None = None,
) -> AreaSummary:
    """Measure a layer: union and sum of its features, per-value rows, stored-area check.

    With ``method="planar"`` and a ``planar_crs`` other than the layer's, feature areas
    are taken in ``planar_crs`` (see :func:`ecospace.geometry.area.areas`) and unions are formed on
    a copy reprojected to it; ``gdf`` itself is not changed.
    """
    if method != "planar" or (planar_crs is not None and planar_crs.equals(gdf.crs)):
        planar_crs = None
    per_feature = areas(gdf.geometry, method=method, planar_crs=planar_crs)
    work = gdf if planar_crs is None else gdf.to_crs(planar_crs)

    def union_of(part: gpd.GeoDataFrame) -> float:
        # per_feature above already warned about this CRS and these features
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AreaDistortionWarning)
            return union_area(part, method=method)

    union_m2 = union_of(work)
    scale = UNITS[unit]
    groups = None
    if by_field is not None:
        keys = gdf[by_field].astype(object).where(gdf[by_field].notna(), None)
        labels = keys.map(lambda v: "(null)" if v is None else str(v))
        rows = []
        for value, idx in labels.groupby(labels, sort=True).groups.items():
            pos = gdf.index.get_indexer(idx)
            rows.append(
                {
                    "value": value,
                    "features": len(pos),
                    "sum": float(per_feature[pos].sum()) / scale,
                    "union": union_of(work.iloc[pos]) / scale,
                }
            )
        groups = pd.DataFrame(rows, columns=["value", "features", "sum", "union"])
    compared = None
    if compare_field is not None:
        compared = compare_area_field(
            gdf, compare_field, method=method, unit=field_unit,
            tolerance_m2=tolerance_m2, tolerance_rel=tolerance_rel, planar_crs=planar_crs,
        )  # fmt: skip
    return AreaSummary(
        label=label,
        crs_how=crs_how,
        gdf=gdf,
        method=method,
        unit=unit,
        sum_m2=float(per_feature.sum()),
        union_m2=union_m2,
        by_field=by_field,
        groups=groups,
        compare_field=compare_field,
        field_unit=normalize_unit(field_unit),
        tolerance_m2=tolerance_m2,
        tolerance_rel=tolerance_rel,
        compared=compared,
        planar_crs=planar_crs,
    )


def area_json(s: AreaSummary) -> str:
    """The summary as JSON, full precision."""
    scale = UNITS[s.unit]
    crs = s.gdf.crs
    doc = {
        "layer": s.label,
        "features": len(s.gdf),
        "crs": {"id": s.crs_text, "name": crs.name, "how": s.crs_how},
        "planar_crs": None
        if s.planar_crs is None
        else {"id": _crs_id(s.planar_crs), "name": s.planar_crs.name},
        "method": s.method,
        "method_label": {lang: s.label_of(lang) for lang in ("zh", "en")},
        "unit": s.unit,
        "union": s.union_m2 / scale,
        "sum": s.sum_m2 / scale,
        "overlap": (s.sum_m2 - s.union_m2) / scale,
        "by": s.by_field,
        "groups": None if s.groups is None else s.groups.to_dict(orient="records"),
        "compare": None,
    }
    if s.compared is not None:
        rows = s.compared.drop(columns=["stored"]).assign(stored=s.compared["stored"].astype(str))
        doc["compare"] = {
            "field": s.compare_field,
            "field_unit": s.field_unit,
            "tolerance_m2": s.tolerance_m2,
            "tolerance_rel": s.tolerance_rel,
            "checked": len(s.gdf),
            "differing": json.loads(
                rows.reset_index(drop=True).to_json(orient="records", force_ascii=False)
            ),
        }
    return json.dumps(doc, ensure_ascii=False, indent=2)


def area_csv(s: AreaSummary) -> str:
    """The differing features (with a compared field), else the area table with its total."""
    if s.compared is not None:
        return s.compared.to_csv(index=False)
    scale = UNITS[s.unit]
    total = {"features": len(s.gdf), "sum": s.sum_m2 / scale, "union": s.union_m2 / scale}
    if s.groups is None:
        table = pd.DataFrame([{"value": "(all)", **total}])
    else:
        table = pd.concat([s.groups, pd.DataFrame([{"value": "(all)", **total}])])
        table = table.reset_index(drop=True)
    table = table.rename(columns={"sum": f"sum_{s.unit}", "union": f"union_{s.unit}"})
    return table.to_csv(index=False)


def area_text(s: AreaSummary, decimals: int = 2, *, balance: bool = True, lang: Lang = "zh") -> str:
    """The summary for the terminal: layer, CRS, method, union (and sum), tables below.

    Chinese by default, English with ``lang="en"``.
    """
    unit, scale, crs = s.unit, UNITS[s.unit], s.gdf.crs
    fmt_v = f"{{:,.{decimals}f}}".format
    ul = unit_label(unit, lang) if lang == "zh" else unit  # en: the code, as typed
    zh = lang == "zh"
    heads = [term(k, lang) for k in ("crs", "planar", "method", "unit")]
    width = max(display_width(h) for h in heads) + 2
    crs_line = f"{s.crs_text}  {crs.name}  " + (
        f"（{crs_how_label(s.crs_how, lang)}）" if zh else f"({s.crs_how})"
    )
    lines = [
        f"{s.label}  " + (f"（{term('features_n', lang, n=len(s.gdf))}）" if zh
                          else f"({term('features_n', lang, n=len(s.gdf))})"),
        f"{pad(heads[0], width)}{crs_line}",
        *(
            []
            if s.planar_crs is None
            else [f"{pad(heads[1], width)}{_crs_id(s.planar_crs)}  {s.planar_crs.name}"
                  "  (--planar-crs)"]
        ),
        f"{pad(heads[2], width)}{s.label_of('zh')}" if zh
        else f"{pad(heads[2], width)}{s.method}: {s.label_of('en')}",
        f"{pad(heads[3], width)}{ul}" if zh else f"{pad(heads[3], width)}{unit} ({ul})",
    ]  # fmt: skip
    rows = [(term("area_union", lang), fmt_v(s.union_m2 / scale))]
    if s.overlapping:
        rows.append((term("sum_features", lang), fmt_v(s.sum_m2 / scale)))
    label_w = max(display_width(r[0]) for r in rows) + 2
    lines += [f"{pad(label, label_w)}{value:>18} {ul}" for label, value in rows]
    if s.overlapping:
        over = fmt_v((s.sum_m2 - s.union_m2) / scale)
        lines[-1] += "  " + term("counted_twice", lang, area=over, unit=ul)
    if s.groups is not None:
        lines += ["", *_groups_text(s, decimals, balance=balance, lang=lang)]
    if s.compared is not None:
        lines += ["", *_compared_text(s, lang=lang)]
    return "\n".join(lines)


def _groups_text(
    s: AreaSummary, decimals: int, *, balance: bool = True, lang: Lang = "zh"
) -> list[str]:
    """One row per value, parts rounded to add up to their sum (强制调平), then the union.

    With ``balance=False`` every part is rounded on its own (half to even), and the
    rounded parts may then miss the rounded sum by a few units of the last decimal.

    The parts add up to the sum of the features; when features overlap (within a value
    or across values) the layer's area is their union, shown on its own row below.
    """
    groups, unit, scale = s.groups, s.unit, UNITS[s.unit]
    fmt_v = f"{{:,.{decimals}f}}".format
    raw = groups["sum"].to_numpy()
    parts = round_balanced(raw, decimals, s.sum_m2 / scale) if balance else np.round(raw, decimals)
    over_m2 = (groups["sum"] - groups["union"]).to_numpy() * scale
    show_union = bool((over_m2 > np.maximum(0.01, 1e-9 * groups["sum"] * scale)).any())
    sum_label, union_label = term("total_sum", lang), term("union_of", lang)
    ul = unit_label(unit, lang) if lang == "zh" else unit  # en: the code, as typed
    labels = [s.by_field, sum_label, *groups["value"]]
    if s.overlapping:
        labels.append(union_label)
    width = max(display_width(v) for v in labels)
    head = (
        f"{pad(s.by_field, width)}  {pad(term('inv_features', lang), 8, 'right')}"
        f"  {pad(term('area_col', lang, unit=ul), 18, 'right')}"
    )
    if show_union:
        head += f"  {pad(term('union_col', lang, unit=ul), 18, 'right')}"
    lines = [head]
    for row, part in zip(groups.itertuples(), parts, strict=True):
        line = f"{pad(row.value, width)}  {row.features:>8}  {fmt_v(part):>18}"
        if show_union:
            line += f"  {fmt_v(row.union):>18}"
        lines.append(line)
    total_text = fmt_v(round(s.sum_m2 / scale, decimals))
    lines.append(f"{pad(sum_label, width)}  {len(s.gdf):>8}  {total_text:>18}")
    if s.overlapping:
        union_text = fmt_v(s.union_m2 / scale)
        lines.append(f"{pad(union_label, width)}  {len(s.gdf):>8}  {union_text:>18}")
    if balance:
        lines.append(term("balanced", lang, d=decimals))
    else:
        off = round(float(np.sum(parts)) - round(s.sum_m2 / scale, decimals), decimals)
        lines.append(
            term("unbalanced", lang, d=decimals, sum=fmt_v(float(np.sum(parts))), off=fmt_v(off))
        )
    if s.overlapping:
        over = fmt_v((s.sum_m2 - s.union_m2) / scale)
        lines.append(term("overlap_note", lang, area=over, unit=ul))
    return lines


def _compared_text(s: AreaSummary, shown_rows: int = 20, *, lang: Lang = "zh") -> list[str]:
    """How many features differ from their stored area, and the first ``shown_rows``."""
    compared, fu = s.compared, s.field_unit
    m2 = unit_label("m2", lang)
    allow = f"max({s.tolerance_m2:g} {m2}, {s.tolerance_rel:.2%})"
    lines = [
        term("compare_head", lang, field=s.compare_field, fu=unit_label(fu, lang),
             n=len(compared), total=len(s.gdf), allow=allow)
    ]  # fmt: skip
    if not len(compared):
        return lines
    fd = 2 if fu == "m2" else 4
    shown = compared.head(shown_rows)
    ful = unit_label(fu, lang)
    view = pd.DataFrame(
        {
            term("stored", lang): shown["stored"],
            term("computed_col", lang, fu=ful): (shown["computed_m2"] / UNITS[fu]).map(
                f"{{:,.{fd}f}}".format
            ),
            term("difference_col", lang, fu=ful): (shown["difference_m2"] / UNITS[fu]).map(
                f"{{:+,.{fd}f}}".format
            ),
            term("relative", lang): shown["difference_rel"].map("{:+.3%}".format),
            term("problem", lang): [term_or(p, lang) for p in shown["problem"]],
        }
    )
    if "fid" in shown.columns:
        view.insert(0, "fid", shown["fid"])
    lines.append(view.to_string(index=False))
    if len(compared) > shown_rows:
        lines.append(term("more_rows", lang, n=len(compared) - shown_rows))
    return lines
