"""The ``ecospace`` command group: logging, the error boundary, the commands loaded lazily."""

from __future__ import annotations

import importlib
import logging
import sys
import traceback
import warnings

import click

from ecospace._escape import terminal_text
from ecospace._version import __version__
from ecospace.cli._boundary import (
    clean_terminal,
    error_message,
)

log = logging.getLogger("ecospace")

#: Every command: the module of its command group and the function.  A command's module is
#: imported when the command runs (or ``--help`` lists it), so ``ecospace audit`` and
#: ``ecospace extract`` never load a GIS library (click's lazy-group pattern).
COMMANDS: dict[str, tuple[str, str]] = {
    "layers": ("ecospace.cli.layers", "layers_command"),
    "areas": ("ecospace.cli.layers", "areas_command"),
    "convert": ("ecospace.cli.layers", "convert_command"),
    "overlaps": ("ecospace.cli.measure", "overlaps_command"),
    "stats": ("ecospace.cli.measure", "stats_command"),
    "audit": ("ecospace.cli.plan", "audit_command"),
    "extract": ("ecospace.cli.plan", "extract_command"),
    "check": ("ecospace.cli.check", "check_plan"),
    "demo": ("ecospace.cli.check", "demo"),
    "map": ("ecospace.cli.maps", "map_command"),
    "annex": ("ecospace.cli.maps", "annex_command"),
}


class _EcospaceGroup(click.Group):
    """The command group, its commands loaded on use, and the error boundary.

    The boundary: every failure of a command becomes one ``Error: …`` line, exit 2.

    ecospace's own errors, ``OSError``, ``MemoryError``, ``RecursionError`` and any other
    library exception are reported by :func:`ecospace._boundary.error_message` (the
    traceback too with ``-v``); Ctrl-C prints one line and exits with 130, the writers
    having removed their unfinished files.  Everything printed meanwhile is stripped of
    control characters (:func:`ecospace._boundary.clean_terminal`).
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attr = COMMANDS[name]
        return getattr(importlib.import_module(module), attr)

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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="ecospace")


if __name__ == "__main__":
    sys.exit(main())
