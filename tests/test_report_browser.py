"""The HTML verification table in a real browser at 1 280 px: every column readable.

Debian's chromium driven by Playwright (never ``playwright install``), as in
tests/test_maps_browser.py.  The demo county's check gives realistic labels (生态保护红线与
永久基本农田不重叠 …) and every status.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from ecospace.checking.check import check
from ecospace.rendering.report import to_html

pytestmark = [
    pytest.mark.browser,
    # the demo layers carry planted defects that layers reports as warnings
    pytest.mark.filterwarnings("ignore::ecospace.loading.validate.ValidationWarning"),
]

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]

#: For every column of the figures table: its header, its width, and the width of four
#: CJK characters in the font of its cells (measured in the page, not assumed).
MEASURE = """() => {
    const table = document.querySelector("#figures table");
    const probe = document.createElement("span");
    probe.textContent = "四个汉字";
    probe.style.whiteSpace = "nowrap";
    const cell = table.querySelector("tbody td");
    cell.appendChild(probe);
    const four = probe.getBoundingClientRect().width;
    probe.remove();
    const heads = [...table.querySelectorAll("thead th")];
    return {
        four: four,
        page: document.documentElement.clientWidth,
        columns: heads.map(th => ({text: th.textContent, width: th.getBoundingClientRect().width})),
        // line boxes of the 指标 and 分母 cells: how many lines each one wraps to
        lines: [...table.querySelectorAll("tbody tr")].map(tr => {
            const out = {};
            for (const c of ["label", "denominator"]) {
                const td = tr.querySelector("td.col-" + c);
                const range = document.createRange();
                range.selectNodeContents(td);
                const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                out[c] = {lines: tops.size, chars: td.textContent.length};
            }
            return out;
        }),
    };
}"""


@pytest.fixture(scope="module")
def report_page(tmp_path_factory):
    result = check(ROOT / "plans" / "demo.yaml", progress=False)
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(to_html(result), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def measured(report_page):
    exe = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(report_page.as_uri())
        page.locator("#figures table").screenshot(path=str(report_page.with_suffix(".png")))
        out = page.evaluate(MEASURE)
        browser.close()
    return out


def test_no_column_narrower_than_four_characters(measured):
    assert measured["page"] == 1280
    narrow = [
        (c["text"], round(c["width"]), round(measured["four"]))
        for c in measured["columns"]
        if c["width"] < measured["four"]
    ]
    assert narrow == [], f"columns narrower than four characters: {narrow}"


def test_label_and_denominator_do_not_wrap_character_by_character(measured):
    for row in measured["lines"]:
        for col in ("label", "denominator"):
            cell = row[col]
            # a cell of n characters wrapped one a line would take n lines; at least four a line
            assert cell["lines"] <= max(1, -(-cell["chars"] // 4)), (col, cell)


def test_screenshot_written(report_page, measured):
    png = report_page.with_suffix(".png")
    assert png.read_bytes()[:4] == b"\x89PNG"
