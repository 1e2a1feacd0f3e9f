"""Page geometry of the map annex: print scale, compound paths, labels that avoid each other.

Private helpers of :mod:`ecospace.annex`; nothing here knows about layer roles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Bbox

#: Print scales 1:N offered, N = m × 10^k (the series of topographic and planning maps).
_SCALE_STEPS = (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8)
M_PER_INCH = 0.0254


def print_scale(ground_m: tuple[float, float], frame_in: tuple[float, float]) -> int:
    """The smallest round print scale 1:N at which ``ground_m`` (w, h) fits ``frame_in``.

    Examples
    --------
    >>> print_scale((40_000, 30_000), (10, 7))   # 40 km on 10 in needs 1:157 480
    200000
    """
    need = max(ground_m[0] / frame_in[0], ground_m[1] / frame_in[1]) / M_PER_INCH
    k = 10 ** math.floor(math.log10(need))
    for step in (*_SCALE_STEPS, 10):
        if step * k >= need - 1e-9 * need:
            return round(step * k)
    raise AssertionError("unreachable")  # pragma: no cover


def scale_text(denominator: int) -> str:
    """``1:250 000`` — thousands separated by a space, as on Chinese planning maps.

    Examples
    --------
    >>> scale_text(250000)
    '1:250 000'
    """
    return "1:" + f"{denominator:,}".replace(",", " ")


def polygon_path(geoms: np.ndarray) -> MplPath | None:
    """One compound path of all polygons (holes cut out under the non-zero rule), or None.

    One path instead of one patch per feature: 200 000 farmland patches draw in about a
    second, and a PDF viewer fills them in one operation.
    """
    parts = shapely.get_parts(np.asarray(geoms, dtype=object))
    parts = parts[shapely.get_type_id(parts) == 3]
    if not len(parts):
        return None
    # exteriors counter-clockwise, holes clockwise: the non-zero rule then leaves holes empty
    parts = shapely.orient_polygons(parts)
    rings = shapely.get_rings(parts)
    coords, idx = shapely.get_coordinates(rings, return_index=True)
    codes = np.full(len(coords), MplPath.LINETO, dtype=np.uint8)
    start = np.r_[0, np.flatnonzero(np.diff(idx)) + 1]
    codes[start] = MplPath.MOVETO
    codes[np.r_[start[1:] - 1, len(coords) - 1]] = MplPath.CLOSEPOLY
    return MplPath(coords, codes)


def wrap_to_width(text: str, width_px: float, measure) -> list[str]:
    """Break ``text`` into lines no wider than ``width_px`` (``measure(s)`` gives a width).

    Breaks at spaces where it can, else between characters (Chinese has no spaces).
    """
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for token in _tokens(para):
            trial = line + token
            if line and measure(trial.rstrip()) > width_px:
                lines.append(line.rstrip())
                line = token.lstrip()
            else:
                line = trial
        lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    out, word = [], ""
    for ch in text:
        if ch == " ":
            out.append(word + ch)
            word = ""
        elif ord(ch) > 0x2E80:  # CJK: a break is allowed before every character
            if word:
                out.append(word)
            out.append(ch)
            word = ""
        else:
            word += ch
    if word:
        out.append(word)
    return out


def place_labels(
    ax,
    points: Sequence[tuple[float, float]],
    texts: Sequence[str],
    *,
    fontsize: float,
    avoid: Sequence[Bbox] = (),
    force: bool = False,
    boxed: bool = True,
    **text_kw,
) -> tuple[list, list[str]]:
    """Label points so that no two labels overlap and none leaves the map frame.

    Each label tries its point, then positions around it (above, below, right, left,
    diagonals, farther out), then the same at 80 % size; the first free one wins.  Labels
    are placed in the order given (put the most important first).  With ``force`` a label
    that finds no free place is set at its point anyway (conflict numbers must all show).

    Returns
    -------
    (placed texts, names that found no place)
    """
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    taken: list[Bbox] = list(avoid)
    placed, unplaced = [], []
    # a light box rather than a halo: path effects turn the text into outlines, and the
    # names could then no longer be searched or copied from the PDF
    box = {"boxstyle": "round,pad=0.12", "facecolor": "white", "alpha": 0.75, "lw": 0}
    if not boxed:
        box = None
    for (x, y), text in zip(points, texts, strict=True):
        done = None
        for size in (fontsize, 0.8 * fontsize):
            for dx, dy in _candidates(size, len(text)):
                t = ax.annotate(
                    text,
                    (x, y),
                    xytext=(dx, dy),
                    textcoords="offset points",
                    ha="center",
                    va="center",
                    fontsize=size,
                    bbox=box,
                    annotation_clip=False,
                    **text_kw,
                )
                bb = t.get_window_extent(renderer).padded(2.5 * fig.dpi / 72)
                inside = (
                    bb.x0 >= frame.x0
                    and bb.x1 <= frame.x1
                    and bb.y0 >= frame.y0
                    and bb.y1 <= frame.y1
                )
                if inside and not any(bb.overlaps(o) for o in taken):
                    done = (t, bb)
                    break
                t.remove()
            if done:
                break
        if done is None and force:
            t = ax.annotate(
                text,
                (x, y),
                xytext=(0, 0),
                textcoords="offset points",
                ha="center",
                va="center",
                fontsize=0.8 * fontsize,
                bbox=box,
                annotation_clip=False,
                **text_kw,
            )
            done = (t, t.get_window_extent(renderer))
        if done is None:
            unplaced.append(text)
            continue
        placed.append(done[0])
        taken.append(done[1])
    return placed, unplaced


def _candidates(size: float, n_chars: int) -> list[tuple[float, float]]:
    h, w = 1.3 * size, 0.6 * size * max(n_chars, 1) + 0.5 * size
    out = [(0.0, 0.0)]
    for r in (1.0, 2.0):
        out += [
            (0, r * h),
            (0, -r * h),
            (r * w, 0),
            (-r * w, 0),
            (r * w, r * h),
            (-r * w, r * h),
            (r * w, -r * h),
            (-r * w, -r * h),
        ]
    return out
