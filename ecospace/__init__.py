"""ecospace: check spatial-planning layers (三区三线) against the figures written in plans.

The package is laid out in the order data flows, one folder a stage:

``loading`` (sources, CRS, validation, roles) → ``measuring`` (coverage, overlaps,
townships, land cover; areas from ``geometry``) → ``checking`` (against a ``plan``) →
``rendering`` (reports, maps, annexes); ``cli`` wires them together.

>>> import ecospace
>>> ecospace.convert(1, "ha", "mu")
15.0

Names are imported on first use, so ``import ecospace`` pulls in no GIS library and the
plan stage (``ecospace.plan``) works without geopandas, shapely or pyproj.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ecospace._deprecated import install
from ecospace._version import __version__
from ecospace.errors import (
    CRSError,
    EcospaceError,
    FieldError,
    FontError,
    GeometryError,
    LayerNotFoundError,
    LayerReadError,
    MethodError,
    OutputError,
    OutputExistsError,
    PlanError,
    RoleError,
    UnitError,
    ValueRangeError,
)

#: public name -> the module that defines it
_LAZY: dict[str, str] = {
    **dict.fromkeys(["convert", "round_balanced"], "ecospace.units"),
    **dict.fromkeys(
        ["AreaDistortionWarning", "areas", "compare_area_field", "method_label", "total_area"],
        "ecospace.geometry.area",
    ),
    **dict.fromkeys(["Figure", "Plan", "dump_plan", "load_plan"], "ecospace.plan.model"),
    **dict.fromkeys(["Finding", "audit_plan"], "ecospace.plan.audit"),
    "extract_figures": "ecospace.plan.extract",
    **dict.fromkeys(
        ["ROLES", "Layer", "inventory", "list_layers", "load_layers", "read_layer"],
        "ecospace.loading.layers",
    ),
    **dict.fromkeys(["RepairWarning", "ValidationWarning"], "ecospace.loading.validate"),
    **dict.fromkeys(
        [
            "coverage",
            "outside_pieces",
            "overlap_area",
            "overlap_matrix",
            "overlap_pieces",
            "self_overlaps",
            "union_area",
            "write_conflicts",
        ],
        "ecospace.measuring.overlap",
    ),
    **dict.fromkeys(
        [
            "CLASS_SETS",
            "County",
            "CountyFigures",
            "land_cover",
            "measure_county",
            "raster_land_cover",
            "township_table",
        ],
        "ecospace.measuring.stats",
    ),
    "County": "ecospace.measuring.county",
    **dict.fromkeys(["CheckResult", "check"], "ecospace.checking.check"),
    **dict.fromkeys(["make_map", "save_map"], "ecospace.rendering.maps"),
    "make_annex": "ecospace.rendering.annex",
}

#: old module paths (before the stage folders), kept one release with a DeprecationWarning
_MOVED: dict[str, str | tuple[str, ...]] = {
    "area": "ecospace.geometry.area",
    "crs": "ecospace.geometry.crs",
    "layers": "ecospace.loading.layers",
    "validate": "ecospace.loading.validate",
    "overlap": "ecospace.measuring.overlap",
    "stats": "ecospace.measuring.stats",
    "audit": "ecospace.plan.audit",
    "extract": "ecospace.plan.extract",
    "report": ("ecospace.rendering.report", "ecospace.rendering.outputs"),
    "maps": "ecospace.rendering.maps",
    "annex": "ecospace.rendering.annex",
    "check": "ecospace.checking.check",
}
install(__name__, _MOVED)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ecospace' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
    "OutputError",
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
