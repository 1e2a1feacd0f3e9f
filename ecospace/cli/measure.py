"""Measuring a county or a province: ``ecospace overlaps`` and ``stats``."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from ecospace._output import refuse_outputs
from ecospace.cli._boundary import (
    PositiveFinite,
    input_paths,
)
from ecospace.cli._reading import _dask_client, _layer_options
from ecospace.cli._to_postgis import say_written
from ecospace.cli.options import (
    _crs_option,
    _engine_option,
    _format_option,
    _lang_option,
    _method_option,
    _progress_wanted,
    _role_option,
    _scheduler_option,
    _to_postgis_option,
    _unit_option,
    _workers_option,
)
from ecospace.labels import term
from ecospace.loading.layers import _parse_role_option, read_layer
from ecospace.loading.tiled_sources import open_tiled
from ecospace.measuring.county import County
from ecospace.measuring.province import format_province, measure_units
from ecospace.measuring.stats import format_county, raster_land_cover, read_class_map
from ecospace.rendering.conflicts import write_conflicts
from ecospace.rendering.database import check_target, figure_tables, write_postgis
from ecospace.units import UNITS, normalize_unit

log = logging.getLogger("ecospace")

_denominator_option = click.option(
    "--denominator",
    type=PositiveFinite("a stated total area > 0 in --unit, e.g. 751200"),
    default=None,
    help="Stated total area, in --unit (a positive number).",
)


def _measured_county(
    sources, *, engine, crs, roles, workers, scheduler, keep, method, unit, denominator, **options
) -> County:
    """The County ``overlaps`` and ``stats`` measure: SOURCES read once, the roles ``keep``
    accepts, the denominator in m².  With workers, PostGIS tables and converted datasets
    stay tiled sources, read by the workers tile by tile."""
    tiled = workers is not None or scheduler is not None
    opened = County.open(sources, engine=engine, tiled=tiled, **_layer_options(crs, roles))
    if not opened.layers:
        raise click.UsageError(f"no layer with a known role in {', '.join(sources)}")
    return County(
        {r: layer for r, layer in opened.layers.items() if keep(r)},
        method=method,
        denominator_m2=None if denominator is None else denominator * UNITS[unit],
        workers=workers,
        client=_dask_client(scheduler),
        progress=_progress_wanted(),
        **options,
    )


@click.command("overlaps", short_help="Coverage, overlap matrix, containment, duplicates.")
@click.argument("sources", nargs=-1, required=True)
@_method_option
@_unit_option
@_crs_option
@_engine_option
@_workers_option
@_role_option
@_denominator_option
@_format_option
@click.option(
    "--conflicts",
    "conflicts_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write conflict features to this GeoPackage (one layer per conflict type).",
)
@click.option(
    "--overwrite", is_flag=True, help="Replace an existing --conflicts file or --to-postgis tables."
)
@_lang_option
@_scheduler_option
@_to_postgis_option
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
    scheduler,
    to_postgis,
) -> None:
    """Coverage, overlaps, containment and duplicates of the layers in SOURCE...

    The three control lines must not overlap (三条控制线不交叉、不重叠): each pair's status
    is violated from 0.01 ha; protected areas must lie inside the red line, every layer
    inside the county boundary (the features outside are listed).  Conflict features
    keep their source rows (a_row, b_row, src_row: 0-based) and the sources' own feature
    ids (a_src_fid, b_src_fid, src_fid: as QGIS/ArcGIS show them).
    """

    unit = normalize_unit(unit)
    if conflicts_path:
        refuse_outputs([conflicts_path], inputs=input_paths(sources), overwrite=overwrite)
    if to_postgis:
        check_target(to_postgis, _OVERLAP_TABLES, overwrite=overwrite)
    county = _measured_county(
        sources,
        engine=engine,
        crs=crs,
        roles=roles,
        workers=workers,
        scheduler=scheduler,
        keep=lambda role: role != "land_use",
        method=method,
        unit=unit,
        denominator=denominator,
        by_township=False,
    )
    figures = county.figures
    if conflicts_path:
        # the frames carry each layer's src_fid (read_layer): no second read of the sources
        write_conflicts(conflicts_path, figures.conflicts, overwrite=overwrite)
    written = []
    if to_postgis:
        tables = figure_tables(figures, sections=_OVERLAP_TABLES)
        written = write_postgis(to_postgis, tables, overwrite=overwrite)
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
            n = len([k for k, v in figures.conflicts.items() if len(v)])
            click.echo("\n" + term("conflicts_written", lang, n=n, path=conflicts_path))
    say_written(written, to_postgis, lang)


@click.command("stats", short_help="Coverage, overlaps, land cover (森林/林草覆盖率), townships.")
@click.argument("sources", nargs=-1, required=True)
@click.option("--by-township", is_flag=True, help="Add the township table (分乡镇统计).")
@_method_option
@_unit_option
@_crs_option
@_engine_option
@_workers_option
@_role_option
@_denominator_option
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
    help="Measure on this dask.distributed cluster: the county's tiles, or with --units one "
    "task per unit.",
)
@_to_postgis_option
@click.option("--overwrite", is_flag=True, help="Replace --to-postgis tables already there.")
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
    to_postgis,
    overwrite,
) -> None:
    """Area and share of each layer, overlaps, land cover (森林覆盖率…) and township table.

    Coverage, the overlap matrix, containment, within-layer overlaps, land cover and (with
    --by-township) the township table, from one reading and one validation of the layers.
    Shares count only the area inside the county boundary.  With --landcover the raster's
    forest, forest-and-grass, wetland and cropland shares (ellipsoidal pixel areas, pixels
    whose centre is inside the boundary, the same denominator) are printed beside the
    land-use parcels' figures.
    """

    unit = normalize_unit(unit)
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
        if to_postgis:
            check_target(to_postgis, ["units"], overwrite=overwrite)
        p = _stats_units(sources, units_spec, unit_field, scheduler, roles, method, unit, fmt)
        if to_postgis:
            written = write_postgis(to_postgis, {"units": p.units}, overwrite=overwrite)
            say_written(written, to_postgis, lang)
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
    if to_postgis:
        check_target(to_postgis, _STATS_TABLES, overwrite=overwrite)
    county = _measured_county(
        sources,
        engine=engine,
        crs=crs,
        roles=roles,
        workers=workers,
        scheduler=scheduler,
        keep=lambda role: by_township or role != "townships",
        method=method,
        unit=unit,
        denominator=denominator,
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
    if to_postgis:
        tables = figure_tables(figures, sections=_STATS_TABLES)
        say_written(write_postgis(to_postgis, tables, overwrite=overwrite), to_postgis, lang)


_OVERLAP_TABLES = ("coverage", "overlaps", "containment", "self_overlaps")
_STATS_TABLES = (*_OVERLAP_TABLES, "land_cover", "townships")


def _stats_units(sources, units_spec, unit_field, scheduler, roles, method, unit, fmt):
    """``stats --units``: every role per unit from tiled sources, on a cluster if asked."""

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
    return p
