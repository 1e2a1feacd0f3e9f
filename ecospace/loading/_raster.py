"""Classified land-cover rasters: class maps, ellipsoidal pixel areas, cover sets (private).

The public entry points are :func:`ecospace.measuring.stats.raster_class_shares` and
:func:`ecospace.measuring.stats.raster_land_cover`; this module reads the class map, measures
pixels on the ellipsoid and decides which raster classes count toward which cover figure.

Class-map file (YAML), as ``layers/demo_landcover_classes.yaml``::

    nodata: 0                 # optional; pixels with this value are not land (besides the
                              # raster's own nodata)
    source_field: DLBM        # optional; the vector field the classes were made from
    classes:
      1: {name: 耕地, name_en: cropland, dlbm_prefixes: ["01"]}
      2: {name: 林地, name_en: forest, dlbm_prefixes: ["03"]}
      9: {name: 红树林, counts_as: [forest, wetland]}   # explicit, overrides dlbm_prefixes

Which classes count toward a cover figure (forest, forest_grass, wetland, cropland,
defined by ``DLBM`` codes in :data:`ecospace.measuring.stats.CLASS_SETS`): a raster class counts
when it states ``counts_as``; otherwise when its ``dlbm_prefixes`` lie wholly inside the
figure's codes (class 0402 inside 04), or when the two share a code that is not one of
the cross-cutting wetland codes (湿地 0303, 0304, 0306, 0402, 0603, 1105, 1106, 1108).  So
a first-level 林地 class (03) counts toward forest (it shares 0301 乔木林地), but not
toward wetland (it shares only 0303/0304/0306, which a first-level class cannot separate
from the rest of 林地), and wetland is only measurable from a raster with a wetland class.
The raster figure is then an approximation at the raster's class resolution: 林地 03 also
holds 0303/0304/0306, which the vector forest figure leaves out.  Tables show the DLBM
codes on each side.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from ecospace._limits import load_yaml, refuse_special_file
from ecospace.errors import CRSError, LayerReadError, PlanError, ValueRangeError
from ecospace.geometry.area import areas

#: Columns sampled per row when measuring pixel areas; values in between are interpolated
#: linearly (a pixel's area varies smoothly, ~1/k² with the Gauss–Krüger scale factor k,
#: so 17 samples leave < 1e-7 relative error across a 3° zone).
SAMPLE_COLUMNS = 17

_TOP_KEYS = ("nodata", "source_field", "classes", "description")
_CLASS_KEYS = ("name", "name_en", "dlbm_prefixes", "counts_as", "description")
_CODE = re.compile(r"^[0-9A-Za-z]+$")


@dataclass(frozen=True)
class RasterClass:
    """One pixel value of a classified raster."""

    value: int
    name: str
    name_en: str | None = None
    dlbm_prefixes: tuple[str, ...] = ()
    counts_as: tuple[str, ...] | None = None


@dataclass
class ClassMap:
    """Pixel value → class, as read from a class-map YAML file."""

    classes: dict[int, RasterClass]
    nodata: float | None = None
    source_field: str | None = None
    source: str = "class map"
    extra: dict[str, Any] = field(default_factory=dict)


def read_class_map(path: str | Path) -> ClassMap:
    """Read and validate a class-map YAML file (format in the module docstring).

    Raises
    ------
    LayerReadError
        The file cannot be read.
    PlanError
        The file is not valid YAML or a key is missing or malformed (the message names
        the file and the key).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "classes.yaml"
    >>> _ = p.write_text("nodata: 0\\nclasses:\\n  1: {name: 耕地, dlbm_prefixes: ['01']}\\n"
    ...                  "  2: {name: 林地, name_en: forest, dlbm_prefixes: ['03']}\\n",
    ...                  encoding="utf-8")
    >>> cm = read_class_map(p)
    >>> cm.nodata, sorted(cm.classes)
    (0, [1, 2])
    >>> cm.classes[2]
    RasterClass(value=2, name='林地', name_en='forest', dlbm_prefixes=('03',), counts_as=None)
    """
    import yaml

    p = Path(path)
    refuse_special_file(p, "class map", LayerReadError)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise LayerReadError(f"cannot read class map {p}: {exc}") from exc
    try:
        data = load_yaml(text, f"class map {p}")
    except yaml.YAMLError as exc:
        raise PlanError(f"class map {p}: not valid YAML ({exc})") from exc
    except ValueRangeError as exc:
        raise PlanError(f"class map {p}: {exc}") from None
    return parse_class_map(data, source=str(p))


def parse_class_map(data: Any, *, source: str = "class map") -> ClassMap:
    """Validate a parsed class map (``{"nodata": 0, "classes": {1: {...}}}``)."""
    if not isinstance(data, Mapping):
        raise PlanError(
            f"{source}: expected a mapping with a 'classes' key, got {type(data).__name__}"
        )
    unknown = [str(k) for k in data if k not in _TOP_KEYS]
    if unknown:
        raise PlanError(
            f"{source}: unknown key(s) {', '.join(unknown)}; accepted: {', '.join(_TOP_KEYS)}"
        )
    classes = data.get("classes")
    if not isinstance(classes, Mapping) or not classes:
        raise PlanError(
            f"{source}: key 'classes' must map pixel values to classes, "
            f"e.g. '1: {{name: 耕地, dlbm_prefixes: [\"01\"]}}'; got {classes!r}"
        )
    nodata = data.get("nodata")
    if nodata is not None and (isinstance(nodata, bool) or not isinstance(nodata, (int, float))):
        raise PlanError(f"{source}: key 'nodata' must be a number or empty, got {nodata!r}")
    out: dict[int, RasterClass] = {}
    for key, spec in classes.items():
        where = f"{source}: classes.{key}"
        value = _pixel_value(key, where)
        if isinstance(spec, str):
            spec = {"name": spec}
        if not isinstance(spec, Mapping):
            raise PlanError(f"{where}: expected {{name: ..., dlbm_prefixes: [...]}}, got {spec!r}")
        bad = [str(k) for k in spec if k not in _CLASS_KEYS]
        if bad:
            raise PlanError(
                f"{where}: unknown key(s) {', '.join(bad)}; accepted: {', '.join(_CLASS_KEYS)}"
            )
        name = spec.get("name")
        if not isinstance(name, str) or not name.strip():
            raise PlanError(f"{where}.name: a class name is required, got {name!r}")
        prefixes = _str_list(spec.get("dlbm_prefixes", []), f"{where}.dlbm_prefixes", codes=True)
        counts_as = spec.get("counts_as")
        if counts_as is not None:
            counts_as = _str_list(counts_as, f"{where}.counts_as", codes=False)
        if value == nodata:
            raise PlanError(f"{where}: pixel value {value} is also the nodata value")
        out[value] = RasterClass(
            value=value,
            name=name.strip(),
            name_en=spec.get("name_en"),
            dlbm_prefixes=prefixes,
            counts_as=counts_as,
        )
    return ClassMap(
        classes=out,
        nodata=nodata,
        source_field=data.get("source_field"),
        source=source,
    )


def _pixel_value(key: Any, where: str) -> int:
    if isinstance(key, bool):
        raise PlanError(f"{where}: pixel values must be integers, got {key!r}")
    if isinstance(key, int):
        return key
    if isinstance(key, str) and re.fullmatch(r"-?\d+", key.strip()):
        return int(key)
    raise PlanError(f"{where}: pixel values must be integers, got {key!r}")


def _str_list(value: Any, where: str, *, codes: bool) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence):
        raise PlanError(f"{where}: expected a list of strings, got {value!r}")
    out = []
    for v in value:
        if codes and isinstance(v, int) and not isinstance(v, bool):
            raise PlanError(
                f"{where}: code {v!r} is a number and may have lost its leading zero; "
                f'quote it (["0{v}"] or ["{v}"])'
            )
        if not isinstance(v, str) or (codes and not _CODE.match(v)):
            raise PlanError(f'{where}: expected DLBM code strings such as "03", got {v!r}')
        out.append(v.strip())
    return tuple(out)


def as_class_map(class_map: Any) -> ClassMap:
    """A :class:`ClassMap` from a ClassMap, a YAML path, a parsed YAML mapping, or the
    short forms ``{"forest": [1, 2]}`` / ``{1: "forest"}`` (names only, no DLBM codes)."""
    if isinstance(class_map, ClassMap):
        return class_map
    if isinstance(class_map, (str, Path)):
        return read_class_map(class_map)
    if isinstance(class_map, Mapping) and "classes" in class_map:
        return parse_class_map(class_map)
    if not isinstance(class_map, Mapping) or not class_map:
        raise PlanError(
            f"class map: expected a YAML file, {{'classes': {{1: {{...}}}}}}, "
            f"{{name: [values]}} or {{value: name}}; got {class_map!r}"
        )
    out: dict[int, RasterClass] = {}
    for k, v in class_map.items():
        if isinstance(k, (int, np.integer)) and not isinstance(k, bool) and isinstance(v, str):
            pairs = [(int(k), v)]
        elif isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            pairs = [(int(v), str(k))]
        elif isinstance(v, Sequence) and not isinstance(v, str):
            pairs = [(_pixel_value(x, f"class map: {k}"), str(k)) for x in v]
        else:
            raise PlanError(
                f"class map: entry {k!r}: {v!r} is neither name → [pixel values] nor "
                "pixel value → name"
            )
        for value, name in pairs:
            out[value] = RasterClass(value=value, name=name)
    return ClassMap(classes=out)


# ----------------------------------------------------------------------------- cover sets
def _inside(prefixes: Sequence[str], codes: Sequence[str]) -> bool:
    return bool(prefixes) and all(any(p.startswith(c) for c in codes) for p in prefixes)


def _shares_non_wetland(prefixes: Sequence[str], codes: Sequence[str], wetland) -> bool:
    for p in prefixes:
        for c in codes:
            if p.startswith(c) or c.startswith(p):
                longer = p if len(p) >= len(c) else c
                if not any(longer.startswith(w) for w in wetland):
                    return True
    return False


def cover_values(
    cmap: ClassMap,
    class_sets: Mapping[str, Sequence[str]],
    *,
    wetland: Sequence[str] = (),
) -> dict[str, list[int]]:
    """Pixel values that count toward each cover figure (rule in the module docstring)."""
    out: dict[str, list[int]] = {name: [] for name in class_sets}
    for value, rc in sorted(cmap.classes.items()):
        for name, codes in class_sets.items():
            codes = [str(c) for c in codes]
            if rc.counts_as is not None:
                hit = name in rc.counts_as
            else:
                hit = _inside(rc.dlbm_prefixes, codes) or _shares_non_wetland(
                    rc.dlbm_prefixes, codes, wetland
                )
            if hit:
                out[name].append(value)
    return out


# ----------------------------------------------------------------------------- pixels
def pixel_areas(transform, shape: tuple[int, int], crs) -> np.ndarray:
    """Ellipsoidal area (m²) of every pixel of a grid, shape ``shape``.

    Pixels of :data:`SAMPLE_COLUMNS` columns are measured as polygons with
    :func:`ecospace.geometry.area.areas` (``method="ellipsoid"``, the official series on the CRS's
    datum) in every row, and the areas in between are interpolated linearly along the
    row.  For a latitude–longitude raster every pixel of a row has the same area, so this
    is exact; in a projected CRS the area changes with the scale factor, smoothly.
    """
    rows, cols = shape
    if rows == 0 or cols == 0:
        return np.zeros(shape)
    cs = np.unique(np.round(np.linspace(0, cols - 1, min(cols, SAMPLE_COLUMNS))).astype(int))
    r = np.repeat(np.arange(rows), len(cs))
    c = np.tile(cs, rows)
    t = transform
    ring = np.stack(
        [
            np.column_stack(
                (t.a * (c + dx) + t.b * (r + dy) + t.c, t.d * (c + dx) + t.e * (r + dy) + t.f)
            )
            for dx, dy in ((0, 0), (1, 0), (1, 1), (0, 1))
        ],
        axis=1,
    )
    sampled = areas(shapely.polygons(ring), crs, method="ellipsoid").reshape(rows, len(cs))
    if len(cs) == 1:
        return np.repeat(sampled, cols, axis=1)
    # linear interpolation along each row, vectorised over rows
    col = np.arange(cols)
    k = np.clip(np.searchsorted(cs, col, side="right") - 1, 0, len(cs) - 2)
    w = (col - cs[k]) / (cs[k + 1] - cs[k])
    return sampled[:, k] * (1 - w) + sampled[:, k + 1] * w


@dataclass
class PixelCounts:
    """Pixels and ellipsoidal area of each pixel value inside the area read."""

    pixels: dict[int, int]
    area_m2: dict[int, float]
    valid_area_m2: float
    crs: Any


def count_pixels(
    path: str | Path,
    *,
    band: int = 1,
    boundary: gpd.GeoDataFrame | None = None,
    all_touched: bool = False,
    nodata: float | None = None,
) -> PixelCounts:
    """Count the pixels of each value of a classified raster, with their ellipsoidal area.

    Pixels that are nodata (the raster's, or ``nodata``) or whose centre is outside
    ``boundary`` (every touched pixel with ``all_touched``) are left out.
    """
    import rasterio
    from affine import Affine
    from rasterio.features import geometry_mask
    from rasterio.windows import Window, from_bounds

    refuse_special_file(path, "raster", LayerReadError)
    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise LayerReadError(f"cannot open raster {path}: {exc}") from exc
    with src:
        if src.crs is None:
            raise CRSError(f"raster {path} has no CRS; cannot measure pixel areas")
        if not 1 <= band <= src.count:
            raise LayerReadError(f"raster {path} has {src.count} band(s); band {band} asked for")
        window = Window(0, 0, src.width, src.height)
        shapes = None
        if boundary is not None:
            b = boundary.to_crs(src.crs) if boundary.crs is not None else boundary
            shapes = [g for g in b.geometry.values if g is not None and not g.is_empty]
            xmin, ymin, xmax, ymax = shapely.total_bounds(np.asarray(shapes, dtype=object))
            window = (
                from_bounds(xmin, ymin, xmax, ymax, transform=src.transform)
                .round_offsets(op="floor")
                .round_lengths(op="ceil")
                .intersection(window)
            )
        data = src.read(band, window=window, masked=True)
        # (src.window_transform uses the deprecated Affine `*` product)
        transform = src.transform @ Affine.translation(window.col_off, window.row_off)
        crs = src.crs
    valid = ~np.ma.getmaskarray(data)
    values = np.ma.getdata(data)
    if nodata is not None:
        valid &= values != nodata
    if shapes is not None:
        valid &= geometry_mask(
            shapes, out_shape=data.shape, transform=transform, invert=True, all_touched=all_touched
        )
    pa = pixel_areas(transform, data.shape, crs)
    v = values[valid]
    uniq, inv = np.unique(v, return_inverse=True)
    n = np.bincount(inv, minlength=len(uniq))
    a = np.bincount(inv, weights=pa[valid], minlength=len(uniq))
    return PixelCounts(
        pixels={int(u): int(k) for u, k in zip(uniq, n, strict=True)},
        area_m2={int(u): float(x) for u, x in zip(uniq, a, strict=True)},
        valid_area_m2=float(a.sum()),
        crs=crs,
    )
