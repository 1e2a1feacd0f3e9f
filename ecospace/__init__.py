"""ecospace: check spatial-planning layers (三区三线) against the figures written in plans.

Data flows ``layers → area / overlap / stats → check → report / maps``:

>>> import ecospace
>>> ecospace.convert(1, "ha", "mu")
15.0

The map and annex functions (:func:`make_map`, :func:`make_annex`) are imported on first
use, so that ``import ecospace`` does not pay for folium and matplotlib.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from ._errors import (
    CRSError,
    EcospaceError,
    FieldError,
    FontError,
    GeometryError,
    LayerNotFoundError,
    LayerReadError,
    MethodError,
    OutputExistsError,
    PlanError,
    RoleError,
    UnitError,
    ValueRangeError,
)
from .area import AreaDistortionWarning, areas, compare_area_field, method_label, total_area
from .audit import Finding, audit_plan
from .check import CheckResult, check
from .extract import extract_figures
from .layers import ROLES, Layer, inventory, list_layers, load_layers, read_layer
from .overlap import (
    coverage,
    outside_pieces,
    overlap_area,
    overlap_matrix,
    overlap_pieces,
    self_overlaps,
    union_area,
    write_conflicts,
)
from .plan import Figure, Plan, dump_plan, load_plan
from .stats import (
    CLASS_SETS,
    CountyFigures,
    land_cover,
    measure_county,
    raster_land_cover,
    township_table,
)
from .units import convert, round_balanced
from .validate import RepairWarning, ValidationWarning

try:
    __version__ = version("ecospace")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

_LAZY = {"make_map": "maps", "save_map": "maps", "make_annex": "annex"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'ecospace' has no attribute {name!r}")


__all__ = [
    "CLASS_SETS",
    "ROLES",
    "AreaDistortionWarning",
    "CRSError",
    "CheckResult",
    "CountyFigures",
    "EcospaceError",
    "FieldError",
    "Figure",
    "Finding",
    "FontError",
    "GeometryError",
    "Layer",
    "LayerNotFoundError",
    "LayerReadError",
    "MethodError",
    "OutputExistsError",
    "Plan",
    "PlanError",
    "RepairWarning",
    "RoleError",
    "UnitError",
    "ValidationWarning",
    "ValueRangeError",
    "__version__",
    "areas",
    "audit_plan",
    "check",
    "compare_area_field",
    "convert",
    "coverage",
    "dump_plan",
    "extract_figures",
    "inventory",
    "land_cover",
    "list_layers",
    "load_layers",
    "load_plan",
    "make_annex",
    "make_map",
    "measure_county",
    "method_label",
    "outside_pieces",
    "overlap_area",
    "overlap_matrix",
    "overlap_pieces",
    "raster_land_cover",
    "read_layer",
    "round_balanced",
    "save_map",
    "self_overlaps",
    "total_area",
    "township_table",
    "union_area",
    "write_conflicts",
]
