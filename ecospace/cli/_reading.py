"""``--crs``, ``--role`` and ``--scheduler`` as the readers and the County take them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ecospace.geometry.crs import parse_crs_option
from ecospace.loading._roles import _check_role
from ecospace.loading.layers import _parse_role_option, split_spec

if TYPE_CHECKING:
    import distributed


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


def _dask_client(address: str | None) -> distributed.Client | None:
    """A ``distributed.Client`` on ``address`` (None for none), closed when the command ends;
    a usage error naming the address when it cannot connect."""
    if address is None:
        return None
    # distributed costs every command ~0.3 s to import: only when a cluster is asked for,
    # as the partitioned engine does
    from distributed import Client

    if not address.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise click.BadParameter(
            f"{address!r}: write the scheduler's address as tcp://HOST:PORT",
            param_hint="--scheduler",
        )
    try:
        client = Client(address, timeout=10)
    except (OSError, TimeoutError) as exc:
        raise click.BadParameter(
            f"{address}: no dask scheduler answers there ({type(exc).__name__}); start one "
            "(dask scheduler) or check the address",
            param_hint="--scheduler",
        ) from None
    # the client lives as long as the command: figures are measured when first asked for
    click.get_current_context().call_on_close(client.close)
    return client
