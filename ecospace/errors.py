"""Errors raised by ecospace.

Every error is an :class:`EcospaceError`; each subclass also inherits the matching
built-in exception, so callers may catch either (``except OSError`` still works for a
file that cannot be read).  Messages name the file, layer and feature concerned, echo
the bad value and say what to do next.
"""

from __future__ import annotations

__all__ = [
    "CRSError",
    "EcospaceError",
    "FieldError",
    "FontError",
    "GeometryError",
    "LayerNotFoundError",
    "LayerReadError",
    "MethodError",
    "OutputError",
    "OutputExistsError",
    "PlanError",
    "RoleError",
    "UnitError",
    "ValueRangeError",
    "ZoneError",
]


class EcospaceError(Exception):
    """Root of every error ecospace raises on purpose."""


class LayerReadError(EcospaceError, OSError):
    """A source or layer could not be opened or read."""


class LayerNotFoundError(LayerReadError, LookupError):
    """The named layer is not in the source (the message lists the layers that are)."""


class CRSError(EcospaceError, ValueError):
    """A coordinate reference system is missing, unknown or cannot be inferred safely."""


class FieldError(EcospaceError, KeyError):
    """An attribute field named by the user or the plan is not in the layer."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ""


class ZoneError(CRSError):
    """Eastings without zone prefix, and nothing yet to tell the Gauss–Krüger zone by.

    Raised when no other layer (county boundary, townships, red line …) locates the
    data; :func:`ecospace.loading.layers.read_sources` reads such a layer again once the others
    are read.
    """


class GeometryError(EcospaceError, ValueError):
    """Geometries are unusable (no polygons, non-finite coordinates, nothing left after repair)."""


class RoleError(EcospaceError, ValueError):
    """A layer role is unknown, missing or assigned twice."""


class MethodError(EcospaceError, ValueError):
    """An area method cannot be used with the given CRS (e.g. planar area in degrees)."""


class UnitError(EcospaceError, ValueError):
    """An area or share unit is not recognised."""


class OutputError(EcospaceError, OSError):
    """An output cannot be written where asked (an input, a dangling link, a read-only folder)."""


class OutputExistsError(EcospaceError, FileExistsError):
    """An output file is already there and replacing it was not asked for (``--overwrite``)."""


class PlanError(EcospaceError, ValueError):
    """A plan file is malformed; the message names the file, the figure and the field."""


class FontError(EcospaceError, RuntimeError):
    """No font able to draw Chinese text is installed."""


class ValueRangeError(EcospaceError, ValueError):
    """A number or an input is outside the range ecospace accepts (a denominator of 0, a
    plan file too large or too deeply nested); the message says what is allowed."""
