"""Password resets and e-mail changes are on the clinic's audit trail, in words, on the person's
record — and asking for a reset tells the asker nothing about whether an account exists."""

import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from tests.api.conftest import client_for
from tests.audit.test_audit_words import text_of
from tests.factories import ManagerFactory, PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db

RESET_LINK = re.compile(r"/accounts/reset/[^/\s]+/[^/\s]+/")


@pytest.fixture
def sam(therapist):
    return PatientFactory(
        therapist=therapist, user__first_name="Sam", user__last_name="Taylor", user__email="sam@example.org"
    )


def trail(client, clinic) -> str:
    client.force_login(ManagerFactory(clinic=clinic))
    page = text_of(client.get("/portal/audit/"))
    client.logout()
    return page


NEW_PASSWORD = "quiet-river-walk-7"  # noqa: S105 (a test's password)


def choose_password_from(client, mail):
    password = NEW_PASSWORD
    form_url = client.get(RESET_LINK.search(mail.body).group(0)).url
    response = client.post(form_url, {"new_password1": password, "new_password2": password})
    assert response.status_code == 302
    client.logout()


def test_a_reset_asked_for_is_recorded_on_the_patients_record_without_telling_the_asker(
    client, sam, mailoutbox
):
    known = client.post(reverse("password_reset"), {"email": "sam@example.org"}, follow=True)
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain
    assert known.content == unknown.content
    [event] = AuditEvent.objects.filter(action="password.reset_requested")
    assert event.patient == sam and event.clinic == sam.clinic and event.actor is None
    assert len(mailoutbox) == 1
    assert "A password reset link for Sam Taylor was asked for and mailed to their address" in trail(
        client, sam.clinic
    )


def test_a_reset_completed_is_recorded_in_words(client, sam, mailoutbox):
    client.post(reverse("password_reset"), {"email": "sam@example.org"})
    choose_password_from(client, mailoutbox[0])
    [event] = AuditEvent.objects.filter(action="password.reset_completed")
    assert event.patient == sam and event.actor == sam.user
    assert "Sam Taylor chose a new password from a password reset link" in trail(client, sam.clinic)


def test_a_therapists_own_reset_is_recorded_with_their_name(client, mailoutbox):
    therapist = TherapistFactory(first_name="Mia", last_name="Hart", email="mia@example.org")
    client.post(reverse("password_reset"), {"email": "mia@example.org"})
    choose_password_from(client, mailoutbox[0])
    page = trail(client, therapist.clinic)
    assert "A password reset link for Mia Hart was asked for and mailed to their address" in page
    assert "Mia Hart chose a new password from a password reset link" in page


def test_a_password_chosen_from_an_invitation_reads_as_such(client, sam, mailoutbox):
    from patients import services

    sam.user.set_unusable_password()
    sam.user.save()
    uidb64, token = services.patient_invitation(patient=sam, by=sam.therapist)
    form_url = client.get(reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})).url
    client.post(form_url, {"new_password1": "quiet-river-walk-7", "new_password2": "quiet-river-walk-7"})
    assert "Sam Taylor chose their password from their invitation link" in trail(client, sam.clinic)


def test_an_email_change_reads_as_asked_for_then_confirmed(
    client, sam, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(sam.therapist).patch(
            f"/api/v1/patients/{sam.pk}/", {"email": "sam.new@example.org"}, format="json"
        )
    [confirmation] = [mail for mail in mailoutbox if mail.to == ["sam.new@example.org"]]
    link = re.search(r"/accounts/email/confirm/\S+/", confirmation.body).group(0)
    client.force_login(sam.user)
    client.post(link)
    page = trail(client, sam.clinic)
    assert (
        "Asked for Sam Taylor's email address to become sam.new@example.org; waiting for their confirmation"
        in page
    )
    assert "Sam Taylor confirmed sam.new@example.org as their email address" in page
