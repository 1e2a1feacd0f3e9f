"""One numbering of the conflicts in every output of the demo check.

The demo county's conflict pieces are found here independently of ecospace — geopandas
overlays of the layers read straight from ``layers/demo.gpkg`` with pyogrio (its FIDs are
the ids QGIS shows) — and numbered by the documented rule (conflict types in the order
red line ∩ farmland, farmland ∩ urban boundary, red line ∩ urban boundary, protected area
outside the red line, duplicated farmland; pieces by the first then the second feature's
id).  The Markdown, HTML, Excel and JSON reports, the terminal, the web map's numbered
markers and the annex page (pdftotext) must all show those numbers for those pieces.
"""

from __future__ import annotations

import json
import re
import subprocess
import warnings
from html.parser import HTMLParser
from pathlib import Path

import docx
import geopandas as gpd
import numpy as np
import openpyxl
import pyogrio
import pytest
import shapely

from ecospace.checking.check import check
from ecospace.rendering.annex import make_annex
from ecospace.rendering.outputs import write_outputs
from ecospace.rendering.report import section_text

ROOT = Path(__file__).resolve().parents[1]
GPKG = ROOT / "layers" / "demo.gpkg"
WORK = "EPSG:4529"
#: Pieces smaller than this are reprojection slivers, not conflicts (as ecospace's 1 m²).
MIN_M2 = 1.0


def _read(layer: str) -> gpd.GeoDataFrame:
    gdf = pyogrio.read_dataframe(GPKG, layer=layer, fid_as_index=True).to_crs(WORK)
    gdf["src_fid"] = gdf.index.to_numpy()
    gdf["geometry"] = shapely.make_valid(gdf.geometry.values)
    return gdf.reset_index(drop=True)


def _overlaps(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, kind: str) -> list[dict]:
    pieces = gpd.overlay(
        a[["src_fid", "geometry"]],
        b[["src_fid", "geometry"]],
        how="intersection",
        keep_geom_type=True,  # touching patches meet in lines and points: not conflicts
    )
    pieces = pieces[pieces.area >= MIN_M2]
    return [
        {"kind": kind, "ids": f"{r.src_fid_1} × {r.src_fid_2}", "geometry": r.geometry}
        for r in pieces.sort_values(["src_fid_1", "src_fid_2"]).itertuples()
    ]


@pytest.fixture(scope="module")
def expected() -> list[dict]:
    """The demo's conflicts, numbered 1, 2, … by the documented rule, found by geopandas."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        red, farm = _read("STBHHX"), _read("YJJBNTBHTB")
        urban, protected = _read("CZKFBJ"), _read("ZRBHD")
    rows = _overlaps(red, farm, "生态保护红线与永久基本农田重叠")
    rows += _overlaps(farm, urban, "永久基本农田与城镇开发边界重叠")
    rows += _overlaps(red, urban, "生态保护红线与城镇开发边界重叠")
    outside = shapely.difference(protected.geometry.values, shapely.union_all(red.geometry.values))
    for fid, g in sorted(zip(protected["src_fid"], outside, strict=True)):
        if shapely.area(g) >= MIN_M2:
            rows.append({"kind": "自然保护地超出生态保护红线", "ids": str(fid), "geometry": g})
    g = shapely.normalize(farm.geometry.values)
    i, j = shapely.STRtree(g).query(g, predicate="intersects")
    same = (i < j) & shapely.equals(g[i], g[j])
    fid = farm["src_fid"].to_numpy()
    for a, b, piece in sorted(zip(fid[i[same]], fid[j[same]], g[i[same]], strict=True)):
        rows.append({"kind": "永久基本农田重复图斑", "ids": f"{a} × {b}", "geometry": piece})
    for no, r in enumerate(rows, start=1):
        r["no"] = no
    return rows


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the demo's planted defects are reported on reading
        result = check(ROOT / "plans" / "demo.yaml")
    paths = write_outputs(result, out, map_path=out / "map.html")
    (annex,) = make_annex(
        result.frames,
        out / "annex.pdf",
        conflicts=result.county.conflicts,
        themes=["conflicts"],
        lang="zh",
    )
    paths["annex"] = annex
    return result, paths


def _triples(expected) -> list[tuple[int, str, str]]:
    return [(r["no"], r["kind"], r["ids"]) for r in expected]


def test_the_independent_count_is_the_planted_one(expected):
    # demo_truth.json plants 5 red-line/farmland and 6 farmland/urban overlaps, one protected
    # area outside the red line, two duplicated farmland patches
    kinds = [r["kind"] for r in expected]
    assert [kinds.count(k) for k in dict.fromkeys(kinds)] == [5, 6, 1, 2]


def test_markdown(outputs, expected):
    _, paths = outputs
    md = paths["md"].read_text(encoding="utf-8")
    section = md.split("## 冲突图斑", 1)[1].split("\n## ", 1)[0]
    rows = [
        [c.strip() for c in line.strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith("| 冲突编号")
    ]
    assert [(int(r[0]), r[1], r[2]) for r in rows] == _triples(expected)
    # area in hectares with its method, and the township of each piece
    assert "| 冲突编号 | 冲突类型 | 要素FID | 要素标识码 | 面积（公顷） | 面积算法 | 乡镇 |" in md
    assert all(r[5] == "椭球面积" and r[6] for r in rows)


class _Rows(HTMLParser):
    """Cell texts of the rows of the table inside ``<section id="conflicts">``."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._in = self._cell = False

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            self._in = dict(attrs).get("id") == "conflicts"
        elif self._in and tag == "tr":
            self.rows.append([])
        elif self._in and tag == "td":
            self._cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag):
        self._cell = self._cell and tag != "td"
        self._in = self._in and tag != "section"

    def handle_data(self, data):
        if self._cell:
            self.rows[-1][-1] += data


def test_html(outputs, expected):
    _, paths = outputs
    parser = _Rows()
    parser.feed(paths["html"].read_text(encoding="utf-8"))
    rows = [r for r in parser.rows if r]
    assert [(int(r[0]), r[1], r[2]) for r in rows] == _triples(expected)


def test_excel(outputs, expected):
    _, paths = outputs
    ws = openpyxl.load_workbook(paths["xlsx"])["冲突图斑"]
    header, *rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert header[:3] == ["冲突编号", "冲突类型", "要素FID"]
    assert [(r[0], r[1], r[2]) for r in rows] == _triples(expected)
    # areas are numbers (hectares), equal to the independent overlay's
    for r, e in zip(rows, expected, strict=True):
        assert r[4] == pytest.approx(shapely.area(e["geometry"]) / 1e4, rel=2e-3)


def test_json(outputs, expected):
    _, paths = outputs
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    got = [(c["conflict_no"], c["label_zh"], c["src_fids"]) for c in doc["conflicts"]]
    assert got == _triples(expected)


def test_terminal_and_word(outputs, expected):
    result, paths = outputs
    tables = docx.Document(paths["docx"]).tables
    (table,) = [t for t in tables if t.rows[0].cells[0].text == "冲突编号"]
    got = [tuple(c.text for c in row.cells[:3]) for row in table.rows[1:]]
    assert got == [(str(n), k, i) for n, k, i in _triples(expected)]
    lines = section_text(result, "conflicts").splitlines()[2:]
    got = [tuple(re.split(r"\s{2,}", line.strip())[:3]) for line in lines]
    assert got == [(str(n), k, i) for n, k, i in _triples(expected)]


def test_map_markers_lie_on_their_pieces(outputs, expected):
    _, paths = outputs
    page = paths["map"].read_text(encoding="utf-8")
    (rows,) = re.findall(r"\}\)\(conflict_numbers_\w+, map_\w+, (\[\[.*?\]\])\);", page)
    rows = json.loads(rows)
    assert [r[0] for r in rows] == [e["no"] for e in expected]
    lon = np.array([r[2] for r in rows])
    lat = np.array([r[1] for r in rows])
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(WORK)
    for pt, r, e in zip(pts, rows, expected, strict=True):
        assert f"<td>{e['ids']}</td>" in r[3]  # the popup names the features
        # 6 decimals of a degree: within 0.2 m of the piece
        assert shapely.distance(pt, e["geometry"]) < 0.2, e["no"]


def _ticks(words, pattern):
    """(coordinate, position on the page) of grid labels like '41 590 000' (three words):
    x labels run along the page (position: their centre x), y labels up it (centre y)."""
    xs, ys = [], []
    for k in range(len(words) - 2):
        trio = words[k : k + 3]
        text = " ".join(w[0] for w in trio)
        if not re.fullmatch(pattern, text):
            continue
        if abs(trio[0][2] - trio[2][2]) < 1:
            xs.append((float(text.replace(" ", "")), (trio[0][1] + trio[2][3]) / 2))
        elif abs(trio[0][1] - trio[2][1]) < 1:
            ys.append((float(text.replace(" ", "")), (trio[0][2] + trio[2][4]) / 2))
    return xs, ys


def test_annex_numbers_where_the_pieces_are(outputs, expected):
    _, paths = outputs
    text = subprocess.run(
        ["pdftotext", "-bbox", str(paths["annex"]), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    words = [
        (w, float(a), float(b), float(c), float(d))
        for a, b, c, d, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            text,
        )
    ]
    # the page's scale from its grid labels (Gauss-Krüger metres), not from the code
    xs, ys = _ticks(words, r"\d{1,2} \d{3} 000")
    (e0, p0), (e1, p1) = xs[0], xs[-1]
    (n0, q0), (n1, q1) = ys[0], ys[-1]
    for e in expected:
        x, y = shapely.get_coordinates(shapely.point_on_surface(e["geometry"]))[0]
        px, py = p0 + (x - e0) * (p1 - p0) / (e1 - e0), q0 + (y - n0) * (q1 - q0) / (n1 - n0)
        # labels of pieces close together are pushed apart: within 25 pt (3.5 km at 1:400 000)
        near = [
            w
            for w in words
            if w[0] == str(e["no"])
            and np.hypot((w[1] + w[3]) / 2 - px, (w[2] + w[4]) / 2 - py) < 25
        ]
        assert near, f"conflict {e['no']} not numbered near its piece ({px:.0f}, {py:.0f}) pt"
