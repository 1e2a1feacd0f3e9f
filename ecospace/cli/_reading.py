"""``--crs`` and ``--role`` as the layer readers take them (commands that read layers)."""

from __future__ import annotations

from pathlib import Path

from ecospace.geometry.crs import parse_crs_option
from ecospace.loading._roles import _check_role
from ecospace.loading.layers import _parse_role_option, split_spec


def _layer_options(crs: tuple[str, ...], roles: tuple[str, ...]) -> dict:
    """``--crs`` and ``--role`` values as keyword arguments of the layer readers."""

    default, per_layer = parse_crs_option(crs)
    return {"crs": default, "crss": per_layer or None, "roles": _parse_role_option(roles) or None}


def _single_layer_options(spec: str, crs: tuple[str, ...], roles: tuple[str, ...]):
    """``--crs`` and ``--role`` of a command reading one layer: (CRS for all, own CRS, role).

    ``--role ROLE`` alone is the layer's role; ``LAYER=…`` entries count when LAYER is the
    layer's name, its ``PATH:LAYER`` or its path.
    """

    path, layer = split_spec(spec)
    keys = {spec, path, Path(path).stem, *([layer] if layer else [])}
    default, per_layer = parse_crs_option(crs)
    own = next((v for k, v in per_layer.items() if k in keys), None)
    bare = [r for r in roles if "=" not in r]
    role = _check_role(bare[-1], f"--role {bare[-1]}") if bare else None
    for k, v in _parse_role_option([r for r in roles if "=" in r]).items():
        if k in keys:
            role = v
    return default, own, role
