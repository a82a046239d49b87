"""The pain chart as people see it: on the patient's phone it fits the screen, and the therapist's
copy of the same chart fits the patient detail on a desktop and scrolls inside its own box on a
phone. Screenshots go to test-artifacts/ for people to look at."""

from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from patients.models import Plan
from patients.progression_services import plan_progression_refresh_if_stale
from patients.services import plan_approve, plan_create_from_template, session_log
from tests.factories import PASSWORD
from tests.patients.helpers import entries_for, on_day

from .conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_390 = {"width": 390, "height": 844}
# Four weeks of sessions with days missed, pain easing, and a day the pain was gone afterwards.
HISTORY = [(27, 7, 6), (26, 7, 5), (24, 6, 6), (21, 6, 4), (20, 5, 5), (17, 6, 3), (14, 5, 3)]
HISTORY += [(13, 4, 2), (10, 5, 4), (7, 4, 1), (6, 3, 0), (3, 3, 2), (1, 2, 1), (0, 3, 1)]


@pytest.fixture
def four_weeks(patient, handout_program):
    today = patient.local_date()
    plan = plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=handout_program,
        start_date=today - timedelta(days=28),
        by=patient.therapist,
    )
    plan = plan_approve(plan=plan, by=patient.therapist)
    for back, before, after in HISTORY:
        day = today - timedelta(days=back)
        with on_day(day):  # logged on the day itself
            live = plan_progression_refresh_if_stale(plan=Plan.objects.get(pk=plan.pk))
            session_log(
                patient=patient,
                day=day,
                pain_before=before,
                pain_after=after,
                symptom_change="same",
                exercises=entries_for(live),
            )
    return patient


def overflows(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def test_the_patients_pain_chart_fits_a_phone(live_server, browser, four_weeks):
    context = browser.new_context(viewport=PHONE_390)
    page = context.new_page()
    log_in(page, live_server, four_weeks.user.username, PASSWORD)
    page.goto(f"{live_server.url}{reverse('patients:progress')}")
    chart = page.get_by_role("img", name="Pain before and after each session")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_390["width"]
    assert not overflows(page)
    expect(page.get_by_text("Before the session (dashed line, open circles)")).to_be_visible()
    chart.scroll_into_view_if_needed()
    screenshot(page, "pain-chart-progress-phone")
    page.locator(".pain-chart").screenshot(path=str(_artifact("pain-chart-progress-phone-chart")))
    context.close()


@pytest.mark.parametrize(
    ("viewport", "name"), [({"width": 1280, "height": 900}, "desktop"), (PHONE_390, "phone")]
)
def test_the_therapists_copy_fits_the_patient_detail(live_server, browser, four_weeks, viewport, name):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    log_in(page, live_server, four_weeks.therapist.username, PASSWORD)
    page.goto(f"{live_server.url}{reverse('portal:patient_detail', kwargs={'pk': four_weeks.pk})}")
    chart = page.get_by_role("img", name="Pain before and after each session")
    expect(chart).to_be_visible()
    assert not overflows(page)  # on a phone the chart scrolls inside its own box
    scroller = page.get_by_role("region", name="Pain chart (scrolls sideways on small screens)")
    box = scroller.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    chart.scroll_into_view_if_needed()
    screenshot(page, f"pain-chart-patient-detail-{name}")
    page.locator(".pain-chart").screenshot(path=str(_artifact(f"pain-chart-patient-detail-{name}-chart")))
    context.close()


def _artifact(name: str):
    from .conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"
