"""The chart geometry (backcare/charts.py and the two charts built on it): pure functions, numbers
in and coordinates out, checked for what a reader of the chart would notice."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from backcare.charts import LABEL_WIDTH, PHONE, WIDE, DateScale, PainPoint, ValueScale, pain_chart
from outcomes.charts import trend_chart
from reports.charts import weekly_chart

START = date(2026, 1, 1)


def label_extents(ticks):
    """Where each date label runs, from its x and text-anchor."""
    offset = {"start": 0, "middle": -LABEL_WIDTH / 2, "end": -LABEL_WIDTH}
    return [(t.x + offset[t.anchor], t.x + offset[t.anchor] + LABEL_WIDTH) for t in ticks]


@pytest.mark.parametrize("frame", [PHONE, WIDE])
def test_the_pain_chart_puts_0_at_the_bottom_10_at_the_top_and_the_days_across(frame):
    chart = pain_chart([PainPoint(START, 0, 10), PainPoint(START + timedelta(days=1), 5, 5)], frame=frame)
    assert chart.before[0].y == frame.plot_bottom and chart.after[0].y == frame.plot_top
    assert chart.before[0].x == frame.plot_left and chart.before[1].x == frame.plot_right
    assert [line.label for line in chart.gridlines] == ["0", "2", "4", "6", "8", "10"]
    assert pain_chart([], frame=frame) is None


def test_the_pain_chart_sorts_the_sessions_by_day_and_joins_them_in_that_order():
    later, earlier = PainPoint(START + timedelta(days=3), 2, 1), PainPoint(START, 6, 4)
    chart = pain_chart([later, earlier])
    assert [m.value for m in chart.before] == [6, 2]
    assert (
        chart.before_line
        == f"{PHONE.plot_left}.0,{chart.before[0].y} {PHONE.plot_right}.0,{chart.before[1].y}"
    )


@pytest.mark.parametrize("frame", [PHONE, WIDE])
@pytest.mark.parametrize("offsets", [(0, 1, 6, 7, 8, 13, 14), tuple(range(28)), (0, 1), (0, 27)])
def test_date_labels_name_the_first_and_last_day_never_overlap_and_stay_on_the_chart(frame, offsets):
    days = [START + timedelta(days=n) for n in offsets]
    ticks = pain_chart([PainPoint(day, 3, 2) for day in days], frame=frame).ticks
    assert ticks[0].day == days[0] and ticks[-1].day == days[-1]
    extents = label_extents(ticks)
    assert all(right + 12 <= left for (_l, right), (left, _r) in zip(extents, extents[1:], strict=False))
    assert extents[0][0] >= 0 and extents[-1][1] <= frame.width


def test_a_wide_chart_labels_days_between_the_first_and_the_last_where_they_fit():
    days = [START + timedelta(days=n) for n in (0, 1, 6, 7, 8, 13, 14)]
    ticks = DateScale.over(days, WIDE).ticks(days)
    assert len(ticks) >= 4
    assert len(DateScale.over(days, PHONE).ticks(days)) < len(ticks)  # a phone has room for fewer


def test_a_single_session_sits_in_the_middle_with_one_label():
    chart = pain_chart([PainPoint(START, 4, 3)])
    assert chart.before[0].x == (PHONE.plot_left + PHONE.plot_right) / 2
    assert [(t.day, t.anchor) for t in chart.ticks] == [(START, "middle")]


def test_the_after_value_is_written_away_from_the_before_marker_and_clear_of_the_dates():
    better, worse = PainPoint(START, 6, 3), PainPoint(START + timedelta(days=1), 2, 5)
    gone = PainPoint(START + timedelta(days=2), 4, 0)
    chart = pain_chart([better, worse, gone])
    after = {m.day: m for m in chart.after}
    assert after[better.day].label_y > after[better.day].y  # below: "before" is above it
    assert after[worse.day].label_y < after[worse.day].y  # above: "before" is below it
    # Pain gone after the session: written under the bottom line, above the date labels (15-unit type).
    assert chart.frame.plot_bottom < after[gone.day].label_y <= chart.tick_y - 15


def written(chart) -> list[int]:
    return [m.value for m in chart.after if m.label_y is not None]


def test_after_values_are_written_only_while_they_do_not_crowd_each_other():
    days = [START + timedelta(days=n) for n in range(28)]
    every_other_day = [PainPoint(d, 3, n % 3) for n, d in enumerate(days[::2])]  # 14 sessions
    assert written(pain_chart(every_other_day, frame=WIDE)) == [m.after for m in every_other_day]
    assert not written(pain_chart([PainPoint(d, 3, 2) for d in days], frame=WIDE))  # too many


def test_a_value_that_would_run_into_its_neighbours_is_left_out_but_the_latest_is_written():
    days = [START, START + timedelta(days=26), START + timedelta(days=27)]  # two days running
    chart = pain_chart([PainPoint(days[0], 5, 4), PainPoint(days[1], 3, 1), PainPoint(days[2], 2, 1)])
    assert written(chart) == [4, 1]
    assert chart.after[-1].label_y is not None and chart.after[1].label_y is None
    assert len(written(pain_chart([PainPoint(d, 3, 1) for d in days], frame=WIDE))) == 3  # room for all


def test_values_beyond_the_scale_are_drawn_at_its_edge():
    scale = ValueScale(0, 100, WIDE)
    assert scale.y(130) == scale.y(100) == WIDE.plot_top
    assert scale.y(0) == WIDE.plot_bottom


def test_the_outcome_trend_draws_the_baseline_through_the_first_score_with_clear_date_labels():
    points = [
        (START + timedelta(days=n), Decimal(v)) for n, v in ((0, "12"), (14, "9.5"), (28, "6"), (42, "4"))
    ]
    chart = trend_chart(points, low=0, high=24)
    assert chart.baseline_y == chart.markers[0].y
    assert [m.value for m in chart.markers] == ["12", "9.5", "6", "4"]
    # In from the axes, so the first value is not written over the scale's numbers.
    assert (
        chart.markers[0].x == chart.frame.plot_left + 20
        and chart.markers[-1].x == chart.frame.plot_right - 20
    )
    assert [line.value for line in chart.gridlines] == [0, 4, 8, 12, 16, 20, 24]
    assert [t.day for t in chart.ticks] == [day for day, _v in points]
    assert trend_chart([], low=0, high=24) is None


def test_the_weekly_report_puts_each_week_in_the_middle_of_its_slot_and_skips_empty_weeks():
    weeks = [
        {"start": START + timedelta(days=7 * n), "session_pct": pct, "exercise_pct": 50.0}
        for n, pct in enumerate([100.0, None, 25.0, 110.0])
    ]
    chart = weekly_chart(weeks)
    slot = (chart.frame.plot_right - chart.frame.plot_left) / 4
    xs = [round(chart.frame.plot_left + slot * (n + 0.5), 1) for n in range(4)]
    assert [m.x for m in chart.exercises.markers] == xs
    assert [(m.x, m.value) for m in chart.sessions.markers] == [
        (xs[0], "100%"),
        (xs[2], "25%"),
        (xs[3], "110%"),
    ]
    assert chart.sessions.markers[-1].y == chart.frame.plot_top  # above 100 % stays on the chart
    assert [line.label for line in chart.gridlines] == ["0%", "25%", "50%", "75%", "100%"]
    assert weekly_chart([]).ticks == []


def test_a_questionnaires_scores_are_written_on_the_chart_as_in_the_table():
    """Without trailing zeros, with the reader's decimal mark: "11,5" on a Spanish page."""
    points = [(date(2026, 11, 2), Decimal("11.50")), (date(2026, 11, 16), Decimal("12.00"))]
    with translation.override("en"):
        assert [m.value for m in trend_chart(points, low=0, high=50).markers] == ["11.5", "12"]
    with translation.override("es"):
        assert [m.value for m in trend_chart(points, low=0, high=50).markers] == ["11,5", "12"]
