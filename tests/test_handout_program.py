"""The handout's program ships with the product with every number exactly as printed."""

import pytest
from django.core.management import call_command

from exercises.models import ProgramTemplate, WeekExercise

# Written from the handout (shared/seeds): (week, exercise, per leg, hold s, repetitions)
HANDOUT = [
    (1, "single-knee-to-chest", True, (5, 10), (5, 10)),
    (1, "double-knee-to-chest", False, (5, 10), (5, 10)),
    (1, "pelvic-tilt", False, (5, 10), (5, 10)),
    (2, "partial-curl", False, (5, 10), (5, 10)),
    (2, "supine-hamstring-stretch", True, (5, 10), (5, 10)),
    (2, "lying-hip-rotation-stretch", True, (5, 10), (5, 5)),
    (3, "forearm-press-up", False, (10, 10), (5, 10)),
    (3, "hands-and-knees-leg-extension", True, (5, 5), (5, 10)),
    (3, "bridge", False, (5, 5), (5, 10)),
]
WEEK_TITLES = {1: "Getting started", 2: "Taking it to the next level", 3: "Strengthening your core"}


@pytest.mark.parametrize(("week", "slug", "per_side", "hold", "reps"), HANDOUT)
def test_each_exercise_has_the_handouts_numbers(handout_program, week, slug, per_side, hold, reps):
    item = WeekExercise.objects.select_related("exercise", "week").get(
        week__template=handout_program, exercise__slug=slug
    )
    assert item.week.number == week
    assert item.exercise.per_side is per_side
    assert (item.hold_seconds_min, item.hold_seconds_max) == hold
    assert (item.reps_min, item.reps_max) == reps


def test_weeks_are_cumulative_three_six_nine(handout_program):
    weeks = list(handout_program.weeks.order_by("number"))
    assert [w.number for w in weeks] == [1, 2, 3]
    assert {w.number: w.title for w in weeks} == WEEK_TITLES
    running = 0
    for week, expected in zip(weeks, [3, 6, 9], strict=True):
        running += week.exercises.count()
        assert running == expected


def test_conditions_to_move_on_and_cautions(handout_program):
    week2 = handout_program.weeks.get(number=2)
    week3 = handout_program.weeks.get(number=3)
    assert "worsening pain" in week2.introduction
    assert "doing well" in week3.introduction
    for week in (week2, week3):
        assert week.min_days_in_previous_week == 7
        assert week.requires_therapist_confirmation
        assert week.pain_rise_limit == 2
    assert "stop if it hurts" in handout_program.general_cautions
    assert "clinician says it is safe" in handout_program.general_cautions


def test_loading_again_changes_nothing(handout_program):
    call_command("load_programs", verbosity=0)
    call_command("load_programs", verbosity=0)
    assert ProgramTemplate.objects.count() == 1
    assert WeekExercise.objects.filter(week__template=handout_program).count() == 9
