"""The layers a check's map and annex draw, a tiled layer read only when drawn.

Private helper of :mod:`ecospace.checking.check`.  With tiled sources (PostGIS tables,
converted GeoParquet datasets measured by the workers) the figures never need a whole
layer in this process; the offline map and the Word annex do, since they draw every
patch.  :class:`DrawingLayers` is the ``frames`` of such a :class:`CheckResult`: the
layers read whole anyway (boundary, townships, files) as they are, a tiled layer read
(:meth:`ecospace.measuring.county.County.whole`) the first time a renderer asks for it —
so ``--no-map`` reads nothing more.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import geopandas as gpd


class DrawingLayers(Mapping):
    """Role → layer in the working CRS, the tiled ones read whole on first use (to draw).

    Parameters
    ----------
    county : County
        The measured county (:class:`ecospace.measuring.county.County`).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from ecospace.measuring.county import County
    >>> c = County({"red_line": gpd.GeoDataFrame(geometry=[box(0, 0, 3, 1)], crs=4529)})
    >>> layers = DrawingLayers(c)
    >>> list(layers), float(layers["red_line"].area.sum())
    (['red_line'], 3.0)
    """

    def __init__(self, county: Any) -> None:
        self.county = county

    def __getitem__(self, role: str) -> gpd.GeoDataFrame:
        if role not in self.county.working:
            raise KeyError(role)
        return self.county.whole(role)

    def __iter__(self) -> Iterator[str]:
        return iter(self.county.working)

    def __len__(self) -> int:
        return len(self.county.working)
