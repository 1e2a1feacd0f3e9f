"""One renderer per county table: ``ecospace stats`` and the check report's terminal
sections print the same text for the same table (rendering.county_tables.county_table)."""

from __future__ import annotations

import pandas as pd
import pytest
from test_check import FIGURES, make_county, write_plan

from ecospace.checking.check import check
from ecospace.measuring.stats import format_county
from ecospace.rendering.county_tables import county_table
from ecospace.rendering.report import section_text

SHARED = ("coverage", "overlaps", "containment", "townships", "land_cover")


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return check(
        write_plan(tmp_path_factory.mktemp("plan"), FIGURES), layers=make_county(), progress=False
    )


def _block(text: str, index: int) -> str:
    """The table of the ``index``-th section printed by format_county (after its title)."""
    return text.split("\n== ")[index + 1].split("\n", 1)[1].split("\n\n")[0]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("key", SHARED)
def test_stats_and_check_print_the_same_table(result, key, lang):
    stats = format_county(result.county.figures, sections=(key,), lang=lang)
    n = len(getattr(result.county.figures, key)) + 2  # header, rule, one line a row
    table = _block(stats, 0).splitlines()[:n]
    assert len(table) == n and "─" in table[1]
    # notes follow the table in both (features outside; the township residue)
    assert section_text(result, key, lang).splitlines()[:n] == table


def test_hand_made_table_in_each_unit():
    # 3 ha of red line, 30 % of a 10 ha county; 1 ha = 10 000 m² = 15 mu
    cov = pd.DataFrame({"role": ["red_line"], "union_m2": [30_000.0], "share": [0.3]})
    en = county_table(cov, lang="en").splitlines()
    assert en[0].split() == ["role", "union_ha", "share_%"]
    assert en[2].split() == ["red_line", "3.00", "30.00"]
    assert county_table(cov, unit="mu", lang="en").splitlines()[2].split()[1] == "45.00"
    zh = county_table(cov, unit="m2", decimals=0).splitlines()
    assert zh[0].split() == ["图层角色", "合并面积（平方米）", "占比（%）"]
    assert zh[2].split() == ["生态保护红线", "30,000", "30"]


def test_missing_values_booleans_and_negative_zero():
    df = pd.DataFrame(
        {"role_a": ["red_line"], "role_b": ["basic_farmland"], "area_m2": [-0.001],
         "share_of_a": [float("nan")], "must_not_overlap": [True], "status": ["violated"]}
    )  # fmt: skip
    assert county_table(df, lang="en").splitlines()[2].split() == [
        "red_line", "basic_farmland", "0.00", "—", "yes", "violated"
    ]  # fmt: skip
    assert county_table(df).splitlines()[2].split()[-2:] == ["是", "违反"]


def test_balanced_township_columns_replace_the_conversion():
    """Rows of a township table add up in hectares: the balanced *_ha column is shown,
    not *_m2 / 10 000, and it stands where *_m2 stood; other units are hidden."""
    t = pd.DataFrame(
        {"name": ["甲镇", "乙乡", "合计"], "kind": ["township", "township", "total"],
         "area_m2": [1.0, 2.0, 3.0], "red_line_m2": [4_999.0, 5_004.0, 10_003.0],
         "red_line_ha": [0.50, 0.50, 1.00], "red_line_mu": [7.5, 7.5, 15.0]}
    )  # fmt: skip
    rows = [line.split() for line in county_table(t, lang="en", balanced=True).splitlines()]
    assert rows[0] == ["name", "kind", "area_ha", "red_line_ha"]
    assert [r[-1] for r in rows[2:]] == ["0.50", "0.50", "1.00"]
    plain = county_table(t, lang="en").splitlines()[2].split()
    assert plain[3] == "0.50" and plain[-2:] == ["0.50", "7.50"]  # 4 999 m² → 0.4999 ha
