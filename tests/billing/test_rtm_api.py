"""GET /api/v1/reports/rtm/: the page's figures as JSON, in the same scope, audited."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from billing.models import TreatmentTime
from tests.api.conftest import client_for
from tests.factories import ManagerFactory, PatientFactory, TherapistFactory

from .conftest import run

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/rtm/"


@pytest.fixture
def patient_in_march(therapist, monitored):
    patient = PatientFactory(therapist=therapist)
    monitored(patient, dt.date(2026, 3, 1), run(dt.date(2026, 3, 1), 16))
    TreatmentTime.objects.create(
        patient=patient,
        day=dt.date(2026, 3, 9),
        minutes=41,
        interactive=True,
        by_assistant=True,
        performed_by="Jo",
        activity="Call",
        recorded_by=therapist,
    )
    return patient


def test_the_therapist_and_the_manager_read_the_month(therapist, patient_in_march):
    for user in (therapist, ManagerFactory(clinic=therapist.clinic)):
        body = client_for(user).get(URL, {"month": "2026-03"}).json()
        assert (body["month"], body["first_day"], body["last_day"]) == ("2026-03", "2026-03-01", "2026-03-31")
        [row] = body["patients"]
        assert row["id"] == patient_in_march.pk
        assert [(p["number"], p["days"], p["code"]) for p in row["periods"]] == [
            (1, 16, "98977"),
            (2, 0, None),
        ]
        assert (row["minutes"], row["assistant_minutes"], row["real_time_interaction"]) == (41, 41, True)
        assert [(c["code"], c["units"], c["cq"]) for c in row["codes"]] == [
            ("98975", 1, False),
            ("98977", 1, False),
            ("98980", 1, True),
            ("98981", 1, True),
        ]
    assert AuditEvent.objects.filter(action="report.exported", data__export="api:reports/rtm").count() == 2


def test_a_colleague_or_another_clinic_sees_none_of_the_patients(therapist, patient_in_march):
    for user in (TherapistFactory(clinic=therapist.clinic), TherapistFactory(), ManagerFactory()):
        assert client_for(user).get(URL, {"month": "2026-03"}).json()["patients"] == []


def test_a_bad_month_is_a_400_with_the_field(therapist):
    response = client_for(therapist).get(URL, {"month": "2026-3x"})
    assert response.status_code == 400
    assert "month" in response.json()
