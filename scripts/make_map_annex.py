#!/usr/bin/env python3
"""Batch maps and annexes: one offline HTML map and one PDF annex per plan file or source.

    python scripts/make_map_annex.py plans/*.yaml --out maps/ [--paper A3] [--overwrite]

Each PLAN.yaml gives ``OUT/NAME.html`` and ``OUT/NAME_annex.pdf`` (NAME = the file's stem);
a plain source (``layers/x.gpkg``) is mapped on its own the same way.  A failing input is
reported and the batch goes on; the exit status is 1 when any input failed.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ecospace import EcospaceError
from ecospace.measuring.county import County
from ecospace.rendering.annex import make_annex
from ecospace.rendering.maps import make_map, save_map

log = logging.getLogger("ecospace")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inputs", nargs="+", help="PLAN.yaml files or layer sources")
    ap.add_argument("--out", type=Path, default=Path("maps"), help="output folder [maps]")
    ap.add_argument("--paper", choices=["A4", "A3"], default="A4")
    ap.add_argument("--basemap", choices=["none", "tianditu", "osm"], default="none")
    ap.add_argument("--no-annex", action="store_true", help="HTML maps only")
    ap.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")

    failed = 0
    for item in args.inputs:
        stem = Path(item.split(":")[0] if not Path(item).exists() else item).stem
        try:
            data = County.from_inputs([item])
            if not data.layers:
                raise EcospaceError(f"{item}: no layer with a known role")
            m = make_map(
                data.layers,
                conflicts=data.conflicts,
                title=data.title,
                basemap=args.basemap,
                method=data.method,
            )
            written = [save_map(m, args.out / f"{stem}.html", overwrite=args.overwrite)]
            if not args.no_annex:
                written += make_annex(
                    data.layers,
                    args.out / f"{stem}_annex.pdf",
                    conflicts=data.conflicts,
                    paper=args.paper,
                    title=data.title,
                    sources=data.sources,
                    overwrite=args.overwrite,
                )
        except EcospaceError as exc:
            failed += 1
            log.error("%s: %s", item, exc)
            continue
        for path in written:
            print(path)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
