"""Choices the library accepts, defined once (the command line builds its options from them).

Light on purpose: no GIS or plotting library is imported, so the CLI can use it at start-up.

Examples
--------
>>> from ecospace.vocabulary import DPI_RANGE, METHODS, PAPER_SIZES
>>> METHODS, list(PAPER_SIZES), DPI_RANGE
(('ellipsoid', 'geodesic', 'planar'), ['A4', 'A3'], (50, 1200))
"""

from __future__ import annotations

__all__ = ["DPI_RANGE", "METHODS", "ORIENTATIONS", "PAPER_SIZES"]

#: Area methods: the official ellipsoidal area, GeographicLib geodesic area, planar area.
METHODS: tuple[str, ...] = ("ellipsoid", "geodesic", "planar")

#: Paper sizes of the map annex in inches, portrait (ISO 216: A4 210 × 297 mm, A3 297 × 420 mm).
PAPER_SIZES: dict[str, tuple[float, float]] = {
    "A4": (210 / 25.4, 297 / 25.4),
    "A3": (297 / 25.4, 420 / 25.4),
}

#: Page orientations of the map annex (``auto`` turns the page to the county's shape).
ORIENTATIONS: tuple[str, ...] = ("auto", "portrait", "landscape")

#: Resolutions (dots per inch) accepted for annex pages: screen to fine print; an A3 page
#: at 1200 dpi is already ~280 megapixels.
DPI_RANGE: tuple[int, int] = (50, 1200)
