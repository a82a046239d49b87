"""Logged-in users kept in each process between requests (accounts.login_cache) never outlive a
change to them: a new password, a deactivated account, a renamed clinic or an edited patient
record count from the next request on, in every process."""

import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from accounts.backends import UserModelBackend
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

User = get_user_model()
TODAY_URL = reverse("patients:today")
LOGIN_URL = reverse("login")


@pytest.fixture
def patient_client(client, active_plan):
    patient = active_plan.patient
    assert client.login(username=patient.user.username, password=PASSWORD)
    assert client.get(TODAY_URL).status_code == 200
    assert client.get(TODAY_URL).status_code == 200  # now from the login cache
    return client


def test_a_new_password_set_elsewhere_ends_the_login_at_the_next_request(patient_client, active_plan):
    # Another process (the admin, a password reset) saves the user with a new password.
    user = User.objects.get(pk=active_plan.patient.user_id)
    user.set_password("a-completely-new-pw-123")
    user.save()
    response = patient_client.get(TODAY_URL)
    assert response.status_code == 302 and response.url.startswith(LOGIN_URL)


def test_a_deactivated_login_ends_at_the_next_request(patient_client, active_plan):
    user = User.objects.get(pk=active_plan.patient.user_id)
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = patient_client.get(TODAY_URL)
    assert response.status_code == 302 and response.url.startswith(LOGIN_URL)


def test_a_renamed_clinic_shows_in_the_page_header_at_once(patient_client, active_plan):
    clinic = active_plan.patient.clinic
    clinic.name = "Riverside Spine & Back"
    clinic.save()
    assert "Riverside Spine &amp; Back" in patient_client.get(TODAY_URL).content.decode()


def test_a_patients_new_time_zone_counts_at_once(patient_client, active_plan):
    # A time zone where the calendar day differs from London's right now.
    now = timezone.now()
    zone = "Pacific/Pago_Pago" if now.hour < 12 else "Pacific/Kiritimati"  # UTC-11 / UTC+14
    their_day = now.astimezone(zoneinfo.ZoneInfo(zone)).date()
    assert their_day != active_plan.patient.local_date()
    patient = active_plan.patient
    patient.timezone = zone
    patient.save()
    page = patient_client.get(TODAY_URL).content.decode()
    assert f'<p class="lead-date">{their_day:%A} {their_day.day} {their_day:%B}</p>' in page


def test_every_request_gets_its_own_copy(active_plan):
    backend = UserModelBackend()
    first = backend.get_user(active_plan.patient.user_id)
    first.first_name = "Changed in one request only"
    second = backend.get_user(active_plan.patient.user_id)
    assert second is not first
    assert second.first_name == active_plan.patient.user.first_name
    assert second.patient.pk == active_plan.patient.pk


def test_without_the_login_cache_every_request_reads_the_database(
    settings, active_plan, django_assert_num_queries
):
    settings.LOGIN_CACHE = False
    backend = UserModelBackend()
    backend.get_user(active_plan.patient.user_id)
    with django_assert_num_queries(1):
        backend.get_user(active_plan.patient.user_id)


def test_with_it_an_unchanged_user_is_not_read_again(active_plan, django_assert_num_queries):
    backend = UserModelBackend()
    backend.get_user(active_plan.patient.user_id)
    with django_assert_num_queries(0):
        assert backend.get_user(active_plan.patient.user_id).pk == active_plan.patient.user_id


def test_a_deleted_api_token_is_refused_at_the_next_request(active_plan, django_assert_num_queries):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    token = Token.objects.create(user=active_plan.patient.user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    for _ in range(3):
        assert api.get("/api/v1/me/today/").status_code == 200
    with django_assert_num_queries(0):  # token, user and today's answer all kept
        assert api.get("/api/v1/me/today/").status_code == 200

    token.delete()  # e.g. the patient's phone was lost and the token revoked in the admin
    assert api.get("/api/v1/me/today/").status_code == 401
    replacement = Token.objects.create(user=active_plan.patient.user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {replacement.key}")
    assert api.get("/api/v1/me/today/").status_code == 200
