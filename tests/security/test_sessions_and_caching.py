"""Logged-in answers are never kept by a browser or proxy cache; a login lasts at most
SESSION_ABSOLUTE_AGE however active; passwords are at least 12 characters."""

import time
from unittest import mock

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import ManagerFactory, TherapistFactory, UserFactory

from ..api.conftest import client_for

pytestmark = pytest.mark.django_db

NO_STORE = "no-store, private"


# --- Cache-Control ----------------------------------------------------------------------------


def _logged_in_pages(active_plan, manager):
    patient, therapist = active_plan.patient, active_plan.patient.therapist
    return [
        (patient.user, reverse("patients:today")),
        (patient.user, reverse("patients:log")),
        (patient.user, reverse("patients:progress")),
        (therapist, reverse("portal:caseload")),
        (therapist, reverse("portal:patient_detail", args=[patient.pk])),
        (manager, reverse("reports:index")),
        (manager, reverse("reports:export_patients")),
        (manager, reverse("reports:export_daily")),
        (manager, reverse("audit:list")),
        (patient.user, "/api/v1/me/today/"),  # the API with the browser's session
    ]


def test_every_logged_in_page_export_and_answer_is_no_store(client, active_plan):
    manager = ManagerFactory(clinic=active_plan.patient.clinic)
    for user, url in _logged_in_pages(active_plan, manager):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == NO_STORE, url


@pytest.mark.parametrize("url", ["/api/v1/me/today/", "/api/v1/nothing/", "/api/schema/"])
def test_every_api_answer_is_no_store_with_a_token_or_without(active_plan, url):
    assert client_for(active_plan.patient.user).get(url)["Cache-Control"] == NO_STORE
    assert client_for(None).get(url)["Cache-Control"] == NO_STORE


def test_a_page_that_sets_its_own_caching_keeps_it(client, therapist):
    client.force_login(therapist)
    response = client.get(reverse("logout"))  # Django marks its auth views never_cache
    assert "no-cache" in response.get("Cache-Control", "") and "max-age=0" in response["Cache-Control"]


def test_pages_for_nobody_logged_in_are_untouched(client):
    assert "Cache-Control" not in client.get("/healthz")


# --- Absolute session lifetime ------------------------------------------------------------------


def test_the_absolute_session_age_is_twelve_hours_by_default(settings):
    assert settings.SESSION_ABSOLUTE_AGE == 12 * 60 * 60


def test_an_active_session_ends_after_the_absolute_age(client, settings):
    """Requests every 10 minutes keep the idle timeout away, not the absolute limit."""
    settings.SESSION_ABSOLUTE_AGE = 60 * 60
    start = time.time()
    with mock.patch("accounts.middleware.time.time", return_value=start):
        client.force_login(TherapistFactory())
    for minutes in range(10, 60, 10):
        with mock.patch("accounts.middleware.time.time", return_value=start + minutes * 60):
            assert client.get("/portal/").status_code == 200, minutes
    with mock.patch("accounts.middleware.time.time", return_value=start + 60 * 60 + 1):
        response = client.get("/portal/")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not Session.objects.exists() or "_auth_user_id" not in client.session
    # and it stays ended: the next request is not logged in either
    assert client.get("/portal/").status_code == 302


def test_the_api_with_an_expired_browser_session_is_refused(client, active_plan, settings):
    settings.SESSION_ABSOLUTE_AGE = 60
    start = time.time()
    with mock.patch("accounts.middleware.time.time", return_value=start):
        client.force_login(active_plan.patient.user)
    with mock.patch("accounts.middleware.time.time", return_value=start + 61):
        response = client.get("/api/v1/me/today/")
    assert response.status_code in (401, 403)


def test_a_session_from_before_the_limit_existed_is_counted_from_now(client, settings):
    settings.SESSION_ABSOLUTE_AGE = 60 * 60
    client.force_login(TherapistFactory())
    session = client.session
    del session["_backcare_started_at"]
    session.save()
    assert client.get("/portal/").status_code == 200
    assert "_backcare_started_at" in client.session


# --- Passwords --------------------------------------------------------------------------------


def test_a_password_shorter_than_12_characters_is_refused(client):
    user = UserFactory()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    response = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    set_password_url = response.redirect_chain[-1][0]
    short = "Tulip-walk9"  # 11 characters, otherwise strong
    response = client.post(set_password_url, {"new_password1": short, "new_password2": short})
    assert response.status_code == 200
    assert "This password is too short. It must contain at least 12 characters." in response.content.decode()
    twelve = "Tulip-walk9!"
    response = client.post(set_password_url, {"new_password1": twelve, "new_password2": twelve})
    assert response.status_code == 302


def test_the_demo_password_still_logs_in(client):
    user = TherapistFactory()
    user.set_password("backcare-demo")  # as the demo loader sets it: directly, not through a form
    user.save()
    response = client.post(reverse("login"), {"username": user.username, "password": "backcare-demo"})
    assert response.status_code == 302
