"""Drafting figures from plan text: recall and precision on the three seed plans.

The reference lists in ``tests/seeds_expected/`` were written by reading the seed texts,
not by running the extractor.  A drafted figure matches a reference entry when line,
subject, kind (value or share), value (as a decimal) and unit agree; op and year are then
checked separately.
"""

import logging
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from ecospace.cli.main import cli
from ecospace.plan import dump_plan, load_plan
from ecospace.plan.audit import audit_plan
from ecospace.plan.extract import extract_figures, find_figures

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "plans" / "texts"  # copies of the shared seed plans
EXPECTED = ROOT / "tests" / "seeds_expected"
SEED_FILES = {
    "002": "002_e750bdb65a75d401.txt",
    "003": "003_af12f386539314b4.txt",
    "004": "004_ea1ad09170896d70.txt",
}


def seed_text(key):
    return (SEEDS / SEED_FILES[key]).read_text(encoding="utf-8")


def key_of(line, subject, kind, value, unit, year):
    return (line, subject, kind, Decimal(str(value)), unit, year)


def expected(key):
    doc = yaml.safe_load((EXPECTED / f"{key}.yaml").read_text(encoding="utf-8"))
    return Counter(
        key_of(e["line"], e["subject"], e["kind"], e["value"], e["unit"], e["year"])
        for e in doc["figures"]
    )


def drafted(key):
    return Counter(
        key_of(f.line, f.subject, f.kind, f.value_text, f.unit, f.year)
        for f in find_figures(seed_text(key))
        if not f.masked
    )


@pytest.fixture(scope="module")
def scores():
    out = {}
    for key in SEED_FILES:
        exp, got = expected(key), drafted(key)
        out[key] = (exp, got, (exp & got).total())
    return out


def test_recall_on_seed_004_is_complete(scores):
    exp, got, hit = scores["004"]
    print(f"\nseed 004: recall {hit}/{exp.total()} = {hit / exp.total():.3f}")
    assert sorted(exp - got) == []


def test_precision_and_recall_over_all_seeds(scores):
    tp = sum(hit for _, _, hit in scores.values())
    n_exp = sum(exp.total() for exp, _, _ in scores.values())
    n_got = sum(got.total() for _, got, _ in scores.values())
    recall, precision = tp / n_exp, tp / n_got
    for key, (exp, got, hit) in scores.items():
        print(f"\nseed {key}: expected {exp.total()}, drafted {got.total()}, matched {hit}")
        for k in sorted(got - exp):
            print("  not in the reference:", k)
    print(f"\nall seeds: recall {recall:.3f}, precision {precision:.3f}")
    assert precision == 1.0
    assert recall == 1.0


def test_nothing_is_invented_from_seed_002(scores):
    _, got, _ = scores["002"]
    assert got.total() == 0


def test_comparison_of_every_matched_figure():
    wrong = []
    for key in SEED_FILES:
        doc = yaml.safe_load((EXPECTED / f"{key}.yaml").read_text(encoding="utf-8"))
        ops = {
            key_of(e["line"], e["subject"], e["kind"], e["value"], e["unit"], e["year"]): e["op"]
            for e in doc["figures"]
        }
        for f in find_figures(seed_text(key)):
            k = key_of(f.line, f.subject, f.kind, f.value_text, f.unit, f.year)
            if k in ops and ops[k] != f.op:
                wrong.append((key, k, ops[k], f.op))
    assert wrong == []


def test_table_cells_are_binding_above_the_reference_block():
    got = {(f.line, f.year): f for f in find_figures(seed_text("004")) if f.line in (268, 269, 270)}
    assert got[(268, 2023)].binding is False  # 现状值
    assert got[(269, 2025)].binding is True
    assert got[(270, 2030)].binding is True
    rows = {f.year: f.binding for f in find_figures(seed_text("003")) if f.line == 285}
    assert rows == {2020: False, 2025: True}  # 属性 约束性; the 2020 column is the base year


# --------------------------------------------------------------------------- rules on small texts


@pytest.mark.parametrize(
    ("text", "expected_figures"),
    [
        # a comparison region's figure is not the plan's
        ("2023年森林覆盖率达到46.43%，超过全省平均水平（43.8%）。",
         [("forest_cover", "46.43", "%", "=")]),
        # another indicator's rate after the keyword
        ("自然保护地和生态保护红线生态环境重点问题整改率100%。", []),
        # 以上 / 以下 after the number; a future target makes 达到 a floor
        ("到2030年，林草覆盖率达到60%以上。", [("forest_grass_cover", "60", "%", ">=")]),
        ("到2025年，城镇开发边界面积控制在1200公顷以内。",
         [("urban_boundary", "1200", "ha", "<=")]),
        # 万公顷 is scaled to hectares
        ("生态保护红线面积为2.35万公顷。", [("red_line", "23500", "ha", "=")]),
        # the total in 占…总面积 is the denominator, not a stated total
        ("基本农田保护面积不少于12万亩，占国土总面积的20%。",
         [("basic_farmland", "12", "wanmu", ">="), ("basic_farmland", "20", "%", ">=")]),
        # a forest area is not a forest cover rate
        ("森林覆盖率提高，新增造林面积2000公顷。", []),
        # years in document titles are not the figure's year
        ("落实《全国重要生态系统保护和修复重大工程总体规划（2021—2035年）》要求，湿地保护率保持在55%。",
         [("wetland_protection", "55", "%", "=")]),
    ],
)  # fmt: skip
def test_prose_rules(text, expected_figures):
    got = [(f.subject, f.value_text, f.unit, f.op) for f in find_figures(text) if f.kind == "value"]
    got += [
        (f.subject, f.value_text, f.unit, f.op) for f in find_figures(text) if f.kind == "share"
    ]
    assert got == expected_figures


def test_ten_thousand_hectares_keep_their_precision():
    (f,) = extract_figures("生态保护红线面积为2.35万公顷。").figures
    assert (f.value, f.unit, f.precision_value) == (23500, "ha", 100)  # 0.01 万公顷 = 100 ha


def test_year_in_title_is_ignored():
    (f,) = find_figures("落实《某规划（2021—2035年）》，湿地保护率保持在55%。")
    assert f.year is None


def test_masked_values_are_reported_without_a_number(caplog):
    text = "到2025年，全省森林覆盖率达到**%，湿地保护率不低于**%。"
    found = find_figures(text)
    assert [(f.subject, f.masked, f.value_text) for f in found] == [
        ("forest_cover", True, None),
        ("wetland_protection", True, None),
    ]
    with caplog.at_level(logging.WARNING, logger="ecospace"):
        plan = extract_figures(text)
    assert plan.figures == []
    assert "left out 2 masked figure(s) (**) on line(s) 1, 1" in caplog.text


def test_tab_separated_table_row():
    text = (
        "指标类别\t序号\t指标名称\t2020 年\t2025 年\t属性\n"
        "生态安全\t16\t森林覆盖率 (%)\t30.1%\t≥31\t约束性\n"
        "\t18\t生态保护红线面积 (平方公里)\t--\t达到市考核目标\t约束性\n"
        "\t19\t湿地保护率 (%)\t50\t55\t预期性\n"
        "\t20\t林草覆盖率 (%)\t40.2\t40.2\t约束性\n"
        "\t21\t城镇开发边界面积 (平方公里)\t12\t15\t约束性\n"
    )
    got = [
        (f.line, f.subject, f.value_text, f.unit, f.op, f.year, f.binding)
        for f in find_figures(text)
    ]
    # the 2020 column is the status (a fact, "="); a bare target of a coverage rate is a
    # floor (">="), of an area a value ("="); a sign in the cell always wins
    assert got == [
        (2, "forest_cover", "30.1", "%", "=", 2020, False),
        (2, "forest_cover", "31", "%", ">=", 2025, True),
        (4, "wetland_protection", "50", "%", "=", 2020, False),
        (4, "wetland_protection", "55", "%", ">=", 2025, False),
        (5, "forest_grass_cover", "40.2", "%", "=", 2020, False),
        (5, "forest_grass_cover", "40.2", "%", ">=", 2025, True),
        (6, "urban_boundary", "12", "km2", "=", 2020, False),
        (6, "urban_boundary", "15", "km2", "=", 2025, True),
    ]


# --------------------------------------------------------------------------- the draft plan


def test_draft_of_seed_004_is_a_valid_plan_with_the_audit_findings(tmp_path):
    plan = extract_figures(seed_text("004"), source=SEEDS / SEED_FILES["004"])
    assert plan.name == "五常市生态文明建设示范区规划（2024—2030年）"
    assert (plan.total_area.value, plan.total_area.unit, plan.total_area.line) == (7512, "km2", 61)
    ids = [f.id for f in plan.figures]
    assert len(ids) == len(set(ids)) == 19
    path = tmp_path / "draft.yaml"
    dump_plan(plan, path)
    again = load_plan(path)
    assert again.figure("protected_area_area_2025").value_text == "97065.60"
    kinds = [f.kind for f in audit_plan(again)]
    assert kinds.count("share_mismatch") == 4 and "implied_total" in kinds


def test_cli_extract_writes_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "draft.yaml"
    src = str(SEEDS / SEED_FILES["004"])
    runner = CliRunner()
    result = runner.invoke(cli, ["extract", src, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "起草 20 项指标" in result.output  # 19 figures and the total area
    assert load_plan(out).total_area.value == 7512
    again = runner.invoke(cli, ["extract", src, "-o", str(out)])
    assert again.exit_code == 2
    assert "already exists" in again.output and "--overwrite" in again.output
    forced = runner.invoke(cli, ["extract", src, "-o", str(out), "--overwrite"])
    assert forced.exit_code == 0


def test_cli_extract_to_stdout():
    result = CliRunner().invoke(cli, ["extract", str(SEEDS / SEED_FILES["003"])])
    assert result.exit_code == 0, result.output
    assert "forest_cover_2025" in result.output
