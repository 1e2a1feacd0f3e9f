"""Maps: ``ecospace map`` (offline web map) and ``annex`` (附图)."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ecospace._output import refuse_outputs
from ecospace.cli._boundary import (
    input_paths,
)
from ecospace.cli._reading import _dask_client, _layer_options
from ecospace.cli.options import (
    _check_suffix,
    _crs_option,
    _lang_option,
    _progress_wanted,
    _role_option,
    _scheduler_option,
    _workers_option,
)
from ecospace.labels import term
from ecospace.measuring.county import County
from ecospace.rendering.annex import THEMES, make_annex
from ecospace.rendering.maps import make_map, save_map
from ecospace.vocabulary import DPI_RANGE, ORIENTATIONS, PAPER_SIZES

log = logging.getLogger("ecospace")


def _map_inputs(
    inputs: tuple[str, ...],
    crs: tuple[str, ...],
    roles: tuple[str, ...],
    workers: int | None,
    scheduler: str | None,
):
    """The county of SOURCE... or PLAN.yaml files, for map and annex; its conflicts are
    measured by the partitioned engine on ``workers`` cores or the ``scheduler``'s cluster."""

    county = County.from_inputs(inputs, **_layer_options(crs, roles))
    if not county.layers:
        raise click.UsageError(f"no layer with a known role in {', '.join(inputs)}")
    county.workers, county.client = workers, _dask_client(scheduler)
    county.progress = _progress_wanted()
    return county


@click.command("map", short_help="Offline interactive map (one HTML file).")
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
@_lang_option
@_workers_option
@_scheduler_option
def map_command(
    inputs, output, basemap, tianditu_key, land_use, crs, roles, overwrite, lang, workers, scheduler
) -> None:
    """Draw the layers of SOURCE... or PLAN.yaml files as an offline web map.

    Every role in its conventional colour, the conflicts (overlaps, containment failures,
    duplicates) hatched in magenta, with legend, layer control and scale bar.
    """

    _check_suffix(output, (".html", ".htm"), "the map as .html or .htm (one self-contained page)")
    refuse_outputs([output], inputs=input_paths(inputs), overwrite=overwrite)
    data = _map_inputs(inputs, crs, roles, workers, scheduler)
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
    click.echo(term("map_written", lang, path=path, mb=path.stat().st_size / 1e6))


@click.command("annex", short_help="Static map annex (附图) as PDF or PNG pages.")
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
@_workers_option
@_scheduler_option
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
    workers,
    scheduler,
) -> None:
    """Print map annexes (附图) of SOURCE... or PLAN.yaml files as PDF or PNG pages.

    Pages: the three control lines, protected areas against the red line, the conflicts;
    each with figure number (图号), legend, scale bar with the numeric scale (1:N), north
    arrow, coordinate grid, township names, conflicts numbered as on the map, compiling
    unit (编制单位), date and source note.
    """

    _check_suffix(output, (".pdf", ".png"), "the annex as .pdf (one file) or .png (one per page)")
    pages = [output.with_name(f"{output.stem}-{i}.png") for i in range(1, len(THEMES) + 1)]
    targets = [output] if output.suffix.lower() == ".pdf" else pages
    refuse_outputs(targets, inputs=input_paths(inputs), overwrite=overwrite)
    data = _map_inputs(inputs, crs, roles, workers, scheduler)
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
        click.echo(term("annex_written", "en" if annex_lang == "en" else "zh", path=path))
