"""Approving a draft in a browser approves what is on the screen, unsaved changes included."""

import pytest
from playwright.sync_api import expect

from patients import services
from patients.models import Plan, PlanExercise
from tests.factories import PASSWORD

from .conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def draft(patient, handout_program):
    return services.plan_create_from_template(
        patient=patient,
        template=handout_program,
        start_date=patient.local_date(),
        by=patient.therapist,
    )


def plan_page(live_server, plan) -> str:
    return f"{live_server.url}/portal/patients/{plan.patient_id}/plans/{plan.pk}/"


def test_change_a_target_press_approve_and_the_approved_plan_has_the_new_target(
    live_server, desktop_page, draft
):
    page = desktop_page
    log_in(page, live_server, draft.patient.therapist.username, PASSWORD)
    page.goto(plan_page(live_server, draft))
    page.get_by_label("Hold (s) — Pelvic tilt").fill("8")
    page.get_by_role("button", name="Approve version 1").click()
    page.get_by_text("Your changes were saved and version 1 approved").wait_for()
    expect(page.get_by_text("Hold 8 s · 5 repetitions").first).to_be_visible()
    screenshot(page, "plan-approved-with-changes-desktop")
    draft.refresh_from_db()
    assert draft.status == Plan.Status.APPROVED
    assert PlanExercise.objects.get(week__plan=draft, exercise__slug="pelvic-tilt").target_hold_seconds == 8


def test_enter_in_a_field_saves_and_does_not_approve(live_server, desktop_page, draft):
    page = desktop_page
    log_in(page, live_server, draft.patient.therapist.username, PASSWORD)
    page.goto(plan_page(live_server, draft))
    page.get_by_label("Repetitions — Pelvic tilt").fill("7")
    page.get_by_label("Repetitions — Pelvic tilt").press("Enter")
    page.get_by_text("Changes saved.").wait_for()
    draft.refresh_from_db()
    assert draft.status == Plan.Status.DRAFT
    assert PlanExercise.objects.get(week__plan=draft, exercise__slug="pelvic-tilt").target_reps == 7


def test_a_refused_change_keeps_it_on_screen_and_approves_nothing(live_server, phone_page, draft):
    page = phone_page
    log_in(page, live_server, draft.patient.therapist.username, PASSWORD)
    page.goto(plan_page(live_server, draft))
    page.get_by_label("Start date", exact=True).fill("2020-01-01")
    page.get_by_role("button", name="Approve version 1").click()
    page.get_by_text("Nothing was saved or approved").wait_for()
    assert page.get_by_label("Start date", exact=True).input_value() == "2020-01-01"
    screenshot(page, "plan-start-date-asked-phone")
    page.get_by_label("Yes, start on that day").check()
    page.get_by_role("button", name="Approve version 1").click()
    page.get_by_text("Your changes were saved and version 1 approved").wait_for()
    screenshot(page, "plan-approved-phone")
    draft.refresh_from_db()
    assert draft.status == Plan.Status.APPROVED and draft.start_date.isoformat() == "2020-01-01"
