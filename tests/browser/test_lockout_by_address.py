"""The lockout page when one address has tried too many accounts: it says so, reads well on a
phone and on a desktop, and passes axe."""

import pytest

from tests.factories import PASSWORD, TherapistFactory

from .conftest import DESKTOP, PHONE, log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_an_address_that_tried_many_accounts_is_told_so(live_server, browser, axe, settings, viewport):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3  # 20 by default; the page is the same
    accounts = TherapistFactory.create_batch(4)
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        for account in accounts[:3]:
            log_in(page, live_server, account.username, "wrong-password")
        log_in(page, live_server, accounts[3].username, PASSWORD)
        page.get_by_role("heading", name="Too many failed logins").wait_for()
        alert = page.get_by_role("alert").inner_text()
        assert "Too many wrong passwords were tried from this address." in alert
        assert "logging in from it is locked for 15 minutes" in alert
        screenshot(page, f"security-lockout-address-{'phone' if viewport is PHONE else 'desktop'}")
        serious = [
            violation["id"]
            for violation in axe.run(page).response["violations"]
            if violation["impact"] in {"serious", "critical"}
        ]
        assert serious == []
    finally:
        context.close()
