"""Large layers on the web map, in a real browser (network blocked): every patch clickable.

The county is written to a GeoPackage and read back through ``County.from_inputs`` as a user's
would be; the expected id and area of a patch come from the file read with pyogrio (the
FID QGIS shows) and from GeographicLib (``pyproj.Geod``), not from ecospace.
"""

from __future__ import annotations

import io
import re
import warnings

import geopandas as gpd
import numpy as np
import pyogrio
import pyproj
import pytest
import shapely
from PIL import Image
from shapely import box
from test_maps_browser import CHROMIUM_ARGS, TO_SCREEN, browser  # noqa: F401 (fixture)

from ecospace.measuring.county import County
from ecospace.rendering.maps import make_map, save_map

pytestmark = pytest.mark.browser

GK = "EPSG:4530"
X0, Y0 = 42_500_000.0, 5_000_000.0
GEOD = pyproj.Geod(ellps="GRS80")  # CGCS2000's ellipsoid to 0.1 mm
TOWNS = ["东镇", "西镇", "南山乡"]
SET_VIEW = """([lat, lon, z]) => { const key = Object.keys(window).find(
    k => /^map_[0-9a-f]{32}$/.test(k)); window[key].setView([lat, lon], z, {animate: false}); }"""


def geod_area_m2(geom, crs) -> float:
    g = gpd.GeoSeries([geom], crs=crs).to_crs("EPSG:4490").iloc[0]
    return abs(GEOD.geometry_area_perimeter(g)[0])


@pytest.fixture(scope="module")
def county_gpkg(tmp_path_factory):
    """12 × 10 km, three named townships, 6 000 farmland patches (some with a hole), a few
    red-line polygons, and one patch overlapping the red line (a conflict)."""
    rng = np.random.default_rng(14)
    path = tmp_path_factory.mktemp("patches") / "county.gpkg"
    gpd.GeoDataFrame(
        {"XZQMC": ["示范县"]}, geometry=[box(X0, Y0, X0 + 12_000, Y0 + 10_000)], crs=GK
    ).to_file(path, layer="XZQ", engine="pyogrio")
    gpd.GeoDataFrame(
        {"XZQMC": TOWNS, "XZQDM": ["001", "002", "003"]},
        geometry=[
            box(X0, Y0 + 5_000, X0 + 6_000, Y0 + 10_000),
            box(X0 + 6_000, Y0 + 5_000, X0 + 12_000, Y0 + 10_000),
            box(X0, Y0, X0 + 12_000, Y0 + 5_000),
        ],
        crs=GK,
    ).to_file(path, layer="XZ", engine="pyogrio")
    n = 6_000
    cx = X0 + rng.uniform(200, 11_800, n)
    cy = Y0 + rng.uniform(200, 9_800, n)
    size = rng.uniform(15, 60, n)
    ang = rng.uniform(0, 90, n)
    geoms = [
        shapely.affinity.rotate(box(x - s, y - s * 0.7, x + s, y + s * 0.7), a)
        for x, y, s, a in zip(cx, cy, size, ang, strict=True)
    ]
    for i in range(0, n, 50):  # a courtyard in every 50th patch
        geoms[i] = geoms[i].difference(shapely.Point(cx[i], cy[i]).buffer(size[i] * 0.3))
    gpd.GeoDataFrame(
        {
            "YJJBNTTBBH": [f"2301{i:06d}" for i in range(n)],
            "DLBM": rng.choice(["0101", "0102", "0103"], n),
            "ZLDWMC": rng.choice(["甲村", "乙村", "丙村"], n),
        },
        geometry=geoms,
        crs=GK,
    ).to_file(path, layer="YJJBNTBHTB", engine="pyogrio")
    gpd.GeoDataFrame(
        {"HXMC": ["北山", "南河"], "HXLX": ["水源涵养", "水土保持"]},
        geometry=[
            box(X0 + 8_000, Y0 + 7_000, X0 + 9_000, Y0 + 8_000),
            box(X0 + 1_000, Y0 + 1_000, X0 + 1_500, Y0 + 3_000),
        ],
        crs=GK,
    ).to_file(path, layer="STBHHX", engine="pyogrio")
    return path


@pytest.fixture(scope="module")
def patch_map(county_gpkg, tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # overlapping patches are reported, as they should be
        data = County.from_inputs([str(county_gpkg)])
    m = make_map(data.layers, conflicts=data.conflicts, title="示范县")
    return save_map(m, tmp_path_factory.mktemp("map") / "county.html"), data


@pytest.fixture
def opened(browser, patch_map):  # noqa: F811 (the browser fixture)
    path, _ = patch_map
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.set_default_timeout(60_000)
    journal = {"requests": [], "blocked": [], "errors": []}
    page.on("request", lambda r: journal["requests"].append(r.url))
    page.on("console", lambda m: journal["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: journal["errors"].append(str(exc)))

    def route(r):
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            journal["blocked"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function("window.ecospaceReady === true")
    yield page, journal
    page.close()


def pixel(png: bytes) -> np.ndarray:
    """Mean RGB of a screenshot."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)
    return rgb.reshape(-1, 3).mean(axis=0)


def ring_point(polygon) -> tuple[float, float]:
    """(lat, lon) of a point inside the patch itself: between its outline and its hole."""
    outer = shapely.Polygon(polygon.exterior)
    hole = shapely.Polygon(polygon.interiors[0])
    band = outer.difference(hole.buffer(2))
    pt = gpd.GeoSeries([band.representative_point()], crs=GK).to_crs(4326).iloc[0]
    return pt.y, pt.x


def popup_rows(page) -> dict[str, str]:
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    lines = popup.inner_text().splitlines()
    return dict(r.split("\t", 1) if "\t" in r else (r, "") for r in lines)


def test_random_patches_answer_with_their_own_id_and_area(opened, county_gpkg):
    page, journal = opened
    farm = pyogrio.read_dataframe(county_gpkg, layer="YJJBNTBHTB", fid_as_index=True)
    assert farm.index.min() == 1  # GeoPackage FIDs, as QGIS shows them (not the 0-based row)
    inner = farm.to_crs("EPSG:4326").geometry.representative_point()
    # patches that no other patch or red line covers at their inner point
    others = shapely.STRtree(
        np.r_[farm.geometry.values, pyogrio.read_dataframe(county_gpkg, layer="STBHHX").geometry]
    )
    pts_gk = farm.geometry.representative_point().values
    hits = np.bincount(others.query(pts_gk, predicate="intersects")[0], minlength=len(farm))
    alone = np.flatnonzero(hits == 1)
    rng = np.random.default_rng(7)
    for i in rng.choice(alone, 6, replace=False):
        fid = farm.index[i]
        lat, lon = inner.iloc[i].y, inner.iloc[i].x
        page.evaluate(SET_VIEW, [lat, lon, 17])
        page.wait_for_function("window.ecospaceReady === true")
        x, y = page.evaluate(TO_SCREEN, [lat, lon])
        page.mouse.click(x, y)
        rows = popup_rows(page)
        assert rows["图层 Layer"] == "永久基本农田"
        assert rows["要素号 FID"] == str(fid)
        assert rows["编码 Code"] == farm.loc[fid, "YJJBNTTBBH"]
        expected_ha = geod_area_m2(farm.geometry.loc[fid], GK) / 1e4
        assert rows["面积 Area"] == f"{expected_ha:,.2f} 公顷（椭球面积）"
        page.keyboard.press("Escape")
        page.locator(".leaflet-popup").wait_for(state="detached")
    assert journal["errors"] == []
    assert journal["blocked"] == []


def test_clicks_answered_before_the_index_is_built(opened, county_gpkg):
    """The first tiles are drawn, and clicks answered, by a scan of the features' boxes;
    the Flatbush index comes after the first draw."""
    page, journal = opened
    page.wait_for_function("window.ecospaceIndexed === true")
    timing = page.evaluate("window.ecospaceTiming")
    assert timing["drawn"] <= timing["indexed"]
    assert page.evaluate("window.ecospaceLayers.basic_farmland._data.index !== null")
    # as the page is between its first draw and its index
    page.evaluate("Object.values(window.ecospaceLayers).forEach(l => { l._data.index = null; })")
    farm = pyogrio.read_dataframe(county_gpkg, layer="YJJBNTBHTB", fid_as_index=True)
    # patches with no other within 40 m of their inner point: no conflict marker there
    near = shapely.buffer(farm.geometry.representative_point().values, 40)
    hits = np.bincount(
        shapely.STRtree(farm.geometry.values).query(near, predicate="intersects")[0],
        minlength=len(farm),
    )
    inner = farm.to_crs("EPSG:4326").geometry.representative_point()
    for i in np.random.default_rng(11).choice(np.flatnonzero(hits == 1), 3, replace=False):
        lat, lon = inner.iloc[i].y, inner.iloc[i].x
        page.evaluate(SET_VIEW, [lat, lon, 17])
        page.wait_for_function("window.ecospaceReady === true")
        page.mouse.click(*page.evaluate(TO_SCREEN, [lat, lon]))
        assert popup_rows(page)["要素号 FID"] == str(farm.index[i])
        page.keyboard.press("Escape")
        page.locator(".leaflet-popup").wait_for(state="detached")
    assert page.evaluate("window.ecospaceLayers.basic_farmland._data.index") is None
    assert journal["errors"] == []


# what a browser without workers, or where the worker cannot start, does to the page
NO_WORKER = {
    "worker": "",
    "no Worker": "window.Worker = undefined;",
    "worker fails": """window.Worker = function () {
        var w = {postMessage: function () {}, terminate: function () {}};
        setTimeout(function () { w.onerror({preventDefault: function () {}}); }, 0);
        return w; };""",
}


@pytest.mark.parametrize("worker", list(NO_WORKER))
def test_data_in_pieces_inflated_with_or_without_a_worker(
    browser,  # noqa: F811 (the fixture)
    patch_map,
    county_gpkg,
    tmp_path,
    monkeypatch,
    worker,
):
    from ecospace.rendering import _map_overlays

    _, data = patch_map
    monkeypatch.setattr(_map_overlays, "PIECE_CHARS", 40_000)  # some ten pieces
    path = save_map(make_map(data.layers, conflicts=data.conflicts), tmp_path / "m.html")
    assert path.read_text(encoding="utf-8").count('feed("ecospace-data-') >= 5
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    if NO_WORKER[worker]:
        page.add_init_script(NO_WORKER[worker])
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function("window.ecospaceIndexed === true", timeout=60_000)
    timing = page.evaluate("window.ecospaceTiming")
    assert timing["fed"] <= timing["parsed"] <= timing["inflated"] <= timing["drawn"]
    # inflated and indexed by the worker where there is one, else by the page itself
    assert ("worker" in timing) == ("workerIndexed" in timing) == (worker == "worker")
    farm = pyogrio.read_dataframe(county_gpkg, layer="YJJBNTBHTB", fid_as_index=True)
    assert page.evaluate("window.ecospaceLayers.basic_farmland._data.n") == len(farm)
    fids = page.evaluate("Array.from(window.ecospaceLayers.basic_farmland._data.fid)")
    assert sorted(fids) == sorted(farm.index)  # every patch, each once
    assert page.evaluate("window.ecospaceLayers.basic_farmland._data.index.numItems") == len(farm)
    # a patch alone within 40 m of its inner point, clicked through that index
    near = shapely.buffer(farm.geometry.representative_point().values, 40)
    tree = shapely.STRtree(farm.geometry.values)
    alone = np.flatnonzero(
        np.bincount(tree.query(near, predicate="intersects")[0], minlength=len(farm)) == 1
    )
    i = np.random.default_rng(3).choice(alone)
    pt = farm.to_crs("EPSG:4326").geometry.representative_point().iloc[i]
    page.evaluate(SET_VIEW, [pt.y, pt.x, 17])
    page.wait_for_function("window.ecospaceReady === true")
    page.mouse.click(*page.evaluate(TO_SCREEN, [pt.y, pt.x]))
    assert popup_rows(page)["要素号 FID"] == str(farm.index[i])
    page.close()
    assert errors == []
    assert requests == [path.resolve().as_uri()]  # the worker from a Blob URL: no request


def test_a_hole_is_not_the_patch(opened, county_gpkg):
    page, journal = opened
    farm = pyogrio.read_dataframe(county_gpkg, layer="YJJBNTBHTB", fid_as_index=True)
    holed = farm[shapely.get_num_interior_rings(farm.geometry.values) > 0]
    centres = shapely.centroid(shapely.polygons(shapely.get_interior_ring(holed.geometry, 0)))
    # a courtyard no other patch (nor the red line) covers
    covered = shapely.STRtree(farm.geometry.values).query(centres, predicate="intersects")[0]
    k = next(i for i in range(len(holed)) if i not in set(covered) and i >= 3)
    fid = holed.index[k]
    centre = gpd.GeoSeries([centres[k]], crs=GK).to_crs(4326)
    lat, lon = centre.iloc[0].y, centre.iloc[0].x
    page.evaluate(SET_VIEW, [lat, lon, 19])
    page.wait_for_function("window.ecospaceReady === true")
    x, y = page.evaluate(TO_SCREEN, [lat, lon])
    shot = page.screenshot(clip={"x": x - 2, "y": y - 2, "width": 4, "height": 4})
    ring_in = page.evaluate(TO_SCREEN, [*ring_point(holed.geometry.loc[fid])])
    shot_in = page.screenshot(
        clip={"x": ring_in[0] - 1, "y": ring_in[1] - 1, "width": 2, "height": 2}
    )
    assert pixel(shot).min() >= 250  # the courtyard is left white …
    assert pixel(shot_in)[2] < 200  # … inside the patch's yellow
    page.mouse.click(x, y)
    page.wait_for_timeout(300)
    texts = page.locator(".leaflet-popup-content").all_inner_texts()
    assert not any(f"要素号 FID\t{fid}\n" in t for t in texts)
    assert journal["errors"] == []


def test_conflicts_visible_at_the_initial_view_and_numbered(opened, patch_map):
    page, journal = opened
    view = page.locator(".leaflet-container").bounding_box()
    markers = page.locator(".ecospace-conflict-no")
    assert markers.count() >= 1  # numbers, or clusters of them ("12处")
    for i in range(markers.count()):
        b = markers.nth(i).bounding_box()
        assert view["x"] <= b["x"] and b["x"] + b["width"] <= view["x"] + view["width"]
        assert view["y"] <= b["y"] and b["y"] + b["height"] <= view["y"] + view["height"]
    # conflict 1 is the first piece of the first conflict type measure_county lists
    _, data = patch_map
    _, first = next((k, v) for k, v in data.conflicts.items() if len(v))
    pt = gpd.GeoSeries([first.geometry.iloc[0]], crs=first.crs).to_crs(4326)
    pt = shapely.point_on_surface(pt.iloc[0])
    page.evaluate(SET_VIEW, [pt.y, pt.x, 19])
    one = page.locator(".ecospace-conflict-no", has_text=re.compile(r"^1$"))
    one.wait_for()
    one.click()
    text = page.locator(".leaflet-popup-content").inner_text()
    assert re.search(r"冲突编号 No\.\t1\b", text)
    assert "重叠" in text or "重复" in text or "超出" in text
    assert journal["errors"] == []


def test_township_labels_and_layer_order(opened):
    page, journal = opened
    labels = page.locator(".ecospace-township-label").all_inner_texts()
    assert sorted(labels) == sorted(TOWNS)
    page.locator(".leaflet-control-layers").hover()
    names = [
        n.strip() for n in page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    ]
    roles = [n.split(" ")[0] for n in names]
    # as on the annex pages: control lines, boundaries, conflicts
    assert roles[:4] == ["永久基本农田", "生态保护红线", "乡镇界", "县级行政区界"]
    assert any(n.startswith("冲突") for n in roles[4:])
    assert journal["errors"] == []


def test_switching_the_layer_off_stops_its_clicks(opened, county_gpkg):
    page, journal = opened
    farm = pyogrio.read_dataframe(county_gpkg, layer="YJJBNTBHTB", fid_as_index=True)
    pt = farm.to_crs("EPSG:4326").geometry.representative_point().iloc[10]
    page.locator(".leaflet-control-layers").hover()
    page.get_by_role("checkbox", name="永久基本农田 Basic farmland").click()
    page.mouse.move(5, 790)
    page.evaluate(SET_VIEW, [pt.y, pt.x, 17])
    x, y = page.evaluate(TO_SCREEN, [pt.y, pt.x])
    page.mouse.click(x, y)
    page.wait_for_timeout(300)
    assert "永久基本农田" not in " ".join(page.locator(".leaflet-popup-content").all_inner_texts())
    assert journal["errors"] == []


def test_data_file_beside_a_very_large_page(browser, patch_map, tmp_path):  # noqa: F811
    _, data = patch_map
    m = make_map(data.layers, conflicts=data.conflicts)
    path = save_map(m, tmp_path / "big.html", inline_max_bytes=1_000)
    beside = tmp_path / "big.data.js"
    assert beside.stat().st_size > 100_000
    whole = save_map(m, tmp_path / "whole.html")
    # the data is not in the page
    assert path.stat().st_size < whole.stat().st_size - 0.99 * beside.stat().st_size
    assert '<script src="big.data.js"></script>' in path.read_text(encoding="utf-8")
    (tmp_path / "big.html").unlink()
    with pytest.raises(FileExistsError, match=r"big\.data\.js already exists"):
        save_map(m, tmp_path / "big.html", inline_max_bytes=1_000)
    save_map(m, tmp_path / "big.html", inline_max_bytes=1_000, overwrite=True)
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function("window.ecospaceReady === true", timeout=60_000)
    assert page.evaluate("window.ecospaceLayers.basic_farmland._data.n") == 6_000
    page.close()
    assert errors == []


def test_land_use_parcels_coloured_by_class_and_clickable_once_ticked(browser, tmp_path):  # noqa: F811
    n = 60  # 3 600 parcels of 100 m: paddy (0101) and forest (0301) in alternate columns
    xs, ys = np.meshgrid(np.arange(n) * 100.0, np.arange(n) * 100.0)
    x, y = X0 + xs.ravel(), Y0 + ys.ravel()
    codes = np.where(np.arange(n * n) % 2 == 0, "0101", "0301")
    parcels = gpd.GeoDataFrame(
        {"DLBM": codes, "DLMC": np.where(codes == "0101", "水田", "乔木林地")},
        geometry=box(x, y, x + 100, y + 100),
        crs=GK,
    )
    county = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 6_000, Y0 + 6_000)], crs=GK)
    path = save_map(
        make_map({"boundary": county, "land_use": parcels}, land_use=True), tmp_path / "lu.html"
    )
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function("window.ecospaceReady === true", timeout=60_000)
    i = n * 30 + 31  # an odd column: forest
    lon, lat = pyproj.Transformer.from_crs(GK, 4326, always_xy=True).transform(x[i] + 50, y[i] + 50)
    page.evaluate(SET_VIEW, [lat, lon, 16])
    xy = page.evaluate(TO_SCREEN, [lat, lon])
    page.mouse.click(*xy)
    page.wait_for_timeout(300)
    assert page.locator(".leaflet-popup-content").count() == 0  # hidden until ticked
    page.locator(".leaflet-control-layers").hover()
    page.get_by_role("checkbox", name="土地利用现状 Land use").click()
    page.mouse.move(5, 790)
    page.wait_for_timeout(500)
    shot = tmp_path / "lu.png"
    page.screenshot(path=str(shot), clip={"x": xy[0] - 3, "y": xy[1] - 3, "width": 6, "height": 6})
    rgb = np.asarray(Image.open(shot).convert("RGB"), dtype=int).reshape(-1, 3).mean(axis=0)
    # #3f8f3f (林地) at 45 % on white is (169, 200, 169)
    assert np.abs(rgb - [169, 200, 169]).max() < 12, rgb
    page.mouse.click(*xy)
    rows = popup_rows(page)
    assert rows["编码 Code"] == "0301" and rows["名称 Name"] == "乔木林地"
    assert rows["要素号 FID"] == str(i)
    page.close()
    assert errors == []


def test_patches_smaller_than_a_pixel_still_show_at_the_first_view(browser, tmp_path):  # noqa: F811
    n = 140  # 19 600 patches of 5 m × 5 m, 50 m apart: each below a screen pixel at first
    xs, ys = np.meshgrid(np.arange(n) * 50.0, np.arange(n) * 50.0)
    x, y = X0 + 100 + xs.ravel(), Y0 + 100 + ys.ravel()
    farm = gpd.GeoDataFrame(geometry=box(x, y, x + 5, y + 5), crs=GK)
    county = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 7_200, Y0 + 7_200)], crs=GK)
    path = save_map(make_map({"boundary": county, "basic_farmland": farm}), tmp_path / "dots.html")
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function("window.ecospaceReady === true", timeout=60_000)
    rgb = np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB"), dtype=int)
    page.close()
    # #ffd700 at 60 % over white: (255, 231, 102); one dot (rarely two pixels) per patch
    dots = (np.abs(rgb - [255, 231, 102]).max(axis=2) <= 3).sum()
    assert n * n * 0.95 <= dots <= n * n * 2.5
