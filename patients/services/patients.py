"""Patients: their login, record and invitation."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.services import email_change_request
from accounts.usernames import USERNAME_TAKEN, username_normalize, username_taken

from ..access import changeable
from ..models import (
    Patient,
)
from .common import _audit, _lost_race_raises

User = get_user_model()

# --- Patients -----------------------------------------------------------------------------

# Characters that change the direction text is shown in (embeddings, overrides, isolates and
# marks): in a name they make "Sam\u202egpj.exe" read as "Samexe.jpg", and can make a list or an
# export show something other than what is stored. Refused in names and usernames.
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # isolates
    "\u200e\u200f\u061c"  # left-to-right, right-to-left and Arabic letter marks
)
NAME_FIELDS = ("username", "first_name", "last_name")


def _names_errors(**names: str) -> dict[str, list[str]]:
    message = _(
        "Remove the invisible characters that change the direction of text "
        "(right-to-left and left-to-right marks, overrides and isolates)."
    )
    return {field: [message] for field, value in names.items() if BIDI_CONTROLS.intersection(value or "")}


@transaction.atomic
def patient_create(
    *,
    therapist: User,
    username: str,
    first_name: str,
    last_name: str,
    email: str = "",
    password: str | None = None,
    timezone_name: str | None = None,
    baseline_pain: int | None = None,
    language: str | None = None,
) -> Patient:
    """Create a patient's login, tied to the therapist's clinic and to the therapist.

    Without a password the login cannot be used until the patient sets one through an
    invitation (password-reset) link. `language` (a code of settings.LANGUAGES) is that of their
    pages, e-mails and printed program; the clinic's default language when not given.
    """
    if not Patient.objects.may_add(therapist):
        raise ValidationError(_("Only a therapist can add a patient."))
    username = username_normalize(username)
    errors = _names_errors(username=username, first_name=first_name, last_name=last_name)
    if errors:
        raise ValidationError(errors)

    def taken() -> bool:
        return username_taken(username)

    language = language or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    taken_error = ValidationError({"username": USERNAME_TAKEN})
    if taken():
        raise taken_error
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        role=User.Role.PATIENT,
        clinic=therapist.clinic,
        language=language,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    with _lost_race_raises(taken_error, taken=taken):
        user.save()
    patient = Patient.objects.create(
        user=user,
        clinic=therapist.clinic,
        therapist=therapist,
        timezone=timezone_name or therapist.clinic.timezone,
        baseline_pain=baseline_pain,
    )
    _audit(by=therapist, action="patient.created", target=patient, patient=patient)
    return patient


@transaction.atomic
def patient_invitation(*, patient: Patient, by: User) -> tuple[str, str]:
    """A one-time invitation for a patient to set their own password: (uidb64, token).

    Built from Django's password-reset token, so it stops working once the password is set
    (or after PASSWORD_RESET_TIMEOUT). Only the patient's own therapist may make one.
    """
    patient = changeable(Patient, patient.pk, by=by, lock=False, related=("user", "clinic"))
    uidb64 = urlsafe_base64_encode(force_bytes(patient.user.pk))
    token = default_token_generator.make_token(patient.user)
    _audit(by=by, action="patient.invited", target=patient, patient=patient)
    return uidb64, token


PATIENT_USER_FIELDS = ("first_name", "last_name", "email", "language")
PATIENT_FIELDS = ("timezone", "baseline_pain")


@transaction.atomic
def patient_update(*, patient: Patient, by: User, base_url: str = "", **changes) -> Patient:
    """Change a patient's name, email, time zone or baseline pain (their own therapist only).

    `changes` holds only the fields that change: first_name, last_name, email, timezone,
    baseline_pain. A new email address does not replace the one in force: it waits for the
    patient to confirm it from a link mailed to it (accounts.services.email_change_request, the
    link pointing at `base_url`), and the old address is told. Read `patient.user.email_change`
    for what waits.
    """
    unknown = set(changes) - set(PATIENT_USER_FIELDS) - set(PATIENT_FIELDS)
    if unknown:
        raise ValueError(f"patient_update does not change {sorted(unknown)}")
    patient = changeable(Patient, patient.pk, by=by, lock=False, related=("user", "clinic"))
    errors = _names_errors(**{k: v for k, v in changes.items() if k in NAME_FIELDS})
    if "language" in changes and changes["language"] not in dict(settings.LANGUAGES):
        errors = {**errors, "language": [_("Choose one of the languages offered.")]}
    if errors:
        raise ValidationError(errors)
    if "email" in changes:
        if not base_url:
            raise ValueError("patient_update needs base_url to mail a confirmation link")
        email_change_request(user=patient.user, new_email=changes.pop("email"), by=by, base_url=base_url)
        patient.user.refresh_from_db(fields=["email"])
    user_changes = {k: v for k, v in changes.items() if k in PATIENT_USER_FIELDS}
    patient_changes = {k: v for k, v in changes.items() if k in PATIENT_FIELDS}
    if user_changes:
        for name, value in user_changes.items():
            setattr(patient.user, name, value)
        patient.user.save(update_fields=list(user_changes))
    if patient_changes:
        for name, value in patient_changes.items():
            setattr(patient, name, value)
        patient.save(update_fields=list(patient_changes))
    if changes:
        _audit(
            by=by, action="patient.changed", target=patient, patient=patient, data={"fields": sorted(changes)}
        )
    return patient
