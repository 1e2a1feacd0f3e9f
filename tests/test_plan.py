"""The plan file: loading, validation messages, precision and the comparison at precision.

Expected values are written by hand from the numbers as printed in the plan text.
"""

import json
import re
from pathlib import Path

import pytest

from ecospace import PlanError, UnitError
from ecospace.geometry.area import METHODS as AREA_METHODS
from ecospace.loading.layers import ROLES as LAYER_ROLES
from ecospace.plan import (
    METHODS,
    OPS,
    PLAN_SCHEMA,
    ROLES,
    Figure,
    Plan,
    Quantity,
    compare,
    dump_plan,
    load_plan,
    normalize_op,
    normalize_plan_unit,
    plan_schema_json,
    precision_of,
)

ROOT = Path(__file__).resolve().parents[1]
WUCHANG = ROOT / "plans" / "wuchang.yaml"

GOOD = """\
plan: 示例县国土空间规划
region: {name: 示例县, code: "230184"}
total_area: {value: 7512, unit: 平方公里, quote: 辖区总面积为7512平方公里, line: 61}
figures:
  - id: red_line_area
    measure: area
    role: red_line
    op: 不低于
    value: 97065.60
    unit: 公顷
    year: 2025
    binding: true
    quote: 确保生态红线面积不低于97065.60公顷
    line: 504
  - {id: red_line_share, measure: share, role: red_line, op: "≥", value: 30.73, unit: "%"}
  - {id: forest, measure: land_cover, classes: forest, op: ">=", value: 46.43, unit: "%"}
  - {id: pa_in_rl, measure: outside, role: protected_area, within: red_line, op: "=", value: 0,
     unit: ha, precision: 0.01}
  - {id: rl_farm, measure: overlap, roles: [red_line, basic_farmland], op: "=", value: 0, unit: ha}
  - {id: townships, measure: count, role: townships, op: "=", value: 24, unit: count}
  - {id: expansion, measure: stated, op: "=", value: 1.21, unit: 倍}
"""


def write(tmp_path, text, name="plan.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_plan_loads_with_canonical_ops_and_units(tmp_path):
    plan = load_plan(write(tmp_path, GOOD))
    assert plan.name == "示例县国土空间规划"
    assert (plan.region, plan.code) == ("示例县", "230184")
    assert plan.total_area.unit == "km2" and plan.total_area.value == 7512
    assert plan.total_area.precision_value == 1
    rl = plan.figure("red_line_area")
    assert (rl.op, rl.unit, rl.value, rl.year, rl.binding, rl.line) == (
        ">=", "ha", 97065.60, 2025, True, 504
    )  # fmt: skip
    assert plan.figure("red_line_share").op == ">="
    assert plan.figure("expansion").unit == "ratio"
    assert plan.figure("pa_in_rl").precision_value == 0.01
    assert [f.id for f in plan.figures][-1] == "expansion"
    assert plan.path == tmp_path / "plan.yaml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30.73", 0.01),
        ("7512", 1.0),
        ("230423.56", 0.01),
        ("97065.60", 0.01),  # the trailing zero is part of the statement
        ("0.68", 0.01),
        ("46", 1.0),
        ("500.51", 0.01),
        ("1.5e+3", 100.0),
        ("2.0", 0.1),
    ],
)
def test_precision_is_one_unit_of_the_last_written_decimal(text, expected):
    assert precision_of(text) == pytest.approx(expected, rel=1e-12)


def test_yaml_keeps_the_written_text_of_numbers(tmp_path):
    plan = load_plan(write(tmp_path, GOOD))
    rl = plan.figure("red_line_area")
    assert rl.value_text == "97065.60"
    assert rl.precision_value == 0.01  # float 97065.6 alone would say 0.1


def test_dump_round_trip_keeps_order_unicode_and_literals(tmp_path):
    plan = load_plan(write(tmp_path, GOOD))
    out = tmp_path / "out.yaml"
    text = dump_plan(plan, out)
    assert "value: 97065.60" in text
    assert "确保生态红线面积不低于97065.60公顷" in text  # allow_unicode, not \u escapes
    assert text.index("plan:") < text.index("total_area:") < text.index("figures:")
    assert text.index("id: red_line_area") < text.index("id: red_line_share")
    again = load_plan(out)
    again.path = plan.path
    assert again == plan


def test_wuchang_plan_loads():
    plan = load_plan(WUCHANG)
    assert plan.total_area.value == 7512 and plan.total_area.line == 61
    assert plan.figure("protected_area_area").value_text == "97065.60"
    assert all(f.quote and f.line for f in plan.figures)


def test_schema_file_matches_the_python_schema():
    path = ROOT / "ecospace" / "schemas" / "plan.schema.json"
    assert path.read_text(encoding="utf-8") == plan_schema_json()
    assert json.loads(path.read_text(encoding="utf-8")) == PLAN_SCHEMA


def test_vocabulary_matches_the_upstream_modules():
    assert ROLES == LAYER_ROLES
    assert METHODS == AREA_METHODS


# --------------------------------------------------------------------------- errors

BASE = "plan: p\nfigures:\n"


@pytest.mark.parametrize(
    ("figures", "pattern"),
    [
        (
            "  - {id: a, measure: area, role: red_line, op: '>>', value: 1, unit: ha}\n",
            r"plan\.yaml:3: figure 'a' \(#1\) field 'op': got '>>'; allowed: >=, <=, =, >, <",
        ),
        (
            "  - {id: a, measure: area, role: red_lines, op: '>=', value: 1, unit: ha}\n",
            r"figure 'a' \(#1\) field 'role': unknown role 'red_lines'; roles are boundary, ",
        ),
        (
            "  - {id: a, measure: area, role: red_line, op: '>=', value: 1, unit: acres}\n",
            r"figure 'a' \(#1\) field 'unit': unknown unit 'acres'; use one of m2, ha, km2",
        ),
        (
            "  - {id: a, measure: share, role: red_line, op: '>=', value: 1, unit: ha}\n",
            r"figure 'a' \(#1\) field 'unit': got 'ha'; measure 'share' takes %",
        ),
        (
            "  - {id: a, measure: overlap, role: red_line, op: '=', value: 0, unit: ha}\n",
            r"figure 'a' \(#1\) field 'roles': measure 'overlap' needs 'roles'",
        ),
        (
            "  - {id: a, measure: outside, role: protected_area, op: '=', value: 0, unit: ha}\n",
            r"figure 'a' \(#1\) field 'within': measure 'outside' needs 'within'",
        ),
        (
            "  - {id: a, measure: land_cover, op: '>=', value: 46, unit: '%'}\n",
            r"figure 'a' \(#1\) field 'classes': measure 'land_cover' needs 'classes'",
        ),
        (
            "  - {id: a, measure: share, op: '>=', value: 46, unit: '%'}\n",
            r"figure 'a' \(#1\) field 'role': measure 'share' needs 'role' or 'classes'",
        ),
        (
            "  - {id: a, measure: land_cover, classes: jungle, op: '>=', value: 4, unit: '%'}\n",
            r"field 'classes': unknown class set 'jungle'; use one of cropland, forest",
        ),
        (
            "  - {id: a, measure: volume, role: red_line, op: '>=', value: 1, unit: ha}\n",
            r"figure 'a' \(#1\) field 'measure': got 'volume'; allowed: area, share, overlap",
        ),
        (
            "  - {id: a, measure: area, role: red_line, op: '>=', value: lots, unit: ha}\n",
            r"figure 'a' \(#1\) field 'value': got 'lots' \(string\); expected number",
        ),
        (
            "  - {id: a, measure: area, role: red_line, op: '>=', value: .nan, unit: ha}\n",
            r"plan\.yaml:3: figure 'a' \(#1\) field 'value': got \.nan; must be a finite number",
        ),
        (
            "  - {id: a, measure: area, role: red_line, op: '>=', value: .inf, unit: ha}\n",
            r"plan\.yaml:3: figure 'a' \(#1\) field 'value': got \.inf; must be a finite number",
        ),
        (
            "  - {id: a, measure: area, role: red_line, op: '>=', value: 1, unit: ha,"
            " precision: .NaN}\n",
            r"figure 'a' \(#1\) field 'precision': got \.NaN; must be a finite number",
        ),
        (
            "  - 5\n",
            r"plan\.yaml: figure #1: got 5 \(integer\); expected mapping$",
        ),
        (
            "  - {id: a, measure: area, role: red_line, op: '>=', value: 1, unit: ha,"
            " year: '2025'}\n",
            r"field 'year': got '2025' \(string\); expected integer",
        ),
        (
            "  - {id: [a], measure: area, role: red_line, op: '>=', value: 1, unit: ha}\n",
            r"figure #1 field 'id': got \['a'\] \(list\); expected string",
        ),
        (
            "  - {id: a, measure: area, role: red_line, op: '>=', value: 1, unit: ha, quote: {}}\n",
            r"field 'quote': got \{\} \(mapping\); expected string",
        ),
        (
            "  - {id: a, measure: area, role: red_line, op: '>=', value: -3.5, unit: ha}\n",
            r"figure 'a' \(#1\) field 'value': got -3\.5; must be ≥ 0",
        ),
        (
            "  - {id: a, measure: area, role: red_line, op: '>=', value: 1, unit: ha, yr: 2025}\n",
            r"figure 'a' \(#1\): unknown field\(s\) 'yr'; allowed: binding, classes",
        ),
        (
            "  - {measure: area, role: red_line, op: '>=', value: 1, unit: ha}\n",
            r"figure #1 field 'id': missing required field 'id'",
        ),
        (
            "  - {id: a, measure: area, role: red_line, op: '>=', value: 1, unit: ha}\n"
            "  - {id: a, measure: area, role: red_line, op: '>=', value: 2, unit: ha}\n",
            r"plan\.yaml:4: figure 'a' \(#2\) field 'id': id 'a' is already used by figure #1",
        ),
        (
            "  - {id: a, measure: area, roles: [red_line, urban_boundary], role: red_line,"
            " op: '>=', value: 1, unit: ha}\n",
            r"field 'roles': 'roles' does not apply to measure 'area'",
        ),
        (
            "  - {id: a, measure: overlap, roles: [red_line, red_line], op: '=', value: 0, "
            "unit: ha}\n",
            r"field 'roles': an overlap needs two different roles",
        ),
        (
            "  - {id: a, measure: area, role: red_line, op: '>=', value: 1, unit: ha, year: 25}\n",
            r"field 'year': got 25; must be ≥ 1949",
        ),
    ],
)
def test_bad_figures_name_file_figure_and_field(tmp_path, figures, pattern):
    path = write(tmp_path, BASE + figures)
    with pytest.raises(PlanError, match=pattern) as info:
        load_plan(path)
    assert "Traceback" not in str(info.value)
    assert str(path) in str(info.value)


def test_every_problem_is_reported_at_once(tmp_path):
    text = BASE + (
        "  - {id: a, measure: area, role: red_lines, op: '>=', value: 1, unit: ha}\n"
        "  - {id: b, measure: area, role: red_line, op: '>=', value: 1, unit: acres}\n"
    )
    with pytest.raises(PlanError, match=r"2 problems in plan file") as info:
        load_plan(write(tmp_path, text))
    assert "figure 'a' (#1) field 'role'" in str(info.value)
    assert "figure 'b' (#2) field 'unit'" in str(info.value)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("plan: p\nfigures: [\n", r"plan\.yaml:\d+:\d+: not valid YAML"),
        ("- just\n- a list\n", r"expected a mapping with 'plan' and 'figures', got list"),
        ("plan: p\n", r"field 'figures': missing required field 'figures'"),
        ("plan: p\nplan: q\nfigures: []\n", r"line 2: key 'plan' is given twice"),
        (
            "plan: p\ntotal_area: {value: 7512, unit: '%'}\nfigures:\n"
            "  - {id: a, measure: area, role: red_line, op: '>=', value: 1, unit: ha}\n",
            r"plan\.yaml:2: field 'total_area\.unit': got '%'; the total area needs an area unit",
        ),
        (
            "plan: p\ntotal_area: {value: .inf, unit: km2, line: 61}\nfigures:\n"
            "  - {id: a, measure: area, role: red_line, op: '>=', value: 1, unit: ha}\n",
            r"plan\.yaml:2: field 'total_area\.value': got \.inf; must be a finite number",
        ),
        ("plan: p\nfigures: 5\n", r"field 'figures': got 5 \(integer\); expected list"),
        ("plan: p\nregion: 五常\nfigures: []\n", r"got '五常' \(string\); expected mapping"),
        (
            "plan: p\ndenominator: survey\nfigures:\n"
            "  - {id: a, measure: area, role: red_line, op: '>=', value: 1, unit: ha}\n",
            r"plan\.yaml: field 'denominator': 'survey' needs a survey_area in the plan file",
        ),
        (
            "plan: p\nsurvey_area: {value: 7498, unit: '%'}\nfigures:\n"
            "  - {id: a, measure: area, role: red_line, op: '>=', value: 1, unit: ha}\n",
            r"plan\.yaml:2: field 'survey_area\.unit': got '%'; the survey area needs an area unit",
        ),
        (
            "plan: p\nsurvey_area: {value: 7498, unit: km2, year: 2020}\nfigures:\n"
            "  - {id: a, measure: area, role: red_line, op: '>=', value: 1, unit: ha}\n",
            r"field 'survey_area': unknown field\(s\) 'year'; allowed: line, precision, quote, "
            r"source, unit, value",
        ),
        (
            "plan: p\ndenominator: stated\nfigures:\n"
            "  - {id: a, measure: area, role: red_line, op: '>=', value: 1, unit: ha}\n",
            r"field 'denominator': 'stated' needs a total_area",
        ),
        (
            "plan: p\nlayers: [{path: a.gpkg, role: redline}]\nfigures:\n"
            "  - {id: a, measure: area, role: red_line, op: '>=', value: 1, unit: ha}\n",
            r"field 'layers\.0\.role': unknown role 'redline'",
        ),
    ],
)
def test_bad_plan_files(tmp_path, text, pattern):
    with pytest.raises(PlanError, match=pattern):
        load_plan(write(tmp_path, text))


def test_missing_and_non_utf8_files(tmp_path):
    with pytest.raises(PlanError, match=r"plan file '.*nope\.yaml' does not exist"):
        load_plan(tmp_path / "nope.yaml")
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("plan: 五常\nfigures: []\n".encode("gbk"))
    with pytest.raises(PlanError, match=r"gbk\.yaml: not UTF-8 text .*save the plan file as UTF-8"):
        load_plan(gbk)


# --------------------------------------------------------------------------- comparisons


@pytest.mark.parametrize(
    ("spelling", "op"),
    [
        (">=", ">="), ("≥", ">="), ("不低于", ">="), ("不少于", ">="),
        ("<=", "<="), ("≤", "<="), ("不高于", "<="), ("不超过", "<="),
        ("=", "="), (">", ">"), ("<", "<"),
    ],
)  # fmt: skip
def test_op_spellings(spelling, op):
    assert normalize_op(spelling) == op


def test_unknown_op():
    with pytest.raises(PlanError, match=r"unknown comparison '约等于'; use one of >=, <=, =, >, <"):
        normalize_op("约等于")


@pytest.mark.parametrize(
    ("spelling", "unit"),
    [
        ("公顷", "ha"), ("ha", "ha"), ("平方公里", "km2"), ("km2", "km2"), ("亩", "mu"),
        ("万亩", "wanmu"), ("m2", "m2"), ("%", "%"), ("％", "%"), ("count", "count"),
        ("倍", "ratio"),
    ],
)  # fmt: skip
def test_unit_spellings(spelling, unit):
    assert normalize_plan_unit(spelling) == unit


def test_unknown_unit():
    with pytest.raises(UnitError, match=r"unknown unit 'acre'; use one of m2, ha, km2, mu, wanmu"):
        normalize_plan_unit("acre")


# The precision boundary of issue 6: 30.73 % stated to 0.01 % stands for [30.725, 30.735].
@pytest.mark.parametrize(
    ("op", "measured", "status"),
    [
        (">=", 30.80, "pass"),
        (">=", 30.73, "pass"),
        (">=", 30.725, "within precision"),
        (">=", 30.7299, "within precision"),
        (">=", 30.72, "fail"),
        (">=", 30.7249, "fail"),
        (">", 30.731, "pass"),
        (">", 30.73, "within precision"),
        (">", 30.725, "within precision"),
        (">", 30.72, "fail"),
        ("<=", 30.70, "pass"),
        ("<=", 30.735, "within precision"),
        ("<=", 30.74, "fail"),
        ("<", 30.72, "pass"),
        ("<", 30.73, "within precision"),
        ("<", 30.7351, "fail"),
        ("=", 30.73, "pass"),
        ("=", 30.725, "pass"),  # rounds to the stated value: equal at the stated precision
        ("=", 30.735, "pass"),
        ("=", 30.7351, "fail"),
        ("=", 30.72, "fail"),
    ],
)
def test_compare_at_the_stated_precision(op, measured, status):
    assert compare(op, 30.73, measured, 0.01) == status


@pytest.mark.parametrize("op", OPS)
def test_compare_exact_value_never_fails(op):
    assert compare(op, 7512, 7512, 1) in ("pass", "within precision")


def test_compare_in_every_unit():
    # 230423.56 ha stated; the measurement converted to each unit is compared in that unit
    fig = Figure("rl", "area", ">=", 230423.56, "ha", role="red_line")
    assert fig.compare(230423.555) == "within precision"
    assert fig.compare(230423.554) == "fail"
    km2 = Figure("rl", "area", "=", 2323, "km2", role="red_line")
    assert km2.compare(2323.49) == "pass" and km2.compare(2304.24) == "fail"
    wanmu = Figure("c", "land_cover", ">=", 500.51, "wanmu", classes="cropland")
    assert wanmu.compare(500.505) == "within precision"
    mu = Figure("c", "land_cover", ">=", 15315.09, "mu", classes="cropland")
    assert mu.compare(15315.1) == "pass"
    m2 = Figure("c", "overlap", "<=", 0, "m2", roles=["red_line", "basic_farmland"])
    assert m2.compare(0.5) == "within precision" and m2.compare(0.6) == "fail"
    count = Figure("n", "count", "=", 24, "count", role="townships")
    assert count.compare(24) == "pass" and count.compare(25) == "fail"


def test_compare_rejects_bad_precision():
    with pytest.raises(PlanError, match=r"precision must be a positive number, got 0"):
        compare(">=", 1, 1, 0)


def test_layer_sources_resolve_against_the_plan_file(tmp_path):
    plan = Plan(
        "p",
        [Figure("a", "area", ">=", 1, "ha", role="red_line")],
        path=tmp_path / "plans" / "p.yaml",
    )
    from ecospace.plan import LayerSpec

    plan.layers = [LayerSpec("../layers/demo.gpkg:STBHHX", "red_line"), LayerSpec("x.shp")]
    (src1, role1), (src2, role2) = plan.layer_sources()
    assert src1 == f"{(tmp_path / 'layers' / 'demo.gpkg').resolve()}:STBHHX" and role1 == "red_line"
    assert src2 == str((tmp_path / "plans" / "x.shp").resolve()) and role2 is None


def test_unknown_figure_id_lists_the_ids():
    plan = Plan("p", [Figure("a", "area", ">=", 1, "ha", role="red_line")])
    with pytest.raises(PlanError, match=re.escape("no figure 'b'; the figures are a")):
        plan.figure("b")


def test_quantity_precision_from_text():
    assert Quantity(7512.0, "km2", value_text="7512").precision_value == 1
    assert Quantity(7512.0, "km2", precision=0.5).precision_value == 0.5


def test_non_finite_numbers_are_listed_with_the_other_problems(tmp_path):
    text = (
        "plan: p\ntotal_area: {value: .inf, unit: km2}\nfigures:\n"
        "  - {id: a, measure: area, role: red_line, op: '>=', value: .nan, unit: ha}\n"
        "  - {id: b, measure: area, role: red_lines, op: '>=', value: 1, unit: ha}\n"
    )
    with pytest.raises(PlanError, match=r"^2 problems in plan file") as info:
        load_plan(write(tmp_path, text))
    # the role is checked once the schema is met; the NaN and the infinity come first
    assert "field 'total_area.value': got .inf; must be a finite number" in str(info.value)
    assert "figure 'a' (#1) field 'value': got .nan; must be a finite number" in str(info.value)


SURVEY = """\
plan: p
total_area: {value: 7512, unit: km2, line: 61}
survey_area:
  {value: 749833, unit: ha, quote: 调查面积749833公顷, line: 3, source: 第三次全国国土调查}
denominator: survey
figures:
  - {id: a, measure: share, role: red_line, op: '>=', value: 30.73, unit: '%'}
"""


def test_whole_number_floats_become_integers(tmp_path):
    # JSON Schema counts 2025.0 as an integer; the plan keeps it as the int 2025
    text = BASE + "  - {id: a, measure: area, role: red_line, op: '>=', value: 1, unit: ha,"
    text += " year: 2025.0, line: 12.0}\n"
    f = load_plan(write(tmp_path, text)).figure("a")
    assert (f.year, f.line) == (2025, 12)
    assert type(f.year) is int and type(f.line) is int


def test_survey_area_loads_and_round_trips(tmp_path):
    plan = load_plan(write(tmp_path, SURVEY))
    s = plan.survey_area
    assert (s.value, s.unit, s.line, s.source) == (749833, "ha", 3, "第三次全国国土调查")
    assert s.precision_value == 1
    assert plan.denominator == "survey"
    out = tmp_path / "again.yaml"
    text = dump_plan(plan, out)
    assert "survey_area:" in text and "source: 第三次全国国土调查" in text
    again = load_plan(out)
    again.path = plan.path
    assert again == plan


def test_wuchang_states_every_figure_of_the_hand_made_seed_list():
    """plans/wuchang.yaml holds each number tests/seeds_expected/004.yaml lists for seed 004.

    A number the plan states twice (46.43 % on line 12 and in 表1 on line 268) is one
    figure whose note names the other line.
    """
    import yaml

    plan = load_plan(WUCHANG)
    expected = yaml.safe_load((ROOT / "tests" / "seeds_expected" / "004.yaml").read_text("utf-8"))
    have = []
    for f in plan.figures:
        lines = {f.line, *map(int, re.findall(r"line (\d+)", f.note or ""))}
        have += [(line, f.value, normalize_plan_unit(f.unit), f.op, f.year) for line in lines]
    t = plan.total_area
    have.append((t.line, t.value, t.unit, "=", None))
    missing = [
        e
        for e in expected["figures"]
        if (e["line"], float(e["value"]), e["unit"], e["op"], e["year"]) not in have
    ]
    assert missing == []


def test_wuchang_inferred_rules_are_not_binding():
    plan = load_plan(WUCHANG)
    inferred = [f for f in plan.figures if "inferred from the text" in (f.note or "")]
    assert sorted(f.id for f in inferred) == [
        "pa_in_red_line", "urban_off_farmland", "urban_off_red_line"
    ]  # fmt: skip
    assert all(f.binding is False for f in inferred)
    past = plan.figure("forest_cover_2022")
    got = (past.value, past.op, past.year, past.binding, past.line)
    assert got == (46.36, "=", 2022, False, 12)


@pytest.mark.parametrize(
    ("value", "precision"), [(30, 1.0), (30.0, 1.0), (30.5, 0.1), (0.68, 0.01)]
)
def test_plan_built_in_python_keeps_the_precision_of_its_numbers(value, precision):
    from ecospace.plan import validate_plan_data

    fig = {"id": "s", "measure": "share", "role": "red_line", "op": ">=", "value": value}
    fig["unit"] = "%"
    plan = validate_plan_data({"plan": "p", "figures": [fig]})
    # by hand: one unit of the last decimal of the number as a person would write it
    assert plan.figures[0].precision_value == pytest.approx(precision)
