"""What a check found: :class:`CheckResult`, one row per plan figure plus the county's tables.

It renders itself (terminal table, Markdown, HTML in Jupyter, Excel, JSON) with the
formatters of :mod:`ecospace.rendering.report` and writes its outputs with the one
writer, :func:`ecospace.rendering.outputs.write_outputs`.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ecospace.rendering.outputs import write_outputs
from ecospace.rendering.report import (
    repr_html,
    summary,
    to_dict,
    to_excel,
    to_html,
    to_json,
    to_markdown,
    to_table,
)
from ecospace.vocabulary import FIGURE_COLUMNS, FIGURE_ONLY_ROLES

__all__ = ["FIGURE_COLUMNS", "CheckResult"]


@dataclass
class CheckResult:
    """What :func:`check` found: one row per plan figure plus the county's tables.

    Attributes
    ----------
    plan : Plan
        The plan checked.
    figures : DataFrame
        One row per figure (columns :data:`FIGURE_COLUMNS`): ``stated`` and ``measured``
        in the figure's unit, ``difference = measured − stated`` in that unit,
        ``difference_pct`` relative to the stated value, ``status`` one of ``pass``,
        ``fail``, ``within precision``, ``not measured`` (``reason`` says why),
        ``denominator`` (``boundary``/``stated``/``survey``, shares only) with
        ``denominator_m2``, and ``measured_alt``, the share under the other denominator
        (the boundary's area, or for ``boundary`` the stated total).
        ``method_dependent`` is True when the verdict changes with the area method:
        a figure whose measurement lies close to a verdict boundary is measured again by
        ``method_other`` (geodesic for the official series and the reverse; planar area
        is not cross-checked)
        into ``measured_other_method`` and ``status_other_method`` (NaN/None when it is
        too far from the boundary to flip).  A zero-overlap rule of the three control
        lines is judged at the overlap tolerance, 0.01 ha (its ``precision``).
    county : CountyFigures or None
        Coverage, overlaps, containment, townships, land cover and conflicts.
    audit : list of Finding
        The plan's own inconsistencies (:func:`ecospace.plan.audit.audit_plan`).
    layers : DataFrame
        Inventory of the layers used: role, source, layer, features, CRS and how it was found.
    method : str
        Area method.
    denominator : {"boundary", "stated", "survey"}
        Which area shares were divided by.
    denominator_m2, boundary_m2, stated_total_m2, survey_area_m2 : float
        That area, the computed boundary area, the plan's stated total and its survey
        area (NaN if absent).

    Examples
    --------
    A red line of 30 ha in a 100 ha county, against a plan stating ``>= 30 %`` and
    ``>= 35 ha`` (both binding):

    >>> from ecospace.checking._examples import tiny_result
    >>> r = tiny_result()
    >>> r.passed
    False
    >>> r.figures[["id", "status"]]
              id status
    0  red_share   pass
    1   red_area   fail
    >>> r.failed["id"].tolist(), float(r.boundary_m2)
    (['red_area'], 1000000.0)
    """

    plan: Any
    figures: pd.DataFrame
    county: Any = None
    audit: list = field(default_factory=list)
    layers: pd.DataFrame = field(default_factory=pd.DataFrame)
    method: str = "ellipsoid"
    denominator: str = "boundary"
    denominator_m2: float = math.nan
    boundary_m2: float = math.nan
    stated_total_m2: float = math.nan
    survey_area_m2: float = math.nan
    created: str = field(default_factory=lambda: _dt.datetime.now().isoformat(timespec="seconds"))
    elapsed_s: float = 0.0
    map_path: Path | None = None
    frames: dict = field(default_factory=dict, repr=False)

    @property
    def passed(self) -> bool:
        """True when every binding figure passes or is within the stated precision.

        A binding figure that could not be measured (its layer is missing) counts as not
        passed; figures with ``measure: stated`` and figures of a role no layer carries
        (the marine red line) are left out: no layer can measure them.
        """
        f = self.figures
        if not len(f):
            return True
        # figures the plan states but no layer can measure (measure: stated) do not count
        unmeasurable = (f["measure"] == "stated") | f["roles"].isin(FIGURE_ONLY_ROLES)
        binding = f["binding"].astype(bool) & ~unmeasurable
        return bool(f.loc[binding, "status"].isin(["pass", "within precision"]).all())

    @property
    def failed(self) -> pd.DataFrame:
        """The figures that fail or could not be measured."""
        return self.figures[self.figures["status"].isin(["fail", "not measured"])]

    def summary(self) -> dict[str, int]:
        """Number of figures per status, plus ``binding_failed``."""
        return summary(self)

    def to_table(self, lang: Literal["zh", "en"] = "zh") -> str:
        """The verification table as aligned plain text (see ``rendering.report.to_table``)."""
        return to_table(self, lang)

    def to_markdown(self, lang: Literal["zh", "en"] = "zh") -> str:
        """The whole report as Markdown."""
        return to_markdown(self, lang)

    def to_html(self, lang: Literal["zh", "en"] = "zh", **kwargs: Any) -> str:
        """A self-contained HTML report (see :func:`ecospace.rendering.report.to_html`)."""
        return to_html(self, lang, **kwargs)

    def to_excel(self, path: str | Path, lang: Literal["zh", "en"] = "zh") -> Path:
        """Write an Excel workbook, one sheet per section."""
        return to_excel(self, path, lang)

    def to_json(self, path: str | Path | None = None) -> str:
        """The report as JSON (``report.schema.json``); written to ``path`` when given."""
        return to_json(self, path)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain Python data (the JSON layout)."""
        return to_dict(self)

    def write(
        self,
        out_dir: str | Path,
        *,
        lang: Literal["zh", "en"] = "zh",
        overwrite: bool = False,
        conflicts: bool = True,
        map_path: str | Path | Literal[False] | None = None,
    ) -> dict[str, Path]:
        """Write what ``ecospace check`` writes: the five reports, conflicts and map.html.

        The one writer, :func:`ecospace.rendering.outputs.write_outputs`: all the files
        or none, an existing one replaced only with ``overwrite``; ``conflicts=False`` and
        ``map_path=False`` leave the conflict layers and the map out.
        """
        return write_outputs(
            self, out_dir, lang=lang, overwrite=overwrite, conflicts=conflicts, map_path=map_path
        )

    def _repr_html_(self) -> str:
        return repr_html(self)

    def __str__(self) -> str:
        return self.to_table()

    def __repr__(self) -> str:
        s = self.summary()
        name = getattr(self.plan, "name", "")
        return (
            f"<CheckResult {name!r}: {len(self.figures)} figures, {s['pass']} pass, "
            f"{s['within precision']} within precision, {s['fail']} fail, "
            f"{s['not measured']} not measured; passed={self.passed}>"
        )
