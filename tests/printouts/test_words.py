"""The plan's numbers and rules in the words a patient reads on paper."""

import pytest

from patients.models import PlanWeek
from printouts.words import dose_in_words, move_on_in_words, seconds_in_words, times_in_words


@pytest.mark.parametrize(
    ("hold", "reps", "per_side", "words"),
    [
        (10, 8, True, "Hold 10 seconds, 8 times, each leg."),
        (5, 10, False, "Hold 5 seconds, 10 times."),
        (1, 1, False, "Hold 1 second, 1 time."),
    ],
)
def test_targets_in_words(hold, reps, per_side, words):
    assert dose_in_words(hold_seconds=hold, reps=reps, per_side=per_side) == words


def test_a_range_with_one_value_reads_as_one_value():
    assert seconds_in_words(10, 10) == "10 seconds"
    assert seconds_in_words(5, 10) == "5 to 10 seconds"
    assert times_in_words(5, 5) == "5 times"
    assert times_in_words(5, 10) == "5 to 10 times"


def test_the_handouts_rule_in_words():
    rule = PlanWeek(number=2)  # the defaults: 7 days, 5 sessions, no "worse" in 3, +2 pain, confirm, alert

    assert move_on_in_words(rule, number=2) == [
        "You move on to week 2 when you have done week 1 for at least 7 days, you have logged at least "
        "5 sessions, you did not feel worse at any of your last 3 sessions and your pain has not gone "
        "up by 2 points or more from your usual pain at the start.",
        "Your therapist checks this with you and confirms the move.",
        "If not, you stay in week 1 a little longer and your therapist is told.",
    ]


def test_a_rule_with_conditions_switched_off_says_only_what_is_left():
    rule = PlanWeek(
        number=3,
        min_days_in_previous_week=0,
        min_sessions_in_previous_week=0,
        no_worse_in_last_sessions=1,
        pain_rise_limit=None,
        pain_ceiling=4,
        requires_therapist_confirmation=False,
        on_not_met=PlanWeek.OnNotMet.STAY,
    )

    assert move_on_in_words(rule, number=3) == [
        "You move on to week 3 when you did not feel worse at your last session and your pain after a "
        "session has stayed at 4 out of 10 or lower.",
        "The move happens by itself when this is true.",
        "If not, you stay in week 2 a little longer.",
    ]


def test_a_rule_with_every_condition_off():
    rule = PlanWeek(
        number=2,
        min_days_in_previous_week=0,
        min_sessions_in_previous_week=0,
        no_worse_in_last_sessions=0,
        pain_rise_limit=None,
        pain_ceiling=None,
    )

    assert move_on_in_words(rule, number=2)[0] == "You move on to week 2 when week 1 is over."
