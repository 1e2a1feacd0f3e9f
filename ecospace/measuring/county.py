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

import logging
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyproj

from ecospace.errors import EcospaceError, RoleError
from ecospace.geometry.crs import reproject, to_working, working_crs
from ecospace.loading.layers import inventory
from ecospace.loading.tiled_sources import (
    REPAIRS_ATTR,
    repair_summary,
    repair_table,
)
from ecospace.loading.validate import RepairWarning
from ecospace.measuring._county_sources import (
    inputs_options,
    inventory_row,
    is_tiled_layer,
    layer_options,
    open_layers,
    row_of,
)
from ecospace.measuring._pairs import _areas, _clean, _outside_geoms
from ecospace.measuring.overlap import check_same_crs, overlap_area
from ecospace.measuring.partition import measure_partitioned
from ecospace.measuring.stats import CLASS_SETS, CountyFigures, land_cover_area
from ecospace.rendering.county_tables import layers_html
from ecospace.vocabulary import DenominatorSource, Method

__all__ = ["County"]

log = logging.getLogger("ecospace")

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
        self._whole: dict[str, gpd.GeoDataFrame] = {}  # tiled layers read whole (to draw)

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
        layers = open_layers(
            sources,
            roles=roles,
            aliases=aliases,
            crs=crs,
            crss=crss,
            encodings=encodings,
            engine=engine,
            tiled=tiled,
        )
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
            **layer_options([plan], crs=crs, crss=crss, roles=roles),
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
        paths, options = inputs_options(inputs, crs=crs, crss=crss, roles=roles, method=method)
        if not paths:
            return cls({}, method=options["method"])
        return cls.open(paths, **options)

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
        return [r for r, v in self.layers.items() if is_tiled_layer(v)]

    @property
    def tiled_roles(self) -> list[str]:
        """Roles whose layer is a tiled source, measured by the workers tile by tile."""
        return list(self._tiled)

    def whole(self, role: str) -> gpd.GeoDataFrame:
        """The role's layer whole, in the working CRS; a tiled layer is read here, once.

        For what needs every feature in this process — drawing the map and the annex —
        never for figures (the workers measure a tiled layer tile by tile).  A tiled layer
        is read and repaired as the workers read it (their repairs are reported with the
        figures) and kept.

        Examples
        --------
        >>> from ecospace.loading.tiled_sources import Repaired, open_tiled
        >>> c = County({"red_line": Repaired(open_tiled(["layers/demo.gpkg:STBHHX"])[0])})
        >>> c.tiled_roles
        ['red_line']
        >>> red = c.whole("red_line")  # EPSG:4490 in the file: a Gauss–Krüger zone here
        >>> len(red), red.crs.to_epsg(), c.whole("red_line") is red
        (385, 4530, True)
        """
        layer = self._layer(role)
        if role not in self._tiled:
            return layer
        if role not in self._whole:
            log.info("reading %s whole to draw it (a map draws every patch)", layer.label)
            gdf = layer.read()
            gdf.attrs.pop(REPAIRS_ATTR, None)
            target = self.crs or working_crs([gdf])
            self._whole[role] = gdf if gdf.crs.equals(target) else reproject(gdf, target)
        return self._whole[role]

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
        rows = [inventory_row(role, layer) for role, layer in self.layers.items()]
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

    def union_m2(self, role: str) -> float:
        """m² of the union of the role's features (overlaps counted once)."""
        self._layer(role)
        row = row_of(self.coverage, role=role)
        return float(row["union_m2"])

    def inside_m2(self, role: str) -> float:
        """m² of the role's union inside the county boundary; the whole union without one."""
        row = row_of(self.coverage, role=role)
        if row is not None and "inside_m2" in row and not math.isnan(float(row["inside_m2"])):
            return float(row["inside_m2"])
        return self.union_m2(role)

    def overlap_m2(self, a: str, b: str) -> float:
        """m² where the unions of roles ``a`` and ``b`` overlap."""
        layer_a, layer_b = self._layer(a), self._layer(b)
        for ra, rb in ((a, b), (b, a)):
            row = row_of(self.overlaps, role_a=ra, role_b=rb)
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
        row = row_of(self.containment, inner=inner, outer=outer)
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
            row = row_of(self.land_cover, **{"class": classes})
            if row is not None:
                return float(row["area_m2"])
        if "land_use" in self._tiled:  # the workers measure the land cover table's sets only
            raise RoleError(
                f"land cover of {classes!r} on the tiled land-use layer {land_use.label}: "
                "name these codes as a class set under the plan's land_cover_classes"
            )
        return float(
            land_cover_area(land_use, classes, method=self.method, class_sets=self.classes)
        )

    def count(self, role: str) -> int:
        """Number of features of the role (of a tiled layer: as the workers counted them)."""
        layer = self._layer(role)
        if role in self._tiled:
            return int(row_of(self.coverage, role=role)["features"])
        return len(layer)

    # ------------------------------------------------------------------ display
    def explore(self, **kwargs: Any):
        """The offline interactive map of the county (:func:`ecospace.make_map`); a tiled
        layer is read whole to draw it (:meth:`whole`)."""
        # folium (with requests) costs every measuring command ~0.5 s to import: only here
        from ecospace.rendering.maps import make_map

        kwargs.setdefault("title", self.title)
        kwargs.setdefault("method", self.method)
        layers = {r: self.whole(r) if r in self._tiled else v for r, v in self.layers.items()}
        return make_map(layers, conflicts=self.conflicts, **kwargs)

    def __repr__(self) -> str:
        name = f" {self.name}" if self.name else ""
        crs = self.crs
        where = f"EPSG:{crs.to_epsg()}" if crs is not None and crs.to_epsg() else "no CRS"
        roles = ", ".join(self.layers)
        return f"<County{name}: {len(self.layers)} layers ({roles}) in {where}, {self.method} area>"

    def _repr_html_(self) -> str:
        return layers_html(repr(self), self.inventory)
