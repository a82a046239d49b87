"""A patient fills in the session slowly and is logged out meanwhile (the idle or the absolute
session limit): what they typed is kept on the phone, and sent, once, as soon as they log in
again (patients/static/patients/offline_log.js, the same path as a session logged offline)."""

import re

import pytest
from django.contrib.sessions.models import Session

from patients.models import SessionLog
from tests.factories import PASSWORD

from .conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_what_was_typed_survives_a_forced_login_and_is_stored_once(live_server, phone_page, active_plan):
    page = phone_page
    patient = active_plan.patient
    log_in(page, live_server, patient.user.username, PASSWORD)
    page.goto(f"{live_server.url}/me/log/")
    page.get_by_role("heading", name="Log a session").wait_for()
    page.get_by_role("group", name="Pain before you started").get_by_text("6", exact=True).click()
    page.get_by_role("group", name="Pain now, after the exercises").get_by_text("7", exact=True).click()
    page.get_by_text("Worse", exact=True).click()
    page.get_by_text("Add a note for your therapist (optional)").click()
    page.get_by_label("Anything to tell your therapist? (optional)").fill("Sharp twinge in the tilt.")
    page.get_by_text("Something was different").click()
    page.get_by_label("Done: Pelvic tilt").check()
    page.locator(".exercise-changes > summary").filter(has_text="Pelvic tilt").click()
    page.get_by_label("Repetitions: Pelvic tilt").fill("7")
    page.get_by_label("It hurt, I stopped: Pelvic tilt").check()

    # Meanwhile the login ends (the idle timeout, or the absolute one): the server forgets it.
    Session.objects.all().delete()
    page.get_by_role("button", name="Save what I did").click()
    status = page.get_by_role("status").filter(has_text="you were logged out")
    status.wait_for()
    assert not SessionLog.objects.filter(patient=patient).exists()
    screenshot(page, "patient-log-kept-while-logged-out")

    status.get_by_role("link", name="Log in again").click()
    page.get_by_label("Username").fill(patient.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("status").filter(has_text=re.compile("Sent: your session for")).wait_for()

    session = SessionLog.objects.get(patient=patient)
    assert (session.date, session.pain_before, session.pain_after, session.symptom_change, session.note) == (
        patient.local_date(),
        6,
        7,
        "worse",
        "Sharp twinge in the tilt.",
    )
    tilt = session.exercises.get(plan_exercise__exercise__slug="pelvic-tilt")
    assert (tilt.done, tilt.reps, tilt.hurt) == (True, 7, True)
