"""A clinic manager on a phone: from the report's patient table to the patient's page, read-only,
and nothing wider than the screen."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from patients.selectors import plan_exercises_up_to_week
from patients.services import ExerciseEntry, session_log
from tests.factories import PASSWORD

from .conftest import PHONE, log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def tables_scrolling_sideways(page) -> int:
    """Tables that only fit by scrolling sideways inside their .table-responsive box."""
    return page.evaluate(
        "[...document.querySelectorAll('.table-responsive')]"
        ".filter(box => box.scrollWidth > box.clientWidth + 1).length"
    )


def test_manager_opens_a_patient_from_the_report_on_a_phone(live_server, phone_page, manager, active_plan):
    patient = active_plan.patient
    today = patient.local_date()
    session_log(
        patient=patient,
        day=today - dt.timedelta(days=1),
        pain_before=3,
        pain_after=3,
        symptom_change="same",
        exercises=[
            ExerciseEntry(plan_exercise_id=item.pk, done=True, reps=5, hold_seconds=5)
            for item in plan_exercises_up_to_week(plan=active_plan, week=1)
        ],
    )
    page = phone_page
    log_in(page, live_server, manager.username, PASSWORD)
    page.get_by_role("heading", name="Adherence report", level=1).wait_for()
    assert page_width(page) <= PHONE["width"], "the report is wider than the phone"
    assert tables_scrolling_sideways(page) == 0
    screenshot(page, "reports-manager-phone")

    name = patient.user.get_full_name()
    page.locator(".report-patients").get_by_role("link", name=name).click()
    page.get_by_role("heading", name=name, level=1).wait_for()
    expect(page.get_by_text("You are reading this patient's record.")).to_be_visible()
    expect(page.get_by_text("Week 1 of 3")).to_be_visible()
    assert page.get_by_role("button", name="Acknowledge").count() == 0
    assert page_width(page) <= PHONE["width"], "the patient page is wider than the phone"
    assert tables_scrolling_sideways(page) == 0
    screenshot(page, "portal-patient-detail-manager-phone")
