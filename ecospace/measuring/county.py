"""One object for a county's layers: opened once, measured once, every figure cached.

Every command, :func:`ecospace.check`, the maps and the annex go through a :class:`County`:
the layers are read and validated once (in their own CRS, for areas), taken once into one
projected working CRS (for overlays), and each figure — coverage, overlaps, containment,
within-layer overlaps, the township table, land cover, conflicts — is computed on first
use and kept on the object.

>>> import geopandas as gpd
>>> from shapely import box
>>> x, y = 41_500_000, 5_000_000
>>> county = County({
...     "boundary": gpd.GeoDataFrame(geometry=[box(x, y, x + 1000, y + 1000)], crs=4529),
...     "red_line": gpd.GeoDataFrame(geometry=[box(x, y, x + 300, y + 1000)], crs=4529),
... }, method="planar")
>>> county
<County: 2 layers (boundary, red_line) in EPSG:4529, planar area>
>>> county.union_m2("red_line"), county.inside_m2("red_line")
(300000.0, 300000.0)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from html import escape
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyproj

from ecospace.errors import EcospaceError, RoleError
from ecospace.geometry.crs import to_working
from ecospace.loading._roles import ROLE_LABELS, ROLES
from ecospace.loading.layers import inventory, load_layers
from ecospace.loading.tiled_sources import (
    REPAIRS_ATTR,
    Repaired,
    is_tiled,
    open_tiled,
    repair_summary,
    repair_table,
)
from ecospace.loading.validate import RepairWarning
from ecospace.measuring._pairs import _areas, _clean, _outside_geoms
from ecospace.measuring.overlap import check_same_crs, overlap_area
from ecospace.measuring.partition import WHOLE_ROLES, measure_partitioned
from ecospace.measuring.stats import CLASS_SETS, CountyFigures, land_cover_area
from ecospace.plan.model import load_plan
from ecospace.vocabulary import DenominatorSource, Method

__all__ = ["County"]

_NAME_FIELDS = ("XZQMC", "NAME", "name", "MC")


class County:
    """A county's layers and every figure measured on them, each computed once.

    Parameters
    ----------
    layers : mapping of role to Layer, GeoDataFrame or tiled source
        Layers as :func:`ecospace.loading.layers.load_layers` returns them, plain
        GeoDataFrames with a CRS (tests, notebooks), or tiled sources
        (:mod:`ecospace.loading.tiled_sources`, best wrapped in
        :class:`~ecospace.loading.tiled_sources.Repaired`): those are never read here but
        tile by tile by the partitioned engine's workers, which report back what they
        repaired (:attr:`repairs`).
    method : {"ellipsoid", "geodesic", "planar"}, default "ellipsoid"
        Area method of every figure (ellipsoid: the official 2008 series).
    denominator_m2 : float, optional
        What shares divide by; by default the computed area of the ``boundary`` layer.
    denominator_source : {"boundary", "stated", "survey"}, optional
        What ``denominator_m2`` is (see :func:`ecospace.measuring.stats.measure_county`).
    classes : mapping, optional
        Land-cover class sets by name (default :data:`ecospace.measuring.stats.CLASS_SETS`).
    name : str, optional
        The county's name; by default the boundary layer's ``XZQMC``.
    by_township : bool, default True
        Measure the township table when there is a ``townships`` layer.
    workers : int, optional
        Tiles measured at once on this machine by the partitioned engine
        (:func:`ecospace.measuring.partition.measure_partitioned`); default every core.
        ``1`` measures the tiles one after another in this process.  A county with few
        features is measured whole, as one task.
    client : distributed.Client or str, optional
        Measure the tiles on this ``dask.distributed`` cluster instead (a Client or the
        scheduler's address, ``tcp://HOST:PORT``).
    progress : bool, default False
        A progress bar on a terminal while the tiles of a long run are measured.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> x, y = 41_500_000, 5_000_000
    >>> c = County({
    ...     "boundary": gpd.GeoDataFrame(geometry=[box(x, y, x + 100, y + 100)], crs=4529),
    ...     "red_line": gpd.GeoDataFrame(geometry=[box(x, y, x + 60, y + 100)], crs=4529),
    ...     "basic_farmland": gpd.GeoDataFrame(geometry=[box(x + 50, y, x + 70, y + 10)],
    ...                                        crs=4529),
    ... }, method="planar")
    >>> c.overlap_m2("red_line", "basic_farmland")
    100.0
    >>> sorted(c.conflicts)
    ['overlap_red_line__basic_farmland']
    """

    def __init__(
        self,
        layers: Mapping[str, Any],
        *,
        method: Method = "ellipsoid",
        denominator_m2: float | None = None,
        denominator_source: DenominatorSource | None = None,
        classes: Mapping[str, Sequence[str]] | None = None,
        name: str | None = None,
        by_township: bool = True,
        workers: int | None = None,
        client: Any = None,
        progress: bool = False,
    ) -> None:
        self.layers: dict[str, Any] = dict(layers)
        self.by_township = by_township
        self.workers, self.client, self.progress = workers, client, progress
        self.method = method
        self.denominator_m2 = denominator_m2
        self.denominator_source = denominator_source
        self.classes: dict[str, list[str]] = {k: list(v) for k, v in CLASS_SETS.items()}
        self.classes.update({k: list(v) for k, v in (classes or {}).items()})
        self._custom_classes = dict(classes or {})
        self._name = name
        self._county_name: str | None = None
        #: repairs the workers made to tiled layers (role -> one row per feature)
        self.repairs: dict[str, pd.DataFrame] = {}

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(
        cls,
        sources: str | Path | Iterable[str | Path],
        *,
        roles: Mapping[str, str | None] | None = None,
        aliases: Mapping[str, str] | None = None,
        crs: Any = None,
        crss: Mapping[str, Any] | None = None,
        encodings: Mapping[str, str] | None = None,
        engine: str | None = None,
        tiled: bool = False,
        **options: Any,
    ) -> County:
        """Read, validate and recognise the layers of ``sources`` (``PATH[:LAYER]``).

        Parameters
        ----------
        sources : path or paths
            GeoPackages, FileGDB folders, shapefiles, zips, GeoJSON, GeoParquet, folders
            (a delivery: searched with its sub-folders), PostgreSQL URLs.
        roles, aliases, crs, crss, encodings, engine
            As :func:`ecospace.loading.layers.load_layers`.
        tiled : bool, default False
            Keep the layers of PostGIS databases and converted GeoParquet datasets
            (:func:`~ecospace.loading.tiled_sources.is_tiled`) where they are: the
            partitioned engine's workers read, repair and measure them tile by tile, and
            this process holds only their county and township boundaries (read whole)
            and the figures.  For a run with ``workers`` or ``client``.
        **options
            Passed to :class:`County` (``method``, ``denominator_m2`` …).

        Examples
        --------
        >>> County.open("no/such.gpkg")
        Traceback (most recent call last):
        ...
        ecospace.errors.LayerReadError: no/such.gpkg: no such file or folder; ...
        """
        items = [str(s) for s in ([sources] if isinstance(sources, (str, Path)) else sources)]
        loader = {"engine": engine} if engine else {}
        kept = [s for s in items if tiled and is_tiled(s)]
        files = [s for s in items if s not in kept]
        layers = load_layers(
            files,
            roles=roles,
            aliases=aliases,
            crs=crs,
            crss=crss,
            encodings=encodings,
            **loader,
        )
        if kept:
            layers = _with_tiled(layers, open_tiled(kept, roles=roles))
        return cls(layers, **options)

    @classmethod
    def from_plan(
        cls,
        plan: Any,
        *,
        sources: Iterable[str | Path] = (),
        crs: Any = None,
        crss: Mapping[str, Any] | None = None,
        roles: Mapping[str, str | None] | None = None,
        engine: str | None = None,
        **options: Any,
    ) -> County:
        """The county a plan describes: its ``layers:``, roles, aliases, method, classes.

        Parameters
        ----------
        plan : Plan
            A loaded plan (:func:`ecospace.plan.load_plan`).
        sources : paths, optional
            More ``PATH[:LAYER]`` sources beside the plan's own.
        crs, crss, roles, engine
            As :meth:`open`; ``crss`` and ``roles`` go over the plan's ``crs:`` and
            ``role:``, ``crs`` is for layers neither gives a CRS.
        **options
            Passed to :class:`County`; ``method`` defaults to the plan's.
        """
        specs = list(plan.layer_sources()) if hasattr(plan, "layer_sources") else []
        paths = [src for src, _ in specs] + [str(s) for s in sources]
        if not paths:
            raise EcospaceError(
                f"{getattr(plan, 'path', None) or 'plan'}: no layers to measure; add a "
                "'layers:' list to the plan (PATH[:LAYER] with an optional role) or name sources"
            )
        options.setdefault("method", getattr(plan, "method", None) or "ellipsoid")
        options.setdefault("classes", getattr(plan, "land_cover_classes", None) or None)
        options.setdefault("name", getattr(plan, "name", None))
        return cls.open(
            paths,
            aliases=dict(getattr(plan, "aliases", None) or {}) or None,
            engine=engine,
            **_layer_options([plan], crs=crs, crss=crss, roles=roles),
            **options,
        )

    @classmethod
    def from_inputs(
        cls,
        inputs: Iterable[str | Path],
        *,
        crs: Any = None,
        crss: Mapping[str, Any] | None = None,
        roles: Mapping[str, str | None] | None = None,
        method: Method | None = None,
    ) -> County:
        """A county from ``PATH[:LAYER]`` sources and/or ``*.yaml`` plan files, mixed.

        A plan contributes its ``layers:`` (with roles, ``crs:``, ``encoding:``), aliases,
        name and area method; ``crs``, ``crss`` and ``roles`` are as for :meth:`from_plan`.

        Examples
        --------
        >>> County.from_inputs([]).layers
        {}
        """
        from_plans, sources = [], []
        for item in inputs:
            is_plan = str(item).lower().endswith((".yaml", ".yml"))
            (from_plans if is_plan else sources).append(item)
        if not from_plans:
            if not sources:
                return cls({}, method=method or "ellipsoid")
            return cls.open(sources, crs=crs, crss=crss, roles=roles, method=method or "ellipsoid")
        plans = [load_plan(p) for p in from_plans]
        specs = [spec for plan in plans for spec in plan.layer_sources()]
        aliases = {k: v for plan in plans for k, v in (plan.aliases or {}).items()}
        return cls.open(
            [src for src, _ in specs] + [str(s) for s in sources],
            aliases=aliases or None,
            **_layer_options(plans, crs=crs, crss=crss, roles=roles),
            method=method or plans[0].method or "ellipsoid",
            classes=plans[0].land_cover_classes or None,
            name=plans[0].name,
        )

    # ------------------------------------------------------------------ the layers
    @cached_property
    def working(self) -> dict[str, gpd.GeoDataFrame]:
        """Every layer in one projected working CRS (for overlays; areas use the originals)."""
        if not self.layers:
            return {}
        for role, layer in self.layers.items():
            if getattr(getattr(layer, "gdf", layer), "crs", None) is None:
                raise RoleError(f"layer {role!r} has no CRS; set one (--crs) before measuring")
        read = {r: v for r, v in self.layers.items() if r not in self._tiled}
        work = dict(to_working(read)) if read else {}
        # tiled layers stay where they are: the partitioned engine's workers read them
        return {r: work.get(r, self.layers[r]) for r in self.layers}

    @property
    def _tiled(self) -> list[str]:
        """Roles whose layer is a tiled source (read by the workers, tile by tile)."""
        return [r for r, v in self.layers.items() if _is_tiled_layer(v)]

    @property
    def crs(self) -> pyproj.CRS | None:
        """The working CRS (a Gauss–Krüger zone of CGCS2000 for a Chinese county)."""
        read = {r: v for r, v in self.working.items() if r not in self._tiled}
        return check_same_crs(read) if read else None

    @cached_property
    def inventory(self) -> pd.DataFrame:
        """One row per layer: source, layer, role, features, CRS and how it was found."""
        if self.layers and all(hasattr(v, "gdf") for v in self.layers.values()):
            return inventory(self.layers)
        rows = [_inventory_row(role, layer) for role, layer in self.layers.items()]
        return pd.DataFrame(
            rows, columns=["source", "layer", "role", "features", "epsg", "crs_name"]
        )

    @property
    def sources(self) -> list[str]:
        """File names of the sources the layers came from (a table's URL, no password)."""
        names = set()
        for role, layer in self.layers.items():
            if role in self._tiled:
                names.add(layer.label)
            else:
                names.add(Path(str(getattr(layer, "source", "-"))).name)
        return sorted(names)

    @property
    def title(self) -> str | None:
        """A title for maps: the plan's name, else "<county> 三区三线核查图"."""
        if self._name is not None:
            return self._name
        return f"{self.name} 三区三线核查图" if self.name else None

    @property
    def name(self) -> str | None:
        """The county's name: the boundary layer's ``XZQMC`` (else the name given)."""
        if self._county_name is None and "boundary" in self.layers:
            gdf = getattr(self.layers["boundary"], "gdf", self.layers["boundary"])
            field = next((f for f in _NAME_FIELDS if f in gdf.columns), None)
            if field is not None and len(gdf):
                self._county_name = str(gdf[field].iloc[0])
        return self._county_name or self._name

    # ------------------------------------------------------------------ the figures
    @cached_property
    def figures(self) -> CountyFigures:
        """Coverage, overlaps, containment, within-layer overlaps, townships, land cover
        and conflicts, measured once by tiles on every core
        (:func:`ecospace.measuring.partition.measure_partitioned`)."""
        figures = measure_partitioned(
            self.working,
            method=self.method,
            denominator_m2=self.denominator_m2,
            denominator_source=self.denominator_source,
            classes=self._custom_classes or None,
            by_township=self.by_township,
            workers=self.workers,
            client=self.client,
            progress=self.progress,
        )
        self._report_repairs(figures.coverage.attrs.pop(REPAIRS_ATTR, {}))
        return figures

    def _report_repairs(self, tables: Mapping[str, list[pd.DataFrame]]) -> None:
        """What the workers repaired in the tiled layers: kept, and one warning per layer."""
        for role in self._tiled:
            table = repair_table(tables.get(role, []))
            self.repairs[role] = table
            line = repair_summary(self.layers[role].label, table)
            if line:
                warnings.warn(line, RepairWarning, stacklevel=3)

    coverage = property(lambda self: self.figures.coverage, doc="Coverage of every role.")
    overlaps = property(lambda self: self.figures.overlaps, doc="The pairwise overlap matrix.")
    containment = property(lambda self: self.figures.containment, doc="Inner outside outer.")
    self_overlaps = property(lambda self: self.figures.self_overlaps, doc="Within-layer overlaps.")
    townships = property(lambda self: self.figures.townships, doc="The township table.")
    land_cover = property(lambda self: self.figures.land_cover, doc="Land-cover classes.")
    conflicts = property(lambda self: self.figures.conflicts, doc="Conflict features by type.")
    land_cover_raster = property(
        lambda self: self.figures.land_cover_raster, doc="Land cover from a classified raster."
    )

    def _layer(self, role: str) -> gpd.GeoDataFrame:
        if role not in self.working:
            raise RoleError(f"no {role} layer")
        return self.working[role]

    def _row(self, table: pd.DataFrame | None, **match: str) -> pd.Series | None:
        if not isinstance(table, pd.DataFrame) or not len(table):
            return None
        hit = table
        for column, value in match.items():
            if column not in hit:
                return None
            hit = hit[hit[column] == value]
        return hit.iloc[0] if len(hit) else None

    def union_m2(self, role: str) -> float:
        """m² of the union of the role's features (overlaps counted once)."""
        self._layer(role)
        row = self._row(self.coverage, role=role)
        return float(row["union_m2"])

    def inside_m2(self, role: str) -> float:
        """m² of the role's union inside the county boundary; the whole union without one."""
        row = self._row(self.coverage, role=role)
        if row is not None and "inside_m2" in row and not math.isnan(float(row["inside_m2"])):
            return float(row["inside_m2"])
        return self.union_m2(role)

    def overlap_m2(self, a: str, b: str) -> float:
        """m² where the unions of roles ``a`` and ``b`` overlap."""
        layer_a, layer_b = self._layer(a), self._layer(b)
        for ra, rb in ((a, b), (b, a)):
            row = self._row(self.overlaps, role_a=ra, role_b=rb)
            if row is not None:
                return float(row["area_m2"])
        return overlap_area(layer_a, layer_b, method=self.method)

    def outside_m2(self, inner: str, outer: str) -> float:
        """m² of the union of ``inner`` outside the union of ``outer``.

        The area of the geometric difference — the one definition ecospace uses, in the
        containment table and for any pair a plan names — not ``|A| − |A ∩ B|``, which
        under the vertex-based ellipsoidal series differs from it by ~1e-6 of the area.
        """
        layer_in, layer_out = self._layer(inner), self._layer(outer)
        row = self._row(self.containment, inner=inner, outer=outer)
        if row is not None:
            return float(row["outside_m2"])
        crs = check_same_crs({"inner": layer_in, "outer": layer_out})
        ci, co = _clean(layer_in, crs, self.method), _clean(layer_out, crs, self.method)
        _, rest = _outside_geoms(ci.geoms, co.geoms)
        return float(_areas(rest, crs, self.method).sum())

    def land_cover_m2(self, classes: str | Sequence[str]) -> float:
        """m² of land-use parcels in a class set (``"forest"``) or a list of DLBM codes."""
        land_use = self._layer("land_use")
        if isinstance(classes, str):
            row = self._row(self.land_cover, **{"class": classes})
            if row is not None:
                return float(row["area_m2"])
        return float(
            land_cover_area(land_use, classes, method=self.method, class_sets=self.classes)
        )

    def count(self, role: str) -> int:
        """Number of features of the role (of a tiled layer: as the workers counted them)."""
        layer = self._layer(role)
        if role in self._tiled:
            return int(self._row(self.coverage, role=role)["features"])
        return len(layer)

    # ------------------------------------------------------------------ display
    def explore(self, **kwargs: Any):
        """The offline interactive map of the county (:func:`ecospace.make_map`)."""
        # folium (with requests) costs every measuring command ~0.5 s to import: only here
        from ecospace.rendering.maps import make_map

        kwargs.setdefault("title", self.title)
        kwargs.setdefault("method", self.method)
        return make_map(self.layers, conflicts=self.conflicts, **kwargs)

    def __repr__(self) -> str:
        name = f" {self.name}" if self.name else ""
        crs = self.crs
        where = f"EPSG:{crs.to_epsg()}" if crs is not None and crs.to_epsg() else "no CRS"
        roles = ", ".join(self.layers)
        return f"<County{name}: {len(self.layers)} layers ({roles}) in {where}, {self.method} area>"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{escape(str(r.role))}</td><td>{escape(str(r.layer))}</td>"
            f"<td style='text-align:right'>{int(r.features):,}</td>"
            f"<td>{escape(str(r.crs_name if 'crs_name' in r._fields else ''))}</td></tr>"
            for r in self.inventory.itertuples()
        )
        title = escape(repr(self))
        return (
            f"<div><b>{title}</b><table><tr><th>role 角色</th><th>layer 图层</th>"
            f"<th>features 要素</th><th>CRS</th></tr>{rows}</table></div>"
        )


def _is_tiled_layer(layer: Any) -> bool:
    return not isinstance(layer, gpd.GeoDataFrame) and hasattr(layer, "read_bbox")


def _with_tiled(layers: Mapping[str, Any], tiled: Sequence[Any]) -> dict[str, Any]:
    """``layers`` with the tiled sources that have a role, in the order of the roles.

    County and township boundaries are small and needed whole: they are read (and
    repaired) here; the other layers are kept as :class:`Repaired` sources.
    """
    out = dict(layers)
    labels = {r: getattr(v, "label", r) for r, v in out.items()}
    for source in tiled:
        role = source.role
        if role is None:
            continue
        if role in out:
            raise RoleError(
                f"two layers claim role {role} ({ROLE_LABELS[role]['zh']}): {labels[role]} and "
                f"{source.label}; choose one with --role {source.name}=none, or list only one "
                "source"
            )
        layer = Repaired(source)
        if role in WHOLE_ROLES:
            gdf = layer.read()
            line = repair_summary(layer.label, gdf.attrs.pop(REPAIRS_ATTR, None))
            if line:
                warnings.warn(line, RepairWarning, stacklevel=3)
            out[role] = gdf
        else:
            out[role] = layer
        labels[role] = source.label
    return {r: out[r] for r in ROLES if r in out}


def _inventory_row(role: str, layer: Any) -> dict[str, Any]:
    if hasattr(layer, "gdf"):
        return inventory({role: layer}).iloc[0].to_dict()
    if _is_tiled_layer(layer):
        crs = layer.crs
        return {
            "source": layer.label,
            "layer": layer.name,
            "role": role,
            "features": None,  # counted by the workers (coverage)
            "epsg": crs.to_epsg(),
            "crs_name": crs.name,
        }
    crs = layer.crs
    return {
        "source": "(GeoDataFrame)",
        "layer": role,
        "role": role,
        "features": len(layer),
        "epsg": crs.to_epsg() if crs is not None else None,
        "crs_name": crs.name if crs is not None else None,
    }


def _layer_options(plans, *, crs=None, crss=None, roles=None) -> dict[str, Any]:
    """``roles``, ``crs``, ``crss`` and ``encodings`` for :meth:`County.open` from plans.

    A ``layers:`` entry's ``role:``, ``crs:`` and ``encoding:`` belong to the layer it
    names; the ``crs:`` of an entry naming a folder (a delivery) is the CRS of the layers
    in it that lack one.  ``roles`` and ``crss`` given here go over the plans'; ``crs`` over
    a folder's.
    """
    plan_roles: dict[str, Any] = {}
    plan_crss: dict[str, Any] = {}
    encodings: dict[str, str] = {}
    for plan in plans:
        plan_roles.update({src: role for src, role in plan.layer_sources() if role})
        for src, given in plan.layer_options().items():
            folder = Path(src).is_dir() and Path(src).suffix.lower() != ".gdb"
            if "crs" in given and folder:
                crs = crs if crs is not None else given["crs"]
            elif "crs" in given:
                plan_crss[src] = given["crs"]
            if "encoding" in given:
                encodings[src] = given["encoding"]
    return {
        "roles": {**plan_roles, **dict(roles or {})} or None,
        "crs": crs,
        "crss": {**plan_crss, **dict(crss or {})} or None,
        "encodings": encodings or None,
    }
