"""The clinic manager reads the audit trail: who did what, when; own clinic only; never editable."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from patients.services import plan_approve, plan_create_from_template, plan_pause
from tests.factories import ManagerFactory, PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db

URL = "/portal/audit/"


def test_the_url_is_the_audit_list():
    assert reverse("audit:list") == URL


def test_the_manager_sees_a_plan_approval_with_who_and_when(client, active_plan, manager):
    therapist = active_plan.patient.therapist
    client.force_login(manager)
    page = client.get(URL).content.decode()
    assert f"Approved version 1 of {active_plan.patient.user.get_full_name()}'s plan" in page.replace(
        "&#x27;", "'"
    )
    assert therapist.get_full_name() in page
    approved = active_plan.approved_at.astimezone(dt.UTC)
    # The clinic is in Europe/London: shown in its local time, with the date.
    local = timezone.localtime(approved, timezone=__import__("zoneinfo").ZoneInfo("Europe/London"))
    assert f"{local:%H:%M}" in page
    assert f"{local.day} {local:%b %Y}" in page


def test_the_manager_link_is_in_the_navigation(client, manager):
    client.force_login(manager)
    assert f'href="{URL}"' in client.get("/portal/reports/").content.decode()


def test_other_clinics_events_never_appear(client, active_plan, manager, handout_program):
    other_therapist = TherapistFactory(first_name="Hidden", last_name="Elsewhere")
    other_patient = PatientFactory(therapist=other_therapist)
    plan = plan_create_from_template(
        confirm_start_date=True,
        patient=other_patient,
        template=handout_program,
        start_date=other_patient.local_date(),
        by=other_therapist,
    )
    plan_approve(plan=plan, by=other_therapist)
    assert AuditEvent.objects.filter(clinic=other_patient.clinic).exists()
    client.force_login(manager)
    page = client.get(URL).content.decode()
    assert "Elsewhere" not in page
    assert str(other_patient.user.get_full_name()) not in page
    # Not through the filter either.
    page = client.get(URL, {"action": "plan.approved"}).content.decode()
    assert "Elsewhere" not in page
    # And the other clinic's manager does not see ours.
    client.force_login(ManagerFactory(clinic=other_patient.clinic))
    page = client.get(URL).content.decode()
    assert active_plan.patient.therapist.get_full_name() not in page
    assert "Hidden Elsewhere" in page


def test_therapists_and_patients_may_not_read_it(client, active_plan):
    client.force_login(active_plan.patient.therapist)
    assert client.get(URL).status_code == 403
    client.force_login(active_plan.patient.user)
    assert client.get(URL).status_code == 403


def test_filters_by_action_and_date(client, active_plan, manager):
    therapist = active_plan.patient.therapist
    plan_pause(plan=active_plan, by=therapist, reason="Flare-up")
    client.force_login(manager)
    page = client.get(URL, {"action": "plan.paused"}).content.decode()
    assert "Paused " in page and "Flare-up" in page
    assert "Approved version" not in page
    today = timezone.localdate()
    page = client.get(URL, {"start": str(today + dt.timedelta(days=1))}).content.decode()
    assert "No events match these filters." in page
    AuditEvent.objects.filter(action="plan.created").update(created_at=timezone.now() - dt.timedelta(days=10))
    page = client.get(
        URL, {"start": str(today - dt.timedelta(days=11)), "end": str(today - dt.timedelta(days=9))}
    ).content.decode()
    assert "Drafted plan version 1" in page and "Paused " not in page


def test_bad_filters_say_so_and_show_everything(client, active_plan, manager):
    client.force_login(manager)
    response = client.get(
        URL,
        {"start": "2026-13-45", "end": "not a date", "action": "nonsense", "page": "99999999999999999999"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a valid date." in page
    assert "Approved version 1" in page
    response = client.get(URL, {"start": "2026-05-10", "end": "2026-05-01"})
    assert "The end date must not be before the start date." in response.content.decode()


def test_pages_of_fifty(client, active_plan, manager):
    event = AuditEvent.objects.filter(clinic=manager.clinic).first()
    for n in range(60):
        AuditEvent.objects.create(
            actor=event.actor,
            clinic=manager.clinic,
            action="plan.changed",
            object_type="patients.plan",
            object_id=str(active_plan.pk),
            summary=f"change {n}",
        )
    client.force_login(manager)
    first = client.get(URL).content.decode()
    assert "Page 1 of 2" in first
    second = client.get(URL, {"page": 2}).content.decode()
    assert "Page 2 of 2" in second


def test_there_is_no_way_to_edit_or_delete(client, admin_client, active_plan, manager):
    event = AuditEvent.objects.get(action="plan.approved")
    client.force_login(manager)
    page = client.get(URL).content.decode()
    # The only form that posts is the log-out button.
    assert page.count('method="post"') == 1
    for method in (client.post, client.put, client.patch, client.delete):
        assert method(URL, {"action": "x"}).status_code == 405
    assert admin_client.get(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    assert (
        admin_client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"summary": "x"}).status_code == 403
    )
    event.refresh_from_db()
    assert event.action == "plan.approved"
    assert AuditEvent.objects.filter(pk=event.pk).exists()
