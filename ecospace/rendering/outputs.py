"""The one writer of a check's outputs: reports, conflict layers and the offline map.

:func:`write_outputs` is the only function that writes what a check produced; the CLI's
``check`` and ``demo``, :meth:`ecospace.checking.check.CheckResult.write` and the old
``write_reports`` all go through it.  The result is used duck-typed (this stage never
imports :mod:`ecospace.checking`): it needs ``figures``, ``method``, ``county.conflicts``,
``frames`` and what the report renderers of :mod:`ecospace.rendering.report` read.

Every output of one call is one set (:class:`ecospace._output.OutputSet`): each file is
staged beside its target and all are renamed into place together, so an error or Ctrl-C
leaves the previous outputs, never some of each run.  An existing output is replaced only
with ``overwrite``; a command line refuses, before any work, an output that is one of its
inputs (:func:`ecospace._output.refuse_outputs` on :func:`planned_outputs`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from ecospace._output import OutputSet, refuse_overwrite
from ecospace.errors import EcospaceError
from ecospace.labels import Lang
from ecospace.rendering._cells import _plan_attr
from ecospace.rendering.export import conflict_paths, write_conflict_files
from ecospace.rendering.maps import make_map, save_map
from ecospace.rendering.report import to_docx, to_excel, to_html, to_json, to_markdown

__all__ = ["REPORT_FORMATS", "planned_outputs", "write_outputs", "write_reports"]

#: Report files written by :func:`write_outputs`: ``report.<format>``.
REPORT_FORMATS: tuple[str, ...] = ("md", "html", "xlsx", "json", "docx")


def _report_paths(out_dir: str | Path, formats: Sequence[str]) -> dict[str, Path]:
    unknown = [fmt for fmt in formats if fmt not in REPORT_FORMATS]
    if unknown:
        raise EcospaceError(
            f"unknown report format {unknown[0]!r}; use {', '.join(REPORT_FORMATS)}"
        )
    return {fmt: Path(out_dir) / f"report.{fmt}" for fmt in formats}


def planned_outputs(
    out_dir: str | Path,
    *,
    formats: Sequence[str] = REPORT_FORMATS,
    conflicts: bool = True,
    map_path: str | Path | Literal[False] | None = None,
) -> dict[str, Path]:
    """The files :func:`write_outputs` will write with these options (check them first).

    Examples
    --------
    >>> {k: p.as_posix() for k, p in planned_outputs("out", conflicts=False).items()}
    {'md': 'out/report.md', 'html': 'out/report.html', 'xlsx': 'out/report.xlsx',
     'json': 'out/report.json', 'docx': 'out/report.docx', 'map': 'out/map.html'}
    >>> sorted(planned_outputs("out", formats=("json",), map_path=False))
    ['conflicts', 'conflicts_gdb', 'conflicts_shp', 'conflicts_styles', 'json']
    """
    paths = _report_paths(out_dir, formats)
    if conflicts:
        paths.update(conflict_paths(out_dir))
    if map_path is not False:
        paths["map"] = Path(map_path) if map_path else Path(out_dir) / "map.html"
    return paths


def write_outputs(
    result: Any,
    out_dir: str | Path,
    *,
    lang: Lang = "zh",
    overwrite: bool = False,
    formats: Sequence[str] = REPORT_FORMATS,
    conflicts: bool = True,
    map_path: str | Path | Literal[False] | None = None,
    annex: bool | None = None,
) -> dict[str, Path]:
    """Write every output of a check: reports, conflict layers and offline map.

    The outputs are one set: each is staged beside its target and all are renamed into
    place together at the end (:class:`ecospace._output.OutputSet`), so an error or Ctrl-C
    leaves the previous outputs untouched and a concurrent run into the same folder cannot
    mix its files with these.

    Parameters
    ----------
    result : CheckResult
    out_dir : path
        Folder for ``report.md/.html/.xlsx/.json/.docx``, the conflicts
        (``conflicts.gpkg``, ``conflicts_shp/``, ``conflicts.gdb``, ``conflicts_styles/``:
        :func:`ecospace.rendering.export.write_conflict_files`) and ``map.html``.
    lang : {"zh", "en"}
    overwrite : bool, default False
        Replace existing files; otherwise an existing file is an :class:`EcospaceError`
        raised before anything is written.  With ``overwrite``, the ``conflicts.gpkg`` or
        ``map.html`` of an earlier run that this one does not write (``conflicts=False``,
        ``map_path=False``) is deleted with the commit, so the folder holds one run only;
        reports of other formats are left alone.
    formats : sequence of {"md", "html", "xlsx", "json", "docx"}
        The reports to write, ``report.<format>`` (default all five).
    conflicts : bool, default True
        Write the conflict pieces as GeoPackage, GBK shapefiles and FileGDB, with QGIS
        styles (:func:`ecospace.rendering.export.write_conflict_files`).
    map_path : path or False, optional
        Where the map goes (default ``out_dir/map.html``); ``False`` for no map.  The map
        is made with :func:`ecospace.rendering.maps.make_map` and embedded in the HTML
        report; without one, the map of an earlier run (``result.map_path``) is embedded
        if there is one.
    annex : bool, optional
        Draw the annex figures into the Word report; by default only when a map is drawn
        (``map_path`` is not False).

    Returns
    -------
    dict
        Output kind (``md``, ``html``, ``xlsx``, ``json``, ``docx``, ``conflicts``,
        ``conflicts_shp``, ``conflicts_gdb``, ``conflicts_styles``, ``map``) → path.

    Raises
    ------
    OutputExistsError
        When an output already exists and ``overwrite`` is False.
    EcospaceError
        For a report format not in :data:`REPORT_FORMATS`.

    Examples
    --------
    >>> import tempfile
    >>> from ecospace.checking._examples import tiny_result
    >>> r = tiny_result()  # red line 30 ha in a 100 ha county; plan: >= 30 %, >= 35 ha
    >>> out = tempfile.mkdtemp()
    >>> paths = write_outputs(r, out, lang="en", conflicts=False, map_path=False)
    >>> sorted(p.name for p in paths.values())
    ['report.docx', 'report.html', 'report.json', 'report.md', 'report.xlsx']
    >>> write_outputs(r, out, conflicts=False, map_path=False)
    Traceback (most recent call last):
    ...
    ecospace.errors.OutputExistsError: .../report.md, ... already exist; pass --overwrite
    (overwrite=True) to replace them, or write elsewhere
    """
    targets = planned_outputs(out_dir, formats=formats, conflicts=conflicts, map_path=map_path)
    refuse_overwrite(targets.values(), overwrite=overwrite)
    if annex is None:
        annex = map_path is not False
    county = getattr(result, "county", None)
    pieces = getattr(county, "conflicts", None) or {}
    frames = getattr(result, "frames", None)
    written: dict[str, Path] = {}
    with OutputSet(overwrite=overwrite) as staged:  # every output of this run, or none
        if overwrite:  # a conflicts file or map.html of an earlier run must not stay beside
            for kind, old in planned_outputs(out_dir, formats=()).items():
                if kind not in targets and old.is_file():
                    staged.remove(old)
        if conflicts:
            written.update(
                write_conflict_files(
                    out_dir, pieces, overwrite=True, crs=_working_crs(frames), output_set=staged
                )
            )
        map_staged = None
        if "map" in targets and frames:
            name = _plan_attr(result, "name", None)
            m = make_map(frames, conflicts=pieces, title=name, method=result.method)
            save_map(m, targets["map"], overwrite=True, output_set=staged)
            map_staged = staged.path(targets["map"])
            written["map"] = targets["map"]
        embed = map_staged or getattr(result, "map_path", None)
        reports = _report_paths(out_dir, formats)
        for fmt, target in reports.items():
            _write_report(result, fmt, staged.path(target), lang, embed, annex=annex)
        written.update(reports)
    if "map" in written:
        result.map_path = written["map"]
    return written


def _working_crs(frames: Any) -> Any:
    """The working CRS, for the "no conflicts" table of a clean check."""
    crss = (getattr(g, "crs", None) for g in (frames or {}).values())
    return next((crs for crs in crss if crs is not None), None)


def _write_report(result: Any, fmt: str, p: Path, lang: Lang, map_path: Any, *, annex: bool):
    """Write one report file at ``p`` (a staging path of :func:`write_outputs`)."""
    if fmt == "md":
        p.write_text(to_markdown(result, lang), encoding="utf-8")
    elif fmt == "html":
        p.write_text(to_html(result, lang, map_path=map_path), encoding="utf-8")
    elif fmt == "xlsx":
        to_excel(result, p, lang)
    elif fmt == "json":
        to_json(result, p)
    else:
        to_docx(result, p, lang, annex=annex)


def write_reports(
    result: Any,
    out_dir: str | Path,
    *,
    lang: Lang = "zh",
    overwrite: bool = False,
    formats: Sequence[str] = REPORT_FORMATS,
    annex: bool = True,
) -> dict[str, Path]:
    """Deprecated: ``write_outputs(result, out_dir, conflicts=False, map_path=False)``.

    The reports alone, kept one release for old callers; it warns and calls
    :func:`write_outputs`, the one writer.

    Examples
    --------
    >>> import tempfile, warnings
    >>> from ecospace.checking._examples import tiny_result
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     paths = write_reports(tiny_result(), tempfile.mkdtemp(), formats=("json",))
    >>> [p.name for p in paths.values()], caught[0].category.__name__
    (['report.json'], 'DeprecationWarning')
    """
    warnings.warn(
        "write_reports is deprecated: use write_outputs(result, out_dir, conflicts=False, "
        "map_path=False) (ecospace.rendering.outputs)",
        DeprecationWarning,
        stacklevel=2,
    )
    return write_outputs(
        result,
        out_dir,
        lang=lang,
        overwrite=overwrite,
        formats=formats,
        conflicts=False,
        map_path=False,
        annex=annex,
    )
