import datetime as dt
from types import SimpleNamespace

import pytest

from patients.models import Alert
from patients.selectors import plan_exercises_up_to_week
from patients.services import ExerciseEntry, plan_revise, session_log
from tests.factories import ManagerFactory, PatientFactory, TherapistFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories hash a password per user; the default hasher is slow by design."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(active_plan):
    """One therapist's patient with an approved plan, a draft revision, a session and an open
    alert; plus a colleague in the same clinic, a therapist of another clinic, the clinic's manager
    and another clinic's manager."""
    patient = active_plan.patient
    therapist = patient.therapist
    today = patient.local_date()
    session, _ = session_log(
        patient=patient,
        day=today - dt.timedelta(days=1),
        pain_before=3,
        pain_after=5,
        symptom_change="worse",
        note="Stiff this morning.",
        exercises=[
            ExerciseEntry(plan_exercise_id=item.pk, done=True, reps=5, hold_seconds=5, hurt=i == 0)
            for i, item in enumerate(plan_exercises_up_to_week(plan=active_plan, week=1))
        ],
    )
    # "It hurt" on the first exercise: the progression engine raises the alert itself.
    alert = Alert.objects.get(patient=patient, kind=Alert.Kind.HURT)
    draft = plan_revise(plan=active_plan, by=therapist)
    return SimpleNamespace(
        therapist=therapist,
        patient=patient,
        plan=active_plan,
        draft=draft,
        session=session,
        alert=alert,
        colleague=TherapistFactory(clinic=therapist.clinic),
        other_clinic=TherapistFactory(),
        manager=ManagerFactory(clinic=therapist.clinic),
        other_manager=ManagerFactory(),
        other_patient=PatientFactory(therapist=therapist),
    )
