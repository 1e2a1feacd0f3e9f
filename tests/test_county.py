"""The County: one object opened once, figures measured once, one definition of each figure.

Expected values are hand calculations on boxes (planar areas) or come from shapely and
pyproj directly, never from ecospace's own measuring code.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from shapely import box

import ecospace
from ecospace import County
from ecospace.errors import RoleError
from ecospace.geometry.area import areas

X0, Y0 = 41_500_000.0, 5_000_000.0
GK = "EPSG:4529"


def gk(*boxes):
    return gpd.GeoDataFrame(geometry=[box(X0 + a, Y0 + b, X0 + c, Y0 + d) for a, b, c, d in boxes],
                            crs=GK)  # fmt: skip


@pytest.fixture
def county():
    return County(
        {
            "boundary": gk((0, 0, 1000, 1000)),
            "red_line": gk((0, 0, 400, 1000), (300, 0, 500, 1000)),  # overlapping features
            "basic_farmland": gk((450, 0, 650, 100)),
            "protected_area": gk((100, 100, 300, 300), (900, 900, 1100, 1100)),
        },
        method="planar",
    )


def test_figures_are_hand_calculations(county):
    assert county.union_m2("red_line") == pytest.approx(500 * 1000)  # overlap counted once
    assert county.overlap_m2("red_line", "basic_farmland") == pytest.approx(50 * 100)
    # the second protected area reaches 100 m × 100 m beyond the county boundary …
    assert county.union_m2("protected_area") == pytest.approx(2 * 200 * 200)
    assert county.inside_m2("protected_area") == pytest.approx(200 * 200 + 100 * 100)
    # … and lies wholly outside the red line
    assert county.outside_m2("protected_area", "red_line") == pytest.approx(200 * 200)
    assert county.count("protected_area") == 2


def test_figures_are_measured_once(county, monkeypatch):
    import ecospace.measuring.county as county_mod

    calls = []
    real = county_mod.measure_partitioned
    monkeypatch.setattr(
        county_mod, "measure_partitioned", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    county.union_m2("red_line")
    county.overlap_m2("red_line", "basic_farmland")
    assert county.conflicts is county.figures.conflicts
    assert len(calls) == 1


def test_a_missing_layer_is_named(county):
    with pytest.raises(RoleError, match="no land_use layer"):
        county.land_cover_m2("forest")


@pytest.mark.parametrize("inner", ["protected_area", "basic_farmland"])
def test_outside_is_the_geometric_difference_on_both_paths(inner):
    """Long straight edges in a Gauss–Krüger plane, measured with the official series.

    ``outside`` has one definition, the area of the difference ``A ∖ B`` (shapely computes
    it here, independently of ecospace), whether the pair is in the containment table
    (protected area in the red line) or not (farmland outside the red line, measured on
    demand).  Before long edges were split (issue 12) the vertex-based series was not
    additive here and ``|A| − |A ∩ B|`` differed from it by 47 ha; now the two agree too.
    """
    a = box(X0, Y0, X0 + 60_000, Y0 + 50_000)
    b = shapely.Polygon(
        [(X0 - 1e3, Y0 - 1e3), (X0 + 30e3, Y0 - 1e3), (X0 + 45e3, Y0 + 51e3), (X0 - 1e3, Y0 + 51e3)]
    )
    c = County(
        {
            inner: gpd.GeoDataFrame(geometry=[a], crs=GK),
            "red_line": gpd.GeoDataFrame(geometry=[b], crs=GK),
        },
        method="ellipsoid",
    )
    expected = areas(gpd.GeoSeries([shapely.difference(a, b)], crs=GK), method="ellipsoid")[0]
    assert c.outside_m2(inner, "red_line") == pytest.approx(expected, rel=1e-12)
    union_minus_intersection = c.union_m2(inner) - c.overlap_m2(inner, "red_line")
    assert union_minus_intersection == pytest.approx(expected, rel=1e-9)


def test_repr_and_html(county):
    assert repr(county) == (
        "<County: 4 layers (boundary, red_line, basic_farmland, protected_area) in "
        "EPSG:4529, planar area>"
    )
    html = county._repr_html_()
    assert (
        "<table>" in html and "red_line" in html and "<td style='text-align:right'>2</td>" in html
    )


def test_explore_draws_every_layer_and_the_conflicts(county):
    page = county.explore().get_root().render()
    for label in ("生态保护红线", "永久基本农田", "自然保护地"):
        assert label in page or json.dumps(label)[1:-1] in page


def test_from_inputs_of_a_plan_names_the_county(tmp_path):
    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    import warnings

    with warnings.catch_warnings():  # the demo county carries planted defects
        warnings.simplefilter("ignore")
        c = County.from_inputs([str(root / "plans" / "demo.yaml")])
    assert set(c.layers) >= {"boundary", "red_line", "basic_farmland", "townships"}
    assert c.name == "示范县"
    assert ecospace.County is County


@pytest.mark.filterwarnings("ignore::UserWarning")  # the overlapping red-line features
@pytest.mark.parametrize(
    "command",
    [
        ["stats", "{gpkg}", "--by-township"],
        ["overlaps", "{gpkg}"],
        ["check", "{plan}", "--out", "{tmp}/out", "--no-map"],
        ["map", "{plan}", "-o", "{tmp}/m.html"],
    ],
    ids=["stats", "overlaps", "check", "map"],
)
def test_every_command_reads_and_validates_each_layer_once(tmp_path, monkeypatch, command):
    """One reading and one validation per layer per command, measured by tiles or not."""
    import yaml
    from click.testing import CliRunner

    import ecospace.loading._layer as layers_mod  # where a layer as read is validated
    from ecospace.cli import cli

    gpkg = tmp_path / "county.gpkg"
    for code, gdf in {
        "XZQ": gk((0, 0, 1000, 1000)),
        "STBHHX": gk((0, 0, 400, 1000), (300, 0, 500, 1000)),
        "YJJBNTBHTB": gk((450, 0, 650, 100)),
        "ZRBHD": gk((100, 100, 300, 300)),
    }.items():
        gdf.to_file(gpkg, layer=code, engine="pyogrio")
    figure = {"id": "red", "measure": "area", "role": "red_line", "op": ">=", "value": 40}
    doc = {"plan": "读一次", "layers": [{"path": "county.gpkg"}], "figures": [figure]}
    figure["unit"] = "ha"
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    seen = []
    real = layers_mod.validate_layer
    monkeypatch.setattr(
        layers_mod,
        "validate_layer",
        lambda gdf, **k: seen.append(k["layer_label"]) or real(gdf, **k),
    )
    args = [a.format(gpkg=gpkg, plan=plan, tmp=tmp_path) for a in command]
    r = CliRunner().invoke(cli, ["-q", *args])
    assert r.exit_code in (0, 1), r.output
    assert sorted(seen) == sorted(
        f"{gpkg}:{code}" for code in ("XZQ", "STBHHX", "YJJBNTBHTB", "ZRBHD")
    )
