"""The RTM counting rules on hand-computed examples (pure functions, no database).

The codes are the 2026 defaults (billing/defaults.py), turned into rules as the report does.
"""

from datetime import date, timedelta

import pytest

from billing import rtm
from billing.defaults import DEFAULT_CODES

FIELDS = ("code", "kind", "min_days", "max_days", "period_days", "minutes", "needs_interaction")
RULES = rtm.Rules(
    codes=tuple(rtm.CodeRule(*(row.get(name) or None for name in FIELDS)) for row in DEFAULT_CODES)
)


def days(first: date, count: int, step: int = 1) -> set[date]:
    return {first + timedelta(days=i * step) for i in range(count)}


@pytest.mark.parametrize(
    ("logged", "code"),
    [(0, None), (1, None), (2, "98985"), (15, "98985"), (16, "98977"), (30, "98977")],
)
def test_one_days_code_per_period_by_its_day_count(logged, code):
    assert rtm.days_code(logged, RULES) == code


@pytest.mark.parametrize(
    ("minutes", "interactive", "codes"),
    [
        (9, True, []),
        (10, True, ["98979"]),
        (19, True, ["98979"]),
        (20, True, ["98980"]),
        (39, True, ["98980"]),
        (40, True, ["98980", "98981"]),
        (41, True, ["98980", "98981"]),
        (60, True, ["98980", "98981 ×2"]),
        (41, False, []),  # no real-time interaction in the month: no management code
        (10, False, []),
    ],
)
def test_minutes_in_a_month_give_management_codes(minutes, interactive, codes):
    earned = rtm.management_codes(minutes, interactive=interactive, assistant=False, rules=RULES)
    assert [str(e) for e in earned] == codes


def test_an_assistants_minutes_mark_the_codes_cq():
    earned = rtm.management_codes(45, interactive=True, assistant=True, rules=RULES)
    assert [str(e) for e in earned] == ["98980-CQ", "98981-CQ"]


def test_periods_run_30_days_from_the_plans_start():
    episode = rtm.Episode(start=date(2026, 1, 20))
    periods = rtm.periods_overlapping(
        episode, date(2026, 3, 1), date(2026, 3, 31), period_days=30, today=date(2026, 6, 1)
    )
    # 20 Jan–18 Feb, 19 Feb–20 Mar, 21 Mar–19 Apr: the last two meet March.
    assert periods == [(2, date(2026, 2, 19), date(2026, 3, 20)), (3, date(2026, 3, 21), date(2026, 4, 19))]


def test_no_period_starts_after_today_or_after_the_episode_ended():
    episode = rtm.Episode(start=date(2026, 1, 20))
    assert rtm.periods_overlapping(
        episode, date(2026, 3, 1), date(2026, 3, 31), period_days=30, today=date(2026, 3, 10)
    ) == [(2, date(2026, 2, 19), date(2026, 3, 20))]
    ended = rtm.Episode(start=date(2026, 1, 20), end=date(2026, 2, 10))
    assert (
        rtm.periods_overlapping(
            ended, date(2026, 3, 1), date(2026, 3, 31), period_days=30, today=date(2026, 6, 1)
        )
        == []
    )


def test_episodes_follow_new_versions_and_restart_after_a_completed_plan():
    plans = [
        (date(2026, 1, 5), True, None),  # first version
        (date(2026, 1, 19), False, date(2026, 2, 1)),  # its new version, completed 1 Feb
        (date(2026, 4, 1), True, None),  # a new program later
    ]
    assert rtm.episodes(plans) == [
        rtm.Episode(date(2026, 1, 5), date(2026, 2, 1)),
        rtm.Episode(date(2026, 4, 1), None),
    ]


def test_setup_is_earned_once_on_the_second_day_with_data():
    episode = rtm.Episode(start=date(2026, 3, 1))
    assert rtm.setup_day({date(2026, 3, 4)}, episode, RULES) is None
    assert rtm.setup_day({date(2026, 3, 9), date(2026, 3, 4), date(2026, 3, 20)}, episode, RULES) == (
        "98975",
        date(2026, 3, 9),
    )


def month(logged, *, minutes=0, interactive=False, start=date(2026, 3, 1), of=date(2026, 3, 1)):
    return rtm.month_rtm(
        month=of,
        today=date(2026, 6, 1),
        episodes=[rtm.Episode(start=start)],
        logged=logged,
        minutes=minutes,
        assistant_minutes=0,
        interactive=interactive,
        rules=RULES,
    )


@pytest.mark.parametrize(
    ("count", "codes"),
    [
        (1, []),
        (2, ["98975", "98985"]),
        (15, ["98975", "98985"]),
        (16, ["98975", "98977"]),
        (30, ["98975", "98977"]),
    ],
)
def test_a_month_of_one_period_with_1_2_15_16_and_30_days(count, codes):
    # Monitoring starts 1 March: period 1 is 1–30 March, period 2 starts 31 March.
    result = month(days(date(2026, 3, 1), count))
    assert [(p.start, p.end, p.days) for p in result.periods] == [
        (date(2026, 3, 1), date(2026, 3, 30), count),
        (date(2026, 3, 31), date(2026, 4, 29), 0),
    ]
    assert [str(e) for e in result.codes] == codes


def test_day_counts_across_a_period_boundary():
    # Start 20 Jan: period 2 is 19 Feb–20 Mar, period 3 from 21 Mar. Days logged 15–26 March.
    result = month(days(date(2026, 3, 15), 12), start=date(2026, 1, 20))
    assert [(p.number, p.days, p.code) for p in result.periods] == [(2, 6, "98985"), (3, 6, "98985")]
    # Period 2 ends in March: its code is counted in March; period 3 ends in April, counted there.
    # The episode's second day with data (16 March) earns the set-up in March.
    assert [str(e) for e in result.codes] == ["98975", "98985"]
    april = month(days(date(2026, 3, 15), 12), start=date(2026, 1, 20), of=date(2026, 4, 1))
    assert [str(e) for e in april.codes] == ["98985"]
    assert [p.number for p in april.periods] == [3, 4]


def test_a_pause_does_not_move_the_periods():
    # Logged 1–10 March, paused 11–24, logged again 25–30 March: one period, 16 days.
    logged = days(date(2026, 3, 1), 10) | days(date(2026, 3, 25), 6)
    result = month(logged)
    assert (result.periods[0].start, result.periods[0].days, result.periods[0].code) == (
        date(2026, 3, 1),
        16,
        "98977",
    )


def test_a_period_still_running_shows_its_count_but_earns_nothing_yet():
    result = rtm.month_rtm(
        month=date(2026, 3, 1),
        today=date(2026, 3, 20),
        episodes=[rtm.Episode(start=date(2026, 3, 1))],
        logged=days(date(2026, 3, 1), 18),
        minutes=0,
        assistant_minutes=0,
        interactive=False,
        rules=RULES,
    )
    assert [(p.days, p.code, p.complete) for p in result.periods] == [(18, "98977", False)]
    assert [str(e) for e in result.codes] == ["98975"]


def test_the_month_adds_management_codes_only_with_an_interaction():
    assert [str(e) for e in month(set(), minutes=41, interactive=True).codes] == ["98980", "98981"]
    assert month(set(), minutes=41, interactive=False).codes == []
