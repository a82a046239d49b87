"""Browser tests: Debian's Chromium driven by Playwright (never a downloaded browser).

Without Chromium on the machine they are skipped with a visible reason, except where
BACKCARE_REQUIRE_BROWSER is set (CI), where a missing browser is a failure.
"""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: install Debian's chromium to run browser tests"
        if os.environ.get("BACKCARE_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def _page(browser, viewport):
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()
    return context, page


@pytest.fixture
def phone_page(browser):
    context, page = _page(browser, PHONE)
    yield page
    context.close()


@pytest.fixture
def desktop_page(browser):
    context, page = _page(browser, DESKTOP)
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    """Keep a picture of the page for people to look at (test-artifacts/, not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


# The axe-core the accessibility checks run: pinned in tests/browser/axe/, installed by `make axe`.
AXE_JS = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2 A/AA rules only, for the checks of one part of a page (the full-page test runs them all).
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture(scope="module")
def axe() -> Axe:
    if not AXE_JS.exists():
        message = f"axe-core not installed at {AXE_JS}: run `make axe` (npm)"
        if os.environ.get("BACKCARE_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return Axe.from_file(AXE_JS)


def open_menu(page) -> None:
    """On a phone: open the collapsed menu and wait until it has finished opening (a click during
    Bootstrap's animation can be lost on a busy machine)."""
    page.get_by_role("button", name="Show menu").click()
    page.locator("#main-nav.show").wait_for()


def open_account_menu(page) -> None:
    """The menu under the person's name (devices, e-mail, language, two-factor login)."""
    page.locator("#main-nav .dropdown-toggle").click()
    page.locator("#main-nav .dropdown-menu.show").wait_for()
