"""The plan stage: a plan's figures as data — model, schema, audit, drafting from text.

Needs no GIS library: ``ecospace audit`` and ``ecospace extract`` run without geopandas,
shapely or pyproj.  The model's public names are importable from here
(``from ecospace.plan import load_plan``).
"""

from ecospace.plan.model import *  # noqa: F403
from ecospace.plan.model import __all__ as _model_all

__all__ = list(_model_all)
