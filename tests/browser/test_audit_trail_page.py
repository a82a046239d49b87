"""The audit trail in a browser: words, names, and a very long comment that neither widens the
table nor is lost (it can be read whole)."""

import pytest

from audit.models import AuditEvent
from patients import services
from patients.models import Alert
from patients.progression_services import progression_override
from tests.factories import PASSWORD

from .conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("page_fixture", ["phone_page", "desktop_page"])
def test_a_long_comment_wraps_and_reads_whole(live_server, request, page_fixture, active_plan, manager):
    page = request.getfixturevalue(page_fixture)
    therapist, patient = active_plan.patient.therapist, active_plan.patient
    progression_override(plan=active_plan, by=therapist, action="advance", reason="doing well")
    alert = Alert.objects.create(
        patient=patient, plan=active_plan, kind="hurt", message="It hurt.", cause_key="x"
    )
    services.alert_acknowledge(alert=alert, by=therapist, comment="Called.")
    # A comment from before comments were limited (the trail keeps what was written).
    event = AuditEvent.objects.get(action="alert.acknowledged")
    event.data["comment"] = "Called. " + "x" * 29_000
    event.save()
    log_in(page, live_server, manager.username, PASSWORD)
    page.goto(f"{live_server.url}/portal/audit/")
    name = patient.user.get_full_name()
    page.get_by_text(f"Moved {name} on to week 2 from").wait_for()
    page.get_by_text(f"Acknowledged {name}'s alert").wait_for()
    # The page is no wider than the screen, the table no wider than its scrolling box.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    table_width = page.evaluate("document.querySelector('.audit-table').scrollWidth")
    assert table_width <= page.viewport_size["width"] + 200
    screenshot(page, f"audit-trail-{page_fixture.split('_')[0]}")
    page.get_by_text("Read it whole").click()
    assert page.locator("details[open]").inner_text().count("x") >= 29_000
