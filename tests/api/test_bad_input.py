"""Bad input under /api/: every refusal is JSON a client can read (400, 404, 413, 500 alike),
and names cannot carry characters that reverse how text is shown."""

import json
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from patients.models import Patient, SessionLog
from patients.services import patient_create

from .conftest import client_for

pytestmark = pytest.mark.django_db

SESSION = {"pain_before": 4, "pain_after": 3, "symptom_change": "same"}
DEPTH_MESSAGE = "The JSON is nested more than 32 levels deep."
BIDI_MESSAGE = (
    "Remove the invisible characters that change the direction of text "
    "(right-to-left and left-to-right marks, overrides and isolates)."
)


def _json_error(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    return response.json()


def _patient_api(world):
    api = client_for(world.patient.user)
    api.raise_request_exception = False
    return api


@pytest.mark.parametrize("depth", [33, 5_000, 200_000])
def test_deeply_nested_json_is_a_clear_400(world, depth):
    body = '{"note": ' + "[" * depth + "]" * depth + "}"
    response = _patient_api(world).post("/api/v1/sessions/", body, content_type="application/json")
    assert _json_error(response, 400) == {"detail": DEPTH_MESSAGE}
    assert not SessionLog.objects.filter(patient=world.patient, date=world.patient.local_date()).exists()


def test_json_nested_up_to_the_limit_is_read():
    from api.parsers import MAX_DEPTH, json_depth

    nested = 0
    for _ in range(MAX_DEPTH - 1):
        nested = [nested]
    assert json_depth({"a": nested}) == MAX_DEPTH


def test_a_session_sent_with_ordinary_json_still_works(world):
    response = _patient_api(world).post(
        "/api/v1/sessions/", json.dumps(SESSION), content_type="application/json"
    )
    assert response.status_code == 201


def test_a_body_over_1_mb_is_a_json_413(world):
    body = json.dumps({**SESSION, "note": "x" * 1_200_000})
    response = _patient_api(world).post("/api/v1/sessions/", body, content_type="application/json")
    detail = _json_error(response, 413)["detail"]
    assert detail == "The request body is larger than 1 MB. Nothing was saved."
    assert not SessionLog.objects.filter(patient=world.patient, date=world.patient.local_date()).exists()


def test_a_body_over_1_mb_on_a_page_is_still_the_400_page(client, therapist):
    client.force_login(therapist)
    response = client.post(reverse("portal:patient_add"), {"first_name": "x" * 1_200_000})
    assert response.status_code == 400 and "We could not accept that request" in response.content.decode()


def test_an_unknown_api_address_is_a_json_404(world):
    assert _json_error(_patient_api(world).get("/api/v1/nothing-here/"), 404) == {"detail": "Not found."}


def test_a_crash_under_the_api_is_a_json_500(world):
    with mock.patch("patients.services.session_log", side_effect=RuntimeError("bug")):
        response = _patient_api(world).post("/api/v1/sessions/", SESSION, format="json")
    detail = _json_error(response, 500)["detail"]
    assert detail == "Something went wrong on our side. Nothing was saved; please try again later."


def test_a_crash_on_a_page_is_still_the_html_500(client, active_plan):
    client.raise_request_exception = False
    client.force_login(active_plan.patient.user)
    with mock.patch("patients.views.render", side_effect=RuntimeError("bug")):
        response = client.get(reverse("patients:today"))
    assert response.status_code == 500 and response["Content-Type"].startswith("text/html")


def test_a_request_refused_before_any_view_is_json_under_the_api(world):
    response = _patient_api(world).get("/api/v1/me/today/", HTTP_HOST="evil.example")
    assert _json_error(response, 400) == {"detail": "Bad request."}


# --- Names ----------------------------------------------------------------------------------

BIDI = [
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
]


@pytest.mark.parametrize("char", BIDI, ids=[f"U+{ord(c):04X}" for c in BIDI])
@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_direction_controls_in_a_name_are_refused_by_the_api(world, field, char):
    body = {"username": "rtl.sam", "first_name": "Sam", "last_name": "Taylor", field: f"Sam{char}gpj.exe"}
    response = client_for(world.therapist).post("/api/v1/patients/", body, format="json")
    assert _json_error(response, 400) == {field: [BIDI_MESSAGE]}
    assert not User.objects.filter(username="rtl.sam").exists()


def test_direction_controls_cannot_be_added_to_a_name_later(world):
    response = client_for(world.therapist).patch(
        f"/api/v1/patients/{world.patient.pk}/", {"last_name": "Taylor\u202eevil"}, format="json"
    )
    assert _json_error(response, 400) == {"last_name": [BIDI_MESSAGE]}
    world.patient.user.refresh_from_db()
    assert "\u202e" not in world.patient.user.last_name


def test_the_portal_form_says_the_same(client, therapist):
    client.force_login(therapist)
    data = {"username": "rtl.sam", "first_name": "Sam\u2067", "last_name": "Taylor", "access": "invite"}
    response = client.post(reverse("portal:patient_add"), data)
    assert response.status_code == 200
    assert BIDI_MESSAGE in response.content.decode()
    assert not Patient.objects.filter(user__username="rtl.sam").exists()


def test_the_service_refuses_them_in_a_username_too(therapist):
    with pytest.raises(ValidationError) as refused:
        patient_create(therapist=therapist, username="sam\u202e", first_name="Sam", last_name="Taylor")
    assert refused.value.message_dict == {"username": [BIDI_MESSAGE]}


@pytest.mark.parametrize("second", ["\u212aim", "KIM"], ids=["kelvin-sign", "upper-case"])
def test_a_username_that_differs_only_in_case_is_taken(therapist, second):
    """The database compares lower-cased usernames: the service's check compares the same way
    (a 500 on PostgreSQL before, where the Kelvin sign K lower-cases to k)."""
    api = client_for(therapist)
    api.raise_request_exception = False
    body = {"first_name": "Kim", "last_name": "Case"}
    assert api.post("/api/v1/patients/", {**body, "username": "kim"}, format="json").status_code == 201
    response = api.post("/api/v1/patients/", {**body, "username": second}, format="json")
    assert _json_error(response, 400) == {"username": ["That username is taken. Choose another."]}
