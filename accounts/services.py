"""Logins: API tokens per device, and ending them.

One rule, in one place: when a password is changed or reset, an account is deactivated, or a
person asks to "log out everywhere", `end_all_sessions` ends every one of their API tokens and
web sessions. The pages, the API, the Django admin and the password views all call it.
"""

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.settings import knox_settings

from audit.models import AuditEvent

from .models import DeviceToken, User


class EndReason:
    """Why every login of a person was ended (stored in the audit trail's data)."""

    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (a reason, not a password)
    PASSWORD_RESET = "password_reset"  # noqa: S105
    DEACTIVATED = "deactivated"
    LOG_OUT_EVERYWHERE = "log_out_everywhere"

    WORDS = {
        PASSWORD_CHANGED: _("the password was changed"),
        PASSWORD_RESET: _("a new password was chosen from an e-mailed link"),
        DEACTIVATED: _("the account was deactivated"),
        LOG_OUT_EVERYWHERE: _("they asked to log out everywhere"),
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
