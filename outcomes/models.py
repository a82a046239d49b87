"""Outcome measures: questionnaires (versioned data), each plan's schedule, answers and scores.

An `Instrument` row is one version of a questionnaire's text; its scoring rule is code
(`outcomes.scoring.RULES[code]`). A version that has answers is never edited: loading changed
text makes a new version (`outcomes.services.instrument_load`), and `Instrument.save()` refuses
to change a version that has answers (the admin shows instruments read-only), so every answer
keeps the exact wording it was given on.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone as tz
from django.utils.translation import gettext_lazy as _

from exercises.models import ProgramTemplate
from patients.access import PatientScopedQuerySet, PlanScopedQuerySet
from patients.models import Patient, Plan

from .scoring import RULES, STARTBACK_BANDS
from .scoring import Score as RuleScore

CODE_CHOICES = [(code, rule.name) for code, rule in RULES.items()]
EVERY_WEEKS_MAX = 12


class InstrumentQuerySet(models.QuerySet):
    def current(self) -> "InstrumentQuerySet":
        """The newest version of each questionnaire (what new answers are given on)."""
        return self.filter(is_current=True)


class Instrument(models.Model):
    class Source(models.TextChoices):
        SHIPPED = "shipped", _("Ships with BackCare")
        CLINIC = "clinic", _("Loaded from the clinic's licensed item file")

    code = models.CharField(_("questionnaire"), max_length=16, choices=CODE_CHOICES)
    version = models.PositiveSmallIntegerField(_("version"))
    is_current = models.BooleanField(_("current version"), default=True)
    version_label = models.CharField(_("edition"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(_("language"), max_length=16)
    instructions = models.TextField(_("instructions"))
    copyright = models.TextField(_("copyright statement"), blank=True)
    activity_prompt = models.TextField(_("activity prompt"), blank=True)
    items = models.JSONField(_("items"))
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    loaded_at = models.DateTimeField(_("loaded"), default=tz.now)

    objects = InstrumentQuerySet.as_manager()

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="instrument_version_unique"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(is_current=True), name="instrument_one_current"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="instrument_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.version_label}, v{self.version})"

    def save(self, *args, **kwargs):
        """Never edit a version under existing answers: its text is what they were given on."""
        if self.pk is not None and self.responses.exists():
            raise ValidationError(
                _("This questionnaire version has answers and cannot be changed; load a new version."),
                code="instrument_answered",
            )
        super().save(*args, **kwargs)

    @property
    def rule(self):
        return RULES[self.code]


class ScheduleFields(models.Model):
    """When a questionnaire is due: at the plan's start, every N weeks, at completion."""

    instrument_code = models.CharField(_("questionnaire"), max_length=16, choices=CODE_CHOICES)
    at_baseline = models.BooleanField(_("at the start"), default=True)
    every_weeks = models.PositiveSmallIntegerField(
        _("every N weeks"), default=2, help_text=_("0: no follow-up during the plan.")
    )
    at_completion = models.BooleanField(_("at completion"), default=True)

    class Meta:
        abstract = True


def _schedule_constraints(prefix: str, owner: str) -> list[models.BaseConstraint]:
    return [
        models.UniqueConstraint(fields=[owner, "instrument_code"], name=f"{prefix}_once_per_instrument"),
        models.CheckConstraint(
            condition=Q(every_weeks__lte=EVERY_WEEKS_MAX), name=f"{prefix}_every_weeks_max"
        ),
    ]


class ProgramOutcomeDefault(ScheduleFields):
    """A program template's default questionnaires, copied into each plan made from it."""

    template = models.ForeignKey(
        ProgramTemplate, on_delete=models.CASCADE, related_name="outcome_defaults", verbose_name=_("program")
    )

    class Meta:
        ordering = ["template", "instrument_code"]
        verbose_name = _("default questionnaire")
        verbose_name_plural = _("default questionnaires")
        constraints = _schedule_constraints("program_outcome", "template")

    def __str__(self) -> str:
        return f"{self.template}: {self.instrument_code}"


class PlanOutcome(ScheduleFields):
    """A questionnaire a plan asks for, and when. Changed only while the plan is a draft."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="outcomes", verbose_name=_("plan"))

    objects = PlanScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "instrument_code"]
        verbose_name = _("scheduled questionnaire")
        verbose_name_plural = _("scheduled questionnaires")
        constraints = _schedule_constraints("plan_outcome", "plan")

    def __str__(self) -> str:
        return f"{self.plan}: {self.instrument_code}"


class Response(models.Model):
    """A patient's answers to one questionnaire for one due date. Answering again edits it."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="outcome_responses")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="outcome_responses")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="responses")
    instrument_code = models.CharField(_("questionnaire"), max_length=16, choices=CODE_CHOICES)
    due_date = models.DateField(_("due"))
    is_baseline = models.BooleanField(_("baseline"), default=False)
    answered_on = models.DateField(_("answered on"))
    answers = models.JSONField(_("answers"))
    created_at = models.DateTimeField(_("answered"), default=tz.now)
    updated_at = models.DateTimeField(_("last changed"), default=tz.now)

    objects = PatientScopedQuerySet.as_manager()

    class Meta:
        ordering = ["patient", "instrument_code", "due_date"]
        verbose_name = _("questionnaire answer")
        verbose_name_plural = _("questionnaire answers")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "instrument_code", "due_date"],
                name="outcome_response_once_per_due_date",
                violation_error_message=_("This questionnaire is already answered for that date."),
            ),
            models.CheckConstraint(
                condition=Q(answered_on__gte=models.F("due_date")), name="outcome_response_not_before_due"
            ),
        ]
        indexes = [models.Index(fields=["plan", "instrument_code"], name="outcome_response_plan")]

    def __str__(self) -> str:
        return f"{self.patient} {self.instrument_code} {self.due_date}"


class ScoreQuerySet(PatientScopedQuerySet):
    patient_lookup = "response__patient"


class Score(models.Model):
    """The score of one response, by its instrument's rule, with the change from baseline."""

    class Meaning(models.TextChoices):
        NONE = "", _("Below the meaningful change")
        BETTER = "better", _("Meaningfully better")
        WORSE = "worse", _("Meaningfully worse")

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="score")
    value = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    subscale = models.PositiveSmallIntegerField(_("psychosocial subscale"), null=True, blank=True)
    band = models.CharField(_("risk group"), max_length=8, blank=True, choices=list(STARTBACK_BANDS.items()))
    parts = models.JSONField(_("activity ratings"), default=list, blank=True)
    change = models.DecimalField(
        _("change from baseline"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    meaningful = models.CharField(_("meaningful change"), max_length=8, blank=True, choices=Meaning.choices)

    objects = ScoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [models.CheckConstraint(condition=Q(value__gte=0), name="outcome_score_not_negative")]

    def __str__(self) -> str:
        return f"{self.response}: {self.value}"

    def as_rule_score(self) -> RuleScore:
        """The stored score as the scoring rules take it (to compare with another)."""
        return RuleScore(
            value=self.value,
            subscale=self.subscale,
            band=self.band,
            parts=tuple(Decimal(str(part)) for part in self.parts),
        )
