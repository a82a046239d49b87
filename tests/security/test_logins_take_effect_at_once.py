"""A change to who may get in counts on the very next request.

Nothing about a login is kept between requests (no copy of a user or a token in a process, no
session in a cache): every request reads the session, the user and the token from the database.
Each case here is what a clinic does when a phone is lost or a person leaves or changes role.
"""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import DeviceToken, User
from accounts.services import device_token_create
from tests.factories import PASSWORD, TherapistFactory

TODAY_URL = reverse("patients:today")


def _token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _new_token(username: str) -> str:
    answer = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert answer.status_code == 200
    return answer.json()["token"]


def test_a_deleted_token_stays_refused_after_its_owner_logs_in_again(active_plan):
    """The lost phone: its token is deleted; the patient then logs in on the web and on a new
    phone, in the same server process. The old token must never work again."""
    user = active_plan.patient.user
    old = _new_token(user.username)
    lost_phone = _token_client(old)
    assert lost_phone.get("/api/v1/me/today/").status_code == 200

    DeviceToken.objects.filter(user=user).delete()
    web = Client()
    assert web.login(username=user.username, password=PASSWORD)
    assert web.get(TODAY_URL).status_code == 200
    new_phone = _token_client(_new_token(user.username))
    assert new_phone.get("/api/v1/me/today/").status_code == 200

    assert lost_phone.get("/api/v1/me/today/").status_code == 401


def test_a_deactivated_login_is_refused_on_the_next_request(active_plan):
    user = active_plan.patient.user
    web = Client()
    web.force_login(user)
    phone = _token_client(_new_token(user.username))
    assert web.get(TODAY_URL).status_code == 200
    assert phone.get("/api/v1/me/today/").status_code == 200

    User.objects.filter(pk=user.pk).update(is_active=False)

    assert web.get(TODAY_URL).status_code == 302  # back to the login page
    assert phone.get("/api/v1/me/today/").status_code == 401


def test_a_changed_password_ends_other_web_sessions_at_once(active_plan):
    user = active_plan.patient.user
    web = Client()
    web.force_login(user)
    assert web.get(TODAY_URL).status_code == 200

    user.set_password("a-completely-new-passphrase")
    user.save(update_fields=["password"])

    assert web.get(TODAY_URL).status_code == 302


def test_logging_out_ends_the_session_for_every_copy_of_the_cookie(active_plan):
    user = active_plan.patient.user
    web = Client()
    assert web.login(username=user.username, password=PASSWORD)
    copy = Client()
    copy.cookies = web.cookies
    assert copy.get(TODAY_URL).status_code == 200

    web.post(reverse("logout"))

    assert copy.get(TODAY_URL).status_code == 302


def test_a_changed_role_counts_on_the_next_request(active_plan):
    """A therapist who becomes a clinic manager can no longer change a patient's plan."""
    patient = active_plan.patient
    web = Client()
    web.force_login(patient.therapist)
    paused = web.post(reverse("portal:plan_pause", args=[patient.pk, active_plan.pk]), {"reason": "Away"})
    assert paused.status_code == 302

    User.objects.filter(pk=patient.therapist.pk).update(role=User.Role.MANAGER)

    resumed = web.post(reverse("portal:plan_resume", args=[patient.pk, active_plan.pk]))
    assert resumed.status_code in (403, 404)
    active_plan.refresh_from_db()
    assert active_plan.status == "paused"


@pytest.mark.parametrize("surface", ["web", "api"])
def test_a_patient_moved_to_another_therapist_leaves_the_first_ones_reach_at_once(active_plan, surface):
    patient = active_plan.patient
    first, second = patient.therapist, TherapistFactory(clinic=patient.clinic)
    if surface == "web":
        first_client, second_client = Client(), Client()
        first_client.force_login(first)
        second_client.force_login(second)
        url = reverse("portal:patient_detail", args=[patient.pk])
    else:
        first_client = _token_client(device_token_create(user=first)[1])
        second_client = _token_client(device_token_create(user=second)[1])
        url = f"/api/v1/patients/{patient.pk}/"
    assert first_client.get(url).status_code == 200
    assert second_client.get(url).status_code == 404

    type(patient).objects.filter(pk=patient.pk).update(therapist=second)

    assert first_client.get(url).status_code == 404
    assert second_client.get(url).status_code == 200
