"""SVG charts for the report: pure functions from numbers to SVG text.

No plotting library: the page must open offline and stay small, and three chart types do not
need one. Every chart scales to its container (``viewBox`` + ``width: 100%``); colours and
fonts of axes come from the page's CSS classes (``grid``, ``axis``, ``tick``, ``label``), so the
charts follow the page's light or dark theme. Each bar and point carries a ``<title>`` (the
browser's tooltip) with its exact numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Tableau 10: distinguishable for the common colour-vision deficiencies
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")
SHAPES = ("circle", "square", "triangle", "diamond", "cross")
FONT_WIDTH = 6.6  # average width of a 12 px sans-serif character, for label layout


@dataclass(frozen=True)
class Bar:
    """One bar: ``value`` ± ``error`` in [0, 1] of series ``series`` in category ``category``."""

    category: int
    series: int
    value: float
    error: float
    title: str


@dataclass(frozen=True)
class Point:
    """One marker at (x, y) with a vertical error bar of half-length ``error``."""

    x: float
    y: float
    error: float
    color: str
    shape: str
    title: str
    filled: bool = True


@dataclass(frozen=True)
class Line:
    """A polyline through ``(xs[i], ys[i])``; ``None`` values break the line."""

    xs: Sequence[float]
    ys: Sequence[float | None]
    color: str
    title: str
    dashed: bool = False


def color(index: int) -> str:
    """The colour of series ``index`` (the palette repeats after ten series)."""
    return PALETTE[index % len(PALETTE)]


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering [low, high].

    The "nice numbers" rule of P. Heckbert, "Nice numbers for graph labels", Graphics Gems
    (1990): the range is first widened to a nice number, then the step is the nice number
    nearest to range / (count - 1) — 1, 2 or 5 times a power of ten — and the ticks are the
    step's multiples from floor(low / step) to ceil(high / step).
    """
    if not math.isfinite(low) or not math.isfinite(high):
        raise ValueError(f"tick range must be finite, got [{low}, {high}]")
    if high <= low:
        high = low + 1.0
    step = _nice(_nice(high - low, rounded=False) / max(count - 1, 1), rounded=True)
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [round(i * step, 10) for i in range(first, last + 1)]


def _nice(x: float, *, rounded: bool) -> float:
    """Heckbert's nicenum: a number of the form {1, 2, 5, 10} × 10^k near ``x`` (rounded) or at least ``x``."""
    exponent = math.floor(math.log10(x))
    fraction = x / 10**exponent
    if rounded:
        nice = 1 if fraction < 1.5 else 2 if fraction < 3 else 5 if fraction < 7 else 10
    else:
        nice = 1 if fraction <= 1 else 2 if fraction <= 2 else 5 if fraction <= 5 else 10
    return nice * 10**exponent


def success_bars(categories: Sequence[str], bars: Sequence[Bar]) -> str:
    """Horizontal bars of success rate with ±1 standard-error whiskers, grouped by category (env).

    Horizontal, so that env names of any length stay readable and thirty envs still fit.
    Categories without bars are left out; bar colours come from :func:`color` of their series.
    """
    label_w = min(260.0, max([len(c) for c in categories] + [4]) * FONT_WIDTH + 16)
    bar_h, gap, top, bottom, right = 16.0, 14.0, 26.0, 30.0, 56.0
    width = 1100.0  # about the page's content width, so that text is drawn near 12 px
    plot_w = width - label_w - right
    by_category = {c: [b for b in bars if b.category == c] for c in range(len(categories))}
    height = top + bottom + sum(len(b) * bar_h + gap for b in by_category.values() if b)
    parts = [_open(width, height, "success rate by environment")]
    x = lambda v: label_w + max(0.0, min(1.0, v)) * plot_w  # noqa: E731
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<line class="grid" x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" y2="{height - bottom + 4}"/>')
        parts.append(f'<text class="tick" x="{x(tick):.1f}" y="{height - bottom + 18}" text-anchor="middle">{tick:.0%}</text>')
        parts.append(f'<text class="tick" x="{x(tick):.1f}" y="{top - 10}" text-anchor="middle">{tick:.0%}</text>')
    y = top
    for c, name in enumerate(categories):
        group = sorted(by_category[c], key=lambda b: b.series)
        if not group:
            continue
        block = len(group) * bar_h
        shown = name if len(name) * FONT_WIDTH <= label_w - 16 else name[: int((label_w - 16) / FONT_WIDTH) - 1] + "…"
        parts.append(f'<text class="label" x="{label_w - 10:.1f}" y="{y + block / 2 + 4:.1f}" text-anchor="end">'
                     f'<title>{escape(name)}</title>{escape(shown)}</text>')
        for i, b in enumerate(group):
            by = y + i * bar_h + 2
            low, high = x(b.value - b.error), x(b.value + b.error)
            mid = by + (bar_h - 4) / 2
            parts.append(f'<g class="bar" data-value="{b.value:.6f}"><title>{escape(b.title)}</title>'
                         f'<rect x="{label_w:.1f}" y="{by:.1f}" width="{max(x(b.value) - label_w, 1.5):.1f}" height="{bar_h - 4:.1f}" '
                         f'rx="2" fill="{color(b.series)}"/>')
            if b.error > 0:
                parts.append(f'<path class="err" d="M{low:.1f} {mid:.1f}H{high:.1f}M{low:.1f} {mid - 4:.1f}v8M{high:.1f} {mid - 4:.1f}v8"/>')
            parts.append(f'<text class="value" x="{max(high, x(b.value)) + 6:.1f}" y="{mid + 4:.1f}">{b.value:.0%}</text></g>')
        y += block + gap
    parts.append(f'<line class="axis" x1="{label_w:.1f}" y1="{top - 6}" x2="{label_w:.1f}" y2="{height - bottom + 4}"/>')
    parts.append("</svg>")
    return "".join(parts)


def scatter(points: Sequence[Point], *, x_label: str, y_label: str, title: str, lines: Sequence[Line] = (),
            y_range: tuple[float, float] | None = (0.0, 1.0), y_percent: bool = True,
            size: tuple[float, float] = (540.0, 300.0)) -> str:
    """Markers with vertical error bars over optional lines, on linear axes starting at 0.

    Used for success vs. turns (one point per run × env) and for learning curves (a line per
    RL statistic, a marker per evaluation).
    """
    width, height = size
    left, right, top, bottom = 56.0, 18.0, 16.0, 46.0
    xs = [p.x for p in points] + [v for line in lines for v in line.xs]
    ys = [p.y + p.error for p in points] + [p.y - p.error for p in points] + [v for line in lines for v in line.ys if v is not None]
    x_ticks = nice_ticks(min([0.0, *xs]), max([1.0, *xs]))
    if y_range is None:
        y_ticks = nice_ticks(min([0.0, *ys]), max([1.0, *ys]))
    else:
        y_ticks = nice_ticks(*y_range, count=6)
    x0, x1, y0, y1 = x_ticks[0], x_ticks[-1], y_ticks[0], y_ticks[-1]
    sx = lambda v: left + (v - x0) / (x1 - x0) * (width - left - right)  # noqa: E731
    sy = lambda v: height - bottom - (max(y0, min(y1, v)) - y0) / (y1 - y0) * (height - top - bottom)  # noqa: E731
    parts = [_open(width, height, title)]
    for t in y_ticks:
        parts.append(f'<line class="grid" x1="{left}" y1="{sy(t):.1f}" x2="{width - right}" y2="{sy(t):.1f}"/>')
        text = f"{t:.0%}" if y_percent else _number(t)
        parts.append(f'<text class="tick" x="{left - 8}" y="{sy(t) + 4:.1f}" text-anchor="end">{text}</text>')
    for t in x_ticks:
        parts.append(f'<line class="grid" x1="{sx(t):.1f}" y1="{top}" x2="{sx(t):.1f}" y2="{height - bottom}"/>')
        parts.append(f'<text class="tick" x="{sx(t):.1f}" y="{height - bottom + 18}" text-anchor="middle">{_number(t)}</text>')
    parts.append(f'<path class="axis" d="M{left} {top}V{height - bottom}H{width - right}"/>')
    parts.append(f'<text class="label" x="{(left + width - right) / 2:.1f}" y="{height - 8}" text-anchor="middle">{escape(x_label)}</text>')
    parts.append(f'<text class="label" transform="translate(14 {(top + height - bottom) / 2:.1f}) rotate(-90)" '
                 f'text-anchor="middle">{escape(y_label)}</text>')
    for line in lines:
        parts.append(_polyline(line, sx, sy))
    for p in points:
        cx, cy = sx(p.x), sy(p.y)
        parts.append(f'<g class="pt" data-x="{p.x:.6f}" data-y="{p.y:.6f}"><title>{escape(p.title)}</title>')
        if p.error > 0:
            lo, hi = sy(p.y - p.error), sy(p.y + p.error)
            parts.append(f'<path class="err" d="M{cx:.1f} {lo:.1f}V{hi:.1f}M{cx - 4:.1f} {lo:.1f}h8M{cx - 4:.1f} {hi:.1f}h8"/>')
        parts.append(marker(p.shape, cx, cy, p.color, filled=p.filled) + "</g>")
    parts.append("</svg>")
    return "".join(parts)


def marker(shape: str, cx: float, cy: float, fill: str, *, filled: bool = True, r: float = 5.5) -> str:
    """An SVG marker of ``shape`` (one of :data:`SHAPES`) centred on (cx, cy)."""
    paint = f'fill="{fill}" stroke="{fill}"' if filled else f'fill="var(--bg)" stroke="{fill}"'
    if shape == "square":
        s = r * 0.9
        return f'<rect x="{cx - s:.1f}" y="{cy - s:.1f}" width="{2 * s:.1f}" height="{2 * s:.1f}" {paint} stroke-width="1.5"/>'
    if shape == "triangle":
        return f'<path d="M{cx:.1f} {cy - r * 1.15:.1f}L{cx + r:.1f} {cy + r * 0.75:.1f}H{cx - r:.1f}Z" {paint} stroke-width="1.5"/>'
    if shape == "diamond":
        return f'<path d="M{cx:.1f} {cy - r * 1.2:.1f}L{cx + r:.1f} {cy:.1f}L{cx:.1f} {cy + r * 1.2:.1f}L{cx - r:.1f} {cy:.1f}Z" {paint} stroke-width="1.5"/>'
    if shape == "cross":
        s = r * 0.85
        return (f'<path d="M{cx - s:.1f} {cy - s:.1f}L{cx + s:.1f} {cy + s:.1f}M{cx + s:.1f} {cy - s:.1f}L{cx - s:.1f} {cy + s:.1f}" '
                f'stroke="{fill}" stroke-width="2.5" fill="none"/>')
    return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" {paint} stroke-width="1.5"/>'


def legend_swatch(shape: str, fill: str, *, filled: bool = True, line: bool = False, dashed: bool = False) -> str:
    """A 22×14 inline SVG showing a marker or a line, for legends written in HTML."""
    if line:
        dash = ' stroke-dasharray="4 3"' if dashed else ""
        return (f'<svg class="swatch" width="22" height="14" viewBox="0 0 22 14" aria-hidden="true">'
                f'<line x1="1" y1="7" x2="21" y2="7" stroke="{fill}" stroke-width="2.5"{dash}/></svg>')
    return (f'<svg class="swatch" width="22" height="14" viewBox="0 0 22 14" aria-hidden="true">'
            f'{marker(shape, 11, 7, fill, filled=filled, r=4.5)}</svg>')


def _polyline(line: Line, sx, sy) -> str:
    """Segments of ``line`` between missing values, each a ``<polyline>``."""
    runs: list[list[str]] = [[]]
    for x, y in zip(line.xs, line.ys):
        if y is None:
            runs.append([])
        else:
            runs[-1].append(f"{sx(x):.1f},{sy(y):.1f}")
    dash = ' stroke-dasharray="5 4"' if line.dashed else ""
    body = "".join(f'<polyline class="curve" points="{" ".join(r)}" stroke="{line.color}"{dash}/>' for r in runs if len(r) > 1)
    dots = "".join(f'<circle class="dot" cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="2" fill="{line.color}"/>'
                   for r in runs if len(r) == 1 for p in r)  # a lone value would be invisible as a line
    return f'<g class="line" data-points="{sum(len(r) for r in runs)}"><title>{escape(line.title)}</title>{body}{dots}</g>'


def _open(width: float, height: float, label: str) -> str:
    # no xmlns: inline SVG in HTML needs none, and the page names no URL at all
    return (f'<svg class="chart" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'role="img" aria-label="{escape(label)}">')


def _number(value: float) -> str:
    """A tick label: integers without a decimal point, others with up to three digits."""
    return str(int(value)) if float(value).is_integer() else f"{value:.3g}"
