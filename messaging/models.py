"""Messages between a patient and their therapist: one thread per patient, text only, newest last.

A message is part of the patient's record: never changed or deleted by the app (no page or
endpoint does; the database PROTECTs it from the patient's and the author's deletion). Who may
read and write a thread is decided in patients/access.py (`messages_readable_by`,
`messages_writable_by`); what happens when a message is sent or read, in messaging/services.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backcare.models import submission_key
from patients.access import MessageScopedQuerySet
from patients.models import TEXT_MAX_LENGTH, Patient, text_limit_constraint

MESSAGE_MAX_LENGTH = TEXT_MAX_LENGTH  # the project's one limit on typed text


class Message(models.Model):
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="messages", verbose_name=_("patient")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    # Which side wrote it: the patient, or the staff side (their therapist). Unread counts and
    # "mark the other side's messages read" read this, not who the therapist is today.
    from_patient = models.BooleanField(_("from the patient"))
    body = models.TextField(_("message"), max_length=MESSAGE_MAX_LENGTH)
    created_at = models.DateTimeField(_("sent"), default=timezone.now, db_index=True)
    # When the other side first opened the thread after it arrived, and who that was.
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("read by"),
    )
    # A message sent twice (a double tap, a retry after a slow answer) is stored once.
    submission = submission_key()

    objects = MessageScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["patient", "created_at"], name="message_thread"),
            models.Index(
                fields=["patient", "from_patient"], condition=Q(read_at__isnull=True), name="message_unread"
            ),
        ]
        constraints = [
            text_limit_constraint("body", name="message_body_length"),
            models.CheckConstraint(
                condition=GreaterThan(Length("body"), 0),
                name="message_body_not_empty",
                violation_error_message=_("Write a message first."),
            ),
            models.CheckConstraint(
                condition=Q(read_at__isnull=True, read_by__isnull=True)
                | Q(read_at__isnull=False, read_by__isnull=False),
                name="message_read_mark_whole",
            ),
        ]

    def __str__(self) -> str:
        return _("Message of %(when)s") % {
            "when": timezone.localtime(self.created_at).strftime("%Y-%m-%d %H:%M")
        }
