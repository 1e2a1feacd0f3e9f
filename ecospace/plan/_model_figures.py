"""What a plan states: the :class:`Plan`, its :class:`Figure` s and :class:`Quantity` s.

A figure's precision is one unit in the last decimal it was written with
(:func:`precision_of`); :func:`compare` decides pass, fail or within precision at that
precision.  Reading and writing plan files is :mod:`ecospace.plan.model`'s.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ecospace._layer_spec import is_database, split_spec
from ecospace.errors import PlanError
from ecospace.plan._schema import AREA_UNITS, Status, normalize_op


def precision_of(text: str | float | int) -> float:
    """One unit in the last written decimal of a number: the precision it was stated to.

    Parameters
    ----------
    text : str, float or int
        The number as written (``"97065.60"``); a float is taken at its shortest repr,
        which drops trailing zeros (a whole float such as ``30.0`` counts as ``30``), so
        pass the text when it matters.  Plans read from YAML keep the written text.

    Examples
    --------
    >>> precision_of("30.73"), precision_of("7512"), precision_of("97065.60")
    (0.01, 1.0, 0.01)
    >>> precision_of("1.5e+3"), precision_of(30), precision_of(30.0), precision_of(30.5)
    (100.0, 1.0, 1.0, 0.1)
    """
    if isinstance(text, float) and text.is_integer() and abs(text) < 1e15:
        text = int(text)  # a Python float has no written text: 30.0 is the number 30
    s = str(text).strip().replace("_", "")
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise PlanError(f"{text!r} is not a number") from None
    if not d.is_finite():
        raise PlanError(f"{text!r} is not a finite number")
    exponent = d.as_tuple().exponent
    return float(Decimal(1).scaleb(exponent))


def compare(op: str, stated: float, measured: float, precision: float) -> Status:
    """Compare a measured value with a plan's figure at the figure's stated precision.

    Parameters
    ----------
    op : {">=", "<=", "=", ">", "<"} (or a spelling :func:`normalize_op` accepts)
        The plan's comparison: the measured value should be ``op`` the stated value.
    stated, measured : float
        Both in the figure's unit.
    precision : float
        One unit of the last decimal the plan wrote (0.01 for 30.73 %).

    Returns
    -------
    {"pass", "fail", "within precision"}
        ``pass`` when the comparison holds exactly (for ``=``: when the measurement rounds
        to the stated value); ``within precision`` when it fails but the measurement is
        within half a precision step of the stated value — written to the plan's precision
        it would read as the stated figure; ``fail`` otherwise.

    Notes
    -----
    With tolerance :math:`t = p/2`, writing :math:`m` for measured and :math:`s` for stated:
    ``>=`` passes when :math:`m \\ge s`, is within precision when :math:`s - t \\le m < s`;
    ``>`` passes when :math:`m > s`, is within precision when :math:`s - t \\le m \\le s`;
    ``=`` passes when :math:`|m - s| \\le t`.  A relative allowance of 1e-9 absorbs
    binary floating-point noise (30.73 − 30.725 is 0.0050000000000026 in floats).

    Examples
    --------
    >>> compare(">=", 30.73, 30.725, 0.01), compare(">=", 30.73, 30.72, 0.01)
    ('within precision', 'fail')
    >>> compare("不低于", 230423.56, 230500.0, 0.01)
    'pass'
    """
    op = normalize_op(op)
    if not (precision > 0 and math.isfinite(precision)):
        raise PlanError(f"precision must be a positive number, got {precision!r}")
    m, s = float(measured), float(stated)
    if not math.isfinite(m):
        raise PlanError(f"measured value must be finite, got {measured!r}")
    tol = precision / 2 + 1e-9 * max(abs(s), abs(m), precision)
    near = abs(m - s) <= tol
    if op == "=":
        return "pass" if near else "fail"
    holds = {">=": m >= s, "<=": m <= s, ">": m > s, "<": m < s}[op]
    if holds:
        return "pass"
    return "within precision" if near else "fail"


@dataclass
class Quantity:
    """A stated quantity: the region's total area, or its survey area.

    ``value_text`` keeps the number as written (``"7512"``) so its precision is known;
    ``source`` names where a survey area comes from (第三次全国国土调查…).
    """

    value: float
    unit: str
    quote: str | None = None
    line: int | None = None
    precision: float | None = None
    value_text: str | None = None
    source: str | None = None

    @property
    def precision_value(self) -> float:
        """The explicit precision, else one unit in the last written decimal."""
        if self.precision is not None:
            return float(self.precision)
        return precision_of(self.value_text if self.value_text is not None else self.value)


@dataclass
class LayerSpec:
    """Where one layer comes from: ``PATH[:LAYER]`` relative to the plan file, and its role.

    ``crs`` (``"EPSG:4551"``) overrides the CRS the layer's file states or lacks;
    ``encoding`` (``"GBK"``) the text encoding of a shapefile's attributes.
    """

    path: str
    role: str | None = None
    crs: str | None = None
    encoding: str | None = None


@dataclass
class Figure:
    """One figure of a plan: a number stated about one measurable quantity.

    Fields are the keys of a figure in the plan file; ``value_text`` keeps the number as
    written and is not a key of its own.
    """

    id: str
    measure: str
    op: str
    value: float
    unit: str
    label: str | None = None
    role: str | None = None
    roles: list[str] | None = None
    within: str | None = None
    classes: str | list[str] | None = None
    precision: float | None = None
    year: int | None = None
    binding: bool | None = None
    quote: str | None = None
    line: int | None = None
    note: str | None = None
    value_text: str | None = None

    @property
    def precision_value(self) -> float:
        """The explicit precision, else one unit in the last written decimal of the value.

        Examples
        --------
        >>> Figure("f", "share", ">=", 30.73, "%", role="red_line").precision_value
        0.01
        >>> g = Figure("g", "area", ">=", 97065.6, "ha", role="red_line", value_text="97065.60")
        >>> g.precision_value
        0.01
        """
        if self.precision is not None:
            return float(self.precision)
        return precision_of(self.value_text if self.value_text is not None else self.value)

    @property
    def is_share(self) -> bool:
        """True when the figure is a share of the total area (unit ``%`` of share/land_cover)."""
        return self.measure in ("share", "land_cover") and self.unit == "%"

    @property
    def is_area(self) -> bool:
        """True when the figure is an area of one role or land-cover class set."""
        return self.measure in ("area", "land_cover") and self.unit in AREA_UNITS

    @property
    def subject(self) -> str | None:
        """What the figure is about, for matching area and share figures of one quantity.

        ``red_line`` for a role; ``classes:forest`` for a land-cover class set; None for
        overlaps, containment, counts and stated figures.
        """
        if self.measure in ("area", "share") and self.role:
            return self.role
        if self.measure in ("land_cover", "share") and self.classes is not None:
            c = self.classes
            return "classes:" + (c if isinstance(c, str) else ",".join(sorted(c)))
        return None

    def compare(self, measured: float) -> Status:
        """Compare a measured value (in this figure's unit) with this figure (:func:`compare`)."""
        return compare(self.op, self.value, measured, self.precision_value)


@dataclass
class Plan:
    """A plan file, loaded and checked (:func:`load_plan`)."""

    name: str
    figures: list[Figure]
    region: str | None = None
    code: str | None = None
    total_area: Quantity | None = None
    survey_area: Quantity | None = None
    source_text: str | None = None
    denominator: str = "boundary"
    method: str = "ellipsoid"
    layers: list[LayerSpec] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    land_cover_classes: dict[str, list[str]] = field(default_factory=dict)
    path: Path | None = None

    def figure(self, figure_id: str) -> Figure:
        """The figure with this id (PlanError naming the ids there are, otherwise)."""
        for f in self.figures:
            if f.id == figure_id:
                return f
        ids = ", ".join(f.id for f in self.figures)
        raise PlanError(f"{self._where()}: no figure {figure_id!r}; the figures are {ids}")

    def resolve(self, relative: str | os.PathLike) -> Path:
        """A path written in the plan file, resolved against the folder holding the plan."""
        p = Path(relative)
        if p.is_absolute() or self.path is None:
            return p
        return (Path(self.path).parent / p).resolve()

    def layer_options(self) -> dict[str, dict[str, str]]:
        """``PATH[:LAYER]`` (resolved) -> the ``crs`` and ``encoding`` the plan gives it.

        Examples
        --------
        >>> Plan("p", [], layers=[LayerSpec("a.shp", crs="EPSG:4551")]).layer_options()
        {'a.shp': {'crs': 'EPSG:4551'}}
        """
        out = {}
        for (src, _), spec in zip(self.layer_sources(), self.layers, strict=True):
            given = {k: getattr(spec, k) for k in ("crs", "encoding") if getattr(spec, k)}
            if given:
                out[src] = given
        return out

    def layer_sources(self) -> list[tuple[str, str | None]]:
        """``(PATH[:LAYER], role)`` of each layer, the path resolved against the plan file.

        A PostGIS source (``postgresql://…``, ``PG:…``) is passed on as written.
        """
        out = []
        for spec in self.layers:
            if is_database(spec.path):  # postgresql://… or PG:…: not a file path
                out.append((spec.path, spec.role))
                continue
            path, layer = split_spec(spec.path, exists=self._exists, guess=True)
            resolved = str(self.resolve(path))
            out.append((f"{resolved}:{layer}" if layer else resolved, spec.role))
        return out

    def _exists(self, path: str) -> bool:
        return self.resolve(path).exists()

    def _where(self) -> str:
        return str(self.path) if self.path is not None else f"plan {self.name!r}"
