"""The one PATH[:LAYER] parser (ecospace._layer_spec.split_spec), every form it meets.

Each expected pair is written by hand; ``exists`` stands in for the disk where the form is
about another system (Windows drive letters)."""

from __future__ import annotations

import pytest

from ecospace._layer_spec import is_database, split_spec
from ecospace.loading import _postgis, _sources
from ecospace.loading.layers import split_spec as layers_split_spec
from ecospace.plan import LayerSpec, Plan

WINDOWS = {r"C:\data\demo.gpkg", "C:/data/demo.gpkg", r"D:\交付\红线.shp"}.__contains__


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (r"C:\data\demo.gpkg", (r"C:\data\demo.gpkg", None)),
        (r"C:\data\demo.gpkg:STBHHX", (r"C:\data\demo.gpkg", "STBHHX")),
        ("C:/data/demo.gpkg:STBHHX", ("C:/data/demo.gpkg", "STBHHX")),
        (r"D:\交付\红线.shp", (r"D:\交付\红线.shp", None)),
        (r"C:\data\missing.gpkg:STBHHX", (r"C:\data\missing.gpkg:STBHHX", None)),
    ],
)
def test_windows_drive_letters(spec, expected):
    assert split_spec(spec, exists=WINDOWS) == expected


def test_a_drive_letter_alone_is_never_a_layer():
    assert split_spec(r"C:\nothing.gpkg", exists=lambda p: False, guess=True) == (
        r"C:\nothing.gpkg", None
    )  # fmt: skip
    assert split_spec(r"C:\x.gpkg:红线", exists=lambda p: False, guess=True) == (
        r"C:\x.gpkg",
        "红线",
    )


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("postgresql://me@localhost/gis", ("postgresql://me@localhost/gis", None)),
        ("postgresql://me:pw@db.example:5433/gis:public.stbhhx",
         ("postgresql://me:pw@db.example:5433/gis", "public.stbhhx")),
        ("postgres://db.example:5433/gis:stbhhx", ("postgres://db.example:5433/gis", "stbhhx")),
        ("postgresql://me@h:5432/gis?table=public.t", ("postgresql://me@h:5432/gis?table=public.t",
                                                      None)),
        ("postgresql://me@h:5432/gis:public.t?sslmode=require",
         ("postgresql://me@h:5432/gis?sslmode=require", "public.t")),
        ("postgresql://[::1]:5432/gis:public.t", ("postgresql://[::1]:5432/gis", "public.t")),
        ("PG:dbname=gis host=h port=5432", ("PG:dbname=gis host=h port=5432", None)),
        ("PG:dbname=gis host=h:public.zrbhd", ("PG:dbname=gis host=h", "public.zrbhd")),
        ('PG:"dbname=gis user=me":zrbhd', ('PG:"dbname=gis user=me"', "zrbhd")),
    ],
)  # fmt: skip
def test_databases_split_only_after_the_database_name(spec, expected):
    assert is_database(spec)
    assert split_spec(spec) == expected


def test_files_on_disk(tmp_path):
    odd = tmp_path / "data:2024"  # a folder whose name holds a colon
    odd.mkdir()
    gpkg = odd / "a.gpkg"
    gpkg.write_bytes(b"x")
    assert split_spec(f"{gpkg}:STBHHX") == (str(gpkg), "STBHHX")
    assert split_spec(f"{gpkg}:") == (str(gpkg), None)
    assert split_spec(str(odd)) == (str(odd), None)
    assert split_spec(f"{gpkg}:生态保护红线:2020") == (f"{gpkg}:生态保护红线:2020", None)
    assert split_spec("missing.gpkg:STBHHX") == ("missing.gpkg:STBHHX", None)
    assert split_spec("missing.gpkg:STBHHX", guess=True) == ("missing.gpkg", "STBHHX")
    assert split_spec("a:b/c.gpkg", guess=True) == ("a:b/c.gpkg", None)  # a path, not a layer


def test_every_reader_uses_the_one_parser():
    assert _sources.split_spec is split_spec is layers_split_spec
    assert _postgis.is_database is is_database


def test_plan_paths_split_by_the_same_rule(tmp_path):
    (tmp_path / "layers:2024").mkdir()
    (tmp_path / "layers:2024" / "a.gpkg").write_bytes(b"x")
    plan = Plan("p", [], path=tmp_path / "p.yaml")
    plan.layers = [
        LayerSpec("layers:2024/a.gpkg"),  # exists: the colon is part of the folder name
        LayerSpec("layers:2024/a.gpkg:STBHHX"),
        LayerSpec("later.gpkg:YJJBNT"),  # not delivered yet: split as written
        LayerSpec("postgresql://me@h:5432/gis:public.t"),  # passed on as written
    ]
    sources = [src for src, _ in plan.layer_sources()]
    a = str((tmp_path / "layers:2024" / "a.gpkg").resolve())
    assert sources == [
        a,
        f"{a}:STBHHX",
        f"{(tmp_path / 'later.gpkg').resolve()}:YJJBNT",
        "postgresql://me@h:5432/gis:public.t",
    ]


def test_postgis_reads_the_table_the_parser_found():
    s = _postgis.parse_source("postgresql://me:secret@db.example:5433/gis:public.stbhhx")
    assert (s.label, s.table) == ("postgresql://me@db.example:5433/gis", ("public", "stbhhx"))
    pg = _postgis.parse_source('PG:"dbname=gis host=localhost user=me":zrbhd')
    assert pg.spec == "postgresql://me@localhost/gis:public.zrbhd"
