"""In a real browser the Content Security Policy blocks nothing the pages need: the admin,
the API docs (Swagger UI) and the audit trail work, and the lockout page explains itself."""

import pytest

from tests.factories import PASSWORD, UserFactory

from .conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def _collect_csp_violations(page) -> list[str]:
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def test_the_admin_works_under_the_policy(live_server, desktop_page, active_plan):
    admin = UserFactory(clinic=None, role="", is_superuser=True, is_staff=True)
    page = desktop_page
    violations = _collect_csp_violations(page)
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Site administration").wait_for()
    page.goto(f"{live_server.url}/admin/patients/plan/")
    page.get_by_role("checkbox").first.check()  # the change list's select-all script runs
    assert page.locator(".action-counter").inner_text().strip() != ""
    page.goto(f"{live_server.url}/admin/patients/plan/{active_plan.pk}/change/")
    page.get_by_role("button", name="Save").first.wait_for()
    screenshot(page, "security-admin-plan")
    assert violations == []


def test_the_api_docs_render_under_the_policy(live_server, desktop_page, therapist):
    page = desktop_page
    violations = _collect_csp_violations(page)
    log_in(page, live_server, therapist.username, PASSWORD)
    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "BackCare API" in page.locator(".swagger-ui .info .title").inner_text()
    screenshot(page, "security-api-docs")
    assert violations == []


@pytest.mark.parametrize("page_fixture", ["phone_page", "desktop_page"])
def test_the_manager_reads_the_audit_trail(live_server, request, page_fixture, active_plan, manager):
    page = request.getfixturevalue(page_fixture)
    violations = _collect_csp_violations(page)
    log_in(page, live_server, manager.username, PASSWORD)
    page.goto(f"{live_server.url}/portal/audit/")
    page.get_by_role("heading", name="Audit trail").wait_for()
    name = active_plan.patient.user.get_full_name()
    assert page.get_by_role("cell", name=f"Approved version 1 of {name}'s plan").count() == 1
    page.get_by_label("What happened").select_option(label="Plan approved")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("cell", name=f"Approved version 1 of {name}'s plan").wait_for()
    assert page.get_by_role("cell", name="Drafted plan version 1").count() == 0
    screenshot(page, f"security-audit-{page_fixture.split('_')[0]}")
    assert violations == []


def test_the_lockout_page_on_a_phone(live_server, phone_page, therapist):
    page = phone_page
    for _ in range(5):
        log_in(page, live_server, therapist.username, "wrong-password")
    log_in(page, live_server, therapist.username, PASSWORD)
    page.get_by_role("heading", name="Too many failed logins").wait_for()
    assert "locked for 15 minutes" in page.get_by_role("alert").inner_text()
    screenshot(page, "security-lockout-phone")
