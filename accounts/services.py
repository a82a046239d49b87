"""Logins: who may use one, and the rules that keep them the person's own.

- API tokens per device, and ending them. One rule, in one place: when a password is changed or
  reset, an account is deactivated, or a person asks to "log out everywhere", `end_all_sessions`
  ends every one of their API tokens and web sessions. The pages, the API, the Django admin and
  the password views all call it.
- E-mail addresses that change only when their owner confirms. A new address for an existing
  login — set by the patient's therapist (portal or API), by a site operator in the admin,
  anywhere after the login was made — does not replace the address in force.
  `email_change_request` keeps it waiting (`EmailChange`), mails a link to the new address and
  tells the old one; `email_change_confirm` switches, only for the login's own person, logged in,
  from a link that is signed, expires (PASSWORD_RESET_TIMEOUT) and works once. Until then a
  password reset goes to the old address only: someone who sets their own address on another
  person's login cannot reset that person's password.
- Password resets on the record.
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from knox.settings import knox_settings

from audit.models import AuditEvent

from .models import Clinic, DeviceToken, EmailChange, User


class EndReason:
    """Why every login of a person was ended (stored in the audit trail's data)."""

    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (a reason, not a password)
    PASSWORD_RESET = "password_reset"  # noqa: S105
    DEACTIVATED = "deactivated"
    LOG_OUT_EVERYWHERE = "log_out_everywhere"
    TWO_FACTOR_RESET = "two_factor_reset"

    WORDS = {
        PASSWORD_CHANGED: gettext_lazy("the password was changed"),
        PASSWORD_RESET: gettext_lazy("a new password was chosen from an e-mailed link"),
        DEACTIVATED: gettext_lazy("the account was deactivated"),
        LOG_OUT_EVERYWHERE: gettext_lazy("they asked to log out everywhere"),
        TWO_FACTOR_RESET: gettext_lazy("their manager reset their two-factor login"),
    }


@transaction.atomic
def device_token_create(*, user: User, name: str = "") -> tuple[DeviceToken, str]:
    """A new API token for one device. Returns the row and the token, which is shown only now:
    the database keeps its digest. The person's expired tokens are cleared on the way."""
    DeviceToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    device, token = DeviceToken.objects.create(user=user, expiry=knox_settings.TOKEN_TTL, name=name.strip())
    return device, token


def device_token_used(*, device: DeviceToken, now: dt.datetime | None = None) -> None:
    """A request came with this token: its expiry moves on to TOKEN_TTL from now, and its "last
    used" to now. Written at most once per MIN_REFRESH_INTERVAL seconds (not a write per request)."""
    now = now or timezone.now()
    if device.last_used and (now - device.last_used).total_seconds() < knox_settings.MIN_REFRESH_INTERVAL:
        return
    device.expiry, device.last_used = now + knox_settings.TOKEN_TTL, now
    DeviceToken.objects.filter(pk=device.pk).update(expiry=device.expiry, last_used=device.last_used)


def device_end(*, user: User, device_id: int) -> None:
    """End one of the person's own devices. Someone else's (or an unknown) id is not found."""
    device = DeviceToken.objects.visible_to(user).get(pk=device_id)  # raises DoesNotExist
    device.delete()


@transaction.atomic
def end_all_sessions(*, user: User, by: User | None, reason: str) -> None:
    """End every API token and every web session of `user`.

    Web sessions: `session_epoch` is part of the session hash Django checks on every request
    (User._get_session_auth_hash), so bumping it ends each session wherever it is stored, without
    reading the session table. A view that keeps the caller logged in (a password change) calls
    `update_session_auth_hash` afterwards. The in-memory `user` gets the new epoch, so a later
    `user.save()` keeps it.
    """
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.session_epoch = User.objects.values_list("session_epoch", flat=True).get(pk=user.pk)
    ended = DeviceToken.objects.filter(user=user).delete()[0]
    AuditEvent.record(
        actor=by,
        action="account.sessions_ended",
        target=user,
        clinic=user.clinic,
        patient=getattr(user, "patient", None) if user.is_patient else None,
        summary=str(user),
        data={"person": str(user), "reason": reason, "devices": ended},
    )


# --- E-mail addresses and password resets ------------------------------------------------------

_SALT = "accounts.email_change"


class EmailChangeLinkError(ValidationError):
    """The confirmation link cannot be used (expired, used, replaced, or someone else's)."""


def _patient_of(user):
    try:
        return user.patient
    except ObjectDoesNotExist:
        return None


def _audit(*, by, action: str, user, data: dict | None = None) -> None:
    """An event about a login: on the patient's record for a patient, on the login otherwise."""
    patient = _patient_of(user)
    AuditEvent.record(
        actor=by,
        action=action,
        target=patient or user,
        clinic=user.clinic,
        patient=patient,
        summary=str(user),
        data={"user": user.pk, **(data or {})},
    )


def send_account_mail(*, template: str, to: str, context: dict) -> None:
    """A mail about `context["user"]`'s login, in their own language whoever asked for it."""
    with translation.override(context["user"].language):
        subject = "".join(render_to_string(f"accounts/{template}_subject.txt", context).splitlines())
        body = render_to_string(f"accounts/{template}_email.txt", context)
    send_mail(subject, body, None, [to])


def email_change_token(change: EmailChange) -> str:
    """The signed, timestamped link token for `change`: which request, for which login, from
    which address to which. Any of them changing (a newer request, a confirmed change) ends it."""
    return signing.dumps(
        {"c": change.pk, "u": change.user_id, "o": change.user.email, "n": change.new_email}, salt=_SALT
    )


@transaction.atomic
def email_change_request(*, user, new_email: str, by, base_url: str) -> EmailChange | None:
    """Ask for `user`'s address to become `new_email`; returns the waiting change, or None when
    nothing waits (the address is already in force, or the address is being removed).

    The caller has decided that `by` may change `user` (patients.access for a patient's
    therapist; the admin for a site operator). `base_url` ("https://clinic.example.org/") is
    where the confirmation link points. An empty `new_email` removes the address at once (no
    one can confirm an absence, and no reset can go to it). The old address, if any, is told;
    mails leave only once the change is committed.
    """
    user = User.objects.select_for_update(of=("self",)).select_related("clinic").get(pk=user.pk)
    new_email = User.objects.normalize_email(new_email.strip())
    old_email = user.email
    waiting = EmailChange.objects.filter(user=user).first()
    if new_email.lower() == old_email.lower():
        if waiting is not None:  # back to the address in force: nothing to confirm any more
            waiting.delete()
            _audit(by=by, action="email.change_cancelled", user=user)
        return None
    if waiting is not None and waiting.new_email.lower() == new_email.lower():
        change = waiting  # asked again: a fresh link for the same address
    else:
        if waiting is not None:
            waiting.delete()
        change = None
    if not new_email:
        user.email = ""
        user.save(update_fields=["email"])
        _audit(by=by, action="email.removed", user=user)
    else:
        if change is None:
            change = EmailChange.objects.create(user=user, new_email=new_email, requested_by=by)
        _audit(by=by, action="email.change_requested", user=user, data={"new_email": new_email})
        link = base_url.rstrip("/") + reverse(
            "email_change_confirm", kwargs={"token": email_change_token(change)}
        )
        confirm = {"user": user, "new_email": new_email, "link": link, "hours": _link_hours()}
        transaction.on_commit(
            lambda: send_account_mail(template="email_change_confirm", to=new_email, context=confirm)
        )
    if old_email:
        notice = {"user": user, "new_email": new_email}
        transaction.on_commit(
            lambda: send_account_mail(template="email_change_notice", to=old_email, context=notice)
        )
    return change


def _link_hours() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)


def email_change_for_link(*, token: str, by) -> EmailChange:
    """The waiting change a link names, if `by` (logged in) may confirm it now.

    Raises EmailChangeLinkError with the reason in words: expired, no longer valid (used,
    replaced, the address changed meanwhile), or not this person's login.
    """
    try:
        data = signing.loads(token, salt=_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT)
    except signing.SignatureExpired as error:
        raise EmailChangeLinkError(
            _("This link has expired. Ask for the change again to get a new one."), code="expired"
        ) from error
    except signing.BadSignature as error:
        raise EmailChangeLinkError(_("This link is not valid."), code="invalid") from error
    if data.get("u") != by.pk:
        raise EmailChangeLinkError(
            _("This link is for another login. Log out, then log in as the person whose address it is."),
            code="other_login",
        )
    change = EmailChange.objects.select_related("user").filter(pk=data.get("c"), user_id=by.pk).first()
    if change is None or change.new_email != data.get("n") or change.user.email != data.get("o"):
        raise EmailChangeLinkError(
            _("This link was already used, or a newer change replaced it."), code="used"
        )
    return change


@transaction.atomic
def email_change_confirm(*, token: str, by) -> User:
    """The login's own person confirms the new address from the link: it is in force from now."""
    User.objects.select_for_update().get(pk=by.pk)  # one confirmation at a time: the second finds no row
    change = email_change_for_link(token=token, by=by)
    user = change.user
    user.email = change.new_email
    user.save(update_fields=["email"])
    change.delete()
    _audit(by=by, action="email.change_confirmed", user=user, data={"new_email": user.email})
    return user


def user_language_set(*, user: User, language: str) -> User:
    """A person chooses the language of their own pages, e-mails, PDF and API answers."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


def password_reset_requested(*, user) -> None:
    """Someone (not logged in) asked for a reset link for `user`, mailed to their address in force."""
    _audit(by=None, action="password.reset_requested", user=user)


def password_reset_completed(*, user, first_password: bool) -> None:
    """`user` chose a password from a one-time link: a reset, or (first_password) an invitation."""
    _audit(by=user, action="password.reset_completed", user=user, data={"invitation": first_password})


# --- The clinic's settings ----------------------------------------------------------------------

# A setting its manager changes: the audit action and the word its value is recorded under
# (audit/describe.py reads them).
CLINIC_SETTINGS = {
    "require_two_factor": ("clinic.two_factor_required", "required"),
    "managers_read_messages": ("clinic.managers_read_messages", "allowed"),
}


@transaction.atomic
def clinic_setting_set(*, clinic: Clinic, setting: str, value: bool, by) -> bool:
    """The clinic's manager changes one of its settings (CLINIC_SETTINGS), under the clinic's row
    lock. Returns whether anything changed; a change is in the audit trail."""
    if not (getattr(by, "is_manager", False) and by.clinic_id == clinic.pk):
        raise ValidationError(_("Only the clinic's manager can change this."), code="forbidden")
    action, word = CLINIC_SETTINGS[setting]
    clinic = Clinic.objects.select_for_update().get(pk=clinic.pk)
    if getattr(clinic, setting) == value:
        return False
    setattr(clinic, setting, value)
    clinic.save(update_fields=[setting])
    AuditEvent.record(
        actor=by, action=action, target=clinic, clinic=clinic, summary=str(clinic), data={word: value}
    )
    return True
