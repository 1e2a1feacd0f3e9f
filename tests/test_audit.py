"""Auditing a plan's own figures: the Wuchang findings of DOMAIN.md §4 and each check alone.

Every expected number is worked out by hand from the figures as printed in seed 004:
1 km² = 100 ha; 1 万亩 = 10 000 × 2000/3 m² = 2000/3 ha; a figure written with d
decimals stands for ± half a unit of its last decimal.
"""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ecospace.cli.main import cli
from ecospace.plan import Figure, Plan, Quantity, load_plan
from ecospace.plan.audit import audit_plan, implied_totals

ROOT = Path(__file__).resolve().parents[1]
WUCHANG = ROOT / "plans" / "wuchang.yaml"
WANMU_HA = 2000 / 3  # hectares in 1 万亩

STATED_TOTAL_HA = 7512 * 100
# area (ha) and stated share (%) of the five pairs on lines 504–506
PAIRS = {
    "red_line": (230423.56, 30.73),
    "protected_area": (97065.60, 12.94),
    "cropland": (500.51 * WANMU_HA, 44.50),
    "basic_farmland": (385.68 * WANMU_HA, 34.29),
    "urban_boundary": (5102.16, 0.68),
}


@pytest.fixture(scope="module")
def wuchang():
    plan = load_plan(WUCHANG)
    return plan, audit_plan(plan), implied_totals(plan)


def kinds(findings):
    return [(f.kind, f.severity, tuple(sorted(f.figure_ids))) for f in findings]


def test_four_shares_disagree_with_the_stated_total(wuchang):
    _, findings, _ = wuchang
    mismatched = {f.figure_ids[0] for f in findings if f.kind == "share_mismatch"}
    assert mismatched == {
        "red_line_area",
        "protected_area_area",
        "cropland_area",
        "basic_farmland_area",
    }
    # 5102.16 / 751200 = 0.6792 % rounds to the stated 0.68 %: no finding for the urban boundary
    assert round(100 * 5102.16 / STATED_TOTAL_HA, 2) == 0.68
    red = next(
        f for f in findings if f.kind == "share_mismatch" and "red_line_area" in f.figure_ids
    )
    assert red.severity == "error"
    assert red.details["computed_share_pct"] == pytest.approx(100 * 230423.56 / 751200)  # 30.674
    assert red.details["implied_total_ha"] == pytest.approx(230423.56 / 0.3073)  # 749 832.6
    assert "30.67%" in red.message_zh and "30.73%" in red.message_zh and "第504行" in red.message_zh
    assert "30.67%" in red.message_en and "line 504" in red.message_en


def test_implied_totals_table(wuchang):
    _, _, table = wuchang
    assert len(table) == 5
    for row in table.itertuples():
        area_ha, share = PAIRS[row.subject.removeprefix("classes:")]
        assert row.implied_total_ha == pytest.approx(area_ha / (share / 100), rel=1e-12)
        assert row.implied_total_km2 == pytest.approx(area_ha / share, rel=1e-12)
        assert row.stated_total_ha == STATED_TOTAL_HA
    red = table.set_index("subject").loc["red_line"]
    # [230423.555 / 0.30735, 230423.565 / 0.30725]
    assert red.implied_low_ha == pytest.approx(230423.555 / 0.30735)
    assert red.implied_high_ha == pytest.approx(230423.565 / 0.30725)
    assert not red.stated_total_in_interval
    assert bool(table.set_index("subject").loc["urban_boundary"].stated_total_in_interval)


def test_shares_imply_one_survey_area_not_the_stated_total(wuchang):
    _, findings, _ = wuchang
    (implied,) = [f for f in findings if f.kind == "implied_total"]
    assert implied.severity == "error"
    # tightest bounds: protected areas give the largest lower end, cropland the smallest upper end
    low = 97065.595 / 0.12945
    high = (500.51 + 0.005) * WANMU_HA / 0.44495
    assert implied.details["implied_low_ha"] == pytest.approx(low)
    assert implied.details["implied_high_ha"] == pytest.approx(high)
    assert 749_830 < low < high < 749_920  # ~7498–7499 km², as DOMAIN.md §4 says
    assert "7512平方公里" in implied.message_zh and "调查面积" in implied.message_zh
    assert "749,831" in implied.message_en and "749,919" in implied.message_en


def test_red_line_stated_twice(wuchang):
    _, findings, _ = wuchang
    (f,) = [f for f in findings if f.kind == "restated"]
    assert sorted(f.figure_ids) == ["red_line_area", "red_line_area_delineated"]
    assert f.severity == "error"
    assert f.details["difference"] == pytest.approx(2323 * 100 - 230423.56)  # 1876.44 ha
    assert "2304.24平方公里" in f.message_zh  # 230423.56 ha in km², printed beside 2323 km²
    assert "2,304.24 km²" in f.message_en


def test_forest_cover_46_is_a_weaker_restatement_of_46_43(wuchang):
    _, findings, _ = wuchang
    (f,) = [f for f in findings if f.kind == "weaker_target"]
    assert f.severity == "warning"
    assert f.figure_ids == ["forest_cover_2025", "forest_cover_2025_text"]
    assert "第532行" in f.message_zh and "46.43%" in f.message_zh


def test_wuchang_finding_list_is_exactly_this(wuchang):
    _, findings, _ = wuchang
    assert [(f.kind, f.severity) for f in findings] == [
        ("share_mismatch", "error"),
        ("share_mismatch", "error"),
        ("share_mismatch", "error"),
        ("share_mismatch", "error"),
        ("implied_total", "error"),
        ("restated", "error"),
        ("weaker_target", "warning"),
        ("not_measurable", "info"),
    ]


# --------------------------------------------------------------------------- each check alone


def plan_of(*figures, total=(7512, "km2", "7512")):
    value, unit, text = total
    return Plan("p", list(figures), total_area=Quantity(value, unit, value_text=text))


def area(fid, role, value, unit="ha", text=None, **kw):
    return Figure(fid, "area", kw.pop("op", ">="), value, unit, role=role, value_text=text, **kw)


def share(fid, role, value, text=None, **kw):
    return Figure(fid, "share", kw.pop("op", ">="), value, "%", role=role, value_text=text, **kw)


def test_consistent_pair_gives_no_finding():
    # 0.5 of 1000 ha is 50 %
    plan = plan_of(area("a", "red_line", 500, line=1), share("s", "red_line", 50, line=1),
                   total=(1000, "ha", "1000"))  # fmt: skip
    assert audit_plan(plan) == []


def test_share_precision_boundary():
    # 307.25 / 1000 = 30.725 %: within half a step of 30.73 %; 307.20 / 1000.00 = 30.72 % is
    # not, even allowing for the area and the total being rounded to 0.01 ha
    ok = plan_of(area("a", "red_line", 307.25, line=1), share("s", "red_line", 30.73, line=1),
                 total=(1000, "ha", "1000"))  # fmt: skip
    assert audit_plan(ok) == []
    bad = plan_of(area("a", "red_line", 307.2, text="307.20", line=1),
                  share("s", "red_line", 30.73, line=1), total=(1000, "ha", "1000.00"))  # fmt: skip
    assert [f.kind for f in audit_plan(bad)] == ["share_mismatch"]


def test_share_over_100_and_part_over_total():
    plan = plan_of(area("a", "red_line", 1200, "km2"), share("s", "protected_area", 120.5),
                   total=(1000, "km2", "1000"))  # fmt: skip
    found = {f.kind for f in audit_plan(plan)}
    assert {"share_over_100", "part_exceeds_total"} <= found


def test_protected_area_larger_than_the_red_line_containing_it():
    plan = plan_of(area("pa", "protected_area", 300, "km2"), area("rl", "red_line", 2500, "ha"))
    (f,) = audit_plan(plan)
    assert (f.kind, f.figure_ids) == ("part_exceeds_whole", ["pa", "rl"])  # 300 km² > 25 km²


def test_basic_farmland_larger_than_cropland():
    crop = Figure("crop", "land_cover", ">=", 300, "wanmu", classes="cropland")
    farm = area("farm", "basic_farmland", 385.68, "wanmu")
    (f,) = audit_plan(plan_of(crop, farm))
    assert f.kind == "part_exceeds_whole"


def test_control_lines_add_up_to_more_than_the_total():
    plan = plan_of(
        area("rl", "red_line", 400, "km2"),
        area("bf", "basic_farmland", 500, "km2"),
        area("ub", "urban_boundary", 150, "km2"),
        total=(1000, "km2", "1000"),
    )
    (f,) = audit_plan(plan)
    assert f.kind == "control_lines_exceed_total"
    assert f.details["sum_ha"] == pytest.approx(105_000)


@pytest.mark.parametrize(
    ("a", "b", "kind", "severity"),
    [
        # the same unit, different years: not compared
        (dict(value=46.43, op=">=", year=2025), dict(value=46, op=">=", year=2030), None, None),
        # 46 is 46.43 at 1 % precision but a lower floor
        (dict(value=46.43, op=">="), dict(value=46, op=">="), "weaker_target", "warning"),
        # a ceiling stated coarser is a higher (weaker) ceiling
        (dict(value=24.4, op="<="), dict(value=24.9, op="<=", text="24.9"), "restated", "error"),
        (dict(value=24.4, op="<="), dict(value=24, op="<="), "restated_coarser", "info"),
        # equal at the coarser precision, stated as facts
        (dict(value=46.43, op="="), dict(value=46, op="="), "restated_coarser", "info"),
        # ≥ 50 and ≤ 40 cannot both hold
        (dict(value=50, op=">="), dict(value=40, op="<="), "contradictory", "error"),
        # 30.1 vs 30.9 at 0.1 precision, both stated as facts: they cannot both be true
        (dict(value=30.1, op="="), dict(value=30.9, op="="), "contradictory", "error"),
        # a floor of 30.1 and a fact of 30.9 can both hold, but the values differ
        (dict(value=30.9, op="="), dict(value=30.1, op=">="), "restated", "error"),
    ],
)
def test_same_quantity_stated_twice(a, b, kind, severity):
    fa = Figure("a", "land_cover", a["op"], a["value"], "%", classes="forest", year=a.get("year"),
                value_text=a.get("text"))  # fmt: skip
    fb = Figure("b", "land_cover", b["op"], b["value"], "%", classes="forest", year=b.get("year"),
                value_text=b.get("text"))  # fmt: skip
    found = [(f.kind, f.severity) for f in audit_plan(plan_of(fa, fb))]
    assert found == ([] if kind is None else [(kind, severity)])


def test_areas_in_different_units_are_converted():
    # 15 亩 = 1 ha exactly; 1500 亩 = 1.00 km²
    same = plan_of(area("a", "red_line", 1500, "mu", op="="), area("b", "red_line", 1.00, "km2",
                   text="1.00", op="="))  # fmt: skip
    assert audit_plan(same) == []
    differ = plan_of(area("a", "red_line", 1520, "mu", op="="), area("b", "red_line", 1.00, "km2",
                     text="1.00", op=">="))  # fmt: skip
    (f,) = audit_plan(differ)
    assert f.kind == "restated"
    assert f.details["difference"] == pytest.approx(1520 / 15 - 100)  # 1.333 ha


def test_shares_that_imply_different_totals():
    plan = Plan(
        "p",
        [
            area("a", "red_line", 300, line=1), share("s", "red_line", 30, line=1),
            area("b", "urban_boundary", 100, line=2), share("t", "urban_boundary", 20, line=2),
        ],
    )  # fmt: skip
    (f,) = audit_plan(plan)  # 1000 ha vs 500 ha, and no stated total
    assert (f.kind, f.severity) == ("implied_totals_disagree", "warning")


def test_without_a_total_the_implied_total_is_a_note():
    plan = Plan("p", [area("a", "red_line", 300, line=1), share("s", "red_line", 30, line=1),
                      area("b", "urban_boundary", 100, line=2),
                      share("t", "urban_boundary", 10, line=2)])  # fmt: skip
    (f,) = audit_plan(plan)
    assert (f.kind, f.severity) == ("implied_total", "info")
    assert f.details["implied_total_ha"] == pytest.approx(1000, rel=1e-3)


# --------------------------------------------------------------------------- CLI


def test_cli_audit_table_exits_1_on_errors():
    result = CliRunner().invoke(cli, ["audit", str(WUCHANG)])
    assert result.exit_code == 1, result.output
    assert "[错误] share_mismatch" in result.output
    assert "由面积与比例反推的总面积" in result.output


def test_cli_audit_json_english():
    result = CliRunner().invoke(cli, ["audit", str(WUCHANG), "--format", "json", "--lang", "en"])
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert [f["kind"] for f in doc["findings"]].count("share_mismatch") == 4
    assert len(doc["implied_totals"]) == 5


def test_cli_audit_clean_plan_exits_0(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(
        "plan: p\ntotal_area: {value: 1000, unit: ha}\nfigures:\n"
        "  - {id: a, measure: area, role: red_line, op: '>=', value: 500, unit: ha, line: 1}\n"
        "  - {id: s, measure: share, role: red_line, op: '>=', value: 50, unit: '%', line: 1}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["audit", str(path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "0 finding(s)" in result.output


def test_cli_audit_bad_plan_is_a_usage_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("plan: p\nfigures:\n  - {id: a}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["audit", str(path)])
    assert result.exit_code == 2
    assert "missing required field 'measure'" in result.output
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- language, survey area


def test_chinese_table_and_messages_use_chinese_units(wuchang):
    _, findings, _ = wuchang
    result = CliRunner().invoke(cli, ["audit", str(WUCHANG)])
    table = result.output.split("由面积与比例反推的总面积")[1]
    assert "500.51万亩" in table and "230423.56公顷" in table
    assert "mu" not in table and " ha" not in table
    (restated,) = [f for f in findings if f.kind == "restated"]
    # a fact is "为 2323 平方公里", a floor "不低于 230423.56 公顷": no "为=" or "为≥"
    assert "（第12行）为2323平方公里" in restated.message_zh
    assert "（第504行）不低于230423.56公顷" in restated.message_zh
    assert "为=" not in restated.message_zh and "为≥" not in restated.message_zh


def test_implied_totals_written_in_either_language(wuchang):
    plan, _, _ = wuchang
    zh = implied_totals(plan).set_index("subject")
    en = implied_totals(plan, lang="en").set_index("subject")
    assert zh.loc["classes:cropland", "area"] == "500.51万亩"
    assert en.loc["classes:cropland", "area"] == "500.51 × 10,000 mu"
    assert en.loc["red_line", "area"] == "230423.56 ha"


def survey_plan(survey_ha):
    # 495.00 ha at 50.00 % and 198.00 ha at 20.00 % both imply 990 ha:
    # [494.995 / 0.50005, 495.005 / 0.49995] ∩ [197.995 / 0.20005, 198.005 / 0.19995]
    plan = plan_of(
        area("a", "red_line", 495.0, text="495.00", line=1),
        share("s", "red_line", 50.0, text="50.00", line=1),
        area("b", "protected_area", 198.0, text="198.00", line=2),
        share("t", "protected_area", 20.0, text="20.00", line=2),
        total=(1000, "ha", "1000"),
    )
    plan.survey_area = Quantity(
        survey_ha, "ha", line=3, value_text=str(survey_ha), source="第三次全国国土调查"
    )
    return plan


def test_shares_that_divide_by_the_survey_area():
    findings = audit_plan(survey_plan(990))
    got = [(f.kind, f.severity) for f in findings]
    assert ("implied_total_is_survey", "info") in got
    assert ("survey_mismatch", "error") not in got
    (implied,) = [f for f in findings if f.kind == "implied_total"]
    assert "即调查面积990公顷（第三次全国国土调查，第3行）" in implied.message_zh
    (note,) = [f for f in findings if f.kind == "implied_total_is_survey"]
    assert note.details["survey_area_ha"] == 990
    low = max(494.995 / 0.50005, 197.995 / 0.20005)  # 989.89
    high = min(495.005 / 0.49995, 198.005 / 0.19995)  # 990.11
    assert note.details["implied_low_ha"] == pytest.approx(low)
    assert note.details["implied_high_ha"] == pytest.approx(high)
    table = implied_totals(survey_plan(990))
    assert table.survey_area_in_interval.tolist() == [True, True]
    assert table.survey_area_ha.tolist() == [990, 990]


def test_survey_area_the_shares_do_not_imply():
    findings = audit_plan(survey_plan(980))
    (bad,) = [f for f in findings if f.kind == "survey_mismatch"]
    assert bad.severity == "error"
    # midpoint of [989.89, 990.11] minus 980: 10 ha, 1.02 % of 980
    assert "相差约10公顷（1.02%）" in bad.message_zh
    assert "survey area 980 ha (第三次全国国土调查, line 3)" in bad.message_en
    (implied,) = [f for f in findings if f.kind == "implied_total"]
    assert "可能为调查面积" in implied.message_zh


def test_cli_audit_shows_the_survey_column(tmp_path):
    path = tmp_path / "survey.yaml"
    path.write_text(
        "plan: p\nsurvey_area: {value: 1000, unit: ha, source: 三调}\nfigures:\n"
        "  - {id: a, measure: area, role: red_line, op: '>=', value: 500, unit: ha, line: 1}\n"
        "  - {id: s, measure: share, role: red_line, op: '>=', value: 50, unit: '%', line: 1}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["audit", str(path)])
    assert result.exit_code == 0, result.output
    assert "含调查面积" in result.output and "implied_total_is_survey" in result.output
    doc = json.loads(CliRunner().invoke(cli, ["audit", str(path), "--format", "json"]).output)
    assert doc["survey_area"]["source"] == "三调"
