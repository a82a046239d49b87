"""A pain-over-time chart as plain SVG geometry, drawn by a template (no script, no inline style).

Readable without colour: "before" is a dashed line with square markers, "after" a solid line
with round markers, and the page shows the same numbers as a table.
"""

from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 30, 16, 40
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    day: date
    value: int


@dataclass(frozen=True)
class PainChart:
    width: int
    height: int
    before_line: str
    after_line: str
    before: list[Marker]
    after: list[Marker]
    y_ticks: list[tuple[float, int]]
    x_ticks: list[tuple[float, date]]
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int


MIN_TICK_GAP = 64  # chart units between two date labels ("17 Nov" is about 40 wide)


def _tick_days(days: list[date], x) -> list[date]:
    """The days to label on the x axis: the first, the last, and between them only days far
    enough from the labels on either side that no two labels overlap."""
    ticks = [days[0]]
    for day in days[1:-1]:
        if x(day) - x(ticks[-1]) >= MIN_TICK_GAP and x(days[-1]) - x(day) >= MIN_TICK_GAP:
            ticks.append(day)
    if days[-1] != days[0]:
        ticks.append(days[-1])
    return ticks


def pain_chart(points: list[tuple]) -> PainChart | None:
    """Geometry for (day, pain before, pain after, ...) points, oldest first; None without points."""
    if not points:
        return None
    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)

    def x(day: date) -> float:
        if first == last:
            return LEFT + PLOT_W / 2
        return round(LEFT + PLOT_W * (day - first).days / span, 1)

    def y(value: int) -> float:
        return round(TOP + PLOT_H * (10 - value) / 10, 1)

    before = [Marker(x(p[0]), y(p[1]), p[0], p[1]) for p in points]
    after = [Marker(x(p[0]), y(p[2]), p[0], p[2]) for p in points]
    x_days = _tick_days([p[0] for p in points], x)
    return PainChart(
        width=WIDTH,
        height=HEIGHT,
        before_line=" ".join(f"{m.x},{m.y}" for m in before),
        after_line=" ".join(f"{m.x},{m.y}" for m in after),
        before=before,
        after=after,
        y_ticks=[(y(v), v) for v in (0, 2, 4, 6, 8, 10)],
        x_ticks=[(x(day), day) for day in x_days],
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_top=TOP,
        plot_bottom=HEIGHT - BOTTOM,
    )
