"""The patient detail page for the people around the therapist: the clinic manager reads it
(from the reports' per-patient table), changes nothing; the therapist sees progression first."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import Plan

pytestmark = pytest.mark.django_db


class _Forms(HTMLParser):
    """Every <form>'s method and action, and every link, in a page."""

    def __init__(self):
        super().__init__()
        self.forms, self.links = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(((attrs.get("method") or "get").lower(), attrs.get("action") or ""))
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


def _parse(response) -> _Forms:
    parser = _Forms()
    parser.feed(response.content.decode())
    return parser


def detail_url(world):
    return reverse("portal:patient_detail", kwargs={"pk": world.patient.pk})


def test_a_manager_reads_the_patient_page_without_any_form_or_link_that_changes_data(client, world):
    client.force_login(world.manager)
    response = client.get(detail_url(world))

    assert response.status_code == 200
    html = " ".join(response.content.decode().split())
    name = world.patient.user.get_full_name()
    assert f'<h1 class="h2 mb-1">{name}</h1>' in html
    assert world.alert.message in html and "Stiff this morning." in html  # alerts and timeline
    assert "Week 1 of 3" in html and "badge progression-" in html  # the progression state
    assert "Version 1" in html and "Version 2" in html  # the plan's versions, readable
    assert "Only their therapist changes the plan" in html
    page = _parse(response)
    # The navbar's "Log out" is the only form on the page; nothing here acknowledges or changes.
    assert page.forms == [("post", reverse("logout"))]
    actions = ("Acknowledge<", "Approve version", "Pause…", "Complete…", "Change plan", "Move on, hold")
    for words in (*actions, "Build a plan", "Continue draft", "New invitation link"):
        assert words not in html, words
    portal_links = [link for link in page.links if link.startswith("/portal/patients/")]
    # Only downloads (read-only, audited): the whole record and the printed program; no link
    # into the therapist's plan pages.
    assert portal_links == [
        reverse("portal:patient_record_zip", kwargs={"pk": world.patient.pk}),
        reverse("portal:plan_program_pdf", kwargs={"pk": world.patient.pk, "plan_pk": world.plan.pk}),
    ], "a manager gets no links into the therapist's plan pages"
    assert world.alert.acknowledged_at is None


def test_the_manager_follows_the_reports_patient_link_to_the_patient_page(client, world):
    client.force_login(world.manager)
    report = client.get(reverse("reports:index"))
    assert report.status_code == 200
    link = detail_url(world)
    assert f'href="{link}"' in report.content.decode()

    assert client.get(link).status_code == 200


def test_another_clinics_manager_does_not_find_the_patient(client, world):
    client.force_login(world.other_manager)
    response = client.get(detail_url(world))
    assert response.status_code == 404
    assert world.patient.user.last_name.encode() not in response.content


def test_the_therapist_sees_the_progression_state_its_reasons_and_a_way_to_decide(client, world):
    plan = world.plan
    Plan.objects.filter(pk=plan.pk).update(
        progression_state=Plan.ProgressionState.HELD,
        progression_reasons=["Pain rose from 3 to 6 this week."],
        progression_evaluated_at=timezone.now(),  # fresh today: the page shows this snapshot
    )
    client.force_login(world.therapist)
    response = client.get(detail_url(world))
    html = " ".join(response.content.decode().split())

    assert '<span class="badge progression-held">Held back</span>' in html
    assert "<li>Pain rose from 3 to 6 this week.</li>" in html
    progression = reverse("portal:progression", kwargs={"pk": world.patient.pk})
    assert f'href="{progression}">Move on, hold or go back…</a>' in html
    # Open safety alerts come first, before the progression and the plan.
    assert html.index('id="alerts-heading"') < html.index('id="progression-heading"')
    assert html.index('id="progression-heading"') < html.index('id="plan-heading"')
    assert re.search(r'action="/portal/patients/\d+/alerts/acknowledge/"', html)
