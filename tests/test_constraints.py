"""The database itself refuses nonsense, whatever code path writes it."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from exercises.models import Exercise, ProgramWeek
from patients.models import SessionLog

from .factories import ClinicFactory, UserFactory


def _exercise(**overrides):
    fields = {"name": "Test", "slug": "test", "starting_position": "-", "instructions": "-"}
    return Exercise(**{**fields, **overrides})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides",
    [
        {"hold_seconds_min": 10, "hold_seconds_max": 5},
        {"reps_min": 8, "reps_max": 4},
        {"reps_min": 0},
        {"hold_seconds_min": 0},
    ],
)
def test_exercise_ranges_must_be_sane(overrides):
    with pytest.raises(IntegrityError):
        _exercise(**overrides).save()


def test_week_numbers_unique_within_a_template(handout_program):
    with pytest.raises(IntegrityError):
        ProgramWeek.objects.create(template=handout_program, number=2, title="Again")


@pytest.mark.django_db
def test_clinic_users_need_a_clinic_and_site_operators_need_none():
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(clinic=None, role="therapist")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(clinic=ClinicFactory(), role="")
    UserFactory(clinic=None, role="", is_superuser=True)


def test_one_session_per_patient_per_day_and_pain_on_the_scale(active_plan):
    fields = {"patient": active_plan.patient, "plan": active_plan, "symptom_change": "same"}
    day = dt.date(2026, 1, 5)
    SessionLog.objects.create(date=day, pain_before=3, pain_after=2, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionLog.objects.create(date=day, pain_before=3, pain_after=2, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionLog.objects.create(date=day + dt.timedelta(days=1), pain_before=11, pain_after=2, **fields)


def test_usernames_are_unique_ignoring_case(db):
    UserFactory(username="rita.moreno")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="Rita.Moreno")


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["starting_position", "instructions", "cautions"])
def test_an_exercises_text_over_the_library_limit_is_refused_by_the_database(field):
    """The forms and the API hold the 4,000-character limit; the database holds it for any other
    path (a script, the admin, a future endpoint)."""
    _exercise(slug="at-the-limit", **{field: "x" * 4000}).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _exercise(slug="over-the-limit", **{field: "x" * 4001}).save()


@pytest.mark.django_db
def test_a_programs_texts_over_the_library_limit_are_refused_by_the_database(handout_program):
    for field in ("description", "general_cautions"):
        with pytest.raises(IntegrityError), transaction.atomic():
            type(handout_program).objects.filter(pk=handout_program.pk).update(**{field: "x" * 4001})
    week = handout_program.weeks.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgramWeek.objects.filter(pk=week.pk).update(introduction="x" * 4001)
