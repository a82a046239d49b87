"""The bulk FHIR export: one NDJSON file per resource type, streamed, for what the caller may
see; every line a valid FHIR R4 resource."""

import datetime as dt
import json

import pytest
from django.utils import timezone
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.goal import Goal
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from audit.models import AuditEvent
from interop.selectors import bulk_resources
from outcomes.services import response_submit
from patients.models import SessionLog
from patients.services import plan_approve, plan_create_from_template
from tests.api.conftest import client_for
from tests.factories import ManagerFactory, PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db

MODELS = {
    "Patient": FhirPatient,
    "CarePlan": CarePlan,
    "Goal": Goal,
    "Observation": Observation,
    "QuestionnaireResponse": QuestionnaireResponse,
}


def export(user, kind, **params):
    response = client_for(user).get(f"/api/v1/fhir/export/{kind}.ndjson", params)
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"] == "application/fhir+ndjson"
    assert response["Cache-Control"] == "no-store, private"
    text = b"".join(response.streaming_content).decode()
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def clinic(handout_program):
    """Two therapists of one clinic, each with a patient on a plan with two sessions and the NPRS
    answered; another clinic."""
    mine = TherapistFactory()
    colleague = TherapistFactory(clinic=mine.clinic)
    patients = []
    for therapist in (mine, colleague, TherapistFactory()):
        patient = PatientFactory(therapist=therapist)
        today = patient.local_date()
        plan = plan_create_from_template(
            confirm_start_date=True,
            patient=patient,
            template=handout_program,
            start_date=today - dt.timedelta(days=5),
            by=therapist,
        )
        plan = plan_approve(plan=plan, by=therapist)
        SessionLog.objects.bulk_create(
            SessionLog(
                patient=patient,
                plan=plan,
                date=today - dt.timedelta(days=n),
                pain_before=4,
                pain_after=3,
                symptom_change="same",
            )
            for n in (1, 2)
        )
        response_submit(patient=patient, code="nprs", answers=[4], today=plan.start_date)
        patients.append(patient)
    return mine, colleague, patients


@pytest.mark.parametrize("kind", list(MODELS))
def test_every_line_is_a_valid_fhir_r4_resource_of_its_type(clinic, kind):
    manager = ManagerFactory(clinic=clinic[0].clinic)
    lines = export(manager, kind)
    assert lines and {line["resourceType"] for line in lines} == {kind}
    for line in lines:
        MODELS[kind].model_validate(line)


def test_the_manager_gets_the_clinic_and_a_therapist_their_own_patients(clinic):
    mine, colleague, (own, theirs, elsewhere) = clinic
    manager = ManagerFactory(clinic=mine.clinic)
    assert {r["id"] for r in export(manager, "Patient")} == {f"patient-{own.pk}", f"patient-{theirs.pk}"}
    assert {r["id"] for r in export(mine, "Patient")} == {f"patient-{own.pk}"}
    subjects = {r["subject"]["reference"] for r in export(mine, "Observation")}
    assert subjects == {f"Patient/patient-{own.pk}"}
    # Two patients: two sessions each, pain before and after, and one questionnaire's score.
    assert len(export(manager, "Observation")) == 2 * (2 * 2 + 1)
    assert AuditEvent.objects.filter(action="fhir.exported", data__kind="Observation").count() == 2


def test_since_keeps_only_what_changed(clinic):
    mine, _colleague, (own, *_others) = clinic
    later = timezone.now() + dt.timedelta(minutes=5)
    session = SessionLog.objects.filter(patient=own).first()
    SessionLog.objects.filter(pk=session.pk).update(updated_at=later + dt.timedelta(seconds=1))
    since = later.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [r["id"] for r in export(mine, "Observation", _since=since)] == [
        f"pain-before-{session.pk}",
        f"pain-after-{session.pk}",
    ]
    assert export(mine, "Patient", _since=since) == []


def test_an_unknown_type_is_404_and_a_patient_is_403(clinic):
    mine, _colleague, (own, *_others) = clinic
    assert client_for(mine).get("/api/v1/fhir/export/Medication.ndjson").status_code == 404
    assert client_for(own.user).get("/api/v1/fhir/export/Patient.ndjson").status_code == 403


def test_each_batch_is_the_same_few_queries_whatever_the_number_of_patients(
    clinic, django_assert_num_queries
):
    manager = ManagerFactory(clinic=clinic[0].clinic)
    # One batch of rows and the empty read that ends it; CarePlans add their weeks and exercises,
    # Observations read the sessions and then the scores.
    kinds = (("Patient", 2), ("Goal", 2), ("Observation", 4), ("CarePlan", 4), ("QuestionnaireResponse", 2))
    for kind, queries in kinds:
        with django_assert_num_queries(queries):
            assert list(bulk_resources(user=manager, kind=kind))
