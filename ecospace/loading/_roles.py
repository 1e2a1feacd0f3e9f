"""The roles of planning layers and how a layer's name gives its role away (private).

Re-exported by :mod:`ecospace.layers`, which is where callers import them from.  A role is
one of :data:`ROLES`; :func:`role_of` recognises it from a layer name (standard codes such
as ``STBHHX``, Chinese names such as 生态保护红线) and the user can always say otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ecospace.errors import RoleError
from ecospace.vocabulary import CONTROL_LINES, ROLE_LABELS, ROLES  # noqa: F401

#: standard layer codes (DOMAIN.md §1), matched as a whole token of the upper-cased name
_CODES = {
    "STBHHX": "red_line",
    "YJJBNTBHTB": "basic_farmland",
    "JBNTBHTB": "basic_farmland",
    "JBNTTB": "basic_farmland",
    "CZKFBJ": "urban_boundary",
    "CSKFBJ": "urban_boundary",
    "ZRBHD": "protected_area",
    "XZQ": "boundary",
    "DLTB": "land_use",
}
_TOWNSHIP_TOKENS = {"XZ", "XZJ", "XIANGZHEN", "TOWN", "TOWNSHIP", "TOWNSHIPS"}
#: Chinese names, matched as substrings in this order (乡镇 before 行政区); a marine red line
#: layer is no land red line, and no layer role stands for it
_ZH: tuple[tuple[str, str | None], ...] = (
    ("海洋生态保护红线", None),
    ("海洋生态红线", None),
    ("乡镇", "townships"),
    ("街道", "townships"),
    ("生态保护红线", "red_line"),
    ("生态红线", "red_line"),
    ("永久基本农田", "basic_farmland"),
    ("基本农田", "basic_farmland"),
    ("城镇开发边界", "urban_boundary"),
    ("开发边界", "urban_boundary"),
    ("自然保护地", "protected_area"),
    ("保护区", "protected_area"),  # 自然保护区
    ("国家公园", "protected_area"),
    ("自然公园", "protected_area"),
    ("森林公园", "protected_area"),
    ("湿地公园", "protected_area"),
    ("地质公园", "protected_area"),
    ("海洋公园", "protected_area"),
    ("沙漠公园", "protected_area"),
    ("草原公园", "protected_area"),
    ("风景名胜区", "protected_area"),
    ("行政区", "boundary"),
    ("县界", "boundary"),
    ("县域", "boundary"),
    ("地类图斑", "land_use"),
)
_IGNORE = {"none", "ignore", "-", ""}


def _check_role(role: str, what: str) -> str:
    if role not in ROLES:
        raise RoleError(f"{what}: unknown role {role!r}; roles are {', '.join(ROLES)}")
    return role


def role_of(layer_name: str, aliases: Mapping[str, str] | None = None) -> str | None:
    """The role a layer name stands for, or None.

    User ``aliases`` (name -> role, case-insensitive) win; then standard codes as whole
    tokens (``STBHHX``, ``230184STBHHX_2023``; ``XZQ_XZ`` → townships), then Chinese names.

    Examples
    --------
    >>> role_of("YJJBNTBHTB"), role_of("XZQ_XZ"), role_of("五常市生态保护红线")
    ('basic_farmland', 'townships', 'red_line')
    >>> role_of("绿地", aliases={"绿地": "protected_area"})
    'protected_area'
    >>> role_of("海洋生态保护红线") is None  # at sea: not the land red line
    True
    """
    name = re.sub(r"\.shp$", "", str(layer_name), flags=re.IGNORECASE)
    for key, role in (aliases or {}).items():
        if str(key).casefold() in (name.casefold(), str(layer_name).casefold()):
            return (
                None
                if role is None or str(role).lower() in _IGNORE
                else _check_role(role, f"alias {key!r}")
            )
    tokens = [re.sub(r"\d", "", t) for t in re.split(r"[^A-Z0-9]+", name.upper())]
    tokens = [t for t in tokens if t]
    if "XZQ" in tokens and _TOWNSHIP_TOKENS.intersection(tokens):
        return "townships"
    for t in tokens:
        if t in _CODES:
            return _CODES[t]
    if _TOWNSHIP_TOKENS.intersection(tokens) and len(tokens) == 1:
        return "townships"
    for word, role in _ZH:
        if word in name:
            return role
    return None


def _parse_role_option(values: Iterable[str]) -> dict[str, str | None]:
    """``["STBHHX=red_line", "老红线=none"]`` -> mapping (for the CLI)."""
    out: dict[str, str | None] = {}
    for v in values:
        if "=" not in v:
            raise RoleError(f"--role {v!r}: write LAYER=ROLE (roles: {', '.join(ROLES)}, none)")
        k, _, r = v.rpartition("=")
        r = r.strip()
        out[k.strip()] = None if r.lower() in _IGNORE else _check_role(r, f"--role {v}")
    return out
