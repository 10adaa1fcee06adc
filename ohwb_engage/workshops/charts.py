"""Server-rendered chart geometry: the template draws the SVG, this works out where things go.

Pure functions of the numbers, so a chart needs no JavaScript and a test can check it.
Every chart is drawn beside a table of the same numbers (the accessible alternative).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    bars: tuple[Bar, ...]
    maximum: int


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    columns: tuple[Bar, ...]
    maximum: int
    line_points: str  # "x,y x,y ..." for an SVG polyline (the running total), or ""
    line_maximum: int


def horizontal_bars(
    rows: Sequence[tuple[str, int]], width: int = 680, label_width: int = 270, row: int = 30
) -> BarChart:
    """One bar per row, longest for the largest value; labels on the left, values at the end."""
    maximum = max((value for _, value in rows), default=0)
    plot = width - label_width - 60
    bars = tuple(
        Bar(
            label=label,
            value=value,
            x=label_width,
            y=i * row + 4,
            width=round(plot * value / maximum, 1) if maximum else 0.0,
            height=row - 10,
        )
        for i, (label, value) in enumerate(rows)
    )
    return BarChart(width, max(row, len(rows) * row), label_width, bars, maximum)


def columns_with_total(
    rows: Sequence[tuple[str, int]], width: int = 640, height: int = 260
) -> ColumnChart:
    """Columns for each period's value and a line for the running total (on its own scale)."""
    top, bottom, left, right = 20, height - 50, 10, 10
    maximum = max((value for _, value in rows), default=0)
    slot = (width - left - right) / max(1, len(rows))
    plot = bottom - top
    columns = []
    points = []
    running = 0
    total = sum(value for _, value in rows)
    for i, (label, value) in enumerate(rows):
        h = plot * value / maximum if maximum else 0.0
        x = left + i * slot
        columns.append(
            Bar(
                label,
                value,
                round(x + slot * 0.15, 1),
                round(bottom - h, 1),
                round(slot * 0.7, 1),
                round(h, 1),
            )
        )
        running += value
        ly = bottom - (plot * running / total if total else 0.0)
        points.append(f"{round(x + slot / 2, 1)},{round(ly, 1)}")
    return ColumnChart(width, height, top, bottom, tuple(columns), maximum, " ".join(points), total)
