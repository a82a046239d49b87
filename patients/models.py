import zoneinfo
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone as tz
from django.utils.translation import gettext_lazy as _

from accounts.models import Clinic, timezone_choices
from backcare.models import ChangeStamped
from exercises.models import DoseRange, Exercise, ProgramTemplate, ProgressionRule, rule_constraints

from . import choices
from .access import (
    PatientQuerySet,
    PatientScopedQuerySet,
    PlanScopedQuerySet,
    PlanWeekScopedQuerySet,
    SessionScopedQuerySet,
)

PAIN_SCALE = range(0, 11)  # 0 = no pain, 10 = worst imaginable
MAX_REPS = 200
MAX_HOLD_SECONDS = 300
# Free text typed by a therapist or patient (notes, reasons): one limit, on the model field (so
# model forms and the API's model serializers read it), in a CheckConstraint (a TextField's
# max_length is not enforced by the database), in the services, with one message.
TEXT_MAX_LENGTH = 2000
TEXT_TOO_LONG = _("Keep this to %(limit_value)s characters or fewer.")


def text_too_long(value: str | None) -> ValidationError | None:
    """The services' refusal of a free text over the limit (stripped), or None when it fits."""
    if value is not None and len(value.strip()) > TEXT_MAX_LENGTH:
        return ValidationError(TEXT_TOO_LONG, code="max_length", params={"limit_value": TEXT_MAX_LENGTH})
    return None


def text_limit_constraint(field: str, *, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=LessThanOrEqual(Length(field), TEXT_MAX_LENGTH),
        name=name,
        violation_error_message=TEXT_TOO_LONG % {"limit_value": TEXT_MAX_LENGTH},
    )


class Patient(ChangeStamped):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="patient",
        verbose_name=_("login"),
    )
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="patients", verbose_name=_("clinic")
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="caseload",
        verbose_name=_("therapist"),
        limit_choices_to={"role": "therapist"},
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, default=settings.TIME_ZONE, choices=timezone_choices
    )
    baseline_pain = models.PositiveSmallIntegerField(
        _("baseline pain (0–10)"),
        null=True,
        blank=True,
        help_text=_("Usual pain at the start. Empty: taken from the first sessions logged."),
    )
    created_at = models.DateTimeField(_("created"), default=tz.now)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        constraints = [
            models.CheckConstraint(
                condition=Q(baseline_pain__isnull=True) | Q(baseline_pain__lte=10),
                name="patient_baseline_pain_0_10",
            )
        ]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def local_date(self, at: datetime | None = None) -> date:
        """The patient's calendar day at `at` (default: now), in their own time zone."""
        return tz.localtime(at or tz.now(), self.tzinfo).date()


class Plan(ChangeStamped):
    """A patient's copy of a program template, with their own targets.

    Life: draft → approved (who and when recorded) → paused / completed. A plan is active
    from its start date while approved. Changing an approved plan makes a new draft
    version; when that is approved the old one becomes superseded and stays readable.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        PAUSED = "paused", _("Paused")
        COMPLETED = "completed", _("Completed")
        SUPERSEDED = "superseded", _("Superseded")

    LIVE_STATUSES = (Status.APPROVED, Status.PAUSED)

    ProgressionState = choices.ProgressionState

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="plans", verbose_name=_("patient")
    )
    template = models.ForeignKey(
        ProgramTemplate,
        on_delete=models.PROTECT,
        related_name="plans",
        verbose_name=_("program template"),
    )
    # What the patient is shown of the template, copied when the plan is made (and into each new
    # version), so changing the template later never changes a plan made from it.
    program_name = models.CharField(_("program"), max_length=200, blank=True)
    general_cautions = models.TextField(_("general cautions"), blank=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous_version = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_version",
        verbose_name=_("previous version"),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    start_date = models.DateField(_("start date"))
    note_to_patient = models.TextField(_("note to the patient"), blank=True, max_length=TEXT_MAX_LENGTH)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=tz.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    ended_at = models.DateTimeField(_("completed or superseded"), null=True, blank=True)

    # Snapshot of the progression engine's last decision, refreshed whenever a session is
    # logged or the plan is re-evaluated, so lists and reports need no per-row computation.
    current_week = models.PositiveSmallIntegerField(_("current week"), default=1)
    progression_state = models.CharField(
        _("progression"),
        max_length=16,
        choices=ProgressionState.choices,
        default=ProgressionState.IN_WEEK,
    )
    progression_reasons = models.JSONField(_("progression reasons"), default=list, blank=True)
    progression_evaluated_at = models.DateTimeField(null=True, blank=True)

    objects = PatientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["patient", "-version"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.UniqueConstraint(fields=["patient", "version"], name="plan_version_unique"),
            text_limit_constraint("note_to_patient", name="plan_note_length"),
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status="draft"),
                name="plan_one_draft_per_patient",
                violation_error_message=_("This patient already has a draft plan."),
            ),
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status__in=["approved", "paused"]),
                name="plan_one_live_per_patient",
                violation_error_message=_("This patient already has an approved plan."),
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(approved_by__isnull=False) & Q(approved_at__isnull=False)),
                name="plan_approval_recorded",
                violation_error_message=_("An approved plan records who approved it and when."),
            ),
            models.CheckConstraint(condition=Q(current_week__gte=1), name="plan_week_positive"),
        ]

    def __str__(self) -> str:
        return _("%(patient)s — %(template)s, version %(version)s") % {
            "patient": self.patient,
            "template": self.program_name,
            "version": self.version,
        }

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    def is_active_on(self, day: date) -> bool:
        return self.status == self.Status.APPROVED and self.start_date <= day


class PlanPause(models.Model):
    """A period during which a plan was paused; those days are not prescribed."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="pauses")
    paused_on = models.DateField(_("paused on"))
    resumed_on = models.DateField(_("resumed on"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, max_length=TEXT_MAX_LENGTH)
    paused_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "paused_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"], condition=Q(resumed_on__isnull=True), name="plan_one_open_pause"
            ),
            models.CheckConstraint(
                condition=Q(resumed_on__isnull=True) | Q(resumed_on__gte=F("paused_on")),
                name="plan_pause_ordered",
            ),
            text_limit_constraint("reason", name="plan_pause_reason_length"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} paused {self.paused_on}–{self.resumed_on or ''}"


class PlanWeek(ProgressionRule):
    """A week of a patient's plan with its own copy of the progression rule."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="weeks")
    number = models.PositiveSmallIntegerField(_("week"))
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = _("plan week")
        verbose_name_plural = _("plan weeks")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_week_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="plan_week_number_positive"),
            *rule_constraints("plan_week"),
        ]

    def __str__(self) -> str:
        return _("Week %(number)s: %(title)s") % {"number": self.number, "title": self.title}


class PlanExercise(DoseRange):
    """An exercise in a patient's plan: the library's range and the therapist's targets.

    A target outside the range is allowed only with a reason, which is kept.
    """

    week = models.ForeignKey(PlanWeek, on_delete=models.CASCADE, related_name="exercises")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    target_hold_seconds = models.PositiveSmallIntegerField(_("target hold (s)"))
    target_reps = models.PositiveSmallIntegerField(_("target repetitions"))
    out_of_range_reason = models.TextField(
        _("reason for a target outside the range"), blank=True, max_length=TEXT_MAX_LENGTH
    )

    objects = PlanWeekScopedQuerySet.as_manager()

    class Meta:
        ordering = ["week__number", "order", "pk"]
        verbose_name = _("plan exercise")
        verbose_name_plural = _("plan exercises")
        constraints = [
            models.UniqueConstraint(fields=["week", "exercise"], name="plan_exercise_unique"),
            models.CheckConstraint(
                condition=Q(target_hold_seconds__gte=1)
                & Q(target_hold_seconds__lte=MAX_HOLD_SECONDS)
                & Q(target_reps__gte=1)
                & Q(target_reps__lte=MAX_REPS),
                name="plan_exercise_targets_sane",
            ),
            text_limit_constraint("out_of_range_reason", name="plan_exercise_reason_length"),
            models.CheckConstraint(
                condition=(
                    Q(target_hold_seconds__gte=F("hold_seconds_min"))
                    & Q(target_hold_seconds__lte=F("hold_seconds_max"))
                    & Q(target_reps__gte=F("reps_min"))
                    & Q(target_reps__lte=F("reps_max"))
                )
                | ~Q(out_of_range_reason=""),
                name="plan_exercise_out_of_range_needs_reason",
                violation_error_message=_("A target outside the library's range needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.exercise)

    @classmethod
    def copied_from(
        cls,
        item: DoseRange,
        *,
        week: "PlanWeek",
        target_hold_seconds: int,
        target_reps: int,
        reason: str = "",
    ) -> "PlanExercise":
        """An unsaved copy of a template's (or another plan's) exercise, with these targets."""
        return cls(
            week=week,
            exercise_id=item.exercise_id,
            order=item.order,
            hold_seconds_min=item.hold_seconds_min,
            hold_seconds_max=item.hold_seconds_max,
            reps_min=item.reps_min,
            reps_max=item.reps_max,
            target_hold_seconds=target_hold_seconds,
            target_reps=target_reps,
            out_of_range_reason=reason,
        )

    @property
    def target_out_of_range(self) -> bool:
        return not (self.hold_in_range(self.target_hold_seconds) and self.reps_in_range(self.target_reps))


class SessionLog(models.Model):
    """One patient's session on one local calendar day. Logging again that day edits it."""

    SymptomChange = choices.SymptomChange

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="sessions")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="sessions")
    date = models.DateField(_("day"))
    week_number = models.PositiveSmallIntegerField(_("week"), default=1)
    pain_before = models.PositiveSmallIntegerField(_("pain before (0–10)"))
    pain_after = models.PositiveSmallIntegerField(_("pain after (0–10)"))
    symptom_change = models.CharField(
        _("symptoms compared with yesterday"), max_length=8, choices=SymptomChange.choices
    )
    note = models.TextField(_("note"), blank=True, max_length=TEXT_MAX_LENGTH)
    # How many of the session's exercises (SessionExercise rows) are marked done, stored so
    # reports add up one column instead of counting rows. `patients.services.session_log`,
    # the only writer of SessionExercise rows, keeps it equal to that count.
    exercises_done = models.PositiveSmallIntegerField(_("exercises done"), default=0, editable=False)
    created_at = models.DateTimeField(_("logged"), default=tz.now)
    updated_at = models.DateTimeField(_("last changed"), default=tz.now)

    objects = PatientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["patient", "-date"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "date"],
                name="session_one_per_patient_day",
                violation_error_message=_("There is already a session for this day."),
            ),
            text_limit_constraint("note", name="session_note_length"),
            models.CheckConstraint(
                condition=Q(pain_before__lte=10) & Q(pain_after__lte=10),
                name="session_pain_0_10",
                violation_error_message=_("Pain is a number from 0 to 10."),
            ),
        ]
        indexes = [models.Index(fields=["plan", "date"], name="session_plan_date")]

    def __str__(self) -> str:
        return f"{self.patient} {self.date}"

    @property
    def pain_change(self) -> int:
        return self.pain_after - self.pain_before


class SessionExercise(models.Model):
    session = models.ForeignKey(SessionLog, on_delete=models.CASCADE, related_name="exercises")
    plan_exercise = models.ForeignKey(PlanExercise, on_delete=models.PROTECT, related_name="+")
    done = models.BooleanField(_("done"), default=False)
    reps = models.PositiveSmallIntegerField(_("repetitions"), null=True, blank=True)
    hold_seconds = models.PositiveSmallIntegerField(_("hold (s)"), null=True, blank=True)
    hurt = models.BooleanField(_("it hurt, I stopped"), default=False)

    objects = SessionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["session", "plan_exercise__week__number", "plan_exercise__order"]
        constraints = [
            models.UniqueConstraint(fields=["session", "plan_exercise"], name="session_exercise_unique"),
            models.CheckConstraint(
                condition=(Q(reps__isnull=True) | Q(reps__lte=MAX_REPS))
                & (Q(hold_seconds__isnull=True) | Q(hold_seconds__lte=MAX_HOLD_SECONDS)),
                name="session_exercise_sane_numbers",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session}: {self.plan_exercise}"


class Alert(models.Model):
    """A safety signal for the therapist, raised once per cause (`cause_key`)."""

    Kind = choices.AlertKind

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="alerts")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="alerts")
    session = models.ForeignKey(
        SessionLog, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    message = models.TextField(_("message"))
    cause_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(_("raised"), default=tz.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledgement_comment = models.TextField(
        _("comment"), blank=True, max_length=choices.ALERT_COMMENT_MAX_LENGTH
    )

    objects = PatientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("safety alert")
        verbose_name_plural = _("safety alerts")
        constraints = [
            models.UniqueConstraint(fields=["plan", "cause_key"], name="alert_once_per_cause"),
            models.CheckConstraint(
                condition=LessThanOrEqual(
                    Length("acknowledgement_comment"), choices.ALERT_COMMENT_MAX_LENGTH
                ),
                name="alert_comment_max_length",
                violation_error_message=_("An acknowledgement comment is 2,000 characters at most."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["patient"],
                condition=Q(acknowledged_at__isnull=True),
                name="alert_open_by_patient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.patient}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class ProgressionNotice(models.Model):
    """ "Held back from week N": the progression engine's note to the therapist, not a safety alert.

    Opened when the rules hold the patient back and the week's rule says to tell the therapist;
    closed by the same evaluation, with the reason, when the patient moves on, the condition
    clears or the plan ends. Written only by patients.progression_services, under the plan's
    lock; at most one is open per plan.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="notices")
    week = models.PositiveSmallIntegerField(_("held back from week"))
    message = models.TextField(_("message"))
    cause_key = models.CharField(max_length=120)
    opened_at = models.DateTimeField(_("opened"), default=tz.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    close_reason = models.TextField(_("why it closed"), blank=True)

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("progression notice")
        verbose_name_plural = _("progression notices")
        constraints = [
            models.UniqueConstraint(
                fields=["plan"], condition=Q(closed_at__isnull=True), name="notice_one_open_per_plan"
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | ~Q(close_reason=""), name="notice_closed_with_reason"
            ),
            models.CheckConstraint(condition=Q(week__gte=2), name="notice_week_after_the_first"),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.message}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class ProgressionOverride(models.Model):
    """A therapist's decision about a plan's week, recorded with who, when and why."""

    Action = choices.OverrideAction

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="overrides")
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    from_week = models.PositiveSmallIntegerField(_("from week"))
    to_week = models.PositiveSmallIntegerField(_("to week"))
    effective_on = models.DateField(_("from the day"))
    reason = models.TextField(_("reason"), max_length=TEXT_MAX_LENGTH)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded"), default=tz.now)

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "created_at"]
        verbose_name = _("progression override")
        verbose_name_plural = _("progression overrides")
        constraints = [
            models.CheckConstraint(
                condition=Q(from_week__gte=1) & Q(to_week__gte=1), name="override_weeks_positive"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="override_reason_required"),
            text_limit_constraint("reason", name="override_reason_length"),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.get_action_display()} ({self.from_week}→{self.to_week})"


class ProgressionPeriod(models.Model):
    """A stretch of days a plan's patient spent in one week, as the progression engine put them.

    Written only by `patients.adherence.periods_store` (from `progression_services._refresh`,
    under the plan's lock), so every adherence figure reads the week the patient was really
    in — holds, the therapist's overrides and automatic moves included — not the calendar.
    `end` is the last day in that week; empty for the week the patient is in now. A plan's
    periods cover its days from its start date without gaps. `exercises_per_day` is how many
    exercises weeks 1..`week` of the plan prescribe a day (an approved plan never changes).
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="periods")
    week = models.PositiveSmallIntegerField(_("week"))
    start = models.DateField(_("from"))
    end = models.DateField(_("to"), null=True, blank=True)
    exercises_per_day = models.PositiveSmallIntegerField(_("exercises a day"))

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "start"]
        verbose_name = _("progression period")
        verbose_name_plural = _("progression periods")
        constraints = [
            models.UniqueConstraint(fields=["plan", "start"], name="period_one_per_plan_start"),
            models.UniqueConstraint(
                fields=["plan"], condition=Q(end__isnull=True), name="period_one_open_per_plan"
            ),
            models.CheckConstraint(condition=Q(week__gte=1), name="period_week_positive"),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: week {self.week} {self.start}–{self.end or ''}"
