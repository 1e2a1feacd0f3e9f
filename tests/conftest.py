"""Fixtures shared by several test modules: a real PostGIS server loaded with the demo county."""

from __future__ import annotations

from pathlib import Path

import pytest
from _pgserver import PgServer

DEMO = Path(__file__).resolve().parent.parent / "layers" / "demo.gpkg"


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL + PostGIS server (initdb in a temporary folder, free port).

    The demo county's layers are loaded as ogr2ogr writes them: lower-case table names in
    ``public``, the GeoPackage FID in ``ogc_fid``, each layer's SRID as in the file.
    """
    import pyogrio

    srv = PgServer.start()
    try:
        for name, _ in pyogrio.list_layers(DEMO):
            gdf = pyogrio.read_dataframe(DEMO, layer=name, fid_as_index=True)
            srv.load(gdf.reset_index(drop=True), f"public.{name.lower()}", fids=gdf.index)
        yield srv
    finally:
        srv.stop()
