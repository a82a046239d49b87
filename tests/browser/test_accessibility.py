"""Every page of every role passes the current axe-core rules with nothing serious or critical,
on a phone (375 px) and on a desktop.

axe-core comes from the npm registry at set-up (`make axe`, pinned in tests/browser/axe/), not
the older copy inside axe-playwright-python and never a CDN. All of axe's rules run (WCAG A/AA
and its best practices); a page passes when none of its violations is serious or critical.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.services import device_token_create, email_change_request, email_change_token
from exercises import library
from exercises.models import Exercise, ProgramTemplate
from patients.models import Alert, Patient, Plan, SessionLog
from patients.services import alerts_acknowledge, plan_revise
from reminders.links import unsubscribe_token

from .conftest import AXE_JS, DESKTOP, PHONE, log_in

pytestmark = pytest.mark.django_db(transaction=True)

BLOCKING = {"serious", "critical"}


def test_the_axe_core_is_the_pinned_current_one(axe):
    assert AXE_JS.read_text(encoding="utf-8").startswith("/*! axe v4.14")


def _violations(axe: Axe, page) -> list[str]:
    results = axe.run(page)
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def _pages():
    """Every page each person reaches, from the demo clinic (a path, or a path and what to do)."""
    carla = Patient.objects.get(user__username="carla.mendes")
    live = Plan.objects.filter(patient=carla, status__in=Plan.LIVE_STATUSES).get()
    draft = plan_revise(plan=live, by=carla.therapist)
    session = SessionLog.objects.filter(patient=carla).order_by("-date").first()
    # One acknowledged alert with a long comment, so the alert list shows how it reads.
    silence = Alert.objects.filter(acknowledged_at__isnull=True).exclude(patient=carla).first()
    alerts_acknowledge(alerts=[silence], by=silence.patient.therapist, comment="Phoned; on holiday. " * 40)
    user = carla.user
    device_token_create(user=user, name="Carla's phone")  # so "Your devices" lists one
    invitation = (
        f"/accounts/reset/{urlsafe_base64_encode(force_bytes(user.pk))}/"
        f"{default_token_generator.make_token(user)}/"
    )
    # A new address waiting for Carla's confirmation: her therapist's pages show it, she confirms it.
    waiting = email_change_request(
        user=user, new_email="carla.new@example.org", by=carla.therapist, base_url="http://testserver/"
    )
    patient = f"/portal/patients/{carla.pk}"
    # Carla's clinic lets its managers read messages: the manager's read-only thread is a page too.
    carla.clinic.managers_read_messages = True
    carla.clinic.save(update_fields=["managers_read_messages"])
    # The library: a shipped exercise and program, and the clinic's own copies (editable pages).
    bridge = Exercise.objects.get(slug="bridge")
    handout = ProgramTemplate.objects.get(slug="back-strengthening")
    own_exercise = library.exercise_copy(exercise=bridge, by=carla.therapist)
    own_program = library.program_copy(program=handout, by=carla.therapist)
    return {
        "patient": [
            carla.user.username,
            [
                "/me/",
                "/me/log/",
                "/me/progress/",
                f"/me/sessions/{session.pk}/",
                "/me/messages/",
                "/me/reminders/",
                f"/reminders/unsubscribe/{unsubscribe_token(carla)}/",
                "/accounts/devices/",
                "/accounts/log-out-everywhere/",
                "/accounts/password_change/",
                f"/accounts/email/confirm/{email_change_token(waiting)}/",
                "/accounts/email/",
                "/accounts/language/",
            ],
        ],
        # Sam, the demo patient, has the questionnaires waiting: each one's page.
        "patient answering": ["patient", ["/me/", "/me/questionnaires/nprs/", "/me/questionnaires/psfs/"]],
        "therapist": [
            carla.therapist.username,
            [
                "/portal/",
                "/portal/?attention=1",
                f"{patient}/",
                "/portal/alerts/",
                "/portal/alerts/?open=true&kind=hurt",
                f"{patient}/progression/",
                f"{patient}/messages/",
                f"{patient}/plans/{live.pk}/",
                f"{patient}/plans/{draft.pk}/",
                f"{patient}/plans/new/",
                f"{patient}/welcome/",
                f"{patient}/email/",
                "/accounts/email/",
                "/accounts/language/",
                "/portal/patients/add/",
                "/portal/reports/",
                "/accounts/two-factor/",
                "/accounts/devices/",
                "/portal/library/",
                "/portal/library/?q=bridge&body_position=back",
                f"/portal/library/exercises/{bridge.pk}/",
                f"/portal/library/exercises/{own_exercise.pk}/",
                f"/portal/library/exercises/{own_exercise.pk}/edit/",
                "/portal/library/exercises/add/",
                "/portal/library/programs/",
                "/portal/library/programs/add/",
                f"/portal/library/programs/{handout.pk}/",
                f"/portal/library/programs/{own_program.pk}/",
                "/portal/reports/outcomes/",
                "/portal/rtm/",
                f"/portal/rtm/patients/{carla.pk}/time/",
            ],
        ],
        "manager": [
            "manager",
            [
                "/",
                "/portal/reports/",
                "/portal/reports/outcomes/",
                "/portal/rtm/",
                "/portal/audit/",
                "/portal/alerts/",
                f"{patient}/",
                f"{patient}/messages/",
                "/portal/audit/?page=2",
                "/portal/clinic/",
                "/portal/library/",
                f"/portal/library/programs/{own_program.pk}/",
            ],
        ],
        "nobody": [
            None,
            [
                "/accounts/login/",
                "/accounts/password_reset/",
                "/accounts/password_reset/done/",
                invitation,
                "/accounts/reset/done/",
            ],
        ],
    }


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_page_of_every_role_has_nothing_serious(live_server, browser, axe, viewport):
    call_command("load_demo", verbosity=0)
    found = []
    for role, (username, paths) in _pages().items():
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        if username:
            log_in(page, live_server, username, "backcare-demo")
            page.wait_for_load_state()
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            assert response.ok, f"{role} {path}: {response.status}"
            found += _violations(axe, page)
        context.close()
    assert not found, "\n".join(found)
