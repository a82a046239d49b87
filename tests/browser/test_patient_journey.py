"""A patient on a phone: opens today's exercises, logs a session, finds it in the history."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from patients.models import SessionLog
from patients.services import session_log
from tests.factories import PASSWORD
from tests.patients.helpers import entries_for

from .conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_like_plan(active_plan):
    """Like the demo `patient`: a plan a few days old, with the days before today logged."""
    patient = active_plan.patient
    today = patient.local_date()
    for back, (before, after) in ((3, (6, 5)), (2, (5, 5)), (1, (5, 4))):
        session_log(
            patient=patient,
            day=today - timedelta(days=back),
            pain_before=before,
            pain_after=after,
            symptom_change="same",
            exercises=entries_for(active_plan),
        )
    active_plan.note_to_patient = "Start gently; the stretches should feel easy."
    active_plan.save(update_fields=["note_to_patient"])
    return active_plan


def test_a_patient_logs_todays_session_on_a_phone_and_sees_it_in_the_history(
    live_server, phone_page, demo_like_plan
):
    page = phone_page
    patient = demo_like_plan.patient
    log_in(page, live_server, patient.user.username, PASSWORD)

    page.get_by_role("heading", name="Today's exercises").wait_for()
    expect(page.get_by_text("Take it slow, and stop if it hurts.").first).to_be_visible()
    expect(page.get_by_role("heading", name="Week 1: Getting started")).to_be_visible()
    first = page.locator(".exercise-card").first
    expect(first.get_by_role("img", name="Start: lying on your back, both knees bent")).to_be_visible()
    timer = first.get_by_role("button", name=re.compile(r"Start the timer\W+Single knee-to-chest stretch"))
    timer.click()  # the static script reveals and runs the timer
    display = first.locator(".hold-timer-display")
    assert re.fullmatch(r"Right leg, rep 1 of 5 — hold [45]…", display.inner_text())
    first.get_by_role("button", name=re.compile("Stop the timer")).click()
    screenshot(page, "patient-today-phone")

    page.get_by_role("link", name="Log today's session").first.click()
    page.get_by_role("heading", name="Log a session").wait_for()
    page.get_by_role("group", name="Pain before you started").get_by_text("6", exact=True).click()
    page.get_by_role("group", name="Pain now, after the exercises").get_by_text("3", exact=True).click()
    page.get_by_text("Better", exact=True).click()
    page.get_by_text("Add a note for your therapist (optional)").click()
    page.get_by_label("Anything to tell your therapist? (optional)").fill("Felt looser today.")
    screenshot(page, "patient-log-phone")
    page.get_by_role("button", name=re.compile("I did everything as prescribed")).click()

    page.get_by_role("heading", name="My progress").wait_for()
    expect(page.get_by_text("Saved: your session for Today. Well done!")).to_be_visible()
    expect(page.get_by_text("4 days in a row")).to_be_visible()
    today_entry = page.locator(".session-list li").first
    assert "Today" in today_entry.inner_text()
    assert "Pain 6 → 3 · Better" in today_entry.inner_text()
    expect(page.get_by_role("img", name="Pain before and after each session")).to_be_visible()
    screenshot(page, "patient-progress-phone")

    session = SessionLog.objects.get(patient=patient, date=patient.local_date())
    assert (session.pain_before, session.pain_after, session.symptom_change, session.note) == (
        6,
        3,
        "better",
        "Felt looser today.",
    )


def test_bad_input_on_a_phone_is_explained_and_kept(live_server, phone_page, active_plan):
    page = phone_page
    log_in(page, live_server, active_plan.patient.user.username, PASSWORD)
    page.goto(f"{live_server.url}/me/log/")
    page.get_by_text("Something was different").click()
    page.get_by_label("Done: Pelvic tilt").check()
    page.locator(".exercise-changes > summary").filter(has_text="Pelvic tilt").click()
    assert page.get_by_label("Repetitions: Pelvic tilt").input_value() == "5"  # target pre-filled
    page.get_by_label("Repetitions: Pelvic tilt").fill("-2")
    page.get_by_role("button", name="Save what I did").click()
    alert = page.get_by_role("alert")
    assert "Nothing was saved yet" in alert.inner_text()
    assert "Pelvic tilt: repetitions cannot be below 0." in alert.inner_text()
    assert "Choose how much pain you had before you started" in alert.inner_text()
    assert page.get_by_label("Repetitions: Pelvic tilt").input_value() == "-2"  # shown open again
    screenshot(page, "patient-log-errors-phone")
    assert not SessionLog.objects.exists()
