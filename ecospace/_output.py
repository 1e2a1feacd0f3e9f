"""Refuse to replace output files unless asked: one rule for every writer."""

from __future__ import annotations

from collections.abc import Iterable
from os import PathLike
from pathlib import Path

from ecospace.errors import OutputExistsError


def refuse_overwrite(paths: Iterable[str | PathLike], *, overwrite: bool) -> None:
    """Raise :class:`OutputExistsError` naming every path in ``paths`` that already exists.

    Nothing is raised when ``overwrite`` is true.  Checked before any work starts, so a
    long run never ends by failing to write.

    Examples
    --------
    >>> import tempfile
    >>> here = Path(tempfile.mkdtemp())
    >>> (here / "report.json").write_text("{}")
    2
    >>> try:
    ...     refuse_overwrite([here / "report.json", here / "map.html"], overwrite=False)
    ... except FileExistsError as err:
    ...     print(str(err).replace(str(here), "OUT"))
    OUT/report.json already exists; pass --overwrite (overwrite=True) to replace it, ...
    """
    if overwrite:
        return
    existing = [str(p) for p in map(Path, paths) if p.exists()]
    if existing:
        verb = "already exists" if len(existing) == 1 else "already exist"
        raise OutputExistsError(
            f"{', '.join(existing)} {verb}; pass --overwrite (overwrite=True) to replace "
            f"{'it' if len(existing) == 1 else 'them'}, or write elsewhere"
        )
