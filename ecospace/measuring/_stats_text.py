"""The county's figures as plain-text tables, for the terminal (private).

:func:`format_county` is public as :func:`ecospace.measuring.stats.format_county`; the
``overlaps`` and ``stats`` commands print its tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ecospace._text_table import text_table
from ecospace.geometry.area import METHOD_LABELS
from ecospace.measuring._land_cover import CLASS_LABELS
from ecospace.measuring.overlap import ID_FIELDS, OVERLAP_TOLERANCE_M2
from ecospace.units import UNITS, normalize_unit

if TYPE_CHECKING:
    from ecospace.measuring.stats import CountyFigures

SECTIONS: tuple[str, ...] = (
    "coverage",
    "overlaps",
    "containment",
    "self_overlaps",
    "land_cover",
    "land_cover_raster",
    "townships",
)

_DENOMINATOR_LABELS = {
    "boundary": "computed area of the county boundary layer (行政区边界计算面积)",
    "stated": "stated total (规划给定总面积)",
    "survey": "survey area (调查面积)",
    "none": "none (no boundary layer and no stated total)",
}
_STATUS_LABELS = {"violated": "违反 violated", "ok": "符合 ok", "": ""}
#: Features listed by name under the containment table, per pair (the rest are counted).
LIST_OUTSIDE = 10


def _in_unit(df: pd.DataFrame, unit: str, decimals: int) -> pd.DataFrame:
    """``*_m2`` columns converted to ``unit`` and rounded; shares as percent."""
    per = UNITS[unit]
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        v = df[col]
        if col.endswith("_m2"):
            out[f"{col[:-3]}_{unit}"] = (v / per).round(decimals)
        elif col == "share" or col.startswith("share_") or col.endswith("_share"):
            out[f"{col}_%"] = (v * 100).round(2)
        elif col in ("denominator_source", "values", "raster_values"):
            continue
        else:
            out[col] = v
    return out


def _cell(v: Any, decimals: int) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, (float, np.floating)):
        return f"{v:,.{decimals}f}"
    return str(v)


def _table(df: pd.DataFrame, decimals: int) -> str:
    """``df`` as a text table aligned for Chinese text; numbers right-aligned."""
    numeric = [
        pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
        for c in df.columns
    ]
    rows = [[_cell(v, decimals) for v in r] for r in df.itertuples(index=False)]
    return text_table(
        [str(c) for c in df.columns], rows, ["right" if n else "left" for n in numeric]
    )


def _outside_lines(figures: CountyFigures, unit: str, decimals: int) -> list[str]:
    """Under the containment table: the features outside, by id/name and area."""
    per = UNITS[unit]
    lines = []
    for row in figures.containment.itertuples():
        pieces = figures.conflicts.get(f"outside_{row.inner}__{row.outer}")
        if pieces is None or not len(pieces):
            continue
        pieces = pieces.sort_values("area_m2", ascending=False)
        idf = next((f for f in ID_FIELDS if f in pieces.columns), None)
        lines.append(f"{row.inner} outside {row.outer}: {len(pieces)} feature(s) 范围外要素")
        for p in pieces.head(LIST_OUTSIDE).itertuples():
            label = str(getattr(p, idf)) if idf else ""
            if "src_fid" in pieces.columns and p.src_fid == p.src_fid:  # not NaN
                where = f"fid {int(p.src_fid)}"
            else:
                where = f"row {p.fid}" if "fid" in pieces.columns else ""
            name = f"{label} ({where})" if label and where else label or where
            lines.append(
                f"  {name}  {p.area_m2 / per:,.{decimals}f} {unit}"
                f" of {p.feature_m2 / per:,.{decimals}f} {unit}"
            )
        if len(pieces) > LIST_OUTSIDE:
            rest = float(pieces["area_m2"].iloc[LIST_OUTSIDE:].sum())
            lines.append(
                f"  … {len(pieces) - LIST_OUTSIDE} more, {rest / per:,.{decimals}f} {unit}"
            )
    if lines:
        lines.insert(
            0,
            "features outside (fid: the source's own feature id, as QGIS shows it; "
            "row: 0-based position when the source has none):",
        )
    return lines


def _raster_beside_vector(figures: CountyFigures) -> pd.DataFrame:
    """Raster cover figures beside the land-use parcels' ones, one row per class set."""
    r = figures.land_cover_raster.set_index("class")
    v = figures.land_cover.set_index("class") if figures.land_cover is not None else None
    out = pd.DataFrame({"class": r.index})
    out["label"] = [CLASS_LABELS.get(c, {}).get("zh", "") for c in r.index]
    out["codes"] = r["codes"].to_numpy()
    if v is not None:
        out["parcels_m2"] = v["area_m2"].reindex(r.index).to_numpy()
        out["parcels_share"] = v["share"].reindex(r.index).to_numpy()
    out["raster_classes"] = r["raster_classes"].to_numpy()
    out["raster_codes"] = r["raster_codes"].to_numpy()
    out["raster_m2"] = r["area_m2"].to_numpy()
    out["raster_share"] = r["share"].to_numpy()
    if v is not None:
        # (+ 0.0 turns a rounded -0.0 into 0.0)
        out["difference_pp"] = ((out["raster_share"] - out["parcels_share"]) * 100).round(2) + 0.0
    return out


def format_county(
    figures: CountyFigures,
    *,
    unit: str = "ha",
    decimals: int = 2,
    sections: Iterable[str] = SECTIONS,
) -> str:
    """The figures as plain-text tables, each header stating method, unit and denominator.

    Columns line up with Chinese text.  Under the overlap matrix ``status`` says whether
    the three control lines' rule is broken; under the containment table the features
    outside are listed by id and area.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from ecospace.measuring.stats import measure_county
    >>> red = gpd.GeoDataFrame(geometry=[box(0, 0, 100, 100)], crs="EPSG:4529")
    >>> text = format_county(measure_county({"red_line": red}, method="planar"), unit="m2")
    >>> "unit: m2" in text and "union_m2" in text
    True
    >>> print(text.splitlines()[1])
    CRS (overlay): EPSG:4529 CGCS2000 / 3-degree Gauss-Kruger zone 41
    """
    unit = normalize_unit(unit)
    sections = tuple(sections)
    den = figures.denominator_m2
    den_txt = _DENOMINATOR_LABELS.get(figures.denominator_source, figures.denominator_source)
    if den:
        den_txt += f" = {den / UNITS[unit]:,.{decimals}f} {unit}"
    label = METHOD_LABELS.get(figures.method, {}).get("zh", figures.method)
    lines = [f"method: {figures.method} — {label}"]
    if figures.crs:
        lines.append(f"CRS (overlay): {figures.crs}")
    lines += [
        f"unit: {unit}   shares: % of the denominator",
        f"denominator: {den_txt}",
    ]
    cov = figures.coverage
    clipped = cov is not None and "inside_m2" in cov and cov["inside_m2"].notna().any()
    titles = {
        "coverage": "Coverage of each layer (union: overlaps counted once) 覆盖面积"
        + (
            "; share = area inside the county boundary (县界内面积) / denominator"
            if clipped
            else ""
        ),
        "overlaps": "Overlaps between layers (status: 三条控制线不交叉不重叠, violated from "
        f"{OVERLAP_TOLERANCE_M2 / UNITS[unit]:g} {unit}) 重叠",
        "containment": "Containment (area of the inner layer outside the outer one) 包含关系",
        "self_overlaps": "Overlaps and duplicates within a layer 图层内重叠与重复",
        "land_cover": "Land cover from land-use parcels (DLBM codes) 地类覆盖率",
        "land_cover_raster": "Land cover from the classified raster beside the parcels "
        "(raster: ellipsoidal pixel areas; same denominator) 栅格地类覆盖率",
        "townships": "By township (rows add up to 合计; gaps and overlaps as own rows) 分乡镇",
    }
    for name in sections:
        df = getattr(figures, name, None)
        if df is None or len(df) == 0:
            continue
        if name == "land_cover_raster":
            df = _raster_beside_vector(figures)
        if name == "townships":
            df = df[[c for c in df.columns if not c.endswith(f"_{unit}") or c == "area_m2"]]
        shown = _in_unit(df, unit, decimals)
        if name == "overlaps" and "status" in shown:
            shown["status"] = shown["status"].map(lambda v: _STATUS_LABELS.get(v, v))
        if name == "townships":
            # the balanced (强制调平) columns replace the plainly rounded ones
            for col in figures.townships.columns:
                if col.endswith(f"_{unit}"):
                    shown[col] = figures.townships[col]
        lines += ["", f"== {titles[name]} [{unit}] ==", _table(shown, decimals)]
        if name == "containment":
            lines += _outside_lines(figures, unit, decimals)
        if name == "land_cover_raster":
            r = figures.land_cover_raster
            lines.append(
                f"raster: {r.attrs.get('raster', '')}  classes: {r.attrs.get('class_map', '')}"
            )
            missing = r.loc[r["raster_values"] == "", "class"].tolist()
            if missing:
                lines.append(
                    f"no raster class maps to {', '.join(missing)} (not measurable from this "
                    "raster; add a class with dlbm_prefixes or counts_as to the class map)"
                )
    notes = figures.townships.attrs.get("notes") if figures.townships is not None else None
    if notes and "townships" in sections:
        lines += ["", "notes:"] + [f"  - {n}" for n in notes]
    return "\n".join(lines)
