"""The .dbf of a shapefile, read byte by byte: which text encoding, are field names intact.

GDAL trusts a ``.cpg`` and otherwise assumes ISO-8859-1, which turns GBK attributes
into mojibake; and a Chinese field name cut at 10 bytes mid-character makes both pyogrio
and fiona fail with a ``UnicodeDecodeError``.  This module looks at the bytes first.
"""

from __future__ import annotations

import codecs
import os
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: records sampled for the encoding check (enough to meet Chinese text, cheap on big files)
SAMPLE_RECORDS = 100_000

_CPG = {
    "65001": "UTF-8",
    "UTF8": "UTF-8",
    "UTF-8": "UTF-8",
    "936": "GBK",
    "CP936": "GBK",
    "ANSI 936": "GBK",
    "GBK": "GBK",
    "GB2312": "GBK",
    "GB18030": "GB18030",
    "54936": "GB18030",
}


@dataclass
class DbfInfo:
    """What the bytes say: chosen encoding, how it was chosen, field-name problems."""

    encoding: str
    how: str
    raw_names: list[bytes]
    names: list[str]
    mojibake: list[str]  # names that were cut mid-character (as decoded with replacement)


def _header(path: Path):
    with open(path, "rb") as f:
        head = f.read(32)
        if len(head) < 32:
            raise ValueError("truncated .dbf header")
        nrec, hlen, rlen = struct.unpack("<IHH", head[4:12])
        desc = f.read(hlen - 32)
    fields, off = [], 1  # byte 0 of a record is the deletion flag
    for k in range(0, len(desc) - 31, 32):
        d = desc[k : k + 32]
        if d[0] == 0x0D:
            break
        raw = d[:11].split(b"\x00", 1)[0]
        ftype, flen = chr(d[11]), d[16]
        fields.append((raw, ftype, flen, off))
        off += flen
    return nrec, hlen, rlen, fields


def _cpg_encoding(cpg: Path) -> str | None:
    try:
        text = cpg.read_text("ascii", errors="ignore").strip().upper()
    except OSError:
        return None
    if text in _CPG:
        return _CPG[text]
    try:
        return codecs.lookup(text).name.upper()
    except LookupError:
        return None


def _decodes(values: list[bytes], enc: str) -> bool:
    """All values decode strictly, allowing one character cut at the end of a value."""
    for v in values:
        v = v.rstrip(b" \x00")
        try:
            v.decode(enc)
        except UnicodeDecodeError as err:
            if not (err.end >= len(v) and err.start >= len(v) - 3):
                return False
    return True


def _text_values(path: Path, nrec, hlen, rlen, fields) -> list[bytes]:
    """Non-ASCII text values of the first records (vectorised scan, Python only on hits)."""
    n = min(nrec, SAMPLE_RECORDS)
    text_fields = [(off, flen) for _, t, flen, off in fields if t == "C"]
    if n == 0 or not text_fields:
        return []
    with open(path, "rb") as f:
        f.seek(hlen)
        data = f.read(n * rlen)
    n = len(data) // rlen
    rec = np.frombuffer(data[: n * rlen], dtype=np.uint8).reshape(n, rlen)
    out = []
    for off, flen in text_fields:
        block = rec[:, off : off + flen]
        rows = np.flatnonzero((block >= 0x80).any(axis=1))
        out.extend(block[r].tobytes() for r in rows)
    return out


def inspect(shp: str | os.PathLike) -> DbfInfo | None:
    """Encoding and field-name check of the shapefile's .dbf (None when there is no .dbf).

    Examples
    --------
    >>> inspect("missing.shp") is None
    True
    """
    shp = Path(shp)
    dbf = _sidecar(shp, ".dbf")
    if dbf is None:
        return None
    nrec, hlen, rlen, fields = _header(dbf)
    raw_names = [f[0] for f in fields]
    cpg = _sidecar(shp, ".cpg")
    stated = _cpg_encoding(cpg) if cpg is not None else None
    values = _text_values(dbf, nrec, hlen, rlen, fields)
    if stated is not None:
        enc, how = stated, f".cpg says {stated}"
        if values and not _decodes(values, stated):
            other = next((e for e in ("UTF-8", "GBK", "GB18030") if _decodes(values, e)), None)
            if other:
                enc, how = other, f".cpg says {stated} but the text is {other}: read as {other}"
    elif not values:
        enc, how = "UTF-8", "no .cpg; text is ASCII"
    elif _decodes(values, "UTF-8"):
        enc, how = "UTF-8", "no .cpg; text decodes as UTF-8"
    elif _decodes(values, "GBK"):
        enc, how = "GBK", "no .cpg; text is not UTF-8 but decodes as GBK (CP936)"
    elif _decodes(values, "GB18030"):
        enc, how = "GB18030", "no .cpg; text decodes as GB18030"
    else:
        enc, how = "GBK", "no .cpg; text is neither UTF-8 nor GBK: read as GBK, check the text"
    names, bad = [], []
    for raw in raw_names:
        try:
            names.append(raw.decode(enc))
        except UnicodeDecodeError:
            bad.append(raw.decode(enc, errors="replace"))
            names.append(raw.decode(enc, errors="ignore"))
    return DbfInfo(enc, how, raw_names, names, bad)


def _sidecar(shp: Path, ext: str) -> Path | None:
    for cand in (shp.with_suffix(ext), shp.with_suffix(ext.upper())):
        if cand.exists():
            return cand
    return None


def fixed_copy(shp: str | os.PathLike, info: DbfInfo, folder: str | os.PathLike) -> Path:
    """Copy the shapefile into ``folder`` with field names cut mid-character repaired.

    The incomplete trailing character is dropped (``"生态保护\\ufffd"`` → ``"生态保护"``);
    empty or repeated results become ``FIELD_<n>``.  Returns the new .shp path.
    """
    shp, folder = Path(shp), Path(folder)
    for ext in (".shp", ".shx", ".prj", ".cpg"):
        src = _sidecar(shp, ext)
        if src is not None:
            shutil.copyfile(src, folder / f"layer{ext}")
    dbf = _sidecar(shp, ".dbf")
    data = bytearray(dbf.read_bytes())
    seen: set[str] = set()
    for k, name in enumerate(info.names):
        if not name or name in seen:
            name = f"FIELD_{k}"
        seen.add(name)
        raw = name.encode(info.encoding)[:10]
        data[32 + 32 * k : 32 + 32 * k + 11] = raw.ljust(11, b"\x00")
    (folder / "layer.dbf").write_bytes(bytes(data))
    return folder / "layer.shp"
