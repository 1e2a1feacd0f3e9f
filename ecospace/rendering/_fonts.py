"""The CJK font for annex pages: never a reason for a first run to fail.

Order: the font file named by ``ECOSPACE_CJK_FONT``; an installed system family of
:data:`CJK_FAMILIES` (looked up again on disk when matplotlib's cached font list predates
it); the Noto Sans CJK collection that ecospace installs from PyPI (``noto-cjk-sans-otc``,
SIL Open Font License), so a machine with no Chinese font at all still draws Chinese.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import noto_cjk_sans_otc
from matplotlib import font_manager

from ecospace.errors import FontError

__all__ = ["BUNDLED_FONT", "CJK_FAMILIES", "find_cjk_font"]

log = logging.getLogger("ecospace")

#: Font families tried in order when ``ECOSPACE_CJK_FONT`` is not set.
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "Source Han Serif SC",
    "WenQuanYi Zen Hei",
)
#: Noto Sans CJK (Regular, every region in one collection) from the ``noto-cjk-sans-otc``
#: wheel; its Simplified Chinese face is the family "Noto Sans CJK SC".
BUNDLED_FONT: Path | None = Path(str(noto_cjk_sans_otc.FONT_PATH))
_BUNDLED_FAMILY = "Noto Sans CJK SC"


def _installed(family: str) -> bool:
    try:
        font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    except ValueError:
        return False
    return True


def _add_fonts_newer_than_cache() -> int:
    """Register system font files matplotlib's cached list does not know; how many."""
    known = {f.fname for f in font_manager.fontManager.ttflist}
    added = 0
    for path in font_manager.findSystemFonts():
        if path in known:
            continue
        try:
            font_manager.fontManager.addfont(path)
        except (OSError, RuntimeError, ValueError):  # unreadable or not a font: skip it
            continue
        added += 1
    return added


def _system_family() -> str | None:
    for attempt in range(2):
        for family in CJK_FAMILIES:
            if _installed(family):
                return family
        if attempt == 0 and not _add_fonts_newer_than_cache():
            return None
    return None


def find_cjk_font() -> font_manager.FontProperties:
    """The font used for Chinese text on annex pages.

    ``ECOSPACE_CJK_FONT`` (a font file) wins; then the first installed system family of
    :data:`CJK_FAMILIES` — a font installed after matplotlib cached its font list is found
    too; then the Noto Sans CJK collection installed with ecospace (:data:`BUNDLED_FONT`).

    Returns
    -------
    matplotlib.font_manager.FontProperties

    Raises
    ------
    FontError
        ``ECOSPACE_CJK_FONT`` names a missing file, or no CJK font is available at all
        (the bundled package was removed).

    Examples
    --------
    >>> find_cjk_font().get_name().startswith(("Noto", "Source Han", "WenQuanYi"))
    True
    """
    path = os.environ.get("ECOSPACE_CJK_FONT")
    if path:
        if not Path(path).is_file():
            raise FontError(
                f"ECOSPACE_CJK_FONT={path!r} is not a font file; point it at a .ttf/.otf/.ttc "
                "with Chinese glyphs, or unset it to use the Noto Sans CJK installed with ecospace"
            )
        font_manager.fontManager.addfont(path)
        return font_manager.FontProperties(
            family=font_manager.FontProperties(fname=path).get_name()
        )
    family = _system_family()
    if family is None:
        if BUNDLED_FONT is None or not BUNDLED_FONT.is_file():
            raise FontError(
                f"no CJK font found (tried {', '.join(CJK_FAMILIES)} and the bundled Noto Sans "
                "CJK): reinstall ecospace ('pip install noto-cjk-sans-otc') or set "
                "ECOSPACE_CJK_FONT=path to a font file with Chinese glyphs"
            )
        font_manager.fontManager.addfont(str(BUNDLED_FONT))
        family = _BUNDLED_FAMILY
        log.debug("CJK font: %s from %s", family, BUNDLED_FONT)
    return font_manager.FontProperties(family=family)
