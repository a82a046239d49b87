"""Shapes of the API's requests and responses.

Serializers validate shape (types, ranges, lengths); the rules (who may, in which state,
which day) live in the services the views call.
"""

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import DeviceToken
from exercises.models import Exercise, ProgramTemplate, ProgramWeek, WeekExercise
from patients.choices import ALERT_COMMENT_MAX_LENGTH
from patients.models import (
    Alert,
    Patient,
    Plan,
    SessionExercise,
    SessionLog,
)
from patients.services import EARLIEST_START, LATEST_START
from reminders.services import reminder_settings_of

from .fields import (
    MAX_BULK_ALERTS,
    MAX_EXERCISES_PER_SESSION,
    DataTextField,
    ProgressionRuleSerializer,
    TimeZoneField,
    text_field,
)
from .plan_serializers import (
    PlanExerciseSerializer,
)
from .reminder_serializers import ReminderSettingsSerializer

# --- Library -------------------------------------------------------------------------------


class ExerciseSerializer(serializers.ModelSerializer):
    """An exercise as read: the shipped program's text in the reader's language, as the pages show it."""

    name = DataTextField(read_only=True)
    starting_position = DataTextField(read_only=True)
    instructions = DataTextField(read_only=True)
    cautions = DataTextField(read_only=True)
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


class WeekExerciseSerializer(serializers.ModelSerializer):
    """An exercise a week adds, with the hold and repetition range the program states."""

    slug = serializers.SlugField(source="exercise.slug", read_only=True)
    name = DataTextField(source="exercise.name", read_only=True)
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
    title = DataTextField(read_only=True)
    introduction = DataTextField(read_only=True)
    progression_rule = ProgressionRuleSerializer(source="*", read_only=True)
    exercises = WeekExerciseSerializer(many=True, read_only=True)

    class Meta:
        model = ProgramWeek
        fields = ["number", "title", "introduction", "progression_rule", "exercises"]
        read_only_fields = fields


class ProgramSerializer(serializers.ModelSerializer):
    name = DataTextField(read_only=True)
    description = DataTextField(read_only=True)
    general_cautions = DataTextField(read_only=True)
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
        source="user.email",
        read_only=True,
        help_text=_(
            "The address in force: password reset links go here. Empty if none was given. A new "
            "address replaces it only once the patient confirms it (see email_pending)."
        ),
    )
    email_pending = serializers.SerializerMethodField(
        help_text=_(
            "A new address waiting for the patient's confirmation: a link was mailed to it, and the "
            "old address was told. Null when nothing waits."
        )
    )
    timezone = TimeZoneField(read_only=True)
    reminders = serializers.SerializerMethodField(
        help_text=_("The patient's reminder settings, which only the patient changes (me/reminders).")
    )

    language = serializers.ChoiceField(
        source="user.language",
        choices=settings.LANGUAGES,
        read_only=True,
        help_text=_("The language of the patient's pages, e-mails, printed program and API answers."),
    )

    @extend_schema_field(ReminderSettingsSerializer)
    def get_reminders(self, patient) -> dict:
        return ReminderSettingsSerializer(reminder_settings_of(patient)).data

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_email_pending(self, patient) -> str | None:
        change = getattr(patient.user, "email_change", None)  # none waiting: the accessor raises
        return change.new_email if change else None

    class Meta:
        model = Patient
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "email_pending",
            "therapist",
            "timezone",
            "language",
            "baseline_pain",
            "reminders",
            "created_at",
        ]
        read_only_fields = fields


class PatientWriteSerializer(serializers.Serializer):
    """Fields a therapist may set on a patient (PATCH sends only those that change)."""

    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    timezone = TimeZoneField(required=False)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text=_("The patient's language (their pages, e-mails, printed program). Default: English."),
    )
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


# --- The patient's day and sessions ------------------------------------------------------


class TodayExerciseSerializer(PlanExerciseSerializer):
    week = serializers.IntegerField(source="week.number", read_only=True, help_text=_("Week that added it."))
    starting_position = DataTextField(source="exercise.starting_position", read_only=True)
    instructions = DataTextField(source="exercise.instructions", read_only=True)
    cautions = DataTextField(source="exercise.cautions", read_only=True)
    picture_url = serializers.SerializerMethodField(
        help_text=_("The clinic's uploaded picture of the exercise (read with the same token); null if none.")
    )
    video_url = serializers.CharField(source="exercise.video_url", read_only=True)

    class Meta(PlanExerciseSerializer.Meta):
        fields = [
            *PlanExerciseSerializer.Meta.fields,
            "week",
            "starting_position",
            "instructions",
            "cautions",
            "picture_url",
            "video_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_picture_url(self, item) -> str | None:
        return item.exercise.picture_url() or None


class TodaySerializer(serializers.Serializer):
    date = serializers.DateField(read_only=True, help_text=_("Today in the patient's time zone."))
    plan = serializers.IntegerField(read_only=True, allow_null=True)
    plan_status = serializers.ChoiceField(choices=Plan.Status.choices, read_only=True, allow_null=True)
    week = serializers.IntegerField(read_only=True, allow_null=True)
    progression_state = serializers.ChoiceField(
        choices=Plan.ProgressionState.choices, read_only=True, allow_null=True
    )
    note_to_patient = serializers.CharField(read_only=True)
    general_cautions = DataTextField(read_only=True)
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
    otp = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text=(
            "For a therapist or manager with two-factor login: a current 6-digit code from their "
            "authenticator app, or one of their recovery codes (used up)."
        ),
    )
    device = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text=_("A name for this device, shown in your list of devices (e.g. “Sam's phone”)."),
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
    token = serializers.CharField(
        read_only=True, help_text=_("Send it as `Authorization: Token <token>`. It is shown only this once.")
    )
    expiry = serializers.DateTimeField(
        read_only=True,
        help_text=_("When the token ends if it is not used; every request with it moves this on."),
    )
    device = serializers.IntegerField(
        read_only=True, help_text=_("This device's id in /api/v1/auth/devices/.")
    )


class DeviceSerializer(serializers.ModelSerializer):
    """One of the caller's API logins (never the token itself)."""

    current = serializers.SerializerMethodField(help_text=_("True for the token making this request."))

    class Meta:
        model = DeviceToken
        fields = ["id", "name", "created", "last_used", "expiry", "current"]
        read_only_fields = fields

    def get_current(self, device) -> bool:
        request = self.context.get("request")
        return isinstance(getattr(request, "auth", None), DeviceToken) and request.auth.pk == device.pk
