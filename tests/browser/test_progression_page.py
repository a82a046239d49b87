import datetime as dt

import pytest
from playwright.sync_api import expect

from patients.models import ProgressionOverride
from patients.selectors import plan_exercises_up_to_week
from patients.services import ExerciseEntry, session_log
from tests.factories import PASSWORD

from .conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def _log_week(plan, today):
    items = list(plan_exercises_up_to_week(plan=plan, week=1))
    for n in range(7, 0, -1):
        day = today - dt.timedelta(days=n)
        session_log(
            patient=plan.patient,
            day=day,
            today=day,
            pain_before=3,
            pain_after=3 if n != 2 else 4,
            symptom_change="same",
            exercises=[
                ExerciseEntry.at_targets(item, hurt=(n == 2 and item.exercise.slug == "pelvic-tilt"))
                for item in items
            ],
        )


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_therapist_sees_the_alert_first_and_moves_the_patient_on(
    live_server, phone_page, desktop_page, patient, handout_program, size
):
    from patients.services import plan_approve, plan_create_from_template

    today = patient.local_date()
    plan = plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=handout_program,
        start_date=today - dt.timedelta(days=7),
        by=patient.therapist,
    )
    plan = plan_approve(plan=plan, by=patient.therapist)
    _log_week(plan, today)

    page = phone_page if size == "phone" else desktop_page
    log_in(page, live_server, patient.therapist.username, PASSWORD)
    page.goto(f"{live_server.url}/portal/patients/{patient.pk}/progression/")
    page.get_by_role("heading", level=1).wait_for()
    expect(page.get_by_text("Ready to move on")).to_be_visible()
    first_alert = page.locator(".alert-open").first
    assert "Stopped Pelvic tilt" in first_alert.inner_text()
    screenshot(page, f"portal-progression-{size}")

    page.get_by_label("Move on to the next week").check()
    page.get_by_label("Reason").fill("Reviewed the week: steady, one sore day.")
    page.get_by_role("button", name="Record the decision").click()
    page.get_by_text("Recorded: Move on to the next week.").wait_for()
    expect(page.get_by_role("heading", name="Week 2 of 3: Taking it to the next level")).to_be_visible()
    assert ProgressionOverride.objects.get().reason == "Reviewed the week: steady, one sore day."
    screenshot(page, f"portal-progression-{size}-after")
