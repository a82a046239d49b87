"""Logging a session on a phone: one tap when everything went as prescribed, a short form for six
exercises, a pain scale that stays put, and a session logged without signal that is sent once
when the phone is back online (also after logging in again)."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from patients.models import Plan, SessionLog
from patients.progression_services import plan_progression_refresh_if_stale, progression_override
from patients.selectors import plan_exercises_up_to_week
from tests.factories import PASSWORD

from .conftest import PHONE, WCAG, log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

TWO_PHONE_SCREENS = 2 * PHONE["height"]  # 1,624 px at 375 px wide


@pytest.fixture
def week_two_plan(active_plan):
    """Six exercises a day: the therapist moved the patient on to week 2."""
    progression_override(
        plan=active_plan,
        by=active_plan.patient.therapist,
        action="advance",
        reason="Doing well on the phone.",
    )
    plan = Plan.objects.get(pk=active_plan.pk)
    assert plan.current_week == 2
    assert plan_exercises_up_to_week(plan=plan, week=2).count() == 6
    return plan


def _answer_pain(page, before="5", after="3", change="Same"):
    page.get_by_role("group", name="Pain before you started").get_by_text(before, exact=True).click()
    page.get_by_role("group", name="Pain now, after the exercises").get_by_text(after, exact=True).click()
    page.get_by_text(change, exact=True).click()


def _page_height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def test_the_form_for_six_exercises_fits_in_about_two_phone_screens(live_server, phone_page, week_two_plan):
    page = phone_page
    console = []
    page.on("console", lambda message: console.append(message.text))
    log_in(page, live_server, week_two_plan.patient.user.username, PASSWORD)
    page.goto(f"{live_server.url}/me/log/")
    page.get_by_role("heading", name="Your exercises").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scroll
    manifest = page.request.get(live_server.url + page.locator("link[rel=manifest]").get_attribute("href"))
    assert manifest.headers["content-type"] == "application/manifest+json"
    assert not [text for text in console if "Content Security Policy" in text]
    folded = _page_height(page)
    screenshot(page, "patient-log-six-phone")

    # Every row shown, and every row's numbers too: still about two screens.
    page.get_by_text("Something was different").click()
    assert page.get_by_role("checkbox", name=re.compile("^Done: ")).count() == 6
    opened = _page_height(page)
    screenshot(page, "patient-log-six-open-phone")
    for summary in page.locator(".exercise-changes > summary").all():
        summary.click()
    everything = _page_height(page)
    screenshot(page, "patient-log-six-all-open-phone")
    assert folded <= 1.6 * PHONE["height"], folded  # the one-tap path
    assert opened <= TWO_PHONE_SCREENS, opened  # every exercise to tick
    assert everything <= 2_600, everything  # and every number: it was 3,825 px


def test_nothing_starts_done_and_the_pain_scale_does_not_move_when_a_value_is_picked(
    live_server, phone_page, week_two_plan
):
    page = phone_page
    log_in(page, live_server, week_two_plan.patient.user.username, PASSWORD)
    page.goto(f"{live_server.url}/me/log/")
    page.get_by_text("Something was different").click()
    done = page.get_by_role("checkbox", name=re.compile("^Done: "))
    assert [done.nth(n).is_checked() for n in range(done.count())] == [False] * 6

    scale = page.get_by_role("group", name="Pain before you started")
    boxes = [label.bounding_box() for label in scale.locator("label").all()]
    below = page.get_by_role("group", name="Pain now, after the exercises").bounding_box()
    for value in ("9", "3", "7"):
        scale.get_by_text(value, exact=True).click()
        assert [label.bounding_box() for label in scale.locator("label").all()] == boxes
        assert page.get_by_role("group", name="Pain now, after the exercises").bounding_box() == below
    assert scale.get_by_role("radio", name="7").is_checked()


def test_one_tap_logs_every_exercise_at_its_targets_on_a_desktop(live_server, desktop_page, week_two_plan):
    page = desktop_page
    patient = week_two_plan.patient
    log_in(page, live_server, patient.user.username, PASSWORD)
    page.goto(f"{live_server.url}/me/log/")
    _answer_pain(page, "4", "2", "Better")
    screenshot(page, "patient-log-desktop")
    page.get_by_text("Something was different").click()
    page.locator(".exercise-changes > summary").filter(has_text="Partial curl").click()
    one_tap = page.get_by_role("button", name=re.compile("I did everything as prescribed"))
    expect(one_tap).not_to_be_visible()  # put away while the rows are open: they are saved with theirs
    screenshot(page, "patient-log-open-desktop")
    page.get_by_text("Something was different").click()
    one_tap.click()
    page.get_by_role("heading", name="My progress").wait_for()
    expect(page.get_by_text("Saved: your session for Today. Well done!")).to_be_visible()
    session = SessionLog.objects.get(patient=patient)
    assert (session.pain_before, session.pain_after, session.exercises_done) == (4, 2, 6)


def test_enter_in_a_number_box_does_not_save_everything_as_prescribed(live_server, phone_page, week_two_plan):
    page = phone_page
    log_in(page, live_server, week_two_plan.patient.user.username, PASSWORD)
    page.goto(f"{live_server.url}/me/log/")
    _answer_pain(page)
    page.get_by_text("Something was different").click()
    page.locator(".exercise-changes > summary").filter(has_text="Pelvic tilt").click()
    page.get_by_label("Repetitions: Pelvic tilt").fill("3")
    page.get_by_label("Repetitions: Pelvic tilt").press("Enter")
    page.wait_for_timeout(500)
    assert page.url.endswith("/me/log/")
    assert not SessionLog.objects.exists()


def _kept_on_phone(page) -> dict:
    return page.evaluate("JSON.parse(window.localStorage.getItem('backcare.pendingSessions') || '{}')")


def test_a_session_logged_without_signal_is_sent_once_when_the_phone_is_back_online(
    live_server, browser, week_two_plan
):
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    patient = week_two_plan.patient
    yesterday = patient.local_date() - timedelta(days=1)
    log_in(page, live_server, patient.user.username, PASSWORD)
    page.goto(f"{live_server.url}/me/log/?day={yesterday.isoformat()}")
    page.get_by_role("heading", name="Your exercises").wait_for()

    context.set_offline(True)
    _answer_pain(page, "6", "4", "Better")
    page.get_by_text("Add a note for your therapist (optional)").click()
    page.get_by_label("Anything to tell your therapist? (optional)").fill("Logged on the train.")
    page.get_by_text("Something was different").click()
    page.get_by_label("Done: Pelvic tilt").check()
    page.get_by_label("Done: Partial curl").check()
    page.locator(".exercise-changes > summary").filter(has_text="Partial curl").click()
    page.get_by_label("Repetitions: Partial curl").fill("3")
    page.get_by_label("It hurt, I stopped: Partial curl").check()
    page.get_by_role("button", name="Save what I did").click()

    status = page.get_by_role("status").filter(has_text="Saved on this phone")
    status.wait_for()
    expect(status).to_have_text("Saved on this phone. It will be sent when you are back online.")
    screenshot(page, "patient-log-offline-phone")
    assert not SessionLog.objects.exists()
    assert len(_kept_on_phone(page)) == 1

    context.set_offline(False)
    page.get_by_role("status").filter(has_text="Sent: your session for").wait_for()
    day_text = f"{yesterday:%A} {yesterday.day} {yesterday:%B}"
    assert (
        page.get_by_role("status").inner_text()
        == f"Sent: your session for {day_text} is saved with your therapist."
    )
    screenshot(page, "patient-log-sent-phone")
    assert _kept_on_phone(page) == {}

    page.goto(f"{live_server.url}/me/progress/")  # another page, online: nothing is sent again
    page.get_by_role("heading", name="My progress").wait_for()
    page.wait_for_timeout(500)
    session = SessionLog.objects.get(patient=patient)  # exactly one
    assert (session.date, session.pain_before, session.pain_after, session.symptom_change, session.note) == (
        yesterday,
        6,
        4,
        "better",
        "Logged on the train.",
    )
    done = {
        row.plan_exercise.exercise.name: (row.reps, row.hurt) for row in session.exercises.filter(done=True)
    }
    assert done == {"Pelvic tilt": (5, False), "Partial curl": (3, True)}
    context.close()


def test_a_session_kept_while_the_login_ended_is_sent_after_logging_in_again(
    live_server, browser, active_plan
):
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    patient = active_plan.patient
    plan_progression_refresh_if_stale(plan=active_plan)
    log_in(page, live_server, patient.user.username, PASSWORD)
    page.goto(f"{live_server.url}/me/log/")
    page.get_by_role("heading", name="Your exercises").wait_for()
    context.set_offline(True)
    _answer_pain(page, "3", "2", "Same")
    page.get_by_role("button", name=re.compile("I did everything as prescribed")).click()
    page.get_by_role("status").filter(has_text="Saved on this phone").wait_for()

    context.clear_cookies()  # the login ended while the phone was offline
    context.set_offline(False)
    status = page.get_by_role("status").filter(has_text="you were logged out")
    status.wait_for()
    assert not SessionLog.objects.exists()
    assert len(_kept_on_phone(page)) == 1

    status.get_by_role("link", name="Log in again").click()
    page.get_by_label("Username").fill(patient.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("status").filter(has_text="Sent: your session for").wait_for()
    session = SessionLog.objects.get(patient=patient)
    assert (session.date, session.pain_before, session.exercises_done) == (patient.local_date(), 3, 3)
    context.close()


def test_without_javascript_the_one_tap_and_the_rows_still_work(live_server, browser, week_two_plan):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    context.set_default_timeout(15_000)
    page = context.new_page()
    patient = week_two_plan.patient
    log_in(page, live_server, patient.user.username, PASSWORD)
    page.goto(f"{live_server.url}/me/log/")
    _answer_pain(page, "5", "5", "Worse")
    page.get_by_text("Something was different").click()  # a native <details>: no script needed
    assert page.get_by_label("Done: Bridge").count() == 0  # week 3 is not there yet
    page.get_by_label("Done: Single knee-to-chest stretch").check()
    page.get_by_role("button", name="Save what I did").click()
    page.get_by_role("heading", name="My progress").wait_for()
    session = SessionLog.objects.get(patient=patient)
    assert (session.symptom_change, session.exercises_done) == ("worse", 1)
    context.close()


def test_the_opened_form_and_the_offline_message_pass_an_accessibility_check(
    live_server, browser, week_two_plan, axe
):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    log_in(page, live_server, week_two_plan.patient.user.username, PASSWORD)
    page.goto(f"{live_server.url}/me/log/")
    page.get_by_role("heading", name="Your exercises").wait_for()
    context.set_offline(True)
    _answer_pain(page)
    page.get_by_text("Add a note for your therapist (optional)").click()
    page.get_by_text("Something was different").click()
    for summary in page.locator(".exercise-changes > summary").all():
        summary.click()
    page.get_by_label("It hurt, I stopped: Pelvic tilt").check()
    page.get_by_role("button", name="Save what I did").click()
    page.get_by_role("status").filter(has_text="Saved on this phone").wait_for()
    violations = axe.run(page, options=WCAG).response["violations"]
    context.set_offline(False)
    page.get_by_role("status").filter(has_text="Sent: your session for").wait_for()
    violations += axe.run(page, options=WCAG).response["violations"]
    context.close()
    assert not violations, [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
