"""Draft a plan file from a plan's Chinese text, for a person to review.

A rule-based reader: it finds the spatial figures a plan states — 生态保护红线 (and the
海洋生态保护红线 apart from it), 自然保护地, 耕地保有量, 永久基本农田, 城镇开发边界 (and its
扩展倍数), 森林覆盖率, 林草覆盖率, 湿地保护率 and the total area — with their value, unit,
comparison (不低于 → ``>=``), share of the total (占全域总面积的30.73%), year (到2025年),
the clause quoted and its 1-based line.

Every line is first normalised (:mod:`._text_normalize`): traditional characters to
simplified (OpenCC), full-width digits and punctuation to half-width, the spaces and line
breaks a PDF converter leaves removed; quotes are cut from the text as written.  Units
are a small grammar (:mod:`._extract_units`): 万/亿 on every area unit, % and 倍, each
figure keeping the precision it was written to (3.639万平方千米 is 36 390 km² to 10 km²).
Prose is read by :mod:`._extract_prose` (sentences, shares, 其中 parts, 分别, status
values), tables by :mod:`._extract_tables` (tab-separated rows; Word tables flattened to
one cell per line).

Values masked as ``**`` are reported as masked and never given a number.  Measured on
the three seed plans against hand-made lists (``tests/seeds_expected``) and on 64
approval- and plan-style sentences (``tests/extract_corpus.yaml``): recall 1.0 and
precision 1.0, with most rules written alongside; two held-out batches, measured before
any rule was changed for them, gave recall 0.85 and 0.88, precision 0.96 and 0.88.
Review every drafted figure against the text.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from ecospace._output import write_text
from ecospace.plan._extract_prose import continues, prose_figures
from ecospace.plan._extract_tables import cell_table_figures, tab_row_figures
from ecospace.plan._extract_vocab import (
    KEYWORD,
    NAME_CELL,
    SUBJECTS,
    Extracted,
    family,
    is_name_cell,
)
from ecospace.plan._text_normalize import join_lines, normalize_line
from ecospace.plan.model import Figure, Plan, Quantity, dump_plan
from ecospace.vocabulary import FIGURE_ONLY_ROLES, ROLE_LABELS, ROLES

__all__ = ["SUBJECTS", "Extracted", "draft_text", "extract_figures", "find_figures"]

log = logging.getLogger("ecospace")

# --------------------------------------------------------------------------- public


def find_figures(text: str) -> list[Extracted]:
    """Every spatial figure stated in a plan's text, in line order.

    Parameters
    ----------
    text : str
        The plan as plain text (lines as in the source, 1-based numbering).

    Returns
    -------
    list of Extracted
        Including masked ``**`` values (``masked=True``, ``value_text=None``).

    Examples
    --------
    >>> t = "到2025年，确保生态红线面积不低于230423.56公顷，占全域总面积的30.73%。"
    >>> for f in find_figures(t):
    ...     print(f.subject, f.kind, f.value_text, f.unit, f.op, f.year)
    red_line value 230423.56 ha >= 2025
    red_line share 30.73 % >= 2025
    """
    sources = text.splitlines()
    norm = [normalize_line(line, line_number=i + 1) for i, line in enumerate(sources)]
    lines = [n.text for n in norm]
    found: list[Extracted] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.count("\t") >= 3 or line.startswith("\t") or is_name_cell(line):
            if line.count("\t") >= 3 and KEYWORD.search(line):
                found += tab_row_figures(lines, i, sources)
            elif NAME_CELL.match(line):
                found += cell_table_figures(lines, i, sources)
            i += 1
            continue
        j = i
        while j + 1 < len(lines) and j - i < 5 and continues(lines[j], lines[j + 1]):
            j += 1
        block = norm[i] if j == i else join_lines(norm[i : j + 1])
        if KEYWORD.search(block.text):
            found += prose_figures(block)
        i = j + 1
    return found


def _plan_name(text: str, source: str | None) -> str:
    m = re.search(r"《([^》]*规划[^》]*)》\s*[（(]以下简称", text)
    if m:
        return m.group(1)
    for line in text.splitlines()[:30]:
        nl = normalize_line(line)
        if "规划" in nl.text and len(nl.text.strip()) < 60:
            approved = re.search(r"关于《([^》]*规划[^》]*)》的批复", nl.text)
            return nl.quote(*approved.span(1)) if approved else line.strip().strip("《》")
    return Path(source).stem if source else "未命名规划"


#: the region a plan's title names first: 五常市, 吉林省, 延边朝鲜族自治州, 内蒙古自治区 …
_REGION = re.compile(r"^(?:国务院关于)?《?(?P<name>[\u4e00-\u9fff]{1,12}?(?:自治区|自治州|自治县|"
                     r"特别行政区|省|市|州|盟|地区|县|旗|区))")  # fmt: skip


def _region(name: str) -> str | None:
    """The region a plan's name starts with, or None (五常市生态文明建设示范区规划 → 五常市)."""
    m = _REGION.match(name)
    return m.group("name") if m else None


def _figure_id(e: Extracted, used: set[str]) -> str:
    kind = "share" if e.kind == "share" else "area" if family(e.unit) == "area" else "value"
    base = f"{e.subject}_{kind}" if e.subject not in ("forest_cover", "forest_grass_cover",
                                                      "wetland_protection", "urban_expansion") \
        else e.subject  # fmt: skip
    if e.part:
        base += "_part"
    fid = f"{base}_{e.year}" if e.year else base
    if fid in used:
        fid = f"{fid}_l{e.line}"
    n, out = 2, fid
    while out in used:
        out, n = f"{fid}_{n}", n + 1
    used.add(out)
    return out


def _label(e: Extracted) -> str:
    """The figure's name; a part (其中) names the figure it belongs to."""
    spec = SUBJECTS[e.subject]
    label = spec["label"]
    if e.part:
        label = e.part if e.part.endswith(("面积", "规模")) else e.part + "面积"
    if e.kind == "share":
        label = label.removesuffix("面积") + "占总面积比例"
    if e.parent:
        label += f"（其中项，属{SUBJECTS[e.parent]['label']}）"
    return label


def _to_figure(e: Extracted, used: set[str]) -> Figure:
    spec = SUBJECTS[e.subject]
    if spec.get("stated") or e.part:
        measure = "stated"  # no layer measures it (a ratio, the marine red line, a part)
    elif e.unit == "%":
        measure = "share" if "role" in spec else "land_cover"
    else:
        measure = "area" if "role" in spec else "land_cover"
    return Figure(
        id=_figure_id(e, used),
        measure=measure,
        op=e.op,
        value=float(e.value_text),
        unit=e.unit,
        label=_label(e),
        role=spec.get("role") if measure != "land_cover" and "role" in spec else None,
        classes=spec.get("classes") if "role" not in spec else None,
        precision=e.precision,
        year=e.year,
        binding=e.binding,
        quote=e.quote,
        line=e.line,
        note=e.note,
        value_text=e.value_text,
    )


def extract_figures(text: str, *, source: str | os.PathLike | None = None) -> Plan:
    """Draft a plan from its text: every spatial figure found, for a person to review.

    Parameters
    ----------
    text : str
        The plan's text.
    source : str or path-like, optional
        Where the text came from; recorded as ``source_text`` and used for the name
        when the text has no title.

    Returns
    -------
    Plan
        ``total_area`` is the first total area stated; every other figure becomes a
        :class:`~ecospace.plan.Figure` (area and share separately, ids such as
        ``red_line_area_2025``).  Masked ``**`` values are left out with a warning.

    Examples
    --------
    >>> p = extract_figures("辖区总面积为7512平方公里。到2025年，全市森林覆盖率保持在46%。")
    >>> p.total_area.value, [(f.id, f.op, f.value) for f in p.figures]
    (7512.0, [('forest_cover_2025', '>=', 46.0)])
    """
    found = find_figures(text)
    masked = [e for e in found if e.masked]
    if masked:
        log.warning(
            "left out %d masked figure(s) (**) on line(s) %s",
            len(masked),
            ", ".join(str(e.line) for e in masked),
        )
    total, figures, used = None, [], set()
    for e in (e for e in found if not e.masked):
        if e.subject == "total_area" and total is None:
            total = Quantity(float(e.value_text), e.unit, e.quote, e.line, value_text=e.value_text)
            continue
        figures.append(_to_figure(e, used))
    name = _plan_name(text, None if source is None else str(source))
    return Plan(
        name=name,
        region=_region(normalize_line(name).text),
        figures=figures,
        total_area=total,
        source_text=None if source is None else str(source),
        denominator="stated" if total is not None else "boundary",
    )


#: the standard layer code of each role, for the example paths of the layers skeleton
_LAYER_CODES = {
    "boundary": "XZQ",
    "red_line": "STBHHX",
    "basic_farmland": "YJJBNTBHTB",
    "urban_boundary": "CZKFBJ",
    "protected_area": "ZRBHD",
    "land_use": "DLTB",
}


def _roles_needed(plan: Plan) -> list[str]:
    """The layer roles a plan's figures need: the boundary (the denominator) and each role."""
    needed = {"boundary"}
    for f in plan.figures:
        if f.measure == "stated":
            continue
        needed.update(r for r in (f.role, f.within, *(f.roles or ())) if r in ROLES)
        if f.measure == "land_cover":
            needed.add("land_use")
    return [r for r in ROLES if r in needed]


def draft_text(plan: Plan, path: str | os.PathLike | None = None) -> str:
    """A drafted plan as the text of a plan file, with what the text could not say as comments.

    The plan file of :func:`~ecospace.plan.dump_plan`, plus: a commented ``layers:``
    skeleton (one line per role the figures need, with the standard layer code as an
    example path) to point at the delivered files, and, when the region has no code
    (or no name) in the draft, a commented line saying where it goes.

    Parameters
    ----------
    plan : Plan
        Usually the result of :func:`extract_figures`.
    path : str or path-like, optional
        Where to write it (atomically: a temporary file renamed when complete; an existing
        file is replaced, so refuse it first when the user did not ask); the text is
        returned either way.

    Returns
    -------
    str
        YAML that :func:`~ecospace.plan.load_plan` reads as it stands.

    Examples
    --------
    >>> text = draft_text(extract_figures("五常市规划\\n生态保护红线面积不低于2.35万公顷。"))
    >>> print(text[: text.index("figures:")])
    plan: 五常市规划
    region:
      name: 五常市
      # code: "XXXXXX"    # 行政区划代码 (6 digits): fill in
    denominator: boundary
    method: ellipsoid
    # layers:    # uncomment; point each path at the delivered file (PATH[:LAYER], relative
    #            # to this plan file); `ecospace layers FOLDER/` lists what a delivery holds
    #   - {path: DELIVERY.gdb:XZQ, role: boundary}
    #   - {path: DELIVERY.gdb:STBHHX, role: red_line}
    <BLANKLINE>
    """
    lines = dump_plan(plan).splitlines()
    out: list[str] = []
    for line in lines:
        if line.startswith("figures:"):
            out += _layers_skeleton(plan)
        out.append(line)
        if line.startswith("plan:") and not plan.region:
            out.append('# region: {name: XX县, code: "XXXXXX"}    # region, 行政区划代码: fill in')
        if line.startswith("  name:") and plan.region and not plan.code:
            out.append('  # code: "XXXXXX"    # 行政区划代码 (6 digits): fill in')
    text = "\n".join(out) + "\n"
    if path is not None:
        write_text(path, text, overwrite=True)
    return text


def _layers_skeleton(plan: Plan) -> list[str]:
    if plan.layers:
        return []
    out = [
        "# layers:    # uncomment; point each path at the delivered file (PATH[:LAYER], relative",
        "#            # to this plan file); `ecospace layers FOLDER/` lists what a delivery holds",
    ]
    for role in _roles_needed(plan):
        out.append(f"#   - {{path: DELIVERY.gdb:{_LAYER_CODES[role]}, role: {role}}}")
    for role in sorted({f.role for f in plan.figures if f.role in FIGURE_ONLY_ROLES}):
        out.append(
            f"#   # no layer for {role} ({ROLE_LABELS[role]['zh']}): land layers cannot hold it"
        )
    return out
