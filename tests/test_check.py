"""check(): every comparison kind and unit on a tiny synthetic county of known areas.

The county lives in EPSG:4529 (3° Gauss–Krüger zone 41) and is measured with the planar
method, so every expected area below is a hand calculation on axis-aligned boxes
(metres × metres); one test cross-checks the ellipsoidal method with pyproj.Geod.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyproj
import pytest
import shapely
import yaml
from click.testing import CliRunner
from shapely import box

from ecospace import PlanError
from ecospace.checking.check import FIGURE_COLUMNS, CheckResult, check
from ecospace.cli.main import cli
from ecospace.plan import load_plan

X0, Y0 = 41_500_000.0, 5_000_000.0  # zone 41 false easting prefix, ~45° N
CRS = "EPSG:4529"
HA = 10_000.0


def b(x1, y1, x2, y2):
    """A box in metres from the county's south-west corner."""
    return box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def gdf(geoms, **cols):
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=CRS)


# hand-calculated areas (ha) of the layers built in `county`
BOUNDARY_HA = 10_000.0  # 10 km × 10 km
RED_HA = 3_072.5  # 3.0725 km × 10 km; the second red feature lies inside the first
FARM_HA = 200.0  # 2 km × 1 km
RED_FARM_HA = 7.25  # 72.5 m × 1000 m
URBAN_HA = 400.0
PA_UNION_HA = 275.0  # 3 × 100 ha, two of them overlapping by 0.5 km × 0.5 km
PA_OUTSIDE_RED_HA = 50.0  # 500 m × 1000 m of the third one east of x = 3072.5 m
FOREST_HA, GRASS_HA = 3_000.0, 1_000.0
STATED_TOTAL_KM2 = 101.0


def make_county() -> dict[str, gpd.GeoDataFrame]:
    """The synthetic county, role → layer (also used by test_report.py)."""
    return {
        "boundary": gdf([b(0, 0, 10_000, 10_000)], XZQMC=["测试县"]),
        "townships": gdf(
            [b(0, 0, 5_000, 10_000), b(5_000, 0, 10_000, 10_000)], XZQMC=["甲镇", "乙乡"]
        ),
        "red_line": gdf([b(0, 0, 3_072.5, 10_000), b(0, 0, 1_000, 1_000)]),
        "basic_farmland": gdf([b(3_000, 0, 5_000, 1_000)]),
        "urban_boundary": gdf([b(8_000, 8_000, 10_000, 10_000)]),
        "protected_area": gdf(
            [
                b(500, 500, 1_500, 1_500),
                b(1_000, 1_000, 2_000, 2_000),
                b(2_572.5, 5_000, 3_572.5, 6_000),
            ],
            ZRBHDMC=["甲保护区", "乙森林公园", "丙湿地公园"],
        ),
        "land_use": gdf(
            [b(0, 0, 10_000, 3_000), b(0, 3_000, 10_000, 4_000), b(0, 4_000, 10_000, 10_000)],
            DLBM=["0301", "0404", "0103"],
        ),
    }


def F(measure: str, op: str, value: str, unit: str, **keys) -> dict:
    """A figure's keys; ``value`` is the text as the plan writes it (its precision)."""
    return dict(measure=measure, op=op, value=value, unit=unit, **keys)


RED, FARM, PA = "red_line", "basic_farmland", "protected_area"
EXACT = {"precision": 0.01}  # "= 0 ha" to the hundredth of a hectare

# fmt: off
FIGURES = [
    # id, figure keys, expected measured value (in the figure's unit), expected status
    ("red_ha", F("area", ">=", "3072.50", "ha", role=RED), RED_HA, "pass"),
    ("red_km2", F("area", "=", "30.725", "km2", role=RED), 30.725, "pass"),
    ("red_mu", F("area", ">=", "46087.5", "mu", role=RED), RED_HA * 15, "pass"),
    # 4.60875 万亩 written as 4.61: equal at the stated precision (±0.005)
    ("red_wanmu", F("area", "=", "4.61", "wanmu", role=RED), RED_HA * 15 / 1e4, "pass"),
    ("red_m2", F("area", "<", "30725000", "m2", role=RED), RED_HA * HA, "within precision"),
    # the precision boundary of the issue: 30.725 % against a stated 30.73 %
    ("red_share", F("share", ">=", "30.73", "%", role=RED), 30.725, "within precision"),
    ("red_share_lo", F("share", ">=", "30.72", "%", role=RED), 30.725, "pass"),
    ("red_share_hi", F("share", ">=", "30.74", "%", role=RED), 30.725, "fail"),
    ("red_share_le", F("share", "<=", "30.72", "%", role=RED), 30.725, "within precision"),
    ("red_share_1dp", F("share", "=", "30.7", "%", role=RED), 30.725, "pass"),
    ("red_farm", F("overlap", "=", "0", "ha", roles=[RED, FARM], **EXACT), RED_FARM_HA, "fail"),
    ("urban_farm", F("overlap", "=", "0", "ha", roles=["urban_boundary", FARM], **EXACT), 0.0,
     "pass"),
    ("pa_in_red", F("outside", "=", "0", "ha", role=PA, within=RED, **EXACT), PA_OUTSIDE_RED_HA,
     "fail"),
    ("pa_area", F("area", ">=", "275", "ha", role=PA), PA_UNION_HA, "pass"),
    ("pa_count", F("count", "=", "3", "count", role=PA), 3, "pass"),
    ("forest", F("land_cover", ">=", "30.00", "%", classes="forest"), 30.0, "pass"),
    ("forest_grass", F("land_cover", ">=", "41", "%", classes="forest_grass"), 40.0, "fail"),
    ("forest_ha", F("land_cover", ">=", "3000", "ha", classes="forest"), FOREST_HA, "pass"),
    ("grass_codes", F("land_cover", "=", "10", "%", classes=["0404"]), GRASS_HA / 100, "pass"),
    ("farm_share", F("share", "<=", "1.996", "%", role=FARM, precision=0.01, binding=False), 2.0,
     "within precision"),
]
# fmt: on


def write_plan(folder: Path, figures, *, layers=None, extra=None) -> Path:
    """A plan file whose figure values are written exactly as given (their precision)."""
    data = {
        "plan": "测试县国土空间规划",
        "region": {"name": "测试县", "code": "999999"},
        "total_area": {
            "value": STATED_TOTAL_KM2,
            "unit": "km2",
            "quote": "总面积101平方公里",
            "line": 3,
        },
        "method": "planar",
        "figures": [
            {"id": fid, "label": f"指标{fid}", **keys, "value": f"@@{fid}@@"}
            for fid, keys, *_ in figures
        ],
    }
    if layers is not None:
        data["layers"] = layers
    data.update(extra or {})
    data = {k: v for k, v in data.items() if v is not None}
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    for fid, keys, *_ in figures:
        text = text.replace(f"'@@{fid}@@'", keys["value"])
    path = folder / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def county() -> dict[str, gpd.GeoDataFrame]:
    return make_county()


@pytest.fixture(scope="module")
def plan_path(tmp_path_factory) -> Path:
    return write_plan(tmp_path_factory.mktemp("plan"), FIGURES)


@pytest.fixture(scope="module")
def result(plan_path, county) -> CheckResult:
    return check(plan_path, layers=county, progress=False)


def test_figures_frame_has_the_documented_columns(result):
    assert tuple(result.figures.columns) == FIGURE_COLUMNS
    assert result.figures["id"].tolist() == [f[0] for f in FIGURES]


@pytest.mark.parametrize(("fid", "expected", "status"), [(f[0], f[2], f[3]) for f in FIGURES])
def test_each_figure_measured_and_compared(result, fid, expected, status):
    row = result.figures.set_index("id").loc[fid]
    assert row["measured"] == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert row["status"] == status
    assert row["difference"] == pytest.approx(row["measured"] - row["stated"], abs=1e-9)


def test_differences_in_unit_and_percent(result):
    row = result.figures.set_index("id").loc["red_share_hi"]
    assert row["difference"] == pytest.approx(30.725 - 30.74)
    assert row["difference_pct"] == pytest.approx((30.725 - 30.74) / 30.74 * 100)
    zero = result.figures.set_index("id").loc["red_farm"]
    assert math.isnan(zero["difference_pct"])  # stated 0: no relative difference


def test_method_unit_and_denominator_stated_per_figure(result):
    f = result.figures.set_index("id")
    assert set(f["method"].dropna()) == {"planar"}
    assert pd.isna(f.loc["pa_count", "method"])
    assert f.loc["red_share", "denominator"] == "boundary"
    assert f.loc["red_share", "denominator_m2"] == pytest.approx(BOUNDARY_HA * HA)
    assert pd.isna(f.loc["red_ha", "denominator"])
    # the share under the other denominator (the stated 101 km²) is always given
    assert f.loc["red_share", "measured_alt"] == pytest.approx(
        RED_HA / (STATED_TOTAL_KM2 * 100) * 100
    )
    assert f.loc["red_share", "precision"] == pytest.approx(0.01)
    assert f.loc["red_km2", "precision"] == pytest.approx(0.001)


def test_header_areas(result):
    assert result.boundary_m2 == pytest.approx(BOUNDARY_HA * HA)
    assert result.stated_total_m2 == pytest.approx(STATED_TOTAL_KM2 * 1e6)
    assert result.denominator == "boundary"
    assert result.denominator_m2 == pytest.approx(BOUNDARY_HA * HA)


def test_stated_denominator(plan_path, county):
    r = check(plan_path, layers=county, denominator="stated", progress=False)
    f = r.figures.set_index("id")
    assert r.denominator == "stated"
    assert f.loc["red_share", "measured"] == pytest.approx(RED_HA / 10_100 * 100)
    assert f.loc["red_share", "measured_alt"] == pytest.approx(30.725)
    assert f.loc["red_share", "status"] == "fail"
    assert f.loc["forest", "measured"] == pytest.approx(FOREST_HA / 10_100 * 100)
    # areas do not depend on the denominator
    assert f.loc["red_ha", "measured"] == pytest.approx(RED_HA)


def test_passed_is_all_binding_pass(result):
    assert not result.passed  # red_share_hi, red_farm, pa_in_red, forest_grass fail
    s = result.summary()
    assert s["fail"] == 4
    assert s["within precision"] == 4
    assert s["binding_failed"] == 4


def test_reference_figures_do_not_decide(tmp_path, county):
    figs = [f for f in FIGURES if f[0] in ("red_ha", "forest_grass")]
    figs = [
        (fid, {**keys, "binding": False} if fid == "forest_grass" else keys, m, s)
        for fid, keys, m, s in figs
    ]
    r = check(write_plan(tmp_path, figs), layers=county, progress=False)
    assert r.figures.set_index("id").loc["forest_grass", "status"] == "fail"
    assert r.passed


def test_missing_layer_is_not_measured_with_a_reason(tmp_path, county):
    layers = {k: v for k, v in county.items() if k != "land_use"}
    figs = [f for f in FIGURES if f[0] in ("red_ha", "forest")]
    r = check(write_plan(tmp_path, figs), layers=layers, progress=False)
    row = r.figures.set_index("id").loc["forest"]
    assert row["status"] == "not measured"
    assert "land_use" in row["reason"]
    assert math.isnan(row["measured"])
    assert not r.passed  # a binding figure that cannot be checked is not a pass


def test_geodesic_method_matches_pyproj_geod(tmp_path):
    """Lat/lon rectangles in EPSG:4490: areas from pyproj.Geod, not from ecospace."""
    geod = pyproj.Geod(ellps="GRS80")
    county = box(126.0, 45.0, 126.2, 45.2)
    red = box(126.0, 45.0, 126.05, 45.2)
    layers = {
        "boundary": gpd.GeoDataFrame(geometry=[county], crs="EPSG:4490"),
        "red_line": gpd.GeoDataFrame(geometry=[red], crs="EPSG:4490"),
    }
    # the working CRS is projected: edges become GK chords, so densify to follow (B, L)
    layers = {
        k: v.set_geometry(shapely.segmentize(v.geometry.values, 0.001)) for k, v in layers.items()
    }
    a_county = abs(geod.geometry_area_perimeter(shapely.segmentize(county, 0.001))[0])
    a_red = abs(geod.geometry_area_perimeter(shapely.segmentize(red, 0.001))[0])
    figs = [
        ("g_red", dict(measure="area", role="red_line", op=">=", value="1", unit="ha"), None, None),
        (
            "g_share",
            dict(measure="share", role="red_line", op=">=", value="1", unit="%"),
            None,
            None,
        ),
    ]
    plan = load_plan(write_plan(tmp_path, [(i, k, m, s) for i, k, m, s in figs]))
    r = check(plan, layers=layers, method="geodesic", progress=False)
    f = r.figures.set_index("id")
    assert f.loc["g_red", "measured"] == pytest.approx(a_red / HA, rel=1e-6)
    assert f.loc["g_share", "measured"] == pytest.approx(a_red / a_county * 100, rel=1e-6)
    assert r.boundary_m2 == pytest.approx(a_county, rel=1e-6)


# an urban boundary 1000 m × 500 m (50 ha) across the county's east edge: 25 ha inside
URBAN_ACROSS = [b(9_500, 9_500, 10_500, 10_000)]
ACROSS_FIGURES = [
    ("urban_ha", F("area", "=", "50", "ha", role="urban_boundary"), 50.0, "pass"),
    ("urban_share", F("share", "=", "0.25", "%", role="urban_boundary"), 0.25, "pass"),
]


@pytest.mark.parametrize(
    ("with_boundary", "denominator", "share", "alt"),
    [
        # 25 ha inside / 10 000 ha boundary; beside it 25 ha / 10 100 ha stated
        (True, "boundary", 25 / BOUNDARY_HA * 100, 25 / (STATED_TOTAL_KM2 * 100) * 100),
        # the stated total divides the same 25 ha inside the county
        (True, "stated", 25 / (STATED_TOTAL_KM2 * 100) * 100, 25 / BOUNDARY_HA * 100),
        # no boundary layer: nothing to clip by, the whole 50 ha / 10 100 ha stated
        (False, "stated", 50 / (STATED_TOTAL_KM2 * 100) * 100, math.nan),
    ],
)
def test_share_counts_only_the_area_inside_the_county(
    tmp_path, with_boundary, denominator, share, alt
):
    layers = {"urban_boundary": gdf(URBAN_ACROSS)}
    if with_boundary:
        layers["boundary"] = make_county()["boundary"]
    path = write_plan(tmp_path, ACROSS_FIGURES, extra={"denominator": denominator})
    f = check(path, layers=layers, progress=False).figures.set_index("id")
    assert f.loc["urban_ha", "measured"] == pytest.approx(50.0)  # an area is the whole layer
    assert f.loc["urban_share", "measured"] == pytest.approx(share)
    assert f.loc["urban_share", "measured_m2"] == pytest.approx((25 if with_boundary else 50) * HA)
    assert f.loc["urban_share", "measured_alt"] == pytest.approx(alt, nan_ok=True)


def test_stated_denominator_without_total_is_a_plan_error(tmp_path, county):
    path = write_plan(tmp_path, FIGURES[:1], extra={"total_area": None})
    with pytest.raises(PlanError, match="total_area"):
        check(path, layers=county, denominator="stated", progress=False)


def test_survey_denominator(tmp_path, county):
    survey = {"value": 90, "unit": "km2", "line": 4, "source": "第三次全国国土调查"}
    path = write_plan(tmp_path, FIGURES, extra={"survey_area": survey, "denominator": "survey"})
    r = check(path, layers=county, progress=False)
    f = r.figures.set_index("id")
    assert r.denominator == "survey"
    assert r.survey_area_m2 == pytest.approx(90e6)
    assert r.denominator_m2 == pytest.approx(90e6)
    # 3072.5 ha of 9000 ha; beside it the share of the boundary's 10 000 ha
    assert f.loc["red_share", "measured"] == pytest.approx(RED_HA / 9_000 * 100)
    assert f.loc["red_share", "measured_alt"] == pytest.approx(30.725)
    assert f.loc["red_share", "denominator"] == "survey"
    assert f.loc["forest", "measured"] == pytest.approx(FOREST_HA / 9_000 * 100)
    assert f.loc["red_ha", "measured"] == pytest.approx(RED_HA)  # areas do not change
    assert r.county.denominator_source == "survey"
    assert set(r.county.land_cover["denominator_source"]) == {"survey"}
    text = r.to_table()
    assert "占比分母: 调查面积 9,000.00 公顷" in text
    assert "调查面积: 90 平方公里（9,000.00 公顷；第三次全国国土调查）" in text
    assert "Survey area: 90 km² (9,000.00 ha; 第三次全国国土调查)" in r.to_table("en")


def test_survey_denominator_without_survey_area_names_file_and_field(tmp_path, county):
    path = write_plan(tmp_path, FIGURES[:1])
    with pytest.raises(PlanError, match=r"plan\.yaml: field 'survey_area' is missing"):
        check(path, layers=county, denominator="survey", progress=False)


def test_plan_without_layers_is_a_plan_error(plan_path):
    with pytest.raises(PlanError, match="no layers"):
        check(plan_path, progress=False)


def test_progress_is_logged(plan_path, county, caplog):
    caplog.set_level("INFO", logger="ecospace")
    check(plan_path, layers=county, progress=True)
    text = caplog.text
    assert "measuring 7 layers" in text
    assert "checked 20 figures" in text


def test_repr_and_jupyter(result):
    assert "20 figures" in repr(result)
    html = result._repr_html_()
    assert "<table" in html and "red_share" in html and "精度内符合" in html


# ----------------------------------------------------------------------------- CLI


@pytest.fixture(scope="module")
def gpkg_plan(tmp_path_factory, county) -> Path:
    """The synthetic county as a GeoPackage with standard layer codes, and a plan naming it."""
    folder = tmp_path_factory.mktemp("cli")
    gpkg = folder / "county.gpkg"
    names = {
        "boundary": "XZQ",
        "townships": "XZQ_XZ",
        "red_line": "STBHHX",
        "basic_farmland": "YJJBNTBHTB",
        "urban_boundary": "CZKFBJ",
        "protected_area": "ZRBHD",
        "land_use": "DLTB",
    }
    for role, layer in names.items():
        county[role].to_file(gpkg, layer=layer, driver="GPKG", engine="pyogrio")
    specs = [{"path": f"county.gpkg:{layer}", "role": role} for role, layer in names.items()]
    return write_plan(folder, FIGURES, layers=specs)


def run(args):
    return CliRunner().invoke(cli, args)


# the synthetic red line and protected areas overlap themselves, which layers warns about
_OVERLAP_WARNING = "ignore:.*overlaps 1 .*:ecospace.loading.validate.ValidationWarning"


@pytest.mark.filterwarnings(_OVERLAP_WARNING)
def test_cli_check_writes_reports_and_exits_1_on_failure(gpkg_plan, tmp_path):
    out = tmp_path / "out"
    args = ["-q", "check", str(gpkg_plan), "--out", str(out), "--no-map"]
    res = run(args)
    assert res.exit_code == 1, res.output
    written = ("report.md", "report.html", "report.xlsx", "report.json", "report.docx",
               "conflicts.gpkg", "conflicts.gdb", "conflicts_shp", "conflicts_styles")  # fmt: skip
    for name in written:
        assert (out / name).exists(), name
    assert "精度内符合" in res.output and "不符合" in res.output
    assert str(out / "report.html") in res.output
    # existing outputs are not replaced without --overwrite: a usage error before any work
    again = run(args)
    assert again.exit_code == 2
    assert "--overwrite" in again.output
    assert run([*args, "--overwrite"]).exit_code == 1


@pytest.mark.filterwarnings(_OVERLAP_WARNING)
def test_cli_check_exits_0_when_binding_figures_pass(tmp_path, gpkg_plan):
    data = yaml.safe_load(gpkg_plan.read_text(encoding="utf-8"))
    data["figures"] = [f for f in data["figures"] if f["id"] in ("red_ha", "pa_area", "forest")]
    data["layers"] = [{**s, "path": str(gpkg_plan.parent / s["path"])} for s in data["layers"]]
    p = tmp_path / "ok.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = str(tmp_path / "o")
    res = run(["-q", "check", str(p), "--out", out, "--no-map", "--format", "json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["passed"] is True
    assert [f["status"] for f in report["figures"]] == ["pass", "pass", "pass"]
    assert "report.xlsx" in res.stderr  # paths go to stderr, stdout stays pure JSON


@pytest.mark.filterwarnings(_OVERLAP_WARNING)
def test_cli_check_english_table(gpkg_plan, tmp_path):
    out = str(tmp_path / "en")
    res = run(["-q", "check", str(gpkg_plan), "--out", out, "--no-map", "--lang", "en"])
    assert res.exit_code == 1
    assert "within precision" in res.output and "FAIL" in res.output
    assert "Total area stated in the plan" in res.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "no/such/plan.yaml"], "does not exist"),
        (["check", "PLAN", "--lang", "fr"], "'fr' is not one of"),
        (["check", "PLAN", "--denominator", "census"], "'census' is not one of"),
        (["check", "PLAN", "--denominator", "survey"], "field 'survey_area' is missing"),
        (["check", "BAD"], "figure"),
    ],
)
def test_cli_check_usage_errors_exit_2(args, message, gpkg_plan, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "plan: 坏\nfigures:\n  - {id: x, measure: area, role: red_line, op: '>=', value: 1}\n",
        encoding="utf-8",
    )
    args = [str(gpkg_plan) if a == "PLAN" else str(bad) if a == "BAD" else a for a in args]
    res = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "o")])
    assert res.exit_code == 2, res.output
    assert message in res.output


# ----------------------------------------------------------------------------- the demo county

ROOT = Path(__file__).resolve().parent.parent


# the demo layers carry planted defects that layers reports as warnings (repairs, overlaps)
@pytest.mark.filterwarnings("ignore::ecospace.loading.validate.ValidationWarning")
def test_demo_statuses_are_those_demo_truth_predicts(tmp_path):
    res = run(["-q", "demo", "--no-map", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    truth = json.loads((ROOT / "layers" / "demo_truth.json").read_text(encoding="utf-8"))
    expected = {f["id"]: f["expected_status"] for f in truth["plan_figures"]}
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert {f["id"]: f["status"] for f in report["figures"]} == expected
    assert report["passed"] is False  # failures by design
    # the printed sections, then the verification table, then the report paths
    out = res.output
    for title in ("== 图层 ==", "== 覆盖 ==", "== 重叠 ==", "== 包含 ==", "== 乡镇 =="):
        assert title in out
    assert out.index("== 乡镇 ==") < out.index("== 核查结果 ==")
    tail = out.rstrip().split("\n\n")[-1].splitlines()  # the last block: one path a line
    assert [line.split()[0] for line in tail] == [
        "html", "xlsx", "json", "md", "docx",
        "conflicts", "conflicts_shp", "conflicts_gdb", "conflicts_styles",
    ]  # fmt: skip
    assert tail[0].endswith(str(tmp_path / "report.html"))
    n_fail = sum(s == "fail" for s in expected.values())
    assert f"{n_fail} 项指标不符合" in out
    # conflicts.gpkg names the source feature by the fid QGIS shows in layers/demo.gpkg
    import pyogrio

    zrbhd = pyogrio.read_dataframe(
        ROOT / "layers" / "demo.gpkg", layer="ZRBHD", read_geometry=False, fid_as_index=True
    )
    (qingshan,) = zrbhd.index[zrbhd["ZRBHDMC"] == "青山省级风景名胜区"]
    outside = pyogrio.read_dataframe(
        tmp_path / "conflicts.gpkg", layer="outside_protected_area__red_line", read_geometry=False
    )
    assert outside["ZRBHDMC"].tolist() == ["青山省级风景名胜区"]
    assert outside["src_fid"].tolist() == [qingshan]


def test_demo_plan_states_the_figures_of_demo_truth():
    """plans/demo.yaml must follow layers/demo_truth.json when the demo county is regenerated."""
    truth = json.loads((ROOT / "layers" / "demo_truth.json").read_text(encoding="utf-8"))
    plan = load_plan(ROOT / "plans" / "demo.yaml")
    stated = {f.id: (f.measure, f.op, f.value, f.unit) for f in plan.figures}
    assert stated == {
        f["id"]: (f["measure"], f["op"], float(f["value"]), f["unit"])
        for f in truth["plan_figures"]
    }
    assert plan.total_area.value == truth["total_area"]["value"]


def test_demo_help_says_it_rewrites_its_own_outputs():
    res = run(["demo", "--help"])
    assert res.exit_code == 0
    text = " ".join(res.output.split())
    assert "The demo rewrites its own outputs" in text
    assert "out/demo/ (or --out), maps/demo.html and maps/demo_annex.pdf" in text
