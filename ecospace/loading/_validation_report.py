"""What validation found and changed in one layer: :class:`ValidationReport`.

The report counts each problem, keeps the area it changed or concerns and one table row
per feature (``fid``, the source's ``src_fid``); the reader adds what it already did
(rings closed, geometries GEOS could not build) before :func:`validate_layer
<ecospace.loading.validate.validate_layer>` adds the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyproj
import shapely

from ecospace.loading._repair_areas import ellipsoid_areas, polygonal_parts

__all__ = ["ValidationReport", "fmt_area", "report_closed_rings", "report_unreadable"]

_COLUMNS = ["fid", "src_fid", "problem", "area_change_m2", "detail"]


def fmt_area(m2: float, *, signed: bool = False) -> str:
    """``"12.5 m²"`` below one hectare, ``"3.20 ha"`` above."""
    sign = "+" if signed and m2 > 0 else ""
    if abs(m2) < 1e4:
        return f"{sign}{m2:,.1f} m²"
    return f"{sign}{m2 / 1e4:,.2f} ha"


@dataclass
class ValidationReport:
    """What validation found and changed in one layer.

    Attributes
    ----------
    layer : str
        ``"file:layer"``.
    features_in, features_out : int
        Features read and kept.
    counts : dict of str -> int
        Problem name -> number of features (``"invalid_repaired"``, ``"empty"``,
        ``"non_finite"``, ``"non_polygonal"``, ``"z_m_flattened"``, ``"curved"``,
        ``"duplicates"``, ``"overlaps"`` (pairs), ``"outside_boundary"`` …).
    areas_m2 : dict of str -> float
        Problem name -> area in m² (repair: net area change; duplicates: area of the
        extra copies; overlaps: sum of pairwise overlap areas; outside: their area).
    table : pandas.DataFrame
        One row per problem feature: ``fid, src_fid, problem, area_change_m2, detail``;
        ``fid`` is the 0-based row as read, ``src_fid`` the source's own feature id (the
        one QGIS shows; ``<NA>`` for a frame without a ``src_fid`` column).
    notes : list of str
        Facts about how the layer was read (CRS inference, encoding) for the summary.
    """

    layer: str
    features_in: int = 0
    features_out: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    areas_m2: dict[str, float] = field(default_factory=dict)
    table: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_COLUMNS))
    notes: list[str] = field(default_factory=list)

    def add(self, problem: str, fids, area_change_m2=np.nan, detail="") -> None:
        """Record ``problem`` for features ``fids`` (array-likes broadcast).

        ``src_fid`` is filled in by :func:`validate_layer` from the frame's ``src_fid`` column.
        """
        fids = np.atleast_1d(np.asarray(fids, dtype=np.int64))
        if len(fids) == 0:
            return
        src = pd.array([pd.NA] * len(fids), dtype="Int64")
        rows = pd.DataFrame(
            {
                "fid": fids,
                "src_fid": src,
                "problem": problem,
                "area_change_m2": np.broadcast_to(np.asarray(area_change_m2, float), fids.shape),
                "detail": np.broadcast_to(np.asarray(detail, dtype=object), fids.shape),
            }
        )
        self.table = rows if self.table.empty else pd.concat([self.table, rows], ignore_index=True)
        self.counts[problem] = self.counts.get(problem, 0) + len(fids)

    @property
    def repaired(self) -> bool:
        """Whether any feature was changed or dropped."""
        return any(self.counts.get(k, 0) for k in _REPAIRS)

    @property
    def problems(self) -> list[str]:
        """Short strings for the inventory, e.g. ``"invalid repaired 3 (+12.5 m²)"``."""
        out = []
        c, a = self.counts, self.areas_m2
        if c.get("invalid_repaired"):
            area = fmt_area(a.get("invalid_repaired", 0.0), signed=True)
            out.append(f"invalid repaired {c['invalid_repaired']} ({area})")
        if c.get("invalid"):
            out.append(f"invalid NOT repaired {c['invalid']}")
        dropped = {k: c[k] for k in _DROPS if c.get(k)}
        if dropped:
            parts = ", ".join(
                f"{n} {_LABELS[k]}" + (f" {fmt_area(a[k], signed=True)}" if k in a else "")
                for k, n in dropped.items()
            )
            out.append(f"dropped {sum(dropped.values())} ({parts})")
        if c.get("z_m_flattened"):
            out.append(f"Z/M flattened {c['z_m_flattened']}")
        if c.get("collection"):
            area = fmt_area(a.get("collection", 0.0), signed=True)
            out.append(f"collections reduced to polygons {c['collection']} ({area})")
        if c.get("unclosed_ring"):
            area = fmt_area(a.get("unclosed_ring_features", 0.0))
            out.append(f"unclosed rings closed {c['unclosed_ring']} ({area}, area unchanged)")
        if c.get("curved"):
            out.append(f"curves linearised {c['curved']}")
        for key, label in (
            ("duplicates", "duplicates"),
            ("overlaps", "overlaps"),
            ("outside_boundary", "outside county"),
        ):
            if c.get(key):
                out.append(f"{label} {c[key]} ({fmt_area(a.get(key, 0.0))})")
        for key in ("mojibake_field_names", "swapped_xy", "no_attributes"):
            if c.get(key):
                out.append(_LABELS[key])
        return out

    def summary(self) -> str:
        """A few lines: features read/kept, each problem with count and area, notes."""
        head = f"{self.layer}: {self.features_in} features read, {self.features_out} kept"
        lines = [head, *(f"  - {p}" for p in self.problems), *(f"  · {n}" for n in self.notes)]
        if c := self.counts.get("duplicates"):
            lines.append(f"  ! {c} duplicated features are kept: a sum of areas counts them twice")
        if self.counts.get("overlaps"):
            lines.append("  ! overlapping features are kept: use the union area, not the sum")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


_DROPS = ("empty", "unreadable", "non_finite", "non_polygonal", "invalid_dropped")
_REPAIRS = (*_DROPS, "collection", "invalid_repaired", "z_m_flattened", "curved", "swapped_xy",
            "unclosed_ring")  # fmt: skip
_LABELS = {
    "unreadable": "unreadable (NaN rings; area of their finite vertices where known)",
    "empty": "empty/null",
    "non_finite": "NaN/inf coordinates",
    "non_polygonal": "points/lines",
    "invalid_dropped": "invalid, nothing polygonal left",
    "mojibake_field_names": "mojibake field names",
    "swapped_xy": "x/y swapped",
    "no_attributes": "no attributes (.dbf missing)",
}


def report_closed_rings(rep: ValidationReport, gdf, rows) -> None:
    """Record features whose rings were not closed in the file and were closed when read.

    Closing a ring adds no vertex, so the area the read vertices enclose is kept: the
    change is 0 m², and each feature's area is given in the detail.
    """
    rows = np.asarray(rows, dtype=np.int64)
    if not len(rows):
        return
    crs = pyproj.CRS.from_user_input(gdf.crs)
    a = ellipsoid_areas(np.asarray(gdf.geometry.values, dtype=object)[rows], crs)
    detail = [f"ring not closed in the file: closed; the feature measures {fmt_area(x)}" for x in a]
    rep.add("unclosed_ring", rows, 0.0, detail)
    rep.areas_m2["unclosed_ring"] = 0.0
    rep.areas_m2["unclosed_ring_features"] = float(a.sum())


def report_unreadable(rep: ValidationReport, salvaged: dict, crs) -> None:
    """Record features GEOS could not build (a ring of NaN) as dropped, with the area of
    their finite vertices (``salvaged``: row → polygon or None) where there is one."""
    if not salvaged:
        return
    rows = np.fromiter(salvaged, dtype=np.int64)
    geoms = np.array([salvaged[r] for r in rows], dtype=object)
    lost = np.full(len(rows), np.nan)
    ok = ~shapely.is_missing(geoms)
    if ok.any():
        lost[ok] = -ellipsoid_areas(polygonal_parts(geoms[ok]), pyproj.CRS.from_user_input(crs))
    detail = np.where(
        ok,
        "NaN/inf coordinates GEOS cannot build; area from its finite vertices",
        "NaN/inf coordinates GEOS cannot build; area unknown (fewer than 3 finite vertices)",
    )
    rep.add("unreadable", rows, lost, detail)
    if ok.any():
        rep.areas_m2["unreadable"] = float(np.nansum(lost))
