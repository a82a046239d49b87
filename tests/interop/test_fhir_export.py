"""A patient's record as FHIR R4: every resource validates against the R4 models of
fhir.resources (its R4B package, the closest to R4 it ships), the bundle survives a round trip,
`_since` keeps only what changed, and only those who may see the patient get it."""

import datetime as dt
import json

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.goal import Goal
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient as FhirPatient

from audit.describe import Names, describe
from audit.models import AuditEvent
from patients.models import SessionLog
from patients.services import plan_revise, session_log
from tests.api.conftest import client_for
from tests.factories import ManagerFactory, PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db

MODELS = {"Patient": FhirPatient, "CarePlan": CarePlan, "Goal": Goal, "Observation": Observation}


def url(patient):
    return f"/api/v1/fhir/Patient/{patient.pk}/$everything"


@pytest.fixture
def record(active_plan):
    """Sam Taylor: an approved plan, a new draft version (not exported), two sessions."""
    patient = active_plan.patient
    patient.user.first_name, patient.user.last_name, patient.user.email = "Sam", "Taylor", "sam@example.org"
    patient.user.save()
    today = patient.local_date()
    for ago, before, after in ((2, 5, 4), (1, 4, 2)):
        session_log(
            patient=patient,
            day=today - dt.timedelta(days=ago),
            pain_before=before,
            pain_after=after,
            symptom_change="better",
        )
    plan_revise(plan=active_plan, by=patient.therapist)
    return patient


def resources(body, kind=None):
    return [e["resource"] for e in body["entry"] if kind is None or e["resource"]["resourceType"] == kind]


def test_every_resource_and_the_bundle_validate_as_fhir_r4(record):
    body = client_for(record.therapist).get(url(record)).json()
    kinds = [r["resourceType"] for r in resources(body)]
    assert kinds == ["Patient", "CarePlan", "Goal"] + ["Observation"] * 4
    for resource in resources(body):
        MODELS[resource["resourceType"]].model_validate(resource)  # raises when invalid
    Bundle.model_validate(body)


def test_the_bundle_says_what_a_clinician_expects(record, active_plan):
    body = client_for(record.therapist).get(url(record)).json()
    [patient] = resources(body, "Patient")
    assert patient["id"] == f"patient-{record.pk}"
    assert patient["name"][0]["family"] == "Taylor" and patient["name"][0]["given"] == ["Sam"]
    [plan] = resources(body, "CarePlan")
    assert (plan["id"], plan["status"], plan["intent"]) == (f"careplan-{active_plan.pk}", "active", "plan")
    assert plan["period"]["start"] == active_plan.start_date.isoformat()
    # The handout's program: nine exercises over three weeks, one activity each.
    assert len(plan["activity"]) == 9
    assert "Week 1" in plan["activity"][0]["detail"]["description"]
    pain = {
        (r["id"].split("-")[1], r["effectiveDateTime"]): r["valueInteger"]
        for r in resources(body, "Observation")
    }
    today = record.local_date()
    assert pain == {
        ("before", (today - dt.timedelta(days=2)).isoformat()): 5,
        ("after", (today - dt.timedelta(days=2)).isoformat()): 4,
        ("before", (today - dt.timedelta(days=1)).isoformat()): 4,
        ("after", (today - dt.timedelta(days=1)).isoformat()): 2,
    }
    for observation in resources(body, "Observation"):
        assert observation["code"]["coding"] == [
            {
                "system": "http://loinc.org",
                "code": "72514-3",
                "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
            }
        ]
        assert observation["subject"] == {"reference": f"Patient/patient-{record.pk}"}
    for entry in body["entry"]:
        r = entry["resource"]
        assert entry["fullUrl"].endswith(f"/api/v1/fhir/{r['resourceType']}/{r['id']}")
        assert r["meta"]["lastUpdated"].endswith("Z")


def test_a_round_trip_keeps_every_resource(record):
    body = client_for(record.therapist).get(url(record)).json()
    again = json.loads(Bundle.model_validate(body).model_dump_json())
    assert [e["resource"]["id"] for e in again["entry"]] == [e["resource"]["id"] for e in body["entry"]]
    assert [e["resource"].get("valueInteger") for e in again["entry"]] == [
        e["resource"].get("valueInteger") for e in body["entry"]
    ]
    assert Bundle.model_validate(again).model_dump() == Bundle.model_validate(body).model_dump()


def test_ids_are_stable_between_exports(record):
    client = client_for(record.therapist)
    ids = [[r["id"] for r in resources(client.get(url(record)).json())] for _ in range(2)]
    assert ids[0] == ids[1]


def test_since_keeps_only_what_changed(record):
    session = SessionLog.objects.filter(patient=record).order_by("date").last()
    later = timezone.now() + dt.timedelta(minutes=5)
    SessionLog.objects.filter(pk=session.pk).update(updated_at=later + dt.timedelta(seconds=1))
    since = later.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = client_for(record.therapist).get(url(record), {"_since": since}).json()
    assert [r["id"] for r in resources(body)] == [f"pain-before-{session.pk}", f"pain-after-{session.pk}"]
    assert client_for(record.therapist).get(url(record), {"_since": "yesterday"}).status_code == 400


@pytest.mark.parametrize("since", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00"])
def test_a_since_past_the_calendar_is_a_clear_400_and_exports_nothing(record, since):
    """A moment that exists only in its own time zone (in UTC it falls outside years 1 to 9999)."""
    manager = ManagerFactory(clinic=record.clinic)
    for response in (
        client_for(record.therapist).get(url(record), {"_since": since}),
        client_for(manager).get("/api/v1/fhir/export/Observation.ndjson", {"_since": since}),
    ):
        assert response.status_code == 400
        assert "_since" in response.json()
    assert not AuditEvent.objects.filter(action="fhir.exported").exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("therapist", 200),
        ("patient", 200),
        ("manager", 200),
        ("colleague", 404),
        ("other_clinic", 404),
        ("other_patient", 404),
        ("anonymous", 401),
    ],
)
def test_only_those_who_may_see_the_patient_get_the_record(record, who, status):
    user = {
        "therapist": lambda: record.therapist,
        "patient": lambda: record.user,
        "manager": lambda: ManagerFactory(clinic=record.clinic),
        "colleague": lambda: TherapistFactory(clinic=record.clinic),
        "other_clinic": lambda: TherapistFactory(),
        "other_patient": lambda: PatientFactory(therapist=record.therapist).user,
        "anonymous": lambda: None,
    }[who]()
    response = client_for(user).get(url(record))
    assert response.status_code == status
    if status != 200:
        assert "Taylor" not in response.content.decode()


def test_an_export_is_in_the_audit_trail_in_words(record):
    client_for(record.therapist).get(url(record))
    event = AuditEvent.objects.get(action="fhir.exported")
    assert event.patient == record
    assert str(describe(event, Names())) == "Exported Sam Taylor's record as FHIR"


def test_the_export_reads_with_a_fixed_number_of_queries(record, django_assert_num_queries):
    from interop.selectors import patient_everything

    with django_assert_num_queries(6):
        patient_everything(user=record.therapist, pk=record.pk)
    plan = record.plans.get(status="approved")
    SessionLog.objects.bulk_create(
        SessionLog(
            patient=record,
            plan=plan,
            date=record.local_date() - dt.timedelta(days=ago),
            pain_before=3,
            pain_after=3,
            symptom_change="same",
        )
        for ago in (0, 3)
    )
    with django_assert_num_queries(6):
        _patient, found = patient_everything(user=record.therapist, pk=record.pk)
    assert len(found) == 3 + 2 * 4
