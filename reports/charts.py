"""The report's figures, drawn with matplotlib on the server (no JavaScript, no CDN).

A figure is described by a `FigureSpec` (what to draw, as plain data) and rendered to SVG
or PNG by `render`. The same spec gives the dashboard's inline SVG, the downloads and the
data table shown under each chart, so the picture and the table never disagree.
Rendered figures are cached under a hash of their spec: a figure is drawn again only when
its data change.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import textwrap
from dataclasses import dataclass, field
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on a server; set before anything imports pyplot

from django.core.cache import cache
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Circle, PathPatch

from . import indicators as ind
from .worldmap import world_shapes

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
GREY = "#6b7280"
MAP_EMPTY = "#e5e7eb"
MAP_SCALE = "Blues"
CACHE_SECONDS = 7 * 24 * 3600
STYLE: Any = {
    "svg.fonttype": "none",  # text stays text: searchable, selectable, readable by screen readers
    "svg.hashsalt": "escp-reports",  # stable ids, so equal specs give equal files
    # Names and texts come from respondents and the register: a `$` is a dollar, not mathtext
    # (whose parse errors were a 500), and nothing else in a text is markup either.
    "text.parse_math": False,
    "text.usetex": False,
    "font.size": 10,
    "font.family": "DejaVu Sans",
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass
class FigureSpec:
    """A figure as plain data: `kind` says how to draw `data`; `table` is the same figures."""

    id: str
    title: str
    kind: str  # bars | stacked | map | network
    data: dict[str, Any]
    table_headers: list[str] = field(default_factory=list)
    table_rows: list[list[Any]] = field(default_factory=list)
    svg: str = ""  # inline markup, filled in by the dashboard (not part of the digest)

    def digest(self) -> str:
        raw = json.dumps([self.kind, self.title, self.data], sort_keys=True, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _wrap(label: str, width: int = 42) -> str:
    return "\n".join(textwrap.wrap(str(label), width)) or str(label)


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100)
    return fig


def _bars(spec: FigureSpec) -> Figure:
    """Horizontal bars per category, one bar per series (groups, or previous/current)."""
    data = spec.data
    labels: list[str] = data["labels"]
    series: list[dict[str, Any]] = data["series"]
    unit = data.get("unit", "")
    n_series = max(len(series), 1)
    bar = 0.8 / n_series
    height = max(1.6, 0.3 + len(labels) * (0.22 + 0.2 * n_series) + 0.6)
    fig = _figure(8.5, min(height, 40))
    ax = fig.add_subplot()
    top = max([v or 0 for s in series for v in s["values"]] + [0])
    for i, s in enumerate(series):
        ys = [k + (i - (n_series - 1) / 2) * bar for k in range(len(labels))]
        values = [v or 0 for v in s["values"]]
        colour = s.get("colour") or PALETTE[i % len(PALETTE)]
        ax.barh(ys, values, height=bar * 0.92, color=colour, label=s["name"])
        counts = s.get("counts") or [None] * len(values)
        for y, v, raw, n in zip(ys, values, s["values"], counts, strict=True):
            if raw is None:
                continue
            text = _bar_label(v, n, unit=unit, show=data.get("show", "percent"))
            ax.text(v + top * 0.01, y, text, va="center", fontsize=8)
    ax.set_yticks(range(len(labels)), [_wrap(label) for label in labels])
    ax.invert_yaxis()
    ax.set_xlim(0, (100 if unit == "%" and top <= 100 else top or 1) * 1.12)
    if data.get("xlabel"):
        ax.set_xlabel(data["xlabel"])
    _title(fig, spec)
    if n_series > 1 or data.get("legend"):
        _legend_below(fig, ax, ncol=min(n_series, 4))
    else:
        fig.tight_layout()
    return fig


def _bar_label(v: float, n: Any, *, unit: str, show: str) -> str:
    """The label at the end of a bar: the percentage, the count, or both (reports.choices)."""
    if unit != "%":
        return _number(v)
    if show == "counts" and n is not None:
        return _number(n)
    if show == "both" and n is not None:
        return f"{_number(n)} ({ind.percent_text(v)})"
    return ind.percent_text(v)


def _title(fig: Figure, spec: FigureSpec) -> None:
    """The title over the whole figure from its left edge, wrapped so that a long question
    text is never cut off at the right (a title over the axes starts where the bars start,
    after the option labels, and ran out of the figure)."""
    fig.suptitle(_wrap(spec.title, 95), x=0.01, ha="left", fontsize=11)


OTHER_GROUP = "#c7ccd4"  # a registered partnership outside the wave's groups


def _other_node_colour(group: str) -> str:
    return OTHER_GROUP if group else "#ffffff"


def _legend_below(fig: Figure, ax: Any, *, ncol: int) -> None:
    """The legend under the whole chart, below the axis label: never over the bars, their
    labels or the axis title, whatever the chart's height (the constrained layout makes room
    for it, where a legend placed at a fraction of the axes ran into the axis title of a
    short chart)."""
    handles, labels = ax.get_legend_handles_labels()
    fig.set_layout_engine("constrained")
    fig.legend(handles, labels, loc="outside lower center", ncol=ncol, frameon=False, fontsize=8)


def _number(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


def _stacked(spec: FigureSpec) -> Figure:
    """100% stacked bars: the distribution of a scale per group or per matrix row."""
    data = spec.data
    labels: list[str] = data["labels"]
    levels: list[str] = data["levels"]
    counts: list[list[int]] = data["counts"]  # one list per label, one count per level
    fig = _figure(8.5, max(1.8, 0.9 + 0.45 * len(labels)))
    ax = fig.add_subplot()
    colours = matplotlib.colormaps["RdYlBu"]
    left = [0.0] * len(labels)
    for j, level in enumerate(levels):
        shares = [100 * row[j] / sum(row) if sum(row) else 0 for row in counts]
        colour = colours(0.1 + 0.8 * j / max(len(levels) - 1, 1))
        ax.barh(range(len(labels)), shares, left=left, color=colour, label=level, edgecolor="white")
        for k, share in enumerate(shares):
            if share >= 7:
                ax.text(left[k] + share / 2, k, ind.percent_text(share), ha="center", va="center", fontsize=8)
        left = [a + b for a, b in zip(left, shares, strict=True)]
    ax.set_yticks(range(len(labels)), [_wrap(label, 30) for label in labels])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of those who rated")
    _title(fig, spec)
    _legend_below(fig, ax, ncol=min(len(levels), 5))
    return fig


def _map(spec: FigureSpec) -> Figure:
    """A world map shaded by the number of partnerships that named each country."""
    shapes = world_shapes()
    counts: dict[str, int] = spec.data["counts"]
    top = max(counts.values(), default=0)
    cmap = matplotlib.colormaps[MAP_SCALE]
    x, y, w, h = shapes.view_box
    fig = _figure(10, 10 * h / w + 0.6)
    ax = fig.add_axes((0, 0.06, 1, 0.86))
    patches, colours = [], []
    for iso, outlines in shapes.paths.items():
        n = counts.get(iso, 0)
        colour = cmap(0.25 + 0.75 * n / top) if n and top else MAP_EMPTY
        for outline in outlines:
            patches.append(PathPatch(outline))
            colours.append(colour)
    ax.add_collection(PatchCollection(patches, facecolors=colours, edgecolors="white", linewidths=0.3))
    for iso, (cx, cy, r) in shapes.dots.items():
        n = counts.get(iso, 0)
        if n and top:
            ax.add_patch(Circle((cx, cy), r * 1.5, color=cmap(0.25 + 0.75 * n / top), ec="#1f2937", lw=0.4))
    ax.set_xlim(x, x + w)
    ax.set_ylim(y + h, y)
    ax.set_aspect("equal")
    ax.axis("off")
    if top:
        norm = matplotlib.colors.Normalize(vmin=0, vmax=top)
        mappable = matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap)
        bar_ax = fig.add_axes((0.3, 0.04, 0.4, 0.025))
        colourbar = fig.colorbar(mappable, cax=bar_ax, orientation="horizontal")
        colourbar.set_label(spec.data.get("unit", "partnerships"), fontsize=8)
        colourbar.ax.tick_params(labelsize=8)
    fig.suptitle(_wrap(spec.title, 100), x=0.02, ha="left", fontsize=11)
    return fig


def _network(spec: FigureSpec) -> Figure:
    """Partnerships on a circle; solid lines for reciprocal pairs, dashed for one-sided."""
    nodes: dict[str, str] = spec.data["nodes"]  # name -> group ("" when not registered)
    pairs: list[dict[str, Any]] = spec.data["pairs"]
    groups = spec.data.get("groups", [])
    names = list(nodes)
    fig = _figure(8, 8)
    ax = fig.add_subplot()
    ax.set_aspect("equal")
    ax.axis("off")
    _title(fig, spec)
    if not names:
        ax.text(0.5, 0.5, "No collaboration reported", ha="center", va="center", transform=ax.transAxes)
        return fig
    position = {
        name: (math.cos(2 * math.pi * i / len(names)), math.sin(2 * math.pi * i / len(names)))
        for i, name in enumerate(names)
    }
    for pair in pairs:
        a, b = pair["partnerships"]
        (x1, y1), (x2, y2) = position[a], position[b]
        if pair["reciprocal"]:
            ax.plot([x1, x2], [y1, y2], color="#1f2937", lw=1.8, zorder=1)
        else:
            reporter = pair["reported_by"][0]
            start, end = (position[a], position[b]) if reporter == a else (position[b], position[a])
            ax.annotate(
                "",
                xy=end,
                xytext=start,
                arrowprops={"arrowstyle": "-|>", "color": GREY, "lw": 1, "linestyle": "--", "shrinkA": 6, "shrinkB": 8},
                zorder=1,
            )
    for name, (x, y) in position.items():
        group = nodes[name]
        colour = PALETTE[groups.index(group) % len(PALETTE)] if group in groups else _other_node_colour(group)
        ax.scatter([x], [y], s=110, color=colour, edgecolors="#1f2937", zorder=2)
        ax.text(x * 1.1, y * 1.1, name, ha="left" if x >= 0 else "right", va="center", fontsize=8)
    handles = [
        matplotlib.lines.Line2D([], [], marker="o", ls="", color=PALETTE[i % len(PALETTE)], mec="#1f2937", label=g)
        for i, g in enumerate(groups)
    ]
    # A registered partnership of another programme or group (an ESCP-S3 named by an
    # ESCP-4i) is registered: only a name typed as free text is "not in the register".
    others = sorted({g for n, g in nodes.items() if n in position and g and g not in groups})
    if others:
        handles.append(
            matplotlib.lines.Line2D(
                [], [], marker="o", ls="", color=OTHER_GROUP, mec="#1f2937", label=f"registered: {', '.join(others)}"
            )
        )
    if any(not g for n, g in nodes.items() if n in position):
        handles.append(
            matplotlib.lines.Line2D(
                [], [], marker="o", ls="", color="#ffffff", mec="#1f2937", label="not in the register"
            )
        )
    handles.append(matplotlib.lines.Line2D([], [], color="#1f2937", lw=1.8, label="reciprocal"))
    handles.append(matplotlib.lines.Line2D([], [], color=GREY, lw=1, ls="--", label="reported by one side"))
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(-0.05, -0.12), ncol=3, frameon=False, fontsize=8)
    ax.set_xlim(-1.5, 1.5)
    ax.set_ylim(-1.35, 1.3)
    return fig


def _map_colour(n: int, top: int) -> str:
    if not n or not top:
        return MAP_EMPTY
    return str(matplotlib.colors.to_hex(matplotlib.colormaps[MAP_SCALE](0.25 + 0.75 * n / top)))


def _path_data(path: Any) -> str:
    parts: list[str] = []
    for (x, y), code in zip(path.vertices, path.codes, strict=True):
        if code == path.MOVETO:
            parts.append(f"M{x:.1f} {y:.1f}")
        elif code == path.CLOSEPOLY:
            parts.append("Z")
        else:
            parts.append(f"L{x:.1f} {y:.1f}")
    return "".join(parts)


def _map_svg(spec: FigureSpec) -> bytes:
    """The world map as hand-written SVG: a quarter of matplotlib's size, and each country
    carries a <title> with its name and count (a tooltip, and text for screen readers)."""
    from .figures import country_name

    shapes = world_shapes()
    counts: dict[str, int] = spec.data["counts"]
    unit = spec.data.get("unit", "partnerships")
    top = max(counts.values(), default=0)
    x, y, w, h = shapes.view_box
    head, foot = 70.0, 90.0
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x:.0f} {y - head:.0f} {w:.0f} {h + head + foot:.0f}" '
        f'width="{w / 2.75:.0f}" height="{(h + head + foot) / 2.75:.0f}">',
        f'<text x="{x + 10:.0f}" y="{y - 25:.0f}" font-family="DejaVu Sans, sans-serif" font-size="38">{_escape(spec.title)}</text>',
        '<g stroke="#ffffff" stroke-width="0.8" stroke-linejoin="round">',
    ]
    for iso, outlines in shapes.paths.items():
        n = counts.get(iso, 0)
        title = f"<title>{_escape(country_name(iso))}: {n} {unit}</title>" if n else ""
        d = "".join(_path_data(p) for p in outlines)
        out.append(f'<path fill="{_map_colour(n, top)}" d="{d}">{title}</path>')
    for iso, (cx, cy, r) in shapes.dots.items():
        n = counts.get(iso, 0)
        if n:
            out.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r * 1.5:.1f}" fill="{_map_colour(n, top)}" stroke="#1f2937">'
                f"<title>{_escape(country_name(iso))}: {n} {unit}</title></circle>"
            )
    out.append("</g>")
    if top:
        steps = sorted({max(1, round(top * k / 4)) for k in range(1, 5)})
        lx, ly = x + w * 0.3, y + h + 25
        out.append(
            f'<g font-family="DejaVu Sans, sans-serif" font-size="26"><text x="{lx:.0f}" y="{ly + 22:.0f}">{_escape(unit)}:</text>'
        )
        for i, n in enumerate(steps):
            bx = lx + 260 + i * 170
            out.append(
                f'<rect x="{bx:.0f}" y="{ly:.0f}" width="40" height="28" fill="{_map_colour(n, top)}" stroke="#6b7280"/>'
            )
            out.append(f'<text x="{bx + 50:.0f}" y="{ly + 22:.0f}">{"≤ " if i < len(steps) - 1 else ""}{n}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out).encode()


DRAW = {"bars": _bars, "stacked": _stacked, "map": _map, "network": _network}
CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def draw(spec: FigureSpec) -> Figure:
    with matplotlib.rc_context(STYLE):
        return DRAW[spec.kind](spec)


def render(spec: FigureSpec, fmt: str = "svg") -> bytes:
    """The figure as SVG or PNG bytes (cached under a hash of the spec)."""
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"unknown figure format {fmt!r}")
    key = f"reports:figure:{fmt}:{spec.digest()}"
    cached = cache.get(key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    if spec.kind == "map" and fmt == "svg":
        data = _map_svg(spec)
        cache.set(key, data, CACHE_SECONDS)
        return data
    with matplotlib.rc_context(STYLE):
        fig = DRAW[spec.kind](spec)
        buffer = io.BytesIO()
        # No creation date in the metadata: the same figures give the same file.
        metadata = {"Date": None, "Creator": None} if fmt == "svg" else {"Software": None}
        fig.savefig(buffer, format=fmt, dpi=150 if fmt == "png" else 100, metadata=metadata)
    data = buffer.getvalue()
    cache.set(key, data, CACHE_SECONDS)
    return data


def inline_svg(spec: FigureSpec) -> str:
    """SVG markup to place in a page: no XML prologue, labelled by the figure's title."""
    text = render(spec, "svg").decode()
    start = text.index("<svg")
    svg = text[start:]
    title_id = f"fig-{spec.id}-title".replace(".", "-")
    # The page's Content-Security-Policy refuses <style> elements without its nonce: matplotlib's
    # one rule (`*{stroke-linejoin…}`) becomes inherited attributes of the root instead.
    svg = MATPLOTLIB_STYLE.sub("", svg, count=1)
    return svg.replace(
        "<svg ",
        f'<svg role="img" aria-labelledby="{title_id}" class="report-figure" stroke-linejoin="round" stroke-linecap="butt" ',
        1,
    ).replace(">", f'><title id="{title_id}">{_escape(spec.title)}</title>', 1)


MATPLOTLIB_STYLE = re.compile(r'<style type="text/css">\*\{stroke-linejoin: round; stroke-linecap: butt\}</style>')


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
