"""A database outage answers a clear 503, as a page or as JSON, never a stack trace."""

from unittest import mock

import pytest
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db

OUTAGE = OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


@pytest.fixture
def quiet_client():
    # Without this the test client re-raises what the handler500 path logs.
    return Client(raise_request_exception=False)


def test_health_checks_let_the_app_reconnect_by_itself():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_a_view_that_loses_the_database_answers_a_503_page(client, manager):
    client.force_login(manager)
    with mock.patch("audit.views.audit_event_list", side_effect=OUTAGE):
        response = client.get("/portal/audit/")
    assert response.status_code == 503
    assert response["Retry-After"]
    page = response.content.decode()
    assert "BackCare is briefly unavailable" in page
    assert "cannot reach its database" in page
    assert "Traceback" not in page and "5432" not in page


@pytest.mark.parametrize("error", [OUTAGE, InterfaceError("connection already closed")])
def test_losing_the_database_before_the_view_still_answers_503(quiet_client, active_plan, error):
    quiet_client.force_login(active_plan.patient.user)
    with mock.patch("django.contrib.sessions.backends.db.SessionStore.load", side_effect=error):
        response = quiet_client.get("/me/")
    assert response.status_code == 503
    page = response.content.decode()
    assert "BackCare is briefly unavailable" in page
    assert "Traceback" not in page


def test_the_api_answers_json(quiet_client, manager):
    quiet_client.force_login(manager)
    with mock.patch("django.contrib.sessions.backends.db.SessionStore.load", side_effect=OUTAGE):
        response = quiet_client.get("/api/schema/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert "cannot reach its database" in response.json()["detail"]


def test_other_errors_stay_500(quiet_client, manager):
    quiet_client.force_login(manager)
    with mock.patch("audit.views.audit_event_list", side_effect=ValueError("bug")):
        response = quiet_client.get("/portal/audit/")
    assert response.status_code == 500


def test_an_outage_is_logged_in_one_line_and_a_bug_with_its_traceback(quiet_client, active_plan, manager):
    """During a database restart every request fails: the server log says so once per request,
    without a driver stack trace each time; a real bug (500) keeps its stack trace."""
    import io
    import logging

    from backcare.log_filters import OutageTracebackFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(OutageTracebackFilter())
    request_logger = logging.getLogger("django.request")
    request_logger.addHandler(handler)
    try:
        quiet_client.force_login(active_plan.patient.user)
        with mock.patch("django.contrib.sessions.backends.db.SessionStore.load", side_effect=OUTAGE):
            assert quiet_client.get("/me/").status_code == 503
        outage_log = stream.getvalue()
        quiet_client.force_login(manager)
        with mock.patch("audit.views.audit_event_list", side_effect=ValueError("bug")):
            assert quiet_client.get("/portal/audit/").status_code == 500
        bug_log = stream.getvalue()[len(outage_log) :]
    finally:
        request_logger.removeHandler(handler)
    assert "Service Unavailable: /me/" in outage_log
    assert "Traceback" not in outage_log
    assert "Traceback" in bug_log and "ValueError: bug" in bug_log


def test_with_the_shared_cache_stopped_every_page_and_endpoint_still_answers(quiet_client, active_plan):
    """With REDIS_URL set and Redis stopped (here: nothing listens on port 1), logins, pages,
    the session log and the token endpoint work as before: the cache holds only throttle counts,
    and its errors are ignored (the throttle counts again once Redis is back)."""
    from django.test import override_settings

    from tests.factories import PASSWORD

    unreachable = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        },
    }
    patient = active_plan.patient
    with override_settings(CACHES=unreachable):
        assert quiet_client.get("/accounts/login/").status_code == 200
        logged_in = quiet_client.post(
            "/accounts/login/", {"username": patient.user.username, "password": PASSWORD}
        )
        assert logged_in.status_code == 302
        assert quiet_client.get("/me/").status_code == 200
        assert quiet_client.get("/api/v1/me/today/").status_code == 200
        token = quiet_client.post(
            "/api/v1/auth/token/",
            {"username": patient.user.username, "password": PASSWORD},
            content_type="application/json",
        )
        assert token.status_code == 200
        logged = quiet_client.post(
            "/api/v1/sessions/",
            {"pain_before": 3, "pain_after": 2, "symptom_change": "better", "exercises": []},
            content_type="application/json",
            headers={"Authorization": f"Token {token.json()['token']}"},
        )
        assert logged.status_code == 201
