"""Hostile outputs and option values, replayed against the command line.

A corpus built in ``tmp_path`` — a tiny county GeoPackage, a plan file and a plan text,
some of them carrying hostile text (formulas, HTML, ESC bytes, ``$…$``) — and, for each
case, a command with its expected exit status.  Every replay fails on a traceback, a hang
(an alarm after ``TIMEOUT`` s), an input or earlier output whose bytes changed, or a file
left half-written (a staging folder, or any new file after a failed run).  Expected values
come from the cases themselves (the text planted, the bytes before the run), never from
ecospace.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
import yaml
from click.testing import CliRunner, Result
from shapely import box

from ecospace.cli import cli

TIMEOUT = 180  # seconds a single replay may take before it counts as a hang
X0, Y0 = 41_500_000.0, 5_000_000.0  # 3° Gauss–Krüger zone 41, ~45° N
FORMULAS = ['=HYPERLINK("http://example.invalid","x")', "+1+1", "-2+3", "@SUM(A1)"]
HTML = '<img src=x onerror="alert(1)">'
ESC = "\x1b[2J\x1b]0;pwned\x07"


class _Hang(BaseException):
    """Raised by the alarm: not an Exception, so the CLI boundary cannot turn it into an Error."""


def b(x1, y1, x2, y2):
    return box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def make_county(folder: Path, *, township: str = "甲镇", name: str = "county.gpkg") -> Path:
    """Boundary 10 km × 10 km, two townships, one red-line patch of 3 km × 10 km."""
    path = folder / name
    layers = {
        "XZQ": gpd.GeoDataFrame({"XZQMC": ["测试县"]}, geometry=[b(0, 0, 10e3, 10e3)]),
        "XZ": gpd.GeoDataFrame(
            {"XZQMC": [township, "乙乡"]},
            geometry=[b(0, 0, 5e3, 10e3), b(5e3, 0, 10e3, 10e3)],
        ),
        "STBHHX": gpd.GeoDataFrame({"HXMC": ["红线一"]}, geometry=[b(0, 0, 3e3, 10e3)]),
    }
    for layer, g in layers.items():
        g.set_crs("EPSG:4529").to_file(path, layer=layer, engine="pyogrio")
    return path


def make_plan(
    folder: Path,
    *,
    name: str = "测试县规划",
    label: str = "生态保护红线面积",
    gpkg: str = "county.gpkg",
) -> Path:
    plan = {
        "plan": name,
        "region": {"name": "测试县", "code": "999999"},
        "method": "planar",
        "layers": [
            {"path": f"{gpkg}:XZQ", "role": "boundary"},
            {"path": f"{gpkg}:XZ", "role": "townships"},
            {"path": f"{gpkg}:STBHHX", "role": "red_line"},
        ],
        "figures": [
            {"id": "red_area", "label": label, "measure": "area", "role": "red_line",
             "op": ">=", "value": 3000, "unit": "ha", "quote": label, "line": 1},
            {"id": "red_share", "label": "红线占比", "measure": "share", "role": "red_line",
             "op": ">=", "value": 30, "unit": "%", "quote": "红线占比30%", "line": 2},
        ],
    }  # fmt: skip
    path = folder / "plan.yaml"
    path.write_text(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


TEXT = "第一章\n到2025年，生态保护红线面积不低于3000公顷，占全县总面积的30%。\n"


@dataclass
class Case:
    """One replay: the command, its expected exit status, and what must hold afterwards."""

    args: list[str]
    exit: int | tuple[int, ...]
    error: str | None = None  # a fragment of the one Error: line (exit 2)
    new_files: bool = False  # whether the run may add files (a successful run)
    check: Callable[[Path, Result], None] | None = None  # what the sinks must hold
    patch: Callable[[pytest.MonkeyPatch], None] | None = None  # a Ctrl-C planted in a writer


# ------------------------------------------------------------------------- the corpus


@contextlib.contextmanager
def read_only(folder: Path):
    """A folder nobody may write to, root included (chattr +i; chmod for other users)."""
    folder.mkdir(exist_ok=True)
    folder.chmod(0o555)
    immutable = os.geteuid() == 0
    if immutable:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    try:
        yield folder
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)


def _setup(folder: Path, *, township="甲镇", name="测试县规划", label="生态保护红线面积") -> None:
    make_county(folder, township=township)
    make_plan(folder, name=name, label=label)
    (folder / "plan.txt").write_text(TEXT, encoding="utf-8")


def _interrupt_on(target: str, *, after: int = 0, write_first: bool = False):
    """A patch that raises KeyboardInterrupt in the ``after``-th call of ``target`` (0-based).

    With ``write_first`` the call writes half of its text first: a Ctrl-C mid-write.
    """

    def apply(monkeypatch):
        module, _, attr = target.rpartition(".")
        owner = _resolve(module)
        real = getattr(owner, attr)
        calls = {"n": 0}

        def step(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] - 1 < after:
                return real(*args, **kwargs)
            if write_first:  # Path.write_text(self, text, ...): half of it, then Ctrl-C
                self, text = args[0], args[1]
                real(self, text[: len(text) // 2], **kwargs)
            raise KeyboardInterrupt

        monkeypatch.setattr(owner, attr, step)

    return apply


def _resolve(dotted: str):
    import importlib

    try:
        return importlib.import_module(dotted)
    except ImportError:
        module, _, attr = dotted.rpartition(".")
        return getattr(importlib.import_module(module), attr)


def _xlsx_keeps_text(*planted_values: str):
    """Formulas planted in labels, names and townships are text cells, never formulas."""

    def check(folder: Path, r) -> None:
        book = folder / "out" / "report.xlsx"
        with zipfile.ZipFile(book) as z:
            sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert not any("<f>" in s or "<f " in s for s in sheets)
        cells = [
            c
            for ws in openpyxl.load_workbook(book)
            for row in ws.iter_rows()
            for c in row
            if c.value
        ]
        planted = [c for c in cells if c.value in planted_values]
        assert {c.value for c in planted} == set(planted_values)
        assert all(c.data_type == "s" and c.quotePrefix for c in planted)

    return check


def _no_raw_html(folder: Path, r) -> None:
    md = (folder / "out" / "report.md").read_text(encoding="utf-8")
    assert "<img" not in md and "&lt;img src=x" in md
    page = (folder / "out" / "report.html").read_text(encoding="utf-8")
    assert "<img src=x" not in page
    assert "<img src=x" not in (folder / "out" / "map.html").read_text(encoding="utf-8")


def _no_control_bytes(folder: Path, r) -> None:
    printed = r.stdout + r.stderr
    assert "\x1b" not in printed and "\x07" not in printed
    assert "[2J" in printed or "]0;pwned" in printed  # the text is shown, without its controls
    cells = [
        str(c.value)
        for ws in openpyxl.load_workbook(folder / "out" / "report.xlsx")
        for row in ws.iter_rows()
        for c in row
    ]
    assert not any("\x1b" in c or "\x07" in c for c in cells)
    assert any("]0;pwned" in c for c in cells)


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _dollars_literal(title: str):
    def check(folder: Path, r) -> None:
        assert title in _pdf_text(folder / "annex.pdf")

    return check


CASES: dict[str, tuple[dict, Case]] = {
    # --- read-only output folder (map, check, extract, annex), and a file where a folder should be
    "readonly-map": ({}, Case(["map", "plan.yaml", "-o", "ro/m.html"], 2, "ro is not writable")),
    "readonly-check": (
        {},
        Case(["check", "plan.yaml", "--out", "ro/out"], 2, "ro is not writable"),
    ),
    "readonly-extract": (
        {},
        Case(["extract", "plan.txt", "-o", "ro/d.yaml"], 2, "ro is not writable"),
    ),
    "readonly-annex": ({}, Case(["annex", "plan.yaml", "-o", "ro/a.pdf"], 2, "ro is not writable")),
    "file-as-folder-map": (
        {},
        Case(["map", "plan.yaml", "-o", "plan.txt/m.html"], 2, "plan.txt is not a folder"),
    ),
    # --- an output that is an input, even with --overwrite
    "extract-onto-its-text": (
        {},
        Case(["extract", "plan.txt", "-o", "plan.txt", "--overwrite"], 2, "is also an input"),
    ),
    "conflicts-onto-source": (
        {},
        Case(
            ["overlaps", "county.gpkg", "--conflicts", "county.gpkg", "--overwrite"],
            2,
            "is also an input",
        ),
    ),
    "check-conflicts-onto-layer": (
        {"layer_in_out": True},
        Case(["check", "plan.yaml", "--out", "out", "--overwrite"], 2, "is also an input"),
    ),
    "map-through-link-to-plan": (
        {"link": ("m.html", "plan.yaml")},
        Case(["map", "plan.yaml", "-o", "m.html", "--overwrite"], 2, "is also an input"),
    ),
    # --- a dangling symbolic link as the output
    "dangling-extract": (
        {"link": ("d.yaml", "gone/d.yaml")},
        Case(["extract", "plan.txt", "-o", "d.yaml", "--overwrite"], 2, "does not exist"),
    ),
    "dangling-map": (
        {"link": ("m.html", "gone/m.html")},
        Case(["map", "plan.yaml", "-o", "m.html"], 2, "does not exist"),
    ),
    # --- a special file as the output, even with --overwrite: never replaced
    "fifo-as-output": (
        {"fifo": "d.yaml"},
        Case(["extract", "plan.txt", "-o", "d.yaml", "--overwrite"], 2, "not a regular file"),
    ),
    "link-to-dev-null": (
        {"link": ("null.html", "/dev/null")},
        Case(["map", "plan.yaml", "-o", "null.html", "--overwrite"], 2, "not a regular file"),
    ),
    # --- Ctrl-C in the middle of a write step
    "ctrl-c-excel-over-old-set": (
        {"previous_run": True},
        Case(
            ["check", "plan.yaml", "--out", "out", "--overwrite", "--no-map"],
            130,
            patch=_interrupt_on("openpyxl.Workbook.save"),
        ),
    ),
    "ctrl-c-json-new-out": (
        {},
        Case(
            ["check", "plan.yaml", "--out", "out", "--no-map"],
            130,
            patch=_interrupt_on("pathlib.Path.write_text", after=2, write_first=True),
        ),
    ),
    "ctrl-c-map-page": (
        {},
        Case(
            ["map", "plan.yaml", "-o", "m.html"],
            130,
            patch=_interrupt_on("pathlib.Path.write_text", write_first=True),
        ),
    ),
    "ctrl-c-annex-second-page": (
        {},
        Case(
            ["annex", "plan.yaml", "-o", "annex.pdf"],
            130,
            patch=_interrupt_on("matplotlib.backends.backend_pdf.PdfPages.savefig", after=1),
        ),
    ),
    "ctrl-c-extract": (
        {},
        Case(
            ["extract", "plan.txt", "-o", "d.yaml"],
            130,
            patch=_interrupt_on("pathlib.Path.write_text", write_first=True),
        ),
    ),
    # --- text from the data, escaped for each sink
    "formula-injection": (
        {"label": FORMULAS[0], "township": FORMULAS[1]},
        Case(
            ["check", "plan.yaml", "--out", "out"],
            (0, 1),
            new_files=True,
            check=_xlsx_keeps_text(FORMULAS[0], FORMULAS[1]),
        ),
    ),
    "formula-injection-at-minus": (
        {"label": FORMULAS[2], "township": FORMULAS[3], "name": FORMULAS[0]},
        Case(
            ["check", "plan.yaml", "--out", "out"],
            (0, 1),
            new_files=True,
            check=_xlsx_keeps_text(FORMULAS[0], FORMULAS[2], FORMULAS[3]),
        ),
    ),
    "html-injection": (
        {"label": HTML, "township": HTML, "name": HTML},
        Case(["check", "plan.yaml", "--out", "out"], (0, 1), new_files=True, check=_no_raw_html),
    ),
    "html-injection-township": (
        {"township": "</td><script>alert(1)</script>"},
        Case(
            ["check", "plan.yaml", "--out", "out"],
            (0, 1),
            new_files=True,
            check=lambda f, r: _assert_absent(f / "out", "<script>alert(1)"),
        ),
    ),
    "esc-in-label-and-township": (
        {"label": "红线" + ESC, "township": "甲" + ESC + "镇"},
        Case(
            ["check", "plan.yaml", "--out", "out"], (0, 1), new_files=True, check=_no_control_bytes
        ),
    ),
    "esc-in-file-name": (
        {},
        Case(["audit", "plan\x1b[2J\x07.yaml"], 2, "does not exist"),
    ),
    "esc-in-a-plan-error": (
        {"bad_op": ">=" + ESC},
        Case(["audit", "plan.yaml"], 2, "field 'op'"),
    ),
    "esc-in-plan-name": (
        {"name": ESC + "规划"},
        Case(
            ["check", "plan.yaml", "--out", "out"], (0, 1), new_files=True, check=_no_control_bytes
        ),
    ),
    "dollar-title": (
        {},
        Case(
            ["annex", "plan.yaml", "-o", "annex.pdf", "--title", "$x^2$ 与 $5"],
            0,
            new_files=True,
            check=_dollars_literal("$x^2$ 与 $5"),
        ),
    ),
    "dollar-plan-name": (
        {"name": "$\\frac{1}{0}$ 规划"},
        Case(
            ["annex", "plan.yaml", "-o", "annex.pdf"],
            0,
            new_files=True,
            check=_dollars_literal("$\\frac{1}{0}$ 规划"),
        ),
    ),
    # --- option values checked by click
    "dpi-0": ({}, Case(["annex", "plan.yaml", "-o", "a.png", "--dpi", "0"], 2, "'--dpi'")),
    "dpi-200000": (
        {},
        Case(["annex", "plan.yaml", "-o", "a.png", "--dpi", "200000"], 2, "'--dpi'"),
    ),
    "paper-a0": ({}, Case(["annex", "plan.yaml", "-o", "a.pdf", "--paper", "A0"], 2, "'--paper'")),
    **{
        f"denominator-{v}": ({}, Case([cmd, "county.gpkg", "--denominator", v], 2, "--denominator"))
        for cmd, v in [("overlaps", "0"), ("overlaps", "nan"), ("stats", "inf"), ("stats", "-5")]
    },
    "tolerance-nan": (
        {},
        Case(["areas", "county.gpkg:STBHHX", "--tolerance", "nan"], 2, "--tolerance"),
    ),
}


def _assert_absent(folder: Path, text: str) -> None:
    for name in ("report.md", "report.html", "map.html"):
        assert text not in (folder / name).read_text(encoding="utf-8"), name


def _digest(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (links as their target text) → its SHA-256."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_symlink():
            out[str(p.relative_to(folder))] = "link:" + os.readlink(p)
        elif p.is_fifo():
            out[str(p.relative_to(folder))] = "fifo"
        elif p.is_file():
            out[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _build(folder: Path, spec: dict) -> None:
    _setup(
        folder,
        township=spec.get("township", "甲镇"),
        name=spec.get("name", "测试县规划"),
        label=spec.get("label", "生态保护红线面积"),
    )
    if spec.get("layer_in_out"):  # the plan's layers live in --out under the conflicts name
        (folder / "out").mkdir()
        (folder / "county.gpkg").rename(folder / "out" / "conflicts.gpkg")
        make_plan(folder, gpkg="out/conflicts.gpkg")
    if "bad_op" in spec:  # a malformed figure whose bad value carries control characters
        plan = yaml.safe_load((folder / "plan.yaml").read_text(encoding="utf-8"))
        plan["figures"][0]["op"] = spec["bad_op"]
        (folder / "plan.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True), "utf-8")
    if "fifo" in spec:
        os.mkfifo(folder / spec["fifo"])
    if "link" in spec:
        link, target = spec["link"]
        (folder / link).symlink_to(target)
    if spec.get("previous_run"):
        r = CliRunner().invoke(cli, ["check", "plan.yaml", "--out", "out", "--no-map"])
        assert r.exit_code in (0, 1), r.output


def _replay(args: list[str]):
    def alarm(signum, frame):
        raise _Hang(f"ecospace {' '.join(args)} ran for more than {TIMEOUT} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(TIMEOUT)
    try:
        return CliRunner().invoke(cli, args)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_case(name, tmp_path, monkeypatch):
    spec, case = CASES[name]
    monkeypatch.chdir(tmp_path)
    _build(tmp_path, spec)
    before = _digest(tmp_path)
    with read_only(tmp_path / "ro"):
        if case.patch:
            case.patch(monkeypatch)
        r = _replay(case.args)
        monkeypatch.undo()
        monkeypatch.chdir(tmp_path)
    after = _digest(tmp_path)

    # no traceback, no hang: the run ended by exiting, with the expected status
    assert r.exc_info is None or r.exc_info[0] is SystemExit, r.exc_info
    assert "Traceback" not in r.output
    expected = case.exit if isinstance(case.exit, tuple) else (case.exit,)
    assert r.exit_code in expected, r.output
    errors = [line for line in r.stderr.splitlines() if line.startswith("Error:")]
    assert "\x1b" not in r.output and "\x07" not in r.output
    if r.exit_code == 2:
        assert len(errors) == 1 and case.error in r.stderr, r.stderr
    elif r.exit_code == 130:
        assert "Interrupted (Ctrl-C)" in r.stderr and not errors
    # nothing replaced or lost, nothing half-written
    assert not [p for p in after if ".ecospace-" in p], sorted(after)
    changed = {p for p in before if after.get(p) != before[p]}
    assert not changed, f"replaced or lost: {sorted(changed)}"
    if not case.new_files:
        assert set(after) == set(before), f"left behind: {sorted(set(after) - set(before))}"
    if case.check:
        case.check(tmp_path, r)


def test_traceback_only_with_verbose(tmp_path, monkeypatch):
    """An unexpected library error: one Error line; -v adds the traceback."""
    _setup(tmp_path)
    monkeypatch.chdir(tmp_path)

    def broken(*args, **kwargs):
        raise ValueError("Unknown symbol: \\frac")

    monkeypatch.setattr("ecospace.cli.plan.audit_plan", broken)
    quiet = CliRunner().invoke(cli, ["audit", "plan.yaml"])
    loud = CliRunner().invoke(cli, ["-v", "audit", "plan.yaml"])
    assert quiet.exit_code == loud.exit_code == 2
    assert quiet.stderr.splitlines() == [
        "Error: ValueError: Unknown symbol: \\frac (unexpected; run `ecospace -v ...` for the "
        "traceback and report it)"
    ]
    assert "Traceback (most recent call last)" in loud.stderr
    assert loud.stderr.splitlines()[-1] == quiet.stderr.splitlines()[-1]


@pytest.mark.parametrize(
    ("exc", "fragment"),
    [
        (MemoryError(), "out of memory (MemoryError)"),
        (RecursionError("maximum recursion depth exceeded"), "nested too deeply"),
        (PermissionError(13, "Permission denied", "plan.yaml"), "plan.yaml: Permission denied"),
        (OSError(28, "No space left on device", "out/report.xlsx"), "No space left on device"),
        (UnicodeDecodeError("gbk", b"\xff", 0, 1, "illegal"), "UnicodeDecodeError: 'gbk'"),
        (RuntimeError("line one\nline two\x1b[2J"), "line one line two[2J"),
    ],
)
def test_every_exception_is_one_error_line(tmp_path, monkeypatch, exc, fragment):
    _setup(tmp_path)
    monkeypatch.chdir(tmp_path)

    def broken(*args, **kwargs):
        raise exc

    monkeypatch.setattr("ecospace.cli.plan.audit_plan", broken)
    r = CliRunner().invoke(cli, ["audit", "plan.yaml"])
    assert r.exit_code == 2 and r.exc_info[0] is SystemExit
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and fragment in lines[0], lines


def _run(args: list[str], cwd: Path) -> subprocess.Popen:
    code = "import sys; from ecospace.cli import main; sys.argv[0] = 'ecospace'; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
@pytest.mark.parametrize("overwrite", [False, True])
def test_concurrent_checks_into_one_new_out_never_mix(tmp_path, overwrite):
    """Two real processes check two plans into the same new --out at the same moment.

    Without --overwrite exactly one succeeds and the other says the reports appeared
    meanwhile; with it both succeed.  Either way every report in --out names one plan.
    """
    for who in ("A", "B"):
        (tmp_path / who).mkdir()
        _setup(tmp_path / who, name=f"规划{who}号")
    out = tmp_path / "shared"
    extra = ["--overwrite"] if overwrite else []
    procs = [
        _run(["check", f"{who}/plan.yaml", "--out", str(out), "--no-map", *extra], tmp_path)
        for who in ("A", "B")
    ]
    results = [(p.wait(timeout=TIMEOUT), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    for _, _, err in results:
        assert "Traceback" not in err
    if overwrite:
        assert codes == [0, 0] or set(codes) <= {0, 1}
    else:
        assert codes[1] == 2 and codes[0] in (0, 1), results
        (failed_err,) = [err for code, _, err in results if code == 2]
        assert "already exist" in failed_err.splitlines()[-1]
    names = set()
    for f in ("report.md", "report.html", "report.json"):
        text = (out / f).read_text(encoding="utf-8")
        names |= {n for n in ("规划A号", "规划B号") if n in text}
    book = openpyxl.load_workbook(out / "report.xlsx")
    cells = {str(c.value) for ws in book for row in ws.iter_rows() for c in row}
    names |= {n for n in ("规划A号", "规划B号") if any(n in c for c in cells)}
    assert len(names) == 1, names
    assert not [p for p in out.iterdir() if p.name.startswith(".ecospace-")]


def test_interrupt_during_renames_is_held_until_the_set_is_complete(tmp_path):
    """Ctrl-C arriving while the set is being moved into place waits for the last rename."""
    from ecospace._output import OutputSet

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt), OutputSet(overwrite=False) as s:
        for name in ("a.txt", "b.txt", "c.txt"):
            s.path(out / name).write_text(name)
        real_replace = os.replace

        def replace_and_signal(src, dst):
            real_replace(src, dst)
            if Path(dst).name == "a.txt":
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C after the first rename

        os.replace = replace_and_signal
        try:
            s.commit()
        finally:
            os.replace = real_replace
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt", "c.txt"]


def test_markdown_report_escapes_html_and_pipes():
    from ecospace._escape import markdown_text

    assert markdown_text("a|b<c>&\n") == "a\\|b&lt;c>&amp; "


def test_terminal_text_strips_every_control_character():
    from ecospace._escape import terminal_text

    controls = "".join(chr(c) for c in [*range(0, 9), *range(11, 32), 127, *range(128, 160)])
    assert terminal_text(f"甲{controls}\u202e乙\n\t") == "甲乙\n\t"


def test_annex_options_come_from_the_vocabulary():
    from ecospace.rendering import annex
    from ecospace.vocabulary import PAPER_SIZES

    assert annex.PAPER_SIZES is PAPER_SIZES
    assert PAPER_SIZES["A4"] == pytest.approx((210 / 25.4, 297 / 25.4))  # ISO 216, in inches


def test_a_file_that_appears_before_commit_is_not_replaced(tmp_path):
    """Exclusive create: a target written by someone else meanwhile stops the whole set."""
    from ecospace._output import OutputSet

    out = tmp_path / "out"
    with pytest.raises(FileExistsError, match=r"b\.txt already exists; pass --overwrite"):
        with OutputSet(overwrite=False) as s:
            s.path(out / "a.txt").write_text("ours")
            s.path(out / "b.txt").write_text("ours")
            (out / "b.txt").write_text("theirs")  # another run got there first
    assert sorted(p.name for p in out.iterdir()) == ["b.txt"]
    assert (out / "b.txt").read_text() == "theirs"


def test_rerun_without_map_leaves_no_map_of_the_earlier_run(tmp_path, monkeypatch):
    """check --overwrite --no-map after a run with a map: the old map.html goes with the set."""
    monkeypatch.chdir(tmp_path)
    _setup(tmp_path, name="旧规划")
    first = CliRunner().invoke(cli, ["check", "plan.yaml", "--out", "out"])
    assert first.exit_code in (0, 1) and (tmp_path / "out" / "map.html").is_file()
    make_plan(tmp_path, name="新规划")
    again = ["check", "plan.yaml", "--out", "out", "--no-map", "--overwrite"]
    second = CliRunner().invoke(cli, again)
    assert second.exit_code in (0, 1), second.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "conflicts.gdb", "conflicts.gpkg", "conflicts_shp", "conflicts_styles", "report.docx",
        "report.html", "report.json", "report.md", "report.xlsx"
    ]  # fmt: skip
    assert "新规划" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
