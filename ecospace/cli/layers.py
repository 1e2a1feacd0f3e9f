"""Reading layers: ``ecospace layers``, ``areas`` and ``convert``."""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

import click

from ecospace._output import refuse_overwrite
from ecospace.cli._boundary import (
    NonNegativeFinite,
)
from ecospace.cli._reading import _layer_options, _single_layer_options
from ecospace.cli.options import (
    _crs_option,
    _engine_option,
    _format_option,
    _lang_option,
    _method_option,
    _role_option,
    _unit_option,
)
from ecospace.errors import MethodError
from ecospace.geometry.crs import describe, parse_crs, parse_crs_option
from ecospace.labels import found_word, term
from ecospace.loading._delivery import format_found
from ecospace.loading.convert import convert
from ecospace.loading.layers import (
    format_details,
    format_inventory,
    inventory,
    inventory_records,
    read_layer,
    read_sources,
    search_sources,
)
from ecospace.loading.validate import ValidationWarning
from ecospace.measuring._area_report import area_csv, area_json, area_summary, area_text
from ecospace.rendering.export import styles_dir, write_differing
from ecospace.units import normalize_unit

log = logging.getLogger("ecospace")


@click.command("layers", short_help="Inventory: role, CRS, encoding, problems of each layer.")
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

    errors: list = []
    options = _layer_options(crs, roles)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = read_sources(sources, engine=engine, errors=errors, **options)
    folders = [s for s in sources if Path(s).is_dir() and Path(s).suffix.lower() != ".gdb"]
    if folders and fmt != "json":
        for folder in folders:
            click.echo(f"{folder}: {found_word('searched', lang)}")
            click.echo(format_found(search_sources([folder]), root=folder, lang=lang))
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


@click.command("areas", short_help="Area of a layer: union, sum, by field, vs stored field.")
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

    unit = normalize_unit(unit)
    normalize_unit(field_unit)
    if differing_path is not None:
        if compare_field is None:
            raise click.BadParameter("needs --compare-field FIELD", param_hint="--differing")

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


@click.command("convert", short_help="Sources to sorted, partitioned GeoParquet (one per layer).")
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
