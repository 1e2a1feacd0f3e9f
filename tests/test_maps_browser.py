"""The saved map in a real browser: Debian's chromium driven by Playwright, network blocked.

Never ``playwright install``: the tests use /usr/bin/chromium (CI installs the Debian
package when missing; see .ci/run).
"""

from __future__ import annotations

import shutil

import geopandas as gpd
import numpy as np
import pytest
import shapely
from playwright.sync_api import sync_playwright
from shapely import box

from ecospace.maps import make_map, save_map

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"
GK = "EPSG:4530"
X0, Y0 = 42_500_000.0, 5_000_000.0
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# every Leaflet GeoJSON layer on the map: first feature's layer label -> number of features
COUNT_FEATURES = """() => {
    const key = Object.keys(window).find(k => /^map_[0-9a-f]{32}$/.test(k));
    const out = {};
    window[key].eachLayer(l => {
        if (l instanceof L.GeoJSON && l.getLayers().length)
            out[l.getLayers()[0].feature.properties.layer] = l.getLayers().length;
    });
    return out;
}"""
# screen point inside the first red-line feature, away from the other layers
RED_POINT = """() => {
    const key = Object.keys(window).find(k => /^map_[0-9a-f]{32}$/.test(k));
    let pt = null;
    window[key].eachLayer(l => {
        if (l.feature && (l.feature.properties.name || "").startsWith("&lt;img")) {
            const r = l._path.getBoundingClientRect();
            pt = [r.left + 0.2 * r.width, r.bottom - 0.2 * r.height];
        }
    });
    return pt;
}"""


def gk_box(x1, y1, x2, y2):
    return box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


@pytest.fixture(scope="module")
def browser():
    exe = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def open_offline(browser):
    """Open a file:// page with every other request aborted; returns (page, journal)."""
    pages = []

    def _open(path):
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        page.set_default_timeout(60_000)
        journal = {"requests": [], "blocked": [], "errors": [], "dialogs": []}
        page.on("request", lambda r: journal["requests"].append(r.url))
        page.on(
            "console",
            lambda msg: journal["errors"].append(msg.text) if msg.type == "error" else None,
        )
        page.on("pageerror", lambda exc: journal["errors"].append(str(exc)))

        def on_dialog(dialog):
            journal["dialogs"].append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)

        def route(r):
            if r.request.url.startswith(("file:", "data:")):
                r.continue_()
            else:
                journal["blocked"].append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(path.resolve().as_uri(), wait_until="load")
        page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length > 0")
        pages.append(page)
        return page, journal

    yield _open
    for page in pages:
        page.close()


@pytest.fixture
def county_map(tmp_path):
    boundary = gpd.GeoDataFrame(
        {"XZQMC": ["示范县"]}, geometry=[gk_box(0, 0, 10_000, 8_000)], crs=GK
    )
    townships = gpd.GeoDataFrame(
        {"XZQMC": ["东镇", "西镇"]},
        geometry=[gk_box(0, 0, 5_000, 8_000), gk_box(5_000, 0, 10_000, 8_000)],
        crs=GK,
    )
    red = gpd.GeoDataFrame(
        {"HXMC": [XSS, "北山红线"]},
        geometry=[gk_box(500, 500, 3_000, 3_000), gk_box(6_000, 5_000, 9_000, 7_500)],
        crs=GK,
    ).to_crs("EPSG:4490")
    farm = gpd.GeoDataFrame(
        {"YJJBNTTBBH": ["F001", "F002", "F003"]},
        geometry=[
            gk_box(2_000, 2_000, 4_000, 4_000),
            gk_box(4_500, 500, 5_500, 1_500),
            gk_box(7_000, 1_000, 8_000, 2_000),
        ],
        crs=GK,
    )
    urban = gpd.GeoDataFrame(geometry=[gk_box(4_000, 3_000, 6_000, 5_000)], crs=GK)
    pa = gpd.GeoDataFrame(
        {"ZRBHDMC": ["某某自然保护区"]}, geometry=[gk_box(6_500, 5_500, 9_500, 7_900)], crs=GK
    )
    overlap = gk_box(2_000, 2_000, 3_000, 3_000)
    conflicts = {
        "overlap_red_line__basic_farmland": gpd.GeoDataFrame(
            {"a_fid": [0], "b_fid": [0]}, geometry=[overlap], crs=GK
        )
    }
    layers = {
        "boundary": boundary,
        "townships": townships,
        "red_line": red,
        "basic_farmland": farm,
        "urban_boundary": urban,
        "protected_area": pa,
    }
    m = make_map(layers, conflicts=conflicts, title="示范县 三区三线核查图")
    return save_map(m, tmp_path / "county.html")


def test_map_draws_offline_without_errors(open_offline, county_map, tmp_path):
    page, journal = open_offline(county_map)
    counts = page.evaluate(COUNT_FEATURES)
    assert counts == {
        "县级行政区界": 1,
        "乡镇界": 2,
        "生态保护红线": 2,
        "永久基本农田": 3,
        "城镇开发边界": 1,
        "自然保护地": 1,
        "冲突：生态保护红线与永久基本农田重叠": 1,
    }
    assert page.locator("path.leaflet-interactive").count() == 11
    assert page.locator('path[stroke="#e31a1c"]').count() == 2  # red line is red
    assert page.locator('path[fill="#ffd700"]').count() == 3  # farmland is yellow
    assert page.locator("path.ecospace-conflict").count() == 1
    assert page.locator(".leaflet-control-scale").count() == 1
    assert "图例 Legend" in page.locator(".ecospace-legend").inner_text()
    assert page.locator(".ecospace-title").inner_text() == "示范县 三区三线核查图"
    page.screenshot(path=str(tmp_path / "county.png"))
    assert (tmp_path / "county.png").stat().st_size > 10_000
    assert journal["errors"] == []
    assert journal["blocked"] == []
    assert all(u.startswith(("file:", "data:")) for u in journal["requests"])


def test_layer_control_toggles_a_layer(open_offline, county_map):
    page, journal = open_offline(county_map)
    checkbox = page.get_by_role("checkbox", name="永久基本农田 Basic farmland")
    assert checkbox.is_checked()
    checkbox.click()
    assert page.locator('path[fill="#ffd700"]').count() == 0
    assert "永久基本农田" not in page.evaluate(COUNT_FEATURES)
    checkbox.click()
    assert page.locator('path[fill="#ffd700"]').count() == 3
    assert journal["errors"] == []


def test_xss_name_shows_as_text(open_offline, county_map):
    page, journal = open_offline(county_map)
    x, y = page.evaluate(RED_POINT)
    page.mouse.move(x, y)
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert XSS in tooltip.inner_text()
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert XSS in text
    assert "公顷（椭球面积）" in text
    assert page.locator(".leaflet-popup-content img, .leaflet-tooltip img").count() == 0
    assert journal["dialogs"] == []
    assert journal["errors"] == []
    assert not any(u.endswith("/x") for u in journal["requests"])


@pytest.mark.slow
def test_50000_patches_open(open_offline, tmp_path):
    n = 224
    xs, ys = np.meshgrid(np.arange(n) * 40.0, np.arange(n) * 35.0)
    x, y = X0 + xs.ravel(), Y0 + ys.ravel()
    farm = gpd.GeoDataFrame(geometry=box(x, y, x + 30, y + 30), crs=GK)
    county = gpd.GeoDataFrame(geometry=[gk_box(0, 0, 10_000, 8_000)], crs=GK)
    path = save_map(make_map({"boundary": county, "basic_farmland": farm}), tmp_path / "big.html")
    page, journal = open_offline(path)
    counts = page.evaluate(COUNT_FEATURES)
    assert counts["县级行政区界"] == 1
    assert 1 < counts["永久基本农田"] <= 400  # grouped per grid cell
    total_parts = page.evaluate(
        """() => { let n = 0; document.querySelectorAll('path[fill="#ffd700"]').forEach(
            p => { n += (p.getAttribute('d').match(/M/g) || []).length; }); return n; }"""
    )
    # Leaflet clips and drops sub-pixel rings, so not every part is a subpath at this zoom
    assert total_parts > n * n / 10
    page.screenshot(path=str(tmp_path / "big.png"))
    assert journal["errors"] == []
    assert journal["blocked"] == []
    assert shapely.get_num_geometries(farm.geometry.values).sum() == n * n
