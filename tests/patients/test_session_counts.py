"""SessionLog.exercises_done — the stored count of a session's exercises done that the reports
add up — always equals the number of its SessionExercise rows marked done: when logged, when
the same day is logged again with fewer done, through the API and the patient's form, and
after migration 0003 fills it in for sessions logged before it existed."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from patients.models import SessionExercise, SessionLog
from patients.services import ExerciseEntry, session_log
from reports import daily as daily_rows
from reports import selectors
from tests.api.conftest import client_for
from tests.factories import PASSWORD

from .helpers import entries_for, form_data

pytestmark = pytest.mark.django_db


def done_rows(session) -> int:
    return SessionExercise.objects.filter(session=session, done=True).count()


def stored(session) -> int:
    return SessionLog.objects.get(pk=session.pk).exercises_done


def log(plan, day, exercises):
    session, _ = session_log(
        patient=plan.patient,
        day=day,
        pain_before=5,
        pain_after=3,
        symptom_change="better",
        exercises=exercises,
    )
    return session


def test_logging_stores_the_count_of_exercises_done(active_plan):
    today = active_plan.patient.local_date()
    entries = entries_for(active_plan)
    entries[0] = ExerciseEntry(plan_exercise_id=entries[0].plan_exercise_id, done=False, hurt=True)
    session = log(active_plan, today, entries)

    assert done_rows(session) == 2  # three exercises in week 1, one not done
    assert stored(session) == 2
    assert session.exercises_done == 2  # the returned object says the same


def test_logging_the_day_again_with_fewer_done_lowers_the_count(active_plan):
    today = active_plan.patient.local_date()
    session = log(active_plan, today, entries_for(active_plan))
    assert stored(session) == done_rows(session) == 3

    first, *rest = entries_for(active_plan)
    again = log(active_plan, today, [first] + [ExerciseEntry(e.plan_exercise_id, done=False) for e in rest])
    assert again.pk == session.pk
    assert stored(again) == done_rows(again) == 1

    pain_only = log(active_plan, today, [])
    assert stored(pain_only) == done_rows(pain_only) == 0


def test_logging_through_the_api_stores_the_count(active_plan):
    client = client_for(active_plan.patient.user)
    ids = [e["id"] for e in client.get("/api/v1/me/today/").json()["exercises"]]
    body = {"pain_before": 4, "pain_after": 3, "symptom_change": "same"}

    all_done = [{"plan_exercise": pk, "done": True, "reps": 5, "hold_seconds": 5} for pk in ids]
    assert client.post("/api/v1/sessions/", {**body, "exercises": all_done}, format="json").status_code == 201
    session = SessionLog.objects.get(patient=active_plan.patient)
    assert stored(session) == done_rows(session) == len(ids) == 3

    one_done = [{"plan_exercise": ids[0], "done": True, "reps": 5}] + [
        {"plan_exercise": pk, "done": False} for pk in ids[1:]
    ]
    assert client.post("/api/v1/sessions/", {**body, "exercises": one_done}, format="json").status_code == 200
    assert stored(session) == done_rows(session) == 1


def test_logging_through_the_patients_form_stores_the_count(client, active_plan):
    patient = active_plan.patient
    client.login(username=patient.user.username, password=PASSWORD)
    day = patient.local_date() - timedelta(days=1)
    data = form_data(active_plan, day)
    untick = data["exercise"][0]
    del data[f"ex{untick}-done"]
    response = client.post(reverse("patients:log"), data)
    assert response.status_code == 302

    session = SessionLog.objects.get(patient=patient, date=day)
    assert stored(session) == done_rows(session) == 2


def test_the_report_counts_what_was_logged(active_plan, manager):
    patient = active_plan.patient
    today = patient.local_date()
    log(active_plan, today - timedelta(days=1), entries_for(active_plan))
    first, *rest = entries_for(active_plan)
    log(active_plan, today, [first] + [ExerciseEntry(e.plan_exercise_id, done=False) for e in rest])

    (row,) = selectors.adherence_by_patient(
        user=manager, clinic=manager.clinic, start=today - timedelta(days=27), end=today
    )
    assert (row.sessions_logged, row.exercises_done) == (2, 3 + 1)
    daily = list(
        daily_rows.adherence_daily_rows(
            user=manager, clinic=manager.clinic, start=today - timedelta(days=1), end=today
        )
    )
    done_column = daily_rows.DAILY_COLUMNS.index("exercises_done")
    assert [r[done_column] for r in daily] == [3, 1]


@pytest.mark.django_db(transaction=True)
def test_migration_0003_fills_the_count_for_sessions_logged_before_it(active_plan):
    today = active_plan.patient.local_date()
    first, *rest = entries_for(active_plan)
    log(active_plan, today - timedelta(days=2), entries_for(active_plan))
    log(
        active_plan,
        today - timedelta(days=1),
        [first] + [ExerciseEntry(e.plan_exercise_id, False) for e in rest],
    )
    log(active_plan, today, [])
    expected = {s.date: done_rows(s) for s in SessionLog.objects.all()}
    assert sorted(expected.values()) == [0, 1, 3]

    before, after = ("patients", "0002_reportsperf_indexes"), ("patients", "0003_reportsfast_session_counts")
    executor = MigrationExecutor(connection)
    executor.migrate([before])  # drops the column (and puts the old partial index back)
    try:
        executor.loader.build_graph()
        executor.migrate([after])  # adds it again, filled from the exercise rows
        assert dict(SessionLog.objects.values_list("date", "exercises_done")) == expected
    finally:  # back to the latest migrations, for the tests that follow
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
