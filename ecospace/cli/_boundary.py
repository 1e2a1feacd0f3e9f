"""The command line's boundary with the outside world (private helper of the CLI).

* :func:`error_message` — any exception as the one line printed after ``Error:``;
* :func:`clean_terminal` — standard output and error stripped of control characters
  for the length of a command, whatever prints (tables, logs, warnings);
* :class:`PositiveFinite`, :class:`NonNegativeFinite` — number options checked by click;
* :func:`input_paths` — the files a command reads, so that no output replaces one.
"""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import click

from ecospace._escape import terminal_text
from ecospace.errors import EcospaceError

__all__ = [
    "NonNegativeFinite",
    "PositiveFinite",
    "clean_terminal",
    "error_message",
    "input_paths",
]


def _one_line(text: str) -> str:
    return " ".join(terminal_text(text).split()) if "\n" in text else terminal_text(text)


def error_message(exc: BaseException) -> str:
    """The message printed after ``Error:`` for ``exc``: what went wrong and what to do.

    ecospace's own errors keep their message (it names the file, layer or figure);
    anything else is named by its type and kept to one line.

    Examples
    --------
    >>> error_message(PermissionError(13, "Permission denied", "out/report.md"))
    'cannot write or read out/report.md: Permission denied (PermissionError)'
    >>> print(error_message(RecursionError("maximum recursion depth exceeded")))
    the input is nested too deeply (RecursionError: maximum recursion depth exceeded); ...
    """
    if isinstance(exc, EcospaceError):
        return terminal_text(str(exc))
    if isinstance(exc, MemoryError):
        return (
            "out of memory (MemoryError); the input is too large for this machine: check that "
            "it is the file you meant, or run on a machine with more memory"
        )
    if isinstance(exc, RecursionError):
        return (
            f"the input is nested too deeply (RecursionError: {exc}); check the file's "
            "structure (a plan file is a mapping of figures, a few levels deep)"
        )
    if isinstance(exc, OSError) and exc.filename is not None:
        names = " and ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None)
        why = exc.strerror or str(exc)
        return _one_line(f"cannot write or read {names}: {why} ({type(exc).__name__})")
    text = str(exc) or "no message"
    kind = type(exc).__qualname__
    if type(exc).__module__ != "builtins":
        kind = f"{type(exc).__module__}.{kind}"
    return _one_line(
        f"{kind}: {text} (unexpected; run `ecospace -v ...` for the traceback and report it)"
    )


class _CleanStream:
    """A text stream that drops control characters before writing (see :func:`clean_terminal`).

    ``buffer`` is not offered, so click cannot bypass the cleaning by writing bytes.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(terminal_text(text) if isinstance(text, str) else text)
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        if name == "buffer":
            raise AttributeError(name)
        return getattr(self._stream, name)


@contextlib.contextmanager
def clean_terminal() -> Iterator[None]:
    """Strip control characters (ESC, BEL, CR, bidi overrides…) from everything printed.

    Data (plan labels, township names, field values) reaches the terminal through tables,
    log messages and warnings; cleaning the streams covers them all.

    Examples
    --------
    >>> import io
    >>> out, sys.stdout = sys.stdout, io.StringIO()
    >>> with clean_terminal():
    ...     print("乡\\x1b[31m镇\\x07")
    >>> printed, sys.stdout = sys.stdout.getvalue(), out
    >>> printed
    '乡[31m镇\\n'
    """
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _CleanStream(sys.stdout), _CleanStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


class PositiveFinite(click.ParamType):
    """A number > 0 that is finite (refuses 0, negatives, ``nan``, ``inf``).

    Examples
    --------
    >>> PositiveFinite().convert("751200", None, None)
    751200.0
    """

    name = "number"

    def __init__(self, what: str = "a positive number") -> None:
        self.what = what

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number; give {self.what}", param, ctx)
        if not math.isfinite(number) or not self._accepts(number):
            self.fail(f"{value!r} is not allowed; give {self.what}", param, ctx)
        return number

    @staticmethod
    def _accepts(number: float) -> bool:
        return number > 0


class NonNegativeFinite(PositiveFinite):
    """A number ≥ 0 that is finite (refuses negatives, ``nan``, ``inf``).

    Examples
    --------
    >>> NonNegativeFinite().convert("0", None, None)
    0.0
    """

    @staticmethod
    def _accepts(number: float) -> bool:
        return number >= 0


def input_paths(items: Iterable[str | Path]) -> list[Path]:
    """The files and folders read for ``items`` (``PATH[:LAYER]`` sources, plan files).

    A plan file contributes itself and the layer sources it names.

    Examples
    --------
    >>> input_paths(["no/such.gpkg:STBHHX"])
    [PosixPath('no/such.gpkg:STBHHX')]
    """
    from ecospace.loading._sources import split_spec

    paths: list[Path] = []
    for item in items:
        text = str(item)
        if text.lower().endswith((".yaml", ".yml")) and Path(text).is_file():
            from ecospace.plan.model import load_plan

            paths.append(Path(text))
            paths += [Path(split_spec(src)[0]) for src, _ in load_plan(text).layer_sources()]
        else:
            paths.append(Path(split_spec(text)[0]))
    return paths
