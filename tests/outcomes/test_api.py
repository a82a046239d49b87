"""Outcome measures through the API: due list, answering (again: 200), scores, schedules."""

import pytest
from rest_framework.test import APIClient

from outcomes.models import PlanOutcome, Response
from patients.services import plan_create_from_template

from ..api.conftest import client_for
from ..factories import PatientFactory


def _api(user) -> APIClient:
    return client_for(user)


@pytest.fixture
def patient_api(instruments, active_plan):
    return _api(active_plan.patient.user)


def test_the_patient_answers_what_is_due_and_again_edits_it(patient_api, active_plan):
    due = patient_api.get("/api/v1/me/questionnaires/").json()
    assert [(row["instrument_code"], row["kind"]) for row in due] == [
        ("nprs", "baseline"),
        ("psfs", "baseline"),
    ]
    first = patient_api.post("/api/v1/responses/", {"instrument_code": "nprs", "answers": [7]}, format="json")
    assert first.status_code == 201 and first.json()["score"]["value"] == "7.00"
    again = patient_api.post("/api/v1/responses/", {"instrument_code": "nprs", "answers": [5]}, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Response.objects.count() == 1
    scores = patient_api.get("/api/v1/scores/").json()["results"]
    assert [(row["instrument_code"], row["value"]) for row in scores] == [("nprs", "5.00")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"instrument_code": "nprs", "answers": [12]}, "answers"),
        ({"instrument_code": "sf36", "answers": [1]}, "instrument_code"),
        ({"instrument_code": "psfs", "answers": [{"name": "socks", "rating": 4}]}, "answers"),
    ],
)
def test_bad_answers_get_a_clear_400_and_change_nothing(patient_api, body, field):
    response = patient_api.post("/api/v1/responses/", body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Response.objects.exists()


def test_the_therapist_sets_a_drafts_schedule_and_reads_the_patients_scores(instruments, active_plan):
    patient, therapist = active_plan.patient, active_plan.patient.therapist
    _api(patient.user).post("/api/v1/responses/", {"instrument_code": "nprs", "answers": [4]}, format="json")
    api = _api(therapist)
    assert api.get("/api/v1/scores/").json()["count"] == 1
    newcomer = PatientFactory(therapist=therapist)
    draft = plan_create_from_template(
        patient=newcomer, template=active_plan.template, start_date=newcomer.local_date(), by=therapist
    )
    body = {"plan": draft.pk, "instrument_code": "psfs", "every_weeks": 3, "at_completion": False}
    assert api.post("/api/v1/schedules/", body, format="json").status_code == 200
    assert PlanOutcome.objects.get(plan=draft, instrument_code="psfs").every_weeks == 3
    bad = api.post("/api/v1/schedules/", {**body, "every_weeks": 13}, format="json")
    assert bad.status_code == 400 and "every_weeks" in bad.json()
    # The approved plan's schedule is frozen: a clear 400.
    live = PlanOutcome.objects.get(plan=active_plan, instrument_code="nprs")
    refused = api.delete(f"/api/v1/schedules/{live.pk}/")
    assert refused.status_code == 400 and "draft plan" in str(refused.json())
    listed = api.get("/api/v1/schedules/", {"plan": draft.pk}).json()["results"]
    assert {row["instrument_code"] for row in listed} == {"nprs", "psfs"}


def test_a_schedule_list_filtered_by_something_that_is_no_plan_id_is_a_clear_400(instruments, active_plan):
    """The value "²" passes str.isdigit() but is no number, 5000 digits are too many for int(), and a typo
    must not answer with every schedule as if there were no filter."""
    api = _api(active_plan.patient.therapist)
    for value in ("²", "9" * 5000, "first"):
        response = api.get("/api/v1/schedules/", {"plan": value})
        assert response.status_code == 400 and "plan" in response.json()
    listed = api.get("/api/v1/schedules/", {"plan": active_plan.pk}).json()["results"]
    assert {row["plan"] for row in listed} == {active_plan.pk}
