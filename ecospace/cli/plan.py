"""The plan alone, no layers: ``ecospace audit`` and ``extract``."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click

from ecospace._limits import refuse_special_file
from ecospace._output import refuse_outputs
from ecospace.cli.options import _format_option, _lang_option
from ecospace.errors import PlanError
from ecospace.labels import term
from ecospace.plan.audit import audit_plan, format_audit, implied_totals
from ecospace.plan.extract import draft_text, extract_figures
from ecospace.plan.model import load_plan

log = logging.getLogger("ecospace")


@click.command("audit", short_help="Check a plan's own figures against each other.")
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

    plan = load_plan(plan_file)
    findings = audit_plan(plan)
    table = implied_totals(plan, lang=lang)
    click.echo(format_audit(plan, findings, table, fmt=fmt, lang=lang))
    if any(f.severity == "error" for f in findings):
        ctx.exit(1)


@click.command("extract", short_help="Draft a plan file from a plan's Chinese text.")
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
@_lang_option
def extract_command(text_file: Path, output: Path | None, overwrite: bool, lang: str) -> None:
    """Draft a plan file from a plan's text (UTF-8), for a person to review."""

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
        click.echo(term("drafted", lang, n=n, text=text_file), err=True)
        return
    draft_text(plan, output)
    click.echo(term("drafted_into", lang, n=n, text=text_file, out=output))
