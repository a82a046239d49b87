"""The clinic report's weekly trend, drawn with the shared chart pieces (backcare/charts.py).

Two series on a 0–100 % scale: sessions (solid line, round markers, value above) and exercises
(dashed line, square markers, value below). Each point carries its value as text, so the chart
reads without colour; the same numbers are in a table beside it. Each week sits in the middle of
its own slot, so the scale's days run from the middle of the first slot to that of the last.
"""

from dataclasses import dataclass

from backcare.charts import DateScale, Frame, Gridline, Marker, Tick, ValueScale, polyline

FRAME = Frame(width=640, height=280, left=48, right=16, top=24, bottom=48)


@dataclass(frozen=True)
class Series:
    markers: list[Marker]

    @property
    def line(self) -> str:
        return polyline(self.markers)


@dataclass(frozen=True)
class WeeklyChart:
    frame: Frame
    gridlines: list[Gridline]
    ticks: list[Tick]
    tick_y: int
    sessions: Series
    exercises: Series


def weekly_chart(weeks: list[dict]) -> WeeklyChart:
    """Coordinates for reports/_weekly_chart.html from adherence_weekly() rows."""
    slot = (FRAME.plot_right - FRAME.plot_left) / max(len(weeks), 1)
    days = DateScale.over((week["start"] for week in weeks), FRAME, inset=slot / 2) if weeks else None
    percent = ValueScale(0, 100, FRAME)

    def series(field: str, label_offset: int) -> Series:
        markers = []
        for week in weeks:
            if week[field] is not None:
                y = percent.y(week[field])
                label = f"{week[field]:.0f}%"
                markers.append(
                    Marker(days.x(week["start"]), y, label, week["start"], round(y + label_offset, 1))
                )
        return Series(markers)

    return WeeklyChart(
        frame=FRAME,
        gridlines=percent.gridlines(25, label=lambda v: f"{v}%"),
        ticks=days.ticks(week["start"] for week in weeks) if days else [],
        tick_y=FRAME.plot_bottom + 20,
        sessions=series("session_pct", -10),
        exercises=series("exercise_pct", 20),
    )
