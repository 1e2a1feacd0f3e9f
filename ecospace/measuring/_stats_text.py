"""The county's figures as plain-text tables, for the terminal (private).

:func:`format_county` is public as :func:`ecospace.measuring.stats.format_county`; the
``overlaps`` and ``stats`` commands print its tables.  Each table is rendered by
:func:`ecospace.rendering.county_tables.county_table`, the renderer the check report's
terminal sections use too; this module adds the header and the notes under the tables.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ecospace.geometry.area import METHOD_LABELS
from ecospace.labels import Lang, role_label, term, township_note, unit_label
from ecospace.measuring._county_figures import CountyFigures
from ecospace.measuring._land_cover import CLASS_LABELS
from ecospace.measuring.overlap import ID_FIELDS, OVERLAP_TOLERANCE_M2
from ecospace.rendering.county_tables import county_table
from ecospace.units import UNITS, normalize_unit

SECTIONS: tuple[str, ...] = (
    "coverage",
    "overlaps",
    "containment",
    "self_overlaps",
    "land_cover",
    "land_cover_raster",
    "townships",
)

#: Features listed by name under the containment table, per pair (the rest are counted).
LIST_OUTSIDE = 10


def _outside_lines(figures: CountyFigures, unit: str, decimals: int, lang: Lang) -> list[str]:
    """Under the containment table: the features outside, by id/name and area."""
    per = UNITS[unit]
    ul = unit_label(unit, lang)
    lines = []
    for row in figures.containment.itertuples():
        pieces = figures.conflicts.get(f"outside_{row.inner}__{row.outer}")
        if pieces is None or not len(pieces):
            continue
        pieces = pieces.sort_values("area_m2", ascending=False)
        idf = next((f for f in ID_FIELDS if f in pieces.columns), None)
        inner, outer = (
            (role_label(row.inner), role_label(row.outer))
            if lang == "zh"
            else (row.inner, row.outer)
        )
        lines.append(term("outside_pair", lang, inner=inner, outer=outer, n=len(pieces)))
        for p in pieces.head(LIST_OUTSIDE).itertuples():
            label = str(getattr(p, idf)) if idf else ""
            if "src_fid" in pieces.columns and p.src_fid == p.src_fid:  # not NaN
                where = f"fid {int(p.src_fid)}"
            else:
                where = f"row {p.fid}" if "fid" in pieces.columns else ""
            name = f"{label} ({where})" if label and where else label or where
            area = f"{p.area_m2 / per:,.{decimals}f}"
            whole = f"{p.feature_m2 / per:,.{decimals}f}"
            lines.append(f"  {name}  " + term("outside_of", lang, area=area, whole=whole, unit=ul))
        if len(pieces) > LIST_OUTSIDE:
            rest = f"{float(pieces['area_m2'].iloc[LIST_OUTSIDE:].sum()) / per:,.{decimals}f}"
            lines.append("  " + term("outside_more", lang, n=len(pieces) - LIST_OUTSIDE,
                                     area=rest, unit=ul))  # fmt: skip
    if lines:
        lines.insert(0, term("outside_head", lang))
    return lines


def _raster_beside_vector(figures: CountyFigures) -> pd.DataFrame:
    """Raster cover figures beside the land-use parcels' ones, one row per class set."""
    r = figures.land_cover_raster.set_index("class")
    v = figures.land_cover.set_index("class") if figures.land_cover is not None else None
    out = pd.DataFrame({"class": r.index})
    out["label"] = [CLASS_LABELS.get(c, {}).get("zh", "") for c in r.index]  # 森林覆盖率 …
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
    lang: Lang = "zh",
) -> str:
    """The figures as plain-text tables, each header stating method, unit and denominator.

    Columns line up with Chinese text.  Under the overlap matrix ``status`` says whether
    the three control lines' rule is broken; under the containment table the features
    outside are listed by id and area.  Chinese by default, English with ``lang="en"``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from ecospace.measuring.stats import measure_county
    >>> red = gpd.GeoDataFrame(geometry=[box(0, 0, 100, 100)], crs="EPSG:4529")
    >>> text = format_county(measure_county({"red_line": red}, method="planar"), unit="m2",
    ...                      lang="en")
    >>> "unit: m2" in text and "union_m2" in text
    True
    >>> print(text.splitlines()[1])
    CRS (overlay): EPSG:4529 CGCS2000 / 3-degree Gauss-Kruger zone 41
    >>> zh = format_county(measure_county({"red_line": red}, method="planar"), unit="m2")
    >>> "单位：平方米" in zh and "合并面积（平方米）" in zh and "生态保护红线" in zh
    True
    """
    unit = normalize_unit(unit)
    ul = unit_label(unit, lang)
    sections = tuple(sections)
    den = figures.denominator_m2
    key = f"den_{figures.denominator_source}"
    den_txt = term(key, lang) if key in _TERM_KEYS else str(figures.denominator_source)
    if den:
        den_txt += f" = {den / UNITS[unit]:,.{decimals}f} {ul}"
    label = METHOD_LABELS.get(figures.method, {}).get(lang, figures.method)
    lines = [term("county_method", lang, method=figures.method, label=label)]
    if figures.crs:
        lines.append(term("county_crs", lang, crs=figures.crs))
    lines += [term("county_unit", lang, unit=ul if lang == "zh" else unit),
              term("county_den", lang, den=den_txt)]  # fmt: skip
    cov = figures.coverage
    clipped = cov is not None and "inside_m2" in cov and cov["inside_m2"].notna().any()
    tol = f"{OVERLAP_TOLERANCE_M2 / UNITS[unit]:g}"
    titles = {
        "coverage": term("t_coverage", lang) + (term("t_coverage_clip", lang) if clipped else ""),
        "overlaps": term("t_overlaps", lang, tol=tol, unit=ul),
        "containment": term("t_containment", lang),
        "self_overlaps": term("t_self_overlaps", lang),
        "land_cover": term("t_land_cover", lang),
        "land_cover_raster": term("t_land_cover_raster", lang),
        "townships": term("t_townships", lang),
    }
    for name in sections:
        df = getattr(figures, name, None)
        if df is None or len(df) == 0:
            continue
        if name == "land_cover_raster":
            df = _raster_beside_vector(figures)
        table = county_table(
            df, unit=unit, decimals=decimals, lang=lang, balanced=name == "townships"
        )
        lines += ["", f"== {titles[name]} [{ul}] ==", table]
        if name == "containment":
            lines += _outside_lines(figures, unit, decimals, lang)
        if name == "land_cover_raster":
            r = figures.land_cover_raster
            lines.append(
                term("raster_src", lang, raster=r.attrs.get("raster", ""),
                     classes=r.attrs.get("class_map", ""))
            )  # fmt: skip
            missing = r.loc[r["raster_values"] == "", "class"].tolist()
            if missing:
                lines.append(term("raster_missing", lang, names=", ".join(missing)))
    notes = figures.townships.attrs.get("notes") if figures.townships is not None else None
    if notes and "townships" in sections:
        colon = "：" if lang == "zh" else ":"
        lines += ["", term("notes", lang) + colon] + [
            f"  - {township_note(n, lang)}" for n in notes
        ]
    return "\n".join(lines)


_TERM_KEYS = {f"den_{k}" for k in ("boundary", "stated", "survey", "none")}
