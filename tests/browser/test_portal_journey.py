"""The therapist's whole journey in a real browser, ending with the patient seeing week 1."""

import re

import pytest
from playwright.sync_api import expect

from patients.models import Plan, PlanExercise
from tests.factories import PASSWORD

from .conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_therapist_adds_a_patient_builds_and_approves_a_plan_and_the_patient_sees_week_1(
    live_server, desktop_page, phone_page, therapist, handout_program
):
    page = desktop_page
    log_in(page, live_server, therapist.username, PASSWORD)
    page.get_by_role("heading", name="My patients").wait_for()
    screenshot(page, "portal-caseload-empty-desktop")

    # Add a patient, with a one-time invitation link.
    page.locator("#main").get_by_role("link", name="Add a patient").click()  # the nav has one too
    page.get_by_label("First name").fill("Rita")
    page.get_by_label("Last name").fill("Moreno")
    page.get_by_label("Username").fill("rita.moreno")
    page.get_by_label("Email (optional)").fill("rita@example.org")
    page.get_by_label("Give the patient a one-time link to set their own password").check()
    screenshot(page, "portal-patient-add-desktop")
    page.get_by_role("button", name="Add patient").click()
    page.get_by_role("heading", name="Rita Moreno is added").wait_for()
    invitation = page.get_by_label("Link").input_value()
    assert "/accounts/reset/" in invitation
    screenshot(page, "portal-patient-added-desktop")

    # Build a plan from the handout's program.
    page.get_by_role("link", name="Build their plan").click()
    page.get_by_label("Program").select_option(label="Back-strengthening exercises")
    page.get_by_role("button", name="Make a draft plan").click()
    page.get_by_text("Draft plan made.").wait_for()
    expect(page.get_by_role("heading", name="Week 3: Strengthening your core")).to_be_visible()

    # One adjusted target: pelvic tilt held 8 seconds instead of 5.
    page.get_by_label("Hold (s) — Pelvic tilt").fill("8")
    page.get_by_role("button", name="Save changes").first.click()
    page.get_by_text("Changes saved.").wait_for()
    assert page.get_by_label("Hold (s) — Pelvic tilt").input_value() == "8"
    screenshot(page, "portal-plan-draft-desktop")

    page.get_by_role("button", name="Approve version 1").click()
    page.get_by_text("Version 1 approved: the patient sees it now.").wait_for()
    expect(page.get_by_text("by " + therapist.get_full_name()).first).to_be_visible()
    screenshot(page, "portal-plan-approved-desktop")
    plan = Plan.objects.get(patient__user__username="rita.moreno")
    assert plan.status == "approved" and plan.approved_by == therapist
    assert PlanExercise.objects.get(week__plan=plan, exercise__slug="pelvic-tilt").target_hold_seconds == 8

    page.get_by_role("link", name="Rita Moreno").click()
    page.get_by_role("heading", name="This week's exercises (week 1)").wait_for()
    screenshot(page, "portal-patient-detail-desktop")

    # The patient opens the invitation on their phone, sets a password and is logged in.
    patient_page = phone_page
    patient_page.goto(invitation)
    patient_page.get_by_label("New password").first.fill("quiet-river-walk-7")
    patient_page.get_by_label("New password confirmation").fill("quiet-river-walk-7")
    expect(patient_page.get_by_text("Your username is rita.moreno")).to_be_visible()
    screenshot(patient_page, "invitation-choose-password-phone")
    patient_page.get_by_role("button", name="Save my password").click()
    # Saving the password logs the patient in and opens Today.
    patient_page.get_by_role("heading", name="Today's exercises").wait_for()
    expect(patient_page.get_by_text("log in as rita.moreno")).to_be_visible()
    expect(patient_page.get_by_role("heading", name="Week 1")).to_be_visible()
    expect(patient_page.get_by_role("heading", name="Pelvic tilt")).to_be_visible()
    assert patient_page.get_by_role("heading", name="Partial curl").count() == 0
    tilt_card = patient_page.locator("li", has=patient_page.get_by_role("heading", name="Pelvic tilt"))
    assert re.search(r"\b8 s(ec|\b)", tilt_card.inner_text())
    screenshot(patient_page, "portal-journey-patient-week-1-phone")


def test_the_portal_pages_work_on_a_phone(live_server, phone_page, active_plan):
    page = phone_page
    log_in(page, live_server, active_plan.patient.therapist.username, PASSWORD)
    page.get_by_role("heading", name="My patients").wait_for()
    screenshot(page, "portal-caseload-phone")
    page.get_by_role("link", name=active_plan.patient.user.get_full_name(), exact=True).click()
    page.get_by_role("heading", name="Pain over time").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    screenshot(page, "portal-patient-detail-phone")
