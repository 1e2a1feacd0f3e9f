"""Checking a plan: ``ecospace check`` and the bundled ``ecospace demo``."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from ecospace._output import refuse_outputs
from ecospace.checking.check import check
from ecospace.cli._boundary import (
    input_paths,
)
from ecospace.cli._reading import _dask_client, _layer_options
from ecospace.cli.options import (
    _crs_option,
    _lang_option,
    _role_option,
    _scheduler_option,
    _workers_option,
    find_project_root,
)
from ecospace.rendering.annex import make_annex
from ecospace.rendering.export import conflict_paths
from ecospace.rendering.outputs import planned_outputs, write_outputs
from ecospace.rendering.report import section_text, section_title
from ecospace.vocabulary import DENOMINATORS, METHODS

log = logging.getLogger("ecospace")


@click.command(name="check", short_help="Check a plan against its layers; write reports.")
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
@_workers_option
@_scheduler_option
@click.pass_context
def check_plan(
    ctx,
    plan_file,
    out_dir,
    lang,
    fmt,
    method,
    denominator,
    sources,
    crs,
    roles,
    no_map,
    overwrite,
    workers,
    scheduler,
):
    """Check a plan's figures against its layers and write the reports.

    Writes report.md, .html, .xlsx, .json and .docx (the Word 核查表, with the annex maps
    unless --no-map), the conflicts as conflicts.gpkg, conflicts_shp/ (GBK shapefiles) and
    conflicts.gdb with QGIS styles (conflicts_styles/), and map.html.
    Exit status: 0 when every binding figure passes (or is within the plan's stated
    precision), 1 when one fails or cannot be measured, 2 for usage errors.
    """

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
        workers=workers,
        client=_dask_client(scheduler),
        **_layer_options(crs, roles),
    )
    paths = write_outputs(result, out_dir, lang=lang, overwrite=overwrite, map_path=map_path)
    if fmt == "json":
        click.echo(result.to_json())
    else:
        click.echo(result.to_table(lang))
        # numbered as the markers of map.html and the rings of the annex
        click.echo(f"\n== {section_title('conflicts', lang)} ==")
        click.echo(section_text(result, "conflicts", lang))
        click.echo("")
    for kind, path in paths.items():
        click.echo(f"{kind:<16} {path}", err=fmt == "json")
    ctx.exit(0 if result.passed else 1)


@click.command(short_help="Run the whole check on the bundled demo county (示范县).")
@_lang_option
@click.option("--no-map", is_flag=True, help="Skip maps/demo.html and the PDF annex (faster).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the reports [default: out/demo/ in the checkout, replaced on every run].",
)
@_workers_option
@click.pass_context
def demo(ctx, lang, no_map, out_dir, workers):
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

    root = find_project_root()
    result = check(root / "plans" / "demo.yaml", workers=workers)
    sections = (
        "layers",
        "coverage",
        "overlaps",
        "containment",
        "conflicts",
        "townships",
        "land_cover",
        "audit",
    )
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
