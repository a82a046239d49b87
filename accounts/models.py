import zoneinfo
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class Clinic(models.Model):
    """The boundary of every piece of data: nobody sees across clinics."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default=settings.TIME_ZONE, choices=timezone_choices
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


class User(AbstractUser):
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

    objects = UserManager()

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

    @property
    def is_therapist(self) -> bool:
        return self.role == self.Role.THERAPIST

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER

    @property
    def is_patient(self) -> bool:
        return self.role == self.Role.PATIENT


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
