"""The patient's pain chart, drawn on the server as SVG geometry (no JavaScript, no CDN).

`pain_chart` is pure: it takes the numbers and returns coordinates that the template
`patients/includes/pain_chart.html` draws. Two lines that differ by more than colour: pain
before a session is a dashed line with open circles, pain after a solid line with filled
squares, and the "after" values are written next to their markers.
"""

from dataclasses import dataclass
from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 340, 230
LEFT, RIGHT, TOP, BOTTOM = 34, 16, 26, 40
MAX_PAIN = 10


@dataclass(frozen=True)
class ChartPoint:
    day: date
    before: int
    after: int


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    value: int
    day: date
    label_y: float

    @property
    def square(self) -> tuple[float, float]:
        return self.x - 4.5, self.y - 4.5


@dataclass(frozen=True)
class PainChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_bottom: int
    gridlines: list[tuple[float, int]]
    x_labels: list[tuple[float, str]]
    before_line: str
    after_line: str
    before_markers: list[Marker]
    after_markers: list[Marker]
    show_values: bool


def _y(value: int) -> float:
    return round(TOP + (HEIGHT - TOP - BOTTOM) * (MAX_PAIN - value) / MAX_PAIN, 1)


def pain_chart(points: list[ChartPoint]) -> PainChart | None:
    """Geometry for the pain-over-time chart; None when there is nothing to draw."""
    if not points:
        return None
    points = sorted(points, key=lambda p: p.day)
    first, last = points[0].day, points[-1].day
    span = max((last - first).days, 1)
    plot_width = WIDTH - LEFT - RIGHT

    def x(day: date) -> float:
        if first == last:
            return LEFT + plot_width / 2
        return round(LEFT + plot_width * (day - first).days / span, 1)

    before, after = [], []
    for point in points:
        px = x(point.day)
        by, ay = _y(point.before), _y(point.after)
        # Write the "after" value on the side away from the "before" marker.
        label_below = point.after < point.before or (point.after == point.before and point.after > 0)
        before.append(Marker(px, by, point.before, point.day, by))
        after.append(Marker(px, ay, point.after, point.day, ay + 21 if label_below else ay - 10))
    x_labels = [(x(first), formats.date_format(first, _("j M")))]
    if last != first:
        x_labels.append((x(last), formats.date_format(last, _("j M"))))
    return PainChart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_bottom=HEIGHT - BOTTOM,
        gridlines=[(_y(value), value) for value in range(0, MAX_PAIN + 1, 2)],
        x_labels=x_labels,
        before_line=" ".join(f"{m.x},{m.y}" for m in before),
        after_line=" ".join(f"{m.x},{m.y}" for m in after),
        before_markers=before,
        after_markers=after,
        show_values=len(points) <= 14,
    )
