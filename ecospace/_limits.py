"""Limits checked before work: what an input may be before ecospace opens or uses it.

A hostile or broken input must end in a clear error, not in a hang, a traceback or an
answer said with confidence.  The checks here run *before* the work they protect:

- a layer or plan path must be a regular file or a folder — a FIFO waits forever for a
  writer, a device never ends (:func:`refuse_special_file`, on ``os.stat`` only, which
  never blocks);
- a plan file has a size bound (:data:`MAX_PLAN_BYTES`), and its YAML a bound on nesting
  depth and on what aliases may add (:data:`MAX_YAML_DEPTH`, :data:`MAX_ALIAS_NODES`, see
  :func:`check_yaml_node`) — the "billion laughs" alias bomb is refused before it is built;
- a denominator must be a positive finite area (:func:`check_denominator`);
- values echoed in error messages are clipped (:func:`clip`), so a 50 MB value never becomes
  a 50 MB message.
"""

from __future__ import annotations

import math
import os
import stat
from typing import Any

import yaml

from ecospace.errors import EcospaceError, ValueRangeError

__all__ = [
    "MAX_ALIAS_NODES",
    "MAX_PLAN_BYTES",
    "MAX_YAML_DEPTH",
    "BoundedLoader",
    "check_denominator",
    "check_yaml_node",
    "clip",
    "load_yaml",
    "refuse_special_file",
]

#: Largest plan file read (bytes).  The longest real plan files hold a few hundred figures
#: in well under 1 MB.
MAX_PLAN_BYTES = 5 * 2**20
#: Deepest nesting of mappings and lists in a plan file (a plan needs 4).
MAX_YAML_DEPTH = 64
#: Most nodes aliases (``*name``) may add to a plan file when expanded.
MAX_ALIAS_NODES = 10_000
#: Characters of a bad value echoed in a message.
CLIP_CHARS = 80

_SPECIAL = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def clip(text: Any, limit: int = CLIP_CHARS) -> str:
    """``text`` (``str()`` of it) cut to ``limit`` characters, saying how long it was.

    Examples
    --------
    >>> clip("x" * 1000, 10)
    'xxxxxxxxxx… (1,000 characters)'
    >>> clip("short")
    'short'
    """
    s = text if isinstance(text, str) else str(text)
    if len(s) <= limit:
        return s
    return f"{s[:limit]}… ({len(s):,} characters)"


def refuse_special_file(
    path: str | os.PathLike, what: str, error: type[EcospaceError] = EcospaceError
) -> None:
    """Raise ``error`` when ``path`` is a FIFO, device or socket (checked without opening it).

    A missing path passes (the caller reports it in its own words).

    Parameters
    ----------
    path : str or path-like
    what : str
        What the path was given as, for the message ("layer", "plan file" …).
    error : EcospaceError subclass
        The error to raise (``LayerReadError``, ``PlanError`` …).

    Examples
    --------
    >>> refuse_special_file("/dev/null", "plan file")
    Traceback (most recent call last):
    ...
    ecospace.errors.EcospaceError: /dev/null: is a character device, not a plan file; ...
    """
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return
    for test, name in _SPECIAL:
        if test(mode):
            raise error(
                f"{os.fsdecode(path)}: is {name}, not a {what}; reading it could wait forever "
                f"or never end — give a regular file (copy the data to a file first)"
            )


def check_denominator(value: float | None, what: str = "denominator_m2") -> float | None:
    """``value`` as a float when it is a positive finite area; None stays None.

    Raises
    ------
    ValueRangeError
        For 0, a negative number, NaN or infinity: a share divided by it would be
        meaningless (−4 480 %, inf %, nan %).

    Examples
    --------
    >>> check_denominator(7.5e9), check_denominator(None)
    (7500000000.0, None)
    >>> check_denominator(-5)
    Traceback (most recent call last):
    ...
    ecospace.errors.ValueRangeError: denominator_m2 must be a positive finite area, got -5; ...
    """
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        v = math.nan
    if not (math.isfinite(v) and v > 0):
        raise ValueRangeError(
            f"{what} must be a positive finite area, got {clip(repr(value))}; give the "
            f"region's total area (a share of 0, a negative or an infinite total means nothing)"
        )
    return v


def check_yaml_node(node: Any, where: str, error: type[EcospaceError] = ValueRangeError) -> None:
    """Refuse a composed YAML document whose aliases would expand it too much.

    ``node`` is the root node from ``yaml.compose`` (aliases are shared node objects).
    The document is counted as written (each node once) and as expanded (each alias as
    the whole subtree it points at), without expanding anything.

    Raises
    ------
    ValueRangeError (or ``error``)
        When aliases add more than :data:`MAX_ALIAS_NODES` nodes, or an alias refers to
        a node that contains it (a document that never ends).

    Examples
    --------
    >>> import yaml
    >>> bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\\n" + "".join(
    ...     f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\\n"
    ...     for p, c in zip("abcde", "bcdef"))
    >>> check_yaml_node(yaml.compose(bomb), "bomb.yaml")
    Traceback (most recent call last):
    ...
    ecospace.errors.ValueRangeError: bomb.yaml: aliases (*name) expand this plan file to ...
    """
    expanded: dict[int, int] = {}
    written: set[int] = set()
    visiting: set[int] = set()
    # iterative post-order walk: the depth bound is the composer's, but never recurse here
    stack: list[tuple[Any, bool]] = [(node, False)]
    while stack:
        n, done = stack.pop()
        key = id(n)
        children = _children(n)
        if done:
            expanded[key] = 1 + sum(expanded[id(c)] for c in children)
            visiting.discard(key)
            continue
        if key in expanded:
            continue
        if key in visiting:
            raise error(
                f"{where}: an alias (*name) refers to a value that contains it, so the "
                f"document never ends; write the value out instead"
            )
        visiting.add(key)
        written.add(key)
        stack.append((n, True))
        stack.extend((c, False) for c in children if id(c) not in expanded)
    total = expanded[id(node)]
    if total - len(written) > MAX_ALIAS_NODES:
        raise error(
            f"{where}: aliases (*name) expand this plan file to {total:,} values from "
            f"{len(written):,} written; at most {MAX_ALIAS_NODES:,} may come from aliases — "
            f"write the figures out instead of repeating them through aliases"
        )


def _children(node: Any) -> list[Any]:
    value = getattr(node, "value", None)
    if not isinstance(value, list):
        return []
    out = []
    for item in value:
        out.extend(item if isinstance(item, tuple) else (item,))
    return out


class BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses nesting deeper than :data:`MAX_YAML_DEPTH` while composing.

    PyYAML composes recursively: 10 000 ``[`` would end in a RecursionError.  ``error``
    is the exception raised (a subclass sets its own, e.g. ``PlanError``).
    """

    error: type[EcospaceError] = ValueRangeError

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark
                raise self.error(
                    f"line {mark.line + 1}: values nested deeper than {MAX_YAML_DEPTH} levels"
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(text: str, where: str, loader: type[BoundedLoader] = BoundedLoader) -> Any:
    """Parse YAML with the depth bound of ``loader`` and the alias bound of
    :func:`check_yaml_node`; None for an empty document.

    Examples
    --------
    >>> load_yaml("a: [1, 2]", "x.yaml")
    {'a': [1, 2]}
    >>> load_yaml("[" * 100 + "]" * 100, "x.yaml")
    Traceback (most recent call last):
    ...
    ecospace.errors.ValueRangeError: line 1: values nested deeper than 64 levels
    """
    ldr = loader(text)
    try:
        node = ldr.get_single_node()
        if node is None:
            return None
        check_yaml_node(node, where, loader.error)
        return ldr.construct_document(node)
    finally:
        ldr.dispose()
