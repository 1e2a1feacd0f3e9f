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


@cli.command(name="check")
@click.argument(
    "plan_file", metavar="PLAN.yaml", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the reports, conflicts.gpkg and map.html [default: out/<plan file name>/].",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of the table and the reports.",
)
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
    type=click.Choice(["ellipsoid", "geodesic", "planar"]),
    help="Area method [default: the plan's, else ellipsoid 椭球面积].",
)
@click.option(
    "--denominator",
    type=click.Choice(["boundary", "stated"]),
    help="Shares divide by the boundary layer's computed area or the plan's stated "
    "total [default: the plan's, else boundary].",
)
@click.option("--no-map", is_flag=True, help="Do not draw map.html (faster).")
@click.option("--overwrite", is_flag=True, help="Replace report files already in --out.")
@click.pass_context
def check_plan(ctx, plan_file, out_dir, lang, fmt, method, denominator, no_map, overwrite):
    """Check a plan's figures against its layers and write the reports.

    Writes report.md, report.html, report.xlsx, report.json, conflicts.gpkg and map.html.
    Exit status: 0 when every binding figure passes (or is within the plan's stated
    precision), 1 when one fails or cannot be measured, 2 for usage errors.
    """
    from .check import check
    from .report import planned_outputs, write_outputs

    out_dir = out_dir or Path("out") / plan_file.stem
    map_path = False if no_map else None
    existing = [str(p) for p in planned_outputs(out_dir, map_path=map_path).values() if p.exists()]
    if existing and not overwrite:
        raise click.UsageError(
            f"{', '.join(existing)} already exist(s); pass --overwrite or choose another --out"
        )
    result = check(plan_file, method=method, denominator=denominator)
    paths = write_outputs(result, out_dir, lang=lang, overwrite=True, map_path=map_path)
    if fmt == "json":
        click.echo(result.to_json())
    else:
        click.echo(result.to_table(lang))
        click.echo("")
    for kind, path in paths.items():
        click.echo(f"{kind:<10} {path}", err=fmt == "json")
    ctx.exit(0 if result.passed else 1)


@cli.command()
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of the tables and the reports.",
)
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
    """
    import json

    from .check import check
    from .report import section_text, section_title, write_outputs

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
            from .annex import make_annex
        except ImportError:
            log.warning("ecospace.annex is not available: no PDF annex")
        else:
            paths["annex"] = make_annex(
                result.frames,
                maps_dir / "demo_annex.pdf",
                conflicts=result.county.conflicts,
                title=result.plan.name,
                overwrite=True,
            )
    truth = json.loads((root / "layers" / "demo_truth.json").read_text(encoding="utf-8"))
    expected = {f["id"]: f["expected_status"] for f in truth["plan_figures"]}
    got = dict(zip(result.figures["id"], result.figures["status"], strict=True))
    wrong = sorted(i for i in expected.keys() | got.keys() if expected.get(i) != got.get(i))
    click.echo(f"\n== {section_title('figures', lang)} ==")
    click.echo(result.to_table(lang))
    failed = int((result.figures["status"] == "fail").sum())
    if wrong:
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
    for kind in ("html", "xlsx", "json", "md", "conflicts", "map", "annex"):
        if kind in paths:
            click.echo(f"{kind:<10} {paths[kind]}")
    ctx.exit(1 if wrong else 0)


@cli.command("layers")
@click.argument("sources", nargs=-1, required=True)
@click.option("--crs", default=None, metavar="EPSG", help="CRS for layers whose file has none.")
@click.option(
    "--engine", type=click.Choice(["pyogrio", "fiona"]), default="pyogrio", show_default=True
)
@click.option(
    "--role", "roles", multiple=True, metavar="LAYER=ROLE", help="Set a layer's role (or none)."
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def layers_command(sources, crs, engine, roles, fmt) -> None:
    """List the layers in SOURCE... (file, .gdb, folder, .zip; PATH:LAYER for one layer).

    For each: role, features, geometry type, CRS (EPSG, name, how determined),
    encoding, and the problems found and repaired.
    """
    from .layers import _parse_role_option, format_inventory, inventory, read_sources

    errors: list = []
    found = read_sources(
        sources, roles=_parse_role_option(roles), crs=crs, engine=engine, errors=errors
    )
    table = inventory(found)
    if fmt == "json":
        click.echo(table.to_json(orient="records", force_ascii=False, indent=2))
    else:
        click.echo(format_inventory(table))
    if errors:
        raise click.UsageError(
            "; ".join(str(exc) for _, exc in errors) + f" ({len(errors)} layer(s) not read)"
        )


@cli.command("overlaps")
@click.argument("sources", nargs=-1, required=True)
@click.option(
    "--method",
    type=click.Choice(["ellipsoid", "geodesic", "planar"]),
    default="ellipsoid",
    show_default=True,
    help="Area method (ellipsoid = the official 2008 survey formula).",
)
@click.option("--unit", default="ha", show_default=True, help="m2, ha, km2, mu, wanmu (or 公顷…).")
@click.option("--crs", default=None, metavar="EPSG", help="CRS for layers whose file has none.")
@click.option(
    "--role", "roles", multiple=True, metavar="LAYER=ROLE", help="Set a layer's role (or none)."
)
@click.option("--denominator", type=float, default=None, help="Stated total area, in --unit.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option(
    "--conflicts",
    "conflicts_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write conflict features to this GeoPackage (one layer per conflict type).",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing --conflicts file.")
def overlaps_command(
    sources, method, unit, crs, roles, denominator, fmt, conflicts_path, overwrite
) -> None:
    """Coverage, overlaps, containment and duplicates of the layers in SOURCE...

    The three control lines must not overlap (三条控制线不交叉、不重叠); protected areas
    must lie inside the red line; every layer inside the county boundary.
    """
    import json

    from .crs import to_working
    from .layers import _parse_role_option, load_layers
    from .overlap import write_conflicts
    from .stats import format_county, measure_county
    from .units import UNITS, normalize_unit

    unit = normalize_unit(unit)
    if conflicts_path and Path(conflicts_path).exists() and not overwrite:
        raise click.UsageError(f"{conflicts_path} exists; add --overwrite to replace it")
    found = load_layers(sources, roles=_parse_role_option(roles), crs=crs)
    if not found:
        raise click.UsageError(f"no layer with a known role in {', '.join(sources)}")
    work = {r: g for r, g in to_working(found).items() if r != "land_use"}
    figures = measure_county(
        work,
        method=method,
        denominator_m2=None if denominator is None else denominator * UNITS[unit],
    )
    if conflicts_path:
        write_conflicts(conflicts_path, figures.conflicts, overwrite=overwrite)
    if fmt == "json":
        d = figures.to_dict()
        d.pop("townships")
        d.pop("land_cover")
        click.echo(json.dumps(d, ensure_ascii=False, indent=2))
    else:
        click.echo(
            format_county(
                figures,
                unit=unit,
                sections=("coverage", "overlaps", "containment", "self_overlaps"),
            )
        )
        if conflicts_path:
            n = len([k for k, v in figures.conflicts.items() if len(v)])
            click.echo(f"\nconflicts: {n} layer(s) written to {conflicts_path}")


@cli.command("stats")
@click.argument("sources", nargs=-1, required=True)
@click.option("--by-township", is_flag=True, help="Add the township table (分乡镇统计).")
@click.option(
    "--method",
    type=click.Choice(["ellipsoid", "geodesic", "planar"]),
    default="ellipsoid",
    show_default=True,
    help="Area method (ellipsoid = the official 2008 survey formula).",
)
@click.option("--unit", default="ha", show_default=True, help="m2, ha, km2, mu, wanmu (or 公顷…).")
@click.option("--crs", default=None, metavar="EPSG", help="CRS for layers whose file has none.")
@click.option(
    "--role", "roles", multiple=True, metavar="LAYER=ROLE", help="Set a layer's role (or none)."
)
@click.option("--denominator", type=float, default=None, help="Stated total area, in --unit.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def stats_command(sources, by_township, method, unit, crs, roles, denominator, fmt) -> None:
    """Area and share of each layer, land cover (森林覆盖率, 林草覆盖率…) and township table."""
    import json

    from .crs import to_working
    from .layers import _parse_role_option, load_layers
    from .stats import format_county, measure_county
    from .units import UNITS, normalize_unit

    unit = normalize_unit(unit)
    found = load_layers(sources, roles=_parse_role_option(roles), crs=crs)
    if not found:
        raise click.UsageError(f"no layer with a known role in {', '.join(sources)}")
    work = to_working(found)
    if not by_township:
        work.pop("townships", None)
    figures = measure_county(
        work,
        method=method,
        denominator_m2=None if denominator is None else denominator * UNITS[unit],
    )
    if fmt == "json":
        d = figures.to_dict()
        keep = ("method", "denominator_m2", "denominator_source", "coverage", "land_cover")
        out = {k: d[k] for k in keep}
        if by_township:
            out["townships"] = d["townships"]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        sections = (
            ("coverage", "land_cover", "townships") if by_township else ("coverage", "land_cover")
        )
        click.echo(format_county(figures, unit=unit, sections=sections))


@cli.command("audit")
@click.argument(
    "plan_file", metavar="PLAN.yaml", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.pass_context
def audit_command(ctx: click.Context, plan_file: Path, fmt: str, lang: str) -> None:
    """Check a plan's own figures against each other (no layers needed).

    Exit status: 0 when no finding is an error, 1 when any is, 2 for usage errors.
    """
    from .audit import audit_plan, format_audit, implied_totals
    from .plan import load_plan

    plan = load_plan(plan_file)
    findings = audit_plan(plan)
    click.echo(format_audit(plan, findings, implied_totals(plan), fmt=fmt, lang=lang))
    if any(f.severity == "error" for f in findings):
        ctx.exit(1)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="ecospace")


if __name__ == "__main__":
    sys.exit(main())
