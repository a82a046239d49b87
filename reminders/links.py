"""The one-click unsubscribe link a reminder carries: signed, so it works without a login."""

from django.core import signing

from patients.models import Patient

UNSUBSCRIBE_SALT = "reminders.unsubscribe"


class BadUnsubscribeLink(Exception):
    pass


def unsubscribe_token(patient: Patient) -> str:
    return signing.dumps(patient.pk, salt=UNSUBSCRIBE_SALT)


def patient_from_unsubscribe_token(token: str) -> Patient:
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return Patient.objects.select_related("user", "clinic").get(pk=pk)
    except (signing.BadSignature, Patient.DoesNotExist, TypeError, ValueError) as exc:
        raise BadUnsubscribeLink from exc
