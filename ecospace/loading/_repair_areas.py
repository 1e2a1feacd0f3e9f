"""Areas of what validation and repair change: polygonal parts, finite parts, as read.

A repair is announced with the area it changed, measured by the official ellipsoidal
method (:func:`ecospace.geometry.area.areas`); these helpers give that area for
features the repair changes shape: a GeometryCollection reduced to its polygonal parts,
a feature with NaN/inf coordinates whose finite vertices still enclose something.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import shapely

from ecospace.geometry.area import areas

__all__ = ["collection_part_areas", "ellipsoid_areas", "finite_part_areas", "polygonal_parts"]


def polygonal_parts(geoms: np.ndarray) -> np.ndarray:
    """Polygonal part of each geometry (collections filtered), None when there is none."""
    out = geoms.copy()
    types = shapely.get_type_id(geoms)
    coll = types == 7
    if coll.any():
        parts, idx = shapely.get_parts(geoms[coll], return_index=True)
        keep = np.isin(shapely.get_type_id(parts), (3, 6))
        merged = np.full(coll.sum(), None, dtype=object)
        if keep.any():
            # a polygon and a multipolygon part of one collection are merged by union
            grouped = (
                pd.Series(parts[keep])
                .groupby(idx[keep])
                .agg(lambda s: shapely.union_all(s.to_numpy()))
            )
            merged[grouped.index.to_numpy()] = grouped.to_numpy()
        out[coll] = merged
    other = ~coll & ~np.isin(types, (3, 6))
    out[other] = None
    return out


def finite_part_areas(geoms: np.ndarray, crs) -> np.ndarray:
    """Ellipsoidal area of each geometry from its finite vertices only (NaN when no ring
    keeps three): what a feature with NaN/inf coordinates covered, as far as can be known."""
    out = np.full(len(geoms), np.nan)
    for k, g in enumerate(geoms):
        polys = [p for p in shapely.get_parts(g) if shapely.get_type_id(p) == 3]
        kept = []
        for p in polys:
            rings = [np.asarray(r.coords)[:, :2] for r in (p.exterior, *p.interiors)]
            rings = [r[np.isfinite(r).all(axis=1)] for r in rings]
            if len(rings[0]) >= 3:
                holes = [r for r in rings[1:] if len(r) >= 3]
                kept.append(shapely.make_valid(shapely.Polygon(rings[0], holes)))
        if kept:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                out[k] = float(
                    ellipsoid_areas(polygonal_parts(np.array(kept, dtype=object)), crs).sum()
                )
    return out


def collection_part_areas(colls: np.ndarray, crs) -> np.ndarray:
    """Sum of the polygonal parts' areas of each collection, as read (overlaps twice)."""
    parts, idx = shapely.get_parts(colls, return_index=True)
    poly = np.isin(shapely.get_type_id(parts), (3, 6))
    out = np.zeros(len(colls))
    if poly.any():
        np.add.at(out, idx[poly], ellipsoid_areas(parts[poly], crs))
    return out


def ellipsoid_areas(geoms, crs) -> np.ndarray:
    """Ellipsoidal area (m²) of each geometry, quietly: broken ones give NaN, not warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return areas(np.asarray(geoms, dtype=object), crs, method="ellipsoid")
