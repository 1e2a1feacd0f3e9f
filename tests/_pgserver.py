"""A throwaway PostgreSQL + PostGIS server for the tests (Debian's postgresql-15-postgis-3).

``PgServer.start()`` runs ``initdb`` in a fresh temporary folder, starts ``postgres`` on a
free port of 127.0.0.1 (its unix socket in the same folder), creates a password-protected
role ``ecospace`` and a database with ``CREATE EXTENSION postgis``; ``stop()`` ends that
server (by its own pid, through ``pg_ctl``) and removes the folder.  As root the server
runs as the ``postgres`` user the Debian package creates (initdb refuses root).

Layers are loaded with psycopg and WKB, independently of ecospace's reader, the way
``ogr2ogr -f PostgreSQL`` writes them: lower-case table names, the source FID in the
integer primary key ``ogc_fid``, the geometry in ``wkb_geometry`` with a GiST index.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

USER = "ecospace"
PASSWORD = "s3cret-Pa55word"
DB = "province"


def pg_bin() -> Path | None:
    """The folder of Debian's PostgreSQL binaries, if the server is installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found or not glob.glob("/usr/share/postgresql/*/extension/postgis.control"):
        return None
    return Path(found[-1]).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    folder: Path
    port: int
    bin: Path

    @property
    def url(self) -> str:
        """URL with the password in it (the form a user may type)."""
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{DB}"

    @property
    def url_nopw(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{DB}"

    def _run(self, args: list[str]) -> None:
        if os.geteuid() == 0:
            args = ["runuser", "-u", "postgres", "--", *args]
        subprocess.run(args, check=True, capture_output=True, timeout=120)

    @classmethod
    def start(cls) -> PgServer:
        binary = pg_bin()
        if binary is None:
            raise RuntimeError(
                "PostgreSQL/PostGIS is not installed: run scripts/install-system-deps.sh"
            )
        folder = Path(tempfile.mkdtemp(prefix="ecospace-pg-"))
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        srv = cls(folder, free_port(), binary)
        pwfile = folder / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if os.geteuid() == 0:
            shutil.chown(pwfile, "postgres", "postgres")
        srv._run(
            [
                str(binary / "initdb"),
                "-D",
                str(folder / "data"),
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
                "--locale=C",
            ]
        )
        opts = (
            f"-p {srv.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={folder} -c fsync=off -c shared_buffers=64MB"
        )
        srv._run(
            [
                str(binary / "pg_ctl"),
                "-D",
                str(folder / "data"),
                "-o",
                opts,
                "-w",
                "start",
                "-l",
                str(folder / "log"),
            ]
        )
        srv.sql(f"CREATE ROLE {USER} LOGIN SUPERUSER PASSWORD '{PASSWORD}'", db="postgres")
        srv.sql(f"CREATE DATABASE {DB} OWNER {USER}", db="postgres")
        srv.sql("CREATE EXTENSION postgis")
        return srv

    def connect(self, db: str = DB):
        import psycopg

        return psycopg.connect(
            host=str(self.folder), port=self.port, user="postgres", dbname=db, autocommit=True
        )

    def sql(self, query: str, params=None, db: str = DB) -> list[tuple]:
        with self.connect(db) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []

    def stop(self) -> None:
        try:
            self._run(
                [str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "stop"]
            )
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def load(self, gdf, table: str, *, fids=None, srid: int | None = None) -> None:
        """Write ``gdf`` as ``table`` (``schema.name``): ogc_fid, attributes, wkb_geometry."""
        from psycopg import sql

        schema, _, name = table.rpartition(".")
        schema = schema or "public"
        srid = srid if srid is not None else (gdf.crs.to_epsg() if gdf.crs else 0)
        cols = [c for c in gdf.columns if c != gdf.geometry.name]
        types = {c: _pg_type(gdf[c]) for c in cols}
        ident = sql.Identifier(schema, name)
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            conn.execute(
                sql.SQL(
                    "CREATE TABLE {} (ogc_fid integer PRIMARY KEY, {}, wkb_geometry {})"
                ).format(
                    ident,
                    sql.SQL(", ").join(
                        sql.SQL("{} {}").format(sql.Identifier(c.lower()), sql.SQL(types[c]))
                        for c in cols
                    ),
                    sql.SQL(f"geometry(Geometry, {srid})"),
                )
            )
            fids = np.arange(1, len(gdf) + 1) if fids is None else np.asarray(fids)
            geoms = shapely.set_srid(np.asarray(gdf.geometry.values), srid)
            ewkb = shapely.to_wkb(geoms, hex=True, include_srid=True)
            names = ["ogc_fid", *(c.lower() for c in cols), "wkb_geometry"]
            copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
                ident, sql.SQL(", ").join(sql.Identifier(n) for n in names)
            )
            with conn.cursor() as cur, cur.copy(copy) as cp:
                attrs = pd.DataFrame(gdf[cols]).astype(object)
                attrs = attrs.where(attrs.notna(), None)
                for fid, vals, g in zip(fids, attrs.itertuples(index=False), ewkb, strict=True):
                    cp.write_row([int(fid), *(None if v is None else _py(v) for v in vals), g])
            conn.execute(sql.SQL("CREATE INDEX ON {} USING gist (wkb_geometry)").format(ident))
            conn.execute(sql.SQL("ANALYZE {}").format(ident))


def _pg_type(s: pd.Series) -> str:
    if pd.api.types.is_integer_dtype(s):
        return "bigint"
    if pd.api.types.is_float_dtype(s):
        return "double precision"
    return "text"


def _py(v):
    if isinstance(v, np.generic):
        return v.item()
    return v if isinstance(v, int | float) else str(v)
