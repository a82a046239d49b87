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

from patients.models import Alert, Patient, Plan, SessionLog
from patients.services import alerts_acknowledge, plan_revise

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
    invitation = (
        f"/accounts/reset/{urlsafe_base64_encode(force_bytes(user.pk))}/"
        f"{default_token_generator.make_token(user)}/"
    )
    patient = f"/portal/patients/{carla.pk}"
    return {
        "patient": [
            carla.user.username,
            ["/me/", "/me/log/", "/me/progress/", f"/me/sessions/{session.pk}/"],
        ],
        "therapist": [
            carla.therapist.username,
            [
                "/portal/",
                "/portal/?attention=1",
                f"{patient}/",
                "/portal/alerts/",
                "/portal/alerts/?open=true&kind=hurt",
                f"{patient}/progression/",
                f"{patient}/plans/{live.pk}/",
                f"{patient}/plans/{draft.pk}/",
                f"{patient}/plans/new/",
                f"{patient}/welcome/",
                "/portal/patients/add/",
                "/portal/reports/",
                "/portal/rtm/",
                f"/portal/rtm/patients/{carla.pk}/time/",
            ],
        ],
        "manager": [
            "manager",
            [
                "/",
                "/portal/reports/",
                "/portal/rtm/",
                "/portal/audit/",
                "/portal/alerts/",
                f"{patient}/",
                "/portal/audit/?page=2",
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
