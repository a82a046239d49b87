"""A patient on their phone finds "Your devices" in the menu, logs out an old phone, then logs
out everywhere; the pages pass axe on a phone and on a desktop."""

import re

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from accounts.models import DeviceToken
from accounts.services import device_token_create
from tests.factories import PASSWORD

from .conftest import DESKTOP, PHONE, log_in, open_account_menu, open_menu, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

BLOCKING = {"serious", "critical"}


def _violations(axe, page) -> list[str]:
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in axe.run(page).response["violations"]
        if v["impact"] in BLOCKING
    ]


def _works(token: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/me/today/").status_code == 200


def test_a_patient_ends_an_old_phone_then_logs_out_everywhere(live_server, phone_page, axe, active_plan):
    user = active_plan.patient.user
    _old, old_token = device_token_create(user=user, name="Old phone")
    _new, new_token = device_token_create(user=user, name="New phone")
    page = phone_page
    log_in(page, live_server, user.username, PASSWORD)
    open_menu(page)
    open_account_menu(page)
    page.get_by_role("link", name="Your devices").click()
    page.get_by_role("heading", name="Your devices", level=1).wait_for()
    expect(page.get_by_role("heading", name="Old phone")).to_be_visible()
    assert not _violations(axe, page)
    # Nothing sticks out sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "devices-phone")

    page.get_by_role("button", name=re.compile(r"^Log this device out\W+Old phone$")).click()
    page.get_by_text("That device is logged out").wait_for()
    assert page.get_by_role("heading", name="Old phone").count() == 0
    expect(page.get_by_role("heading", name="New phone")).to_be_visible()
    assert not _works(old_token) and _works(new_token)

    page.get_by_role("link", name="Log out everywhere…").click()
    page.get_by_role("heading", name="Log out everywhere?").wait_for()
    assert not _violations(axe, page)
    page.get_by_role("button", name="Yes, log out everywhere").click()
    page.get_by_role("heading", name="Log in to BackCare").wait_for()
    expect(page.get_by_text("You are logged out everywhere")).to_be_visible()
    assert not _works(new_token)
    assert not DeviceToken.objects.filter(user=user).exists()
    page.goto(f"{live_server.url}/me/")
    page.get_by_role("heading", name="Log in to BackCare").wait_for()


def test_the_devices_page_passes_axe_for_a_therapist_on_a_desktop(live_server, browser, axe, therapist):
    device_token_create(user=therapist, name="Clinic tablet")
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    log_in(page, live_server, therapist.username, PASSWORD)
    open_account_menu(page)
    page.get_by_role("link", name="Your devices").click()
    page.get_by_role("heading", name="Clinic tablet").wait_for()
    found = _violations(axe, page)
    page.get_by_role("link", name="Change your password").click()
    page.get_by_role("heading", name="Change your password").wait_for()
    found += _violations(axe, page)
    screenshot(page, "password-change-desktop")
    context.close()
    assert not found, "\n".join(found)
