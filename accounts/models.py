import zoneinfo
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken, AuthTokenManager
from knox.settings import CONSTANTS

from backcare.models import ChangeStamped


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class Clinic(models.Model):
    """The boundary of every piece of data: nobody sees across clinics."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default=settings.TIME_ZONE, choices=timezone_choices
    )
    # Changed by the clinic's manager (accounts.services.clinic_setting_set), audited.
    require_two_factor = models.BooleanField(
        _("require two-factor login for staff"),
        default=False,
        help_text=_(
            "Therapists and managers must set up an authenticator app, and give a code from it "
            "at every login."
        ),
    )
    # Changed by the clinic's manager (accounts.services.clinic_setting_set), audited.
    managers_read_messages = models.BooleanField(
        _("managers may read messages"),
        default=False,
        help_text=_(
            "The clinic's managers may read (not write) the messages between patients and their therapists."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("clinic")
        verbose_name_plural = _("clinics")

    def __str__(self) -> str:
        return self.name

    def local_date(self, at: datetime | None = None) -> date:
        """The clinic's calendar day at `at` (default: now), in its own time zone."""
        return timezone.localtime(at or timezone.now(), zoneinfo.ZoneInfo(self.timezone)).date()


class ClinicUserManager(UserManager):
    def clinic_staff(self, clinic_id: int):
        """The clinic's active therapists and managers."""
        return self.filter(
            clinic_id=clinic_id, role__in=[User.Role.THERAPIST, User.Role.MANAGER], is_active=True
        )

    def staff_managed_by(self, user):
        """The logins `user` looks after (the access rule for staff, as patients.access is for
        patients): a clinic manager, the clinic's staff other than themselves; anyone else, no one.
        A manager resets these people's two-factor login."""
        if not (user.is_authenticated and user.role == User.Role.MANAGER):
            return self.none()
        return self.clinic_staff(user.clinic_id).exclude(pk=user.pk)


class User(ChangeStamped, AbstractUser):
    """A person who logs in. Clinic users have exactly one role and belong to one clinic.

    Only site operators (superusers) have no role and no clinic; they use the Django admin.
    """

    class Role(models.TextChoices):
        THERAPIST = "therapist", _("Therapist")
        MANAGER = "manager", _("Clinic manager")
        PATIENT = "patient", _("Patient")

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, blank=True)
    clinic = models.ForeignKey(
        Clinic,
        verbose_name=_("clinic"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )

    # Bumped by accounts.services.end_all_sessions: part of the session hash Django checks on every
    # request, so one increment ends every web session of the person, wherever it is stored.
    session_epoch = models.PositiveIntegerField(_("session epoch"), default=0, editable=False)
    # The language of their pages, e-mails, PDF and API answers (accounts.middleware activates it;
    # the API's token authentication too). A therapist sets it for a new patient; anyone changes
    # their own under "Language" in the menu.
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    objects = ClinicUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="") & Q(clinic__isnull=True)) | (~Q(role="") & Q(clinic__isnull=False)),
                name="user_role_requires_clinic",
                violation_error_message=_("A clinic user needs both a role and a clinic."),
            ),
            # "Rita" and "rita" are one person to a clinic: the forms check this, the database holds it.
            models.UniqueConstraint(
                Lower("username"),
                name="username_unique_ignoring_case",
                violation_error_message=_("That username is taken. Choose another."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def _get_session_auth_hash(self, secret=None):
        """Django's hash of the password (checked against the session's copy on every request,
        SECRET_KEY_FALLBACKS included), with the session epoch mixed in once it has been bumped:
        a new password or end_all_sessions ends every other login. Epoch 0 keeps Django's own
        hash, so sessions from before the epoch existed stay valid."""
        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)
        key_salt = "accounts.models.User.get_session_auth_hash"
        value = f"{self.password}:{self.session_epoch}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    @property
    def is_therapist(self) -> bool:
        return self.role == self.Role.THERAPIST

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER

    @property
    def is_patient(self) -> bool:
        return self.role == self.Role.PATIENT

    @property
    def is_staff_member(self) -> bool:
        """A therapist or a clinic manager: the people two-factor login is for."""
        return self.role in (self.Role.THERAPIST, self.Role.MANAGER)


class DeviceTokenQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DeviceTokenQuerySet":
        """A person's own devices, never anyone else's (the Django admin is for site operators)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)

    def live(self) -> "DeviceTokenQuerySet":
        return self.filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))


class DeviceToken(AbstractAuthToken):
    """One API login: a phone, a tablet, an integration (django-rest-knox's token, KNOX_TOKEN_MODEL).

    The token itself is shown once, when it is made; only its SHA-512 digest and its first
    characters (to find it) are stored. Its expiry moves on each use (REST_KNOX TOKEN_TTL,
    API_TOKEN_IDLE_DAYS); the person sees and ends it as a device by its number.
    """

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    name = models.CharField(_("device name"), max_length=100, blank=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = AuthTokenManager.from_queryset(DeviceTokenQuerySet)()

    class Meta:
        verbose_name = _("API device")
        verbose_name_plural = _("API devices")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.name or gettext("Unnamed device")


class EmailChange(models.Model):
    """A new e-mail address waiting for its owner's confirmation (at most one per login).

    Until the person whose login it is confirms it from the link sent to the new address, their
    address in force (`User.email`) stays what it was: password resets go there and nowhere else.
    A newer request replaces this row, which makes the older link useless; confirming deletes it,
    so a link works once.
    """

    user = models.OneToOneField(
        User, verbose_name=_("login"), on_delete=models.CASCADE, related_name="email_change"
    )
    new_email = models.EmailField(_("new email address"))
    requested_by = models.ForeignKey(
        User, verbose_name=_("asked for by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("asked for at"), default=timezone.now)

    class Meta:
        verbose_name = _("email address waiting for confirmation")
        verbose_name_plural = _("email addresses waiting for confirmation")

    def __str__(self) -> str:
        return self.new_email
