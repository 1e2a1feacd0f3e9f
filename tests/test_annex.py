"""The static map annex: pages, paper sizes, a CJK font actually embedded, text in place.

pyproject turns warnings into errors, so matplotlib's "Glyph … missing from font(s)" fails
these tests: every Chinese character was found in the font.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pytest
from PIL import Image
from shapely import box

from ecospace import EcospaceError, FontError, OutputExistsError, RoleError
from ecospace.rendering import _fonts as fonts_mod
from ecospace.rendering.annex import find_cjk_font, make_annex

GK = "EPSG:4530"
X0, Y0 = 42_500_000.0, 5_000_000.0
PT_PER_MM = 72 / 25.4


def gk_box(x1, y1, x2, y2):
    return box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


@pytest.fixture
def layers():
    """A county 10 km wide and 8 km high (so: landscape), red line delivered in EPSG:4490."""
    return {
        "boundary": gpd.GeoDataFrame(
            {"XZQMC": ["示范县"]}, geometry=[gk_box(0, 0, 10_000, 8_000)], crs=GK
        ),
        "townships": gpd.GeoDataFrame(
            {"XZQMC": ["西镇", "东镇"]},
            geometry=[gk_box(0, 0, 5_000, 8_000), gk_box(5_000, 0, 10_000, 8_000)],
            crs=GK,
        ),
        "red_line": gpd.GeoDataFrame(
            geometry=[gk_box(500, 500, 3_000, 3_000), gk_box(6_000, 5_000, 9_000, 7_500)], crs=GK
        ).to_crs("EPSG:4490"),
        "basic_farmland": gpd.GeoDataFrame(
            geometry=[gk_box(2_000, 2_000, 4_000, 4_000), gk_box(4_500, 500, 5_500, 1_500)],
            crs=GK,
        ),
        "urban_boundary": gpd.GeoDataFrame(geometry=[gk_box(4_000, 3_000, 6_000, 5_000)], crs=GK),
        "protected_area": gpd.GeoDataFrame(geometry=[gk_box(6_500, 5_500, 9_500, 7_900)], crs=GK),
    }


@pytest.fixture
def conflicts():
    return {
        "overlap_red_line__basic_farmland": gpd.GeoDataFrame(
            {"a_fid": [0], "b_fid": [0]}, geometry=[gk_box(2_000, 2_000, 3_000, 3_000)], crs=GK
        ),
        "outside_protected_area__red_line": gpd.GeoDataFrame(
            {"fid": [0]}, geometry=[gk_box(6_500, 7_500, 9_500, 7_900)], crs=GK
        ),
    }


def pdfinfo(path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return dict(line.split(":", 1) for line in out.stdout.splitlines() if ":" in line)


def page_size_pt(path) -> tuple[float, float]:
    w, h = re.match(r"\s*([\d.]+) x ([\d.]+) pts", pdfinfo(path)["Page size"]).groups()
    return float(w), float(h)


def pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdf_fonts(path) -> str:
    return subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout


def test_pdf_three_pages_a4_landscape(tmp_path, layers, conflicts):
    (out,) = make_annex(
        layers, tmp_path / "annex.pdf", conflicts=conflicts, title="示范县三区三线附图"
    )
    assert out == tmp_path / "annex.pdf"
    raw = out.read_bytes()
    assert raw.startswith(b"%PDF")
    assert int(pdfinfo(out)["Pages"]) == 3
    assert len(re.findall(rb"/Type\s*/Page\b", raw)) == 3  # page objects, not /Pages
    w, h = page_size_pt(out)
    assert (w, h) == pytest.approx((297 * PT_PER_MM, 210 * PT_PER_MM), abs=0.5)


def test_cjk_font_embedded_and_text_extractable(tmp_path, layers, conflicts):
    (out,) = make_annex(layers, tmp_path / "annex.pdf", conflicts=conflicts, title="示范县附图")
    fonts = pdf_fonts(out)
    assert "NotoSansCJK" in fonts or "NotoSerifCJK" in fonts
    assert re.search(rb"/BaseFont\s*/[A-Z]{6}\+Noto\w*CJK", out.read_bytes())
    text = pdf_text(out)
    for expected in (
        "示范县附图",
        "三条控制线",
        "自然保护地与生态保护红线",
        "冲突图斑",
        "图例 Legend",
        "生态保护红线 Red line",
        "永久基本农田 Basic farmland",
        "城镇开发边界 Urban boundary",
        "生态保护红线与永久基本农田重叠（1 处）",
        "自然保护地超出生态保护红线（1 处）",
        "坐标系 CRS",
        "EPSG:4530",
        "编制日期 Date",
        "编制单位 Compiled by",
        "图号 Fig. 附图1",
        "图号 Fig. 附图3",
        "ecospace",
    ):
        assert expected in text
    assert re.search(r"N\s*北", text)  # north arrow


def test_scale_bar_in_metres_and_projected_grid(tmp_path, layers):
    # frame ≈ 11 km across: the bar is the largest 1/2/5 × 10^k m below a fifth of it
    (out,) = make_annex(layers, tmp_path / "annex.pdf", themes=["control_lines"])
    text = pdf_text(out)
    assert re.search(r"\b2 km\b", text)
    assert re.search(r"\b42 50\d 000\b", text) and re.search(r"\b5 00\d 000\b", text)
    assert "Easting (metre)" in text


def test_all_geographic_layers_drawn_in_gauss_kruger(tmp_path, layers):
    geo = {r: g.to_crs("EPSG:4490") for r, g in layers.items()}
    (out,) = make_annex(geo, tmp_path / "annex.pdf", themes=["control_lines"])
    assert "EPSG:4530" in pdf_text(out)  # 3° GK zone 42, the zone of 126°E


@pytest.mark.parametrize(
    ("paper", "orientation", "size_mm"),
    [
        ("A4", "portrait", (210, 297)),
        ("A3", "landscape", (420, 297)),
        ("A3", "portrait", (297, 420)),
    ],
)
def test_paper_sizes(tmp_path, layers, paper, orientation, size_mm):
    (out,) = make_annex(
        layers, tmp_path / "a.pdf", paper=paper, orientation=orientation, themes=["conflicts"]
    )
    assert page_size_pt(out) == pytest.approx(tuple(v * PT_PER_MM for v in size_mm), abs=0.5)
    assert int(pdfinfo(out)["Pages"]) == 1


def test_tall_county_turns_the_page(tmp_path, layers):
    tall = {"boundary": gpd.GeoDataFrame(geometry=[gk_box(0, 0, 4_000, 9_000)], crs=GK)}
    (out,) = make_annex(tall, tmp_path / "a.pdf", themes=["control_lines"])
    w, h = page_size_pt(out)
    assert w < h


def test_png_pages_at_print_resolution(tmp_path, layers, conflicts):
    out = make_annex(layers, tmp_path / "annex.png", conflicts=conflicts)
    assert [p.name for p in out] == ["annex-1.png", "annex-2.png", "annex-3.png"]
    for p in out:
        with Image.open(p) as im:
            assert im.size == pytest.approx(
                (round(297 / 25.4 * 300), round(210 / 25.4 * 300)), abs=1
            )
            assert im.info["dpi"] == pytest.approx((300, 300), abs=0.1)


def test_never_overwrites_silently(tmp_path, layers):
    make_annex(layers, tmp_path / "a.pdf", themes=["conflicts"])
    with pytest.raises(OutputExistsError, match=r"a\.pdf already exists; pass --overwrite"):
        make_annex(layers, tmp_path / "a.pdf", themes=["conflicts"])
    make_annex(layers, tmp_path / "a.pdf", themes=["conflicts"], overwrite=True)


def test_no_cjk_font_at_all_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("ECOSPACE_CJK_FONT", raising=False)
    monkeypatch.setattr(fonts_mod, "CJK_FAMILIES", ("No Such Font Family 123",))
    monkeypatch.setattr(fonts_mod, "BUNDLED_FONT", None)
    with pytest.raises(
        FontError,
        match=r"reinstall ecospace \('pip install noto-cjk-sans-otc'\) or set ECOSPACE_CJK_FONT",
    ):
        find_cjk_font()


def test_font_from_environment_wins(monkeypatch, tmp_path):
    # any font file proves the order; DejaVu Sans ships with matplotlib itself
    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    monkeypatch.setenv("ECOSPACE_CJK_FONT", str(dejavu))
    assert find_cjk_font().get_name() == "DejaVu Sans"
    monkeypatch.setenv("ECOSPACE_CJK_FONT", str(tmp_path / "missing.ttf"))
    with pytest.raises(FontError, match=r"missing\.ttf' is not a font file"):
        find_cjk_font()


# Run in a fresh interpreter with a fresh MPLCONFIGDIR and HOME, so that matplotlib builds
# its font list anew; system font folders are then hidden from it.
_ONLY_BUNDLED = """
import sys
import matplotlib
from matplotlib import font_manager as fm
data = matplotlib.get_data_path()
fm.fontManager.ttflist = [f for f in fm.fontManager.ttflist if f.fname.startswith(data)]
fm.fontManager._findfont_cached.cache_clear()
fm.findSystemFonts = lambda *a, **k: []
import geopandas as gpd
from shapely import box
from ecospace.rendering.annex import make_annex
X0, Y0 = 42_500_000.0, 5_000_000.0
county = gpd.GeoDataFrame({"XZQMC": ["示范县"]}, geometry=[box(X0, Y0, X0 + 4000, Y0 + 3000)],
                          crs="EPSG:4530")
red = gpd.GeoDataFrame({"HXMC": ["红线"]}, geometry=[box(X0 + 500, Y0 + 500, X0 + 1500, Y0 + 1500)],
                       crs="EPSG:4530")
make_annex({"boundary": county, "red_line": red}, sys.argv[1], themes=["control_lines"],
           title="示范县附图")
"""


def _fresh_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("ECOSPACE_CJK_FONT",)}
    env.update(MPLCONFIGDIR=str(tmp_path / "mpl"), HOME=str(tmp_path / "home"))
    env.pop("XDG_DATA_HOME", None)
    return env


def test_annex_with_only_the_pip_installed_font(tmp_path):
    out = tmp_path / "annex.pdf"
    subprocess.run(
        [sys.executable, "-c", _ONLY_BUNDLED, str(out)],
        env=_fresh_env(tmp_path),
        check=True,
        capture_output=True,
        text=True,
    )
    fonts = pdf_fonts(out)
    assert "NotoSansCJK" in fonts, fonts
    text = pdf_text(out)
    assert "示范县附图" in text and "三条控制线" in text


_AFTER_CACHE = """
import sys
from matplotlib import font_manager as fm
import ecospace.rendering._fonts as f
f.BUNDLED_FONT = None  # only the font installed after the cache may be found
print(fm.findfont(f.find_cjk_font(), fallback_to_default=False))
"""


def test_font_installed_after_matplotlib_cached_its_list_is_found(tmp_path):
    env = _fresh_env(tmp_path)
    # matplotlib builds and saves its font list in the fresh MPLCONFIGDIR, without the font
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env, check=True)
    assert list((tmp_path / "mpl").glob("fontlist-*.json"))
    user_fonts = tmp_path / "home" / ".local" / "share" / "fonts"
    user_fonts.mkdir(parents=True)
    shutil.copy(fonts_mod.BUNDLED_FONT, user_fonts / "NotoSansCJK-Regular.ttc")
    found = subprocess.run(
        [sys.executable, "-c", _AFTER_CACHE], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    assert found == str(user_fonts / "NotoSansCJK-Regular.ttc")


def test_bad_arguments(tmp_path, layers):
    with pytest.raises(EcospaceError, match="paper='B5' is not known"):
        make_annex(layers, tmp_path / "a.pdf", paper="B5")
    with pytest.raises(EcospaceError, match=r"\.pdf or \.png, not '\.svg'"):
        make_annex(layers, tmp_path / "a.svg")
    with pytest.raises(EcospaceError, match=r"unknown annex theme\(s\) \['roads'\]"):
        make_annex(layers, tmp_path / "a.pdf", themes=["roads"])
    with pytest.raises(RoleError, match="unknown layer role"):
        make_annex({"farmland": layers["basic_farmland"]}, tmp_path / "a.pdf")


def test_cli_annex(tmp_path, layers):
    from click.testing import CliRunner

    from ecospace.cli.main import cli

    path = tmp_path / "county.gpkg"
    for role, code in (
        ("boundary", "XZQ"),
        ("red_line", "STBHHX"),
        ("basic_farmland", "YJJBNTBHTB"),
    ):
        layers[role].to_file(path, layer=code, driver="GPKG", engine="pyogrio")
    out = tmp_path / "maps" / "annex.pdf"
    result = CliRunner().invoke(cli, ["annex", str(path), "-o", str(out), "--paper", "A3"])
    assert result.exit_code == 0, result.output
    assert int(pdfinfo(out)["Pages"]) == 3
    assert page_size_pt(out) == pytest.approx((420 * PT_PER_MM, 297 * PT_PER_MM), abs=0.5)
    text = pdf_text(out)
    assert "county.gpkg" in text  # source note
    assert "生态保护红线与永久基本农田重叠（1 处）" in text
    again = CliRunner().invoke(cli, ["annex", str(path), "-o", str(out)])
    assert again.exit_code == 2
    assert "already exists; pass --overwrite" in again.output


def test_protected_areas_stay_green_over_the_red_line(tmp_path, layers):
    # county, red line and protected area all the same 8 km square: the map frame's upper
    # left (away from the "no conflicts" note, north arrow and scale bar) is inside all three
    square = gk_box(0, 0, 8_000, 8_000)
    same = {
        r: gpd.GeoDataFrame(geometry=[square], crs=GK)
        for r in ("boundary", "red_line", "protected_area")
    }
    (out,) = make_annex(same, tmp_path / "a.png", themes=["conflicts"], dpi=100)
    with Image.open(out) as im:
        w, h = im.size
        box_px = (int(0.2 * w), int(0.2 * h), int(0.4 * w), int(0.33 * h))
        px = np.asarray(im.convert("RGB").crop(box_px))
    px = px.reshape(-1, 3).astype(int)
    # #e31a1c at 25 % on white is (248, 198, 198); the old 25 % green on top was (208, 192, 173)
    pink = (abs(px - [248, 198, 198]).max(axis=1) <= 6).mean()
    green = ((px[:, 1] > px[:, 0] + 20) & (px[:, 0] < 200)).mean()  # #1b7837 hatch lines
    assert pink > 0.4, "the red line shows through"
    assert green > 0.05, "the protected area's hatch is green"
    assert (abs(px - [208, 192, 173]).max(axis=1) <= 6).mean() < 0.01  # no brown wash


@pytest.mark.parametrize("name", ["a.docx", "a.svg", "a"])
def test_cli_annex_rejects_other_suffixes_before_reading(tmp_path, name):
    from click.testing import CliRunner

    from ecospace.cli.main import cli

    # the source does not exist: the suffix is refused before any layer is read
    args = ["annex", str(tmp_path / "none.gpkg"), "-o", str(tmp_path / name)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert f"{name}: write the annex as .pdf (one file) or .png" in result.output
    assert "none.gpkg" not in result.output.replace(str(tmp_path / name), "")


# --- planning-map conventions (issue 14) ------------------------------------------------------


def pdf_words(path) -> list[list[tuple[str, float, float, float, float]]]:
    """Words of each page with their boxes in points from the page's top left (pdftotext)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = []
    for page in re.findall(r"<page .*?</page>", out, flags=re.S):
        words = re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            page,
        )
        pages.append([(w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in words])
    return pages


def tick_positions(words, pattern):
    """(coordinate, page position) of grid tick labels like '42 504 000' (split into words)."""
    out = []
    for i in range(len(words) - 2):
        trio = words[i : i + 3]
        text = " ".join(w[0] for w in trio)
        if re.fullmatch(pattern, text) and abs(trio[0][2] - trio[2][2]) < 1:
            out.append((float(text.replace(" ", "")), (trio[0][1] + trio[2][3]) / 2))
    return out


@pytest.mark.parametrize(
    ("paper", "orientation"),
    [("A4", "portrait"), ("A4", "landscape"), ("A3", "portrait"), ("A3", "landscape")],
)
def test_nothing_past_the_margins(tmp_path, layers, conflicts, paper, orientation):
    # a long source list: the note once ran past the right edge of an A4 page
    sources = [f"第三次全国国土调查成果_{i:02d}_永久基本农田划定成果.gdb" for i in range(12)]
    (out,) = make_annex(
        layers,
        tmp_path / "a.pdf",
        conflicts=conflicts,
        paper=paper,
        orientation=orientation,
        sources=sources,
        unit="示范县自然资源局 国土空间规划编制单位",
        title="示范县国土空间总体规划（2021—2035年）三区三线核查附图",
    )
    w_pt, h_pt = page_size_pt(out)
    margin_pt = 10 * PT_PER_MM  # the annex keeps 12 mm; 10 mm allows for glyph overhang
    for words in pdf_words(out):
        for text, x0, y0, x1, y1 in words:
            assert x0 >= margin_pt and x1 <= w_pt - margin_pt, (text, x0, x1)
            assert y0 >= margin_pt and y1 <= h_pt - margin_pt, (text, y0, y1)
    assert "gdb" in pdf_text(out)  # the note is there, wrapped
    # and every drawn thing, not only text: the 10 mm border of each rendered page is white
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out), str(tmp_path / "p")], check=True)
    for png in sorted(tmp_path.glob("p-*.png")):
        with Image.open(png) as im:
            px = np.asarray(im.convert("L")).astype(int)
        b = round(10 / 25.4 * 40)
        border = np.concatenate(
            [px[:b].ravel(), px[-b:].ravel(), px[:, :b].ravel(), px[:, -b:].ravel()]
        )
        assert border.min() >= 250, png.name


def test_fonts_embedded_as_cid_not_type3(tmp_path, layers, conflicts):
    (out,) = make_annex(layers, tmp_path / "a.pdf", conflicts=conflicts)
    rows = pdf_fonts(out).splitlines()[2:]
    assert rows
    assert not [r for r in rows if "Type 3" in r]
    cjk = [r for r in rows if "CJK" in r]
    assert cjk and all(re.search(r"CID (TrueType|Type 0C)", r) for r in cjk)
    assert all(r.split()[-5] == "yes" for r in rows)  # emb column


def test_figure_number_unit_date_and_chinese_only(tmp_path, layers, conflicts):
    (out,) = make_annex(
        layers,
        tmp_path / "a.pdf",
        conflicts=conflicts,
        figure_number="附图5",
        unit="示范县规划设计研究院",
        date="2026年12月",
        lang="zh",
    )
    text = pdf_text(out)
    for expected in (
        "图号：附图5-1",
        "图号：附图5-2",
        "图号：附图5-3",
        "编制单位：示范县规划设计研究院",
    ):
        assert expected in text
    assert "编制日期：2026年12月" in text
    assert "图例" in text and "永久基本农田" in text and "东镇" in text
    for english in ("Legend", "Basic farmland", "Conflicts", "Source", "Easting"):
        assert english not in text


def test_numeric_scale_agrees_with_the_grid(tmp_path, layers):
    (out,) = make_annex(layers, tmp_path / "a.pdf", themes=["control_lines"])
    (words,) = pdf_words(out)
    ratio = re.search(r"1:(\d{1,3}(?: \d{3})+)", pdf_text(out))
    assert ratio, "numeric scale printed"
    stated = int(ratio.group(1).replace(" ", ""))
    assert re.fullmatch(r"[1-9](?:0+|[25]0+|50+)|[1-9][0-9]?[05]0+", str(stated))  # round
    # independent: two eastings of the grid and their distance on paper
    ticks = tick_positions(words, r"42 5\d\d 000")
    assert len(ticks) >= 2
    (e0, p0), (e1, p1) = ticks[0], ticks[-1]
    measured = (e1 - e0) / ((p1 - p0) / 72 * 0.0254)
    assert measured == pytest.approx(stated, rel=0.01)


def test_township_labels_avoid_each_other(tmp_path):
    # twelve townships 800 m wide side by side, long names: set at their centres, the names
    # (some 3 km long at this scale) would overlap
    names = [f"第{i + 1}号示范乡镇街道" for i in range(12)]
    towns = gpd.GeoDataFrame(
        {"XZQMC": names},
        geometry=[gk_box(i * 800, 0, (i + 1) * 800, 6_000) for i in range(12)],
        crs=GK,
    )
    county = gpd.GeoDataFrame(geometry=[gk_box(0, 0, 9_600, 6_000)], crs=GK)
    (out,) = make_annex(
        {"boundary": county, "townships": towns}, tmp_path / "a.pdf", themes=["control_lines"]
    )
    (words,) = pdf_words(out)
    boxes = [w[1:] for w in words if w[0] in names]
    assert sorted(w[0] for w in words if w[0] in names) == sorted(names)
    for i, (ax0, ay0, ax1, ay1) in enumerate(boxes):
        for bx0, by0, bx1, by1 in boxes[i + 1 :]:
            assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0


def test_conflicts_numbered_where_they_are(tmp_path, layers, conflicts):
    (out,) = make_annex(layers, tmp_path / "a.pdf", conflicts=conflicts, themes=["conflicts"])
    (words,) = pdf_words(out)
    # where the conflict pieces are on paper, from the grid labels (independent of the code)
    xs = tick_positions(words, r"42 5\d\d 000")
    (e0, p0), (e1, p1) = xs[0], xs[-1]
    pt_per_m = (p1 - p0) / (e1 - e0)
    # number 1: the overlap (first in measure_county's order), centre x = X0 + 2 500 m;
    # number 2: the protected area outside the red line, centre x = X0 + 8 000 m
    for no, x in ((1, X0 + 2_500), (2, X0 + 8_000)):
        px = p0 + (x - e0) * pt_per_m
        near = [w for w in words if w[0] == str(no) and abs((w[1] + w[3]) / 2 - px) < 25]
        assert near, f"conflict {no} numbered near x={px:.0f} pt"


def test_farmland_swatch_matches_what_is_drawn(tmp_path):
    # a 6 × 4 km block tiled by 50 m farmland patches: at print scale each is ~0.7 mm, so
    # outlines would cover most of the fill
    cells = [gk_box(x, y, x + 50, y + 50) for x in range(0, 6_000, 50) for y in range(0, 4_000, 50)]
    farm = gpd.GeoDataFrame(geometry=cells, crs=GK)
    county = gpd.GeoDataFrame(geometry=[gk_box(0, 0, 6_000, 4_000)], crs=GK)
    (out,) = make_annex(
        {"boundary": county, "basic_farmland": farm},
        tmp_path / "a.pdf",
        themes=["control_lines"],
        lang="zh",
    )
    (words,) = pdf_words(out)
    (label,) = [w for w in words if w[0] == "永久基本农田"]
    dpi = 100
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(out), str(tmp_path / "p")], check=True)
    (png,) = tmp_path.glob("p-*.png")
    with Image.open(png) as im:
        px = np.asarray(im.convert("RGB")).astype(float)
    k = dpi / 72
    _, x0, y0, _, y1 = label
    h = y1 - y0
    # the swatch: left of its label, a little inside its border
    sw = px[
        int((y0 + 0.42 * h) * k) : int((y1 - 0.42 * h) * k),
        int((x0 - 1.8 * h) * k) : int((x0 - 1.0 * h) * k),
    ]
    # the map: the middle of the farmland block (centre of the page's map frame)
    xs = tick_positions(words, r"42 5\d\d 000")
    assert xs
    cx = xs[0][1] + (X0 + 3_000 - xs[0][0]) * (xs[-1][1] - xs[0][1]) / (xs[-1][0] - xs[0][0])
    mid = px.shape[0] // 2, int(cx * k)  # the block is 16 cm tall around the page centre
    drawn = px[mid[0] - 20 : mid[0] + 20, mid[1] - 20 : mid[1] + 20]
    swatch, fill = sw.reshape(-1, 3).mean(axis=0), drawn.reshape(-1, 3).mean(axis=0)
    assert np.abs(swatch - fill).max() < 12, (swatch, fill)
    assert fill[2] < 120 and fill[0] > 220  # yellow, not ochre (#b8860b is (184, 134, 11))


def test_cli_annex_options(tmp_path, layers):
    from click.testing import CliRunner

    from ecospace.cli import cli

    path = tmp_path / "county.gpkg"
    for role, code in (("boundary", "XZQ"), ("red_line", "STBHHX"), ("townships", "XZ")):
        layers[role].to_file(path, layer=code, driver="GPKG", engine="pyogrio")
    out = tmp_path / "annex.pdf"
    args = ["annex", str(path), "-o", str(out), "--figure-number", "附图7", "--unit", "示范院"]
    result = CliRunner().invoke(cli, [*args, "--date", "2026-12", "--lang", "zh"])
    assert result.exit_code == 0, result.output
    text = pdf_text(out)
    assert "图号：附图7-1" in text and "编制单位：示范院" in text and "编制日期：2026-12" in text
    bad = CliRunner().invoke(cli, [*args, "--lang", "fr", "--overwrite"])
    assert bad.exit_code == 2
    assert "'fr' is not one of 'bilingual', 'zh'" in bad.output
