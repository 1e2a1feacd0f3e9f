"""The saved map in a real browser: Debian's chromium driven by Playwright, network blocked.

Never ``playwright install``: the tests use /usr/bin/chromium (CI installs the Debian
package when missing; see .ci/run).
"""

from __future__ import annotations

import shutil
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pyproj
import pytest
import shapely
from PIL import Image
from playwright.sync_api import sync_playwright
from shapely import box

from ecospace.measuring.county import County
from ecospace.rendering.maps import make_map, save_map

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


# screen point (x, y) of a lat/lon on the map
TO_SCREEN = """([lat, lon]) => {
    const key = Object.keys(window).find(k => /^map_[0-9a-f]{32}$/.test(k));
    const p = window[key].latLngToContainerPoint([lat, lon]);
    const r = window[key].getContainer().getBoundingClientRect();
    return [r.left + p.x, r.top + p.y];
}"""
# the topmost SVG path at a screen point: its layer label, pane and computed style
PATH_AT = """([x, y]) => {
    const el = document.elementFromPoint(x, y);
    if (!el || el.tagName !== "path") return null;
    const cs = getComputedStyle(el);
    return {pane: el.closest(".leaflet-pane").className, fill: cs.fill, stroke: cs.stroke};
}"""
ROOT = Path(__file__).resolve().parent.parent
TO_LONLAT = pyproj.Transformer.from_crs(GK, "EPSG:4326", always_xy=True)


def gk_box(x1, y1, x2, y2):
    return box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def screen_point(page, x, y):
    """Screen point of GK offsets (x, y) from (X0, Y0), reprojected here with pyproj."""
    lon, lat = TO_LONLAT.transform(X0 + x, Y0 + y)
    return page.evaluate(TO_SCREEN, [lat, lon])


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
        {"HXMC": [XSS, "北山红线"], "HXLX": ["水土保持", "水源涵养"]},
        geometry=[gk_box(500, 500, 3_000, 3_000), gk_box(6_000, 5_000, 9_000, 7_500)],
        crs=GK,
    ).to_crs("EPSG:4490")
    farm = gpd.GeoDataFrame(
        {
            "YJJBNTTBBH": ["F001", "F002", "F003"],
            "DLBM": ["0101", "0103", "0102"],
            "DLMC": ["水田", "旱地", "水浇地"],
        },
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


def test_layer_control_starts_collapsed_off_the_county(open_offline, county_map):
    page, journal = open_offline(county_map)
    control = page.locator(".leaflet-control-layers")
    assert "leaflet-control-layers-expanded" not in control.get_attribute("class")
    assert not page.get_by_role("checkbox", name="永久基本农田 Basic farmland").is_visible()
    c = control.bounding_box()
    west, south = screen_point(page, 0, 0)  # the county's corners on the screen
    east, north = screen_point(page, 10_000, 8_000)
    # the folded control covers none of the county
    assert (
        c["x"] > east
        or c["x"] + c["width"] < west
        or c["y"] + c["height"] < north
        or c["y"] > south
    )
    control.hover()
    assert "leaflet-control-layers-expanded" in control.get_attribute("class")
    assert journal["errors"] == []


def test_layer_control_toggles_a_layer(open_offline, county_map):
    page, journal = open_offline(county_map)
    page.locator(".leaflet-control-layers").hover()  # unfolds the collapsed control
    checkbox = page.get_by_role("checkbox", name="永久基本农田 Basic farmland")
    assert checkbox.is_checked()
    checkbox.click()
    assert page.locator('path[fill="#ffd700"]').count() == 0
    assert "永久基本农田" not in page.evaluate(COUNT_FEATURES)
    checkbox.click()
    assert page.locator('path[fill="#ffd700"]').count() == 3
    assert journal["errors"] == []


def test_protected_area_drawn_over_the_red_line_both_visible(open_offline, county_map, tmp_path):
    page, journal = open_offline(county_map)
    # inside both the protected area (6.5-9.5 km × 5.5-7.9 km) and the red line (6-9 × 5-7.5)
    x, y = screen_point(page, 7_500, 6_500)
    red = page.evaluate(PATH_AT, [x, y])  # clicks pass the hatch: the red line is under
    assert red["stroke"] == "rgb(227, 26, 28)" and "leaflet-overlay-pane" in red["pane"]
    protected = page.evaluate(
        """() => { const p = document.querySelector("path.ecospace-protected");
            const cs = getComputedStyle(p), pane = p.closest(".leaflet-pane");
            return {fill: cs.fill, stroke: cs.stroke, events: cs.pointerEvents,
                    pane: pane.className, z: +getComputedStyle(pane).zIndex}; }"""
    )
    assert protected["stroke"] == "rgb(27, 120, 55)"  # #1b7837
    assert protected["fill"] == 'url("#ecospace-protected-hatch")'
    assert protected["events"] == "visiblestroke"
    z = page.evaluate(
        """() => ["overlay", "ecospace-conflicts"].map(n => +getComputedStyle(
            document.querySelector(".leaflet-" + n + "-pane")).zIndex)"""
    )
    assert z[0] < protected["z"] < z[1]  # above the red line, under the conflicts
    # the outline itself answers: its tooltip names the protected area and its type
    ex, ey = screen_point(page, 9_500, 6_500)  # on the protected area's east edge
    page.mouse.move(ex, ey)
    tooltip = page.locator(".leaflet-tooltip.foliumtooltip")
    tooltip.wait_for()
    assert "某某自然保护区" in tooltip.inner_text()
    page.mouse.move(5, 790)
    # the pixels: green hatch lines and the red line's pink, no green wash turned brown
    shot = tmp_path / "overlap.png"
    page.screenshot(path=str(tmp_path / "county.png"))
    page.screenshot(path=str(shot), clip={"x": x - 15, "y": y - 15, "width": 30, "height": 30})
    px = np.asarray(Image.open(shot).convert("RGB"), dtype=int).reshape(-1, 3)
    # hatch lines (anti-aliased): green above red; a 35 % green wash over the pink gave
    # (190, 175, 148), red above green everywhere
    green = (px[:, 1] > px[:, 0]).mean()
    pink = (abs(px - [245, 175, 176]).max(axis=1) <= 4).mean()  # #e31a1c at 35 % on white
    assert green > 0.05 and pink > 0.4
    assert journal["errors"] == []


def test_farmland_patch_popup(open_offline, county_map):
    page, journal = open_offline(county_map)
    x, y = screen_point(page, 4_700, 700)  # patch F002, west of the township line
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "F002" in text and "0103 旱地" in text
    assert "100.0" in text and "公顷（椭球面积）" in text  # 1 km × 1 km in GK, ≈ 100 ha
    assert journal["errors"] == []


def test_red_line_popup_gives_type_not_code(open_offline, county_map):
    page, journal = open_offline(county_map)
    x, y = screen_point(page, 1_000, 1_000)
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    rows = dict(r.split("\t", 1) if "\t" in r else (r, "") for r in popup.inner_text().splitlines())
    assert rows.get("类型 Type", "").strip() == "水土保持"
    assert "编码 Code" not in rows
    assert journal["errors"] == []


def test_xss_name_shows_as_text(open_offline, county_map):
    page, journal = open_offline(county_map)
    x, y = page.evaluate(RED_POINT)
    page.mouse.move(x, y)
    tooltip = page.locator(".leaflet-tooltip.foliumtooltip")
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
def test_50000_patches_open_each_one_clickable(open_offline, tmp_path):
    n = 224
    xs, ys = np.meshgrid(np.arange(n) * 40.0, np.arange(n) * 35.0)
    x, y = X0 + xs.ravel(), Y0 + ys.ravel()
    farm = gpd.GeoDataFrame(
        {"YJJBNTTBBH": [f"P{i:05d}" for i in range(n * n)]},
        geometry=box(x, y, x + 30, y + 30),
        crs=GK,
    )
    county = gpd.GeoDataFrame(geometry=[gk_box(0, 0, 10_000, 8_000)], crs=GK)
    path = save_map(make_map({"boundary": county, "basic_farmland": farm}), tmp_path / "big.html")
    assert path.stat().st_size < 5_000_000
    start = time.monotonic()
    page, journal = open_offline(path)
    page.wait_for_function("window.ecospaceReady === true")
    seconds = time.monotonic() - start
    assert seconds < 20  # a few seconds on a laptop; generous for a busy CI runner
    assert page.evaluate("window.ecospaceLayers.basic_farmland._data.n") == n * n
    # the last patch (north-east corner), at a zoom where it is a few pixels wide
    i = n * n - 1
    lon, lat = TO_LONLAT.transform(x[i] + 15, y[i] + 15)
    page.evaluate(
        """([lat, lon]) => { const key = Object.keys(window).find(
            k => /^map_[0-9a-f]{32}$/.test(k)); window[key].setView([lat, lon], 15,
            {animate: false}); }""",
        [lat, lon],
    )
    page.mouse.click(*page.evaluate(TO_SCREEN, [lat, lon]))
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert f"P{i:05d}" in popup.inner_text()
    page.screenshot(path=str(tmp_path / "big.png"))
    assert journal["errors"] == []
    assert journal["blocked"] == []


@pytest.mark.slow
def test_demo_map_shows_every_farmland_patch(open_offline, tmp_path):
    with warnings.catch_warnings():  # the demo county carries planted defects
        warnings.simplefilter("ignore")
        data = County.from_inputs([str(ROOT / "plans" / "demo.yaml")])
        m = make_map(data.layers, conflicts=data.conflicts, title=data.title, method=data.method)
    path = save_map(m, tmp_path / "demo.html")
    assert path.stat().st_size < 15_000_000
    farm = pyogrio.read_dataframe(
        ROOT / "layers" / "demo.gpkg", layer="YJJBNTBHTB", fid_as_index=True
    )
    page, journal = open_offline(path)
    page.wait_for_function("window.ecospaceReady === true")
    n = page.evaluate("window.ecospaceLayers.basic_farmland._data.n")
    assert n == len(farm) == 12_030  # one by one, not per township
    # zoom onto patches and click the first whose inner point only it covers
    lonlat = farm.to_crs("EPSG:4326").geometry.representative_point()
    tree = shapely.STRtree(farm.geometry.values)
    inner = farm.geometry.representative_point().values
    for i in range(0, len(farm), 997):
        if len(tree.query(inner[i], predicate="intersects")) != 1:
            continue
        page.evaluate(
            """([lat, lon]) => { const key = Object.keys(window).find(
                k => /^map_[0-9a-f]{32}$/.test(k)); window[key].setView([lat, lon], 17,
                {animate: false}); }""",
            [lonlat.y.iloc[i], lonlat.x.iloc[i]],
        )
        x, y = page.evaluate(TO_SCREEN, [lonlat.y.iloc[i], lonlat.x.iloc[i]])
        if page.evaluate(PATH_AT, [x, y]) is None:  # no SVG shape (red line …) on top
            break
    else:
        pytest.fail("no farmland patch free of other layers at any probed point")
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    row = farm.iloc[i]
    assert f"要素号 FID\t{farm.index[i]}\n" in text  # the FID QGIS shows
    assert str(row["YJJBNTTBBH"]) in text
    assert f"{row['DLBM']} {row['DLMC']}" in text
    assert "公顷（椭球面积）" in text
    assert journal["errors"] == []
    assert journal["blocked"] == []
