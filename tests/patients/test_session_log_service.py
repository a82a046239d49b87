"""session_log: one session per local day, edits, the backfill window, validation, time zones
and concurrency."""

import threading
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from patients.models import SessionExercise, SessionLog
from patients.progression_services import ProgressionFacts
from patients.selectors import plan_exercises_up_to_week
from patients.services import (
    ExerciseEntry,
    plan_approve,
    plan_create_from_template,
    plan_pause,
    session_log,
)
from tests.factories import PatientFactory

from .helpers import entries_for

pytestmark = pytest.mark.django_db


def log(plan, day, **kwargs):
    values = {
        "patient": plan.patient,
        "day": day,
        "pain_before": 5,
        "pain_after": 3,
        "symptom_change": "better",
        "exercises": entries_for(plan),
    }
    values.update(kwargs)
    return session_log(**values)


def test_logging_the_same_day_again_edits_that_days_session(active_plan):
    today = active_plan.patient.local_date()
    first, created = log(active_plan, today, pain_after=4, note="stiff")
    again, created_again = log(active_plan, today, pain_after=2, symptom_change="same", note="easier")

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert SessionLog.objects.filter(patient=active_plan.patient).count() == 1
    again.refresh_from_db()
    assert (again.pain_after, again.symptom_change, again.note) == (2, "same", "easier")
    # The exercises reported are replaced, not added to.
    assert SessionExercise.objects.filter(session=again).count() == 3


def test_an_edit_can_untick_an_exercise_and_report_that_it_hurt(active_plan):
    today = active_plan.patient.local_date()
    log(active_plan, today)
    first, *rest = plan_exercises_up_to_week(plan=active_plan, week=1)
    entries = [ExerciseEntry(plan_exercise_id=first.pk, done=False, reps=7, hurt=True)] + [
        ExerciseEntry(plan_exercise_id=item.pk, done=True, reps=6, hold_seconds=8) for item in rest
    ]
    session, _ = log(active_plan, today, exercises=entries)
    reported = {row.plan_exercise_id: row for row in session.exercises.all()}
    assert reported[first.pk].done is False and reported[first.pk].hurt is True
    assert reported[first.pk].reps is None  # nothing counted for an exercise not done
    assert {(row.reps, row.hold_seconds) for pk, row in reported.items() if pk != first.pk} == {(6, 8)}


def test_an_edit_that_leaves_an_exercise_out_drops_it_and_keeps_the_others(active_plan):
    today = active_plan.patient.local_date()
    session, _ = log(active_plan, today)
    first, *rest = plan_exercises_up_to_week(plan=active_plan, week=1)
    fewer = [ExerciseEntry(plan_exercise_id=item.pk, done=True, reps=4, hold_seconds=6) for item in rest]
    log(active_plan, today, exercises=fewer)
    assert {row.plan_exercise_id: (row.reps, row.hold_seconds) for row in session.exercises.all()} == {
        item.pk: (4, 6) for item in rest
    }
    log(active_plan, today, exercises=[])  # a pain-only entry
    assert not session.exercises.exists()
    session.refresh_from_db()
    assert session.exercises_done == 0


@pytest.mark.parametrize("days_back", [1, 2, 3])
def test_a_missed_day_can_be_filled_in_up_to_three_days_back(active_plan, days_back):
    today = active_plan.patient.local_date()
    session, created = log(active_plan, today - timedelta(days=days_back))
    assert created and session.date == today - timedelta(days=days_back)


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (1, "You cannot log a day that has not happened yet."),
        (-4, "Your plan starts on"),
    ],
)
def test_days_outside_the_window_are_refused_and_nothing_is_stored(active_plan, offset, message):
    today = active_plan.patient.local_date()
    with pytest.raises(ValidationError) as error:
        log(active_plan, today + timedelta(days=offset))
    assert message in " ".join(error.value.message_dict["date"])
    assert not SessionLog.objects.exists()


def test_more_than_three_days_back_is_refused_even_when_the_plan_started_earlier(patient, handout_program):
    today = patient.local_date()
    plan = plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=handout_program,
        start_date=today - timedelta(days=20),
        by=patient.therapist,
    )
    plan = plan_approve(plan=plan, by=patient.therapist)
    with pytest.raises(ValidationError) as error:
        log(plan, today - timedelta(days=4))
    assert error.value.message_dict["date"] == ["You can fill in a missed day up to 3 days back."]
    assert not SessionLog.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"pain_before": 11}, "pain_before", "Choose a number from 0 (no pain) to 10."),
        ({"pain_after": -1}, "pain_after", "Choose a number from 0 (no pain) to 10."),
        ({"symptom_change": "fine"}, "symptom_change", "Choose better, same or worse."),
        ({"note": "x" * 2001}, "note", "Keep this to 2000 characters or fewer."),
    ],
)
def test_bad_values_are_refused_with_a_message_and_nothing_is_stored(active_plan, change, field, message):
    with pytest.raises(ValidationError) as error:
        log(active_plan, active_plan.patient.local_date(), **change)
    assert error.value.message_dict[field] == [message]
    assert not SessionLog.objects.exists() and not SessionExercise.objects.exists()


def test_negative_repetitions_are_refused(active_plan):
    entries = entries_for(active_plan)
    entries[0] = ExerciseEntry(plan_exercise_id=entries[0].plan_exercise_id, done=True, reps=-2)
    with pytest.raises(ValidationError) as error:
        log(active_plan, active_plan.patient.local_date(), exercises=entries)
    assert error.value.message_dict["exercises"] == [
        "Single knee-to-chest stretch: repetitions cannot be below 0."
    ]
    assert not SessionLog.objects.exists()


def test_a_done_exercise_needs_its_repetitions(active_plan):
    entries = entries_for(active_plan)
    entries[1] = ExerciseEntry(plan_exercise_id=entries[1].plan_exercise_id, done=True, hold_seconds=5)
    with pytest.raises(ValidationError) as error:
        log(active_plan, active_plan.patient.local_date(), exercises=entries)
    assert error.value.message_dict["exercises"] == [
        "Double knee-to-chest stretch: how many repetitions did you do?"
    ]
    assert not SessionLog.objects.exists()


def test_an_exercise_from_a_later_week_or_another_patients_plan_is_refused(active_plan, handout_program):
    week_three = active_plan.weeks.get(number=3).exercises.first()
    other = PatientFactory(therapist=active_plan.patient.therapist)
    other_plan = plan_approve(
        plan=plan_create_from_template(
            confirm_start_date=True,
            patient=other,
            template=handout_program,
            start_date=other.local_date(),
            by=other.therapist,
        ),
        by=other.therapist,
    )
    someone_elses = plan_exercises_up_to_week(plan=other_plan, week=1).first()
    for foreign in (week_three, someone_elses):
        entries = [*entries_for(active_plan), ExerciseEntry(plan_exercise_id=foreign.pk, done=True, reps=5)]
        with pytest.raises(ValidationError) as error:
            log(active_plan, active_plan.patient.local_date(), exercises=entries)
        assert error.value.message_dict["exercises"] == [
            "One of the exercises is not in your plan for this week."
        ]
    assert not SessionLog.objects.exists()


def test_a_failed_edit_leaves_the_saved_session_as_it_was(active_plan):
    today = active_plan.patient.local_date()
    log(active_plan, today, pain_after=2, note="kept")
    with pytest.raises(ValidationError):
        log(active_plan, today, pain_after=11, note="lost")
    session = SessionLog.objects.get()
    assert (session.pain_after, session.note, session.exercises.count()) == (2, "kept", 3)


def test_nothing_can_be_logged_while_the_plan_is_paused(active_plan):
    plan_pause(plan=active_plan, by=active_plan.patient.therapist, reason="flare-up")
    with pytest.raises(ValidationError) as error:
        log(active_plan, active_plan.patient.local_date())
    assert "paused" in error.value.messages[0]
    assert not SessionLog.objects.exists()


# --- Time zones: a patient's day is their local calendar day ---------------------------------


@pytest.fixture
def los_angeles_plan(handout_program):
    patient = PatientFactory(timezone="America/Los_Angeles")
    plan = plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=handout_program,
        start_date=date(2024, 6, 5),
        by=patient.therapist,
    )
    return plan_approve(plan=plan, by=patient.therapist)


# 23:30 on 10 June in Los Angeles (PDT, UTC-7) is already 06:30 on 11 June in UTC.
LATE_EVENING_IN_LA = datetime(2024, 6, 11, 6, 30, tzinfo=UTC)


def test_half_past_eleven_in_los_angeles_is_still_that_local_day(los_angeles_plan):
    with mock.patch("django.utils.timezone.now", return_value=LATE_EVENING_IN_LA):
        session, _ = log(los_angeles_plan, date(2024, 6, 10))
        assert session.date == date(2024, 6, 10)
        # The UTC date is a day the patient has not reached yet.
        with pytest.raises(ValidationError) as error:
            log(los_angeles_plan, date(2024, 6, 11))
    assert error.value.message_dict["date"] == ["You cannot log a day that has not happened yet."]
    assert list(SessionLog.objects.values_list("date", flat=True)) == [date(2024, 6, 10)]


def test_after_local_midnight_the_window_moves_on(los_angeles_plan):
    # 00:30 on 11 June in Los Angeles: 11 June to 8 June may be logged, 7 June no longer.
    with mock.patch("django.utils.timezone.now", return_value=datetime(2024, 6, 11, 7, 30, tzinfo=UTC)):
        assert log(los_angeles_plan, date(2024, 6, 11))[0].date == date(2024, 6, 11)
        assert log(los_angeles_plan, date(2024, 6, 8))[0].date == date(2024, 6, 8)
        with pytest.raises(ValidationError):
            log(los_angeles_plan, date(2024, 6, 7))


def test_a_day_logged_a_moment_ago_by_another_request_is_edited_not_doubled(active_plan):
    # The day's row appears between reading the history and inserting (another request, under
    # another version's lock): the upsert finds it there and the log edits it instead. (Under
    # the plan's lock the log had not seen it, so it reports the day as new.)
    today = active_plan.patient.local_date()
    first, _ = log(active_plan, today, pain_after=3)
    read_facts = ProgressionFacts.__init__

    def facts_without_the_day(self, *args, **kwargs):
        read_facts(self, *args, **kwargs)
        self.logged = {}

    with mock.patch.object(ProgressionFacts, "__init__", facts_without_the_day):
        again, _created = log(active_plan, today, pain_after=1, note="second")
    assert again.pk == first.pk
    stored = SessionLog.objects.get(patient=active_plan.patient, date=today)
    assert (stored.pain_after, stored.note) == (1, "second")
    assert SessionExercise.objects.filter(session=stored).count() == len(entries_for(active_plan))


# --- Concurrency ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_of_the_same_day_make_one_session(active_plan):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite serialises every write, so two requests can never race; "
            "run with DATABASE_URL=postgres://..."
        )
    today = active_plan.patient.local_date()
    barrier = threading.Barrier(2)
    results, failures = [], []

    def submit(pain_after):
        try:
            barrier.wait(timeout=10)
            results.append(log(active_plan, today, pain_after=pain_after))
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(n,)) for n in (2, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    assert sorted(created for _, created in results) == [False, True]
    session = SessionLog.objects.get(patient=active_plan.patient, date=today)
    assert session.pain_after in (2, 4)  # the later submission wins, whole
    assert SessionExercise.objects.filter(session=session).count() == 3


# --- Saying what was done: "everything as prescribed", or exercise by exercise -----------------


def test_as_prescribed_records_every_exercise_of_the_week_at_its_targets(active_plan):
    session, created = log(active_plan, active_plan.patient.local_date(), exercises=None, as_prescribed=True)
    items = plan_exercises_up_to_week(plan=active_plan, week=active_plan.current_week)
    rows = {(r.plan_exercise_id, r.done, r.reps, r.hold_seconds, r.hurt) for r in session.exercises.all()}
    assert created
    assert rows == {(i.pk, True, i.target_reps, i.target_hold_seconds, False) for i in items}
    assert SessionLog.objects.get(pk=session.pk).exercises_done == len(items)


def test_as_prescribed_and_exercise_entries_together_are_refused(active_plan):
    with pytest.raises(ValidationError) as refused:
        log(active_plan, active_plan.patient.local_date(), as_prescribed=True)
    assert "either that you did everything as prescribed, or what you did for each exercise" in str(
        refused.value
    )
    assert not SessionLog.objects.exists()


def test_a_session_with_nothing_marked_done_is_stored_with_nothing_done(active_plan):
    """Nothing is assumed done: the pain and symptoms are kept (safety signals), no exercise counts."""
    session, _ = log(
        active_plan, active_plan.patient.local_date(), exercises=entries_for(active_plan, done=False)
    )
    assert SessionLog.objects.get(pk=session.pk).exercises_done == 0
    assert not SessionExercise.objects.filter(session=session, done=True).exists()
