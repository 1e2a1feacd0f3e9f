"""Figures and conflicts written into a PostGIS schema the user names (``--to-postgis``).

A provincial department keeps its data in PostGIS; the tables a run measures (coverage,
the overlap matrix, containment, land cover, the per-unit table …) and the conflict
features go back beside it, into a schema named in the URL::

    postgresql://user@host:port/db?schema=checks_2026

The schema is created when missing.  Tables already in it are never replaced unless
``overwrite=True``; everything is written in one transaction (all tables or none).
Credentials come as for reading (URL, ``PGPASSWORD``, ``~/.pgpass``, a service file) and
are never printed: messages name the URL without its password.

Columns keep their type (integers ``bigint``, floats ``double precision``, booleans,
text; NaN as NULL); a conflict layer's geometry is ``geometry(Geometry, SRID)`` with a
GiST index, the SRID of its CRS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecospace.errors import LayerReadError, OutputError, OutputExistsError
from ecospace.loading._postgis import PgSource, is_database, parse_source

__all__ = ["figure_tables", "postgis_target", "write_postgis"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def postgis_target(url: str) -> tuple[PgSource, str]:
    """The database and the schema of ``--to-postgis URL`` (``…/db?schema=NAME``).

    Examples
    --------
    >>> src, schema = postgis_target("postgresql://me:pw@db.example/gis?schema=checks")
    >>> src.label, schema
    ('postgresql://me@db.example/gis', 'checks')
    >>> postgis_target("postgresql://me@db.example/gis")
    Traceback (most recent call last):
    ...
    ecospace.errors.OutputError: --to-postgis postgresql://me@db.example/gis: name the schema ...
    """
    if not is_database(url) or url[:3].upper() == "PG:":
        raise OutputError(
            f"--to-postgis {url.split('@')[-1]!r}: write postgresql://user@host:port/db?schema=NAME"
        )
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), None)
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    src = parse_source(urlunsplit(parts._replace(query=rest)))
    if src.table is not None:
        raise OutputError(f"--to-postgis {src.label}: name a schema (?schema=NAME), not a table")
    if schema is None:
        raise OutputError(
            f"--to-postgis {src.label}: name the schema to write into, e.g. "
            f"{src.label}?schema=ecospace_checks"
        )
    if not _NAME.match(schema):
        raise OutputError(
            f"--to-postgis {src.label}: schema {schema!r} is not a plain SQL name; use letters, "
            "digits and _ (not starting with a digit), at most 63"
        )
    return src, schema


def figure_tables(figures, *, sections=None) -> dict[str, pd.DataFrame]:
    """The tables of a :class:`~ecospace.measuring.stats.CountyFigures` to write, by name.

    ``coverage``, ``overlaps``, ``containment``, ``self_overlaps``, ``land_cover``,
    ``townships`` (those measured, or those in ``sections``), then one table per
    conflict type, ``conflict_<type>`` (with its geometry).
    """
    names = sections or ("coverage", "overlaps", "containment", "self_overlaps", "land_cover",
                         "townships")  # fmt: skip
    out = {}
    for name in names:
        table = getattr(figures, name, None)
        if isinstance(table, pd.DataFrame):
            out[name] = table
    for name, frame in figures.conflicts.items():
        if len(frame):
            out[f"conflict_{name}"] = frame
    return out


def _existing(conn, schema: str, names) -> list[str]:
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
    ).fetchall()
    have = {r[0] for r in rows}
    return sorted(n for n in names if n in have)


def check_target(url: str, names, *, overwrite: bool = False) -> None:
    """Fail before any work: the server answers and none of ``names`` is in the schema."""
    src, schema = postgis_target(url)
    with src.connect() as conn:
        there = _existing(conn, schema, names)
    if there and not overwrite:
        raise OutputExistsError(
            f"--to-postgis {src.label}: schema {schema} already holds {', '.join(there)}; "
            "pass --overwrite to replace them, or name another schema"
        )


def write_postgis(
    url: str, tables: Mapping[str, pd.DataFrame], *, overwrite: bool = False
) -> list[str]:
    """Write ``tables`` (name -> DataFrame or GeoDataFrame) into the schema of ``url``.

    Parameters
    ----------
    url : str
        ``postgresql://user@host:port/db?schema=NAME`` (the schema is created if missing).
    tables : mapping of str to DataFrame
        Plain SQL names (letters, digits, ``_``).  GeoDataFrames keep their geometry.
    overwrite : bool, default False
        Replace tables of those names already in the schema; else refuse, naming them.

    Returns
    -------
    list of str
        ``schema.table`` of every table written.

    Raises
    ------
    OutputExistsError
        A table is already there and ``overwrite`` is false (nothing is written).
    OutputError, LayerReadError
        A URL without a schema, a bad name, a server that does not answer.

    Examples
    --------
    >>> write_postgis("postgresql://me@db.example/gis", {})
    Traceback (most recent call last):
    ...
    ecospace.errors.OutputError: --to-postgis postgresql://me@db.example/gis: name the schema ...
    """
    from psycopg import sql

    src, schema = postgis_target(url)
    for name in tables:
        if not _NAME.match(name):
            raise OutputError(f"--to-postgis: {name!r} is not a plain SQL table name")
    written = []
    try:
        with src.connect() as conn, conn.transaction():
            there = _existing(conn, schema, tables)
            if there and not overwrite:
                raise OutputExistsError(
                    f"--to-postgis {src.label}: schema {schema} already holds "
                    f"{', '.join(there)}; pass --overwrite to replace them, or name another schema"
                )
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            for name, frame in tables.items():
                _write_one(conn, schema, name, frame)
                written.append(f"{schema}.{name}")
    except (OutputError, OutputExistsError, LayerReadError):
        raise
    except Exception as exc:  # psycopg's errors, with the password kept out
        text = " ".join(str(exc).split())[:240]
        if "password" in src.params:
            text = text.replace(src.params["password"], "***")
        raise OutputError(
            f"--to-postgis {src.label}: could not write into schema {schema} ({text}); "
            "nothing was written"
        ) from None
    return written


def _column_type(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s):
        return "boolean"
    if pd.api.types.is_integer_dtype(s):
        return "bigint"
    if pd.api.types.is_float_dtype(s):
        return "double precision"
    return "text"


def _value(v):
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and np.isnan(v):
        return None
    return v if isinstance(v, bool | int | float) else str(v)


def _write_one(conn, schema: str, name: str, frame: pd.DataFrame) -> None:
    from psycopg import sql

    ident = sql.Identifier(schema, name)
    geo = isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns
    cols = [c for c in frame.columns if not (geo and c == frame.geometry.name)]
    types = {c: _column_type(frame[c]) for c in cols}
    defs = [sql.SQL("{} {}").format(sql.Identifier(str(c)), sql.SQL(types[c])) for c in cols]
    names = [str(c) for c in cols]
    if geo:
        srid = frame.crs.to_epsg() if frame.crs is not None else None
        defs.append(sql.SQL(f"geometry geometry(Geometry, {int(srid or 0)})"))
        names.append("geometry")
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(ident))
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(ident, sql.SQL(", ").join(defs)))
    copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
        ident, sql.SQL(", ").join(sql.Identifier(n) for n in names)
    )
    rows = pd.DataFrame(frame[cols]).astype(object).itertuples(index=False)
    if geo:
        g = shapely.set_srid(np.asarray(frame.geometry.values, dtype=object), int(srid or 0))
        ewkb = shapely.to_wkb(g, hex=True, include_srid=True)
    with conn.cursor() as cur, cur.copy(copy) as cp:
        for k, row in enumerate(rows):
            values = [_value(v) for v in row]
            if geo:
                values.append(ewkb[k])
            cp.write_row(values)
    if geo:
        conn.execute(sql.SQL("CREATE INDEX ON {} USING gist (geometry)").format(ident))
