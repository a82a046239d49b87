"""The installed app opens without signal: a service worker (patients/static/patients/sw.js) keeps
the last copy of Today and "Log a session", so a patient who opens BackCare from the home screen in
airplane mode gets the log form, logs a session, and it is sent once when the phone is back online.
After a logout the kept pages are gone."""

import re

import pytest

from patients.models import SessionLog
from patients.progression_services import plan_progression_refresh_if_stale
from tests.factories import PASSWORD

from .conftest import DESKTOP, PHONE, log_in

pytestmark = pytest.mark.django_db(transaction=True)

CONTROLLED = "navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)"


def _context(browser, viewport):
    context = browser.new_context(viewport=viewport)  # service workers allowed (the default)
    context.set_default_timeout(15_000)
    return context, context.new_page()


def _open_online_until_the_worker_controls_it(page, url):
    page.goto(url)
    page.get_by_role("heading", name="Your exercises").wait_for()
    page.wait_for_function(CONTROLLED)
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope.endswith("/me/")
    page.goto(url)  # once controlled, this navigation goes through the worker and is kept
    page.get_by_role("heading", name="Your exercises").wait_for()


def test_the_log_form_opens_in_airplane_mode_and_the_session_is_sent_once_back_online(
    live_server, browser, active_plan
):
    context, page = _context(browser, PHONE)
    console = []
    page.on("console", lambda message: console.append(message.text))
    patient = active_plan.patient
    plan_progression_refresh_if_stale(plan=active_plan)
    log_in(page, live_server, patient.user.username, PASSWORD)
    _open_online_until_the_worker_controls_it(page, f"{live_server.url}/me/log/")
    page.goto(f"{live_server.url}/me/")
    page.get_by_role("heading", name="Today's exercises").wait_for()

    context.set_offline(True)
    page.goto(f"{live_server.url}/me/")  # Today opens too, with its drawings
    page.get_by_role("heading", name="Today's exercises").wait_for()
    assert page.evaluate("Array.from(document.images).every(image => image.naturalWidth > 0)")
    other = context.new_page()
    with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED|ERR_FAILED"):
        other.goto(f"{live_server.url}/me/progress/")  # never kept: not one of the pages that open offline
    other.close()
    page.goto(f"{live_server.url}/me/log/")  # a fresh navigation, as from the home screen
    page.get_by_role("heading", name="Your exercises").wait_for()
    page.get_by_role("group", name="Pain before you started").get_by_text("5", exact=True).click()
    page.get_by_role("group", name="Pain now, after the exercises").get_by_text("3", exact=True).click()
    page.get_by_text("Better", exact=True).click()
    page.get_by_role("button", name=re.compile("I did everything as prescribed")).click()
    page.get_by_role("status").filter(has_text="Saved on this phone").wait_for()
    assert not SessionLog.objects.exists()

    context.set_offline(False)
    page.get_by_role("status").filter(has_text="Sent: your session for").wait_for()
    page.goto(f"{live_server.url}/me/")  # another page, online: nothing is sent again
    page.wait_for_timeout(500)
    session = SessionLog.objects.get(patient=patient)  # exactly one
    assert (session.date, session.pain_before, session.pain_after, session.exercises_done) == (
        patient.local_date(),
        5,
        3,
        3,
    )
    assert not [text for text in console if "Content Security Policy" in text]
    context.close()


def test_after_logout_the_kept_pages_no_longer_open_offline(live_server, browser, active_plan):
    context, page = _context(browser, DESKTOP)
    patient = active_plan.patient
    plan_progression_refresh_if_stale(plan=active_plan)
    log_in(page, live_server, patient.user.username, PASSWORD)
    _open_online_until_the_worker_controls_it(page, f"{live_server.url}/me/log/")
    assert page.evaluate("caches.has('backcare-pages')")

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("heading", name="Log in to BackCare").wait_for()
    page.wait_for_function("caches.has('backcare-pages').then(kept => !kept)")

    context.set_offline(True)
    with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED|ERR_FAILED"):
        page.goto(f"{live_server.url}/me/log/")
    page.wait_for_url("chrome-error://**")  # the browser's own offline page
    assert page.get_by_role("heading", name="Your exercises").count() == 0
    assert patient.user.get_full_name() not in page.content()
    context.close()
