"""Two-factor login in the browser, on a phone: a therapist turns it on from the account menu,
keeps the recovery codes, and the next login asks for a code after the password. The pages pass axe."""

from base64 import b32decode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts import two_factor
from tests.factories import PASSWORD

from .conftest import log_in, open_account_menu, open_menu, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

BLOCKING = {"serious", "critical"}


def code_from(secret_text: str, ahead: int = 0) -> str:
    """What the authenticator app shows for the key typed in from the page."""
    key = b32decode(secret_text.replace(" ", ""))
    return f"{totp(key, step=30, t0=0, digits=6, drift=ahead):06d}"


def assert_accessible(axe, page) -> None:
    results = axe.run(page)
    serious = [v["id"] for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not serious, f"{page.url}: {serious}"


def test_a_therapist_turns_on_two_factor_login_and_logs_in_with_a_code(
    live_server, phone_page, therapist, axe
):
    page = phone_page
    log_in(page, live_server, therapist.username, PASSWORD)
    page.get_by_role("heading", name="My patients").wait_for()

    # The account menu (in the collapsed menu on a phone) leads to the enrolment page.
    open_menu(page)
    open_account_menu(page)
    page.get_by_role("link", name="Two-factor login").click()
    page.get_by_role("heading", name="Set up two-factor login").wait_for()
    expect(page.locator("svg.qr-code")).to_be_visible()
    assert_accessible(axe, page)
    screenshot(page, "two-factor-enrol-phone")

    secret = page.locator("#secret-key").inner_text()
    page.get_by_label("6-digit code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Turn on two-factor login").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()
    assert not TOTPDevice.objects.filter(user=therapist).exists()

    page.get_by_label("6-digit code from your authenticator app").fill(code_from(secret))
    page.get_by_role("button", name="Turn on two-factor login").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    assert page.locator("#recovery-codes li").count() == 10
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    expect(page.get_by_role("button", name="Copy")).to_be_visible()
    assert_accessible(axe, page)
    screenshot(page, "two-factor-recovery-codes-phone")
    page.get_by_role("link", name="I have kept them: go on").click()

    # Log out and in again: the password alone is not enough.
    open_menu(page)
    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server, therapist.username, PASSWORD)
    page.get_by_role("heading", name="Enter your code").wait_for()
    assert_accessible(axe, page)
    page.goto(f"{live_server.url}/portal/")
    page.get_by_role("heading", name="Enter your code").wait_for()  # nothing else is reachable

    label = "6-digit code from your authenticator app, or a recovery code"
    page.get_by_label(label).fill("999999")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("4 more wrong codes")).to_be_visible()
    page.get_by_label(label).fill(code_from(secret, ahead=1))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="My patients").wait_for()
    screenshot(page, "two-factor-logged-in-phone")


def test_a_manager_resets_two_factor_login_for_a_therapist_who_lost_their_phone(
    live_server, desktop_page, therapist, manager, axe
):
    key = two_factor.new_secret()
    two_factor.two_factor_enable(user=therapist, key=key, code=code_from(two_factor.secret_for_people(key)))
    page = desktop_page
    log_in(page, live_server, manager.username, PASSWORD)
    page.goto(f"{live_server.url}/portal/clinic/")
    page.get_by_role("link", name=f"Reset two-factor login for {therapist}").click()
    page.get_by_role("heading", name=f"Reset two-factor login for {therapist}").wait_for()
    assert_accessible(axe, page)
    screenshot(page, "two-factor-reset-desktop")

    page.get_by_role("button", name="Reset two-factor login").click()
    expect(page.get_by_text(f"Two-factor login is reset for {therapist}")).to_be_visible()
    row = page.get_by_role("row", name=str(therapist))
    expect(row.get_by_role("cell", name="Not set up")).to_be_visible()
    assert not TOTPDevice.objects.filter(user=therapist).exists()
