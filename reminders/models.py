"""A patient's reminder settings, and a row per reminder sent (which makes sending once a day safe)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone as tz
from django.utils.translation import gettext_lazy as _

from patients.models import Patient

ALL_DAYS = 0b1111111  # bit n is weekday n (Monday = 0, as date.weekday())
WEEKDAYS = 0b0011111


class ReminderSettings(models.Model):
    """When a patient wants to be reminded. No row, or no time, means no reminders."""

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, related_name="reminder_settings", verbose_name=_("patient")
    )
    time = models.TimeField(_("reminder time"), null=True, blank=True)
    days = models.PositiveSmallIntegerField(_("days"), default=ALL_DAYS)
    second_nudge = models.BooleanField(_("second nudge after 2 missed days"), default=False)
    updated_at = models.DateTimeField(_("last changed"), default=tz.now)

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")
        constraints = [
            models.CheckConstraint(condition=Q(days__lte=ALL_DAYS), name="reminder_days_bits"),
            models.CheckConstraint(
                condition=Q(time__isnull=True) | Q(days__gt=0),
                name="reminder_time_needs_a_day",
                violation_error_message=_("Choose at least one day for the reminder."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient}: {self.time or '-'}"

    @property
    def is_on(self) -> bool:
        return self.time is not None and self.days > 0

    @property
    def weekdays(self) -> list[int]:
        return [day for day in range(7) if self.days & (1 << day)]


class ReminderSent(models.Model):
    """One reminder sent to a patient on one of their local days. Inserted before sending, in the
    sending transaction: a second run that tries the same row fails on the constraint and skips."""

    class Kind(models.TextChoices):
        DAILY = "daily", _("Daily reminder")
        MISSED = "missed", _("Second nudge after 2 missed days")

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="reminders_sent", verbose_name=_("patient")
    )
    local_date = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=16, default="email")
    sent_at = models.DateTimeField(_("sent"), default=tz.now)

    class Meta:
        ordering = ["patient", "-local_date"]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "local_date", "kind"], name="reminder_once_per_patient_day_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient} {self.local_date} {self.kind}"
