"""Two-factor login for therapists and managers: the rules, in one place.

A staff member turns it on by scanning a QR code into an authenticator app and confirming with a
code from it (a `TOTPDevice`, confirmed); they get 10 single-use recovery codes (a `StaticDevice`
of django-otp, whose tokens hold each code's digest, never the code: `recovery_code_digest`).
From then on every login of theirs (the pages after the password, and the API's token endpoint)
also needs a current code or one recovery code. A clinic's manager can
require it of the clinic's staff, and turn it off for a staff member who lost both their phone and
their codes (`two_factor_reset`); patients never need it.

`pending_step(user)` is the one decision of what a logged-in person still owes ("verify",
"enrol" or nothing), read by accounts.middleware.TwoFactorMiddleware for every page.
Wrong codes are counted like wrong passwords: AXES_FAILURE_LIMIT in a row lock the second step for
AXES_COOLOFF_TIME; the count is kept on the person's TOTP device and cleared by a right code.
"""

import hashlib
import os
import time
from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from audit.models import AuditEvent

RECOVERY_CODE_COUNT = 10
DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"

VERIFY = "verify"
ENROL = "enrol"


class TwoFactorLocked(Exception):
    """Too many wrong codes in a row: the second step is refused until `until`."""

    def __init__(self, until: datetime):
        self.until = until
        super().__init__(locked_message(until))


def locked_message(until: datetime) -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Too many wrong codes. The code step of this account is locked for %(minutes)d minutes, "
        "until %(time)s. Then try again, or ask your clinic's manager for help."
    ) % {"minutes": minutes, "time": time_format(timezone.localtime(until), "H:i")}


# --- What a person has, and owes ----------------------------------------------------------------


def totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def has_two_factor(user) -> bool:
    """Whether `user` has a confirmed authenticator app. The logged-in user of a page carries the
    answer from the query that loaded them (accounts.backends.UserModelBackend.get_user)."""
    if not user.is_authenticated:
        return False
    known = getattr(user, "two_factor_on", None)
    if known is not None:
        return known
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def two_factor_on() -> Exists:
    """An annotation for a User queryset: whether the person has a confirmed authenticator app."""
    return Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))


def clinic_staff_two_factor(clinic):
    """The clinic's active therapists and managers, each with `two_factor_on`, by name."""
    from accounts.models import User

    return (
        User.objects.clinic_staff(clinic.pk)
        .annotate(two_factor_on=two_factor_on())
        .order_by("last_name", "first_name", "pk")
    )


def pending_step(user) -> str | None:
    """What a logged-in person must do before anything else: VERIFY (give a code: they have a
    device and this login has not passed the second step), ENROL (their clinic requires two-factor
    login and they have no device yet), or None. Patients and site operators owe nothing."""
    if not user.is_authenticated or not getattr(user, "is_staff_member", False):
        return None
    if getattr(user, "is_verified", lambda: False)():
        return None
    if has_two_factor(user):
        return VERIFY
    if user.clinic.require_two_factor:
        return ENROL
    return None


# --- Enrolment ----------------------------------------------------------------------------------


def new_secret() -> str:
    """A fresh TOTP key (hex, 20 random bytes), kept in the session until it is confirmed."""
    return random_hex(20)


def secret_for_people(key: str) -> str:
    """The key as an authenticator app takes it typed in: base32, in groups of four."""
    text = b32encode(unhexlify(key)).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def config_url(user, key: str) -> str:
    """The otpauth:// address the QR code holds (issuer BackCare, the username as the label)."""
    return TOTPDevice(user=user, key=key).config_url


def qr_svg(data: str, *, title: str) -> str:
    """`data` as a QR code in inline SVG, drawn here (segno): no script, no image from elsewhere."""
    import segno

    return segno.make(data, error="m").svg_inline(scale=5, border=4, title=title, svgclass="qr-code")


def _normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _totp_matches(key: str, code: str, *, after_t: int = -1) -> int | None:
    """The time step at which `code` is right for `key` (a step either side allowed), or None."""
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = TOTP(unhexlify(key), step=30, t0=0, digits=6, drift=0)
    totp.time = time.time()
    if totp.verify(int(code), tolerance=1, min_t=after_t + 1):
        return totp.t()
    return None


def new_recovery_code() -> str:
    """80 random bits as 16 characters of base32, in groups of four: "k7dq-2mxa-pz4r-h6tb"."""
    text = b32encode(os.urandom(10)).decode().lower()
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def recovery_code_digest(code: str) -> str:
    """What the database keeps of a recovery code: the first 80 bits of its SHA-256, in base32
    (StaticToken.token holds 16 characters). Codes are 80 random bits, so no one who reads the
    table can find a code by trying them; spaces, dashes and capitals typed do not matter."""
    return b32encode(hashlib.sha256(_normalise(code).encode()).digest()).decode()[:16].lower()


def _new_recovery_codes(user) -> list[str]:
    """Replaces every recovery code of `user` (the old ones stop working) with 10 new ones,
    returned to be shown once."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": RECOVERY_DEVICE_NAME, "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [new_recovery_code() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=recovery_code_digest(code)) for code in codes
    )
    return codes


def _lock_person(user) -> None:
    """Holds the person's row: two clicks at once make one device and one set of codes, not two."""
    people = get_user_model()._default_manager.select_for_update()
    people.filter(pk=user.pk).values_list("pk", flat=True).first()


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    recovery_codes: list[str]


@transaction.atomic
def two_factor_enable(*, user, key: str, code: str) -> Enrolment:
    """Saves the authenticator app whose `key` the person scanned, once `code` (from the app)
    proves it works; makes their recovery codes. A wrong code saves nothing."""
    _lock_person(user)
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError(_("Two-factor login is already on for your account."), code="already_on")
    step = _totp_matches(key, _normalise(code))
    if step is None:
        raise ValidationError(
            _(
                "That code is not right. Type the 6 digits your authenticator app shows now for "
                "BackCare; if it keeps failing, check that your phone's clock is set automatically."
            ),
            code="wrong_code",
        )
    TOTPDevice.objects.filter(user=user).delete()  # any left unconfirmed
    device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=key, confirmed=True, last_t=step)
    codes = _new_recovery_codes(user)
    AuditEvent.record(actor=user, action="two_factor.enabled", target=user, clinic=user.clinic)
    return Enrolment(device=device, recovery_codes=codes)


@transaction.atomic
def recovery_codes_renew(*, user) -> list[str]:
    _lock_person(user)
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError(_("Turn on two-factor login first."), code="off")
    codes = _new_recovery_codes(user)
    AuditEvent.record(actor=user, action="two_factor.recovery_codes_renewed", target=user, clinic=user.clinic)
    return codes


@transaction.atomic
def two_factor_disable(*, user, code: str) -> None:
    """Turns two-factor login off (the app and the recovery codes are forgotten) after a current
    code; not while the person's clinic requires it."""
    if user.clinic.require_two_factor:
        raise ValidationError(
            _("Your clinic requires two-factor login, so it cannot be turned off."), code="required"
        )
    if verify_code(user=user, code=code) is None:
        raise ValidationError(wrong_code_message(user), code="wrong_code")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    AuditEvent.record(actor=user, action="two_factor.disabled", target=user, clinic=user.clinic)


@transaction.atomic
def two_factor_reset(*, person_pk: int, by):
    """A manager turns two-factor login off for a therapist or manager of their clinic who lost
    their phone and their recovery codes (`User.objects.staff_managed_by`; refused otherwise).
    The app and the codes are forgotten and every session and API token of the person ends, so
    whoever holds the lost phone is logged out. The person is told by e-mail. Their next login
    takes the password alone, or sets up a new app first where the clinic requires it."""
    from accounts.models import User
    from accounts.services import EndReason, end_all_sessions, send_account_mail

    person = User.objects.staff_managed_by(by).select_for_update().filter(pk=person_pk).first()
    if person is None:
        raise ValidationError(
            _("Only a manager of the person's clinic can reset their two-factor login."), code="out_of_scope"
        )
    if not TOTPDevice.objects.filter(user=person).exists():
        raise ValidationError(
            _("%(person)s has not set up two-factor login: there is nothing to reset.") % {"person": person},
            code="off",
        )
    TOTPDevice.objects.filter(user=person).delete()
    StaticDevice.objects.filter(user=person).delete()
    AuditEvent.record(
        actor=by, action="two_factor.reset", target=person, clinic=person.clinic, data={"person": str(person)}
    )
    end_all_sessions(user=person, by=by, reason=EndReason.TWO_FACTOR_RESET)
    if person.email:
        context = {"user": person, "by": by, "required": person.clinic.require_two_factor}
        transaction.on_commit(
            lambda: send_account_mail(template="two_factor_reset", to=person.email, context=context)
        )
    return person


# --- The second step ----------------------------------------------------------------------------


def _lock_ends(device: TOTPDevice) -> datetime | None:
    if (
        device.throttling_failure_count < settings.AXES_FAILURE_LIMIT
        or not device.throttling_failure_timestamp
    ):
        return None
    return device.throttling_failure_timestamp + settings.AXES_COOLOFF_TIME


def attempts_left(user) -> int:
    device = totp_device(user)
    count = device.throttling_failure_count if device else 0
    return max(settings.AXES_FAILURE_LIMIT - count, 0)


def wrong_code_message(user) -> str:
    left = attempts_left(user)
    if left == 0:
        return locked_message(totp_device(user).throttling_failure_timestamp + settings.AXES_COOLOFF_TIME)
    return ngettext(
        "That code is not right. %(left)d more wrong code and the code step is locked for a while.",
        "That code is not right. %(left)d more wrong codes and the code step is locked for a while.",
        left,
    ) % {"left": left}


def verify_code(*, user, code: str):
    """The device that accepts `code` (a 6-digit code from the app, or an unused recovery code,
    which is then used up), or None. Counts a wrong code; raises TwoFactorLocked while locked."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
        )
        if device is None:
            return None
        until = _lock_ends(device)
        if until is not None:
            if timezone.now() < until:
                raise TwoFactorLocked(until)
            device.throttle_reset(commit=True)  # the lock is over: a fresh count
        code = _normalise(code)
        if len(code) == 6 and code.isdigit():
            step = _totp_matches(device.key, code, after_t=device.last_t)
            if step is not None:
                device.last_t = step
                device.throttle_reset(commit=False)
                device.set_last_used_timestamp(commit=False)
                device.save()
                return device
        elif code:
            recovery = StaticDevice.objects.filter(user=user, confirmed=True).first()
            digest = recovery_code_digest(code)
            token = recovery and recovery.token_set.select_for_update().filter(token=digest).first()
            if token:
                token.delete()
                device.throttle_reset(commit=True)
                AuditEvent.record(
                    actor=user,
                    action="two_factor.recovery_code_used",
                    target=user,
                    clinic=user.clinic,
                    data={"left": recovery.token_set.count()},
                )
                return recovery
        device.throttle_increment(commit=True)
    if _lock_ends(device) is not None:
        raise TwoFactorLocked(_lock_ends(device))
    return None


def api_otp_error(user, otp) -> str | None:
    """For the API's token endpoint: None when `user` may have a token (no two-factor login, or a
    right `otp`), otherwise the message for the `otp` field. The one call TokenView makes."""
    if not getattr(user, "is_staff_member", False) or not has_two_factor(user):
        return None
    if not isinstance(otp, str) or not otp.strip():
        return _(
            "This account has two-factor login: send a current 6-digit code from the authenticator "
            "app, or a recovery code, in the otp field."
        )
    try:
        device = verify_code(user=user, code=otp)
    except TwoFactorLocked as locked:
        return str(locked)
    return None if device is not None else wrong_code_message(user)
