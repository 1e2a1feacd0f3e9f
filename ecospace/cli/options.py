"""Options and helpers shared by the ``ecospace`` commands, defined once.

Choices come from :mod:`ecospace.vocabulary`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ecospace.vocabulary import METHODS

log = logging.getLogger("ecospace")

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
    help="Measure the spatial tiles N at a time (Dask threads; 1 = one after another in this "
    "process) [default: every core].",
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


def _progress_wanted() -> bool:
    """A progress bar for long runs, unless -q asked for warnings and errors only."""
    return logging.getLogger("ecospace").getEffectiveLevel() <= logging.INFO


def _check_suffix(output: Path, suffixes: tuple[str, ...], what: str) -> None:
    """Refuse an output name with the wrong suffix before any layer is read."""
    if output.suffix.lower() not in suffixes:
        raise click.BadParameter(f"{output}: write {what}", param_hint="'-o' / '--output'")


_scheduler_option = click.option(
    "--scheduler",
    default=None,
    metavar="tcp://HOST:PORT",
    help="Measure the tiles on this dask.distributed cluster (the scheduler's address).",
)


_to_postgis_option = click.option(
    "--to-postgis",
    "to_postgis",
    default=None,
    metavar="postgresql://USER@HOST:PORT/DB?schema=NAME",
    help="Also write the figure tables and the conflicts into this PostGIS schema (created "
    "if missing; existing tables only with --overwrite).",
)
