"""The reports API shows what the access layer lets the caller see, and nothing it hides."""

import pytest

from tests.factories import ClinicFactory, ManagerFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/adherence/"


def test_a_manager_compares_the_clinics_therapists(world):
    body = client_for(world.manager).get(URL).json()
    assert [row["therapist_id"] for row in body["therapists"]] == [world.therapist.pk]
    assert world.patient.pk in {row["id"] for row in body["patients"]}


def test_a_therapist_sees_their_own_caseload_and_no_comparison(world):
    body = client_for(world.therapist).get(URL).json()
    assert body["therapists"] == []
    assert {row["id"] for row in body["patients"]} == {world.patient.pk}


@pytest.mark.parametrize("role", ["therapist_same_clinic", "therapist_other_clinic"])
def test_another_therapist_sees_none_of_the_patients(world, role):
    body = client_for(world.user(role)).get(URL).json()
    assert body["therapists"] == [] and body["patients"] == []
    assert body["summary"]["patients"] == 0


def test_another_clinics_manager_sees_none_of_them(world):
    body = client_for(ManagerFactory(clinic=ClinicFactory())).get(URL).json()
    assert body["therapists"] == [] and body["patients"] == []


@pytest.mark.parametrize("role", ["patient", "other_patient"])
def test_patients_may_not_read_reports(world, role):
    response = client_for(world.user(role)).get(URL)
    assert response.status_code == 403
    assert response.json() == {"detail": "Only clinic managers and therapists can read reports."}


def test_every_report_read_through_the_api_is_in_the_clinics_audit_trail(world):
    from audit.models import AuditEvent

    client_for(world.manager).get(URL, {"start": "2025-03-01", "end": "2025-03-28"})
    client_for(world.therapist).get(URL)
    events = AuditEvent.objects.filter(action="report.exported").order_by("created_at", "pk")
    assert [(e.actor, e.clinic, e.data["export"]) for e in events] == [
        (world.manager, world.manager.clinic, "api:reports/adherence"),
        (world.therapist, world.therapist.clinic, "api:reports/adherence"),
    ]
    assert (events[0].data["start"], events[0].data["end"]) == ("2025-03-01", "2025-03-28")


def test_a_refused_report_read_is_not_recorded_as_a_read(world):
    from audit.models import AuditEvent

    client_for(world.manager).get(URL, {"end": "2999-01-01"})
    client_for(world.patient.user).get(URL)
    assert not AuditEvent.objects.filter(action="report.exported").exists()
