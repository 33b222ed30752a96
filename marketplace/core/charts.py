"""Line charts as SVG, built on the server: no JavaScript, no library, nothing from a CDN.

A chart must be readable without colour: every series has its own line style and marker
shape, and the page shows the same numbers in a table beside it. The SVG carries a title and
a description for screen readers (``role="img"`` with ``aria-labelledby``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 84, 40, 16, 40
FONT = 14


@dataclass(frozen=True)
class Style:
    stroke: str
    dash: str  # SVG stroke-dasharray; "" for a solid line
    marker: str  # "circle", "square" or "triangle"
    width: int = 3


# Told apart by line and marker, not only by colour (colours meet 3:1 against white).
SOLID_CIRCLE = Style("#0b5c7a", "", "circle")
DASHED_SQUARE = Style("#1b1f24", "9 6", "square", 2)
DOTTED_TRIANGLE = Style("#1e6b34", "2 5", "triangle")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int | None]  # one per x position; None leaves a gap
    style: Style


def nice_step(maximum: int, ticks: int = 5) -> int:
    """The smallest round step (1, 2, 2.5 or 5 times a power of ten) with which ``ticks`` steps
    reach ``maximum``."""
    if maximum <= 0:
        return 1
    raw = -(-maximum // ticks)  # ceiling
    power = 1
    while power * 10 <= raw:
        power *= 10
    candidates = [power, 2 * power, *([5 * power // 2] if power % 2 == 0 else []), 5 * power, 10 * power]
    return next(step for step in candidates if step >= raw)


def marker(style: Style, x: float, y: float) -> str:
    fill = f'fill="{style.stroke}"'
    if style.marker == "square":
        return f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" {fill}/>'
    if style.marker == "triangle":
        return f'<polygon points="{x:.1f},{y - 6:.1f} {x + 6:.1f},{y + 5:.1f} {x - 6:.1f},{y + 5:.1f}" {fill}/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" {fill}/>'


def swatch(style: Style) -> Markup:
    """A small picture of a series' line and marker, for a legend in HTML."""
    dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
    return Markup(f'<svg class="swatch" width="44" height="16" viewBox="0 0 44 16" aria-hidden="true" focusable="false">'
                  f'<line x1="2" y1="8" x2="42" y2="8" stroke="{style.stroke}" stroke-width="{style.width}"{dash}/>'
                  f'{marker(style, 22, 8)}</svg>')


def line_chart(title: str, description: str, x_labels: Sequence[str], series: Sequence[Series],
               y_label: Callable[[int], str], chart_id: str = "chart") -> Markup:
    """An SVG line chart of ``series`` over ``x_labels``, its y axis labelled by ``y_label``."""
    count = len(x_labels)
    values = [v for s in series for v in s.values if v is not None]
    step = nice_step(max([*values, 0]))
    top_value = step * max(1, -(-max([*values, 0]) // step))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_at(i: int) -> float:
        return LEFT + (plot_w / 2 if count == 1 else i * plot_w / (count - 1))

    def y_at(value: int) -> float:
        return TOP + plot_h - value * plot_h / top_value

    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-size="{FONT}" '
             f'font-family="system-ui, sans-serif" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{chart_id}-title">{escape(title)}</title>',
             f'<desc id="{chart_id}-desc">{escape(description)}</desc>']
    for tick in range(0, top_value + 1, step):
        y = y_at(tick)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#c9d1d9"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{y + 5:.1f}" text-anchor="end" fill="#1b1f24">'
                     f'{escape(y_label(tick))}</text>')
    every = max(1, -(-count // 6))  # at most about six labels on the x axis
    for i, label in enumerate(x_labels):
        if i % every == 0 or i == count - 1:
            parts.append(f'<text x="{x_at(i):.1f}" y="{HEIGHT - 12}" text-anchor="middle" fill="#1b1f24">'
                         f'{escape(label)}</text>')
    for s in series:
        runs, run = [], []
        for i, value in enumerate(s.values):
            if value is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append((x_at(i), y_at(value)))
        if run:
            runs.append(run)
        dash = f' stroke-dasharray="{s.style.dash}"' if s.style.dash else ""
        parts.append(f'<g class="series" data-series="{escape(s.name)}">')
        for points in runs:
            if len(points) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
                parts.append(f'<polyline points="{path}" fill="none" stroke="{s.style.stroke}" '
                             f'stroke-width="{s.style.width}"{dash}/>')
            parts.extend(marker(s.style, x, y) for x, y in points)
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))
