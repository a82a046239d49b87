"""Charts drawn on the server as SVG geometry (no JavaScript, no CDN, no inline style).

Every function here is pure: numbers in, coordinates out. Templates draw what they return and
do no arithmetic beyond adding a fixed offset. The pieces every chart shares:

- `Frame`: the viewBox and the plot area inside its margins;
- `DateScale`: days to x, and its date ticks: the first day, the last day, and between them
  only days whose labels keep clear of their neighbours;
- `ValueScale`: values to y (the low end at the bottom), and its gridlines;
- `polyline`: the points string of an SVG <polyline>;
- `Marker`: one data point, where it is drawn and where its value is written.

And the one pain chart (`pain_chart`) that the patient's progress page and the therapist's
patient detail both draw with `templates/includes/pain_chart.html`, so that the two read the same:
pain before a session is a dashed line with open circles, pain after a solid line with filled
squares, and the "after" values are written beside their markers when there are few points
(leaving out a value whose label would run into another's).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

# A date label such as "17 Nov" in 14-unit type is about 45 units wide; labels keep a gap.
LABEL_WIDTH = 48
LABEL_GAP = 12
MARKER_SIZE = 9  # a square marker's side; a round one has half of it as its radius


@dataclass(frozen=True)
class Frame:
    """A chart's viewBox (width × height) and the margins around its plot area."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def plot_left(self) -> int:
        return self.left

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def plot_top(self) -> int:
        return self.top

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom


@dataclass(frozen=True)
class Tick:
    """A date label on the x axis; `anchor` is its SVG text-anchor (start, middle or end)."""

    x: float
    day: date
    anchor: str


@dataclass(frozen=True)
class Gridline:
    y: float
    value: float
    label: str


@dataclass(frozen=True)
class Marker:
    """One data point: where it is drawn, its value, and where that value is written."""

    x: float
    y: float
    value: int | str
    day: date | None = None
    label_y: float | None = None

    @property
    def corner_x(self) -> float:
        """Top-left corner of a square marker centred on the point."""
        return round(self.x - MARKER_SIZE / 2, 1)

    @property
    def corner_y(self) -> float:
        return round(self.y - MARKER_SIZE / 2, 1)


@dataclass(frozen=True)
class DateScale:
    """Days from `first` to `last` spread over the frame's plot width, `inset` in from each side
    (a single day sits in the middle)."""

    first: date
    last: date
    frame: Frame
    inset: float = 0

    @classmethod
    def over(cls, days: Iterable[date], frame: Frame, *, inset: float = 0) -> "DateScale":
        days = list(days)
        return cls(min(days), max(days), frame, inset)

    def x(self, day: date) -> float:
        left, right = self.frame.plot_left + self.inset, self.frame.plot_right - self.inset
        if self.first == self.last:
            return round((left + right) / 2, 1)
        return round(left + (right - left) * (day - self.first).days / (self.last - self.first).days, 1)

    def ticks(self, days: Iterable[date]) -> list[Tick]:
        """The days to label: the first, the last, and between them only days whose labels keep
        `LABEL_GAP` clear of the labels on either side. A label is centred on its day unless that
        would run it off the chart; then it starts (or ends) at its day."""
        days = sorted(set(days))
        if not days:
            return []

        def tick(day: date) -> Tick:
            x = self.x(day)
            if x - LABEL_WIDTH / 2 < 0:
                return Tick(x, day, "start")
            if x + LABEL_WIDTH / 2 > self.frame.width:
                return Tick(x, day, "end")
            return Tick(x, day, "middle")

        def extent(t: Tick) -> tuple[float, float]:
            start = {"start": t.x, "middle": t.x - LABEL_WIDTH / 2, "end": t.x - LABEL_WIDTH}[t.anchor]
            return start, start + LABEL_WIDTH

        first, last = tick(days[0]), tick(days[-1])
        if len(days) == 1:
            return [first]
        chosen = [first]
        for day in days[1:-1]:
            candidate = tick(day)
            low, high = extent(candidate)
            if low - extent(chosen[-1])[1] >= LABEL_GAP and extent(last)[0] - high >= LABEL_GAP:
                chosen.append(candidate)
        return [*chosen, last]


@dataclass(frozen=True)
class ValueScale:
    """Values from `low` (at the bottom of the plot) to `high` (at its top); values outside the
    range are drawn at its edge."""

    low: float
    high: float
    frame: Frame

    def y(self, value: float) -> float:
        value = min(max(float(value), self.low), self.high)
        top, bottom = self.frame.plot_top, self.frame.plot_bottom
        return round(top + (bottom - top) * (self.high - value) / (self.high - self.low), 1)

    def gridlines(self, step: float, label: Callable[[float], str] = str) -> list[Gridline]:
        """A line every `step` from the low end to the high end, each with its label."""
        values, value = [], self.low
        while value <= self.high:
            values.append(value)
            value += step
        return [Gridline(self.y(v), v, label(v)) for v in values]


def without_crowded_labels(markers: Sequence[Marker], *, size: float = 15) -> list[Marker]:
    """The markers with a value label left out (label_y None) where it would overlap a label
    already written, going from the newest point back, so the latest value is always written.
    Labels are `size`-unit type, centred on their x, about 0.6 × size wide per character."""
    kept: list[tuple[float, float, float, float]] = []
    result = []
    for marker in reversed(markers):
        if marker.label_y is not None:
            half = 0.3 * size * len(str(marker.value)) + 1
            box = (marker.x - half, marker.x + half, marker.label_y - 0.75 * size, marker.label_y)
            if any(box[0] < k[1] and k[0] < box[1] and box[2] < k[3] and k[2] < box[3] for k in kept):
                marker = replace(marker, label_y=None)
            else:
                kept.append(box)
        result.append(marker)
    return result[::-1]


def polyline(markers: Sequence[Marker]) -> str:
    """The `points` attribute of an SVG <polyline> through the markers."""
    return " ".join(f"{m.x},{m.y}" for m in markers)


# --- The pain chart ------------------------------------------------------------------------------

MAX_PAIN = 10
SHOW_VALUES_UP_TO = 14  # more points than this and the written values would crowd each other
# On a phone (the patient's progress page) and on a wide page (the therapist's patient detail,
# which scrolls sideways on a phone). The bottom margin leaves room under the plot for an "after"
# value of 0, written below its marker, above the date labels.
PHONE = Frame(width=340, height=240, left=34, right=16, top=26, bottom=50)
WIDE = Frame(width=640, height=270, left=44, right=30, top=26, bottom=50)


@dataclass(frozen=True)
class PainPoint:
    day: date
    before: int
    after: int


@dataclass(frozen=True)
class PainChart:
    frame: Frame
    gridlines: list[Gridline]
    ticks: list[Tick]
    tick_y: int
    before_line: str
    after_line: str
    before: list[Marker]
    after: list[Marker]  # an "after" marker with a label_y has its value written there


def pain_chart(points: Iterable[PainPoint], *, frame: Frame = PHONE) -> PainChart | None:
    """Pain before and after each session, 0 to 10; None when there is nothing to draw."""
    points = sorted(points, key=lambda p: p.day)
    if not points:
        return None
    days = DateScale.over((p.day for p in points), frame)
    pain = ValueScale(0, MAX_PAIN, frame)
    write_values = len(points) <= SHOW_VALUES_UP_TO
    before, after = [], []
    for point in points:
        x, by, ay = days.x(point.day), pain.y(point.before), pain.y(point.after)
        # Write the "after" value on the side away from the "before" marker.
        below = point.after < point.before or (point.after == point.before and point.after > 0)
        label_y = round(ay + 21 if below else ay - 10, 1) if write_values else None
        before.append(Marker(x, by, point.before, point.day))
        after.append(Marker(x, ay, point.after, point.day, label_y=label_y))
    return PainChart(
        frame=frame,
        gridlines=pain.gridlines(2),
        ticks=days.ticks(p.day for p in points),
        tick_y=frame.plot_bottom + 40,
        before_line=polyline(before),
        after_line=polyline(after),
        before=before,
        after=without_crowded_labels(after),
    )
