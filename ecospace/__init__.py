"""ecospace: check spatial-planning layers (三区三线) against the figures written in plans.

Data flows ``layers → area / overlap → check → report / maps``.
"""

from importlib.metadata import PackageNotFoundError, version

from ._errors import (
    CRSError,
    EcospaceError,
    FieldError,
    FontError,
    GeometryError,
    LayerNotFoundError,
    LayerReadError,
    MethodError,
    PlanError,
    RoleError,
    UnitError,
)
from .area import areas
from .check import CheckResult, check
from .units import convert, round_balanced

try:
    __version__ = version("ecospace")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "CRSError",
    "CheckResult",
    "EcospaceError",
    "FieldError",
    "FontError",
    "GeometryError",
    "LayerNotFoundError",
    "LayerReadError",
    "MethodError",
    "PlanError",
    "RoleError",
    "UnitError",
    "__version__",
    "areas",
    "check",
    "convert",
    "round_balanced",
]
