"""A province measured unit by unit: every role's area and share per county, and the sums.

A province's figures are wanted per county, the way a county's are per township.  Here
each unit (a county, or any polygon with a name field) is one task: it reads only the
features near it from the tiled sources (:mod:`ecospace.loading.tiled_sources`), repairs them as
the reader does, clips every layer to the unit, and measures the clipped layers with
:func:`ecospace.measuring.stats.measure_county` — coverage, the overlap matrix and containment of
protected areas in the red line, all inside the unit — and, with a ``land_use`` layer,
the unit's land cover (forest, forest-and-grass, wetland, cropland from the parcels'
``DLBM`` codes, :func:`ecospace.measuring.stats.land_cover`) as shares of the unit's area.
A task returns a handful of numbers, never geometries.

Because every figure is measured inside its unit, the units' rows add up: the province
row is their sum (areas) and the sum's ratio (shares, over the sum of the units' areas).
A feature crossing a county border counts in each county with the part inside it.

The tasks run in this process, or as Dask tasks on a ``dask.distributed`` cluster
(``client=``, ``ecospace stats … --scheduler tcp://HOST:PORT``): the workers open the
files and database connections themselves, so the client holds only the figures.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ecospace._text_table import text_table
from ecospace.errors import FieldError, RoleError
from ecospace.geometry.area import Method
from ecospace.geometry.crs import to_working
from ecospace.loading._roles import ROLE_LABELS
from ecospace.loading.validate import validate_layer
from ecospace.measuring._pairs import _polygonal
from ecospace.measuring.overlap import MUST_NOT_OVERLAP, OVERLAP_ROLES
from ecospace.measuring.stats import CLASS_SETS, land_cover, measure_county
from ecospace.units import UNITS, normalize_unit
from ecospace.vocabulary import CLASS_LABELS

__all__ = ["ProvinceFigures", "format_province", "measure_units", "unit_names"]

log = logging.getLogger("ecospace")

#: roles tabulated per unit (the overlap roles, in their order)
UNIT_ROLES: tuple[str, ...] = OVERLAP_ROLES
_PAIRS = [
    (a, b)
    for i, a in enumerate(UNIT_ROLES)
    for b in UNIT_ROLES[i + 1 :]
    if frozenset((a, b)) in MUST_NOT_OVERLAP
]


@dataclass
class ProvinceFigures:
    """Per-unit figures and the province's sums (areas m², shares fractions).

    Attributes
    ----------
    units : DataFrame
        One row per unit, then a ``total`` row: ``name``, ``src_fid`` (of the unit in its
        layer), ``kind`` (``unit``/``total``), ``area_m2``, per role ``<role>_m2`` and
        ``<role>_share`` (of the unit's area), ``overlap_<a>__<b>_m2`` for each pair of
        control lines, ``protected_area_outside_red_line_m2``; with a land-use layer, per
        class set ``land_cover_<class>_m2`` and ``land_cover_<class>_share`` (of the unit's
        area: the union of the unit's parcels in the class, clipped to the unit).
    method : str
    roles : list of str
        The roles measured (those the sources hold).
    sources : list of str
        Labels of the tiled sources read (no passwords).
    classes : list of str
        The land-cover class sets measured (empty without a land-use layer).
    """

    units: pd.DataFrame
    method: str
    roles: list[str]
    sources: list[str]
    classes: list[str] = field(default_factory=list)

    @property
    def total(self) -> pd.Series:
        """The province row."""
        return self.units.iloc[-1]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the table as records (NaN as None)."""
        return {
            "method": self.method,
            "roles": self.roles,
            "classes": self.classes,
            "sources": self.sources,
            "denominator": "sum of the units' areas (each unit: its own area)",
            "units": self.units.replace({np.nan: None}).to_dict(orient="records"),
        }


def unit_names(units: gpd.GeoDataFrame, field: str | None) -> list[str]:
    """The name of each unit: ``field``'s value (FieldError listing the fields if absent).

    Examples
    --------
    >>> from shapely import box
    >>> u = gpd.GeoDataFrame({"XZQMC": ["甲县"]}, geometry=[box(0, 0, 1, 1)])
    >>> unit_names(u, "XZQMC"), unit_names(u, None)
    (['甲县'], ['unit 0'])
    """
    if field is None:
        ids = units["src_fid"] if "src_fid" in units else range(len(units))
        return [f"unit {i}" for i in ids]
    if field not in units.columns:
        fields = ", ".join(c for c in units.columns if c != units.geometry.name)
        raise FieldError(f"--unit-field {field!r} is not a field of the units (fields: {fields})")
    return units[field].astype(str).tolist()


def measure_units(
    sources: Sequence,
    units: gpd.GeoDataFrame,
    *,
    unit_field: str | None = None,
    method: Method = "ellipsoid",
    classes: Mapping[str, Sequence[str]] | None = None,
    land_use_field: str = "DLBM",
    client=None,
) -> ProvinceFigures:
    """Measure every role of ``sources`` inside each unit; the province as their sum.

    Parameters
    ----------
    sources : sequence of tiled sources
        Those with a role in :data:`UNIT_ROLES` are measured, and a ``land_use`` layer for
        each unit's land cover; ``boundary`` and ``townships`` are left out.
    units : GeoDataFrame
        Unit polygons (counties) with a CRS, e.g. ``read_layer(...).gdf``.
    unit_field : str, optional
        The units' name field (XZQMC); default ``unit <src_fid>``.
    method : {"ellipsoid", "geodesic", "planar"}
    classes : mapping, optional
        Land-cover class sets over :data:`ecospace.measuring.stats.CLASS_SETS` (a plan's).
    land_use_field : str, default "DLBM"
        The land-use layer's class-code field.
    client : dask.distributed.Client, optional
        Run one task per unit on its cluster; default: here, one unit after another.

    Returns
    -------
    ProvinceFigures

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from shapely import box
    >>> from ecospace.loading.convert import write_dataset
    >>> from ecospace.loading.tiled_sources import GeoParquetDataset
    >>> red = gpd.GeoDataFrame(geometry=[box(41_500_000, 5_000_000, 41_500_300, 5_000_100)],
    ...                        crs="EPSG:4529")
    >>> folder = Path(tempfile.mkdtemp()) / "STBHHX.parquet"
    >>> _ = write_dataset(red, folder)
    >>> units = gpd.GeoDataFrame({"XZQMC": ["甲", "乙"]}, crs="EPSG:4529", geometry=[
    ...     box(41_500_000, 5_000_000, 41_500_100, 5_000_100),
    ...     box(41_500_100, 5_000_000, 41_500_400, 5_000_100)])
    >>> p = measure_units([GeoParquetDataset(str(folder))], units, unit_field="XZQMC",
    ...                   method="planar")
    >>> p.units[["name", "red_line_m2", "red_line_share"]].round(4).values.tolist()
    [['甲', 10000.0, 1.0], ['乙', 20000.0, 0.6667], ['合计', 30000.0, 0.75]]
    """
    tiled = [s for s in sources if s.role in (*UNIT_ROLES, "land_use")]
    roles = [r for r in UNIT_ROLES if any(s.role == r for s in tiled)]
    sets = {**CLASS_SETS, **dict(classes or {})}
    cover = (
        {"classes": sets, "field": land_use_field}
        if any(s.role == "land_use" for s in tiled)
        else None
    )
    for r in [*roles, "land_use"]:
        same = [s.label for s in tiled if s.role == r]
        if len(same) > 1:
            raise RoleError(
                f"two layers claim role {r} ({ROLE_LABELS[r]['zh']}): {', '.join(same)}; "
                f"set one aside with --role NAME=none"
            )
    if units.crs is None:
        raise RoleError("the units layer has no CRS")
    names = unit_names(units, unit_field)
    crs_wkt = pyproj.CRS.from_user_input(units.crs).to_wkt()
    fids = units["src_fid"].tolist() if "src_fid" in units else list(range(len(units)))
    tasks = [
        (name, int(fid), shapely.to_wkb(g), crs_wkt)
        for name, fid, g in zip(names, fids, units.geometry.values, strict=True)
    ]
    if client is None:
        rows = [_measure_unit(t, tiled, method, cover) for t in tasks]
    else:
        futures = client.map(
            _measure_unit, tasks, sources=tiled, method=method, cover=cover, pure=False
        )
        rows = client.gather(futures)
    measured = list(sets) if cover else []
    return ProvinceFigures(
        _table(rows, roles, measured), method, roles, [s.label for s in tiled], measured
    )


def _measure_unit(
    task: tuple, sources: Sequence, method: str, cover: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """One unit's figures (runs in a worker): read near the unit, repair, clip, measure."""

    name, fid, wkb, crs_wkt = task
    unit_crs = pyproj.CRS.from_wkt(crs_wkt)
    unit = gpd.GeoDataFrame(geometry=[shapely.from_wkb(wkb)], crs=unit_crs)
    layers: dict[str, gpd.GeoDataFrame] = {"boundary": unit}
    for s in sources:
        box = _box_in(unit, s.crs)
        gdf = s.read_bbox(*box)
        if len(gdf) == 0:
            continue
        with warnings.catch_warnings():  # repairs are reported by `ecospace layers`
            warnings.simplefilter("ignore")
            gdf, _ = validate_layer(gdf, layer_label=s.label, repair=True, warn=False)
        layers[s.role] = gdf
    work = to_working(layers)
    clip = np.asarray(work["boundary"].geometry.values)[0]
    clipped = {"boundary": work["boundary"]}
    for role, gdf in work.items():
        if role != "boundary":
            part = _clip(gdf, clip)
            if len(part):
                clipped[role] = part
    parcels = clipped.pop("land_use", None)
    f = measure_county(clipped, method=method, by_township=False)
    row: dict[str, Any] = {"name": name, "src_fid": fid, "kind": "unit"}
    row["area_m2"] = float(f.denominator_m2 or 0.0)
    if cover is not None:
        row.update(_unit_land_cover(parcels, cover, method, row["area_m2"]))
    cov = f.coverage.set_index("role")
    for role in UNIT_ROLES:
        row[f"{role}_m2"] = float(cov.loc[role, "union_m2"]) if role in cov.index else 0.0
    ov = {(r.role_a, r.role_b): r.area_m2 for r in f.overlaps.itertuples()}
    for a, b in _PAIRS:
        row[f"overlap_{a}__{b}_m2"] = float(ov.get((a, b), ov.get((b, a), 0.0)))
    cont = f.containment.set_index(["inner", "outer"])
    key = ("protected_area", "red_line")
    if key in cont.index:
        row["protected_area_outside_red_line_m2"] = float(cont.loc[key, "outside_m2"])
    else:
        row["protected_area_outside_red_line_m2"] = row["protected_area_m2"]
    return row


def _unit_land_cover(
    parcels: gpd.GeoDataFrame | None, cover: Mapping[str, Any], method: str, area_m2: float
) -> dict[str, float]:
    """``land_cover_<class>_m2`` of the unit's parcels (clipped to it); 0 where it has none."""
    if parcels is None or not len(parcels):
        return {f"land_cover_{c}_m2": 0.0 for c in cover["classes"]}
    lc = land_cover(
        parcels,
        classes=cover["classes"],
        field=cover["field"],
        method=method,
        denominator_m2=area_m2 or None,
    )
    return {f"land_cover_{c}_m2": float(a) for c, a in zip(lc["class"], lc["area_m2"], strict=True)}


def _box_in(unit: gpd.GeoDataFrame, crs: pyproj.CRS) -> tuple[float, float, float, float]:
    """The unit's box in ``crs`` (edges densified, so the box holds the whole unit)."""
    b = unit.total_bounds
    if pyproj.CRS.from_user_input(unit.crs).equals(crs):
        return tuple(float(v) for v in b)
    t = pyproj.Transformer.from_crs(unit.crs, crs, always_xy=True)
    return tuple(float(v) for v in t.transform_bounds(*b, densify_pts=21))


def _clip(gdf: gpd.GeoDataFrame, poly) -> gpd.GeoDataFrame:
    """The parts of the features inside ``poly`` (features wholly inside kept as they are)."""
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    shapely.prepare(poly)
    hit = shapely.intersects(poly, geoms)
    gdf, geoms = gdf[hit], geoms[hit]
    inside = shapely.contains_properly(poly, geoms)
    out = geoms.copy()
    out[~inside] = _polygonal(shapely.intersection(geoms[~inside], poly))
    keep = ~(shapely.is_missing(out) | shapely.is_empty(out))
    gdf = gdf[keep].copy()
    return gdf.set_geometry(gpd.GeoSeries(out[keep], index=gdf.index, crs=gdf.crs))


def _table(rows: list[dict], roles: list[str], classes: Sequence[str] = ()) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    total = {"name": "合计", "src_fid": None, "kind": "total"}
    for c in df.columns:
        if c.endswith("_m2"):
            total[c] = float(df[c].sum())
    df = pd.concat([df, pd.DataFrame([total])], ignore_index=True)
    for role in UNIT_ROLES:
        with np.errstate(divide="ignore", invalid="ignore"):
            df[f"{role}_share"] = np.where(
                df["area_m2"] > 0, df[f"{role}_m2"] / df["area_m2"], np.nan
            )
    for c in classes:
        with np.errstate(divide="ignore", invalid="ignore"):
            df[f"land_cover_{c}_share"] = np.where(
                df["area_m2"] > 0, df[f"land_cover_{c}_m2"] / df["area_m2"], np.nan
            )
    keep = ["name", "src_fid", "kind", "area_m2"]
    for role in UNIT_ROLES:
        if role in roles:
            keep += [f"{role}_m2", f"{role}_share"]
    for c in classes:
        keep += [f"land_cover_{c}_m2", f"land_cover_{c}_share"]
    keep += [c for c in df.columns if c.startswith("overlap_")]
    if "protected_area" in roles and "red_line" in roles:
        keep.append("protected_area_outside_red_line_m2")
    return df[keep]


def format_province(p: ProvinceFigures, *, unit: str = "ha", decimals: int = 2) -> str:
    """The per-unit table for the terminal: areas in ``unit``, shares in %.

    Examples
    --------
    >>> t = pd.DataFrame({"name": ["甲", "合计"], "src_fid": [1, None], "kind": ["unit", "total"],
    ...                   "area_m2": [2e4, 2e4], "red_line_m2": [1e4, 1e4],
    ...                   "red_line_share": [0.5, 0.5]})
    >>> print(format_province(ProvinceFigures(t, "planar", ["red_line"], ["x"])))
    per unit — planar area, ha; shares of each unit's area (合计: of the units' sum)
    unit  src_fid  area ha  生态保护红线 ha  生态保护红线 %
    ────  ───────  ───────  ───────────────  ──────────────
    甲          1     2.00             1.00           50.00
    合计              2.00             1.00           50.00
    """
    unit = normalize_unit(unit)
    per = UNITS[unit]
    df = p.units
    headers = ["unit", "src_fid", f"area {unit}"]
    for r in p.roles:
        headers += [f"{ROLE_LABELS[r]['zh']} {unit}", f"{ROLE_LABELS[r]['zh']} %"]
    pairs = [c for c in df.columns if c.startswith("overlap_")]
    headers += [f"{c[8:-3].replace('__', '×')} {unit}" for c in pairs]
    if "protected_area_outside_red_line_m2" in df:
        headers.append(f"protected outside red line {unit}")
    for c in p.classes:
        headers.append(f"{CLASS_LABELS.get(c, {}).get('zh', c)} %")
    rows = []
    for rec in df.to_dict(orient="records"):
        fid = rec["src_fid"]
        cells = [str(rec["name"]), "" if fid is None or pd.isna(fid) else str(int(fid))]
        cells.append(f"{rec['area_m2'] / per:,.{decimals}f}")
        for r in p.roles:
            cells.append(f"{rec[f'{r}_m2'] / per:,.{decimals}f}")
            s = rec[f"{r}_share"]
            cells.append("" if pd.isna(s) else f"{100 * s:.{decimals}f}")
        cells += [f"{rec[c] / per:,.{decimals}f}" for c in pairs]
        if "protected_area_outside_red_line_m2" in df:
            cells.append(f"{rec['protected_area_outside_red_line_m2'] / per:,.{decimals}f}")
        for c in p.classes:
            s = rec[f"land_cover_{c}_share"]
            cells.append("" if pd.isna(s) else f"{100 * s:.{decimals}f}")
        rows.append(cells)
    head = (
        f"per unit — {p.method} area, {unit}; shares of each unit's area (合计: of the units' sum)"
    )
    return (
        head + "\n" + text_table(headers, rows, ["left", "right"] + ["right"] * (len(headers) - 2))
    )
