"""What measuring a county returns: :class:`CountyFigures`, and the denominator its shares use.

Public from :mod:`ecospace.measuring.stats`, where callers import them from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ecospace._limits import check_denominator
from ecospace.errors import PlanError
from ecospace.vocabulary import DENOMINATORS, DenominatorSource

__all__ = ["DENOMINATOR_SOURCES", "CountyFigures", "checked_denominator"]

#: What a county's shares can divide by (:func:`measure_county`'s ``denominator_source``).
DENOMINATOR_SOURCES = DENOMINATORS


@dataclass
class CountyFigures:
    """Every figure measured on a county's layers (all areas m², shares fractions).

    Attributes
    ----------
    denominator_m2 : float or None
        Total area the shares refer to.
    denominator_source : str
        ``"boundary"`` (computed area of the boundary layer), ``"stated"`` (a total given
        by the caller, e.g. the plan's), ``"survey"`` (the plan's survey area, given by the
        caller) or ``"none"``.
    method : str
        Area method used throughout.
    coverage : DataFrame
        :func:`ecospace.measuring.overlap.coverage` of every role.
    overlaps : DataFrame
        :func:`ecospace.measuring.overlap.overlap_matrix`.
    containment : DataFrame
        ``inner, outer, inner_m2, inside_m2, outside_m2, share_outside, features_outside``.
    self_overlaps : DataFrame
        Per role: ``role, pairs, duplicate_pairs, pair_overlap_m2, double_counted_m2``.
    townships : DataFrame or None
        :func:`township_table` (None without a townships layer).
    land_cover : DataFrame or None
        :func:`land_cover` on the land-use layer (None without one).
    conflicts : dict of str to GeoDataFrame
        Conflict features by type, ready for :func:`ecospace.measuring.overlap.write_conflicts`
        (``attrs["area_method"]`` of each is ``method``).
    crs : str or None
        The working CRS the overlays ran in (``"EPSG:4529 CGCS2000 / 3-degree
        Gauss-Kruger zone 41"``).
    land_cover_raster : DataFrame or None
        :func:`raster_land_cover`, when a classified raster was measured too.
    """

    denominator_m2: float | None
    denominator_source: str
    method: str
    coverage: pd.DataFrame
    overlaps: pd.DataFrame
    containment: pd.DataFrame
    self_overlaps: pd.DataFrame
    townships: pd.DataFrame | None = None
    land_cover: pd.DataFrame | None = None
    conflicts: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    crs: str | None = None
    land_cover_raster: pd.DataFrame | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: the tables as lists of records, conflicts as counts and areas."""

        def rec(df):
            if df is None:
                return None
            return df.replace({np.nan: None}).to_dict(orient="records")

        return {
            "method": self.method,
            "crs": self.crs,
            "denominator_m2": self.denominator_m2,
            "denominator_source": self.denominator_source,
            "coverage": rec(self.coverage),
            "overlaps": rec(self.overlaps),
            "containment": rec(self.containment),
            "self_overlaps": rec(self.self_overlaps),
            "townships": rec(self.townships),
            "land_cover": rec(self.land_cover),
            "land_cover_raster": rec(self.land_cover_raster),
            "conflicts": {
                k: {"features": len(v), "area_m2": float(v["area_m2"].sum())}
                for k, v in self.conflicts.items()
            },
        }


def checked_denominator(
    denominator_m2: float | None, denominator_source: DenominatorSource | None
) -> float | None:
    """``denominator_m2`` once it and what it is are known to fit together.

    Raises
    ------
    PlanError
        ``denominator_source`` is not one of :data:`DENOMINATOR_SOURCES`, or is ``"stated"``
        or ``"survey"`` without the area itself.
    ValueRangeError
        The area is not a positive finite number.

    Examples
    --------
    >>> checked_denominator(1e6, "stated"), checked_denominator(None, None)
    (1000000.0, None)
    """
    if denominator_source not in (None, *DENOMINATOR_SOURCES):
        raise PlanError(
            f"denominator_source {denominator_source!r} is not known; use one of "
            f"{', '.join(map(repr, DENOMINATOR_SOURCES))}"
        )
    if denominator_source in ("stated", "survey") and denominator_m2 is None:
        raise PlanError(
            f"denominator_source={denominator_source!r} needs denominator_m2, the area "
            "itself; pass it, or denominator_source='boundary' to use the boundary layer"
        )
    return check_denominator(denominator_m2)
