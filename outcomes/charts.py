"""A questionnaire's scores over time as plain SVG geometry, drawn by a template (no script, no CDN),
as the pain charts are (portal/charts.py): a solid line with round markers and each value written
beside its marker, the baseline as a dashed line, and the same numbers in a table on the page.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 30, 20, 40
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    day: date
    value: str

    @property
    def label_y(self) -> float:
        return round(self.y - 10, 1)


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    line: str
    markers: list[Marker]
    baseline_y: float
    y_ticks: list[tuple[float, int]]
    x_ticks: list[tuple[float, date]]
    plot_left: int
    plot_right: int
    plot_bottom: int


def _number(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def trend_chart(points: list[tuple[date, Decimal]], *, low: int, high: int) -> TrendChart | None:
    """Geometry for (day, score) points, oldest first, on the scale low..high; None without points."""
    if not points:
        return None
    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)

    def x(day: date) -> float:
        if first == last:
            return LEFT + PLOT_W / 2
        return round(LEFT + PLOT_W * (day - first).days / span, 1)

    def y(value) -> float:
        return round(TOP + PLOT_H * float(high - value) / (high - low), 1)

    markers = [Marker(x(day), y(value), day, _number(value)) for day, value in points]
    step = max((high - low) // 5, 1)
    return TrendChart(
        width=WIDTH,
        height=HEIGHT,
        line=" ".join(f"{m.x},{m.y}" for m in markers),
        markers=markers,
        baseline_y=y(points[0][1]),
        y_ticks=[(y(v), v) for v in range(low, high + 1, step)],
        x_ticks=[(x(day), day) for day in sorted({first, last})],
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_bottom=HEIGHT - BOTTOM,
    )
