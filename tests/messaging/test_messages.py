"""Messages between a patient and their therapist: who reads and writes, the length limit, the
e-mail that never carries the words, unread counts, the manager's clinic setting, and that a
message is never deleted."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import translation

from audit.models import AuditEvent
from messaging.models import MESSAGE_MAX_LENGTH, Message
from messaging.services import message_send, thread_read
from patients.access import OutOfScope
from tests.factories import ClinicFactory, ManagerFactory, PatientFactory, TherapistFactory

SECRET = "My left knee clicks when I do the bridge"


@pytest.fixture
def people(patient, therapist, manager):
    return {
        "patient": patient.user,
        "other_patient": PatientFactory(therapist=therapist).user,
        "therapist": therapist,
        "colleague": TherapistFactory(clinic=therapist.clinic),
        "other_clinic": TherapistFactory(clinic=ClinicFactory()),
        "manager": manager,
    }


def send(patient, by, body=SECRET):
    return message_send(patient=patient, by=by, body=body, base_url="http://testserver/")


def allow_managers(clinic, allowed=True):
    clinic.managers_read_messages = allowed
    clinic.save(update_fields=["managers_read_messages"])


# --- Who may read and write, on the pages ---------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("patient", 200),
        ("other_patient", 200),  # their own (empty) thread: never the patient's
        ("therapist", 403),  # /me/messages/ is the patient's page
        ("colleague", 403),
        ("manager", 403),
    ],
)
def test_the_patients_page_shows_only_their_own_thread(client, patient, people, role, status):
    send(patient, patient.user)
    client.force_login(people[role])
    response = client.get(reverse("messaging:thread"))
    assert response.status_code == status
    assert (SECRET in response.content.decode()) is (role == "patient")


@pytest.mark.parametrize(
    ("role", "setting_on", "status", "can_answer"),
    [
        ("therapist", False, 200, True),
        ("colleague", False, 404, False),
        ("other_clinic", False, 404, False),
        ("manager", False, 404, False),
        ("manager", True, 200, False),
        ("patient", False, 403, False),
    ],
)
def test_the_portal_thread_by_role(client, patient, people, role, setting_on, status, can_answer):
    send(patient, patient.user)
    allow_managers(patient.clinic, setting_on)
    client.force_login(people[role])
    url = reverse("portal:patient_messages", args=[patient.pk])
    response = client.get(url)
    assert response.status_code == status
    if status == 200:
        assert SECRET in response.content.decode()
        assert ('name="body"' in response.content.decode()) is can_answer
    answered = client.post(url, {"body": "Try a smaller bridge."})
    if can_answer:
        assert answered.status_code == 302
    else:
        assert answered.status_code in (403, 404)
    assert Message.objects.filter(body="Try a smaller bridge.").exists() is can_answer


def test_patient_detail_shows_the_thread_to_the_therapist_and_to_a_manager_only_when_allowed(
    client, patient, therapist, manager
):
    send(patient, patient.user)
    url = reverse("portal:patient_detail", args=[patient.pk])
    client.force_login(therapist)
    page = client.get(url).content.decode()
    assert SECRET in page and 'id="messages"' in page and 'name="body"' in page
    client.force_login(manager)
    page = client.get(url).content.decode()
    assert client.get(url).status_code == 200 and SECRET not in page and 'id="messages"' not in page
    allow_managers(patient.clinic)
    page = client.get(url).content.decode()
    assert SECRET in page and 'name="body"' not in page


def test_the_thread_follows_the_patient_to_their_new_therapist(patient, therapist):
    send(patient, patient.user)
    successor = TherapistFactory(clinic=therapist.clinic)
    patient.therapist = successor
    patient.save(update_fields=["therapist"])
    with pytest.raises(OutOfScope):
        thread_read(patient=patient, by=therapist)
    with pytest.raises(OutOfScope):
        send(patient, therapist, "Still here?")
    assert [m.body for m in thread_read(patient=patient, by=successor)] == [SECRET]


# --- Writing: newest last, the limit, errors keep what was typed ----------------------------


def test_the_patient_asks_and_the_therapist_answers_newest_last(client, patient, therapist):
    client.force_login(patient.user)
    response = client.post(reverse("messaging:thread"), {"body": "  Can I do the bridge twice a day?  "})
    assert response.status_code == 302
    client.force_login(therapist)
    client.post(reverse("portal:patient_messages", args=[patient.pk]), {"body": "Yes, once you feel ready."})
    client.force_login(patient.user)
    page = client.get(reverse("messaging:thread")).content.decode()
    assert page.index("Can I do the bridge twice a day?") < page.index("Yes, once you feel ready.")
    assert [(m.from_patient, m.body) for m in Message.objects.all()] == [
        (True, "Can I do the bridge twice a day?"),
        (False, "Yes, once you feel ready."),
    ]


def test_a_message_over_the_limit_is_refused_and_what_was_typed_is_kept(client, patient, therapist):
    too_long = "a" * (MESSAGE_MAX_LENGTH + 1)
    client.force_login(patient.user)
    response = client.post(reverse("messaging:thread"), {"body": too_long})
    page = response.content.decode()
    assert response.status_code == 400
    assert f"Keep a message to {MESSAGE_MAX_LENGTH} characters or fewer" in page
    assert too_long in page  # kept in the box to shorten
    client.force_login(therapist)
    response = client.post(reverse("portal:patient_messages", args=[patient.pk]), {"body": too_long})
    assert response.status_code == 400 and too_long in response.content.decode()
    exactly = "b" * MESSAGE_MAX_LENGTH
    assert send(patient, therapist, exactly).body == exactly
    assert Message.objects.count() == 1


def test_an_empty_message_is_refused(client, patient):
    client.force_login(patient.user)
    response = client.post(reverse("messaging:thread"), {"body": "   "})
    assert response.status_code == 400 and "Write a message first." in response.content.decode()
    assert not Message.objects.exists() and not mail.outbox


@pytest.mark.django_db(transaction=False)
def test_the_database_refuses_a_message_over_the_limit_or_empty(patient):
    for body in ("x" * (MESSAGE_MAX_LENGTH + 1), ""):
        with pytest.raises(IntegrityError), transaction.atomic():
            Message.objects.create(patient=patient, author=patient.user, from_patient=True, body=body)


# --- E-mail without the words -----------------------------------------------------------------


def test_a_new_message_is_announced_by_email_without_its_words(
    patient, therapist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(patient, patient.user)
    (to_therapist,) = mail.outbox
    assert to_therapist.to == [therapist.email]
    assert "new message from a patient" in to_therapist.body
    assert f"http://testserver/portal/patients/{patient.pk}/#messages" in to_therapist.body
    assert SECRET not in to_therapist.body + to_therapist.subject
    assert patient.user.last_name not in to_therapist.body + to_therapist.subject
    with django_capture_on_commit_callbacks(execute=True):
        send(patient, therapist, "Rest two days, then start again gently.")
    to_patient = mail.outbox[1]
    assert to_patient.to == [patient.user.email]
    assert (
        "new message from your therapist" in to_patient.body
        and "http://testserver/me/messages/" in to_patient.body
    )
    assert "Rest two days" not in to_patient.body + to_patient.subject


def test_no_email_is_attempted_without_an_address(patient, django_capture_on_commit_callbacks):
    patient.user.email = ""
    patient.user.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        send(patient, patient.therapist, "Hello")
    assert mail.outbox == [] and Message.objects.count() == 1


# --- Unread counts and marking read ------------------------------------------------------------


def test_unread_counts_on_the_menu_and_caseload_clear_when_the_thread_is_opened(client, patient, therapist):
    send(patient, patient.user, "First question")
    send(patient, patient.user, "Second question")
    send(patient, therapist, "An answer")
    client.force_login(therapist)
    caseload = client.get(reverse("portal:caseload")).content.decode()
    assert "2 unread messages" in caseload
    client.force_login(patient.user)
    today = client.get(reverse("patients:today")).content.decode()
    assert 'nav-unread">1<span class="visually-hidden"> unread message</span>' in today  # the menu's badge
    client.get(reverse("messaging:thread"))
    assert "unread message" not in client.get(reverse("patients:today")).content.decode()
    answer = Message.objects.get(body="An answer")
    assert answer.read_by == patient.user and answer.read_at is not None
    assert Message.objects.filter(from_patient=True, read_at__isnull=True).count() == 2  # not theirs to mark
    client.force_login(therapist)
    detail = client.get(reverse("portal:patient_detail", args=[patient.pk])).content.decode()
    assert "2 new" in detail  # shown once, as they are opened
    assert "unread message" not in client.get(reverse("portal:caseload")).content.decode()


def test_a_manager_reading_marks_nothing_read(patient, manager):
    allow_managers(patient.clinic)
    send(patient, patient.user)
    assert [m.body for m in thread_read(patient=patient, by=manager)] == [SECRET]
    assert Message.objects.get().read_at is None


# --- The clinic setting, audited ---------------------------------------------------------------


def test_the_manager_turns_reading_on_and_off_in_clinic_settings_and_it_is_audited(client, manager, patient):
    client.force_login(manager)
    url = reverse("clinic_settings")
    assert "Let the clinic&#x27;s managers read" in client.get(url).content.decode()
    client.post(url, {"managers_read_messages": "on"})
    patient.clinic.refresh_from_db()
    assert patient.clinic.managers_read_messages is True
    client.post(url, {"managers_read_messages": "on"})  # unchanged: no second event
    client.post(url, {})
    patient.clinic.refresh_from_db()
    assert patient.clinic.managers_read_messages is False
    events = AuditEvent.objects.filter(action="clinic.managers_read_messages").order_by("created_at", "pk")
    assert [e.data["allowed"] for e in events] == [True, False]
    trail = client.get(reverse("audit:list")).content.decode()
    assert "Let the clinic&#x27;s managers read the messages between patients and therapists" in trail
    assert "Stopped the clinic&#x27;s managers reading the messages" in trail


def test_a_therapist_cannot_change_the_setting(client, therapist):
    client.force_login(therapist)
    assert client.post(reverse("clinic_settings"), {"managers_read_messages": "on"}).status_code == 403
    therapist.clinic.refresh_from_db()
    assert therapist.clinic.managers_read_messages is False


def test_another_clinics_manager_never_reads_even_with_their_setting_on(patient):
    elsewhere = ManagerFactory(clinic=ClinicFactory())
    allow_managers(elsewhere.clinic)
    allow_managers(patient.clinic)
    send(patient, patient.user)
    with pytest.raises(OutOfScope):
        thread_read(patient=patient, by=elsewhere)


# --- The audit trail and the record --------------------------------------------------------------


def test_message_sent_is_in_the_patients_audit_trail_without_its_words(client, patient, manager):
    send(patient, patient.user)
    send(patient, patient.therapist, "Take a day off.")
    events = AuditEvent.objects.filter(action="message.sent", patient=patient)
    assert events.count() == 2
    assert all(SECRET not in str(e.data) + e.summary for e in events)
    client.force_login(manager)
    trail = client.get(reverse("audit:list")).content.decode()
    name = patient.user.get_full_name()
    assert f"{name} sent a message to their therapist" in trail and f"Sent a message to {name}" in trail
    assert SECRET not in trail and "Take a day off." not in trail


def test_the_whole_record_has_the_messages(patient, manager):
    import io
    import json
    import zipfile

    from records.export import record_zip

    send(patient, patient.user)
    allow_managers(patient.clinic)
    record = record_zip(patient=patient, by=manager, base_url="http://testserver/")
    files = zipfile.ZipFile(io.BytesIO(record))
    messages = json.loads(files.read("messages.json"))
    assert [(m["body"], m["from_patient"], m["author_name"]) for m in messages] == [
        (SECRET, True, str(patient.user))
    ]


# --- Never deleted ---------------------------------------------------------------------------------


def test_a_message_is_never_deleted(client, patient):
    message = send(patient, patient.user)
    with pytest.raises(ProtectedError):
        patient.user.delete()
    client.force_login(patient.user)
    assert client.delete(reverse("messaging:thread")).status_code == 405
    assert Message.objects.filter(pk=message.pk).exists()


def test_a_mail_server_that_is_down_loses_only_the_nudge(
    client, patient, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr("messaging.services.send_mail", refuse)
    client.force_login(patient.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("messaging:thread"), {"body": "Are you there?"})
    assert response.status_code == 302
    assert Message.objects.get().body == "Are you there?"


def test_the_email_is_in_the_recipients_language_whoever_writes(
    patient, therapist, django_capture_on_commit_callbacks
):
    """A Spanish-speaking patient is told of their English-speaking therapist's answer in Spanish,
    and the therapist of the patient's question in English."""
    patient.user.language = "es"
    patient.user.save(update_fields=["language"])
    # The patient's own request runs in Spanish.
    with translation.override("es"), django_capture_on_commit_callbacks(execute=True):
        send(patient, patient.user)
    with django_capture_on_commit_callbacks(execute=True):
        send(patient, therapist, "Rest two days, then start again gently.")
    to_therapist, to_patient = mail.outbox
    assert "new message from a patient" in to_therapist.body
    assert "mensaje nuevo de su fisioterapeuta" in to_patient.body
    assert to_patient.subject == "BackCare: un mensaje nuevo de su fisioterapeuta"
