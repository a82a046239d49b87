"""The today page comes from the page cache (patients.page_cache) between changes, and never
shows stale information: whatever a patient, their therapist or the exercise library changes
is on the patient's next view of /me/.

Each page test opens /me/ until it is served from the cache (only the session is read: the
user comes from the login cache), changes something the way the app does (a service, or a
model saved as the admin would), and opens /me/ again. The services' commits are run
(`django_capture_on_commit_callbacks`), as in production, where the page cache bumps a
generation once more after the commit.
"""

import re
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString

from exercises.models import Exercise
from patients import page_cache
from patients.models import Alert
from patients.page_cache import patient_page_fragment, patient_page_response, patient_pages_changed
from patients.progression_services import progression_override
from patients.services import (
    alert_acknowledge,
    plan_approve,
    plan_create_from_template,
    plan_edit,
    plan_pause,
    plan_resume,
    plan_revise,
    session_log,
)
from tests.factories import PASSWORD, PatientFactory, TherapistFactory

from .helpers import entries_for

pytestmark = pytest.mark.django_db

TODAY_URL = reverse("patients:today")
# A page served from the page cache reads only the session (the user comes from the login cache).
CACHED_QUERIES = 1


def logged_in(patient) -> Client:
    client = Client()
    assert client.login(username=patient.user.username, password=PASSWORD)
    return client


def text(response) -> str:
    """The page's visible words, tags removed, whitespace collapsed."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def today_page(client) -> str:
    response = client.get(TODAY_URL)
    assert response.status_code == 200
    return text(response)


@pytest.fixture
def cached_today(django_assert_num_queries):
    """Open /me/ until it comes from the page cache; returns what the cached page shows."""

    def open_until_cached(client) -> str:
        today_page(client)  # the day's first view re-evaluates progression (and renews the login)
        today_page(client)  # rendered once more: that re-evaluation changed the plan
        with django_assert_num_queries(CACHED_QUERIES):
            return today_page(client)

    return open_until_cached


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """A change made inside this block is committed at its end (on_commit callbacks run)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def approved_plan(patient, program, *, note: str = "", start: date | None = None):
    plan = plan_create_from_template(
        patient=patient,
        template=program,
        start_date=start or patient.local_date() - timedelta(days=3),
        by=patient.therapist,
    )
    if note:
        plan_edit(plan=plan, by=patient.therapist, note_to_patient=note)
    return plan_approve(plan=plan, by=patient.therapist)


def log_session(patient, *, days_ago: int = 0, pain_after: int = 3, **entry_changes):
    plan = patient.plans.get(status="approved")
    session, _ = session_log(
        patient=patient,
        day=patient.local_date() - timedelta(days=days_ago),
        pain_before=3,
        pain_after=pain_after,
        symptom_change="same",
        exercises=entries_for(plan, **entry_changes),
    )
    return session


# --- What the patient does ----------------------------------------------------------------------


def test_logging_todays_session_shows_at_once(active_plan, cached_today, committed):
    patient = active_plan.patient
    client = logged_in(patient)
    page = cached_today(client)
    assert "Log today's session" in page
    assert "You have logged today's session" not in page

    with committed():
        log_session(patient)

    page = today_page(client)
    assert "You have logged today's session. Well done!" in page
    assert "Change today's session" in page


def test_a_new_local_day_shows_the_new_date_and_asks_for_todays_session_again(
    patient, handout_program, cached_today
):
    approved_plan(patient, handout_program, start=date(2024, 6, 5))  # patient in Europe/London
    with mock.patch("django.utils.timezone.now") as now:
        now.return_value = datetime(2024, 6, 10, 22, 50, tzinfo=UTC)  # 23:50 in London
        client = logged_in(patient)
        log_session(patient)
        page = cached_today(client)
        assert "Monday 10 June" in page
        assert "You have logged today's session" in page

        now.return_value = datetime(2024, 6, 10, 23, 10, tzinfo=UTC)  # 00:10 the next day in London
        page = today_page(client)

    assert "Tuesday 11 June" in page and "Monday 10 June" not in page
    assert "You have logged today's session" not in page
    assert "Log today's session" in page


# --- What the therapist does --------------------------------------------------------------------


def test_pausing_and_resuming_the_plan_shows_at_once(active_plan, cached_today, committed):
    patient, therapist = active_plan.patient, active_plan.patient.therapist
    client = logged_in(patient)
    assert "Your plan is paused" not in cached_today(client)

    with committed():
        plan_pause(plan=active_plan, by=therapist, reason="Seen in clinic: rest for a few days.")
    page = today_page(client)
    assert "Your plan is paused" in page
    assert "Please do not do the exercises for now." in page
    assert "Log today's session" not in page and "Pelvic tilt" not in page

    with committed():
        plan_resume(plan=active_plan, by=therapist)
    page = today_page(client)
    assert "Your plan is paused" not in page
    assert "Log today's session" in page and "Pelvic tilt" in page


def test_a_safety_alert_shows_at_once_and_goes_once_the_therapist_acknowledges_it(
    active_plan, cached_today, committed
):
    patient = active_plan.patient
    log_session(patient, days_ago=1)  # no alert yet (three days without a session would raise one)
    client = logged_in(patient)
    assert "Please read this first" not in cached_today(client)

    with committed():
        log_session(patient, hurt=True)  # "it hurt" raises an alert for the therapist
    page = today_page(client)
    assert "Please read this first" in page
    assert "because it hurt" in page

    with committed():
        alert_acknowledge(
            alert=Alert.objects.get(patient=patient, acknowledged_at__isnull=True),
            by=patient.therapist,
            comment="Phoned: reduce the range for now.",
        )
    page = today_page(client)
    assert "Please read this first" not in page
    assert "because it hurt" not in page


def test_the_therapist_moving_the_patient_on_a_week_shows_the_new_week_at_once(
    active_plan, cached_today, committed
):
    patient = active_plan.patient
    client = logged_in(patient)
    page = cached_today(client)
    assert "Week 1: Getting started" in page
    assert "Partial curl" not in page

    with committed():
        progression_override(
            plan=active_plan, by=patient.therapist, action="advance", reason="Seen in clinic, doing well."
        )

    page = today_page(client)
    assert "Week 2: Taking it to the next level" in page
    assert "Week 1: Getting started" not in page
    assert "Partial curl" in page


def test_a_new_plan_version_shows_its_targets_and_note_once_approved(active_plan, cached_today, committed):
    patient, therapist = active_plan.patient, active_plan.patient.therapist
    client = logged_in(patient)
    assert re.search(r"Pelvic tilt Hold 5 seconds · 5 times", cached_today(client))

    with committed():
        draft = plan_revise(plan=active_plan, by=therapist)
        plan_edit(
            plan=draft,
            by=therapist,
            note_to_patient="Eight tilts from today.",
            targets=[{"exercise": "pelvic-tilt", "target_hold_seconds": 5, "target_reps": 8}],
        )
    page = today_page(client)
    assert "Eight tilts from today." not in page  # a draft is not the patient's plan yet
    assert re.search(r"Pelvic tilt Hold 5 seconds · 5 times", page)

    with committed():
        plan_approve(plan=draft, by=therapist)
    page = today_page(client)
    assert "Eight tilts from today." in page
    assert re.search(r"Pelvic tilt Hold 5 seconds · 8 times", page)


def test_the_therapist_changing_their_name_shows_in_the_note_heading_at_once(
    active_plan, cached_today, committed
):
    active_plan.note_to_patient = "Go gently on the left side."
    active_plan.save(update_fields=["note_to_patient"])
    patient, therapist = active_plan.patient, active_plan.patient.therapist
    therapist.first_name, therapist.last_name = "Ada", "Smith"
    therapist.save()
    client = logged_in(patient)
    assert "A note from Ada Smith, your therapist" in cached_today(client)

    with committed():
        therapist.last_name = "Okafor"
        therapist.save(update_fields=["last_name"])

    page = today_page(client)
    assert "A note from Ada Okafor, your therapist" in page
    assert "Ada Smith" not in page


def test_a_staff_login_alone_keeps_patient_pages_cached(active_plan, cached_today, django_assert_num_queries):
    patient = active_plan.patient
    client = logged_in(patient)
    cached_today(client)

    # The therapist logs in: Django saves their last_login, and nothing a patient sees.
    assert Client().login(username=patient.therapist.username, password=PASSWORD)

    with django_assert_num_queries(CACHED_QUERIES):
        today_page(client)


# --- The exercise library -----------------------------------------------------------------------


def test_an_exercise_edited_in_the_library_shows_for_every_patient(
    active_plan, handout_program, cached_today, committed
):
    other = PatientFactory(therapist=TherapistFactory())
    approved_plan(other, handout_program)
    clients = [logged_in(active_plan.patient), logged_in(other)]
    for client in clients:
        assert "Pelvic tilt" in cached_today(client)

    with committed():
        exercise = Exercise.objects.get(name="Pelvic tilt")
        exercise.name = "Pelvic tilt (lying down)"
        exercise.save()

    for client in clients:
        assert "Pelvic tilt (lying down)" in today_page(client)


# --- Patients apart -----------------------------------------------------------------------------


def test_two_patients_each_see_only_their_own_page(
    handout_program, cached_today, committed, django_assert_num_queries
):
    ann = PatientFactory()
    ben = PatientFactory()
    ann_plan = approved_plan(ann, handout_program, note="Ann: walk after the exercises.")
    approved_plan(ben, handout_program, note="Ben: keep the curls small.")
    ann_client, ben_client = logged_in(ann), logged_in(ben)
    ann_page, ben_page = cached_today(ann_client), cached_today(ben_client)
    assert "Ann: walk" in ann_page and "Ben: keep" not in ann_page
    assert "Ben: keep" in ben_page and "Ann: walk" not in ben_page
    assert f"A note from {ann.therapist.get_full_name()}" in ann_page
    assert f"A note from {ben.therapist.get_full_name()}" in ben_page

    with committed():
        ann_plan.note_to_patient = "Ann: a longer walk this week."
        ann_plan.save(update_fields=["note_to_patient"])

    assert "Ann: a longer walk this week." in today_page(ann_client)
    with django_assert_num_queries(CACHED_QUERIES):  # Ben's page did not change: still from the cache
        ben_page = today_page(ben_client)
    assert "Ben: keep the curls small." in ben_page
    assert "Ann:" not in ben_page


# --- A change committed while a request is under way --------------------------------------------


def test_a_therapist_reassigned_while_a_page_renders_shows_on_the_next_view(
    active_plan, cached_today, committed
):
    active_plan.note_to_patient = "Go gently on the left side."
    active_plan.save(update_fields=["note_to_patient"])
    patient = active_plan.patient
    new_therapist = TherapistFactory(clinic=patient.clinic, first_name="Grace", last_name="Otieno")
    client = logged_in(patient)
    assert f"A note from {patient.therapist.get_full_name()}" in cached_today(client)

    def reassigned_just_before_the_page_cache_is_read(*args, **kwargs):
        # The request already holds the patient row; the admin's change commits now.
        with committed():
            fresh = type(patient).objects.get(pk=patient.pk)
            fresh.therapist = new_therapist
            fresh.save()
        return patient_page_response(*args, **kwargs)

    with mock.patch("patients.views.patient_page_response", reassigned_just_before_the_page_cache_is_read):
        today_page(client)

    assert "A note from Grace Otieno, your therapist" in today_page(client)


# --- patient_page_fragment itself ---------------------------------------------------------------


class Render:
    """A render callable that counts its calls."""

    def __init__(self, during=None):
        self.calls = 0
        self.during = during

    def __call__(self) -> str:
        self.calls += 1
        if self.during:
            self.during()
        return f"<p>render {self.calls}</p>"


def fragment(patient, render, *, day: date = date(2024, 6, 10)) -> SafeString:
    return patient_page_fragment(name="today", patient=patient, day=day, render=render)


def test_without_the_page_cache_every_call_renders(settings, patient):
    settings.PATIENT_PAGE_CACHE = False
    render = Render()
    assert fragment(patient, render) == "<p>render 1</p>"
    assert fragment(patient, render) == "<p>render 2</p>"
    assert render.calls == 2


def test_an_unchanged_page_is_served_without_rendering(patient):
    render = Render()
    first, second = fragment(patient, render), fragment(patient, render)
    assert render.calls == 1
    assert first == second == "<p>render 1</p>"
    assert isinstance(second, SafeString)


def test_a_change_for_the_patient_renders_again(patient):
    render = Render()
    fragment(patient, render)
    patient_pages_changed(patient.pk)
    assert fragment(patient, render) == "<p>render 2</p>"


def test_logging_a_day_again_renders_the_patients_pages_again(active_plan, committed):
    patient = active_plan.patient
    log_session(patient)
    render = Render()
    fragment(patient, render)
    assert fragment(patient, render) == "<p>render 1</p>"
    with committed():  # the same day again, a point less painful: its row is updated, not inserted
        log_session(patient, pain_after=2)
    assert fragment(patient, render) == "<p>render 2</p>"


def test_a_change_committed_while_rendering_makes_the_next_call_render_again(patient):
    render = Render(during=lambda: patient_pages_changed(patient.pk))
    fragment(patient, render)
    fragment(patient, render)
    assert render.calls == 2  # the first render may show the state before the change: not kept


def test_a_page_rendered_between_a_write_and_its_commit_is_not_served_after_the_commit(patient, committed):
    render = Render()
    with committed():
        patient.baseline_pain = 5
        patient.save(update_fields=["baseline_pain"])
        # Another request renders now, from the database as it was before this commit.
        assert fragment(patient, render) == "<p>render 1</p>"
    assert fragment(patient, render) == "<p>render 2</p>"


def test_a_new_day_renders_again(patient):
    render = Render()
    fragment(patient, render, day=date(2024, 6, 10))
    fragment(patient, render, day=date(2024, 6, 11))
    assert render.calls == 2


def test_another_language_renders_again(patient):
    render = Render()
    fragment(patient, render)
    with translation.override("fr"):
        fragment(patient, render)
    assert render.calls == 2


def test_another_patients_page_is_never_served(patient):
    other = PatientFactory(therapist=patient.therapist)
    fragment(patient, lambda: "<p>mine</p>")
    assert fragment(other, lambda: "<p>theirs</p>") == "<p>theirs</p>"
    assert fragment(patient, lambda: "<p>not rendered</p>") == "<p>mine</p>"


def test_a_library_change_renders_every_patients_page_again(patient):
    other = PatientFactory(therapist=patient.therapist)
    mine, theirs = Render(), Render()
    fragment(patient, mine), fragment(other, theirs)
    page_cache.all_patient_pages_changed()
    fragment(patient, mine), fragment(other, theirs)
    assert (mine.calls, theirs.calls) == (2, 2)


# --- The API's today answer, kept the same way ------------------------------------------------


def test_the_apis_today_is_served_from_the_cache_and_shows_a_logged_session_at_once(
    active_plan, django_assert_max_num_queries
):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    patient = active_plan.patient
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=patient.user).key}")
    api.get("/api/v1/me/today/")
    first = api.get("/api/v1/me/today/").json()
    assert first["session"] is None and len(first["exercises"]) == 3
    with django_assert_max_num_queries(1):  # the token with its user and patient record
        assert api.get("/api/v1/me/today/").json() == first

    session = log_session(patient)
    assert api.get("/api/v1/me/today/").json()["session"] == session.pk

    active_plan.template.general_cautions = "Stop if your leg goes numb."
    active_plan.template.save()
    assert api.get("/api/v1/me/today/").json()["general_cautions"] == "Stop if your leg goes numb."


# --- The whole page, frame included ---------------------------------------------------------------


def _csrf_token(page_html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page_html).group(1)


def _browser(patient) -> Client:
    browser = Client(enforce_csrf_checks=True)
    assert browser.login(username=patient.user.username, password=PASSWORD)
    return browser


def test_a_page_from_the_cache_carries_a_csrf_token_valid_for_each_browser(active_plan):
    patient = active_plan.patient
    phone, laptop = _browser(patient), _browser(patient)
    for browser in (phone, laptop, phone, laptop):  # each opens the page a few times, in turns
        for _ in range(3):
            page = browser.get(TODAY_URL).content.decode()
        browser.token = _csrf_token(page)
    for browser in (phone, laptop):
        response = browser.post(reverse("logout"), {"csrfmiddlewaretoken": browser.token})
        assert response.status_code == 302, "logging out from a cached page must pass the CSRF check"


def test_a_message_waiting_is_shown_on_the_page_even_when_it_is_cached(active_plan):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest

    patient = active_plan.patient
    client = logged_in(patient)
    for _ in range(3):
        client.get(TODAY_URL)
    waiting = CookieStorage(HttpRequest())._encode([Message(constants.SUCCESS, "Saved. Well done!")])
    client.cookies["messages"] = waiting
    assert "Saved. Well done!" in today_page(client)
    assert "Saved. Well done!" not in today_page(client)  # shown once


def test_a_new_release_renders_the_page_again(active_plan):
    from django.shortcuts import render as django_render

    client = logged_in(active_plan.patient)
    for _ in range(3):
        client.get(TODAY_URL)
    with (
        mock.patch("patients.page_cache.release_fingerprint", return_value="the next release"),
        mock.patch("patients.views.render", wraps=django_render) as rendered,
    ):
        today_page(client)
    assert rendered.called
