"""How a reminder reaches a patient. A channel is anything with `name` and `send(patient, kind)`:
e-mail is built now; SMS or web push can be added beside it without touching the rules."""

from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from patients.models import Patient

from .links import unsubscribe_token


class Channel(Protocol):
    name: str

    def can_reach(self, patient: Patient) -> bool: ...

    def send(self, patient: Patient, kind: str) -> None:
        """Sends the reminder or raises (the send is then undone and tried again on a later run)."""


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


class EmailChannel:
    """Through Django's e-mail backend (EMAIL_URL). No health details: only that it is time for the
    exercises, a link to Today and a one-click unsubscribe (a link and the List-Unsubscribe header).
    The nudge after missed days reads like any other reminder: whoever else reads the inbox does not
    learn that sessions were missed."""

    name = "email"

    def can_reach(self, patient: Patient) -> bool:
        return bool(patient.user.email)

    def send(self, patient: Patient, kind: str) -> None:
        unsubscribe_url = absolute(reverse("reminders:unsubscribe", args=[unsubscribe_token(patient)]))
        context = {
            "today_url": absolute(reverse("patients:today")),
            "unsubscribe_url": unsubscribe_url,
        }
        with translation.override(patient.user.language):  # sent by a command: no request's language
            subject = str(_("Time for your exercises"))
            body = render_to_string("reminders/reminder_email.txt", context)
        message = EmailMessage(
            subject=subject,
            body=body,
            to=[patient.user.email],
            headers={
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        message.send()
