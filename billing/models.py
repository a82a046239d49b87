"""Remote therapeutic monitoring (RTM, US clinics): the billing codes and their thresholds as
data, and the treatment-management time a therapist records for a patient.

The codes are rows a site operator edits in the Django admin when the rules change (a
migration loads the 2026 defaults); `billing.rtm` counts with whatever the rows say.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backcare.models import submission_key
from patients.access import PatientScopedQuerySet

MINUTES_MAX = 240
# The first day the RTM report shows (its month field starts at 2000-01): time is not recorded
# before it, where no report would ever count it (a year typed short, 0026, is caught here).
FIRST_DAY = date(2000, 1, 1)


class BillingCode(models.Model):
    """One billing code and the threshold that earns it."""

    class Kind(models.TextChoices):
        SETUP = "setup", _("Set-up, once per episode of monitoring")
        DAYS = "days", _("Days with logged data in a monitoring period")
        MANAGEMENT = "management", _("Treatment management: the first minutes in a calendar month")
        ADDON = "addon", _("Treatment management: each further block of minutes in the month")

    code = models.CharField(_("code"), max_length=10, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=200)
    min_days = models.PositiveSmallIntegerField(
        _("at least this many days"),
        null=True,
        blank=True,
        help_text=_("Set-up: days logged in the episode. Days codes: days with data in the period."),
    )
    max_days = models.PositiveSmallIntegerField(_("at most this many days"), null=True, blank=True)
    period_days = models.PositiveSmallIntegerField(
        _("period length (days)"),
        null=True,
        blank=True,
        help_text=_("Days codes: the length of each monitoring period, counted from the plan's start."),
    )
    minutes = models.PositiveSmallIntegerField(
        _("minutes"),
        null=True,
        blank=True,
        help_text=_("Management: the minutes in the month that earn it. Add-on: each further block."),
    )
    needs_interaction = models.BooleanField(
        _("needs a real-time interaction"),
        default=False,
        help_text=_("Earned only in a month with a call or video with the patient."),
    )
    active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("billing code")
        verbose_name_plural = _("billing codes")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_days__isnull=True)
                | Q(max_days__isnull=True)
                | Q(min_days__lte=models.F("max_days")),
                name="billingcode_days_range",
                violation_error_message=_("The smallest number of days must not be above the largest."),
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["setup", "days"]) | Q(min_days__gte=1),
                name="billingcode_days_needed",
                violation_error_message=_("A set-up or days code needs its smallest number of days."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="days") | (Q(max_days__isnull=False) & Q(period_days__gte=1)),
                name="billingcode_days_period",
                violation_error_message=_("A days code needs its largest number of days and its period."),
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["management", "addon"]) | Q(minutes__gte=1),
                name="billingcode_minutes_needed",
                violation_error_message=_("A treatment-management code needs its minutes."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.description}"


class TreatmentTimeQuerySet(PatientScopedQuerySet):
    pass


class TreatmentTime(models.Model):
    """Minutes of treatment management for one patient on one day, as the therapist recorded them."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="treatment_times")
    day = models.DateField(_("day"))
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    performed_by = models.CharField(
        _("done by"), max_length=150, help_text=_("The person who did the work (you, or an assistant).")
    )
    by_assistant = models.BooleanField(
        _("done by an assistant"),
        default=False,
        help_text=_("A physical-therapist assistant did this work: the codes are marked CQ."),
    )
    interactive = models.BooleanField(
        _("real-time interaction"),
        default=False,
        help_text=_("A call or video with the patient (or their caregiver) took place."),
    )
    activity = models.TextField(_("what was done"), max_length=2000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    # A double click on "Record time" must not double the minutes (and cross a billing threshold).
    submission = submission_key()

    objects = TreatmentTimeQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "-recorded_at"]
        verbose_name = _("treatment-management time")
        verbose_name_plural = _("treatment-management time")
        indexes = [models.Index(fields=["patient", "day"], name="treatmenttime_patient_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1) & Q(minutes__lte=MINUTES_MAX),
                name="treatmenttime_minutes_range",
                violation_error_message=_("Minutes must be from 1 to 240."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.minutes} min"
