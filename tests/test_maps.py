"""The interactive map: the rendered HTML holds the right layers, styles and legend,
no external URL, escaped attributes, and popup areas that match an independent Geod area."""

from __future__ import annotations

import base64
import json
import re
import zlib
from html.parser import HTMLParser

import folium
import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from shapely import box

from ecospace import EcospaceError, MethodError, OutputExistsError, RoleError
from ecospace.rendering.maps import CONFLICT_STYLE, ROLE_STYLES, conflict_label, make_map, save_map

XSS = "<img src=x onerror=alert(1)>"
GK = "EPSG:4530"  # CGCS2000 3° Gauss–Krüger zone 42 (CM 126°E), easting with zone prefix
X0, Y0 = 42_500_000.0, 5_000_000.0


def gk_box(x1, y1, x2, y2):
    return box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def geod_area_m2(geom, crs) -> float:
    """Independent area: vertices to CGCS2000 lon/lat, then GeographicLib (pyproj.Geod)."""
    tr = pyproj.Transformer.from_crs(crs, "EPSG:4490", always_xy=True)
    g = shapely.transform(geom, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))
    return abs(pyproj.Geod(ellps="GRS80").geometry_area_perimeter(g)[0])


def ha_text(m2: float) -> str:
    return f"{m2 / 1e4:,.2f} 公顷（椭球面积）"


def js(text: str) -> str:
    """``text`` as it appears inside a JSON string written by folium's templates."""
    return (
        json.dumps(text)[1:-1]
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
    )


@pytest.fixture
def county():
    """A 10 km × 8 km county in GK zone 42, the red line in EPSG:4490 as delivered."""
    boundary = gpd.GeoDataFrame(
        {"XZQDM": ["230184"], "XZQMC": ["示范县"]}, geometry=[gk_box(0, 0, 10_000, 8_000)], crs=GK
    )
    townships = gpd.GeoDataFrame(
        {"XZQDM": ["230184100", "230184101"], "XZQMC": ["东镇", "西镇"]},
        geometry=[gk_box(0, 0, 5_000, 8_000), gk_box(5_000, 0, 10_000, 8_000)],
        crs=GK,
    )
    red_gk = [gk_box(500, 500, 3_000, 3_000), gk_box(6_000, 5_000, 9_000, 7_500)]
    red = gpd.GeoDataFrame(
        {"HXMC": [XSS, "北山红线"], "HXLX": ["01", "02"]}, geometry=red_gk, crs=GK
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
    urban = gpd.GeoDataFrame(
        {"GHFQDM": ["10"], "GHFQMC": ["集中建设区"]},
        geometry=[gk_box(4_000, 3_000, 6_000, 5_000)],
        crs=GK,
    )
    pa = gpd.GeoDataFrame(
        {"ZRBHDMC": ["某某自然保护区"]}, geometry=[gk_box(6_500, 5_500, 9_500, 7_900)], crs=GK
    )
    return {
        "boundary": boundary,
        "townships": townships,
        "red_line": red,
        "basic_farmland": farm,
        "urban_boundary": urban,
        "protected_area": pa,
    }


@pytest.fixture
def conflicts(county):
    """Conflict pieces shaped like ``measure_county(...).conflicts``, built by hand."""
    red = county["red_line"].to_crs(GK)
    overlap = shapely.intersection(red.geometry.iloc[0], county["basic_farmland"].geometry.iloc[0])
    outside = shapely.difference(county["protected_area"].geometry.iloc[0], red.geometry.iloc[1])
    return {
        "overlap_red_line__basic_farmland": gpd.GeoDataFrame(
            {"a_fid": [0], "b_fid": [0], "area_m2": [overlap.area]}, geometry=[overlap], crs=GK
        ),
        "outside_protected_area__red_line": gpd.GeoDataFrame(
            {"fid": [0], "area_m2": [outside.area]}, geometry=[outside], crs=GK
        ),
    }


def geojson_layers(m: folium.Map) -> dict[str, dict]:
    """Layer name → the GeoJSON data of each folium.GeoJson on the map."""
    return {
        child.layer_name: child.data
        for child in m._children.values()
        if isinstance(child, folium.GeoJson)
    }


def packed_layers(m: folium.Map) -> list[dict]:
    """The packed patch layers of a map, decoded here with numpy from the page's data."""
    (el,) = [c for c in m._children.values() if type(c).__name__ == "_Layers"]
    raw = zlib.decompress(base64.b64decode(el.data))
    out = []
    for meta in el.metas:

        def arr(spec):
            dtype, offset, length = spec
            return np.frombuffer(raw, dtype=DTYPES[dtype], count=length, offset=offset)

        a = meta["arrays"]
        nrings, ringlen = arr(a["nrings"]), arr(a["ringlen"])
        ring_feat = np.repeat(np.arange(meta["n"]), nrings)
        layer = {
            "key": meta["key"],
            "n": meta["n"],
            "fid": arr(a["fid"]),
            "area": arr(a["area"]),
            "vertices": np.bincount(ring_feat, weights=ringlen, minlength=meta["n"]),
        }
        for key, t in meta["text"].items():
            words = raw[t["words"][0] : t["words"][0] + t["words"][1]].decode().split("\n")
            layer[key] = [words[i] for i in arr(t["idx"])]
        out.append(layer)
    return out


DTYPES = {"u8": "<u1", "i16": "<i2", "u16": "<u2", "i32": "<i4", "u32": "<u4", "f64": "<f8"}


def props_by_name(data: dict) -> dict[str, dict]:
    return {f["properties"]["name"]: f["properties"] for f in data["features"]}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append((tag, name, value))


def test_every_role_drawn_in_its_colour(county, conflicts):
    m = make_map(county, conflicts=conflicts)
    page = m.get_root().render()
    layers = geojson_layers(m)
    assert len(layers) == 6 + 2
    for role, spec in ROLE_STYLES.items():
        if role == "land_use":
            continue
        name = next(n for n in layers if n.startswith(spec["zh"]))
        assert len(layers[name]["features"]) == len(county[role])
        assert f'"color": "{spec["style"]["color"]}"' in page
    assert ROLE_STYLES["red_line"]["style"]["color"] == "#e31a1c"
    assert ROLE_STYLES["basic_farmland"]["style"]["fillColor"] == "#ffd700"
    assert ROLE_STYLES["boundary"]["style"]["fill"] is False
    assert ROLE_STYLES["townships"]["style"]["fill"] is False
    assert f'"className": "{CONFLICT_STYLE["className"]}"' in page
    assert 'id="ecospace-hatch"' in page


def test_legend_layer_control_scale_title(county, conflicts):
    page = make_map(county, conflicts=conflicts, title="示范县 三区三线").get_root().render()
    for spec in ROLE_STYLES.values():
        if spec["zh"] != "土地利用现状":
            assert js(spec["zh"]) in page  # legend and layer control, JSON-escaped
            assert js(spec["en"]) in page
    assert js("图例 Legend") in page
    assert js("冲突区域（重叠/超出/重复）") in page
    assert js("冲突：生态保护红线与永久基本农田重叠 Conflict") in page
    assert js("冲突：自然保护地超出生态保护红线 Conflict") in page
    assert "L.control.layers(" in page
    assert "L.control.scale(" in page
    assert "示范县 三区三线" in page
    assert ".fitBounds(" in page


def test_fit_to_county_bounds(county):
    m = make_map(county)
    page = m.get_root().render()
    w, s, e, n = county["boundary"].to_crs("EPSG:4326").total_bounds
    calls = re.findall(r"map_\w+\.fitBounds\(\s*(\[\[.*?\]\])", page, re.S)
    (s2, w2), (n2, e2) = json.loads(calls[-1])
    assert (s2, w2, n2, e2) == pytest.approx((s, w, n, e), abs=1e-9)


def test_no_external_urls_offline_by_default(county, conflicts):
    page = make_map(county, conflicts=conflicts).get_root().render()
    parser = _Links()
    parser.feed(page)
    external = [u for u in parser.urls if re.match(r"(https?:)?//", u[2])]
    assert external == []
    assert not re.search(r"<(script|link)[^>]+(src|href)=", page)  # everything inlined
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page)
    assert "url(images/" not in page  # Leaflet's CSS images are data: URIs
    assert "L.tileLayer(" not in page
    for cdn in ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "code.jquery.com", "bootstrapcdn"):
        assert cdn not in page
    assert "Leaflet 1.9.4" in page


@pytest.mark.parametrize(
    ("basemap", "key", "expected"),
    [
        ("osm", None, "tile.openstreetmap.org"),
        ("tianditu", "abc123", "tianditu.gov.cn/vec_w/wmts"),
        ("tianditu", "abc123", "tk=abc123"),
    ],
)
def test_basemaps_only_when_asked(county, basemap, key, expected):
    page = make_map(county, basemap=basemap, tianditu_key=key).get_root().render()
    assert expected in page
    assert "L.tileLayer(" in page


def test_tianditu_needs_a_key(county, monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with pytest.raises(EcospaceError, match="needs a key"):
        make_map(county, basemap="tianditu")


def test_attributes_escaped(county):
    m = make_map(county, title=XSS)
    page = m.get_root().render()
    assert XSS not in page
    assert "<img" not in page
    red = next(d for n, d in geojson_layers(m).items() if n.startswith("生态保护红线"))
    names = [f["properties"]["name"] for f in red["features"]]
    assert "&lt;img src=x onerror=alert(1)&gt;" in names
    assert js("&lt;img src=x onerror=alert(1)&gt;") in page


def test_popup_areas_match_geod(county):
    m = make_map(county)
    layers = geojson_layers(m)
    for role in ("red_line", "basic_farmland", "boundary"):
        gdf = county[role]
        data = next(d for n, d in layers.items() if n.startswith(ROLE_STYLES[role]["zh"]))
        got = [f["properties"]["area"] for f in data["features"]]
        assert got == [ha_text(geod_area_m2(g, gdf.crs)) for g in gdf.geometry]
    # a box of 2.5 km × 2.5 km in GK is close to 625 ha on the ground
    assert ha_text(geod_area_m2(county["red_line"].geometry.iloc[0], "EPSG:4490")).startswith("62")


def test_popup_fields_and_method_label(county):
    m = make_map(county, method="geodesic")
    layers = geojson_layers(m)
    farm = next(d for n, d in layers.items() if n.startswith("永久基本农田"))
    props = farm["features"][0]["properties"]
    assert props["code"] == "F001" and props["fid"] == "0"
    assert props["area"].endswith("公顷（测地线面积）")
    red = props_by_name(next(d for n, d in layers.items() if n.startswith("生态保护红线")))
    assert red["北山红线"]["type"] == "02"  # HXLX is the red line's type, not a code
    assert "code" not in red["北山红线"]  # no HXBH: no empty 编码 row
    page = m.get_root().render()
    for alias in ("名称 Name", "类型 Type", "编码 Code", "面积 Area"):
        assert js(alias) in page


def test_farmland_popup_gives_code_and_land_class(county):
    farm = county["basic_farmland"].assign(DLBM=["0101", "0103", "0102"], DLMC=["水田", "旱地", ""])
    m = make_map(dict(county, basic_farmland=farm))
    data = next(d for n, d in geojson_layers(m).items() if n.startswith("永久基本农田"))
    got = [(f["properties"]["code"], f["properties"]["class"]) for f in data["features"]]
    assert got == [("F001", "0101 水田"), ("F002", "0103 旱地"), ("F003", "0102")]
    assert js("地类 Land class") in m.get_root().render()


def test_protected_areas_above_the_red_line_outlined_and_hatched(county, conflicts):
    m = make_map(county, conflicts=conflicts)
    page = m.get_root().render()
    panes = dict(re.findall(r'createPane\(\s*"([\w-]+)"\);\s*\w+\.style\.zIndex = (\d+);', page))
    assert {k: int(v) for k, v in panes.items()} == {
        "ecospace-protected": 410,  # above Leaflet's overlayPane (400): the red line's
        "ecospace-outlines": 420,
        "ecospace-conflicts": 450,
    }
    layers = {c.layer_name: c for c in m._children.values() if isinstance(c, folium.GeoJson)}
    pane = {name.split()[0]: layer.options.get("pane") for name, layer in layers.items()}
    assert pane["自然保护地"] == "ecospace-protected"
    assert pane["生态保护红线"] == "overlayPane"
    assert all(p == "ecospace-conflicts" for n, p in pane.items() if n.startswith("冲突"))
    style = next(v for n, v in layers.items() if n.startswith("自然保护地")).options["style"]
    assert style["color"] == "#1b7837" and style["className"] == "ecospace-protected"
    # the fill is the green hatch (no wash: green over the red line's pink reads as brown)
    assert ".ecospace-protected{fill:url(#ecospace-protected-hatch);fill-opacity:1}" in page
    pattern = re.search(r'<pattern id="ecospace-protected-hatch".*?</pattern>', page).group(0)
    assert 'stroke="#1b7837"' in pattern and "<rect" not in pattern
    assert "path.leaflet-interactive.ecospace-protected{pointer-events:visibleStroke}" in page


def test_layer_control_starts_collapsed(county):
    page = make_map(county).get_root().render()
    (call,) = re.findall(r"L\.control\.layers\(.*?\)\s*\.addTo", page, re.S)
    assert re.search(r"collapsed: true\b", call)


def test_conflicts_drawn_with_ids_and_areas(county, conflicts):
    m = make_map(county, conflicts=conflicts)
    layers = geojson_layers(m)
    name = next(n for n in layers if "生态保护红线与永久基本农田重叠" in n)
    (feat,) = layers[name]["features"]
    piece = conflicts["overlap_red_line__basic_farmland"].geometry.iloc[0]
    assert feat["properties"]["fid"] == "0 × 0"
    assert feat["properties"]["area"] == ha_text(geod_area_m2(piece, GK))
    assert ha_text(geod_area_m2(piece, GK)).startswith("100")  # 1 km × 1 km


def test_coordinates_rounded_to_6_decimals(county):
    page = make_map(county).get_root().render()
    for data in re.findall(r"_add\((\{.*?\})\);", page):
        coords = shapely.get_coordinates(
            shapely.from_geojson([json.dumps(f["geometry"]) for f in json.loads(data)["features"]])
        )
        assert np.allclose(coords, np.round(coords, 6), rtol=0, atol=1e-12)
        assert coords[:, 0].min() >= 126 and coords[:, 1].min() > 45  # EPSG:4326 lon/lat


def test_land_use_off_by_default_grouped_by_class(county):
    dltb = gpd.GeoDataFrame(
        {"DLBM": ["0101", "0301", "0103", "1101"], "DLMC": ["水田", "乔木林地", "旱地", "河流"]},
        geometry=[gk_box(i * 2_000, 0, (i + 1) * 2_000, 1_000) for i in range(4)],
        crs=GK,
    )
    layers = dict(county, land_use=dltb)
    assert not any(n.startswith("土地利用") for n in geojson_layers(make_map(layers)))
    m = make_map(layers, land_use=True, max_features=2)
    data = next(d for n, d in geojson_layers(m).items() if n.startswith("土地利用"))
    got = {f["properties"]["code"]: f["properties"] for f in data["features"]}
    assert set(got) == {"01", "03", "11"}
    assert got["01"]["name"] == "耕地" and got["01"]["count"] == "2"
    expect = sum(geod_area_m2(g, GK) for g in dltb.geometry[dltb["DLBM"].str[:2] == "01"])
    assert got["01"]["area"] == ha_text(expect)
    land_use = next(
        c
        for c in m._children.values()
        if getattr(c, "layer_name", "")
        == next(n for n in geojson_layers(m) if n.startswith("土地利用"))
    )
    assert land_use.show is False


def test_more_than_5000_patches_drawn_one_by_one_when_they_fit(county):
    n = 80  # 6 400 patches of 40 m × 40 m: packed, each one with its own popup row
    xs, ys = np.meshgrid(np.arange(n) * 60.0, np.arange(n) * 50.0)
    x, y = X0 + 200 + xs.ravel(), Y0 + 200 + ys.ravel()
    codes = [f"2307991{i:07d}" for i in range(n * n)]
    farm = gpd.GeoDataFrame({"YJJBNTTBBH": codes}, geometry=box(x, y, x + 40, y + 40), crs=GK)
    m = make_map(dict(county, basic_farmland=farm))
    assert not [n_ for n_ in geojson_layers(m) if n_.startswith("永久基本农田")]  # not SVG
    (farm_packed,) = [p for p in packed_layers(m) if p["key"] == "basic_farmland"]
    assert farm_packed["n"] == n * n
    assert sorted(farm_packed["code"]) == codes
    assert sorted(farm_packed["fid"]) == list(range(n * n))  # row ids: no src_fid here
    # 40 m × 40 m = 1 600 m² on the grid; the ellipsoid differs from GK by well under 1 %
    assert farm_packed["area"] == pytest.approx(np.full(n * n, 1_600.0), rel=0.01)
    assert (farm_packed["vertices"] == 4).all()  # a square: 4 corners, rings closed by the page


def test_grouped_only_when_simplification_cannot_meet_the_budget(county):
    # 1 200 patches: their popup rows alone exceed a 400 kB budget, however simplified
    n = 40
    xs, ys = np.meshgrid(np.arange(n) * 240.0, np.arange(30) * 250.0)
    x, y = X0 + 100 + xs.ravel(), Y0 + 100 + ys.ravel()
    farm = gpd.GeoDataFrame(
        {"YJJBNTTBBH": [f"P{i}" for i in range(len(x))]}, geometry=box(x, y, x + 50, y + 50), crs=GK
    )
    layers = dict(county, basic_farmland=farm)
    grouped = make_map(layers, max_bytes=400_000)
    data = next(d for n_, d in geojson_layers(grouped).items() if n_.startswith("永久基本农田"))
    got = props_by_name(data)
    assert set(got) == {"东镇", "西镇"}
    east = x < X0 + 5_000
    assert got["东镇"]["count"] == f"{east.sum():,}"
    # the red line and the other small layers stay individual
    red = next(d for n_, d in geojson_layers(grouped).items() if n_.startswith("生态保护红线"))
    assert len(red["features"]) == 2
    # the same layer under the default budget: one feature per patch
    single = make_map(layers)
    data = next(d for n_, d in geojson_layers(single).items() if n_.startswith("永久基本农田"))
    assert len(data["features"]) == len(x)


def test_detailed_patches_simplified_not_grouped(county):
    # 60 round patches of 16 385 vertices each (~25 MB as drawn): simplified at a few metres
    # they fit 5 MB and stay individual
    centres = shapely.points([(X0 + 300 + 150 * i, Y0 + 4_000) for i in range(60)])
    patches = shapely.buffer(centres, 60, quad_segs=4096)
    farm = gpd.GeoDataFrame({"YJJBNTTBBH": [f"P{i}" for i in range(60)]}, geometry=patches, crs=GK)
    m = make_map(dict(county, basic_farmland=farm), max_bytes=5_000_000)
    data = next(d for n_, d in geojson_layers(m).items() if n_.startswith("永久基本农田"))
    assert len(data["features"]) == 60
    drawn = [len(f["geometry"]["coordinates"][0]) for f in data["features"]]
    assert max(drawn) < 16_385 / 10
    assert [f["properties"]["area"] for f in data["features"]] == [
        ha_text(geod_area_m2(g, GK)) for g in patches
    ]


def test_large_layer_grouped_per_township_areas_from_full_geometry(county):
    # 40 round patches (many vertices), grouped on request (max_features) and a tiny size
    # budget: display copies are simplified hard, but the popup totals still come from the
    # full geometries
    centres = shapely.points(
        [(X0 + 250 + 500 * i, Y0 + 4_000 + 300 * (j % 2)) for i in range(20) for j in range(2)]
    )
    patches = shapely.buffer(centres, 100, quad_segs=32)
    farm = gpd.GeoDataFrame({"YJJBNTTBBH": [f"P{i}" for i in range(40)]}, geometry=patches, crs=GK)
    layers = dict(county, basic_farmland=farm)
    m = make_map(layers, max_features=10, max_bytes=300_000)
    data = next(d for n, d in geojson_layers(m).items() if n.startswith("永久基本农田"))
    got = props_by_name(data)
    assert set(got) == {"东镇", "西镇"}
    east = shapely.get_coordinates(centres)[:, 0] < X0 + 5_000
    assert got["东镇"]["count"] == str(east.sum())
    assert got["东镇"]["area"] == ha_text(sum(geod_area_m2(g, GK) for g in patches[east]))
    drawn = sum(
        len(shapely.get_coordinates(shapely.from_geojson(json.dumps(f["geometry"]))))
        for f in data["features"]
    )
    assert drawn < shapely.get_num_coordinates(patches).sum() / 2  # simplified


def test_large_layer_without_townships_grouped_by_grid(county):
    centres = shapely.points([(X0 + 100 + 200 * i, Y0 + 100) for i in range(30)])
    farm = gpd.GeoDataFrame(geometry=shapely.buffer(centres, 50), crs=GK)
    m = make_map({"boundary": county["boundary"], "basic_farmland": farm}, max_features=5)
    data = next(d for n, d in geojson_layers(m).items() if n.startswith("永久基本农田"))
    assert 1 < len(data["features"]) <= 30
    assert sum(int(f["properties"]["count"]) for f in data["features"]) == 30
    assert all(f["properties"]["name"].startswith("网格 grid") for f in data["features"])


@pytest.mark.slow
def test_large_land_use_layer_packed_per_class_hidden_until_ticked(county):
    n = 60  # 3 600 parcels, three classes
    xs, ys = np.meshgrid(np.arange(n) * 100.0, np.arange(n) * 100.0)
    x, y = X0 + xs.ravel(), Y0 + ys.ravel()
    codes = np.array(["0101", "0301", "1101"])[np.arange(n * n) % 3]
    parcels = gpd.GeoDataFrame(
        {"DLBM": codes, "DLMC": np.where(codes == "0101", "水田", "乔木林地")},
        geometry=box(x, y, x + 100, y + 100),
        crs=GK,
    )
    m = make_map(dict(county, land_use=parcels), land_use=True)
    (el,) = [c for c in m._children.values() if type(c).__name__ == "_Layers"]
    (meta,) = [mt for mt in el.metas if mt["key"] == "land_use"]
    assert meta["show"] is False and meta["n"] == n * n
    (lu,) = [p for p in packed_layers(m) if p["key"] == "land_use"]
    assert sorted(lu["code"]) == sorted(codes)
    assert lu["area"] == pytest.approx(np.full(n * n, 1e4), rel=0.01)  # 100 m × 100 m


def test_50000_patches_each_one_within_the_size_budget(tmp_path, county):
    n = 224  # 224² = 50 176 patches of 30 m × 30 m
    xs, ys = np.meshgrid(np.arange(n) * 40.0, np.arange(n) * 35.0)
    x, y = X0 + xs.ravel(), Y0 + ys.ravel()
    farm = gpd.GeoDataFrame(geometry=box(x, y, x + 30, y + 30), crs=GK)
    m = make_map(dict(county, basic_farmland=farm))
    # packed: about 30 bytes a patch (the SVG copy needed ~19 MB, so it was grouped)
    assert save_map(m, tmp_path / "big.html").stat().st_size < 4_000_000
    (farm_packed,) = [p for p in packed_layers(m) if p["key"] == "basic_farmland"]
    assert farm_packed["n"] == n * n
    assert farm_packed["vertices"].sum() == 4 * n * n


def test_impossible_budget_is_reported(county, caplog):
    make_map(county, max_bytes=1_000)
    assert "display copies exceed 1000 bytes" in caplog.text


def test_save_map_never_overwrites_silently(tmp_path, county):
    m = make_map(county)
    out = save_map(m, tmp_path / "sub" / "m.html")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(OutputExistsError, match=r"m\.html already exists; pass --overwrite"):
        save_map(m, out)
    assert save_map(m, out, overwrite=True) == out


def test_bad_arguments(county):
    with pytest.raises(RoleError, match=r"unknown layer role.*'farmland'"):
        make_map({"farmland": county["basic_farmland"]})
    with pytest.raises(MethodError, match="'mercator' is not an area method"):
        make_map(county, method="mercator")
    with pytest.raises(EcospaceError, match="basemap='google' is not known"):
        make_map(county, basemap="google")
    with pytest.raises(EcospaceError, match="has no CRS"):
        make_map({"boundary": county["boundary"].set_crs(None, allow_override=True)})


@pytest.fixture
def gpkg(tmp_path, county):
    """The county as a delivered GeoPackage: standard layer codes, mixed CRSs."""
    path = tmp_path / "county.gpkg"
    for role, code in (
        ("boundary", "XZQ"),
        ("red_line", "STBHHX"),
        ("basic_farmland", "YJJBNTBHTB"),
    ):
        county[role].to_file(path, layer=code, driver="GPKG", engine="pyogrio")
    return path


def test_conflict_markers_numbered_in_measure_county_order(county, conflicts):
    nested = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 10, Y0 + 10)], crs=GK)
    # protected areas nesting in each other are not conflicts, and take no number
    m = make_map(county, conflicts={"self_overlap_protected_area": nested, **conflicts})
    (el,) = [c for c in m._children.values() if type(c).__name__ == "_ConflictNumbers"]
    assert [r[0] for r in el.rows] == [1, 2]
    to_gk = pyproj.Transformer.from_crs("EPSG:4326", GK, always_xy=True)
    for (_, lat, lon, popup), (name, piece) in zip(el.rows, conflicts.items(), strict=True):
        assert piece.geometry.iloc[0].contains(shapely.Point(to_gk.transform(lon, lat)))
        assert conflict_label(name)[0] in popup


def test_svg_popups_give_the_fid_qgis_shows(gpkg):
    import pyogrio

    from ecospace.measuring.county import County

    data = County.from_inputs([str(gpkg)])
    layers = geojson_layers(make_map(data.layers))
    red = next(d for n, d in layers.items() if n.startswith("生态保护红线"))
    fids = pyogrio.read_dataframe(gpkg, layer="STBHHX", fid_as_index=True).index
    assert [f["properties"]["fid"] for f in red["features"]] == [str(i) for i in fids]
    assert list(fids) == [1, 2]  # a GeoPackage counts from 1; the rows from 0


def test_cli_map(tmp_path, gpkg):
    from click.testing import CliRunner

    from ecospace.cli.main import cli

    out = tmp_path / "maps" / "county.html"
    result = CliRunner().invoke(cli, ["map", str(gpkg), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "L.control.layers(" in out.read_text(encoding="utf-8")
    page = out.read_text(encoding="utf-8")
    assert js("冲突：生态保护红线与永久基本农田重叠 Conflict") in page
    assert js("示范县 三区三线核查图") in page or "示范县 三区三线核查图" in page
    assert "L.tileLayer(" not in page
    again = CliRunner().invoke(cli, ["map", str(gpkg), "-o", str(out)])
    assert again.exit_code == 2
    assert "already exists; pass --overwrite" in again.output
    osm = CliRunner().invoke(
        cli, ["map", str(gpkg), "-o", str(out), "--basemap", "osm", "--overwrite"]
    )
    assert osm.exit_code == 0, osm.output
    assert "tile.openstreetmap.org" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["m.txt", "m.pdf", "m"])
def test_cli_map_rejects_other_suffixes_before_reading(tmp_path, name):
    from click.testing import CliRunner

    from ecospace.cli.main import cli

    # the source does not exist: the suffix is refused before any layer is read
    result = CliRunner().invoke(
        cli, ["map", str(tmp_path / "none.gpkg"), "-o", str(tmp_path / name)]
    )
    assert result.exit_code == 2
    assert f"{name}: write the map as .html or .htm" in result.output
    assert not (tmp_path / name).exists()


def test_packed_data_inline_in_pieces_each_decoding_alone(county, monkeypatch):
    from ecospace.rendering import _map_overlays

    monkeypatch.setattr(_map_overlays, "PIECE_CHARS", 100)
    m = make_map(county, canvas_from=0)
    (el,) = [c for c in m._children.values() if type(c).__name__ == "_Layers"]
    page = m.get_root().render()
    found = re.findall(
        r'<script type="application/octet-stream" id="(ecospace-data-\d+)">([^<]*)</script>'
        r'<script>window\.ecospacePatches\.feed\("(ecospace-data-\d+)"\);</script>',
        page,
    )
    assert len(found) == -(-len(el.data) // 100) > 2
    assert (
        [f[0] for f in found]
        == [f[2] for f in found]
        == [f"ecospace-data-{k}" for k in range(len(found))]
    )
    # each piece is whole base64 quanta: the page decodes them one by one, as here
    joined = b"".join(base64.b64decode(piece, validate=True) for _, piece, _ in found)
    assert joined == base64.b64decode(el.data)
    assert page.index(found[-1][1]) < page.index("window.ecospacePatches.feed(null)")
    assert "window.ecospaceData =" not in page  # only the data file beside a page sets it
