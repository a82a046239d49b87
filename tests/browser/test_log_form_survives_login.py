"""A patient types their session slowly, is logged out meanwhile, logs in again: what they typed
is still in the form, and once saved it is the stored session that the form shows."""

import pytest
from django.contrib.sessions.models import Session

from patients.models import SessionLog
from tests.factories import PASSWORD

from .conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

RESTORED = "We kept what you typed before you were asked to log in again. Check it, then save."


def _draft_keys(page) -> list[str]:
    return page.evaluate(
        "() => Object.keys(window.sessionStorage).filter(k => k.startsWith('backcare.logdraft.'))"
    )


def test_what_was_typed_survives_a_forced_login_and_is_cleared_once_saved(
    live_server, phone_page, active_plan
):
    page = phone_page
    patient = active_plan.patient
    log_in(page, live_server, patient.user.username, PASSWORD)
    page.get_by_role("heading", name="Today's exercises").wait_for()

    page.goto(f"{live_server.url}/me/log/")
    page.get_by_role("heading", name="Log a session").wait_for()
    page.get_by_label("Repetitions: Pelvic tilt").fill("7")
    page.get_by_label("It hurt, I stopped: Pelvic tilt").check()
    page.get_by_role("group", name="Pain before you started").get_by_text("6", exact=True).click()
    page.get_by_role("group", name="Pain now, after the exercises").get_by_text("7", exact=True).click()
    page.get_by_text("Worse", exact=True).click()
    page.get_by_label("Anything to tell your therapist? (optional)").fill("Sharp twinge in the tilt.")

    # Meanwhile the login ends (the idle timeout, or the absolute one): the server forgets it.
    Session.objects.all().delete()
    page.get_by_role("button", name="Save my session").click()
    page.get_by_label("Username").wait_for()
    assert not SessionLog.objects.filter(patient=patient).exists()

    page.get_by_label("Username").fill(patient.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("heading", name="Log a session").wait_for()
    page.get_by_text(RESTORED).wait_for()
    assert page.get_by_label("Repetitions: Pelvic tilt").input_value() == "7"
    assert page.get_by_label("It hurt, I stopped: Pelvic tilt").is_checked()
    assert page.locator("input[name=pain_before][value='6']").is_checked()
    assert page.locator("input[name=pain_after][value='7']").is_checked()
    assert page.locator("input[name=symptom_change][value='worse']").is_checked()
    assert page.get_by_label("Anything to tell your therapist? (optional)").input_value() == (
        "Sharp twinge in the tilt."
    )
    screenshot(page, "patient-log-restored-after-login")
    page.get_by_role("button", name="Save my session").click()

    page.get_by_role("heading", name="My progress").wait_for()
    session = SessionLog.objects.get(patient=patient, date=patient.local_date())
    assert (session.pain_before, session.pain_after, session.symptom_change, session.note) == (
        6,
        7,
        "worse",
        "Sharp twinge in the tilt.",
    )
    tilt = session.exercises.get(plan_exercise__exercise__slug="pelvic-tilt")
    assert (tilt.reps, tilt.hurt) == (7, True)

    # The stored session wins from now on: no draft is put back over it.
    page.goto(f"{live_server.url}/me/log/")
    page.get_by_role("heading", name="Log a session").wait_for()
    assert page.get_by_text("You already logged this day. Saving will change it.").is_visible()
    page.wait_for_load_state("load")  # (the deferred script has run)
    assert not page.get_by_text(RESTORED).is_visible()
    assert _draft_keys(page) == []
    page.get_by_label("Anything to tell your therapist? (optional)").fill("Changed my mind")
    assert len(_draft_keys(page)) == 1

    # Logging out on purpose forgets it.
    page.get_by_role("button", name="Show menu").click()
    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Username").wait_for()
    assert _draft_keys(page) == []
