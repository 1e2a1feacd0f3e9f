"""Fixtures shared by several test modules: a real PostGIS server loaded with the demo county,
a real Dask cluster of two worker processes, and a count of the PostGIS reads of this process."""

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


@pytest.fixture(scope="module")
def cluster():
    """A real ``dask.distributed`` cluster on 127.0.0.1: two worker processes, one thread
    each, a free dashboard port (two runs on one machine do not collide)."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
    ) as c:
        yield c


@pytest.fixture
def client_reads(monkeypatch):
    """Every PostGIS read made in THIS process: (table, box or None, rows).

    The workers are other processes: their reads do not pass through here."""
    from ecospace.loading import _postgis

    calls = []
    real = _postgis.read_table

    def counted(src, table, crs, box=None):
        gdf, fids = real(src, table, crs, box)
        calls.append((table.name.lower(), box, len(gdf)))
        return gdf, fids

    monkeypatch.setattr(_postgis, "read_table", counted)
    return calls
