"""Shapes of the API's requests and responses.

Serializers validate shape (types, ranges, lengths); the rules (who may, in which state,
which day) live in the services the views call.
"""

import zoneinfo

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exercises.models import Exercise, ProgramTemplate, ProgramWeek, WeekExercise
from patients.choices import ALERT_COMMENT_MAX_LENGTH
from patients.models import (
    TEXT_MAX_LENGTH,
    TEXT_TOO_LONG,
    Alert,
    Patient,
    Plan,
    PlanExercise,
    PlanWeek,
    ProgressionOverride,
    SessionExercise,
    SessionLog,
)
from patients.services import EARLIEST_START, LATEST_START

MAX_EXERCISES_PER_SESSION = 100
MAX_BULK_ALERTS = 500
MAX_TEXT = TEXT_MAX_LENGTH
# The services' and forms' message, with the limit in (DRF formats it with str.format).
TEXT_TOO_LONG_MESSAGE = lazy(lambda: str(TEXT_TOO_LONG) % {"limit_value": TEXT_MAX_LENGTH}, str)()


def text_field(**kwargs) -> serializers.CharField:
    """Optional free text (a note, a reason) with the one limit and its message."""
    return serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=TEXT_MAX_LENGTH,
        error_messages={"max_length": TEXT_TOO_LONG_MESSAGE},
        **kwargs,
    )


# The names zoneinfo knows: read once, they change only with the installed tz database.
TIME_ZONES = frozenset(zoneinfo.available_timezones())
TIMEZONE_EXAMPLES = ("Europe/London", "America/New_York", "Australia/Sydney", "UTC")


@extend_schema_field(
    {
        "type": "string",
        "maxLength": 64,
        "example": TIMEZONE_EXAMPLES[0],
        "description": str(
            _("An IANA time zone name, for instance %(examples)s. The patient's days are counted in it.")
            % {"examples": ", ".join(TIMEZONE_EXAMPLES)}
        ),
    }
)
class TimeZoneField(serializers.CharField):
    """A time zone by its IANA name: a validated string in the schema, not an enum of ~600 names
    (generated clients choke on it: "GMT0" and "GMT+0" make the same identifier)."""

    default_error_messages = {
        "unknown": _("“%(value)s” is not a time zone. Use an IANA name such as Europe/London."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value not in TIME_ZONES:
            message = self.error_messages["unknown"] % {"value": value}
            raise serializers.ValidationError(message, code="unknown")
        return value


# --- Library -------------------------------------------------------------------------------


class ExerciseSerializer(serializers.ModelSerializer):
    illustration = serializers.FileField(read_only=True, allow_null=True, use_url=True)

    class Meta:
        model = Exercise
        fields = [
            "id",
            "slug",
            "name",
            "per_side",
            "hold_seconds_min",
            "hold_seconds_max",
            "reps_min",
            "reps_max",
            "starting_position",
            "instructions",
            "cautions",
            "illustration",
        ]
        read_only_fields = fields


class ProgressionRuleSerializer(serializers.Serializer):
    """The conditions for moving on to a week, and what happens when they are not met."""

    min_days_in_previous_week = serializers.IntegerField(read_only=True)
    min_sessions_in_previous_week = serializers.IntegerField(read_only=True)
    no_worse_in_last_sessions = serializers.IntegerField(
        read_only=True, help_text=_("No “worse” report in the last N sessions; 0 switches it off.")
    )
    pain_rise_limit = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=_("Points above the patient's baseline that hold them back; null switches it off."),
    )
    pain_ceiling = serializers.IntegerField(read_only=True, allow_null=True)
    requires_therapist_confirmation = serializers.BooleanField(read_only=True)
    on_not_met = serializers.ChoiceField(choices=ProgramWeek.OnNotMet.choices, read_only=True)


class WeekExerciseSerializer(serializers.ModelSerializer):
    """An exercise a week adds, with the hold and repetition range the program states."""

    slug = serializers.SlugField(source="exercise.slug", read_only=True)
    name = serializers.CharField(source="exercise.name", read_only=True)
    per_side = serializers.BooleanField(source="exercise.per_side", read_only=True)

    class Meta:
        model = WeekExercise
        fields = [
            "slug",
            "name",
            "per_side",
            "order",
            "hold_seconds_min",
            "hold_seconds_max",
            "reps_min",
            "reps_max",
        ]
        read_only_fields = fields


class ProgramWeekSerializer(serializers.ModelSerializer):
    progression_rule = ProgressionRuleSerializer(source="*", read_only=True)
    exercises = WeekExerciseSerializer(many=True, read_only=True)

    class Meta:
        model = ProgramWeek
        fields = ["number", "title", "introduction", "progression_rule", "exercises"]
        read_only_fields = fields


class ProgramSerializer(serializers.ModelSerializer):
    weeks = ProgramWeekSerializer(many=True, read_only=True)

    class Meta:
        model = ProgramTemplate
        fields = ["slug", "name", "description", "general_cautions", "is_active", "weeks"]
        read_only_fields = fields


# --- Patients ------------------------------------------------------------------------------


class PatientSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    email = serializers.CharField(
        source="user.email", read_only=True, help_text=_("Empty if none was given.")
    )
    timezone = TimeZoneField(read_only=True)

    class Meta:
        model = Patient
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "therapist",
            "timezone",
            "baseline_pain",
            "created_at",
        ]
        read_only_fields = fields


class PatientWriteSerializer(serializers.Serializer):
    """Fields a therapist may set on a patient (PATCH sends only those that change)."""

    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    timezone = TimeZoneField(required=False)
    baseline_pain = serializers.IntegerField(
        min_value=0,
        max_value=10,
        required=False,
        allow_null=True,
        help_text=_("Usual pain at the start (0–10). Null: taken from the first sessions logged."),
    )


class PatientCreateSerializer(PatientWriteSerializer):
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=128,
        style={"input_type": "password"},
        help_text=_("Left out: the patient sets one through an invitation link before logging in."),
    )

    def validate_password(self, value: str) -> str:
        if value:
            validate_password(value)
        return value


# --- Plans ---------------------------------------------------------------------------------


class PlanExerciseSerializer(serializers.ModelSerializer):
    """An exercise in a patient's plan: the library's range and the therapist's targets."""

    id = serializers.IntegerField(read_only=True, help_text=_("The plan exercise's id (used when logging)."))
    exercise = serializers.SlugField(source="exercise.slug", read_only=True)
    name = serializers.CharField(source="exercise.name", read_only=True)
    per_side = serializers.BooleanField(source="exercise.per_side", read_only=True)

    class Meta:
        model = PlanExercise
        fields = [
            "id",
            "exercise",
            "name",
            "per_side",
            "order",
            "hold_seconds_min",
            "hold_seconds_max",
            "reps_min",
            "reps_max",
            "target_hold_seconds",
            "target_reps",
            "out_of_range_reason",
        ]
        read_only_fields = fields


class PlanWeekSerializer(serializers.ModelSerializer):
    progression_rule = ProgressionRuleSerializer(source="*", read_only=True)
    exercises = PlanExerciseSerializer(many=True, read_only=True)

    class Meta:
        model = PlanWeek
        fields = ["number", "title", "introduction", "progression_rule", "exercises"]
        read_only_fields = fields


class ReasonsField(serializers.ListField):
    """The progression engine's reasons, in plain words."""

    child = serializers.CharField()

    def to_representation(self, data):
        return [item if isinstance(item, str) else str(item) for item in (data or [])]


class PlanSummarySerializer(serializers.ModelSerializer):
    template = serializers.SlugField(source="template.slug", read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "patient",
            "template",
            "version",
            "previous_version",
            "status",
            "start_date",
            "created_by",
            "created_at",
            "approved_by",
            "approved_at",
            "ended_at",
        ]
        read_only_fields = fields


class PlanSerializer(PlanSummarySerializer):
    progression_reasons = ReasonsField(read_only=True)
    weeks = PlanWeekSerializer(many=True, read_only=True)

    class Meta(PlanSummarySerializer.Meta):
        fields = [
            *PlanSummarySerializer.Meta.fields,
            "note_to_patient",
            "current_week",
            "progression_state",
            "progression_reasons",
            "weeks",
        ]
        read_only_fields = fields


class PlanTargetSerializer(serializers.Serializer):
    """The therapist's target for one exercise of the plan."""

    exercise = serializers.SlugField(help_text=_("The exercise's slug, as in the program."))
    # The limits are patients.services.plan_edit's (the portal shows the same messages).
    target_hold_seconds = serializers.IntegerField()
    target_reps = serializers.IntegerField()
    out_of_range_reason = text_field(help_text=_("Needed when a target is outside the library's range."))


class PlanCreateSerializer(serializers.Serializer):
    patient = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text=_("The id of one of your patients.")
    )
    template = serializers.SlugField(help_text=_("The slug of a program, e.g. back-strengthening."))
    start_date = serializers.DateField()
    confirm_start_date = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "Needed for a start date more than 14 days ago or more than 90 days ahead "
            "(otherwise 400, asking to confirm)."
        ),
    )
    note_to_patient = text_field()
    targets = PlanTargetSerializer(
        many=True,
        required=False,
        max_length=200,
        help_text=_("Targets to set; exercises left out start at the bottom of their range."),
    )


class PlanWeekRuleSerializer(serializers.Serializer):
    """When the patient may move on to `week` (2 or later); fields left out keep their value."""

    # The limits are patients.services.plan_edit's (the portal shows the same messages).
    week = serializers.IntegerField()
    min_days_in_previous_week = serializers.IntegerField(required=False)
    min_sessions_in_previous_week = serializers.IntegerField(required=False)
    no_worse_in_last_sessions = serializers.IntegerField(required=False)
    pain_rise_limit = serializers.IntegerField(required=False, allow_null=True)
    pain_ceiling = serializers.IntegerField(required=False, allow_null=True)
    requires_therapist_confirmation = serializers.BooleanField(required=False)
    on_not_met = serializers.ChoiceField(choices=ProgramWeek.OnNotMet.choices, required=False)


class PlanUpdateSerializer(serializers.Serializer):
    start_date = serializers.DateField(required=False)
    confirm_start_date = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Needed for a new start date more than 14 days ago or more than 90 days ahead."),
    )
    note_to_patient = text_field()
    targets = PlanTargetSerializer(many=True, required=False, max_length=200)
    rules = PlanWeekRuleSerializer(
        many=True, required=False, max_length=52, help_text=_("Per-week progression rules to change.")
    )

    def validate_rules(self, value):
        weeks = [rule["week"] for rule in value]
        if len(weeks) != len(set(weeks)):
            raise serializers.ValidationError(_("A week is listed twice."))
        return value


class PlanPauseSerializer(serializers.Serializer):
    reason = text_field()


class ProgressionNoticeSerializer(serializers.Serializer):
    week = serializers.IntegerField(read_only=True, help_text=_("The week the patient is held back from."))
    message = serializers.CharField(read_only=True)
    opened_at = serializers.DateTimeField(read_only=True)


class ProgressionSerializer(serializers.Serializer):
    """The plan's progression; `notice` (from the context) is its open "held back" notice, or null."""

    current_week = serializers.IntegerField(read_only=True)
    state = serializers.ChoiceField(
        source="progression_state", choices=Plan.ProgressionState.choices, read_only=True
    )
    reasons = ReasonsField(source="progression_reasons", read_only=True)
    evaluated_at = serializers.DateTimeField(
        source="progression_evaluated_at", read_only=True, allow_null=True
    )
    notice = serializers.SerializerMethodField(
        help_text=_(
            "Held back from the next week: a progression notice, not a safety alert. Null when none is open."
        )
    )

    @extend_schema_field(ProgressionNoticeSerializer(allow_null=True))
    def get_notice(self, plan) -> dict | None:
        notice = self.context.get("notice")
        return ProgressionNoticeSerializer(notice).data if notice is not None else None


class ProgressionOverrideRequestSerializer(serializers.Serializer):
    """The therapist's decision; what it may be is progression_override's rule (as on the portal)."""

    action = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=16,
        help_text=_(
            "advance (move on to the next week), hold (in the current week), release (your hold) "
            "or back (go back a week)."
        ),
    )
    reason = text_field(help_text=_("Kept in the plan's history."))
    effective_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_("From the day (not in the future); left out: today in the patient's time zone."),
    )


class ProgressionOverrideSerializer(serializers.ModelSerializer):
    progression = ProgressionSerializer(
        source="plan", read_only=True, help_text=_("The plan's progression right after the decision.")
    )

    class Meta:
        model = ProgressionOverride
        fields = [
            "id",
            "plan",
            "action",
            "from_week",
            "to_week",
            "effective_on",
            "reason",
            "created_by",
            "created_at",
            "progression",
        ]
        read_only_fields = fields


# --- The patient's day and sessions ------------------------------------------------------


class TodayExerciseSerializer(PlanExerciseSerializer):
    week = serializers.IntegerField(source="week.number", read_only=True, help_text=_("Week that added it."))
    starting_position = serializers.CharField(source="exercise.starting_position", read_only=True)
    instructions = serializers.CharField(source="exercise.instructions", read_only=True)
    cautions = serializers.CharField(source="exercise.cautions", read_only=True)

    class Meta(PlanExerciseSerializer.Meta):
        fields = [
            *PlanExerciseSerializer.Meta.fields,
            "week",
            "starting_position",
            "instructions",
            "cautions",
        ]
        read_only_fields = fields


class TodaySerializer(serializers.Serializer):
    date = serializers.DateField(read_only=True, help_text=_("Today in the patient's time zone."))
    plan = serializers.IntegerField(read_only=True, allow_null=True)
    plan_status = serializers.ChoiceField(choices=Plan.Status.choices, read_only=True, allow_null=True)
    week = serializers.IntegerField(read_only=True, allow_null=True)
    progression_state = serializers.ChoiceField(
        choices=Plan.ProgressionState.choices, read_only=True, allow_null=True
    )
    note_to_patient = serializers.CharField(read_only=True)
    general_cautions = serializers.CharField(read_only=True)
    session = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("Today's session, if one is logged.")
    )
    exercises = TodayExerciseSerializer(
        many=True, read_only=True, help_text=_("Empty while no plan is active today (none yet, or paused).")
    )


class SessionExerciseSerializer(serializers.ModelSerializer):
    exercise = serializers.SlugField(source="exercise_slug", read_only=True)  # api.views.SESSION_EXERCISES

    class Meta:
        model = SessionExercise
        fields = ["plan_exercise", "exercise", "done", "reps", "hold_seconds", "hurt"]
        read_only_fields = fields


class SessionSerializer(serializers.ModelSerializer):
    exercises = SessionExerciseSerializer(many=True, read_only=True)

    class Meta:
        model = SessionLog
        fields = [
            "id",
            "patient",
            "plan",
            "date",
            "week_number",
            "pain_before",
            "pain_after",
            "symptom_change",
            "note",
            "created_at",
            "updated_at",
            "exercises",
        ]
        read_only_fields = fields


class SessionExerciseEntrySerializer(serializers.Serializer):
    plan_exercise = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text=_("The `id` of an exercise in me/today.")
    )
    done = serializers.BooleanField()
    # The limits, and "a done exercise needs its repetitions", are session_log's rules.
    reps = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("Needed when the exercise is marked done.")
    )
    hold_seconds = serializers.IntegerField(required=False, allow_null=True)
    hurt = serializers.BooleanField(required=False, default=False, help_text=_("It hurt, I stopped."))


class SessionLogSerializer(serializers.Serializer):
    date = serializers.DateField(
        required=False, help_text=_("The day logged; left out: today in the patient's time zone.")
    )
    pain_before = serializers.IntegerField(min_value=0, max_value=10)
    pain_after = serializers.IntegerField(min_value=0, max_value=10)
    symptom_change = serializers.ChoiceField(
        choices=SessionLog.SymptomChange.choices, help_text=_("Symptoms compared with yesterday.")
    )
    note = text_field()
    exercises = SessionExerciseEntrySerializer(
        many=True,
        required=False,
        max_length=MAX_EXERCISES_PER_SESSION,
        help_text=_("Left out for a pain-only entry (nothing done), or with as_prescribed."),
    )
    as_prescribed = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "“I did everything as prescribed”: every exercise of the current week done at its targets "
            "(then leave out exercises)."
        ),
    )

    def validate_date(self, value):
        if not EARLIEST_START <= value <= LATEST_START:
            raise serializers.ValidationError(_("That day is not one you can log."))
        return value


# --- Alerts --------------------------------------------------------------------------------


class AlertSerializer(serializers.ModelSerializer):
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "patient",
            "plan",
            "session",
            "kind",
            "message",
            "created_at",
            "is_open",
            "acknowledged_by",
            "acknowledged_at",
            "acknowledgement_comment",
        ]
        read_only_fields = fields


class AlertAcknowledgeSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=ALERT_COMMENT_MAX_LENGTH,
        help_text=_("What you did about it. At most 2,000 characters."),
    )


class AlertsAcknowledgeSerializer(AlertAcknowledgeSerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=MAX_BULK_ALERTS,
        help_text=_("The alerts to acknowledge (ids from /api/v1/alerts/), all with the same comment."),
    )


# --- Auth ----------------------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    """Username and password; wrong ones answer 400 with a message under non_field_errors."""

    username = serializers.CharField(max_length=150, write_only=True)
    password = serializers.CharField(
        max_length=128, trim_whitespace=False, write_only=True, style={"input_type": "password"}
    )

    def validate(self, attrs):
        user = authenticate(
            request=self.context.get("request"), username=attrs["username"], password=attrs["password"]
        )
        if user is None:  # also for inactive accounts
            raise serializers.ValidationError(
                _("The username and password do not match an active account."), code="authorization"
            )
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
