"""Sources of layers: ``PATH[:LAYER]``, the layers a source holds and the one to read.

A source is a GeoPackage, a ``.gdb`` folder, a shapefile, a folder of shapefiles, a
``.zip``, GeoJSON or GeoParquet.  Its files (kinds, zips, GBK names) are handled in
:mod:`ecospace.loading._source_files`; reading one layer as GDAL gives it in
:mod:`ecospace.loading._raw_layer`.  Both are re-exported here, the one place the
loading stage imports its sources from.
"""

from __future__ import annotations

import warnings
from contextlib import ExitStack
from pathlib import Path

from ecospace._layer_spec import split_spec  # the one PATH[:LAYER] parser, re-exported
from ecospace.errors import LayerNotFoundError, LayerReadError
from ecospace.loading._raw_layer import RawLayer, read_raw
from ecospace.loading._roles import role_of
from ecospace.loading._source_files import (
    check_exists,
    display_path,
    folder_sources,
    gdal_path,
    open_zip,
    reader_error,
    shp_files,
    source_kind,
    unzipped,
    zip_shps,
)

__all__ = [
    "RawLayer",
    "check_exists",
    "display_path",
    "folder_sources",
    "gdal_path",
    "list_layers",
    "open_zip",
    "pick_layer",
    "read_raw",
    "split_spec",
]


def list_layers(source: str) -> list[str]:
    """Names of the layers in a source (file, ``.gdb`` folder, shapefile folder, ``.zip``).

    Examples
    --------
    >>> list_layers("no/such.gpkg")
    Traceback (most recent call last):
    ...
    ecospace.errors.LayerReadError: no/such.gpkg: no such file or folder; ...
    """
    import pyogrio

    p = check_exists(str(source))
    kind = source_kind(p)
    if kind == "shpdir":
        shps = shp_files(p)
        if not shps and not folder_sources(p):
            raise LayerReadError(
                f"{source}: the folder holds no shapefiles (.shp), GeoPackages or .gdb folders "
                f"and is not a .gdb; give a file or a folder of layers"
            )
        return [f.stem for f in shps]
    if kind in ("shp", "parquet"):
        return [p.stem]
    if kind == "zip":
        shps = zip_shps(p)
        if shps:
            return [Path(n).stem for n in shps]
    with ExitStack() as stack:
        gp = gdal_path(p, stack)
        open_path = stack.enter_context(unzipped(gp)) if kind == "zip" else str(gp)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return [str(n) for n in pyogrio.list_layers(open_path)[:, 0]]
        except Exception as exc:  # any GDAL failure becomes a message a person can act on
            raise reader_error(source, None, exc) from exc


def pick_layer(source: str, names: list[str], layer: str | None, role: str | None, aliases):
    """The layer of ``names`` to read: the one named, the only one, or the one ``role`` names."""
    if layer is not None:
        if layer in names:
            return layer
        folded = {n.casefold(): n for n in names}
        if layer.casefold() in folded:
            return folded[layer.casefold()]
        raise LayerNotFoundError(
            f"{source}: no layer {layer!r}; the source holds: {', '.join(names) or 'nothing'}"
        )
    if len(names) == 1:
        return names[0]
    if role is not None:
        hits = [n for n in names if role_of(n, aliases) == role]
        if len(hits) == 1:
            return hits[0]
    raise LayerReadError(
        f"{source}: holds {len(names)} layers ({', '.join(names)}); name one as {source}:LAYER"
    )
