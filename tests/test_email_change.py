"""A new e-mail address takes effect only when its owner confirms it.

The takeover this closes: a therapist PATCHes their patient's address to their own, asks for a
password reset, and logs in as the patient. Now the new address only gets a link that the
patient, logged in as themselves, must use; the old address is told; resets keep going to the
address in force until then.
"""

import re
import time
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from accounts.models import EmailChange
from audit.models import AuditEvent
from patients.models import Patient
from tests.api.conftest import client_for
from tests.factories import PASSWORD, PatientFactory, TherapistFactory

pytestmark = pytest.mark.django_db

OLD, NEW = "sam@example.org", "therapist.own@example.org"
LINK = re.compile(r"https?://\S+/accounts/email/confirm/\S+/")


@pytest.fixture
def sam(therapist):
    return PatientFactory(
        therapist=therapist,
        user__username="sam.taylor",
        user__first_name="Sam",
        user__last_name="Taylor",
        user__email=OLD,
    )


@pytest.fixture
def patch_email(django_capture_on_commit_callbacks):
    """The therapist PATCHes the patient's address through the API; the mails leave on commit."""

    def patch(patient, email, by=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client_for(by or patient.therapist).patch(
                f"/api/v1/patients/{patient.pk}/", {"email": email}, format="json"
            )

    return patch


def mails_to(mailoutbox, address):
    return [mail for mail in mailoutbox if mail.to == [address]]


def ask_for_reset(client, email):
    return client.post(reverse("password_reset"), {"email": email})


def link_in(mail) -> str:
    """The confirmation link's path, as the test client opens it."""
    return urlsplit(LINK.search(mail.body).group(0)).path


def test_the_takeover_fails_the_reset_goes_to_the_old_address_and_the_new_one_gets_only_a_link(
    client, sam, patch_email, mailoutbox
):
    response = patch_email(sam, NEW)
    assert response.status_code == 200
    assert response.json()["email"] == OLD
    assert response.json()["email_pending"] == NEW
    sam.user.refresh_from_db()
    assert sam.user.email == OLD

    [confirmation] = mails_to(mailoutbox, NEW)
    assert LINK.search(confirmation.body)
    assert "reset" not in LINK.search(confirmation.body).group(0)

    mailoutbox.clear()
    ask_for_reset(client, NEW)
    assert mailoutbox == []  # the waiting address gets no reset link
    ask_for_reset(client, OLD)
    [reset] = mailoutbox
    assert reset.to == [OLD]


def test_the_old_address_is_told_without_health_details(sam, patch_email, mailoutbox, active_plan):
    patch_email(sam, NEW)
    [notice] = mails_to(mailoutbox, OLD)
    assert NEW in notice.body and "sam.taylor" in notice.body
    assert "tell your clinic" in notice.body
    body = notice.body.lower()
    for health_word in ["pain", "plan", "exercise", "week", "back pain", sam.therapist.last_name.lower()]:
        assert health_word not in body, health_word


def test_the_therapist_cannot_confirm_the_address_they_set(client, sam, patch_email, mailoutbox):
    patch_email(sam, NEW)
    link = link_in(mails_to(mailoutbox, NEW)[0])
    client.force_login(sam.therapist)
    page = client.get(link)
    assert page.status_code == 400
    assert "This link is for another login" in page.content.decode()
    assert client.post(link).status_code == 400
    sam.user.refresh_from_db()
    assert sam.user.email == OLD
    assert EmailChange.objects.filter(user=sam.user, new_email=NEW).exists()


def test_someone_not_logged_in_is_asked_to_log_in_first(client, sam, patch_email, mailoutbox):
    patch_email(sam, NEW)
    link = link_in(mails_to(mailoutbox, NEW)[0])
    response = client.post(link)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    sam.user.refresh_from_db()
    assert sam.user.email == OLD


def test_after_the_patient_confirms_the_new_address_is_in_force(client, sam, patch_email, mailoutbox):
    patch_email(sam, NEW)
    link = link_in(mails_to(mailoutbox, NEW)[0])
    assert client.login(username="sam.taylor", password=PASSWORD)
    page = client.get(link)
    assert page.status_code == 200
    assert NEW in page.content.decode()
    response = client.post(link, follow=True)
    assert f"Your email address is now {NEW}." in response.content.decode()
    sam.user.refresh_from_db()
    assert sam.user.email == NEW
    assert not EmailChange.objects.exists()
    assert client_for(sam.therapist).get(f"/api/v1/patients/{sam.pk}/").json()["email_pending"] is None

    client.logout()
    mailoutbox.clear()
    ask_for_reset(client, NEW)
    assert [mail.to for mail in mailoutbox] == [[NEW]]


def test_a_link_works_once(client, sam, patch_email, mailoutbox):
    patch_email(sam, NEW)
    link = link_in(mails_to(mailoutbox, NEW)[0])
    client.force_login(sam.user)
    client.post(link)
    again = client.post(link)
    assert again.status_code == 400
    assert "already used" in again.content.decode()
    assert AuditEvent.objects.filter(action="email.change_confirmed").count() == 1


def test_a_link_expires(client, sam, patch_email, mailoutbox, settings):
    made_at = time.time() - settings.PASSWORD_RESET_TIMEOUT - 60  # the link was mailed that long ago
    with mock.patch("django.core.signing.time.time", return_value=made_at):
        patch_email(sam, NEW)
    link = link_in(mails_to(mailoutbox, NEW)[0])
    client.force_login(sam.user)
    response = client.post(link)
    assert response.status_code == 400
    assert "This link has expired" in response.content.decode()
    sam.user.refresh_from_db()
    assert sam.user.email == OLD


def test_a_newer_request_makes_the_older_link_useless(client, sam, patch_email, mailoutbox):
    patch_email(sam, NEW)
    first = link_in(mails_to(mailoutbox, NEW)[0])
    patch_email(sam, "sam.new@example.org")
    second = link_in(mails_to(mailoutbox, "sam.new@example.org")[0])
    client.force_login(sam.user)
    assert client.post(first).status_code == 400
    assert client.post(second).status_code == 302
    sam.user.refresh_from_db()
    assert sam.user.email == "sam.new@example.org"


def test_a_tampered_link_changes_nothing(client, sam, patch_email, mailoutbox):
    patch_email(sam, NEW)
    link = link_in(mails_to(mailoutbox, NEW)[0])
    client.force_login(sam.user)
    response = client.post(link.replace("/confirm/", "/confirm/x"))
    assert response.status_code == 400
    sam.user.refresh_from_db()
    assert sam.user.email == OLD


def test_the_patient_page_shows_the_address_waiting_for_confirmation(client, sam, patch_email):
    patch_email(sam, NEW)
    client.force_login(sam.therapist)
    page = client.get(reverse("portal:patient_detail", args=[sam.pk])).content.decode()
    assert OLD in page
    assert f"{NEW}" in page and "waiting for the patient to confirm it" in page


def test_removing_the_address_takes_effect_at_once_and_the_old_address_is_told(sam, patch_email, mailoutbox):
    response = patch_email(sam, "")
    assert response.json()["email"] == "" and response.json()["email_pending"] is None
    [notice] = mailoutbox
    assert notice.to == [OLD] and "was removed" in notice.body


def test_another_clinics_therapist_cannot_change_the_address(sam, patch_email, mailoutbox):
    stranger = TherapistFactory()
    assert patch_email(sam, NEW, by=stranger).status_code == 404
    assert mailoutbox == [] and not EmailChange.objects.exists()


def test_a_first_address_given_at_creation_is_in_force_at_once(therapist, mailoutbox):
    response = client_for(therapist).post(
        "/api/v1/patients/",
        {"username": "new.one", "first_name": "New", "last_name": "One", "email": "new@example.org"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["email"] == "new@example.org"
    assert Patient.objects.get(user__username="new.one").user.email == "new@example.org"


def test_a_site_operator_changing_the_address_in_the_admin_also_waits_for_confirmation(
    admin_client, sam, mailoutbox, django_capture_on_commit_callbacks
):
    user = sam.user
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": NEW,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "clinic": user.clinic_id,
        "role": user.role,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:accounts_user_change", args=[user.pk]), data, follow=True)
    assert f"A confirmation link was sent to {NEW}." in response.content.decode()
    user.refresh_from_db()
    assert user.email == OLD
    assert EmailChange.objects.get(user=user).new_email == NEW
    assert [mail.to for mail in mailoutbox] == [[NEW], [OLD]]


def test_a_confirmation_token_never_reaches_a_log_line(client, sam, patch_email, mailoutbox):
    from backcare.log_filters import redact_tokens

    patch_email(sam, NEW)
    link = link_in(mails_to(mailoutbox, NEW)[0])
    token = link.rstrip("/").rsplit("/", 1)[1]
    login_redirect = client.get(link).url  # not logged in: the login page, the link in ?next=
    for line in [f"GET {link} HTTP/1.1", f"POST {link} HTTP/1.1", f"GET {login_redirect} HTTP/1.1"]:
        redacted = redact_tokens(line)
        assert token not in redacted and "[redacted]" in redacted, line


def test_on_the_portal_the_therapist_reads_that_a_confirmation_was_sent_and_nothing_else_changes(
    client, sam, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(sam.therapist)
    url = reverse("portal:patient_email", args=[sam.pk])
    assert OLD in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": NEW}, follow=True)
    assert f"A confirmation link was sent to {NEW}." in response.content.decode()
    assert "waiting for the patient to confirm it" in response.content.decode()
    sam.user.refresh_from_db()
    assert sam.user.email == OLD
    assert sorted(mail.to[0] for mail in mailoutbox) == [OLD, NEW]

    client.logout()
    mailoutbox.clear()
    ask_for_reset(client, NEW)
    ask_for_reset(client, OLD)
    assert [mail.to for mail in mailoutbox] == [[OLD]]


def test_on_the_portal_a_bad_address_is_explained_and_changes_nothing(client, sam, mailoutbox):
    client.force_login(sam.therapist)
    response = client.post(reverse("portal:patient_email", args=[sam.pk]), {"email": "not an address"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not EmailChange.objects.exists() and mailoutbox == []
    assert not AuditEvent.objects.exists()


def test_on_the_portal_the_current_address_again_changes_nothing(client, sam, mailoutbox):
    client.force_login(sam.therapist)
    response = client.post(reverse("portal:patient_email", args=[sam.pk]), {"email": OLD}, follow=True)
    assert "That is already the patient&#x27;s email address: nothing changed." in response.content.decode()
    assert mailoutbox == [] and not AuditEvent.objects.exists() and not EmailChange.objects.exists()


@pytest.mark.parametrize("who", ["patient", "therapist"])
def test_a_person_changing_their_own_address_also_confirms_it_from_the_link(
    client, sam, who, mailoutbox, django_capture_on_commit_callbacks
):
    user = sam.user if who == "patient" else sam.therapist
    old = user.email
    client.force_login(user)
    assert (
        reverse("own_email") in client.get(reverse("home"), follow=True).content.decode()
    )  # the name in the bar
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("own_email"), {"email": "mine.new@example.org"}, follow=True)
    page = response.content.decode()
    assert "A confirmation link was sent to mine.new@example.org." in page
    assert "waiting for you to confirm it" in page
    user.refresh_from_db()
    assert user.email == old
    assert [mail.to for mail in mails_to(mailoutbox, old)] == [[old]]
    client.post(link_in(mails_to(mailoutbox, "mine.new@example.org")[0]))
    user.refresh_from_db()
    assert user.email == "mine.new@example.org"


def test_a_bad_address_on_ones_own_page_is_explained_and_changes_nothing(client, sam, mailoutbox):
    client.force_login(sam.user)
    response = client.post(reverse("own_email"), {"email": "not an address"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not EmailChange.objects.exists() and mailoutbox == []
