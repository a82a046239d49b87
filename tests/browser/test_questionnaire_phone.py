"""A patient answers the due questionnaires on a phone (390 × 844): from Today, one page each, one
tap per question, big targets, no sideways scroll, nothing serious for axe, and done."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from outcomes.models import Response
from tests.factories import PASSWORD

from .conftest import AXE_JS, log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_390 = {"width": 390, "height": 844}
BLOCKING = {"serious", "critical"}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE_390, has_touch=True, is_mobile=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _blocking(page) -> list[str]:
    if not AXE_JS.exists():
        pytest.skip(f"axe-core not installed at {AXE_JS}: run `make axe` (npm)")
    results = Axe.from_file(AXE_JS).run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def _targets_too_small(page, selector: str) -> list:
    return page.eval_on_selector_all(
        selector,
        "els => els.map(e => e.getBoundingClientRect()).filter(r => r.height < 44 || r.width < 44)"
        ".map(r => [r.width, r.height])",
    )


def test_a_patient_answers_nprs_and_psfs_on_a_phone(live_server, phone, active_plan):
    page = phone
    log_in(page, live_server, active_plan.patient.user.username, PASSWORD)
    page.goto(f"{live_server.url}/me/")
    page.get_by_role("heading", name="2 short questionnaires for your therapist").wait_for()
    page.get_by_role("link", name="Pain rating (NPRS)").click()

    page.get_by_role("heading", name="Pain rating (NPRS)").wait_for()
    page.wait_for_load_state()  # the page's stylesheet too, before anything is measured
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"]
    assert _targets_too_small(page, ".scale-option") == []
    assert _blocking(page) == []
    screenshot(page, "questionnaire-nprs-phone")
    page.get_by_role("group", name="On average over the last week").get_by_text("6", exact=True).tap()
    page.get_by_role("button", name="Save my answers").tap()

    page.get_by_text("your answers are saved").wait_for()
    page.get_by_role("link", name="Activities you find hard (PSFS)").click()
    page.get_by_role("heading", name="Activities you find hard (PSFS)").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"]
    assert _blocking(page) == []
    # Saving with only two activities named says what is missing and keeps what was typed.
    for number, (name, rating) in enumerate((("Putting on socks", "3"), ("Sitting an hour", "4")), start=1):
        page.get_by_label("What is it?").nth(number - 1).fill(name)
        page.get_by_role("radiogroup", name=f"Rating of activity {number}").get_by_text(
            rating, exact=True
        ).tap()
    page.get_by_role("button", name="Save my answers").tap()
    page.get_by_role("alert").get_by_text("Name between 3 and 5 activities.").wait_for()
    assert page.get_by_label("What is it?").nth(1).input_value() == "Sitting an hour"
    assert _blocking(page) == []
    page.get_by_label("What is it?").nth(2).fill("Lifting a child")
    page.get_by_role("radiogroup", name="Rating of activity 3").get_by_text("6", exact=True).tap()
    screenshot(page, "questionnaire-psfs-phone")
    page.get_by_role("button", name="Save my answers").tap()

    page.get_by_text("your answers are saved").wait_for()
    assert page.get_by_role("heading", name="short questionnaire").count() == 0
    scores = dict(Response.objects.values_list("instrument_code", "score__value"))
    assert scores["nprs"] == 6 and str(scores["psfs"]) == "4.33"
