"""The stored week, state and reasons have one writer: services holding the plan's row lock.

A page that finds the day's evaluation stale refreshes it through the same locked service as a
session log, so a refresh that began before a log committed never overwrites the log's decision.
"""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections

from patients.models import Plan
from patients.progression_services import plan_progression_refresh_if_stale, plans_evaluate_all
from patients.services import plan_approve, plan_create_from_template, plan_pause, plan_resume, session_log

from .helpers import entries_for

pytestmark = pytest.mark.django_db

Ready, Held = Plan.ProgressionState.READY, Plan.ProgressionState.HELD


def log(plan, day, *, today, pain=3, after=None):
    return session_log(
        patient=plan.patient,
        day=day,
        today=today,
        pain_before=pain,
        pain_after=pain if after is None else after,
        symptom_change="same",
        exercises=entries_for(plan),
    )


@pytest.fixture
def week_done(patient, handout_program):
    """A handout plan on its 9th day: week 1 logged every day, pain steady at the baseline.
    The engine says "ready for week 2" (waiting for the therapist)."""
    today = patient.local_date()
    start = today - timedelta(days=8)
    plan = plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=handout_program,
        start_date=start,
        by=patient.therapist,
    )
    plan = plan_approve(plan=plan, by=patient.therapist)
    for n in range(8):
        log(plan, start + timedelta(days=n), today=start + timedelta(days=n), pain=patient.baseline_pain)
    return plan, today


def test_a_page_refreshes_a_day_old_evaluation_and_stores_it(week_done):
    plan, today = week_done
    Plan.objects.filter(pk=plan.pk).update(progression_evaluated_at=None)
    page_plan = Plan.objects.select_related("patient").get(pk=plan.pk)

    shown = plan_progression_refresh_if_stale(plan=page_plan, today=today)

    assert shown is page_plan  # the page's own object, now up to date
    assert shown.progression_state == Ready
    stored = Plan.objects.get(pk=plan.pk)
    assert (stored.progression_state, stored.progression_evaluated_at) == (
        Ready,
        shown.progression_evaluated_at,
    )


def test_a_page_holding_an_old_copy_takes_the_newer_stored_decision(week_done):
    # The page read the plan before a session today held the patient back; its copy looks stale.
    plan, today = week_done
    Plan.objects.filter(pk=plan.pk).update(progression_evaluated_at=None)
    page_plan = Plan.objects.select_related("patient").get(pk=plan.pk)
    log(plan, today, today=today, pain=plan.patient.baseline_pain, after=9)

    shown = plan_progression_refresh_if_stale(plan=page_plan, today=today)

    assert shown.progression_state == Held
    assert Plan.objects.get(pk=plan.pk).progression_state == Held


def test_pausing_and_resuming_re_evaluate_the_plan_at_once(week_done):
    plan, today = week_done
    paused = plan_pause(plan=plan, by=plan.patient.therapist, on=today)
    assert "The plan is paused; paused days do not count." in Plan.objects.get(pk=plan.pk).progression_reasons
    plan_resume(plan=paused, by=plan.patient.therapist, on=today)
    stored = Plan.objects.get(pk=plan.pk)
    assert "The plan is paused; paused days do not count." not in stored.progression_reasons
    assert stored.progression_state == Ready


def test_approving_a_plan_evaluates_it(patient, handout_program):
    start = patient.local_date() - timedelta(days=10)
    draft = plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=handout_program,
        start_date=start,
        by=patient.therapist,
    )
    plan = plan_approve(plan=draft, by=patient.therapist)
    stored = Plan.objects.get(pk=plan.pk)
    assert stored.progression_evaluated_at is not None
    # Ten days without a session: only 0 sessions logged in week 1, so held back from week 2.
    assert stored.progression_state == Held


def test_the_daily_evaluation_stores_each_plan(week_done):
    plan, _today = week_done
    Plan.objects.filter(pk=plan.pk).update(progression_evaluated_at=None, progression_state=Held)
    counts = plans_evaluate_all()
    assert counts["plans"] == 1
    assert Plan.objects.get(pk=plan.pk).progression_state == Ready


@pytest.mark.django_db(transaction=True)
def test_a_page_refresh_racing_a_session_log_never_overwrites_the_logs_decision(week_done):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite serialises every write, so a page and a log can never race; "
            "run with DATABASE_URL=postgres://..."
        )
    plan, today = week_done
    # Yesterday's evaluation: the first page of the day refreshes it.
    Plan.objects.filter(pk=plan.pk).update(progression_evaluated_at=None)
    logged, page_started = threading.Event(), threading.Event()
    failures = []

    def pause_after_the_days_exercises_are_written(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not logged.is_set() and sql.lstrip().upper().startswith("INSERT") and "sessionexercise" in sql:
            logged.set()  # the session is written, not yet committed: the page starts now
            page_started.wait(timeout=10)
            time.sleep(1)  # long enough for the page to read the facts and try to write
        return result

    def patient_logs_a_pain_spike():
        try:
            with connection.execute_wrapper(pause_after_the_days_exercises_are_written):
                log(plan, today, today=today, pain=plan.patient.baseline_pain, after=9)
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            failures.append(exc)
        finally:
            connections.close_all()

    def therapist_opens_the_patients_page():
        try:
            logged.wait(timeout=10)
            page_plan = Plan.objects.select_related("patient").get(pk=plan.pk)
            page_started.set()
            plan_progression_refresh_if_stale(plan=page_plan, today=today)
        except Exception as exc:  # noqa: BLE001
            failures.append(exc)
        finally:
            page_started.set()
            connections.close_all()

    threads = [
        threading.Thread(target=patient_logs_a_pain_spike),
        threading.Thread(target=therapist_opens_the_patients_page),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    assert logged.is_set()  # the two did overlap: the page started while the log was uncommitted
    stored = Plan.objects.get(pk=plan.pk)
    # The log's decision (held back: pain rose to 9 today) stands; the page did not put back "ready".
    assert stored.progression_state == Held
    assert any("Pain rose" in reason for reason in stored.progression_reasons)
