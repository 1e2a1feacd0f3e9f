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
            geometry=[gk_box(0, 0, 5_000, 8_000), gk_box(5_000, 0, 10_000, 8_000)], crs=GK
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
        "制图日期 Date",
        "ecospace",
    ):
        assert expected in text
    assert re.search(r"N\s*北", text)  # north arrow


def test_scale_bar_in_metres_and_projected_grid(tmp_path, layers):
    # frame ≈ 11 km across: the bar is the largest 1/2/5 × 10^k m below a fifth of it
    (out,) = make_annex(layers, tmp_path / "annex.pdf", themes=["control_lines"])
    text = pdf_text(out)
    assert re.search(r"\b2 km\b", text)
    assert "42 500 000" in text and "5 000 000" in text  # GK coordinates, metres
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
