"""Accounts: repeated bad logins lock out, sessions end after inactivity, passwords are validated."""

import datetime as dt
import json
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import PASSWORD, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _try(client, username, password, ip="203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_wrong_passwords_lock_the_login_even_for_the_right_password(client):
    user = TherapistFactory()
    for _ in range(4):
        response = _try(client, user.username, "wrong")
        assert response.status_code == 200
        assert "did not match" in response.content.decode()
    response = _try(client, user.username, "wrong")  # the fifth
    assert response.status_code == 429
    response = _try(client, user.username, PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert "locked for 15 minutes" in page
    assert reverse("password_reset") in page
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_and_address(client):
    user, other = TherapistFactory(), TherapistFactory()
    for _ in range(5):
        _try(client, user.username, "wrong")
    assert _try(client, user.username, PASSWORD).status_code == 429
    # The same person from another address, and another person from this one, still get in.
    assert _try(Client(), user.username, PASSWORD, ip="198.51.100.20").status_code == 302
    assert _try(Client(), other.username, PASSWORD).status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(client):
    user = TherapistFactory()
    for n in range(5):
        client.post(
            LOGIN,
            {"username": user.username, "password": "wrong"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )
    response = client.post(
        LOGIN,
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="10.0.0.99",
    )
    assert response.status_code == 429


def test_the_lockout_ends_after_the_cool_off(client):
    user = TherapistFactory()
    for _ in range(5):
        _try(client, user.username, "wrong")
    assert _try(client, user.username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    assert _try(client, user.username, PASSWORD).status_code == 302


def test_the_admin_login_is_locked_out_as_well(client):
    admin = UserFactory(clinic=None, role="", is_superuser=True, is_staff=True)
    for _ in range(5):
        client.post("/admin/login/", {"username": admin.username, "password": "wrong"})
    response = client.post("/admin/login/", {"username": admin.username, "password": PASSWORD})
    assert response.status_code == 429


def test_any_authenticate_call_with_a_request_is_counted_and_refused_when_locked():
    """What the API's token endpoint relies on: it calls authenticate(request=request, ...)."""
    user = TherapistFactory()
    factory = RequestFactory()

    def attempt(password):
        request = factory.post("/api/v1/auth/token/", REMOTE_ADDR="203.0.113.9")
        return authenticate(request=request, username=user.username, password=password), request

    assert attempt(PASSWORD)[0] == user
    for _ in range(5):
        assert attempt("wrong")[0] is None
    authenticated, request = attempt(PASSWORD)
    assert authenticated is None
    assert request.axes_locked_out


def test_an_api_lockout_answers_json(client):
    from accounts.views import locked_out

    request = RequestFactory().post("/api/v1/auth/token/")
    response = locked_out(request)
    assert response.status_code == 429
    assert "Too many failed logins" in json.loads(response.content)["detail"]


def _session_expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_an_active_session_is_renewed_only_every_few_minutes(client, settings):
    user = TherapistFactory()
    start = 1_900_000_000
    with mock.patch("accounts.middleware.time.time", return_value=start):
        client.force_login(user)  # (the login's absolute age counts from then)
        assert client.get("/portal/").status_code == 200
    first = _session_expiry(client)
    # Two minutes later: no write, the expiry stays.
    with mock.patch("accounts.middleware.time.time", return_value=start + 120):
        response = client.get("/portal/")
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert _session_expiry(client) == first
    # Six minutes later: renewed, so the hour of inactivity counts from now.
    with mock.patch("accounts.middleware.time.time", return_value=start + 360):
        response = client.get("/portal/")
    assert settings.SESSION_COOKIE_NAME in response.cookies
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE
    assert _session_expiry(client) > first


def test_a_session_idle_for_longer_than_the_limit_is_logged_out(client, settings):
    assert settings.SESSION_COOKIE_AGE == 60 * 60
    client.force_login(TherapistFactory())
    assert client.get("/portal/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/portal/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_password_reset_form_rejects_a_weak_password(client):
    user = TherapistFactory()
    old_hash = user.password
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    response = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    set_password_url = response.redirect_chain[-1][0]
    response = client.post(set_password_url, {"new_password1": "password", "new_password2": "password"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "This password is too common." in page
    user.refresh_from_db()
    assert user.password == old_hash
