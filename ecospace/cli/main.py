"""The ``ecospace`` command line: one function per subcommand, wiring the library together.

User mistakes (bad arguments, unreadable files, malformed plans) end with a one-line
``Error: …`` message and exit status 2, never a traceback.
"""

from __future__ import annotations

import logging
import sys
import traceback
import warnings
from pathlib import Path

import click

from ecospace._escape import terminal_text
from ecospace._limits import refuse_special_file
from ecospace._output import refuse_outputs, refuse_overwrite
from ecospace._version import __version__
from ecospace.cli._boundary import (
    NonNegativeFinite,
    PositiveFinite,
    clean_terminal,
    error_message,
    input_paths,
)
from ecospace.errors import PlanError
from ecospace.vocabulary import DENOMINATORS, DPI_RANGE, METHODS, ORIENTATIONS, PAPER_SIZES

log = logging.getLogger("ecospace")


# Options shared by several subcommands, defined once.
_method_option = click.option(
    "--method",
    type=click.Choice(list(METHODS)),
    default="ellipsoid",
    show_default=True,
    help="Area method (ellipsoid = the official 2008 survey formula).",
)
_unit_option = click.option(
    "--unit", default="ha", show_default=True, help="m2, ha, km2, mu, wanmu (or 公顷…)."
)
_crs_option = click.option(
    "--crs",
    "crs",
    multiple=True,
    metavar="[LAYER=]EPSG",
    help="CRS of the layers whose file has none (or one their coordinates contradict); "
    "LAYER=EPSG sets one layer's CRS. Repeatable.",
)
_role_option = click.option(
    "--role",
    "roles",
    multiple=True,
    metavar="LAYER=ROLE",
    help="Set a layer's role (or none). Repeatable.",
)
_format_option = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
_workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Measure by spatial tiles on N Dask workers (ecospace.partition; 1 = tiles in this "
    "process) [default: the whole county in one process].",
)
_lang_option = click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of the printed tables and the reports (Chinese by default).",
)
_engine_option = click.option(
    "--engine",
    type=click.Choice(["pyogrio", "fiona"]),
    default="pyogrio",
    show_default=True,
    help="Reader for the vector sources.",
)


class _EcospaceGroup(click.Group):
    """The boundary: every failure of a command becomes one ``Error: …`` line, exit 2.

    ecospace's own errors, ``OSError``, ``MemoryError``, ``RecursionError`` and any other
    library exception are reported by :func:`ecospace._boundary.error_message` (the
    traceback too with ``-v``); Ctrl-C prints one line and exits with 130, the writers
    having removed their unfinished files.  Everything printed meanwhile is stripped of
    control characters (:func:`ecospace._boundary.clean_terminal`).
    """

    def main(self, *args, **kwargs):
        with clean_terminal():  # click's own messages too (a file name with ESC in it)
            return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted (Ctrl-C): stopped; no partial output file was left.", err=True)
            raise click.exceptions.Exit(130) from None
        except Exception as exc:  # OSError, MemoryError, RecursionError, any library's error
            if ctx.params.get("verbose"):
                click.echo(terminal_text(traceback.format_exc()), err=True, nl=False)
            raise click.UsageError(error_message(exc), ctx=None) from None


@click.group(cls=_EcospaceGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="ecospace")
@click.option("-v", "--verbose", count=True, help="More log output (repeat for debug).")
@click.option("-q", "--quiet", count=True, help="Less output: warnings and errors only.")
def cli(verbose: int, quiet: int) -> None:
    """Check spatial-planning layers against the figures written in plans."""
    _configure_logging(max(logging.INFO - 10 * verbose + 10 * quiet, logging.DEBUG))


def _configure_logging(level: int) -> None:
    """Send ecospace's log and warnings (repairs, inferences) to stderr at ``level``.

    Only the ``ecospace`` logger is configured, so the INFO chatter of GDAL/pyogrio stays
    out of the output; warnings are shown as ``WARNING: Category: message`` without the
    source line Python would print.  Calling it again (CliRunner tests) replaces the
    handler instead of stacking a second one.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    handler._ecospace = True  # type: ignore[attr-defined]
    logger = logging.getLogger("ecospace")
    for old in [h for h in logger.handlers if getattr(h, "_ecospace", False)]:
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    warnings.showwarning = _log_warning


def _log_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """``warnings.showwarning`` for the command line: the message, not the source line."""
    logging.getLogger("ecospace").warning("%s: %s", category.__name__, message)


def _layer_options(crs: tuple[str, ...], roles: tuple[str, ...]) -> dict:
    """``--crs`` and ``--role`` values as keyword arguments of the layer readers."""
    from ecospace.geometry.crs import parse_crs_option
    from ecospace.loading.layers import _parse_role_option

    default, per_layer = parse_crs_option(crs)
    return {"crs": default, "crss": per_layer or None, "roles": _parse_role_option(roles) or None}


def _single_layer_options(spec: str, crs: tuple[str, ...], roles: tuple[str, ...]):
    """``--crs`` and ``--role`` of a command reading one layer: (CRS for all, own CRS, role).

    ``--role ROLE`` alone is the layer's role; ``LAYER=…`` entries count when LAYER is the
    layer's name, its ``PATH:LAYER`` or its path.
    """
    from ecospace.geometry.crs import parse_crs_option
    from ecospace.loading._roles import _check_role
    from ecospace.loading.layers import _parse_role_option, split_spec

    path, layer = split_spec(spec)
    keys = {spec, path, Path(path).stem, *([layer] if layer else [])}
    default, per_layer = parse_crs_option(crs)
    own = next((v for k, v in per_layer.items() if k in keys), None)
    bare = [r for r in roles if "=" not in r]
    role = _check_role(bare[-1], f"--role {bare[-1]}") if bare else None
    for k, v in _parse_role_option([r for r in roles if "=" in r]).items():
        if k in keys:
            role = v
    return default, own, role


def find_project_root(start: Path | None = None) -> Path:
    """The folder holding ``plans/demo.yaml`` and ``layers/``: the working directory or a parent."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "layers" / "demo.gpkg").exists():
            return folder
    # an editable install: the source tree beside the package
    src = Path(__file__).resolve().parents[2]
    if (src / "layers" / "demo.gpkg").exists():
        return src
    raise click.UsageError(
        "cannot find the demo data (layers/demo.gpkg); run this from the ecospace checkout"
    )


@cli.command(name="check", short_help="Check a plan against its layers; write reports.")
@click.argument(
    "plan_file", metavar="PLAN.yaml", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the reports, conflicts and map.html [default: out/<plan file name>/].",
)
@_lang_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Print the verification table or the JSON report.",
)
@click.option(
    "--method",
    type=click.Choice(list(METHODS)),
    help="Area method [default: the plan's, else ellipsoid 椭球面积].",
)
@click.option(
    "--denominator",
    type=click.Choice(list(DENOMINATORS)),
    help="Shares divide by the boundary layer's computed area, the plan's stated "
    "total_area or its survey_area [default: the plan's, else boundary].",
)
@click.option(
    "--layers",
    "sources",
    multiple=True,
    metavar="SOURCE",
    help="Read these sources (a delivery folder, files, PATH:LAYER) instead of the plan's "
    "layers: list. Repeatable.",
)
@_crs_option
@_role_option
@click.option(
    "--no-map", is_flag=True, help="Do not draw map.html nor the Word report's annex (faster)."
)
@click.option("--overwrite", is_flag=True, help="Replace report files already in --out.")
@click.pass_context
def check_plan(
    ctx, plan_file, out_dir, lang, fmt, method, denominator, sources, crs, roles, no_map, overwrite
):
    """Check a plan's figures against its layers and write the reports.

    Writes report.md, .html, .xlsx, .json and .docx (the Word 核查表, with the annex maps
    unless --no-map), the conflicts as conflicts.gpkg, conflicts_shp/ (GBK shapefiles) and
    conflicts.gdb with QGIS styles (conflicts_styles/), and map.html.
    Exit status: 0 when every binding figure passes (or is within the plan's stated
    precision), 1 when one fails or cannot be measured, 2 for usage errors.
    """
    from ecospace.checking.check import check
    from ecospace.rendering.report import planned_outputs, write_outputs

    out_dir = out_dir or Path("out") / plan_file.stem
    map_path = False if no_map else None
    refuse_outputs(
        planned_outputs(out_dir, map_path=map_path).values(),
        inputs=input_paths([plan_file, *sources]),
        overwrite=overwrite,
    )
    result = check(
        plan_file,
        layers=list(sources) or None,
        method=method,
        denominator=denominator,
        **_layer_options(crs, roles),
    )
    paths = write_outputs(result, out_dir, lang=lang, overwrite=overwrite, map_path=map_path)
    if fmt == "json":
        click.echo(result.to_json())
    else:
        click.echo(result.to_table(lang))
        click.echo("")
    for kind, path in paths.items():
        click.echo(f"{kind:<16} {path}", err=fmt == "json")
    ctx.exit(0 if result.passed else 1)


@cli.command(short_help="Run the whole check on the bundled demo county (示范县).")
@_lang_option
@click.option("--no-map", is_flag=True, help="Skip maps/demo.html and the PDF annex (faster).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the reports [default: out/demo/ in the checkout, replaced on every run].",
)
@click.pass_context
def demo(ctx, lang, no_map, out_dir):
    """Check the bundled demo county (示范县) against plans/demo.yaml.

    Prints the layers, coverage, overlap matrix, containment and township table; writes
    out/demo/ (reports and conflicts.gpkg), maps/demo.html and maps/demo_annex.pdf, and ends
    with the verification table.  Some figures fail by design (the demo county carries
    planted defects, listed in layers/demo_truth.json), so the exit status is 0 when every
    figure has the status demo_truth.json predicts and 1 when one does not.

    The demo rewrites its own outputs: every run replaces out/demo/ (or --out),
    maps/demo.html and maps/demo_annex.pdf without --overwrite.  To keep a copy, use
    `ecospace check plans/demo.yaml --out DIR`.
    """
    import json

    from ecospace.checking.check import check
    from ecospace.rendering.export import conflict_paths
    from ecospace.rendering.report import section_text, section_title, write_outputs

    root = find_project_root()
    result = check(root / "plans" / "demo.yaml")
    sections = ("layers", "coverage", "overlaps", "containment", "townships", "land_cover", "audit")
    for key in sections:
        click.echo(f"\n== {section_title(key, lang)} ==")
        click.echo(section_text(result, key, lang))
    maps_dir = root / "maps"
    paths = write_outputs(
        result,
        out_dir or root / "out" / "demo",
        lang=lang,
        overwrite=True,
        map_path=False if no_map else maps_dir / "demo.html",
    )
    if not no_map:
        try:
            from ecospace.rendering.annex import make_annex
        except ImportError:
            log.warning("ecospace.rendering.annex is not available: no PDF annex")
        else:
            paths["annex"] = make_annex(
                result.frames,
                maps_dir / "demo_annex.pdf",
                conflicts=result.county.conflicts,
                title=result.plan.name,
                sources=sorted(set(result.layers["source"])),
                overwrite=True,
            )[0]
    truth = json.loads((root / "layers" / "demo_truth.json").read_text(encoding="utf-8"))
    expected = {f["id"]: f["expected_status"] for f in truth["plan_figures"]}
    got = dict(zip(result.figures["id"], result.figures["status"], strict=True))
    wrong = sorted(i for i in expected.keys() | got.keys() if expected.get(i) != got.get(i))
    click.echo(f"\n== {section_title('figures', lang)} ==")
    click.echo(result.to_table(lang))
    failed = int((result.figures["status"] == "fail").sum())
    if wrong and lang == "zh":
        click.echo(f"\n以下指标的结论与预期不符（见 layers/demo_truth.json）：{'、'.join(wrong)}")
    elif wrong:
        click.echo(f"\nunexpected status for {', '.join(wrong)} (see layers/demo_truth.json)")
    elif lang == "zh":
        click.echo(
            f"\n{failed} 项指标不符合：示范县故意埋设了这些缺陷（layers/demo_truth.json），"
            "全部指标的结论均与预期一致。"
        )
    else:
        click.echo(
            f"\n{failed} figures fail by design (the demo county's planted defects, "
            "layers/demo_truth.json); every status is the one predicted."
        )
    click.echo("")
    for kind in ("html", "xlsx", "json", "md", "docx", *conflict_paths(""), "map", "annex"):
        if kind in paths:
            click.echo(f"{kind:<16} {paths[kind]}")
    ctx.exit(1 if wrong else 0)


@cli.command("layers", short_help="Inventory: role, CRS, encoding, problems of each layer.")
@click.argument("sources", nargs=-1, required=True)
@_crs_option
@click.option(
    "--engine", type=click.Choice(["pyogrio", "fiona"]), default="pyogrio", show_default=True
)
@_role_option
@_format_option
@click.option(
    "--details",
    is_flag=True,
    help="List every problem feature (src_fid as QGIS shows it, fid, area change) and notes.",
)
@_lang_option
def layers_command(sources, crs, engine, roles, fmt, details, lang) -> None:
    """List the layers in SOURCE... (file, .gdb, folder, .zip; PATH:LAYER for one layer).

    For each: role, features, geometry type, CRS (EPSG, name, how determined),
    encoding, and the problems found and repaired.  --crs fills in a missing CRS and
    replaces one the coordinates contradict (a wrong .prj).  JSON output always holds the
    per-feature problems.
    """
    import json
    import warnings

    from ecospace.labels import term
    from ecospace.loading._delivery import format_found
    from ecospace.loading.layers import (
        format_details,
        format_inventory,
        inventory,
        inventory_records,
        read_sources,
        search_sources,
    )
    from ecospace.loading.validate import ValidationWarning

    errors: list = []
    options = _layer_options(crs, roles)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = read_sources(sources, engine=engine, errors=errors, **options)
    folders = [s for s in sources if Path(s).is_dir() and Path(s).suffix.lower() != ".gdb"]
    if folders and fmt != "json":
        for folder in folders:
            click.echo(f"{folder}: searched with its sub-folders")
            click.echo(format_found(search_sources([folder]), root=folder))
        click.echo("")
    for w in caught:  # problems found in layers are in the table below; log anything else
        if not issubclass(w.category, ValidationWarning):
            log.warning("%s", w.message)
    if fmt == "json":
        click.echo(json.dumps(inventory_records(found), ensure_ascii=False, indent=2))
    else:
        click.echo(format_inventory(inventory(found), lang))
        if details:
            colon = "：" if lang == "zh" else ":"
            click.echo(f"\n{term('details', lang)}{colon}\n" + format_details(found, lang))
    if errors:
        raise click.UsageError(
            "; ".join(str(exc) for _, exc in errors) + f" ({len(errors)} layer(s) not read)"
        )


@cli.command("overlaps", short_help="Coverage, overlap matrix, containment, duplicates.")
@click.argument("sources", nargs=-1, required=True)
@_method_option
@_unit_option
@_crs_option
@_engine_option
@_workers_option
@_role_option
@click.option(
    "--denominator",
    type=PositiveFinite("a stated total area > 0 in --unit, e.g. 751200"),
    default=None,
    help="Stated total area, in --unit (a positive number).",
)
@_format_option
@click.option(
    "--conflicts",
    "conflicts_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write conflict features to this GeoPackage (one layer per conflict type).",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing --conflicts file.")
@_lang_option
def overlaps_command(
    sources,
    method,
    unit,
    crs,
    engine,
    workers,
    roles,
    denominator,
    fmt,
    conflicts_path,
    overwrite,
    lang,
) -> None:
    """Coverage, overlaps, containment and duplicates of the layers in SOURCE...

    The three control lines must not overlap (三条控制线不交叉、不重叠): each pair's status
    is violated from 0.01 ha; protected areas must lie inside the red line, every layer
    inside the county boundary (the features outside are listed).  Conflict features
    keep their source rows (a_row, b_row, src_row: 0-based) and the sources' own feature
    ids (a_src_fid, b_src_fid, src_fid: as QGIS/ArcGIS show them).
    """
    import json

    from ecospace.measuring.county import County
    from ecospace.measuring.stats import format_county
    from ecospace.rendering.conflicts import write_conflicts
    from ecospace.units import UNITS, normalize_unit

    unit = normalize_unit(unit)
    if conflicts_path:
        refuse_outputs([conflicts_path], inputs=input_paths(sources), overwrite=overwrite)
    opened = County.open(sources, engine=engine, **_layer_options(crs, roles))
    if not opened.layers:
        raise click.UsageError(f"no layer with a known role in {', '.join(sources)}")
    county = County(
        {r: layer for r, layer in opened.layers.items() if r != "land_use"},
        method=method,
        denominator_m2=None if denominator is None else denominator * UNITS[unit],
        by_township=False,
        workers=workers,
        progress=_progress_wanted(),
    )
    figures = county.figures
    if conflicts_path:
        # the frames carry each layer's src_fid (read_layer): no second read of the sources
        write_conflicts(conflicts_path, figures.conflicts, overwrite=overwrite)
    if fmt == "json":
        d = figures.to_dict()
        for key in ("townships", "land_cover", "land_cover_raster"):
            d.pop(key)
        d["outside_features"] = {
            k: v.drop(columns=v.geometry.name).to_dict(orient="records")
            for k, v in figures.conflicts.items()
            if k.startswith("outside_")
        }
        click.echo(json.dumps(d, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(
            format_county(
                figures,
                unit=unit,
                sections=("coverage", "overlaps", "containment", "self_overlaps"),
                lang=lang,
            )
        )
        if conflicts_path:
            from ecospace.labels import term

            n = len([k for k, v in figures.conflicts.items() if len(v)])
            click.echo("\n" + term("conflicts_written", lang, n=n, path=conflicts_path))


@cli.command("stats", short_help="Coverage, overlaps, land cover (森林/林草覆盖率), townships.")
@click.argument("sources", nargs=-1, required=True)
@click.option("--by-township", is_flag=True, help="Add the township table (分乡镇统计).")
@_method_option
@_unit_option
@_crs_option
@_engine_option
@_workers_option
@_role_option
@click.option(
    "--denominator",
    type=PositiveFinite("a stated total area > 0 in --unit, e.g. 751200"),
    default=None,
    help="Stated total area, in --unit (a positive number).",
)
@click.option(
    "--landcover",
    "landcover",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    metavar="TIF",
    help="Classified land-cover raster: its cover shares beside the parcels' ones.",
)
@click.option(
    "--classes",
    "classes_path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    metavar="YAML",
    help="Class map of --landcover [default: TIF's stem + _classes.yaml beside it].",
)
@_format_option
@_lang_option
@click.option(
    "--units",
    "units_spec",
    default=None,
    metavar="PATH[:LAYER]",
    help="Units (counties) to tabulate each role per unit, plus the province's sums.",
)
@click.option("--unit-field", default=None, metavar="FIELD", help="Name field of --units (XZQMC).")
@click.option(
    "--scheduler",
    default=None,
    metavar="tcp://HOST:PORT",
    help="With --units: run one task per unit on this dask.distributed scheduler.",
)
def stats_command(
    sources,
    by_township,
    method,
    unit,
    crs,
    engine,
    workers,
    roles,
    denominator,
    landcover,
    classes_path,
    fmt,
    lang,
    units_spec,
    unit_field,
    scheduler,
) -> None:
    """Area and share of each layer, overlaps, land cover (森林覆盖率…) and township table.

    Coverage, the overlap matrix, containment, within-layer overlaps, land cover and (with
    --by-township) the township table, from one reading and one validation of the layers.
    Shares count only the area inside the county boundary.  With --landcover the raster's
    forest, forest-and-grass, wetland and cropland shares (ellipsoidal pixel areas, pixels
    whose centre is inside the boundary, the same denominator) are printed beside the
    land-use parcels' figures.
    """
    import json

    from ecospace.measuring.county import County
    from ecospace.measuring.stats import format_county, raster_land_cover, read_class_map
    from ecospace.units import UNITS, normalize_unit

    unit = normalize_unit(unit)
    if scheduler and not units_spec:
        raise click.BadParameter("needs --units (one task per unit)", param_hint="--scheduler")
    if units_spec:
        other = [
            name
            for name, given in (
                ("--by-township", by_township),
                ("--landcover", landcover),
                ("--denominator", denominator is not None),
            )
            if given
        ]
        if other:
            raise click.BadParameter(
                f"cannot be combined with {', '.join(other)} (each unit's shares divide by "
                "the unit's own area); run stats without --units for those",
                param_hint="--units",
            )
        _stats_units(sources, units_spec, unit_field, scheduler, roles, method, unit, fmt)
        return
    if classes_path and not landcover:
        raise click.BadParameter("needs --landcover TIF", param_hint="--classes")
    if landcover and not classes_path:
        guess = Path(landcover).with_name(Path(landcover).stem + "_classes.yaml")
        if not guess.exists():
            raise click.BadParameter(
                f"no class map given and {guess} does not exist; pass --classes YAML",
                param_hint="--landcover",
            )
        classes_path = guess
    class_map = read_class_map(classes_path) if landcover else None  # fail before the overlays
    opened = County.open(sources, engine=engine, **_layer_options(crs, roles))
    if not opened.layers:
        raise click.UsageError(f"no layer with a known role in {', '.join(sources)}")
    county = County(
        {r: layer for r, layer in opened.layers.items() if by_township or r != "townships"},
        method=method,
        denominator_m2=None if denominator is None else denominator * UNITS[unit],
        workers=workers,
        progress=_progress_wanted(),
    )
    figures, work = county.figures, county.working
    if landcover:
        figures.land_cover_raster = raster_land_cover(
            landcover,
            class_map,
            boundary=work.get("boundary"),
            denominator_m2=figures.denominator_m2 or None,
            denominator_source=figures.denominator_source if figures.denominator_m2 else None,
        )
    if fmt == "json":
        d = figures.to_dict()
        keep = (
            "method",
            "crs",
            "denominator_m2",
            "denominator_source",
            "coverage",
            "overlaps",
            "containment",
            "self_overlaps",
            "land_cover",
        )
        out = {k: d[k] for k in keep}
        if landcover:
            out["land_cover_raster"] = d["land_cover_raster"]
        if by_township:
            out["townships"] = d["townships"]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        sections = (
            "coverage",
            "overlaps",
            "containment",
            "self_overlaps",
            "land_cover",
            "land_cover_raster",
        )
        if by_township:
            sections += ("townships",)
        click.echo(format_county(figures, unit=unit, sections=sections, lang=lang))


def _stats_units(sources, units_spec, unit_field, scheduler, roles, method, unit, fmt) -> None:
    """``stats --units``: every role per unit from tiled sources, on a cluster if asked."""
    import json

    from ecospace.loading.layers import _parse_role_option, read_layer
    from ecospace.loading.tiled_sources import open_tiled
    from ecospace.measuring.province import format_province, measure_units

    units = read_layer(units_spec).gdf
    tiled = open_tiled(sources, roles=_parse_role_option(roles))
    client = _dask_client(scheduler) if scheduler else None
    try:
        p = measure_units(tiled, units, unit_field=unit_field, method=method, client=client)
    finally:
        if client is not None:
            client.close()
    if fmt == "json":
        click.echo(json.dumps(p.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_province(p, unit=unit))


def _dask_client(address: str):
    """A ``distributed.Client`` on ``address``; a usage error naming it when it cannot connect."""
    from distributed import Client

    if not address.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise click.BadParameter(
            f"{address!r}: write the scheduler's address as tcp://HOST:PORT",
            param_hint="--scheduler",
        )
    try:
        return Client(address, timeout=10)
    except (OSError, TimeoutError) as exc:
        raise click.BadParameter(
            f"{address}: no dask scheduler answers there ({type(exc).__name__}); start one "
            "(dask scheduler) or check the address",
            param_hint="--scheduler",
        ) from None


@cli.command("convert", short_help="Sources to sorted, partitioned GeoParquet (one per layer).")
@click.argument("args", nargs=-1, required=True, metavar="SOURCE... OUT_DIR")
@_crs_option
@_engine_option
@click.option("--rows-per-file", type=click.IntRange(1), default=200_000, show_default=True)
@click.option("--row-group-size", type=click.IntRange(1), default=20_000, show_default=True)
@click.option("--overwrite", is_flag=True, help="Replace datasets already in OUT_DIR.")
def convert_command(args, crs, engine, rows_per_file, row_group_size, overwrite) -> None:
    """Write every layer of SOURCE... as OUT_DIR/<layer>.parquet/part-NNNNN.parquet.

    Features are sorted along a Hilbert curve and carry GeoParquet 1.1 bbox columns, so a
    county's box reads only the files and row groups near it; CRS, attributes (GBK text
    decoded) and the source's feature ids (src_fid) are kept.  SOURCE may be anything
    `ecospace layers` reads, PostGIS included; OUT_DIR is then a SOURCE itself.
    """
    from ecospace.geometry.crs import parse_crs_option
    from ecospace.loading.convert import convert

    if len(args) < 2:
        raise click.UsageError("give at least one SOURCE and the OUT_DIR to write to")
    *sources, out_dir = args
    default_crs, per_layer = parse_crs_option(crs)
    if per_layer:
        raise click.BadParameter(
            "convert takes one CRS for all layers (--crs EPSG)", param_hint="--crs"
        )
    written = convert(
        sources,
        out_dir,
        crs=default_crs,
        engine=engine,
        rows_per_file=rows_per_file,
        row_group_size=row_group_size,
        overwrite=overwrite,
    )
    for label, files in written.items():
        click.echo(f"{label} -> {files[0].parent} ({len(files)} file(s))")


@cli.command("audit", short_help="Check a plan's own figures against each other.")
@click.argument(
    "plan_file", metavar="PLAN.yaml", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@_format_option
@_lang_option
@click.pass_context
def audit_command(ctx: click.Context, plan_file: Path, fmt: str, lang: str) -> None:
    """Check a plan's own figures against each other (no layers needed).

    Exit status: 0 when no finding is an error, 1 when any is, 2 for usage errors.
    """
    from ecospace.plan.audit import audit_plan, format_audit, implied_totals
    from ecospace.plan.model import load_plan

    plan = load_plan(plan_file)
    findings = audit_plan(plan)
    table = implied_totals(plan, lang=lang)
    click.echo(format_audit(plan, findings, table, fmt=fmt, lang=lang))
    if any(f.severity == "error" for f in findings):
        ctx.exit(1)


@cli.command("areas", short_help="Area of a layer: union, sum, by field, vs stored field.")
@click.argument("spec", metavar="PATH[:LAYER]")
@_method_option
@_crs_option
@click.option(
    "--role",
    "roles",
    multiple=True,
    metavar="[LAYER=]ROLE",
    help="The layer's role: picks it in a multi-layer source, and names features by the "
    "role's code field when there is no BSM.",
)
@click.option(
    "--planar-crs", default=None, metavar="EPSG", help="Projected CRS for --method planar."
)
@_unit_option
@click.option(
    "--decimals",
    type=click.IntRange(0, 10),
    default=2,
    show_default=True,
    help="Decimals in tables.",
)
@click.option("--by", "by_field", default=None, metavar="FIELD", help="One row per value of FIELD.")
@click.option(
    "--balance/--no-balance",
    default=True,
    show_default=True,
    help="Round --by rows so they add up to the rounded sum (强制调平, largest remainder).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option(
    "--compare-field", default=None, metavar="FIELD", help="Stored area field to check (TBMJ, MJ…)."
)
@click.option("--field-unit", default="m2", show_default=True, help="Unit of --compare-field.")
@click.option(
    "--tolerance",
    type=NonNegativeFinite("an allowed difference >= 0, in m²"),
    default=1.0,
    show_default=True,
    help="Allowed difference, m².",
)
@click.option(
    "--tolerance-rel",
    type=NonNegativeFinite("an allowed relative difference >= 0, e.g. 1e-4"),
    default=1e-4,
    show_default=True,
    help="Allowed relative difference (the larger allowance wins).",
)
@click.option(
    "--differing",
    "differing_path",
    type=click.Path(path_type=Path),
    default=None,
    metavar="OUT",
    help="With --compare-field: write the differing features to OUT.gpkg, OUT.gdb (FileGDB) "
    "or folder OUT (GBK shapefile), styled for QGIS (.qml).",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing --differing output.")
@_lang_option
@click.pass_context
def areas_command(
    ctx, spec, method, crs, roles, planar_crs, unit, decimals, by_field, balance, fmt,
    compare_field, field_unit, tolerance, tolerance_rel, differing_path, overwrite, lang,
) -> None:  # fmt: skip
    """Area of the layer PATH[:LAYER]: its union, and the sum of its features if they overlap.

    With --by FIELD, one row per value of the field, their sum (parts rounded so they
    add up to it, 强制调平) and, when features overlap, their union (the layer's area).
    With --compare-field, list the features whose stored area differs from the computed
    one (exit status 1 if any).  --method planar --planar-crs EPSG measures in that
    projected CRS; the layer keeps its own.  JSON carries full precision; CSV is the
    area table, or the differing features with --compare-field.
    """
    from ecospace.errors import MethodError
    from ecospace.geometry.crs import describe, parse_crs
    from ecospace.loading.layers import read_layer
    from ecospace.measuring._area_report import area_csv, area_json, area_summary, area_text
    from ecospace.units import normalize_unit

    unit = normalize_unit(unit)
    normalize_unit(field_unit)
    if differing_path is not None:
        if compare_field is None:
            raise click.BadParameter("needs --compare-field FIELD", param_hint="--differing")
        from ecospace.rendering.export import styles_dir, write_differing

        extra = [styles_dir(differing_path)] if differing_path.suffix else []
        refuse_overwrite([differing_path, *extra], overwrite=overwrite)
    if planar_crs is not None:
        if method != "planar":
            raise click.BadParameter("only with --method planar", param_hint="--planar-crs")
        planar_crs = parse_crs(planar_crs, what="--planar-crs")
    default, own, role = _single_layer_options(spec, crs, roles)
    layer = read_layer(spec, crs=own or default, crs_fallback=own is None, role=role)
    gdf = layer.gdf
    if own is None and default is not None and layer.crs_how.startswith("file"):
        given = default
        if not given.equals(gdf.crs):
            log.warning(
                "%s: --crs %s ignored: the file states %s, which is kept (--crs only fills in "
                "a missing CRS)",
                layer.label,
                describe(given),
                describe(gdf.crs),
            )
    if by_field is not None and by_field not in gdf.columns:
        fields = ", ".join(str(c) for c in gdf.columns if c not in ("geometry", "fid"))
        raise click.BadParameter(
            f"no field {by_field!r} in {spec}; its fields are: {fields}", param_hint="--by"
        )
    try:
        summary = area_summary(
            gdf, label=layer.label, crs_how=layer.crs_how, method=method, unit=unit,
            by_field=by_field, compare_field=compare_field, field_unit=field_unit,
            tolerance_m2=tolerance, tolerance_rel=tolerance_rel, planar_crs=planar_crs,
            role=layer.role,
        )  # fmt: skip
    except MethodError as exc:
        if planar_crs is None:
            raise
        raise click.BadParameter(str(exc), param_hint="--planar-crs") from exc
    if differing_path is not None:
        written = write_differing(
            differing_path, gdf, summary.compared, compare_field, role=layer.role,
            overwrite=overwrite,
        )  # fmt: skip
        log.info("differing features written to %s", ", ".join(map(str, written)))
    if fmt == "json":
        click.echo(area_json(summary))
    elif fmt == "csv":
        click.echo(area_csv(summary), nl=False)
    else:
        click.echo(area_text(summary, decimals, balance=balance, lang=lang))
    if summary.compared is not None and len(summary.compared):
        ctx.exit(1)


@cli.command("extract", short_help="Draft a plan file from a plan's Chinese text.")
@click.argument(
    "text_file", metavar="PLAN.txt", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Draft plan file to write (YAML); standard output when not given.",
)
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
def extract_command(text_file: Path, output: Path | None, overwrite: bool) -> None:
    """Draft a plan file from a plan's text (UTF-8), for a person to review."""
    import os

    from ecospace.plan.extract import draft_text, extract_figures

    if output is not None:
        refuse_outputs([output], inputs=[text_file], overwrite=overwrite)
    refuse_special_file(text_file, "plan text", PlanError)
    try:
        text = text_file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.UsageError(f"{text_file} is not UTF-8 text; convert it first") from None
    base = output.resolve().parent if output is not None else Path.cwd()
    plan = extract_figures(text, source=os.path.relpath(text_file.resolve(), base))
    n = len(plan.figures) + (plan.total_area is not None)
    if output is None:
        click.echo(draft_text(plan), nl=False)
        click.echo(f"drafted {n} figure(s) from {text_file}; review each one", err=True)
        return
    draft_text(plan, output)
    click.echo(f"drafted {n} figure(s) from {text_file} into {output}; review each one")


def _progress_wanted() -> bool:
    """A progress bar for long runs, unless -q asked for warnings and errors only."""
    return logging.getLogger("ecospace").getEffectiveLevel() <= logging.INFO


def _check_suffix(output: Path, suffixes: tuple[str, ...], what: str) -> None:
    """Refuse an output name with the wrong suffix before any layer is read."""
    if output.suffix.lower() not in suffixes:
        raise click.BadParameter(f"{output}: write {what}", param_hint="'-o' / '--output'")


def _map_inputs(inputs: tuple[str, ...], crs: tuple[str, ...], roles: tuple[str, ...]):
    """The county of SOURCE... or PLAN.yaml files, for map and annex."""
    from ecospace.measuring.county import County

    county = County.from_inputs(inputs, **_layer_options(crs, roles))
    if not county.layers:
        raise click.UsageError(f"no layer with a known role in {', '.join(inputs)}")
    return county


@cli.command("map", short_help="Offline interactive map (one HTML file).")
@click.argument("inputs", nargs=-1, required=True, metavar="SOURCE-or-PLAN...")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="HTML file to write, e.g. maps/NAME.html (self-contained, opens offline).",
)
@click.option(
    "--basemap",
    type=click.Choice(["none", "tianditu", "osm"]),
    default="none",
    show_default=True,
    help="Tiles under the layers (tianditu and osm need the internet when viewed).",
)
@click.option("--tianditu-key", default=None, help="天地图 key [default: $TIANDITU_KEY].")
@click.option("--land-use", is_flag=True, help="Include the land-use layer (off until ticked).")
@_crs_option
@_role_option
@click.option("--overwrite", is_flag=True, help="Replace an existing output file.")
def map_command(inputs, output, basemap, tianditu_key, land_use, crs, roles, overwrite) -> None:
    """Draw the layers of SOURCE... or PLAN.yaml files as an offline web map.

    Every role in its conventional colour, the conflicts (overlaps, containment failures,
    duplicates) hatched in magenta, with legend, layer control and scale bar.
    """
    from ecospace.rendering.maps import make_map, save_map

    _check_suffix(output, (".html", ".htm"), "the map as .html or .htm (one self-contained page)")
    refuse_outputs([output], inputs=input_paths(inputs), overwrite=overwrite)
    data = _map_inputs(inputs, crs, roles)
    m = make_map(
        data.layers,
        conflicts=data.conflicts,
        title=data.title,
        basemap=basemap,
        tianditu_key=tianditu_key,
        land_use=land_use,
        method=data.method,
    )
    path = save_map(m, output, overwrite=overwrite)
    click.echo(f"map       {path} ({path.stat().st_size / 1e6:.1f} MB)")


@cli.command("annex", short_help="Static map annex (附图) as PDF or PNG pages.")
@click.argument("inputs", nargs=-1, required=True, metavar="SOURCE-or-PLAN...")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="maps/annex.pdf (one multi-page PDF) or maps/annex.png (annex-1.png, …).",
)
@click.option("--paper", type=click.Choice(list(PAPER_SIZES)), default="A4", show_default=True)
@click.option(
    "--orientation",
    type=click.Choice(list(ORIENTATIONS)),
    default="auto",
    show_default=True,
)
@click.option("--title", default=None, help="Page title [default: the plan's name].")
@click.option(
    "--figure-number",
    default=None,
    help="图号 of the pages, e.g. 附图5 gives 附图5-1, 附图5-2 … [default: 附图1, 附图2 …].",
)
@click.option("--unit", default=None, help="编制单位: the compiling unit printed on each page.")
@click.option("--date", default=None, help="编制日期 printed on each page [default: today].")
@click.option(
    "--lang",
    "annex_lang",
    type=click.Choice(["bilingual", "zh"]),
    default="bilingual",
    show_default=True,
    help="Titles and legend in Chinese with English, or Chinese only.",
)
@click.option(
    "--dpi",
    type=click.IntRange(*DPI_RANGE),
    default=300,
    show_default=True,
    help=f"Resolution of PNG pages ({DPI_RANGE[0]}-{DPI_RANGE[1]}).",
)
@_crs_option
@_role_option
@click.option("--overwrite", is_flag=True, help="Replace existing output files.")
def annex_command(
    inputs,
    output,
    paper,
    orientation,
    title,
    figure_number,
    unit,
    date,
    annex_lang,
    dpi,
    crs,
    roles,
    overwrite,
) -> None:
    """Print map annexes (附图) of SOURCE... or PLAN.yaml files as PDF or PNG pages.

    Pages: the three control lines, protected areas against the red line, the conflicts;
    each with figure number (图号), legend, scale bar with the numeric scale (1:N), north
    arrow, coordinate grid, township names, conflicts numbered as on the map, compiling
    unit (编制单位), date and source note.
    """
    from ecospace.rendering.annex import THEMES, make_annex

    _check_suffix(output, (".pdf", ".png"), "the annex as .pdf (one file) or .png (one per page)")
    pages = [output.with_name(f"{output.stem}-{i}.png") for i in range(1, len(THEMES) + 1)]
    targets = [output] if output.suffix.lower() == ".pdf" else pages
    refuse_outputs(targets, inputs=input_paths(inputs), overwrite=overwrite)
    data = _map_inputs(inputs, crs, roles)
    paths = make_annex(
        data.layers,
        output,
        conflicts=data.conflicts,
        paper=paper,
        orientation=orientation,
        title=title or data.title,
        sources=data.sources,
        figure_number=figure_number,
        unit=unit,
        date=date,
        lang=annex_lang,
        dpi=dpi,
        overwrite=overwrite,
    )
    for path in paths:
        click.echo(f"annex     {path}")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="ecospace")


if __name__ == "__main__":
    sys.exit(main())
