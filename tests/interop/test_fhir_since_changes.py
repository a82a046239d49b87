"""Incremental FHIR export (`_since`) sends again whatever a receiving record shows that changed:
a patient renamed or whose login was deactivated, a plan paused or completed. Before, the Patient's
"last updated" was fixed at creation and a plan's ignored pauses, so the receiving system kept the
old name, `active: true` and an active CarePlan for a paused plan."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from patients.services import patient_update, plan_pause
from tests.api.conftest import client_for
from tests.factories import ManagerFactory

pytestmark = pytest.mark.django_db


def since(moment) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def everything(patient, moment):
    body = client_for(patient.therapist).get(
        f"/api/v1/fhir/Patient/{patient.pk}/$everything", {"_since": since(moment)}
    )
    assert body.status_code == 200
    return {e["resource"]["id"]: e["resource"] for e in body.json()["entry"]}


def bulk(patient, kind, moment):
    manager = ManagerFactory(clinic=patient.clinic)
    response = client_for(manager).get(f"/api/v1/fhir/export/{kind}.ndjson", {"_since": since(moment)})
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    return {r["id"]: r for r in map(json.loads, lines)}


@pytest.fixture
def exported(active_plan):
    """A patient with an approved plan, exported once: the moment after that export."""
    moment = timezone.now() + dt.timedelta(milliseconds=5)
    while timezone.now() <= moment:
        pass
    return active_plan, moment


def test_nothing_changed_nothing_sent_again(exported):
    plan, moment = exported
    assert everything(plan.patient, moment) == {}
    assert bulk(plan.patient, "Patient", moment) == {}


def test_a_renamed_patient_is_sent_again_with_the_new_name(exported):
    plan, moment = exported
    patient = patient_update(patient=plan.patient, by=plan.patient.therapist, last_name="Rivera")
    resource = everything(patient, moment)[f"patient-{patient.pk}"]
    assert resource["name"][0]["family"] == "Rivera"
    assert resource["meta"]["lastUpdated"] >= since(moment)[:19]
    assert bulk(patient, "Patient", moment)[f"patient-{patient.pk}"]["name"][0]["family"] == "Rivera"


def test_a_deactivated_login_is_sent_again_as_inactive(exported):
    plan, moment = exported
    user = plan.patient.user
    user.is_active = False
    user.save()  # as the Django admin does
    assert bulk(plan.patient, "Patient", moment)[f"patient-{plan.patient.pk}"]["active"] is False


def test_a_paused_plan_is_sent_again_on_hold(exported):
    plan, moment = exported
    plan_pause(plan=plan, by=plan.patient.therapist, reason="Flare-up")
    careplan = everything(plan.patient, moment)[f"careplan-{plan.pk}"]
    assert careplan["status"] == "on-hold"
    assert bulk(plan.patient, "CarePlan", moment)[f"careplan-{plan.pk}"]["status"] == "on-hold"
