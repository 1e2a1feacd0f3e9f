"""The ``ecospace`` command line: one function per subcommand, wiring the library together.

User mistakes (bad arguments, unreadable files, malformed plans) end with a one-line
``Error: …`` message and exit status 2, never a traceback.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from . import __version__
from ._errors import EcospaceError

log = logging.getLogger("ecospace")


class _EcospaceGroup(click.Group):
    """A click group that turns :class:`EcospaceError` into a usage error (exit 2)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except EcospaceError as exc:
            raise click.UsageError(str(exc), ctx=None) from exc


@click.group(cls=_EcospaceGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="ecospace")
@click.option("-v", "--verbose", count=True, help="More log output (repeat for debug).")
@click.option("-q", "--quiet", count=True, help="Less output: warnings and errors only.")
def cli(verbose: int, quiet: int) -> None:
    """Check spatial-planning layers against the figures written in plans."""
    level = logging.INFO - 10 * verbose + 10 * quiet
    logging.basicConfig(level=max(level, logging.DEBUG), format="%(levelname)s: %(message)s")
    logging.captureWarnings(True)


def find_project_root(start: Path | None = None) -> Path:
    """The folder holding ``plans/demo.yaml`` and ``layers/``: the working directory or a parent."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "layers" / "demo.gpkg").exists():
            return folder
    # an editable install: the source tree beside the package
    src = Path(__file__).resolve().parent.parent
    if (src / "layers" / "demo.gpkg").exists():
        return src
    raise click.UsageError(
        "cannot find the demo data (layers/demo.gpkg); run this from the ecospace checkout"
    )


@cli.command()
def demo() -> None:
    """Run the whole check on the bundled demo county (示范县)."""
    import geopandas as gpd
    import pyogrio

    from .area import areas

    root = find_project_root()
    gpkg = root / "layers" / "demo.gpkg"
    click.echo(f"demo county: {gpkg}")
    for name, _ in pyogrio.list_layers(gpkg):
        gdf = gpd.read_file(gpkg, layer=name)
        if gdf.geometry.isna().all() or gdf.crs is None:
            continue
        a = areas(gdf.geometry[gdf.is_valid]).sum() / 1e4
        click.echo(f"  {name:<12} {len(gdf):>7} features  {a:>14,.2f} ha (sum of valid features)")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="ecospace")


if __name__ == "__main__":
    sys.exit(main())
