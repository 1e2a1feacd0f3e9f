"""The parts of a shapefile agree with each other: one record per feature in each.

A shapefile is three files that must describe the same features: ``.shp`` (geometries),
``.shx`` (where each geometry starts) and ``.dbf`` (attributes).  When one of them was
copied from another version, or cut short, GDAL pairs geometries with the wrong
attributes or skips features without an error — a layer then measures −64 % of its
area with exit status 0.  :func:`check_parts` compares the record counts from the file
headers (and the ``.shp`` length against the ``.shx`` index) before anything is read,
and refuses a mismatch with a message naming the files.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from ecospace._limits import refuse_special_file
from ecospace.errors import LayerReadError

__all__ = ["check_parts", "record_counts"]

_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def _part(shp: Path, ext: str) -> Path | None:
    for cand in (shp.with_suffix(ext), shp.with_suffix(ext.upper())):
        if cand.exists():
            return cand
    return None


def record_counts(shp: str | os.PathLike) -> dict[str, int]:
    """Records in each part, from the headers: ``{".shx": n, ".dbf": n, ".shp": n}``.

    ``.shx`` holds one 8-byte entry per record after its 100-byte header; ``.dbf`` states
    its record count in bytes 4–7; the ``.shp`` count is the number of ``.shx`` entries
    whose records lie inside the ``.shp`` file, or -1 when the ``.shp`` is longer than
    its last record (records the index does not know).  A part that is absent is left
    out.

    Examples
    --------
    >>> record_counts("missing.shp")
    {}
    """
    shp = Path(shp)
    out: dict[str, int] = {}
    shx, dbf = _part(shp, ".shx"), _part(shp, ".dbf")
    if shx is not None:
        index = np.frombuffer(shx.read_bytes()[100:], dtype=">i4")
        index = index[: len(index) // 2 * 2].reshape(-1, 2)
        out[".shx"] = len(index)
        if shp.exists():
            size = shp.stat().st_size
            ends = (index[:, 0].astype(np.int64) + index[:, 1] + 4) * 2  # 16-bit words
            inside = int((ends <= size).sum())
            last = int(ends.max()) if len(ends) else 100
            out[".shp"] = inside if inside < len(index) or last == size else -1
    if dbf is not None:
        with open(dbf, "rb") as f:
            head = f.read(8)
        if len(head) == 8:
            out[".dbf"] = struct.unpack("<I", head[4:8])[0]
    return out


def check_parts(shp: str | os.PathLike, label: str, stem: str | None = None) -> None:
    """Refuse a shapefile whose parts are special files or disagree on the number of records.

    ``stem`` names the parts in the message when ``shp`` is a renamed copy (a member of a
    zip extracted as ``layer.shp``).

    Raises
    ------
    LayerReadError
        Naming the parts and their counts, and what to do.

    Examples
    --------
    >>> check_parts("missing.shp", "missing.shp")  # nothing to compare
    """
    shp = Path(shp)
    stem = stem or shp.stem
    for ext in _PARTS:
        part = _part(shp, ext)
        if part is not None:
            refuse_special_file(part, "shapefile part", LayerReadError)
    counts = record_counts(shp)
    if counts.get(".shp") == -1:
        raise LayerReadError(
            f"{label}: {stem}.shp is longer than its index {stem}.shx says (records the "
            f"index does not list); the parts come from different exports — export the "
            f"shapefile again and copy .shp, .shx and .dbf together"
        )
    distinct = set(counts.values())
    if len(distinct) > 1:
        listed = ", ".join(f"{stem}{ext} {n:,}" for ext, n in counts.items())
        raise LayerReadError(
            f"{label}: the shapefile's parts disagree on the number of features ({listed} "
            f"records); they come from different exports or one was cut short — export the "
            f"shapefile again and copy .shp, .shx and .dbf together"
        )
