"""A patient follows an exercise along on a phone: the timer counts the holds, the repetitions
and the legs in turn, with rests, announces each step, and remembers the beep switch."""

import re

import pytest
from playwright.sync_api import expect

from patients.progression_services import progression_override
from patients.selectors import plan_exercises_up_to_week
from patients.services import plan_approve, plan_create_from_template, plan_edit
from tests.factories import PASSWORD

from .conftest import PHONE, WCAG, log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

# Records every announcement the live region makes, and every text the screen shows.
RECORD = """(timer) => {
  window.announced = []; window.shown = [];
  const live = timer.querySelector('[aria-live]');
  const display = timer.querySelector('.hold-timer-display');
  new MutationObserver(() => window.announced.push(live.textContent))
    .observe(live, {childList: true, characterData: true, subtree: true});
  new MutationObserver(() => window.shown.push(display.textContent))
    .observe(display, {childList: true, characterData: true, subtree: true});
}"""


@pytest.fixture
def short_plan(patient, handout_program):
    """Week 3 of the handout with short targets: 1-second holds, 2 repetitions."""
    therapist = patient.therapist
    plan = plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=handout_program,
        start_date=patient.local_date(),
        by=therapist,
    )
    short = {"target_hold_seconds": 1, "target_reps": 2, "out_of_range_reason": "A short run for the test."}
    targets = [
        {"exercise": item.exercise.slug, **short} for item in plan_exercises_up_to_week(plan=plan, week=3)
    ]
    plan_edit(plan=plan, by=therapist, targets=targets)
    plan = plan_approve(plan=plan, by=therapist)
    for _ in range(2):
        progression_override(plan=plan, by=therapist, action="advance", reason="Doing well.")
    return plan


def button(action: str, name: str):
    """The timer's button, by what it does and the exercise it is for ("Start the timer: Bridge")."""
    return re.compile(rf"{action} the timer\W+{re.escape(name)}")


def _timer(page, name):
    card = page.locator(".exercise-card").filter(has=page.get_by_role("heading", name=name))
    return card, card.locator("[data-hold-timer]")


def test_the_timer_counts_reps_and_legs_in_turn_with_rests_and_announces_each_step(
    live_server, phone_page, short_plan, axe
):
    page = phone_page
    log_in(page, live_server, short_plan.patient.user.username, PASSWORD)
    page.get_by_role("heading", name="Week 3: Strengthening your core").wait_for()

    card, timer = _timer(page, "Single knee-to-chest stretch")
    # Test-only: the rest between holds, shortened to 1 s (hold_timer.js reads it at "Start").
    timer.evaluate("(el) => el.setAttribute('data-rest-seconds', '1')")
    timer.evaluate(RECORD)
    card.get_by_role("button", name=button("Start", "Single knee-to-chest stretch")).focus()
    page.keyboard.press("Enter")  # keyboard-operable
    expect(card.get_by_role("button", name=button("Stop", "Single knee-to-chest stretch"))).to_be_visible()
    expect(card.locator(".hold-timer-display")).to_have_text("Right leg, rep 1 of 2 — hold 1…")
    live = card.locator("[aria-live=polite]")
    live.filter(has_text="Done: 2 times with each leg. Well done!").wait_for(timeout=20_000)

    announced = page.evaluate("window.announced")
    assert announced == [
        "Right leg, rep 1 of 2: hold 1 second.",
        "Relax. Rest a moment.",
        "Left leg, rep 1 of 2: hold 1 second.",
        "Relax. Rest a moment.",
        "Right leg, rep 2 of 2: hold 1 second.",
        "Relax. Rest a moment.",
        "Left leg, rep 2 of 2: hold 1 second.",
        "Done: 2 times with each leg. Well done!",
    ]
    shown = page.evaluate("window.shown")
    assert "Rest and breathe… 1" in shown and "Left leg, rep 2 of 2 — hold 1…" in shown
    expect(card.get_by_role("button", name=button("Start", "Single knee-to-chest stretch"))).to_be_visible()

    # An exercise done with both legs together counts repetitions only; stopping says so.
    card, timer = _timer(page, "Bridge")
    timer.evaluate("(el) => el.setAttribute('data-rest-seconds', '1')")
    timer.evaluate(RECORD)
    card.get_by_role("button", name=button("Start", "Bridge")).click()
    expect(card.locator(".hold-timer-display")).to_have_text("Rep 1 of 2 — hold 1…")
    card.locator("[aria-live=polite]").filter(has_text="Done: 2 times. Well done!").wait_for(timeout=20_000)
    assert page.evaluate("window.announced") == [
        "Rep 1 of 2: hold 1 second.",
        "Relax. Rest a moment.",
        "Rep 2 of 2: hold 1 second.",
        "Done: 2 times. Well done!",
    ]
    card.get_by_role("button", name=button("Start", "Bridge")).click()
    card.get_by_role("button", name=button("Stop", "Bridge")).click()
    expect(card.locator("[aria-live=polite]")).to_have_text("Timer stopped.")

    # One timer at a time: starting another stops the one running.
    card.get_by_role("button", name=button("Start", "Bridge")).click()
    other, _ = _timer(page, "Pelvic tilt")
    other.get_by_role("button", name=button("Start", "Pelvic tilt")).click()
    expect(card.locator("[aria-live=polite]")).to_have_text("Timer stopped.")
    expect(card.get_by_role("button", name=button("Start", "Bridge"))).to_be_visible()
    expect(other.locator("[aria-live=polite]")).to_have_text("Rep 1 of 2: hold 1 second.")
    # A running timer (its button has just been pressed) still reads clearly.
    running = axe.run(page, context=".hold-timer.is-running", options=WCAG)
    assert running.response["violations"] == []
    screenshot(page, "patient-follow-along-phone")


def test_the_beep_switch_is_remembered_on_the_device(live_server, phone_page, short_plan):
    page = phone_page
    log_in(page, live_server, short_plan.patient.user.username, PASSWORD)
    switch = page.get_by_label("Beep (or buzz) when each hold starts and ends")
    assert not switch.is_checked()
    switch.check()
    assert page.evaluate("localStorage.getItem('backcare.timer.signal')") == "on"
    page.reload()
    assert page.get_by_label("Beep (or buzz) when each hold starts and ends").is_checked()
    page.get_by_label("Beep (or buzz) when each hold starts and ends").uncheck()
    assert page.evaluate("localStorage.getItem('backcare.timer.signal')") == "off"


def test_todays_nine_exercises_fit_a_phone_with_their_drawings(live_server, phone_page, short_plan):
    page = phone_page
    log_in(page, live_server, short_plan.patient.user.username, PASSWORD)
    page.get_by_role("heading", name="Week 3: Strengthening your core").wait_for()
    assert page.locator(".exercise-card").count() == 9
    pictures = page.locator(".exercise-picture")
    assert pictures.count() == 16  # eight exercises drawn, start and hold
    for index in range(pictures.count()):
        picture = pictures.nth(index)
        picture.scroll_into_view_if_needed()  # lazy-loaded: they load as the patient scrolls
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
        box = picture.bounding_box()
        assert 120 <= box["width"] <= PHONE["width"] / 2
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "patient-today-week3-phone")
