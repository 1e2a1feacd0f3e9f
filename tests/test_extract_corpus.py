"""Drafting on sentences the rules were not written from: precision and recall.

``tests/extract_corpus.yaml`` holds approval-style and plan-style sentences (province, city,
county; simplified and traditional; every unit form) with the figures a reviewer expects,
worked out by hand.  A drafted figure matches an expected one when role (or class set),
value, unit, comparison and precision all agree; precision and recall are counted over the
whole corpus.  The marine red line (a figure-only role) is checked end to end with `check`.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from test_check import make_county, write_plan

from ecospace.checking.check import check
from ecospace.cli.main import cli
from ecospace.plan import load_plan, validate_plan_data
from ecospace.plan.extract import draft_text, extract_figures, find_figures

CORPUS = yaml.safe_load(
    (Path(__file__).parent / "extract_corpus.yaml").read_text(encoding="utf-8")
)["sentences"]
#: the Chinese name of each role or class set, as a reviewer reads it in a label
PARENT_NAMES = {
    "classes:cropland": "耕地保有量",
    "red_line": "生态保护红线",
    "basic_farmland": "永久基本农田",
    "urban_boundary": "城镇开发边界",
    "protected_area": "自然保护地",
    "boundary": "总面积",
}


def expected_key(e: dict) -> tuple:
    return (e["role"], Decimal(e["value"]), e["unit"], e["op"], Decimal(e["precision"]))


def drafted(text: str) -> list[tuple[tuple, object]]:
    """(key, figure) of every figure in the draft, the stated total area as role boundary."""
    plan = extract_figures(text)
    out = []
    t = plan.total_area
    if t is not None:
        key = ("boundary", Decimal(t.value_text), t.unit, "=", Decimal(str(t.precision_value)))
        out.append((key, t))
    for f in plan.figures:
        role = f.role or f"classes:{f.classes}"
        precision = Decimal(str(f.precision_value))
        out.append(((role, Decimal(f.value_text), f.unit, f.op, precision), f))
    return out


@pytest.fixture(scope="module")
def scores():
    rows = []
    for item in CORPUS:
        exp = Counter(expected_key(e) for e in item["figures"])
        got = Counter(k for k, _ in drafted(item["text"]))
        rows.append((item["id"], exp, got, (exp & got).total()))
    return rows


def test_the_corpus_covers_levels_scripts_units_and_parts():
    assert len(CORPUS) >= 30
    assert {i["level"] for i in CORPUS} == {"province", "city", "county"}
    assert {i["script"] for i in CORPUS} == {"simplified", "traditional"}
    for script in ("simplified", "traditional"):
        assert sum(i["script"] == script for i in CORPUS) >= 5
    simplified = "".join(i["text"] for i in CORPUS if i["script"] == "simplified")
    for unit in ("平方米", "公顷", "平方公里", "平方千米", "亩", "%", "倍"):
        assert unit in simplified
    for multiplied in ("万平方米", "万公顷", "万平方公里", "万平方千米", "万亩", "亿平方米",
                       "亿公顷", "亿亩"):  # fmt: skip
        assert multiplied in simplified
    traditional = "".join(i["text"] for i in CORPUS if i["script"] == "traditional")
    for written in ("萬畝", "萬平方公里", "萬公頃", "公頃", "平方公里", "倍", "%", "其中"):
        assert written in traditional
    parts = [e for i in CORPUS for e in i["figures"] if "parent" in e]
    assert {e["unit"] for e in parts} >= {"km2", "ha", "wanmu", "%"}


def test_precision_and_recall_over_the_corpus(scores):
    tp = sum(hit for *_, hit in scores)
    n_exp = sum(exp.total() for _, exp, _, _ in scores)
    n_got = sum(got.total() for _, _, got, _ in scores)
    for sid, exp, got, _ in scores:
        for k in sorted(exp - got, key=str):
            print(f"{sid}: missed {k}")
        for k in sorted(got - exp, key=str):
            print(f"{sid}: not expected {k}")
    recall, precision = tp / n_exp, tp / n_got
    print(f"\ncorpus: {len(scores)} sentences, {n_exp} figures expected, {n_got} drafted, "
          f"{tp} right: recall {recall:.3f}, precision {precision:.3f}")  # fmt: skip
    assert n_exp >= 60
    assert recall == 1.0
    assert precision == 1.0


@pytest.mark.parametrize("item", [i for i in CORPUS if i["script"] == "traditional"],
                         ids=lambda i: i["id"])  # fmt: skip
def test_traditional_sentences_are_quoted_as_written(item):
    quotes = [f.quote for _, f in drafted(item["text"])]
    assert quotes
    for quote in quotes:
        assert quote in item["text"]
    assert any(ch in "".join(quotes) for ch in "於萬畝積護紅線總頃鎮邊縣蓋達")


def test_quotes_of_converted_pdf_text_are_cut_from_the_source():
    for sid in ("county-full-width", "city-pdf-spaces", "city-pdf-line-break"):
        item = next(i for i in CORPUS if i["id"] == sid)
        for _, f in drafted(item["text"]):
            assert f.quote in item["text"], (sid, f.quote)
    (_, fig), _ = drafted(
        "到２０３５年，全县生态保护红线面积不低于１２３４．５６公顷，占全县国土面积的１５．２０％。"
    )
    assert fig.quote == "全县生态保护红线面积不低于１２３４．５６公顷"


def test_line_of_a_sentence_broken_over_two_lines():
    text = "第一章 总则\n到2035年，全市永久基本农田保护面积不低于\n128.76万亩，占市域面积的23.15%。"
    figs = [f for _, f in drafted(text)]
    assert [(f.unit, f.line) for f in figs] == [("wanmu", 2), ("%", 3)]


def test_parts_name_the_figure_they_belong_to():
    checked = 0
    for item in CORPUS:
        figs = dict(drafted(item["text"]))
        for e in item["figures"]:
            if "parent" not in e:
                continue
            label = figs[expected_key(e)].label
            assert PARENT_NAMES[e["parent"]] in label and "其中" in label, (item["id"], label)
            checked += 1
    assert checked >= 10


def test_status_values_are_not_binding():
    for item in CORPUS:
        figs = dict(drafted(item["text"]))
        for e in item["figures"]:
            f = figs[expected_key(e)]
            if e.get("binding") is False:
                assert f.binding is False and "status" in f.note, item["id"]
            elif e["role"] != "boundary":
                assert f.binding is not False, item["id"]


def test_marine_red_line_is_its_own_role_said_in_the_draft():
    item = next(i for i in CORPUS if i["id"] == "province-approval-marine")
    plan = extract_figures(item["text"])
    marine = next(f for f in plan.figures if f.role == "marine_red_line")
    assert marine.measure == "stated"
    assert "no layer measures it" in marine.note and "海洋生态保护红线" in marine.note
    red = next(f for f in plan.figures if f.role == "red_line")
    assert "land part only" in red.note
    text = draft_text(plan)
    assert "no layer for marine_red_line" in text
    assert "role: marine_red_line" not in text.split("figures:")[0]  # not a layer


def test_draft_of_an_approval_has_region_and_layers_skeleton(tmp_path):
    text = "国务院关于《东海省国土空间规划（2021—2035年）》的批复\n" + CORPUS[0]["text"]
    plan = extract_figures(text)
    assert plan.name == "东海省国土空间规划（2021—2035年）"
    assert plan.region == "东海省"
    draft = draft_text(plan)
    head = draft.split("figures:")[0]
    assert "region:\n  name: 东海省\n  # code:" in head
    for line in ("#   - {path: DELIVERY.gdb:XZQ, role: boundary}",
                 "#   - {path: DELIVERY.gdb:STBHHX, role: red_line}",
                 "#   - {path: DELIVERY.gdb:YJJBNTBHTB, role: basic_farmland}",
                 "#   - {path: DELIVERY.gdb:DLTB, role: land_use}"):  # fmt: skip
        assert line in head
    assert "CZKFBJ" not in head  # the expansion ratio is stated only: no layer needed
    path = tmp_path / "draft.yaml"
    path.write_text(draft, encoding="utf-8")
    again = load_plan(path)
    assert again.region == "东海省" and len(again.figures) == 5
    # uncommenting the skeleton gives a valid plan
    filled = draft.replace("# layers:", "layers:").replace("#   - {path", "  - {path")
    data = yaml.safe_load(filled)
    assert [s["role"] for s in data["layers"]] == [
        "boundary", "red_line", "basic_farmland", "land_use"
    ]  # fmt: skip
    assert validate_plan_data(data).layers[1].path == "DELIVERY.gdb:STBHHX"


def test_draft_without_a_region_says_where_it_goes():
    draft = draft_text(extract_figures("规划说明\n生态保护红线面积不低于12公顷。"))
    assert "# region: {name:" in draft


def test_cli_extract_drafts_traditional_text(tmp_path):
    src = tmp_path / "批复.txt"
    src.write_text(next(i for i in CORPUS if i["id"] == "province-approval-traditional")["text"],
                   encoding="utf-8")  # fmt: skip
    out = tmp_path / "draft.yaml"
    result = CliRunner().invoke(cli, ["extract", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "起草 4 项指标" in result.output
    plan = load_plan(out)
    assert [(f.role or f.classes, f.value_text, f.unit) for f in plan.figures] == [
        ("cropland", "5212.00", "wanmu"),
        ("basic_farmland", "4522.50", "wanmu"),
        ("red_line", "67800", "km2"),
        ("urban_boundary", "1.3", "ratio"),
    ]
    assert plan.figures[2].precision_value == 100


# --------------------------------------------------------------------------- check


def test_check_reports_a_marine_figure_as_not_measurable(tmp_path):
    figures = [
        ("red", {"measure": "area", "op": ">=", "value": "3000", "unit": "ha",
                 "role": "red_line"}),
        ("marine_area", {"measure": "area", "op": ">=", "value": "1100", "unit": "km2",
                         "role": "marine_red_line"}),
        ("marine_share", {"measure": "share", "op": ">=", "value": "2.5", "unit": "%",
                          "role": "marine_red_line"}),
        ("marine_stated", {"measure": "stated", "op": ">=", "value": "1100", "unit": "km2",
                           "role": "marine_red_line"}),
    ]  # fmt: skip
    r = check(write_plan(tmp_path, figures), layers=make_county(), progress=False)
    rows = r.figures.set_index("id")
    assert rows.loc["red", "status"] == "pass"  # 3072.5 ha of red line in the test county
    for fid in ("marine_area", "marine_share"):
        assert rows.loc[fid, "status"] == "not measured"
        assert "not measurable from the layers" in rows.loc[fid, "reason"]
    assert rows.loc["marine_stated", "status"] == "not measured"
    assert r.passed  # figures no layer can measure do not decide


def test_a_layer_cannot_take_the_marine_role(tmp_path):
    data = {
        "plan": "示例",
        "layers": [{"path": "x.gpkg:HYSTBHHX", "role": "marine_red_line"}],
        "figures": [{"id": "m", "measure": "area", "role": "marine_red_line", "op": ">=",
                     "value": 1, "unit": "km2"}],
    }  # fmt: skip
    with pytest.raises(ValueError, match=r"layers.0.role.*'marine_red_line' names no layer"):
        validate_plan_data(data)


# --------------------------------------------------------------------------- more phrasings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 含 in brackets introduces a part as 其中 does
        ("生态保护红线面积不低于2.47万平方千米（含海洋生态保护红线0.47万平方千米）。",
         [("red_line", "24700", "km2", ">=", None), ("marine_red_line", "4700", "km2", "=",
                                                     "red_line")]),
        # a qualifier in brackets between the keyword and the number
        ("生态保护红线（陆域）面积不低于345.6平方公里。",
         [("red_line", "345.6", "km2", ">=", None)]),
        # the approval's 你省/你市 and a sign instead of a word
        ("到2035年，你市永久基本农田保护面积≥12.5万亩。",
         [("basic_farmland", "12.5", "wanmu", ">=", None)]),
    ],
)  # fmt: skip
def test_more_approval_phrasings(text, expected):
    got = [(f.subject, f.value_text, f.unit, f.op, f.parent) for f in find_figures(text)]
    assert got == expected


def test_traditional_table_with_a_multiplied_unit_in_the_name_cell():
    text = (
        "指標類別\t序號\t指標名稱\t2020 年\t2025 年\t屬性\n"
        "生態安全\t16\t森林覆蓋率 (%)\t３０.１%\t≥31\t約束性\n"
        "\t21\t城鎮開發邊界面積 (萬公頃)\t1.2\t1.5\t約束性\n"
    )
    got = [(f.subject, f.value_text, f.unit, f.op, f.year, f.binding, f.precision)
           for f in find_figures(text)]  # fmt: skip
    assert got == [
        ("forest_cover", "30.1", "%", "=", 2020, False, None),
        ("forest_cover", "31", "%", ">=", 2025, True, None),
        # 1.2 万公顷 = 12 000 ha, stated to 0.1 万公顷 = 1 000 ha
        ("urban_boundary", "12000", "ha", "=", 2020, False, 1000.0),
        ("urban_boundary", "15000", "ha", "=", 2025, True, 1000.0),
    ]
    assert find_figures(text)[0].quote.endswith("森林覆蓋率 (%) | ３０.１% | ≥31 | 約束性")
