"""PostGIS tables as layer sources (private: used by ``layers`` and ``tiled_sources``).

A source is a PostgreSQL URL, ``postgresql://user[:password]@host:port/db``, or GDAL's
``PG:`` string (``PG:"dbname=db host=h port=5432 user=u"``), the form QGIS users know.
Without a table it stands for every geometry table and view of the database; one table
is named as ``…/db?table=schema.name``, ``…/db:schema.name`` or ``PG:… tables=schema.name``.
Credentials come from the URL, ``PGPASSWORD``, ``~/.pgpass`` or a service file
(``service=name``) — libpq looks them up — and never appear in a label, a log line or an
error: :attr:`PgSource.label` is the URL without its password.

Geometries travel as WKB (``ST_AsBinary``) through psycopg 3; the table's SRID, from
``geometry_columns``, is its CRS; a bounding box is pushed to the server as
``geom && ST_MakeEnvelope(…)``, which the GiST index answers.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, unquote, urlsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ecospace._layer_spec import is_database, split_spec
from ecospace.errors import LayerNotFoundError, LayerReadError

__all__ = ["PgSource", "is_database", "parse_source"]

_TABLE = re.compile(r"^[^\s:/?]+(\.[^\s:/?]+)?$")
_SECRET_KEYS = {"password"}
#: passwords given in a URL, by the redacted URL's connection key, so that specs passed
#: around (``label:schema.table``) never carry one
_PASSWORDS: dict[tuple, str] = {}


@dataclass(frozen=True)
class PgSource:
    """A parsed database source: libpq parameters, the table (or None) and a safe label.

    Attributes
    ----------
    params : dict
        libpq connection parameters (``host``, ``port``, ``dbname``, ``user``, ``password``
        …), as psycopg's ``connect(**params)`` takes them.  Not shown by ``repr``.
    table : (schema, name) or None
    """

    params: dict = field(repr=False, hash=False, compare=False)
    table: tuple[str, str] | None = None

    @property
    def label(self) -> str:
        """``postgresql://user@host:port/db`` — never the password."""
        p = self.params
        if "service" in p and "host" not in p:
            return f"PG:service={p['service']}"
        host = p.get("host", "localhost")
        if host.startswith("/"):
            host = host.replace("/", "%2F")
        user = f"{p['user']}@" if p.get("user") else ""
        port = f":{p['port']}" if p.get("port") else ""
        return f"postgresql://{user}{host}{port}/{p.get('dbname', '')}"

    @property
    def table_name(self) -> str | None:
        """``schema.name`` of the table, or None."""
        return None if self.table is None else ".".join(self.table)

    @property
    def spec(self) -> str:
        """``label:schema.name``: a spec for this table that carries no password."""
        return self.label if self.table is None else f"{self.label}:{self.table_name}"

    def with_table(self, name: str) -> PgSource:
        """The same database, table ``name`` (``schema.name`` or ``name`` in public)."""
        return replace(self, params=dict(self.params), table=_split_table(name, self.label))

    def connect(self):
        """An open psycopg connection (autocommit); failures as one-line LayerReadErrors."""
        import psycopg

        try:
            params = {"connect_timeout": "10", **self.params}
            return psycopg.connect(**params, autocommit=True)
        except psycopg.Error as exc:
            raise _connect_error(self, exc) from None


def _split_table(name: str, label: str) -> tuple[str, str]:
    name = unquote(name.strip().strip('"'))
    if not _TABLE.match(name):
        raise LayerReadError(
            f"{label}: {name!r} is not a table name; write schema.name (e.g. public.stbhhx)"
        )
    schema, _, table = name.rpartition(".")
    return (schema or "public", table)


def parse_source(spec: str) -> PgSource:
    """Parse a PostgreSQL URL or ``PG:`` string into a :class:`PgSource`.

    Examples
    --------
    >>> s = parse_source("postgresql://me:secret@db.example:5433/gis?table=public.stbhhx")
    >>> s.label, s.table
    ('postgresql://me@db.example:5433/gis', ('public', 'stbhhx'))
    >>> parse_source("PG:dbname=gis host=localhost user=me:zrbhd").spec
    'postgresql://me@localhost/gis:public.zrbhd'
    """
    s = str(spec).strip()
    if not is_database(s):
        raise LayerReadError(f"{spec!r}: not a PostgreSQL URL; write postgresql://user@host/db")
    s, table = split_spec(s)  # the one PATH[:LAYER] parser: db[:schema.table]
    if s[:3].upper() == "PG:":
        src = _parse_keywords(s[3:].strip().strip("\"'"), s)
    else:
        src = _parse_url(s)
    if table:
        src = src.with_table(table)
    key = _key(src.params)
    if "password" in src.params:
        _PASSWORDS[key] = src.params["password"]
    elif key in _PASSWORDS:
        src.params["password"] = _PASSWORDS[key]
    return src


def _key(params: dict) -> tuple:
    return tuple(params.get(k) for k in ("host", "port", "dbname", "user", "service"))


def _parse_url(s: str) -> PgSource:
    bad = LayerReadError(
        f"{_redact(s)}: not a usable PostgreSQL URL; write "
        "postgresql://user@host:port/db (add ?table=schema.name or :schema.name for one table)"
    )
    try:
        u = urlsplit(s)
        port = u.port
    except ValueError:
        raise bad from None
    path = unquote(u.path.lstrip("/"))
    table = None
    if not path or "/" in path or ":" in path:
        raise bad
    params: dict = {"dbname": path}
    host = u.netloc.rpartition("@")[2]
    host = host[1:].partition("]")[0] if host.startswith("[") else host.partition(":")[0]
    if host:
        params["host"] = unquote(host)  # %2Ftmp%2Fsock: a unix socket folder
    if port:
        params["port"] = str(port)
    if u.username:
        params["user"] = unquote(u.username)
    if u.password is not None:
        params["password"] = unquote(u.password)
    for k, v in parse_qsl(u.query, keep_blank_values=True):
        if k in ("table", "tables"):
            table = v
        else:
            params[k] = v
    src = PgSource(params)
    return src.with_table(table) if table else src


def _parse_keywords(s: str, original: str) -> PgSource:
    table = None
    params: dict = {}
    for item in re.findall(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", s):
        k, v = item[0], item[1].strip("'")
        if k in ("tables", "table"):
            table = v.split(",")[0]
        elif k == "schemas":
            continue
        else:
            params[k] = v
    if not params:
        raise LayerReadError(
            f'{_redact(original)}: not a usable PG: string; write PG:"dbname=db host=h user=u"'
        )
    src = PgSource(params)
    return src.with_table(table) if table else src


def _redact(s: str) -> str:
    """The text with any password replaced by ``***``."""
    s = re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", s)
    return re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", s, flags=re.IGNORECASE)


def _connect_error(src: PgSource, exc: Exception) -> LayerReadError:
    text = str(exc)
    if "password" in src.params:
        text = text.replace(src.params["password"], "***")
    first = " ".join(text.split())[:240]
    low = text.lower()
    if "password authentication failed" in low or "no password supplied" in low:
        hint = "check the user and password (in the URL, PGPASSWORD or ~/.pgpass)"
    elif "does not exist" in low and "database" in low:
        hint = "check the database name"
    elif "refused" in low or "could not connect" in low or "timeout" in low:
        hint = "is the server running and listening on that host and port?"
    elif "could not translate host name" in low or "name or service not known" in low:
        hint = "check the host name"
    else:
        hint = "check the URL (postgresql://user@host:port/db)"
    return LayerReadError(f"{src.label}: cannot connect ({first}); {hint}")


# ------------------------------------------------------------------ catalogue


@dataclass(frozen=True)
class _Table:
    schema: str
    name: str
    column: str
    srid: int
    pk: str | None


_TABLES_SQL = """
SELECT f_table_schema, f_table_name, f_geometry_column, srid
FROM geometry_columns
WHERE f_table_schema NOT IN ('pg_catalog', 'information_schema', 'topology', 'tiger')
ORDER BY f_table_schema, f_table_name, f_geometry_column
"""
_PK_SQL = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
WHERE i.indrelid = %s::regclass AND i.indisprimary
"""


def _catalogue(conn, src: PgSource) -> list[_Table]:
    import psycopg

    try:
        rows = conn.execute(_TABLES_SQL).fetchall()
    except psycopg.errors.UndefinedTable:
        raise LayerReadError(
            f"{src.label}: the database has no PostGIS (no geometry_columns); "
            "run CREATE EXTENSION postgis there or name another database"
        ) from None
    out = []
    for schema, name, column, srid in rows:
        pk = None
        qualified = f'"{schema}"."{name}"'
        keys = conn.execute(_PK_SQL, (qualified,)).fetchall()
        if len(keys) == 1 and keys[0][1] in ("integer", "bigint", "smallint"):
            pk = keys[0][0]
        out.append(_Table(schema, name, column, int(srid or 0), pk))
    return out


def list_tables(src: PgSource) -> list[str]:
    """``schema.name`` of every table and view with a geometry column (the layers)."""
    with src.connect() as conn:
        return [f"{t.schema}.{t.name}" for t in _catalogue(conn, src)]


def _find(conn, src: PgSource) -> _Table:
    """The table ``src`` names: exactly, else the one whose name matches whatever the case."""
    tables = _catalogue(conn, src)
    schema, name = src.table
    exact = [t for t in tables if (t.schema, t.name) == (schema, name)]
    folded = [
        t
        for t in tables
        if (t.schema.casefold(), t.name.casefold()) == (schema.casefold(), name.casefold())
    ]
    if exact or len(folded) == 1:
        return (exact or folded)[0]
    listed = ", ".join(f"{t.schema}.{t.name}" for t in tables) or "none"
    what = "several tables match" if folded else "no geometry table"
    raise LayerNotFoundError(
        f"{src.label}: {what} {src.table_name!r}; the database holds: {listed}"
    )


def table_crs(conn, t: _Table) -> pyproj.CRS | None:
    """The CRS of a table's SRID (EPSG when spatial_ref_sys says so, else its WKT)."""
    if t.srid <= 0:
        return None
    row = conn.execute(
        "SELECT auth_name, auth_srid, srtext FROM spatial_ref_sys WHERE srid = %s", (t.srid,)
    ).fetchone()
    if row is None:
        return None
    auth, code, wkt = row
    if auth and auth.upper() == "EPSG" and code:
        return pyproj.CRS.from_epsg(int(code))
    return pyproj.CRS.from_wkt(wkt) if wkt else None


def describe_table(src: PgSource) -> tuple[_Table, pyproj.CRS | None]:
    """The table :attr:`PgSource.table` names (case-insensitively) and its CRS."""
    with src.connect() as conn:
        t = _find(conn, src)
        return t, table_crs(conn, t)


def read_table(
    src: PgSource,
    t: _Table,
    crs: pyproj.CRS | None,
    bbox: tuple[float, float, float, float] | None = None,
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Rows of table ``t`` (those whose box meets ``bbox``, in the table's SRID), and fids.

    The fids are the integer primary key (``ogc_fid`` as ogr2ogr writes it: the source
    file's FID), else the 0-based row in the order the server returns it.
    """
    import psycopg
    from psycopg import sql

    ident = sql.Identifier(t.schema, t.name)
    geom = sql.Identifier(t.column)
    with src.connect() as conn:
        cols = [
            r[0]
            for r in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass "
                "AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                (f'"{t.schema}"."{t.name}"',),
            ).fetchall()
            if r[0] != t.column
        ]
        query = sql.SQL("SELECT {}, ST_AsBinary({}) FROM {}").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in cols) if cols else sql.SQL("NULL"),
            geom,
            ident,
        )
        args: tuple = ()
        if bbox is not None:
            query += sql.SQL(" WHERE {} && ST_MakeEnvelope(%s, %s, %s, %s, %s)").format(geom)
            args = (*map(float, bbox), t.srid)
        if t.pk:
            query += sql.SQL(" ORDER BY {}").format(sql.Identifier(t.pk))
        try:
            with conn.cursor(binary=True) as cur:
                cur.execute(query, args)
                rows = cur.fetchall()
        except psycopg.Error as exc:
            msg = " ".join(str(exc).split())[:240]
            raise LayerReadError(f"{src.spec}: cannot be read ({msg})") from None
    n = len(rows)
    data = {c: [r[i] for r in rows] for i, c in enumerate(cols)} if cols else {}
    wkb = np.array([r[-1] for r in rows], dtype=object)
    frame = pd.DataFrame(data, index=pd.RangeIndex(n))
    for c in frame.columns:  # numeric(…) arrives as Decimal: measure with floats
        if frame[c].map(lambda v: v.__class__.__name__ == "Decimal").any():
            frame[c] = pd.to_numeric(frame[c], errors="coerce")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        geoms = shapely.from_wkb(wkb, on_invalid="ignore") if n else np.empty(0, dtype=object)
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)
    if t.pk and t.pk in gdf.columns:
        fids = gdf[t.pk].to_numpy(dtype=np.int64)
        gdf = gdf.drop(columns=[t.pk])
    else:
        fids = np.arange(n, dtype=np.int64)
    return gdf, fids


def laundered(gdf: gpd.GeoDataFrame) -> bool:
    """Every attribute name lower-case ASCII, as ogr2ogr and shp2pgsql write them."""
    names = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    return bool(names) and all(n.isascii() and n == n.lower() for n in names)


def upper_fields(gdf: gpd.GeoDataFrame) -> dict[str, str]:
    """Renaming of the attribute columns to upper case (DLBM, XZQMC: the standard names).

    Examples
    --------
    >>> from shapely import box
    >>> upper_fields(gpd.GeoDataFrame({"dlbm": ["0101"]}, geometry=[box(0, 0, 1, 1)]))
    {'dlbm': 'DLBM'}
    """
    return {c: str(c).upper() for c in gdf.columns if c != gdf.geometry.name}


def redact(text: str) -> str:
    """``text`` with passwords in URLs and ``password=`` pairs replaced by ``***``.

    Examples
    --------
    >>> redact("postgresql://me:secret@h/db and PG:password=secret dbname=x")
    'postgresql://me:***@h/db and PG:password=*** dbname=x'
    """
    return _redact(text)


def spec_for(src: PgSource, name: str) -> str:
    """A password-free spec for table ``name`` of the database ``src``."""
    return src.with_table(name).spec
