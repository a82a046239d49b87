"""Every main page passes axe-core's WCAG 2 A/AA rules (labels, contrast, headings, names),
for each person, at the size they use it: patients on a phone, the clinic on a desktop."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from patients.models import Alert, Patient, Plan
from patients.services import alerts_acknowledge

from .conftest import DESKTOP, PHONE, log_in

pytestmark = pytest.mark.django_db(transaction=True)

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _violations(page) -> list[str]:
    results = Axe().run(page, options=WCAG)
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def test_main_pages_pass_an_accessibility_check(live_server, browser):
    call_command("load_demo", verbosity=0)
    carla = Patient.objects.get(user__username="carla.mendes").pk
    plan = Plan.objects.filter(patient_id=carla, status__in=Plan.LIVE_STATUSES).get().pk
    # One acknowledged alert with a long comment, so the alert list shows how it reads.
    silence = Alert.objects.filter(acknowledged_at__isnull=True).exclude(patient_id=carla).first()
    alerts_acknowledge(alerts=[silence], by=silence.patient.therapist, comment="Phoned; on holiday. " * 40)
    journeys = [
        ("patient", PHONE, ["/me/", "/me/log/", "/me/progress/"]),
        (
            "therapist",
            DESKTOP,
            [
                "/portal/",
                f"/portal/patients/{carla}/",
                "/portal/alerts/",
                "/portal/alerts/?open=true&kind=hurt",
                f"/portal/patients/{carla}/progression/",
                f"/portal/patients/{carla}/plans/{plan}/",
                "/portal/patients/add/",
                "/portal/reports/",
            ],
        ),
        (
            "therapist",
            PHONE,
            [
                "/portal/",
                f"/portal/patients/{carla}/",
                "/portal/alerts/",
                f"/portal/patients/{carla}/plans/{plan}/",
            ],
        ),
        (
            "manager",
            DESKTOP,
            ["/portal/reports/", "/portal/audit/", "/portal/alerts/", f"/portal/patients/{carla}/"],
        ),
        (None, PHONE, ["/accounts/login/", "/accounts/password_reset/"]),
    ]
    found = []
    for username, viewport, paths in journeys:
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        if username:
            log_in(page, live_server, username, "backcare-demo")
            page.wait_for_load_state()
        for path in paths:
            page.goto(f"{live_server.url}{path}")
            found += _violations(page)
        context.close()
    assert not found, "\n".join(found)
