"""``--to-postgis`` of the measuring commands and ``check``: the line saying what was written."""

from __future__ import annotations

import click

from ecospace.rendering.database import postgis_target


def say_written(written: list[str], url: str | None, lang: str) -> None:
    """One line on standard error: how many tables went into which schema (no password)."""
    if not written:
        return
    src, schema = postgis_target(url)
    where = f"{src.label} {schema}"
    text = (
        f"已写入 {len(written)} 张表到 {where}"
        if lang == "zh"
        else f"{len(written)} tables written into {where}"
    )
    click.echo(text, err=True)
