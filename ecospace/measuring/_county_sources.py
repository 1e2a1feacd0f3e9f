"""How a :class:`~ecospace.measuring.county.County` gets its layers (private).

Files are read and validated here; PostGIS tables and converted GeoParquet datasets may stay
tiled sources, read by the partitioned engine's workers; plan files give paths, roles, CRSs
and encodings.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from ecospace.errors import RoleError
from ecospace.loading._roles import ROLE_LABELS, ROLES
from ecospace.loading.layers import inventory, load_layers
from ecospace.loading.tiled_sources import (
    REPAIRS_ATTR,
    Repaired,
    is_tiled,
    open_tiled,
    repair_summary,
)
from ecospace.loading.validate import RepairWarning
from ecospace.measuring.partition import WHOLE_ROLES
from ecospace.plan.model import load_plan
from ecospace.vocabulary import Method


def open_layers(
    sources: str | Path | Iterable[str | Path],
    *,
    roles: Mapping[str, str | None] | None = None,
    aliases: Mapping[str, str] | None = None,
    crs: Any = None,
    crss: Mapping[str, Any] | None = None,
    encodings: Mapping[str, str] | None = None,
    engine: str | None = None,
    tiled: bool = False,
) -> dict[str, Any]:
    """The layers of ``sources`` by role: files read and validated, tiled sources kept
    (``tiled=True``) for the workers.  See :meth:`County.open`."""
    items = [str(s) for s in ([sources] if isinstance(sources, (str, Path)) else sources)]
    loader = {"engine": engine} if engine else {}
    kept = [s for s in items if tiled and is_tiled(s)]
    files = [s for s in items if s not in kept]
    layers = load_layers(
        files, roles=roles, aliases=aliases, crs=crs, crss=crss, encodings=encodings, **loader
    )
    if kept:
        layers = with_tiled(layers, open_tiled(kept, roles=roles))
    return layers


def inputs_options(
    inputs: Iterable[str | Path],
    *,
    crs: Any = None,
    crss: Mapping[str, Any] | None = None,
    roles: Mapping[str, str | None] | None = None,
    method: Method | None = None,
) -> tuple[list[str], dict[str, Any]]:
    """Sources and :meth:`County.open` options from ``PATH[:LAYER]`` sources and/or plan
    files, mixed (see :meth:`County.from_inputs`)."""
    from_plans, sources = [], []
    for item in inputs:
        is_plan = str(item).lower().endswith((".yaml", ".yml"))
        (from_plans if is_plan else sources).append(item)
    if not from_plans:
        options = {"crs": crs, "crss": crss, "roles": roles, "method": method or "ellipsoid"}
        return [str(s) for s in sources], options
    plans = [load_plan(p) for p in from_plans]
    specs = [spec for plan in plans for spec in plan.layer_sources()]
    aliases = {k: v for plan in plans for k, v in (plan.aliases or {}).items()}
    return [src for src, _ in specs] + [str(s) for s in sources], {
        "aliases": aliases or None,
        **layer_options(plans, crs=crs, crss=crss, roles=roles),
        "method": method or plans[0].method or "ellipsoid",
        "classes": plans[0].land_cover_classes or None,
        "name": plans[0].name,
    }


def is_tiled_layer(layer: Any) -> bool:
    return not isinstance(layer, gpd.GeoDataFrame) and hasattr(layer, "read_bbox")


def with_tiled(layers: Mapping[str, Any], tiled: Sequence[Any]) -> dict[str, Any]:
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
            gdf.attrs.update(source=source.label, layer=source.name)  # for the inventory
            line = repair_summary(layer.label, gdf.attrs.pop(REPAIRS_ATTR, None))
            if line:
                warnings.warn(line, RepairWarning, stacklevel=3)
            out[role] = gdf
        else:
            out[role] = layer
        labels[role] = source.label
    return {r: out[r] for r in ROLES if r in out}


def inventory_row(role: str, layer: Any) -> dict[str, Any]:
    if hasattr(layer, "gdf"):
        return inventory({role: layer}).iloc[0].to_dict()
    if is_tiled_layer(layer):
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
        "source": layer.attrs.get("source", "(GeoDataFrame)"),
        "layer": layer.attrs.get("layer", role),
        "role": role,
        "features": len(layer),
        "epsg": crs.to_epsg() if crs is not None else None,
        "crs_name": crs.name if crs is not None else None,
    }


def layer_options(plans, *, crs=None, crss=None, roles=None) -> dict[str, Any]:
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


def row_of(table: pd.DataFrame | None, **match: str) -> pd.Series | None:
    """The first row of a figure table whose columns equal ``match``; None if none.

    Examples
    --------
    >>> t = pd.DataFrame({"role": ["red_line", "basic_farmland"], "union_m2": [5.0, 7.0]})
    >>> float(row_of(t, role="basic_farmland")["union_m2"]), row_of(t, role="x")
    (7.0, None)
    """
    if not isinstance(table, pd.DataFrame) or not len(table):
        return None
    hit = table
    for column, value in match.items():
        if column not in hit:
            return None
        hit = hit[hit[column] == value]
    return hit.iloc[0] if len(hit) else None
