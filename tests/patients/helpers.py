"""Shared helpers for the patient-side tests."""

from datetime import date

from patients.selectors import plan_exercises_up_to_week
from patients.services import ExerciseEntry


def entries_for(plan, **overrides) -> list[ExerciseEntry]:
    """Every exercise of the plan's current week done at its targets."""
    return [
        ExerciseEntry.at_targets(item, **overrides)
        for item in plan_exercises_up_to_week(plan=plan, week=plan.current_week)
    ]


def form_data(plan, day: date, **overrides) -> dict:
    """What the session form posts when the patient keeps the pre-filled targets."""
    items = list(plan_exercises_up_to_week(plan=plan, week=plan.current_week))
    data = {
        "day": day.isoformat(),
        "pain_before": "5",
        "pain_after": "3",
        "symptom_change": "better",
        "note": "",
        "exercise": [str(item.pk) for item in items],
    }
    for item in items:
        data[f"ex{item.pk}-done"] = "on"
        data[f"ex{item.pk}-reps"] = str(item.target_reps)
        data[f"ex{item.pk}-hold"] = str(item.target_hold_seconds)
    data.update(overrides)
    return data
