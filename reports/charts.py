"""The weekly trend chart as plain SVG geometry, drawn by a template (no script, no inline style).

Two series on a 0–100 % scale: sessions (solid line, round markers) and exercises (dashed
line, square markers). Each point carries its value as text, so the chart reads without
colour; the same numbers are in a table beside it.
"""

from dataclasses import dataclass

from django.utils.formats import date_format

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 24, 48


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str

    # Marker and value-label positions, so the template does no arithmetic.
    @property
    def box_x(self) -> float:
        return round(self.x - 5, 1)

    @property
    def box_y(self) -> float:
        return round(self.y - 5, 1)

    @property
    def above(self) -> float:
        return round(self.y - 10, 1)

    @property
    def below(self) -> float:
        return round(self.y + 20, 1)


@dataclass(frozen=True)
class Series:
    key: str
    points: list[Point]

    @property
    def path(self) -> str:
        return " ".join(f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}" for i, p in enumerate(self.points))


def _y(percent: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - min(percent, 100) / 100)


def weekly_chart(weeks: list[dict]) -> dict:
    """Coordinates for reports/_weekly_chart.svg from adherence_weekly() rows."""
    count = max(len(weeks), 1)
    step = (WIDTH - LEFT - RIGHT) / count
    xs = [LEFT + step * (i + 0.5) for i in range(len(weeks))]
    series = []
    for key, field in (("sessions", "session_pct"), ("exercises", "exercise_pct")):
        points = [
            Point(round(x, 1), round(_y(week[field]), 1), f"{week[field]:.0f}%")
            for x, week in zip(xs, weeks, strict=True)
            if week[field] is not None
        ]
        series.append(Series(key, points))
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "bottom": HEIGHT - BOTTOM,
        "grid": [{"y": round(_y(v), 1), "label": f"{v}%"} for v in (0, 25, 50, 75, 100)],
        "axis_label_x": LEFT - 6,
        "x_labels": [
            {"x": round(x, 1), "label": date_format(week["start"], "j M")}
            for x, week in zip(xs, weeks, strict=True)
        ],
        "sessions": series[0],
        "exercises": series[1],
        "label_y": HEIGHT - BOTTOM + 20,
    }
