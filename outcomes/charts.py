"""A questionnaire's scores over time, drawn with the shared chart pieces (backcare/charts.py): a
solid line with round markers and each value written above its marker, the baseline as a dashed
line, and the same numbers in a table on the page.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import formats

from backcare.charts import DateScale, Frame, Gridline, Marker, Tick, ValueScale, polyline
from outcomes.scoring import plain_number

FRAME = Frame(width=640, height=240, left=48, right=30, top=20, bottom=40)
# The first and last scores sit this far in from the axes, so their written values stay clear
# of the scale's numbers on the left.
INSET = 20


@dataclass(frozen=True)
class TrendChart:
    frame: Frame
    line: str
    markers: list[Marker]
    baseline_y: float
    gridlines: list[Gridline]
    ticks: list[Tick]
    tick_y: int


def _number(value: Decimal) -> str:
    """A score as the page's table writes it, in the reader's language ("11.5", "11,5")."""
    return formats.number_format(Decimal(plain_number(value)), use_l10n=True)


def trend_chart(points: list[tuple[date, Decimal]], *, low: int, high: int) -> TrendChart | None:
    """Geometry for (day, score) points, oldest first, on the scale low..high; None without points."""
    if not points:
        return None
    days = DateScale.over((day for day, _value in points), FRAME, inset=INSET)
    scores = ValueScale(low, high, FRAME)
    markers = []
    for day, value in points:
        y = scores.y(value)
        markers.append(Marker(days.x(day), y, _number(value), day, label_y=round(y - 10, 1)))
    return TrendChart(
        frame=FRAME,
        line=polyline(markers),
        markers=markers,
        baseline_y=scores.y(points[0][1]),
        gridlines=scores.gridlines(max((high - low) // 5, 1)),
        ticks=days.ticks(day for day, _value in points),
        tick_y=FRAME.plot_bottom + 22,
    )
