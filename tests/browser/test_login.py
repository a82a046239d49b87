import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

from .conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_patient_logs_in_on_a_phone_and_sees_todays_exercises(live_server, phone_page, active_plan):
    page = phone_page
    log_in(page, live_server, active_plan.patient.user.username, PASSWORD)
    page.get_by_role("heading", name="Today's exercises").wait_for()
    expect(page.get_by_text("Take it slow, and stop if it hurts.").first).to_be_visible()
    expect(page.get_by_role("heading", name="Pelvic tilt")).to_be_visible()
    screenshot(page, "patient-today-phone")


def test_a_wrong_password_is_explained(live_server, desktop_page, therapist):
    log_in(desktop_page, live_server, therapist.username, "not-the-password")
    assert (
        desktop_page.get_by_role("alert").inner_text().startswith("Your username and password did not match")
    )
