import pytest
from django.core.management import call_command

from accounts.models import Clinic, User
from patients.models import Patient, Plan, SessionLog

DEMO_LOGINS = ["therapist", "therapist2", "manager", "patient", "other-therapist"]


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)


def test_demo_logins_work_with_the_documented_password(demo, client):
    for username in DEMO_LOGINS:
        assert client.login(username=username, password="backcare-demo"), username
        client.logout()


def test_demo_clinic_has_history_and_a_second_clinic(demo):
    riverside = Clinic.objects.get(slug="riverside")
    assert Patient.objects.filter(clinic=riverside).count() >= 20
    assert Patient.objects.exclude(clinic=riverside).exists()
    assert User.objects.get(username="other-therapist").clinic != riverside
    # every demo patient follows an approved plan with weeks of history
    assert not Plan.objects.exclude(status=Plan.Status.APPROVED).exists()
    assert SessionLog.objects.filter(patient__clinic=riverside).count() > 200


def test_demo_patient_is_midway_through_week_two(demo):
    patient = Patient.objects.get(user__username="patient")
    plan = patient.plans.get(status=Plan.Status.APPROVED)
    assert patient.therapist.username == "therapist"
    assert plan.current_week == 2
    assert patient.sessions.exists()


def test_loading_the_demo_again_changes_nothing(demo):
    before = (Patient.objects.count(), SessionLog.objects.count())
    call_command("load_demo", verbosity=0)
    assert (Patient.objects.count(), SessionLog.objects.count()) == before
