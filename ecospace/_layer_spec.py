"""The one parser of a layer source, ``PATH[:LAYER]``, for files and databases alike.

A source names a file or folder and, after a colon, one of its layers
(``demo.gpkg:STBHHX``), or a PostgreSQL database and one of its tables
(``postgresql://me@host:5432/gis:public.stbhhx``, ``PG:"dbname=gis":public.stbhhx``).
The colon of a URL's scheme or port and a Windows drive letter (``C:\\data\\x.gpkg``)
never separate a layer.  Every place that splits a source — the readers, the command
line, plan files, the PostGIS reader — calls :func:`split_spec`.  No GIS library here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

__all__ = ["is_database", "split_spec"]

_URL = re.compile(r"^postgres(ql)?://", re.IGNORECASE)
#: ``C:\…`` or ``C:/…``: the colon of a drive letter
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
#: the ``:schema.table`` at the end of a ``PG:`` keyword string
_PG_TABLE = re.compile(r""":([^\s:="']+)$""")


def is_database(spec: object) -> bool:
    """True when ``spec`` names a PostgreSQL database (URL or GDAL ``PG:`` string).

    Examples
    --------
    >>> is_database("postgresql://me@localhost/gis"), is_database("PG:dbname=gis")
    (True, True)
    >>> is_database("layers/demo.gpkg"), is_database(r"C:\\layers\\demo.gpkg")
    (False, False)
    """
    s = str(spec)
    return bool(_URL.match(s)) or s[:3].upper() == "PG:"


def _split_database(s: str) -> tuple[str, str | None]:
    if s[:3].upper() == "PG:":
        m = _PG_TABLE.search(s)
        if m and len(s[: m.start()]) > 3:
            return s[: m.start()], m.group(1)
        return s, None
    try:
        u = urlsplit(s)
    except ValueError:  # a broken URL: the database reader says what is wrong with it
        return s, None
    db, sep, table = u.path.partition(":")  # the path, after host:port, is /db[:table]
    if not sep:
        return s, None
    return urlunsplit(u._replace(path=db)), table or None


def split_spec(
    spec: object,
    *,
    exists: Callable[[str], bool] = os.path.exists,
    guess: bool = False,
) -> tuple[str, str | None]:
    """Split a source ``PATH[:LAYER]`` into its path and layer name (None: every layer).

    For a file or folder the split is on the LAST colon, and only where it can be meant:
    not when the whole ``spec`` exists (a path that itself holds a colon), not at the
    colon of a Windows drive letter, not when the part after it holds a ``/`` or ``\\``
    (then it is part of a path), and only when the part before it exists.  A database
    URL is split only in its path (``/db:schema.table``), never at the colon of its
    scheme, password or port; a ``PG:`` string at a trailing ``:schema.table``.

    Parameters
    ----------
    spec : str or path
        The source as the user wrote it.
    exists : callable, default os.path.exists
        Whether a path exists (a plan resolves its paths against the plan's folder).
    guess : bool, default False
        When neither the whole spec nor the part before the last colon exists, split
        anyway (a plan may name files not delivered yet); by default the whole spec is
        the path, and the reader reports it missing.

    Returns
    -------
    (str, str or None)
        The path (or database) and the layer (or ``schema.table``).

    Examples
    --------
    >>> split_spec("no/such/file.gpkg"), split_spec("no/such/file.gpkg:STBHHX", guess=True)
    (('no/such/file.gpkg', None), ('no/such/file.gpkg', 'STBHHX'))
    >>> on_disk = {r"C:\\data\\demo.gpkg"}.__contains__  # as on Windows
    >>> split_spec(r"C:\\data\\demo.gpkg:STBHHX", exists=on_disk)
    ('C:\\\\data\\\\demo.gpkg', 'STBHHX')
    >>> split_spec(r"C:\\data\\demo.gpkg", exists=on_disk)
    ('C:\\\\data\\\\demo.gpkg', None)
    >>> split_spec("postgresql://me:pw@db.example:5433/gis:public.stbhhx")
    ('postgresql://me:pw@db.example:5433/gis', 'public.stbhhx')
    >>> split_spec("postgresql://me@db.example:5433/gis?table=public.stbhhx")
    ('postgresql://me@db.example:5433/gis?table=public.stbhhx', None)
    >>> split_spec("PG:dbname=gis host=localhost port=5432:public.zrbhd")
    ('PG:dbname=gis host=localhost port=5432', 'public.zrbhd')
    """
    s = str(spec)
    if is_database(s):
        return _split_database(s)
    if ":" not in s or exists(s):
        return s, None
    drive = 2 if _DRIVE.match(s) else 0
    left, sep, right = s[drive:].rpartition(":")
    left = s[:drive] + left
    if not sep or len(left) <= drive or "/" in right or "\\" in right:
        return s, None
    if exists(left) or guess:
        return left, right or None
    return s, None
