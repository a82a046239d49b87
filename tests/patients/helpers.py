"""Shared helpers for the patient-side tests."""

import datetime as dt
from contextlib import contextmanager
from datetime import date
from unittest import mock

from patients.models import Plan
from patients.progression_services import plan_progression_refresh_if_stale
from patients.selectors import plan_exercises_up_to_week
from patients.services import ExerciseEntry, session_log


def entries_for(plan, **overrides) -> list[ExerciseEntry]:
    """Every exercise of the plan's current week done at its targets."""
    return [
        ExerciseEntry.at_targets(item, **overrides)
        for item in plan_exercises_up_to_week(plan=plan, week=plan.current_week)
    ]


def form_data(plan, day: date, **overrides) -> dict:
    """What the session form posts when the patient ticks every exercise, keeps the pre-filled
    targets and presses "Save what I did"."""
    items = list(plan_exercises_up_to_week(plan=plan, week=plan.current_week))
    data = {
        "day": day.isoformat(),
        "completion": "each_exercise",
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


@contextmanager
def on_day(day: date):
    """Run the block as if it were noon (UTC) on `day`: services, pages and the engine take
    "now" and the patient's "today" from `django.utils.timezone.now`."""
    moment = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def log_on(plan, day: date, *, done: int | None = None, pain: int = 3, on: date | None = None):
    """The patient logs `day` on day `on` (default: that day) through `session_log`, shown the
    exercises of the week the engine has them in that day (re-evaluated first, as the today page
    does); the first `done` of them done (default all)."""
    with on_day(on or day):
        live = Plan.objects.filter(patient=plan.patient, status__in=Plan.LIVE_STATUSES).get()
        live = plan_progression_refresh_if_stale(plan=live)  # as the today page does first
        items = list(plan_exercises_up_to_week(plan=live, week=live.current_week))
        done = len(items) if done is None else done
        session, _created = session_log(
            patient=live.patient,
            day=day,
            pain_before=pain,
            pain_after=pain,
            symptom_change="same",
            exercises=[ExerciseEntry.at_targets(item, done=i < done) for i, item in enumerate(items)],
        )
    return session
