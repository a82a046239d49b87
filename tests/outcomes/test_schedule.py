"""When questionnaires are due: baseline, every 2 weeks of unpaused days, completion; local days."""

import datetime as dt

from outcomes.schedule import Due, due_dates, due_now, is_overdue

START = dt.date(2026, 11, 2)


def _dates(**kwargs):
    values = {"code": "nprs", "start": START, "at_baseline": True, "every_weeks": 2, "at_completion": True}
    return [(due.due_date, due.kind) for due in due_dates(**{**values, **kwargs})]


def test_baseline_then_every_two_weeks():
    assert _dates(until=dt.date(2026, 12, 14)) == [
        (START, "baseline"),
        (dt.date(2026, 11, 16), "follow_up"),
        (dt.date(2026, 11, 30), "follow_up"),
        (dt.date(2026, 12, 14), "follow_up"),
    ]


def test_nothing_is_due_before_the_start():
    assert _dates(until=START - dt.timedelta(days=1)) == []


def test_a_pause_pushes_the_follow_ups_back_by_its_length():
    # Paused 5 days in the first fortnight (from 9 Nov, resumed 14 Nov): due 21 Nov, not 16 Nov.
    paused = {dt.date(2026, 11, 9) + dt.timedelta(days=n) for n in range(5)}
    assert _dates(until=dt.date(2026, 12, 6), paused_days=paused) == [
        (START, "baseline"),
        (dt.date(2026, 11, 21), "follow_up"),
        (dt.date(2026, 12, 5), "follow_up"),
    ]


def test_a_follow_up_falling_in_a_pause_waits_for_the_resume():
    paused = {dt.date(2026, 11, 15) + dt.timedelta(days=n) for n in range(4)}  # 15–18 Nov
    # 13 unpaused days by 14 Nov; the 14th is 19 Nov, so due the day after.
    assert _dates(until=dt.date(2026, 11, 25), paused_days=paused)[1] == (dt.date(2026, 11, 20), "follow_up")


def test_completion_ends_the_schedule_with_its_own_due_date():
    assert _dates(until=dt.date(2026, 12, 31), completed_on=dt.date(2026, 11, 20)) == [
        (START, "baseline"),
        (dt.date(2026, 11, 16), "follow_up"),
        (dt.date(2026, 11, 20), "completion"),
    ]


def test_switched_off_parts_are_not_due():
    assert _dates(until=dt.date(2026, 11, 30), every_weeks=0, at_completion=False) == [(START, "baseline")]
    assert _dates(until=dt.date(2026, 11, 16), at_baseline=False) == [(dt.date(2026, 11, 16), "follow_up")]


def test_due_now_is_the_latest_date_reached_until_answered():
    dues = [Due("nprs", START, "baseline"), Due("nprs", dt.date(2026, 11, 16), "follow_up")]
    assert due_now(dues, answered=set(), today=dt.date(2026, 11, 10)).due_date == START
    # A missed baseline is replaced by the follow-up once that is reached.
    assert due_now(dues, answered=set(), today=dt.date(2026, 11, 16)).due_date == dt.date(2026, 11, 16)
    assert due_now(dues, answered={dt.date(2026, 11, 16)}, today=dt.date(2026, 11, 20)) is None


def test_overdue_after_three_days():
    due = Due("nprs", START, "baseline")
    assert not is_overdue(due, today=START + dt.timedelta(days=2))
    assert is_overdue(due, today=START + dt.timedelta(days=3))
