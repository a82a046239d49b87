"""The deployed configuration with a shared Redis cache (REDIS_URL): sessions read from Redis,
patient pages kept rendered between changes. Skipped, with a message, when no Redis answers
on REDIS_TEST_URL (default redis://127.0.0.1:6379/15, a database these tests empty)."""

import os
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse

from patients.services import session_log
from tests.factories import PASSWORD
from tests.patients.helpers import entries_for

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
TODAY_URL = reverse("patients:today")


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=0.5).ping())
    except Exception:  # noqa: BLE001 (any failure means: no Redis here)
        return False


pytestmark = pytest.mark.skipif(not _redis_answers(), reason=f"no Redis at {REDIS_TEST_URL}")


@pytest.fixture
def shared_cache(settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "backcare.cache.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": "backcare-tests",
        },
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.PATIENT_PAGE_CACHE = True
    settings.LOGIN_CACHE = True
    cache.clear()
    yield
    cache.clear()


def test_a_patients_page_is_read_from_redis_and_shows_a_logged_session_at_once(
    shared_cache, client, active_plan, django_assert_max_num_queries
):
    patient = active_plan.patient
    client.login(username=patient.user.username, password=PASSWORD)
    assert "Log today's session" in client.get(TODAY_URL).content.decode()
    client.get(TODAY_URL)
    # Unchanged: the login from Redis, the user (with their patient record) from the login cache.
    with django_assert_max_num_queries(0):
        assert "Log today's session" in client.get(TODAY_URL).content.decode()

    session_log(
        patient=patient,
        day=patient.local_date(),
        pain_before=3,
        pain_after=2,
        symptom_change="better",
        exercises=entries_for(active_plan),
    )
    assert "You have logged today's session" in client.get(TODAY_URL).content.decode()


def test_logging_out_ends_the_session_for_every_copy_of_the_cookie(shared_cache, client, active_plan):
    from django.test import Client

    patient = active_plan.patient
    client.login(username=patient.user.username, password=PASSWORD)
    copy = Client()
    copy.cookies = client.cookies
    assert copy.get(TODAY_URL).status_code == 200

    client.post(reverse("logout"))
    assert copy.get(TODAY_URL).status_code == 302  # back to the login page


def test_a_new_day_renders_the_page_again(shared_cache, client, active_plan):
    from unittest import mock

    from django.utils import timezone

    patient = active_plan.patient
    client.login(username=patient.user.username, password=PASSWORD)
    today = patient.local_date()
    client.get(TODAY_URL)
    tomorrow_noon = timezone.now() + timedelta(days=1)
    with mock.patch("django.utils.timezone.now", return_value=tomorrow_noon):
        page = client.get(TODAY_URL).content.decode()
    assert (today + timedelta(days=1)).strftime("%A") in page
