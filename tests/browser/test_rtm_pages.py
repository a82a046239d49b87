"""A therapist records treatment-management time on a phone and reads the month's RTM report;
both pages have nothing serious for axe, on a phone and on a desktop, and nothing wider than
the screen."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from billing.defaults import codes_load
from billing.models import BillingCode, TreatmentTime
from patients.models import SessionLog
from tests.factories import PASSWORD

from .conftest import DESKTOP, PHONE, log_in, screenshot
from .test_accessibility import _violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_record_time_then_read_the_month(live_server, browser, axe, active_plan, viewport):
    codes_load(BillingCode)  # a transactional test starts from empty tables
    patient = active_plan.patient
    today = patient.local_date()
    SessionLog.objects.bulk_create(
        SessionLog(
            patient=patient,
            plan=active_plan,
            date=today - dt.timedelta(days=n),
            pain_before=3,
            pain_after=2,
            symptom_change="same",
        )
        for n in range(3)
    )
    therapist = patient.therapist
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, live_server, therapist.username, PASSWORD)
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/portal/patients/{patient.pk}/")
    page.get_by_role("link", name="Record time").click()
    found = _violations(axe, page)
    page.get_by_label("Minutes").fill("25")
    page.get_by_label("What was done").fill("Reviewed the week's logs; called about the bridge.")
    page.get_by_label("A real-time interaction took place (a call or video with the patient)").check()
    page.get_by_role("button", name="Record time").click()
    page.wait_for_url(f"**/portal/patients/{patient.pk}/**")
    assert TreatmentTime.objects.get(patient=patient).minutes == 25
    expect(page.locator("#rtm-time").get_by_text("called about the bridge")).to_be_visible()

    page.goto(f"{live_server.url}/portal/rtm/?month={today:%Y-%m}")
    row = page.locator(f"tr[data-patient='{patient.pk}']")
    assert "98980" in row.locator("[data-codes]").inner_text()
    found += _violations(axe, page)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, f"rtm-report-{viewport['width']}")
    context.close()
    assert not found, "\n".join(found)
