import re

from django.core.validators import URLValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _

from .access import LibraryQuerySet

# The one limit on a library text (instructions, cautions, descriptions): forms, API, services and
# the database's own constraints below.
LIBRARY_TEXT_MAX_LENGTH = 4000


def library_text_constraints(prefix: str, *fields: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=LessThanOrEqual(Length(name), LIBRARY_TEXT_MAX_LENGTH),
            name=f"{prefix}_{name}_length",
            violation_error_message=_("Keep this to %(max)s characters or fewer.")
            % {"max": LIBRARY_TEXT_MAX_LENGTH},
        )
        for name in fields
    ]


# Instructions are split into steps a sentence at a time.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def range_constraints(prefix: str) -> list[models.BaseConstraint]:
    """Hold and repetition ranges are positive and min <= max, enforced by the database."""
    return [
        models.CheckConstraint(
            condition=Q(hold_seconds_min__gte=1) & Q(hold_seconds_max__gte=F("hold_seconds_min")),
            name=f"{prefix}_hold_range_valid",
            violation_error_message=_("Hold: the minimum must be at least 1 and not above the maximum."),
        ),
        models.CheckConstraint(
            condition=Q(reps_min__gte=1) & Q(reps_max__gte=F("reps_min")),
            name=f"{prefix}_reps_range_valid",
            violation_error_message=_(
                "Repetitions: the minimum must be at least 1 and not above the maximum."
            ),
        ),
    ]


class DoseRange(models.Model):
    """A hold (seconds) and repetition range, as the library states it ("5 to 10")."""

    hold_seconds_min = models.PositiveSmallIntegerField(_("shortest hold (s)"), default=5)
    hold_seconds_max = models.PositiveSmallIntegerField(_("longest hold (s)"), default=10)
    reps_min = models.PositiveSmallIntegerField(_("fewest repetitions"), default=5)
    reps_max = models.PositiveSmallIntegerField(_("most repetitions"), default=10)

    class Meta:
        abstract = True

    def hold_in_range(self, seconds: int) -> bool:
        return self.hold_seconds_min <= seconds <= self.hold_seconds_max

    def reps_in_range(self, reps: int) -> bool:
        return self.reps_min <= reps <= self.reps_max


def illustration_path(instance: "Exercise", filename: str) -> str:
    """Where an uploaded picture is stored (through the default storage): one folder per clinic.

    The services name the file (a random name, the format's extension); it is never served from
    here but through the access-checked view `exercises:picture`.
    """
    return f"exercises/clinic-{instance.clinic_id or 'shipped'}/{filename}"


https_only = URLValidator(schemes=["https"], message=_("Give a video link that starts with https://."))


class Exercise(DoseRange):
    """An exercise of the library: shipped with the product (no clinic, read-only) or a clinic's own.

    A clinic's exercise that a plan already uses is never changed in place: changing it makes a
    new row (the new version) and marks the old one `replaced_by` it, so plans keep showing
    what was prescribed. The library shows only current rows (`replaced_by` empty).
    """

    class BodyPosition(models.TextChoices):
        BACK = "back", _("Lying on the back")
        FRONT = "front", _("Lying face down")
        SIDE = "side", _("Lying on the side")
        HANDS_KNEES = "hands_knees", _("On hands and knees")
        SITTING = "sitting", _("Sitting")
        STANDING = "standing", _("Standing")

    class Equipment(models.TextChoices):
        NONE = "none", _("None")
        MAT = "mat", _("Exercise mat")
        CHAIR = "chair", _("Chair")
        BALL = "ball", _("Exercise ball")
        BAND = "band", _("Resistance band")
        TOWEL = "towel", _("Towel or strap")

    clinic = models.ForeignKey(
        "accounts.Clinic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clinic"),
        help_text=_("Empty: shipped with BackCare, read-only for every clinic."),
    )
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), unique=True)
    body_position = models.CharField(
        _("body position"), max_length=16, choices=BodyPosition.choices, default=BodyPosition.BACK
    )
    equipment = models.CharField(
        _("equipment"), max_length=16, choices=Equipment.choices, default=Equipment.NONE
    )
    starting_position = models.TextField(_("starting position"))
    instructions = models.TextField(_("instructions"))
    per_side = models.BooleanField(
        _("each side"), default=False, help_text=_("Done with each leg (or side) in turn.")
    )
    cautions = models.TextField(_("cautions"), blank=True)
    illustration = models.FileField(_("illustration"), upload_to=illustration_path, blank=True)
    video_url = models.URLField(_("video link"), blank=True, max_length=500, validators=[https_only])
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replaced by"),
        help_text=_("A newer version of this exercise; plans made before the change keep this one."),
    )

    objects = LibraryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("exercise")
        verbose_name_plural = _("exercises")
        constraints = [
            *range_constraints("exercise"),
            *library_text_constraints("exercise", "starting_position", "instructions", "cautions"),
            models.CheckConstraint(
                condition=Q(video_url="") | Q(video_url__startswith="https://"),
                name="exercise_video_https",
                violation_error_message=_("Give a video link that starts with https://."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_shipped(self) -> bool:
        return self.clinic_id is None

    def picture_url(self) -> str:
        """Where an uploaded picture is read: the view that checks who asks (session or API
        token), never a public media address. Empty when there is none."""
        from django.urls import reverse

        return reverse("exercise_picture", args=[self.pk]) if self.illustration else ""

    def steps(self) -> list[str]:
        """What the patient follows: the starting position, then the instructions a sentence at a
        time, in the active language where the shipped text has a translation (exercises/data_text.py)."""
        from .data_text import data_text

        starting_position = data_text(self.starting_position.strip())
        steps = [starting_position] if starting_position else []
        steps += [part for part in SENTENCE_END.split(data_text(self.instructions.strip())) if part]
        return steps


class ProgramTemplate(models.Model):
    """A progressive program (the handout's, or one a clinic writes), made of ordered weeks."""

    clinic = models.ForeignKey(
        "accounts.Clinic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clinic"),
        help_text=_("Empty: shipped with BackCare, read-only for every clinic."),
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    description = models.TextField(_("description"), blank=True)
    general_cautions = models.TextField(
        _("general cautions"),
        blank=True,
        help_text=_("Shown to the patient with every session."),
    )
    is_active = models.BooleanField(_("offered for new plans"), default=True)

    objects = LibraryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("program template")
        verbose_name_plural = _("program templates")
        constraints = library_text_constraints("program", "description", "general_cautions")

    def __str__(self) -> str:
        return self.name

    @property
    def is_shipped(self) -> bool:
        return self.clinic_id is None


class ProgressionRule(models.Model):
    """The conditions under which a patient moves on to a week, and what happens otherwise.

    Shared by template weeks and plan weeks: the plan holds a copy the therapist may adjust.
    A value of 0 (or empty) switches a condition off.
    """

    class OnNotMet(models.TextChoices):
        STAY = "stay", _("Stay in the current week")
        STAY_AND_ALERT = "alert", _("Stay and alert the therapist")

    min_days_in_previous_week = models.PositiveSmallIntegerField(
        _("minimum days in the previous week"), default=7
    )
    min_sessions_in_previous_week = models.PositiveSmallIntegerField(
        _("minimum sessions logged in the previous week"), default=5
    )
    no_worse_in_last_sessions = models.PositiveSmallIntegerField(
        _("no “worse” report in the last N sessions"),
        default=3,
        help_text=_("0 switches this condition off."),
    )
    pain_rise_limit = models.PositiveSmallIntegerField(
        _("pain rise limit above baseline (points)"),
        null=True,
        blank=True,
        default=2,
        help_text=_(
            "Hold back when pain is this many points or more above the patient's baseline. "
            "Empty switches it off."
        ),
    )
    pain_ceiling = models.PositiveSmallIntegerField(
        _("pain ceiling (0–10)"),
        null=True,
        blank=True,
        help_text=_("Hold back when pain after a session in the previous week exceeded this."),
    )
    requires_therapist_confirmation = models.BooleanField(_("therapist confirms the move"), default=True)
    on_not_met = models.CharField(
        _("when not met"), max_length=8, choices=OnNotMet.choices, default=OnNotMet.STAY_AND_ALERT
    )

    RULE_FIELDS = (
        "min_days_in_previous_week",
        "min_sessions_in_previous_week",
        "no_worse_in_last_sessions",
        "pain_rise_limit",
        "pain_ceiling",
        "requires_therapist_confirmation",
        "on_not_met",
    )

    class Meta:
        abstract = True

    def rule_values(self) -> dict:
        return {name: getattr(self, name) for name in self.RULE_FIELDS}


def rule_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(pain_rise_limit__isnull=True) | Q(pain_rise_limit__lte=10),
            name=f"{prefix}_pain_rise_limit_0_10",
        ),
        models.CheckConstraint(
            condition=Q(pain_ceiling__isnull=True) | Q(pain_ceiling__lte=10),
            name=f"{prefix}_pain_ceiling_0_10",
        ),
    ]


class ProgramWeek(ProgressionRule):
    """One week of a template. Each week adds exercises to those of the weeks before it."""

    template = models.ForeignKey(
        ProgramTemplate, on_delete=models.CASCADE, related_name="weeks", verbose_name=_("program")
    )
    number = models.PositiveSmallIntegerField(_("week"))
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(
        _("introduction"), blank=True, help_text=_("When and why this week's exercises are added.")
    )

    class Meta:
        ordering = ["template", "number"]
        verbose_name = _("program week")
        verbose_name_plural = _("program weeks")
        constraints = [
            models.UniqueConstraint(
                fields=["template", "number"],
                name="program_week_number_unique",
                violation_error_message=_("This program already has a week with that number."),
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="program_week_number_positive"),
            *rule_constraints("program_week"),
            *library_text_constraints("program_week", "introduction"),
        ]

    def __str__(self) -> str:
        from .data_text import data_text

        return _("Week %(number)s: %(title)s") % {"number": self.number, "title": data_text(self.title)}


class WeekExercise(DoseRange):
    """An exercise a week adds, with the hold and repetition range the program states."""

    week = models.ForeignKey(
        ProgramWeek, on_delete=models.CASCADE, related_name="exercises", verbose_name=_("week")
    )
    exercise = models.ForeignKey(
        Exercise, on_delete=models.PROTECT, related_name="+", verbose_name=_("exercise")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["week", "order", "pk"]
        verbose_name = _("week exercise")
        verbose_name_plural = _("week exercises")
        constraints = [
            models.UniqueConstraint(fields=["week", "exercise"], name="week_exercise_unique"),
            *range_constraints("week_exercise"),
        ]

    def __str__(self) -> str:
        return str(self.exercise)


class ExerciseIllustration(models.Model):
    """A drawing that ships with a program: one frame (start, hold…) of an exercise.

    The file is a static file of the exercises app, named by its static path; the alt text
    says the position in words. A clinic's own picture goes in `Exercise.illustration`.
    """

    class Frame(models.TextChoices):
        START = "start", _("Start")
        HOLD = "hold", _("Hold")

    exercise = models.ForeignKey(
        Exercise, on_delete=models.CASCADE, related_name="illustrations", verbose_name=_("exercise")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    frame = models.CharField(_("shows"), max_length=8, choices=Frame.choices)
    static_path = models.CharField(
        _("static file"),
        max_length=200,
        help_text=_("Path of a static file, e.g. exercises/illustrations/bridge-start.svg."),
    )
    alt_text = models.TextField(_("description (alt text)"))
    width = models.PositiveSmallIntegerField(_("width (px)"))
    height = models.PositiveSmallIntegerField(_("height (px)"))

    class Meta:
        ordering = ["exercise", "order"]
        verbose_name = _("exercise illustration")
        verbose_name_plural = _("exercise illustrations")
        constraints = [
            models.UniqueConstraint(fields=["exercise", "order"], name="exercise_illustration_order_unique"),
            models.CheckConstraint(
                condition=Q(width__gte=1) & Q(height__gte=1), name="exercise_illustration_size_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.static_path

    @property
    def url(self) -> str:
        return static(self.static_path)
