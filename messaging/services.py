"""What happens when a message is sent or a thread is read, and the clinic's setting that lets
managers read threads. Pages, the API and the demo loader all call these.

Who may read or write a thread is decided in patients/access.py (`messages_readable_by`,
`messages_writable_by`); these functions read the patient again through those rules, so a
view or a test handing over someone else's patient gets OutOfScope, whoever asks.
"""

import logging
import smtplib
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from backcare.models import submitted_before
from patients.access import OutOfScope
from patients.models import Patient

from .models import MESSAGE_MAX_LENGTH, Message

logger = logging.getLogger(__name__)


class MessageInvalid(ValidationError):
    """The message cannot be sent as written (empty or too long)."""


def message_body_clean(body: str | None) -> str:
    """The message as it is stored (stripped), or MessageInvalid saying what to change."""
    body = (body or "").strip()
    if not body:
        raise MessageInvalid(_("Write a message first."), code="required")
    if len(body) > MESSAGE_MAX_LENGTH:
        raise MessageInvalid(
            _("Keep a message to %(limit_value)s characters or fewer (this one has %(length)s)."),
            code="max_length",
            params={"limit_value": MESSAGE_MAX_LENGTH, "length": len(body)},
        )
    return body


def thread_patient(*, patient_pk: int, by, write: bool, lock: bool = False) -> Patient:
    """The patient whose thread `by` may read (write=False) or write in (write=True); OutOfScope
    otherwise. Callers state their intent with `write` (no default); `lock` holds the patient's
    row until the transaction ends (one message of the thread stored at a time)."""
    patients = Patient.objects.messages_writable_by(by) if write else Patient.objects.messages_readable_by(by)
    if lock:
        patients = patients.select_for_update(of=("self",))
    try:
        return patients.select_related("user", "therapist", "clinic").get(pk=patient_pk)
    except Patient.DoesNotExist:
        raise OutOfScope from None


@transaction.atomic
def message_send(
    *, patient: Patient, by, body: str, base_url: str, submission: UUID | None = None
) -> Message:
    """`by` (the patient, or their therapist) writes `body` in the patient's thread.

    The message is in the patient's audit trail as "message sent" (never its words), and the
    other side is told by e-mail that a message is waiting, without its words, once committed.
    `base_url` ("https://clinic.example.org/") is where the e-mail's link points. The same
    `submission` (the form's or the client's key) sent again returns the message stored the
    first time, and tells no one again.
    """
    patient = thread_patient(patient_pk=patient.pk, by=by, write=True, lock=True)
    if earlier := submitted_before(Message, submission, patient=patient, author=by):
        return earlier
    message = Message.objects.create(
        patient=patient,
        author=by,
        from_patient=by.pk == patient.user_id,
        body=message_body_clean(body),
        submission=submission,
    )
    AuditEvent.record(
        actor=by,
        action="message.sent",
        target=message,
        clinic=patient.clinic,
        patient=patient,
        summary=str(patient.user),
        data={"from": "patient" if message.from_patient else "therapist"},
    )
    transaction.on_commit(lambda: message_notify(message_pk=message.pk, base_url=base_url))
    return message


def message_notify(*, message_pk: int, base_url: str) -> bool:
    """Tell the other side of the thread that a message is waiting: who it is from and where to
    log in, never what it says (an inbox is not a safe place for health details). Returns
    whether an e-mail left (nobody to tell without an address)."""
    message = Message.objects.select_related("patient__user", "patient__therapist").get(pk=message_pk)
    patient = message.patient
    if message.from_patient:
        to = patient.therapist
        link = (
            base_url.rstrip("/") + reverse("portal:patient_detail", kwargs={"pk": patient.pk}) + "#messages"
        )
    else:
        to = patient.user
        link = base_url.rstrip("/") + reverse("messaging:thread")
    if to is None or not to.email or not to.is_active:
        return False
    context = {"message": message, "patient": patient, "recipient": to, "link": link}
    with translation.override(to.language):  # the reader's language, whoever wrote
        subject = "".join(render_to_string("messaging/new_message_subject.txt", context).splitlines())
        body = render_to_string("messaging/new_message_email.txt", context)
    try:
        send_mail(subject, body, None, [to.email])
    except (OSError, smtplib.SMTPException):  # the message is saved and shown; only the nudge is lost
        logger.warning("The new-message e-mail for message %s could not be sent", message.pk, exc_info=True)
        return False
    return True


def thread_read(*, patient: Patient, by) -> list[Message]:
    """The patient's thread as `by` reads it, oldest first, newest last. Opening it marks the
    other side's unread messages read (by the patient, or their therapist); a manager allowed to
    read marks nothing. OutOfScope if `by` may not read the thread."""
    patient = thread_patient(patient_pk=patient.pk, by=by, write=False)
    if Patient.objects.messages_writable_by(by).filter(pk=patient.pk).exists():
        Message.objects.filter(
            patient=patient, from_patient=by.pk != patient.user_id, read_at__isnull=True
        ).update(read_at=timezone.now(), read_by=by)
    thread = list(
        Message.objects.filter(patient=patient).select_related("author").order_by("created_at", "pk")
    )
    for message in thread:
        message.mine = message.author_id == by.pk
    return thread
