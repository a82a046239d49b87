"""A small clinic world for API tests: who is who, their tokens, and the objects they reach."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.services import device_token_create
from outcomes.services import response_submit
from patients.models import Alert, Patient, Plan
from patients.services import plan_create_from_template, session_log
from tests.factories import ClinicFactory, ManagerFactory, PatientFactory, TherapistFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing costs about a second per user on a busy machine; these tests are about
    the API, not the hash, and create several users each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        _device, token = device_token_create(user=user, name="Test client")
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@dataclass
class World:
    therapist: object
    therapist_same_clinic: object
    therapist_other_clinic: object
    manager: object
    patient: Patient
    other_patient: Patient
    plan: Plan
    draft: Plan
    session: object
    alert: Alert
    device: object  # the patient's phone (an API token)
    response: object

    def user(self, role: str):
        return {
            "anonymous": None,
            "patient": self.patient.user,
            "other_patient": self.other_patient.user,
            "therapist": self.therapist,
            "therapist_same_clinic": self.therapist_same_clinic,
            "therapist_other_clinic": self.therapist_other_clinic,
            "manager": self.manager,
        }[role]


@pytest.fixture
def world(handout_program, active_plan) -> World:
    """`patient` follows an approved plan of `therapist`; `other_patient` (same therapist)
    has only a draft; a colleague, a manager and another clinic's therapist look on."""
    patient = active_plan.patient
    therapist = patient.therapist
    other_patient = PatientFactory(therapist=therapist)
    draft = plan_create_from_template(
        confirm_start_date=True,
        patient=other_patient,
        template=handout_program,
        start_date=other_patient.local_date(),
        by=therapist,
    )
    yesterday = patient.local_date() - dt.timedelta(days=1)
    session, _ = session_log(
        patient=patient, day=yesterday, pain_before=4, pain_after=3, symptom_change="same"
    )
    # The baseline pain rating, answered: a questionnaire answer and its score.
    answered = response_submit(patient=patient, code="nprs", answers=[5])
    alert = Alert.objects.create(
        patient=patient,
        plan=active_plan,
        session=session,
        kind=Alert.Kind.HURT,
        message="It hurt during the pelvic tilt.",
        cause_key=f"hurt:{session.pk}",
    )
    return World(
        therapist=therapist,
        therapist_same_clinic=TherapistFactory(clinic=therapist.clinic),
        therapist_other_clinic=TherapistFactory(clinic=ClinicFactory()),
        manager=ManagerFactory(clinic=therapist.clinic),
        patient=patient,
        other_patient=other_patient,
        plan=active_plan,
        draft=draft,
        session=session,
        alert=alert,
        device=device_token_create(user=patient.user, name="Sam's phone")[0],
        response=answered.response,
    )
